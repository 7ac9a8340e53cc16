"""
The time-event scheduler (`app.services.time_events`) on SQLite and PostgreSQL, with an
injected clock: a window announced upcoming, started and ended at its instants, once each;
late after a gap (a restart); not at all at instants the window left; once with two replicas
racing; a policy review due; and delivered to a real receiver as a signed webhook.
"""

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable

from jsonschema import Draft6Validator
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain import UTC, Policy
from app.domain.notices import notice_of
from app.domain.teams_cards import teams_message
from app.services.time_events import run_time_events
from app.services.webhook_delivery import DeliveryPolicy, deliver_due
from app.services.webhooks import subscribe
from app.services.windows import (
    WindowChanges,
    add_manual_window,
    change_manual_window,
    end_manual_window,
)
from app.store import load_policy
from app.store.engine import make_engine
from app.store.tables import OutboxEventRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys
from tests.receivers import receiver

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
CLERK = Actor("Town Clerk", "clerk")
T0 = dt.datetime(2029, 1, 10, 9, 0, tzinfo=UTC)
START = dt.datetime(2029, 1, 30, 0, 0, tzinfo=UTC)  # 00:00 GMT
END = dt.datetime(2029, 2, 1, 18, 0, tzinfo=UTC)
UPCOMING = START - POLICY.warning_horizon
SECOND = dt.timedelta(seconds=1)


def _policy_of(policy: Policy | None = POLICY) -> Callable[[str], Policy | None]:
    return lambda organisation_id: policy if organisation_id == "redruth" else None


def _window(uow: UnitOfWork, start: dt.datetime = START, end: dt.datetime = END) -> str:
    return add_manual_window(
        uow, POLICY, CLERK, starts_at=start, ends_at=end, reason="a by-election of our own",
        account_ids=None, now=T0,
    ).id  # fmt: skip


def _announced(engine: Engine, anchor: str) -> list[tuple[str, dict]]:
    """The time events written to the outbox for the window anchored at `anchor`, in order."""
    with Session(engine) as session:
        rows = session.execute(
            select(OutboxEventRow)
            .where(
                col(OutboxEventRow.type).in_(["window.upcoming", "window.started", "window.ended"])
            )
            .order_by(col(OutboxEventRow.seq))
        ).scalars()
        return [
            (row.type, row.payload["data"])
            for row in rows
            if anchor in row.payload["data"]["window"]["manual_window_ids"]
        ]


def _round(engine: Engine, at: dt.datetime, policy: Policy | None = POLICY) -> int:
    return run_time_events(engine, _policy_of(policy), now=at).sent


