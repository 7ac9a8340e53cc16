"""
The background poll sees every other replica's write, and on PostgreSQL reads every
organisation's version only when one moved (or once a `FULL_POLL_SECONDS`).
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text, update
from sqlmodel import col

from app.calendars import read_shipped_calendars
from app.domain import UTC, AccountStatus, Category, Outcome, decide
from app.services.organisations import seed
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.snapshots import FULL_POLL_SECONDS, SnapshotCache, _versions_digest
from app.store.tables import OrganisationRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

REDRUTH = load_policy(ROOT / "policies" / "redruth.yaml")
PENRYN = load_policy(ROOT / "tests" / "data" / "policies" / "penryn.yaml")
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
AT = dt.datetime(2027, 6, 3, 12, 0, tzinfo=UTC)
ACCOUNT = next(a.account_id for a in REDRUTH.accounts if a.status is AccountStatus.ACTIVE)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL the engine runs meanwhile."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _reads_every_version(seen: list[str]) -> bool:
    return any("data_version" in s and "count(" not in s for s in seen)


def _policy(row: OrganisationRow):  # type: ignore[no-untyped-def]
    return REDRUTH if row.id == "redruth" else PENRYN


def _window(engine: Engine, days: int = 1) -> None:
    """A write by another replica: this process's cache is not told."""
    add_manual_window(UnitOfWork(engine), REDRUTH, Actor("tests", "clerk"),
        starts_at=AT - dt.timedelta(days=days), ends_at=AT + dt.timedelta(days=days),
        reason="another replica's write", account_ids=None, now=NOW,
    )  # fmt: skip


def _outcome(cache: SnapshotCache) -> Outcome:
    return decide(ACCOUNT, AT, Category.GENERAL, cache.snapshot("redruth"), now=NOW).outcome


def test_a_write_by_another_replica_is_in_force_after_the_next_poll(
    engine: Engine, seeded: Keys
) -> None:
    cache = SnapshotCache(engine, _policy, max_age=60)
    assert cache.refresh()
    assert cache.refresh()  # a poll that finds nothing keeps what it has
    assert _outcome(cache) is Outcome.ALLOW
    _window(engine)
    assert cache.refresh()
    assert _outcome(cache) is Outcome.DENY


def test_a_council_added_by_another_replica_is_held_after_the_next_poll(
    engine: Engine, seeded: Keys
) -> None:
    cache = SnapshotCache(engine, _policy, max_age=60)
    assert cache.refresh()
    assert "penryn" not in cache.organisations()
    seed(UnitOfWork(engine), PENRYN, read_shipped_calendars(ROOT / "calendars"),
         policy_file="penryn.yaml", now=NOW)  # fmt: skip
    assert cache.refresh()
    assert "penryn" in cache.organisations()


def test_the_poll_reads_every_version_only_when_one_moved_on_postgres(
    engine: Engine, seeded: Keys
) -> None:
    clock = Clock()
    cache = SnapshotCache(engine, _policy, max_age=3600, clock=clock)
    assert cache.refresh()
    with statements(engine) as seen:
        clock.now += 1
        assert cache.refresh()
    if engine.dialect.name != "postgresql":  # SQLite, embedded: every poll reads them all
        assert _reads_every_version(seen), seen
        return
    assert seen  # the digest alone
    assert not _reads_every_version(seen), seen

    _window(engine)
    with statements(engine) as seen:
        clock.now += 1
        assert cache.refresh()
    assert _reads_every_version(seen)
    assert _outcome(cache) is Outcome.DENY

    # a version moved by hand, by any writer at all, moves the digest too
    with engine.begin() as connection:
        connection.execute(
            update(OrganisationRow)
            .where(col(OrganisationRow.id) == "redruth")
            .values(data_version=col(OrganisationRow.data_version) + 1)
        )
    with statements(engine) as seen:
        clock.now += 1
        assert cache.refresh()
    assert _reads_every_version(seen)

    with statements(engine) as seen:
        clock.now += FULL_POLL_SECONDS  # however unchanged the digest, read them all again
        assert cache.refresh()
    assert _reads_every_version(seen)


def test_a_write_whose_reload_failed_is_read_again_at_the_next_poll(
    engine: Engine, seeded: Keys
) -> None:
    broken = {"on": False}

    def policy_for(row: OrganisationRow):  # type: ignore[no-untyped-def]
        if broken["on"]:
            msg = "the rebuild fails half way"
            raise RuntimeError(msg)
        return _policy(row)

    clock = Clock()
    cache = SnapshotCache(engine, policy_for, max_age=3600, clock=clock)
    assert cache.refresh()
    _window(engine)
    broken["on"] = True
    clock.now += 1
    assert cache.refresh() is False  # the old snapshot stays, and the write is not forgotten
    assert _outcome(cache) is Outcome.ALLOW
    broken["on"] = False
    clock.now += 1
    assert cache.refresh()
    assert _outcome(cache) is Outcome.DENY


def test_the_digest_moves_with_any_one_version(engine: Engine, seeded: Keys) -> None:
    seed(UnitOfWork(engine), PENRYN, read_shipped_calendars(ROOT / "calendars"),
         policy_file="penryn.yaml", now=NOW)  # fmt: skip
    with engine.begin() as connection:
        if engine.dialect.name != "postgresql":
            assert _versions_digest(connection) is None  # SQLite: no digest, every version read
            return
        seen = {_versions_digest(connection)}
        for organisation in ("redruth", "penryn", "redruth"):
            for step in (1, 1, 7):
                connection.execute(
                    text("UPDATE organisation SET data_version = data_version + :s WHERE id = :o"),
                    {"s": step, "o": organisation},
                )
                digest = _versions_digest(connection)
                assert digest not in seen
                seen.add(digest)
        connection.rollback()
