"""
Dies non: days of public thanksgiving or mourning, appointed at short notice, that the
Clerk adds (or removes); every restricted period is recomputed, and the change audited.
"""

import datetime as dt

from app.domain import Policy
from app.domain.changes import require_text
from app.domain.manual_windows import check_appointed_day
from app.store import queries
from app.store.errors import AlreadyExists, NotFound
from app.store.records import StoredDiesNon
from app.store.repositories import periods_state, recompute_periods
from app.store.tables import DiesNonRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["add_dies_non", "list_dies_non", "remove_dies_non"]


def add_dies_non(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    day: dt.date,
    name: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> None:
    """
    Add a day of public thanksgiving or mourning; every period is recomputed (SI 2006/3304
    Sch. 2 r. 2 and the like: such days do not count as working days).

    Raises:
        InvalidChange: no name, or a weekend day.
        AlreadyExists: the day is a dies non already.
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = check_appointed_day(day, name)
        if change.session.get(DiesNonRow, (policy.organisation_id, day)) is not None:
            raise AlreadyExists(what="dies non", identifier=day.isoformat())
        before = periods_state(change)
        change.session.add(
            DiesNonRow(organisation_id=policy.organisation_id, day=day, name=text, created_at=now)
        )
        change.session.flush()
        recompute_periods(change, policy)
        change.audit(
            "dies_non.add", day.isoformat(), reason=text, before=before, after=periods_state(change)
        )


def remove_dies_non(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    day: dt.date,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> None:
    """Remove a day the Clerk added; every period is recomputed. Raises InvalidChange, NotFound."""
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(reason, field="reason", problem="removing a dies non needs a reason")
        row = change.session.get(DiesNonRow, (policy.organisation_id, day))
        if row is None:
            raise NotFound(what="dies non", identifier=day.isoformat())
        before = periods_state(change)
        change.session.delete(row)
        change.session.flush()
        recompute_periods(change, policy)
        change.audit(
            "dies_non.remove",
            day.isoformat(),
            reason=text,
            before=before,
            after=periods_state(change),
        )


def list_dies_non(uow: UnitOfWork, organisation_id: str) -> list[StoredDiesNon]:
    """The days the Clerk added, in date order."""
    return queries.list_dies_non(uow.engine, organisation_id)
