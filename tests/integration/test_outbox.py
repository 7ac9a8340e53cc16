"""
The outbox: change events written in the transaction of their change, derived in one place
from the audit actions (`app.store.outbox`), with times in Europe/London and a link.
"""

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain import UTC
from app.domain.accounts import AccountAction
from app.domain.election_changes import ElectionChanges
from app.services.accounts import move_account, propose_account
from app.services.elections import add_election, update_election
from app.services.overrides import grant_override, revoke_override
from app.services.windows import add_manual_window, end_manual_window
from app.store import load_policy
from app.store.tables import OutboxEventRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
CLERK = Actor("Town Clerk", "clerk")
NOW = dt.datetime(2029, 1, 10, 9, 0, tzinfo=UTC)


def _events(engine: Engine, since: dt.datetime = NOW) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.execute(
            select(OutboxEventRow)
            .where(col(OutboxEventRow.created_at) >= since)
            .order_by(col(OutboxEventRow.seq))
        ).scalars()
        return [dict(row.payload) for row in rows]


def _grant(uow: UnitOfWork) -> str:
    return grant_override(
        uow,
        POLICY,
        CLERK,
        account_id="facebook-redruthtowncouncil",
        starts_at=dt.datetime(2029, 4, 9, 8, 0, tzinfo=UTC),
        ends_at=dt.datetime(2029, 4, 12, 16, 0, tzinfo=UTC),
        categories=None,
        reason="street fair",
        now=NOW,
    ).id


def test_an_override_granted_writes_one_event_with_london_times_and_a_link(
    engine: Engine, seeded: Keys
) -> None:
    override_id = _grant(UnitOfWork(engine))

    events = _events(engine)

    assert [e["type"] for e in events] == ["override.granted"]
    data = events[0]["data"]
    assert data["override_id"] == override_id
    assert data["organisation_id"] == "redruth"
    assert data["starts_at"] == "2029-04-09T09:00:00+01:00"  # BST
    assert data["link"] == f"/v1/overrides/{override_id}"
    assert events[0]["timestamp"] == "2029-01-10T09:00:00+00:00"  # GMT


class _Failed(Exception):
    """A write that fails after it audited its change."""


def _grant_then_fail(uow: UnitOfWork) -> None:
    with uow.write("redruth", CLERK, now=NOW) as change:
        change.audit("override.grant", "ov-never", after={"starts_at": NOW})
        change.session.flush()
        raise _Failed


def test_a_write_that_rolls_back_writes_no_event(engine: Engine, seeded: Keys) -> None:
    with pytest.raises(_Failed):
        _grant_then_fail(UnitOfWork(engine))

    assert _events(engine) == []


def test_an_override_revoked_writes_its_own_event(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    override_id = _grant(uow)

    revoke_override(uow, POLICY, CLERK, override_id, reason="fair cancelled", now=NOW)

    assert [e["type"] for e in _events(engine)] == ["override.granted", "override.revoked"]
    assert _events(engine)[1]["data"]["reason"] == "fair cancelled"


def test_a_manual_window_created_then_ended_is_announced_twice(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    window_id = add_manual_window(
        uow, POLICY, CLERK, starts_at=NOW - dt.timedelta(hours=1),
        ends_at=NOW + dt.timedelta(days=1), reason="under review", account_ids=None, now=NOW,
    ).id  # fmt: skip

    end_manual_window(uow, POLICY, CLERK, window_id, reason="review done", now=NOW)

    changes = [(e["type"], e["data"]["kind"], e["data"]["change"]) for e in _events(engine)]
    assert changes == [
        ("window.changed", "manual", "created"),
        ("window.changed", "manual", "ended"),
    ]
    assert _events(engine)[1]["data"]["link"] == f"/v1/windows/{window_id}"


def test_an_election_whose_period_appears_is_announced_as_a_window_change(
    engine: Engine, seeded: Keys
) -> None:
    # Reference election: local.cornwall.2033-05-05 (the scheduled ordinary election)
    add_election(
        UnitOfWork(engine), POLICY, CLERK, election_id="local.cornwall.2033-05-05", now=NOW
    )

    events = _events(engine)

    assert [(e["type"], e["data"]["kind"], e["data"]["change"]) for e in events] == [
        ("window.changed", "election", "created")
    ]
    assert events[0]["data"]["election_id"] == "local.cornwall.2033-05-05"
    assert events[0]["data"]["after"]["ends_at"] == "2033-05-05T22:00:00+01:00"
    # the window it is part of, as GET /v1/windows shows it
    window = events[0]["data"]["window"]
    assert window["election_ids"] == ["local.cornwall.2033-05-05"]
    assert window["ends_at"] == "2033-05-05T22:00:00+01:00"
    assert window["starts_at"] == events[0]["data"]["after"]["starts_at"]
    assert window["window_id"].startswith("w-2033-")


def test_an_account_suspended_is_announced_with_its_old_and_new_status(
    engine: Engine, seeded: Keys
) -> None:
    move_account(
        UnitOfWork(engine), POLICY, CLERK, "facebook-redruthtowncouncil",
        AccountAction.SUSPEND, reason="password leaked", now=NOW,
    )  # fmt: skip

    events = _events(engine)

    assert [e["type"] for e in events] == ["account.status_changed"]
    assert events[0]["data"]["previous_status"] == "active"
    assert events[0]["data"]["status"] == "suspended"


def test_an_election_whose_period_moves_is_announced_with_before_and_after(
    engine: Engine, seeded: Keys
) -> None:
    # Reference election: local.cornwall.2033-05-05 (the scheduled ordinary election)
    uow = UnitOfWork(engine)
    add_election(uow, POLICY, CLERK, election_id="local.cornwall.2033-05-05", now=NOW)
    ended = dt.datetime(2033, 5, 5, 12, 0, tzinfo=UTC)

    update_election(
        uow, POLICY, CLERK, "local.cornwall.2033-05-05",
        changes=ElectionChanges(ends_at=ended, end_reason="poll countermanded"),
        now=NOW + dt.timedelta(minutes=1),
    )  # fmt: skip

    moved = _events(engine)[-1]["data"]
    assert (moved["kind"], moved["change"]) == ("election", "moved")
    assert moved["before"]["ends_at"] == "2033-05-05T22:00:00+01:00"
    assert moved["after"]["ends_at"] == "2033-05-05T13:00:00+01:00"
    assert moved["before"]["starts_at"] == moved["after"]["starts_at"]


def test_an_account_proposed_is_announced_as_a_status_from_none(
    engine: Engine, seeded: Keys
) -> None:
    propose_account(
        UnitOfWork(engine), POLICY, CLERK, account_id="tiktok-redruth", platform="tiktok",
        name="Redruth on TikTok", kind="page", contact_email="clerk@redruth.gov.uk",
        handle=None, url=None, reason="young people", now=NOW,
    )  # fmt: skip

    events = _events(engine)

    assert [e["type"] for e in events] == ["account.status_changed"]
    assert events[0]["data"]["previous_status"] is None
    assert events[0]["data"]["status"] == "pending"
    assert events[0]["data"]["action"] == "propose"
