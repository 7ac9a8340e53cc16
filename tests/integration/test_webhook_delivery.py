"""
Delivering the outbox to webhook subscribers (`app.services.webhook_delivery`): signed per
Standard Webhooks and checked with its reference package, sent once, retried with backoff,
given up in the end. The receiver is a real HTTP server in the test process.
"""

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.domain import UTC
from app.services.overrides import grant_override
from app.services.webhook_delivery import DeliveryPolicy, deliver_due, purge_old_deliveries
from app.services.webhooks import deliveries_of, failing_of, revoke_webhook, subscribe
from app.store import load_policy
from app.store.unit_of_work import Actor, UnitOfWork
from app.store.webhooks import Claimed, claim_due, release_claims
from tests.conftest import ROOT, Keys
from tests.receivers import Receiver, receiver

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
CLERK = Actor("Town Clerk", "clerk")
NOW = dt.datetime(2029, 1, 10, 9, 0, tzinfo=UTC)
POLICY_FOR_TESTS = DeliveryPolicy(
    timeout=5.0,
    first_retry=dt.timedelta(seconds=30),
    max_wait=dt.timedelta(minutes=10),
    retry_for=dt.timedelta(minutes=5),
    allow_private=True,
)


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


def _subscribe(uow: UnitOfWork, url: str, now: dt.datetime) -> tuple[str, str]:
    made = subscribe(
        uow, "redruth", CLERK, url=url, events=["override.granted"], format="standard",
        allow_private=True, now=now,
    )  # fmt: skip
    return made.webhook.id, made.secret


def _grant(uow: UnitOfWork, now: dt.datetime) -> str:
    return grant_override(
        uow, POLICY, CLERK, account_id="facebook-redruthtowncouncil",
        starts_at=dt.datetime(2029, 4, 9, 8, 0, tzinfo=UTC),
        ends_at=dt.datetime(2029, 4, 12, 16, 0, tzinfo=UTC),
        categories=None, reason="street fair", now=now,
    ).id  # fmt: skip


def _wall_clock() -> dt.datetime:
    """
    The real time: `Webhook.verify` refuses a timestamp more than five minutes from its own
    clock, which cannot be injected, so the deliveries it checks are signed at the real time.
    """
    return dt.datetime.now(UTC)


def test_an_override_granted_is_delivered_once_and_verifies(engine: Engine, seeded: Keys) -> None:
    uow, now = UnitOfWork(engine), _wall_clock()
    with receiver() as hook:
        webhook_id, secret = _subscribe(uow, hook.url, now)
        override_id = _grant(uow, now)

        first = deliver_due(engine, now=Clock(now), policy=POLICY_FOR_TESTS)
        again = deliver_due(engine, now=Clock(now + dt.timedelta(hours=1)), policy=POLICY_FOR_TESTS)

    assert [o.status for o in first] == ["delivered"]
    assert again == []
    assert len(hook.received) == 1
    got = hook.received[0]
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "override.granted"
    assert payload["data"]["override_id"] == override_id
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert got.headers["webhook-id"] == f"msg_{delivery.event_id}"
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 204)


def test_a_tampered_body_is_refused_by_the_verifier(engine: Engine, seeded: Keys) -> None:
    uow, now = UnitOfWork(engine), _wall_clock()
    with receiver() as hook:
        _, secret = _subscribe(uow, hook.url, now)
        _grant(uow, now)
        deliver_due(engine, now=Clock(now), policy=POLICY_FOR_TESTS)
    got = hook.received[0]
    tampered = got.body.replace(b"street fair", b"street fain")

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, got.headers)


class _Failed(Exception):
    """A write that fails after it audited an override granted."""


def _grant_then_fail(uow: UnitOfWork) -> None:
    with uow.write("redruth", CLERK, now=NOW) as change:
        change.audit("override.grant", "ov-never", after={"starts_at": NOW})
        change.session.flush()
        raise _Failed


