"""
Recurring scheduled elections: an RFC 5545 RRULE whose occurrences up to the horizon become
ordinary elections (created through the import planner), in one audited write.
"""

import datetime as dt
import secrets
from collections.abc import Sequence

from app.domain import Policy, election_group_id, parse_election_id
from app.domain.sources import SourceEntry
from app.services.import_plan import ImportReport
from app.services.imports import plan_import, plan_in
from app.store import queries
from app.store.errors import InvalidChange
from app.store.records import StoredSchedule
from app.store.repositories import recompute_periods
from app.store.tables import ElectionScheduleRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["create_schedule", "list_schedules"]


def create_schedule(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    name: str,
    election_prefix: str,
    rrule: str,
    dtstart: dt.date,
    exdates: Sequence[dt.date],
    rdates: Sequence[dt.date],
    poll_dates: Sequence[dt.date],
    horizon_until: dt.date,
    dry_run: bool,
    now: dt.datetime,
    request_id: str | None = None,
) -> tuple[StoredSchedule, ImportReport]:
    """
    Record a recurring schedule and create its elections up to the horizon, in one
    transaction with one `election.schedule` audit event. Returns the schedule (on a dry run,
    the one that would be stored) and what its elections did or would do. Each election is an
    ordinary one afterwards: the Clerk edits it like any other. Elections that exist already
    are left.

    Raises:
        InvalidChange: no name, or a prefix whose elections would not be valid ids.
    """
    if not name.strip():
        raise InvalidChange(field="name", problem="a schedule needs a name")
    if not poll_dates:
        raise InvalidChange(field="rrule", problem="the rule makes no election within the horizon")
    sample = parse_election_id(f"{election_prefix}.{poll_dates[0].isoformat()}")
    if election_group_id(sample) != sample.election_id:
        raise InvalidChange(
            field="election_prefix",
            problem=f"{election_prefix} is one ward or division: ordinary elections are the "
            f"council's, {election_group_id(sample)[:-11]}",
        )
    schedule_id = f"sch-{secrets.token_hex(5)}"
    source = f"schedule {schedule_id} ({name.strip()})"
    entries = [
        SourceEntry(
            f"occurrence {d.isoformat()}",
            election_id=f"{election_prefix}.{d.isoformat()}",
            how="schedule",
        )
        for d in poll_dates
    ]
    report = plan_import(uow, policy, entries, source=source, kind=None, now=now)
    _refuse_bad_occurrences(report, election_prefix)
    schedule = ElectionScheduleRow(
        id=schedule_id,
        organisation_id=policy.organisation_id,
        name=name.strip(),
        election_prefix=election_prefix,
        kind=str(sample.kind),
        rrule=rrule,
        dtstart=dtstart,
        exdates=[d.isoformat() for d in exdates],
        rdates=[d.isoformat() for d in rdates],
        horizon_until=horizon_until,
        created_by=actor.name,
        created_at=now,
    )
    if dry_run:
        return StoredSchedule.of(schedule), report
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        plan = plan_in(
            change.session, policy, entries, source=source, kind=None, dry_run=False, now=now
        )
        report = plan.report
        _refuse_bad_occurrences(report, election_prefix)  # as the write sees the elections
        change.session.add(schedule)
        for row in plan.new_rows.values():
            row.source_ref = f"schedule:{schedule_id}"
            change.session.add(row)
        change.session.flush()
        recompute_periods(change, policy)
        change.audit(
            "election.schedule",
            schedule_id,
            reason=name.strip(),
            after={
                "rrule": rrule,
                "dtstart": dtstart,
                "exdates": list(exdates),
                "rdates": list(rdates),
                "horizon_until": horizon_until,
                "created": [i["election_id"] for i in report.created],
                "existing": [i["election_id"] for i in report.unchanged],
            },
        )
    report.dry_run = False
    return StoredSchedule.of(schedule), report


def _refuse_bad_occurrences(report: ImportReport, election_prefix: str) -> None:
    """Raises InvalidChange: an occurrence the planner would reject or skip."""
    if report.rejected or report.skipped:
        bad = (report.rejected or report.skipped)[0]
        raise InvalidChange(
            field="election_prefix",
            problem=f"{bad.get('election_id') or election_prefix}: {bad['reason']}",
        )


def list_schedules(uow: UnitOfWork, organisation_id: str) -> list[StoredSchedule]:
    """The organisation's schedules, oldest first."""
    return queries.list_schedules(uow.engine, organisation_id)
