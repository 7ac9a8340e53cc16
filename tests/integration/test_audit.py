"""The audit log shows any alteration, on SQLite and PostgreSQL; parallel writers never fork it."""

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, text

from app.domain import UTC
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.audit import ActionsMemo, list_actions, verify_organisation
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")


def _sql(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement))


def test_an_untouched_log_verifies(engine: Engine, seeded: Keys) -> None:
    result = verify_organisation(engine, "redruth")

    assert result.ok
    assert result.check.events > 20


def test_an_edited_event_is_found_where_it_was_edited(engine: Engine, seeded: Keys) -> None:
    _sql(engine, "UPDATE audit_event SET actor = 'someone else' WHERE seq = 7")

    result = verify_organisation(engine, "redruth")

    assert (result.ok, result.check.broken_at) == (False, 7)
    assert "edited" in (result.problem or "")


def test_a_deleted_event_breaks_the_link_after_it(engine: Engine, seeded: Keys) -> None:
    _sql(engine, "DELETE FROM audit_event WHERE seq = 7")

    result = verify_organisation(engine, "redruth")

    assert (result.ok, result.check.broken_at) == (False, 8)
    assert "deleted or reordered" in (result.problem or "")


def test_swapped_events_are_found_at_the_first_swapped_place(engine: Engine, seeded: Keys) -> None:
    _sql(engine, "UPDATE audit_event SET seq = -1 WHERE seq = 7")
    _sql(engine, "UPDATE audit_event SET seq = 7 WHERE seq = 8")
    _sql(engine, "UPDATE audit_event SET seq = 8 WHERE seq = -1")

    result = verify_organisation(engine, "redruth")

    assert (result.ok, result.check.broken_at) == (False, 7)


def test_deleting_the_newest_events_shows_at_the_end(engine: Engine, seeded: Keys) -> None:
    _sql(engine, "DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)")

    result = verify_organisation(engine, "redruth")

    assert result.ok is False
    assert result.check.broken_at is None
    assert "newest events were deleted" in (result.problem or "")


def test_parallel_writers_never_fork_the_chain(engine: Engine, seeded: Keys) -> None:
    """Eight threads each add five manual windows at once; the chain stays one line."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                start = dt.datetime(2030, 1, 1, tzinfo=UTC) + dt.timedelta(days=10 * (n * 5 + i))
                add_manual_window(UnitOfWork(engine), POLICY, Actor(f"clerk {n}", "clerk"), starts_at=start, ends_at=start + dt.timedelta(days=1),
                    reason=f"parallel {n}-{i}", account_ids=None, now=start,
                )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = verify_organisation(engine, "redruth")
    assert result.ok, result.problem
    with engine.connect() as connection:
        windows = connection.execute(text("SELECT COUNT(*) FROM manual_window")).scalar_one()
    assert windows == 40


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_export_holds_every_event(engine: Engine, seeded: Keys, fmt: str) -> None:
    from app.store.audit import export_events

    out = "".join(export_events(engine, "redruth", fmt))

    lines = out.strip().splitlines()
    expected = verify_organisation(engine, "redruth").check.events
    assert len(lines) == expected + (1 if fmt == "csv" else 0)


def test_where_the_policy_asks_a_second_clerk_must_confirm_an_override(
    engine: Engine, seeded: Keys
) -> None:
    """No self-approval: the granting Clerk cannot confirm; until confirmed the override is not in force."""
    from dataclasses import replace

    from app.services.overrides import confirm_override, grant_override
    from app.store.errors import InvalidChange
    from app.store.snapshots import SnapshotCache

    strict = replace(POLICY, override_needs_second_clerk=True)
    cache = SnapshotCache(engine, lambda _row: strict, max_age=30)
    cache.refresh()
    first, second = Actor("Clerk A (k1)", "clerk"), Actor("Deputy Clerk (k2)", "clerk")
    start = dt.datetime(2029, 4, 9, 8, 0, tzinfo=UTC)
    granted = grant_override(UnitOfWork(engine), strict, first, account_id="facebook-redruthtowncouncil",
        starts_at=start, ends_at=start + dt.timedelta(days=2), categories=None, reason="civic event", now=start,
    )  # fmt: skip
    cache.refresh()
    unconfirmed = cache.snapshot("redruth")

    with pytest.raises(InvalidChange, match="cannot confirm"):
        confirm_override(UnitOfWork(engine), strict, first, granted.id, key_id="k1", now=start)
    confirm_override(UnitOfWork(engine), strict, second, granted.id, key_id="k2", now=start)
    cache.refresh()

    from app.domain import Category, decide

    at = start + dt.timedelta(hours=2)
    before = decide("facebook-redruthtowncouncil", at, Category.EVENT, unconfirmed, now=at)
    after = decide(
        "facebook-redruthtowncouncil", at, Category.EVENT, cache.snapshot("redruth"), now=at
    )
    assert (before.outcome, after.outcome) == ("refer", "allow")


def test_the_remembered_actions_follow_a_new_event(engine: Engine, seeded: Keys) -> None:
    memo = ActionsMemo()
    before = list_actions(engine, "redruth", memo)
    again = list_actions(engine, "redruth", memo)
    at = dt.datetime(2029, 1, 10, 9, 0, tzinfo=UTC)
    with UnitOfWork(engine).write("redruth", Actor("Town Clerk", "clerk"), now=at) as change:
        change.audit("zz.bench", "target", reason="a new kind of event")

    after = list_actions(engine, "redruth", memo)

    assert again == before == sorted(before)
    assert "zz.bench" not in before
    assert after == sorted([*before, "zz.bench"])
    assert list_actions(engine, "redruth") == after  # the same without a memo