def test_a_write_that_rolls_back_delivers_nothing(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    with receiver() as hook:
        webhook_id, _ = _subscribe(uow, hook.url, NOW)
        with pytest.raises(_Failed):
            _grant_then_fail(uow)

        outcomes = deliver_due(engine, now=Clock(NOW), policy=POLICY_FOR_TESTS)

    assert outcomes == []
    assert hook.received == []
    assert deliveries_of(uow, "redruth", webhook_id) == []


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    engine: Engine, seeded: Keys
) -> None:
    """With no jitter the waits are half of 30 s, 60 s, 120 s...; after 5 minutes, give up."""
    uow, clock = UnitOfWork(engine), Clock(NOW)
    with receiver(status=500) as hook:
        webhook_id, _ = _subscribe(uow, hook.url, NOW)
        _grant(uow, NOW)
        seen = []
        for seconds in (0, 10, 15, 44, 45, 105, 225, 465):
            clock.now = NOW + dt.timedelta(seconds=seconds)
            outcomes = deliver_due(engine, now=clock, policy=POLICY_FOR_TESTS, jitter=lambda: 0.0)
            seen.append((seconds, [o.status for o in outcomes]))
        after = deliver_due(engine, now=Clock(NOW + dt.timedelta(days=1)), policy=POLICY_FOR_TESTS)

    assert seen == [
        (0, ["pending"]),
        (10, []),
        (15, ["pending"]),
        (44, []),
        (45, ["pending"]),
        (105, ["pending"]),
        (225, ["pending"]),
        (465, ["failed"]),
    ]
    assert after == []
    assert len(hook.received) == 6
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 6, 500)
    assert delivery.last_error == "the receiver answered 500"


def test_a_claimed_delivery_is_not_claimed_again_while_it_is_being_sent(
    engine: Engine, seeded: Keys
) -> None:
    """The lease: another replica polling at the same instant finds nothing due."""
    uow = UnitOfWork(engine)
    _subscribe(uow, "http://127.0.0.1:9/never", NOW)
    _grant(uow, NOW)

    first = claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)
    second = claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)

    assert len(first) == 1
    assert second == []


