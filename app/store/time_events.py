"""
Time events as stored: each organisation's schedule of announcements, and claiming the due.

An organisation's schedule (`time_event` rows) is worked out again whenever its
`data_version` has moved on from the one its `time_schedule` row records (`stale_schedules`,
`sync_schedule`), in one transaction that holds the organisation's row: `SELECT ... FOR UPDATE
SKIP LOCKED` on PostgreSQL, so two replicas never work out the same schedule at once (the
other skips it; a writer holding the row makes it wait for the next round), and SQLite's one
writer. The unique boundary key keeps even a race from scheduling one announcement twice.

The due are claimed (`claim_due`) with `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL and a
compare-and-set of `fired_at` on both, in the transaction that writes their outbox events:
each is sent once across every replica, and a boundary passed while the service was down is
still due when it comes back.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from app.domain import Window
from app.domain.time_events import Boundary
from app.store.feed_events import organisation_windows
from app.store.tables import OrganisationRow, TimeEventRow, TimeScheduleRow

__all__ = [
    "Plan",
    "claim_due",
    "forget_sent",
    "mark_fired",
    "next_due",
    "stale_schedules",
    "sync_schedule",
]

# What a schedule is worked out with: (the organisation's windows, since) -> boundaries.
Plan = Callable[[tuple[Window, ...], dt.datetime], Sequence[Boundary]]


def stale_schedules(engine: Engine, *, limit: int) -> list[str]:
    """Organisations whose schedule was never worked out, or not since their last change."""
    with Session(engine) as session:
        rows = session.execute(
            select(col(OrganisationRow.id))
            .outerjoin(
                TimeScheduleRow,
                col(TimeScheduleRow.organisation_id) == col(OrganisationRow.id),
            )
            .where(
                col(TimeScheduleRow.organisation_id).is_(None)
                | (col(TimeScheduleRow.data_version) != col(OrganisationRow.data_version))
            )
            .order_by(col(OrganisationRow.id))
            .limit(limit)
        ).all()
        return [row[0] for row in rows]


def sync_schedule(
    engine: Engine, organisation_id: str, plan: Plan, *, now: dt.datetime, complete: bool = True
) -> bool:
    """
    Work out the organisation's schedule again, if it is stale and no one else is at it.

    Unsent announcements the plan no longer has are deleted; new ones are added; sent ones
    are kept (their key then never schedules again). Returns whether it was worked out.

    Args:
        complete: False when the plan lacks what the policy adds (it could not be read): the
            schedule is then left stale, to be worked out again next round.
    """
    with Session(engine) as session, session.begin():
        query = select(col(OrganisationRow.data_version)).where(
            col(OrganisationRow.id) == organisation_id
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        version = session.execute(query).scalar_one_or_none()
        if version is None:  # held by a writer or another replica, or gone: next round
            return False
        schedule = session.get(TimeScheduleRow, organisation_id)
        if schedule is not None and schedule.data_version == version:
            return False  # another replica did it first
        since = now if schedule is None else min(schedule.synced_at, now)
        wanted = {b.key: b for b in plan(organisation_windows(session, organisation_id), since)}
        existing = {
            (row.kind, row.anchor, row.boundary_at): row
            for row in session.execute(
                select(TimeEventRow).where(col(TimeEventRow.organisation_id) == organisation_id)
            ).scalars()
        }
        for key, row in existing.items():
            if row.fired_at is None and key not in wanted:
                session.delete(row)
        for key, boundary in wanted.items():
            if key not in existing:
                session.add(
                    TimeEventRow(
                        id=str(uuid.uuid4()),
                        organisation_id=organisation_id,
                        kind=boundary.kind,
                        anchor=boundary.anchor,
                        boundary_at=boundary.boundary_at,
                        due_at=boundary.due_at,
                    )
                )
        recorded = version if complete else -1
        if schedule is None:
            session.add(
                TimeScheduleRow(
                    organisation_id=organisation_id, data_version=recorded, synced_at=now
                )
            )
        else:
            schedule.data_version = recorded
            schedule.synced_at = max(schedule.synced_at, now)
        return True


def claim_due(session: Session, *, now: dt.datetime, limit: int) -> list[TimeEventRow]:
    """
    In the caller's transaction: up to `limit` unsent announcements due at `now`, earliest
    first, locked on PostgreSQL (rows another replica holds are skipped). Mark each one sent
    with `mark_fired` in the same transaction before writing its event.
    """
    query = (
        select(TimeEventRow)
        .where(col(TimeEventRow.fired_at).is_(None), col(TimeEventRow.due_at) <= now)
        .order_by(col(TimeEventRow.due_at), col(TimeEventRow.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def mark_fired(session: Session, row_id: str, *, now: dt.datetime, event_id: str | None) -> bool:
    """
    Mark an announcement sent, if no one else has (compare and set: on SQLite the claim
    locks nothing). Returns whether this caller won it.
    """
    taken = session.execute(
        update(TimeEventRow)
        .where(col(TimeEventRow.id) == row_id, col(TimeEventRow.fired_at).is_(None))
        .values(fired_at=now, event_id=event_id)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def next_due(engine: Engine) -> dt.datetime | None:
    """The earliest unsent announcement's due time (the scheduler sleeps until then)."""
    with Session(engine) as session:
        return session.execute(
            select(col(TimeEventRow.due_at))
            .where(col(TimeEventRow.fired_at).is_(None))
            .order_by(col(TimeEventRow.due_at))
            .limit(1)
        ).scalar_one_or_none()


def forget_sent(engine: Engine, *, before: dt.datetime) -> int:
    """Delete sent announcements whose instant is older than `before` (their key is past)."""
    with Session(engine) as session, session.begin():
        gone = session.execute(
            delete(TimeEventRow).where(
                col(TimeEventRow.fired_at).is_not(None), col(TimeEventRow.boundary_at) < before
            )
        )
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]
