"""
Time events as stored: each organisation's schedule of announcements, and claiming the due.

An organisation's schedule (`time_event` rows) is worked out again whenever its
`data_version` has moved on from the one its `time_schedule` row records (`stale_schedules`,
`sync_schedules`), in one transaction that holds the organisations' rows: `SELECT ... FOR UPDATE
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
from collections.abc import Callable, Collection, Mapping, Sequence

from sqlalchemy import Engine, Select, delete, select, update
from sqlmodel import Session, col

from app.domain import Window
from app.domain.time_events import Boundary
from app.store.feed_events import windows_of_organisations
from app.store.tables import OrganisationRow, TimeEventRow, TimeScheduleRow

__all__ = [
    "Plan",
    "claim_due",
    "forget_sent",
    "mark_fired",
    "next_due",
    "record_event_ids",
    "organisation_names",
    "stale_schedules",
    "sync_schedules",
]

# What a schedule is worked out with: (the organisation's windows, since) -> boundaries.
Plan = Callable[[tuple[Window, ...], dt.datetime], Sequence[Boundary]]


def stale_schedules(engine: Engine, *, limit: int) -> list[str]:
    """Organisations whose schedule was never worked out, or not since their last change."""
    with Session(engine) as session:
        return [org for org, _ in session.execute(_stale(limit)).all()]


def _stale(limit: int) -> Select[str, int]:
    return (
        select(col(OrganisationRow.id), col(OrganisationRow.data_version))
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
    )


def sync_schedules(
    engine: Engine,
    plan_of: Callable[[str], tuple[Plan, bool]],
    *,
    now: dt.datetime,
    limit: int,
    only: str | None = None,
) -> int:
    """
    Work out again the schedules of up to `limit` stale organisations no one else is at, in
    one transaction; returns how many.

    Unsent announcements a plan no longer has are deleted; new ones are added; sent ones are
    kept (their key then never schedules again).

    Args:
        plan_of: an organisation's plan, and whether it is complete: False when it lacks
            what the policy adds (the file could not be read), which leaves the schedule
            stale, to be worked out again next round.
        only: work out this organisation's schedule alone (if stale).
    """
    with Session(engine) as session, session.begin():
        query = _stale(limit)
        if only is not None:
            query = query.where(col(OrganisationRow.id) == only)
        if engine.dialect.name == "postgresql":
            # rows a writer or another replica holds are skipped: next round
            query = query.with_for_update(of=OrganisationRow, skip_locked=True)
        versions = dict(session.execute(query).all())
        if not versions:
            return 0
        schedules = {
            row.organisation_id: row
            for row in session.execute(
                select(TimeScheduleRow).where(
                    col(TimeScheduleRow.organisation_id).in_(list(versions))
                )
            ).scalars()
        }
        existing: dict[str, dict[tuple[str, str, dt.datetime], TimeEventRow]] = {
            org: {} for org in versions
        }
        for row in session.execute(
            select(TimeEventRow).where(col(TimeEventRow.organisation_id).in_(list(versions)))
        ).scalars():
            existing[row.organisation_id][(row.kind, row.anchor, row.boundary_at)] = row
        windows = windows_of_organisations(session, versions)
        for organisation_id, version in versions.items():
            plan, complete = plan_of(organisation_id)
            schedule = schedules.get(organisation_id)
            since = now if schedule is None else min(schedule.synced_at, now)
            wanted = {b.key: b for b in plan(windows[organisation_id], since)}
            held = existing[organisation_id]
            for key, row in held.items():
                if row.fired_at is None and key not in wanted:
                    session.delete(row)
            session.add_all(
                TimeEventRow(
                    id=str(uuid.uuid4()),
                    organisation_id=organisation_id,
                    kind=boundary.kind,
                    anchor=boundary.anchor,
                    boundary_at=boundary.boundary_at,
                    due_at=boundary.due_at,
                )
                for key, boundary in wanted.items()
                if key not in held
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
        return len(versions)


def organisation_names(session: Session, organisation_ids: Collection[str]) -> dict[str, str]:
    """The organisations' names as stored (an id stands for one that has gone)."""
    names = dict(
        session.execute(
            select(col(OrganisationRow.id), col(OrganisationRow.name)).where(
                col(OrganisationRow.id).in_(list(organisation_ids))
            )
        ).all()
    )
    return {org: names.get(org, org) for org in organisation_ids}


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


def mark_fired(session: Session, row_ids: Collection[str], *, now: dt.datetime) -> set[str]:
    """
    Mark announcements sent, those no one else has (compare and set: on SQLite the claim
    locks nothing). Returns the ids this caller won.
    """
    if not row_ids:
        return set()
    taken = session.execute(
        update(TimeEventRow)
        .where(col(TimeEventRow.id).in_(list(row_ids)), col(TimeEventRow.fired_at).is_(None))
        .values(fired_at=now)
        .returning(col(TimeEventRow.id))
        .execution_options(synchronize_session=False)
    )
    return {row_id for (row_id,) in taken.all()}


def record_event_ids(session: Session, sent: Mapping[str, str]) -> None:
    """Note the outbox event each announcement became ({announcement id: event id})."""
    if sent:
        session.execute(
            update(TimeEventRow),
            [{"id": row_id, "event_id": event_id} for row_id, event_id in sent.items()],
        )


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