def test_a_revoked_subscription_gets_nothing_more(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    with receiver() as hook:
        webhook_id, _ = _subscribe(uow, hook.url, NOW)
        _grant(uow, NOW)
        revoke_webhook(uow, "redruth", CLERK, webhook_id, reason="tool retired", now=NOW)

        outcomes = deliver_due(engine, now=Clock(NOW), policy=POLICY_FOR_TESTS)

    assert outcomes == []
    assert hook.received == []
    assert [d.status for d in deliveries_of(uow, "redruth", webhook_id)] == ["cancelled"]


def test_a_delivery_another_replica_has_locked_is_skipped_not_waited_for(
    engine: Engine, seeded: Keys
) -> None:
    """PostgreSQL: `FOR UPDATE SKIP LOCKED`, so replicas claiming at once never share a row."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one process: its writers are serialised by the database lock")
    uow = UnitOfWork(engine)
    _subscribe(uow, "http://127.0.0.1:9/never", NOW)
    _grant(uow, NOW)
    claimed: list[list[Claimed]] = []
    with engine.connect() as other, other.begin():
        other.execute(text("SELECT id FROM webhook_delivery FOR UPDATE"))
        thread = threading.Thread(
            target=lambda: claimed.append(
                claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)
            )
        )
        thread.start()
        thread.join(timeout=20)
    after = claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)

    assert claimed == [[]]
    assert len(after) == 1


def test_a_receiver_that_does_not_answer_in_time_is_retried_later(
    engine: Engine, seeded: Keys
) -> None:
    """The deadline per attempt: a slow receiver costs one attempt, not the sender's loop."""
    uow = UnitOfWork(engine)
    hurried = DeliveryPolicy(timeout=0.3, allow_private=True)
    with receiver(delay=2.0) as hook:
        webhook_id, _ = _subscribe(uow, hook.url, NOW)
        _grant(uow, NOW)

        outcomes = deliver_due(engine, now=Clock(NOW), policy=hurried, jitter=lambda: 0.0)

    assert [(o.status, o.error) for o in outcomes] == [("pending", "no answer within 0.3 s")]
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert delivery.next_attempt_at == NOW + dt.timedelta(seconds=15)


def test_two_senders_at_once_send_each_delivery_exactly_once(engine: Engine, seeded: Keys) -> None:
    """Two replicas (or uvicorn workers) polling together: every delivery goes out once."""
    uow = UnitOfWork(engine)
    small = DeliveryPolicy(timeout=5.0, allow_private=True, batch=2)
    with receiver() as hook:
        for n in range(12):
            _subscribe(uow, f"{hook.url}?subscriber={n}", NOW)
        _grant(uow, NOW)
        start = threading.Barrier(2)

        def sender() -> None:
            start.wait()
            while deliver_due(engine, now=Clock(NOW), policy=small):
                pass

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    paths = sorted(r.path for r in hook.received)
    assert len(paths) == 12
    assert len(set(paths)) == 12


def test_a_subscription_given_up_on_is_failing_until_a_delivery_arrives(
    engine: Engine, seeded: Keys
) -> None:
    """
    The give-up is audited as `webhook.failing` and announced to the other subscriptions that
    asked for it (never to the failing one: it would fail again); a later delivery clears it.
    """
    uow, clock = UnitOfWork(engine), Clock(NOW)
    with receiver(status=500) as broken, receiver() as watcher:
        webhook_id, _ = _subscribe(uow, broken.url, NOW)
        watching = subscribe(
            uow, "redruth", CLERK, url=watcher.url, events=["webhook.failing"],
            format="standard", allow_private=True, now=NOW,
        ).webhook.id  # fmt: skip
        _grant(uow, NOW)
        for seconds in (0, 15, 45, 105, 225, 465):
            clock.now = NOW + dt.timedelta(seconds=seconds)
            deliver_due(engine, now=clock, policy=POLICY_FOR_TESTS, jitter=lambda: 0.0)
        failing = failing_of(uow, "redruth")
        clock.now = NOW + dt.timedelta(seconds=470)
        told = deliver_due(engine, now=clock, policy=POLICY_FOR_TESTS, jitter=lambda: 0.0)
        broken.status = 204
        _grant(uow, clock.now)
        deliver_due(engine, now=clock, policy=POLICY_FOR_TESTS, jitter=lambda: 0.0)
        cleared = failing_of(uow, "redruth")

    assert list(failing) == [webhook_id]
    assert failing[webhook_id].reason == "the receiver answered 500"
    assert [o.status for o in told] == ["delivered"]
    (notice,) = watcher.received
    assert b'"webhook.failing"' in notice.body
    assert webhook_id.encode() in notice.body
    assert deliveries_of(uow, "redruth", watching)[0].status == "delivered"
    assert cleared == {}


def test_finished_deliveries_are_purged_after_their_time_and_pending_ones_never(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    with receiver() as good, receiver(status=500) as bad:
        delivered_to, _ = _subscribe(uow, good.url, NOW)
        retrying_to, _ = _subscribe(uow, bad.url, NOW)
        _grant(uow, NOW)
        deliver_due(engine, now=Clock(NOW), policy=POLICY_FOR_TESTS, jitter=lambda: 0.0)

    early = purge_old_deliveries(engine, now=NOW + dt.timedelta(days=89))
    late = purge_old_deliveries(engine, now=NOW + dt.timedelta(days=91))

    assert early == 0
    assert late == 1  # the delivered one; the one still being retried stays
    assert deliveries_of(uow, "redruth", delivered_to) == []
    assert [d.status for d in deliveries_of(uow, "redruth", retrying_to)] == ["pending"]
    with engine.connect() as connection:  # its event is still owed, so kept
        assert connection.execute(text("SELECT count(*) FROM outbox_event")).scalar_one() >= 1


def test_a_slow_receiver_does_not_hold_up_the_others_and_each_gets_its_events_in_order(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    with receiver(delay=0.5) as slow, receiver() as fast:
        _subscribe(uow, slow.url, NOW)
        _subscribe(uow, fast.url, NOW)
        ids = [_grant(uow, NOW) for _ in range(3)]
        fast_done: list[float] = []
        began = time.monotonic()

        def watch() -> None:
            while len(fast.received) < 3 and time.monotonic() - began < 10:
                time.sleep(0.01)
            fast_done.append(time.monotonic() - began)

        watcher = threading.Thread(target=watch)
        watcher.start()
        outcomes = deliver_due(engine, now=Clock(NOW), policy=POLICY_FOR_TESTS)
        watcher.join()

    def order(hook: Receiver) -> list[str]:
        return [json.loads(got.body)["data"]["override_id"] for got in hook.received]

    assert sorted(o.status for o in outcomes) == ["delivered"] * 6
    assert order(slow) == ids
    assert order(fast) == ids
    # the fast one had all three while the slow one was still on its first or second
    assert fast_done[0] < 1.0


def test_claims_released_unsent_are_due_again_with_their_attempt_uncounted(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    webhook_id, _ = _subscribe(uow, "http://127.0.0.1:9/never", NOW)
    _grant(uow, NOW)
    (claimed,) = claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)

    not_yet = claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)
    release_claims(engine, [claimed.delivery_id], now=NOW)
    (again,) = claim_due(engine, now=NOW, lease=dt.timedelta(minutes=1), limit=10)

    assert not_yet == []
    assert again.delivery_id == claimed.delivery_id
    assert again.attempt == claimed.attempt == 1
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert delivery.attempts == 1