def test_a_window_is_announced_at_each_instant_once(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    window_id = _window(uow)
    _round(engine, T0)

    seen = []
    for at in (UPCOMING - SECOND, UPCOMING, UPCOMING, START - SECOND, START, END - SECOND, END):
        _round(engine, at)
        seen.append([kind for kind, _ in _announced(engine, window_id)])

    assert seen == [
        [],
        ["window.upcoming"],
        ["window.upcoming"],
        ["window.upcoming"],
        ["window.upcoming", "window.started"],
        ["window.upcoming", "window.started"],
        ["window.upcoming", "window.started", "window.ended"],
    ]


def test_an_announcement_carries_the_window_as_the_api_shows_it(
    engine: Engine, seeded: Keys
) -> None:
    window_id = _window(UnitOfWork(engine))
    _round(engine, T0)
    _round(engine, START)

    (_, upcoming), (_, started) = _announced(engine, window_id)

    assert started["organisation_id"] == "redruth"
    assert started["organisation_name"] == POLICY.organisation_name
    window = started["window"]
    assert window["starts_at"] == "2029-01-30T00:00:00+00:00"
    assert window["ends_at"] == "2029-02-01T18:00:00+00:00"
    assert window["manual_window_ids"] == [window_id]
    assert "a by-election of our own" in window["description"]
    assert started["boundary_at"] == started["due_at"] == "2029-01-30T00:00:00+00:00"
    assert started["late"] is False
    assert started["guidance"]["never_permitted"] == sorted(POLICY.never_permitted)
    assert started["link"] == "/v1/windows?from=2029-01-30&to=2029-02-02"
    # sent in the same round (it was late by then): the upcoming one says when it was due
    assert upcoming["due_at"] == "2029-01-16T00:00:00+00:00"
    assert upcoming["late"] is True


def test_a_boundary_passed_while_no_scheduler_ran_is_sent_late_on_a_new_process(
    engine: Engine, database_url: str, seeded: Keys
) -> None:
    window_id = _window(UnitOfWork(engine))
    _round(engine, T0)
    later = START + dt.timedelta(hours=3)

    restarted = make_engine(database_url)  # another process: nothing held in memory
    try:
        sent = run_time_events(restarted, _policy_of(), now=later).sent
        again = run_time_events(restarted, _policy_of(), now=later + SECOND).sent
    finally:
        restarted.dispose()

    announced = _announced(engine, window_id)
    assert [kind for kind, _ in announced] == ["window.upcoming", "window.started"]
    assert all(data["late"] for _, data in announced)
    assert announced[1][1]["due_at"] == "2029-01-30T00:00:00+00:00"
    assert sent >= 2
    assert again == 0


def test_a_window_moved_is_announced_at_its_new_instants_only(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    window_id = _window(uow)
    _round(engine, T0)
    later_start = START + dt.timedelta(days=5)
    moved = WindowChanges(
        starts_at=later_start, ends_at=END + dt.timedelta(days=5), change_reason="moved"
    )
    change_manual_window(uow, POLICY, CLERK, window_id, changes=moved, now=T0 + SECOND)

    for at in (UPCOMING, START, later_start - POLICY.warning_horizon, later_start):
        _round(engine, at)

    announced = _announced(engine, window_id)
    assert [(kind, data["boundary_at"]) for kind, data in announced] == [
        ("window.upcoming", "2029-02-04T00:00:00+00:00"),
        ("window.started", "2029-02-04T00:00:00+00:00"),
    ]


def test_a_window_the_clerk_ends_early_is_announced_as_ended_at_once(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    window_id = _window(uow)
    _round(engine, T0)
    _round(engine, START)
    ended_at = START + dt.timedelta(hours=2)
    end_manual_window(uow, POLICY, CLERK, window_id, reason="poll countermanded", now=ended_at)

    _round(engine, ended_at + SECOND)
    _round(engine, END)

    announced = _announced(engine, window_id)
    assert [(kind, data["boundary_at"]) for kind, data in announced][-1] == (
        "window.ended",
        "2029-01-30T02:00:00+00:00",
    )
    assert [kind for kind, _ in announced].count("window.ended") == 1


def test_two_replicas_racing_send_each_announcement_once(
    engine: Engine, database_url: str, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    starts = [START + dt.timedelta(days=3 * n) for n in range(12)]
    ids = [_window(uow, s, s + dt.timedelta(days=1)) for s in starts]
    _round(engine, T0)
    replicas = [make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def replica(own: Engine) -> None:
        try:
            for at in starts:
                barrier.wait()
                run_time_events(own, _policy_of(), now=at, limit=3)
                run_time_events(own, _policy_of(), now=at, limit=3)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=replica, args=(own,)) for own in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for own in replicas:
        own.dispose()

    assert failures == []
    for n, window_id in enumerate(ids):
        kinds = sorted(kind for kind, _ in _announced(engine, window_id))
        # each window had started by the round at its start, and ended by the next one's
        ended = ["window.ended"] if n < len(ids) - 1 else []
        assert kinds == [*ended, "window.started", "window.upcoming"], window_id


def test_a_policy_review_is_announced_the_day_after_it_was_due(
    engine: Engine, seeded: Keys
) -> None:
    policy = dataclasses.replace(POLICY, next_review_due=dt.date(2029, 7, 31))
    _round(engine, T0, policy)

    _round(engine, dt.datetime(2029, 7, 31, 22, 59, tzinfo=UTC), policy)
    with Session(engine) as session:
        early = session.execute(
            select(OutboxEventRow).where(col(OutboxEventRow.type) == "policy.review_due")
        ).all()
    _round(engine, dt.datetime(2029, 7, 31, 23, 0, tzinfo=UTC), policy)  # 00:00 BST, 1 August
    with Session(engine) as session:
        (due,) = session.execute(
            select(OutboxEventRow).where(col(OutboxEventRow.type) == "policy.review_due")
        ).scalars()

    assert early == []
    assert due.payload["data"]["review_due"] == "2029-07-31"
    assert due.payload["data"]["due_at"] == "2029-08-01T00:00:00+01:00"
    assert due.payload["data"]["link"] == "/v1/policy"


def test_no_window_is_announced_upcoming_while_the_policy_cannot_be_read(
    engine: Engine, seeded: Keys
) -> None:
    window_id = _window(UnitOfWork(engine))
    _round(engine, T0, policy=None)
    _round(engine, UPCOMING, policy=None)
    unread = [kind for kind, _ in _announced(engine, window_id)]

    _round(engine, UPCOMING + SECOND)  # readable again: the schedule is worked out anew

    assert unread == []
    announced = _announced(engine, window_id)
    assert [kind for kind, _ in announced] == ["window.upcoming"]
    assert announced[0][1]["guidance"] is not None


def test_a_time_event_reaches_a_subscriber_signed(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    now = dt.datetime.now(UTC).replace(microsecond=0)
    policy = DeliveryPolicy(timeout=5.0, allow_private=True)
    with receiver() as hook:
        subscribe(
            uow, "redruth", CLERK, url=hook.url, events=["window.started"], format="standard",
            allow_private=True, now=now,
        )  # fmt: skip
        add_manual_window(
            uow, POLICY, CLERK, starts_at=now + dt.timedelta(minutes=5),
            ends_at=now + dt.timedelta(hours=1), reason="a by-election of our own",
            account_ids=None, now=now,
        )  # fmt: skip
        run_time_events(engine, _policy_of(), now=now)
        run_time_events(engine, _policy_of(), now=now + dt.timedelta(minutes=5))
        deliver_due(engine, now=lambda: now + dt.timedelta(minutes=5), policy=policy)

    (got,) = hook.received
    body = json.loads(got.body)
    assert body["type"] == "window.started"
    assert body["data"]["window"]["description"].startswith("restriction set by the Clerk")
    assert got.headers["webhook-signature"].startswith("v1,")


def test_the_real_payloads_read_as_notices_and_valid_teams_cards(
    engine: Engine, seeded: Keys
) -> None:
    schema = json.loads((ROOT / "tests/data/adaptive-cards/adaptive-card-1.5.json").read_text())
    validator = Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)
    window_id = _window(UnitOfWork(engine))
    _round(engine, T0)
    for at in (UPCOMING, START, END):
        _round(engine, at)

    notices = {}
    for kind, data in _announced(engine, window_id):
        notice = notice_of({"type": kind, "timestamp": data["due_at"], "data": data})
        card = teams_message(notice, base_url="https://purdah.example.org")
        content = card["attachments"][0]["content"]
        assert [e.message for e in validator.iter_errors(content)] == [], kind
        notices[kind] = notice

    assert notices["window.upcoming"].title.endswith("starts Tuesday 30 January 2029 at 00:00")
    assert notices["window.started"].title.endswith("has started")
    assert "Never allowed" in " ".join(notices["window.started"].guidance)
