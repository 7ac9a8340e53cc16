"""
Importing elections from a source: a plan first (what would be created, changed, left,
skipped or rejected, and why), then, unless it is a dry run, the plan carried out in one
transaction with one audit event listing what it did.

The plan is made from the database as it is; the commit makes it again inside its own
transaction, so what is written is what the plan says at the moment of writing. Importing the
same source twice changes nothing. A source never lifts a restricted period (DESIGN
section 2): a cancellation sets the election's status, with the source's reason, and a moved
poll is a new election with the old one marked cancelled, both kept; only the Clerk ends a
period early.

What a source may change on an election that exists: the notice date, when none is recorded
(the Clerk's own record wins), and the status, to cancelled. It never reverts what the Clerk
recorded.
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.domain import (
    ElectionKind,
    ElectionRecord,
    ElectionRef,
    Policy,
    PurdahError,
    election_group_id,
    parse_election_id,
    restricted_periods,
)
from app.domain.sources import SourceEntry
from app.store.commands import (
    appointed_dies_non,
    check_notice,
    election_dict,
    recompute_periods,
)
from app.store.errors import InvalidChange, NotFound
from app.store.tables import ElectionRow, ElectionScheduleRow
from app.store.unit_of_work import Actor, write

__all__ = [
    "KIND_PREFIXES",
    "ImportReport",
    "create_schedule",
    "import_elections",
    "list_schedules",
    "plan_import",
]

# The id prefix of each kind a "polling day" event may be confirmed as.
KIND_PREFIXES: dict[ElectionKind, str] = {
    ElectionKind.PARISH: "parish.",
    ElectionKind.PRINCIPAL: "local.",
    ElectionKind.PCC: "pcc.",
    ElectionKind.MAYOR: "mayor.",
    ElectionKind.PARL_GENERAL: "parl.",
    ElectionKind.NATIONAL_REFERENDUM: "ref.",
}


@dataclass
class ImportReport:
    """What an import did, or would do. Each item says where in the source it came from."""

    source: str
    dry_run: bool
    created: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return bool(self.created or self.changed)


@dataclass
class _Plan:
    report: ImportReport
    new_rows: dict[str, ElectionRow] = field(default_factory=dict)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def _plain_id(entry: SourceEntry, kind: ElectionKind | None, policy: Policy) -> str:
    """The id of a poll the source only dates, confirmed by the Clerk's kind."""
    if entry.poll_date is None:
        msg = "says polling day but has no date"
        raise _Reject(msg)
    date = entry.poll_date.isoformat()
    if kind is None:
        msg = (
            "says polling day but names no election: confirm it with `kind` "
            f"(e.g. kind=parish makes {_example(policy, date)})"
        )
        raise _Skip(msg)
    prefix = KIND_PREFIXES.get(kind)
    if prefix is None:
        msg = f"a polling day cannot be confirmed as {kind}: add it by id instead"
        raise _Reject(msg)
    if prefix in ("parl.", "ref."):
        return f"{prefix}{date}"
    scopes = [s for s in policy.election_scopes if s.startswith(prefix) and s.count(".") == 2]
    if len(scopes) != 1:
        msg = (
            f"{policy.organisation_name} has {len(scopes)} {kind} election scopes, so the "
            "election cannot be named from a date: add it by id instead"
        )
        raise _Reject(msg)
    return f"{scopes[0]}{date}"


def _example(policy: Policy, date: str) -> str:
    parish = [s for s in policy.election_scopes if s.startswith("parish.") and s.count(".") == 2]
    return f"{parish[0]}{date}" if parish else f"parish.<council>.{date}"


class _Skip(Exception):
    pass


class _Reject(Exception):
    pass


# Sources whose event date is the poll itself, so a different date means the poll moved.
_DATES_THE_POLL = frozenset({"X-PURDAH-ELECTION-ID", "UID (WhoCanIVoteFor)", "EveryElection"})
_MAX_MOVE_DAYS = 90


def _moved_id(election_id: str, poll: dt.date) -> str:
    return f"{election_id[:-10]}{poll.isoformat()}"


def _item(entry: SourceEntry, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"where": entry.where}
    if entry.uid:
        item["uid"] = entry.uid
    if entry.summary:
        item["summary"] = entry.summary
    item.update(more)
    return item


def _ref(
    entry: SourceEntry, kind: ElectionKind | None, policy: Policy, by_uid: dict[str, str]
) -> tuple[ElectionRef, str | None]:
    """The election an entry names (its group for a ballot), and the one it replaces, if any."""
    replaces = None
    election_id = _plain_id(entry, kind, policy) if entry.election_id is None else entry.election_id
    try:
        ref = parse_election_id(election_id)
    except PurdahError as exc:
        raise _Reject(str(exc)) from None
    if entry.kind_hint and not election_id.startswith(f"{entry.kind_hint}."):
        msg = f"election_type {entry.kind_hint!r} does not match the id {election_id}"
        raise _Reject(msg)
    group = election_group_id(ref)
    if group != ref.election_id:
        ref = parse_election_id(group)
    if entry.poll_date is not None and entry.poll_date != ref.poll_date:
        if entry.how not in _DATES_THE_POLL:
            # an event that only mentions an election (a notice, a hustings) is not its poll
            msg = (
                f"dated {entry.poll_date}, not polling day {ref.poll_date} of {ref.election_id}: "
                "an event that mentions an election, not its poll"
            )
            raise _Skip(msg)
        if abs((entry.poll_date - ref.poll_date).days) > _MAX_MOVE_DAYS:
            msg = (
                f"dated {entry.poll_date}, more than {_MAX_MOVE_DAYS} days from polling day "
                f"{ref.poll_date} of {ref.election_id}: add the new election by its own id"
            )
            raise _Reject(msg)
        # the source dates the poll itself differently from its id: the poll moved
        replaces = ref.election_id
        ref = parse_election_id(_moved_id(ref.election_id, entry.poll_date))
    previous = by_uid.get(entry.uid or "") if entry.election_id is None else None
    if previous is not None and previous != ref.election_id:
        replaces = previous  # the same source event, on a new date
    return ref, replaces


def _plan(
    session: Session,
    policy: Policy,
    entries: Sequence[SourceEntry],
    *,
    source: str,
    kind: ElectionKind | None,
    dry_run: bool,
    now: dt.datetime,
) -> _Plan:
    org = policy.organisation_id
    rows = {
        row.election_id: row
        for row in session.execute(
            select(ElectionRow).where(col(ElectionRow.organisation_id) == org)
        ).scalars()
    }
    by_uid = {
        row.source_ref.removeprefix("ics:"): row.election_id
        for row in rows.values()
        if row.source_ref and row.source_ref.startswith("ics:")
    }
    appointed = appointed_dies_non(session, org)
    plan = _Plan(ImportReport(source, dry_run))
    report = plan.report
    seen: dict[str, str] = {}
    cancellations: dict[str, str] = {}
    for entry in entries:
        if entry.skip:
            report.skipped.append(_item(entry, reason=entry.skip))
            continue
        try:
            ref, replaces = _ref(entry, kind, policy, by_uid)
        except _Skip as exc:
            report.skipped.append(_item(entry, poll_date=entry.poll_date, reason=str(exc)))
            continue
        except _Reject as exc:
            report.rejected.append(_item(entry, election_id=entry.election_id, reason=str(exc)))
            continue
        election_id = ref.election_id
        named = {"election_id": election_id}
        if entry.election_id and entry.election_id != election_id and replaces is None:
            named["ballot"] = entry.election_id
        if not policy.affects(ref):
            report.skipped.append(
                _item(
                    entry,
                    **named,
                    reason=f"does not affect {policy.organisation_name} "
                    f"(its scopes: {', '.join(policy.election_scopes)})",
                )
            )
            continue
        if election_id in seen:
            report.unchanged.append(
                _item(entry, **named, reason=f"listed already at {seen[election_id]}")
            )
            continue
        seen[election_id] = entry.where
        try:
            restricted_periods(
                [ElectionRecord(ref, entry.notice_published)],
                rules=policy.period_rules,
                country=policy.country,
            )
            # a notice after the statutory latest day would shorten the period: a mistake
            check_notice(ref, entry.notice_published, policy, appointed)
        except PurdahError as exc:
            report.rejected.append(_item(entry, **named, reason=str(exc)))
            continue
        if replaces is not None:
            cancellations[replaces] = (
                f"moved to {ref.poll_date.isoformat()} ({source}, {entry.where})"
            )
        why = entry.cancellation_reason or "cancelled in the source"
        if entry.replaced_by:
            why = f"{why}; replaced by {entry.replaced_by}"
            cancellations.setdefault(election_id, f"{why} ({source})")
        source_ref = (
            f"ics:{entry.uid}"
            if entry.uid and entry.how not in ("EveryElection", "election id")
            else (
                f"everyelection:{entry.uid}" if entry.how == "EveryElection" and entry.uid else None
            )
        )
        row = rows.get(election_id)
        if row is None:
            cancelled = entry.cancelled
            new = ElectionRow(
                organisation_id=org,
                election_id=election_id,
                kind=str(ref.kind),
                country=str(policy.country),
                poll_date=ref.poll_date,
                notice_published=entry.notice_published,
                status="cancelled" if cancelled else "scheduled",
                status_reason=why if cancelled else None,
                source=f"{source}, {entry.where}" + (f": {entry.summary}" if entry.summary else ""),
                source_ref=source_ref,
                created_at=now,
                updated_at=now,
            )
            plan.new_rows[election_id] = new
            created = _item(
                entry, **named, poll_date=ref.poll_date, kind=str(ref.kind), how=entry.how
            )
            if cancelled:
                created["status"] = "cancelled"
            if replaces is not None:
                created["replaces"] = replaces
            report.created.append(created)
            continue
        fields: dict[str, Any] = {}
        if entry.notice_published is not None and row.notice_published is None:
            fields["notice_published"] = entry.notice_published
        if entry.cancelled and row.status != "cancelled":
            fields["status"] = "cancelled"
            fields["status_reason"] = why
        if fields:
            plan.changes[election_id] = fields
            report.changed.append(
                _item(
                    entry,
                    **named,
                    changes={k: [getattr(row, k), v] for k, v in fields.items()},
                )
            )
        else:
            kept = _item(entry, **named)
            if entry.notice_published is not None and row.notice_published not in (
                None,
                entry.notice_published,
            ):
                kept["note"] = f"kept the recorded notice date {row.notice_published}"
            report.unchanged.append(kept)
    for old, reason in cancellations.items():
        row = rows.get(old)
        if row is None or row.status == "cancelled" or old in plan.changes:
            continue
        plan.changes[old] = {"status": "cancelled", "status_reason": reason}
        report.changed.append(
            {
                "where": "source",
                "election_id": old,
                "changes": {"status": [row.status, "cancelled"]},
                "note": f"{reason}; its restricted period stays until the Clerk ends it",
            }
        )
    return plan


def plan_import(
    engine: Engine,
    policy: Policy,
    entries: Sequence[SourceEntry],
    *,
    source: str,
    kind: ElectionKind | None,
    now: dt.datetime,
) -> ImportReport:
    """What an import would do (a dry run): nothing is written."""
    with Session(engine) as session:
        return _plan(
            session, policy, entries, source=source, kind=kind, dry_run=True, now=now
        ).report


def import_elections(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    entries: Sequence[SourceEntry],
    *,
    source: str,
    kind: ElectionKind | None,
    now: dt.datetime,
    request_id: str | None = None,
) -> ImportReport:
    """
    Import a source: one transaction, one `election.import` audit event. A source that
    changes nothing writes nothing (no transaction, no audit event, no version bump).
    """
    report = plan_import(engine, policy, entries, source=source, kind=kind, now=now)
    report.dry_run = False
    if not report.writes:
        return report
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        plan = _plan(
            change.session, policy, entries, source=source, kind=kind, dry_run=False, now=now
        )
        report = plan.report
        before: dict[str, Any] = {}
        for election_id, fields in plan.changes.items():
            row = change.session.get(ElectionRow, (policy.organisation_id, election_id))
            if row is None:  # planned from this transaction's rows, so never; but never a 500
                raise NotFound(what="election", identifier=election_id)
            before[election_id] = election_dict(row)
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = now
            change.session.add(row)
        for row in plan.new_rows.values():
            change.session.add(row)
        change.session.flush()
        recompute_periods(change, policy)
        change.audit(
            "election.import",
            source[:300],
            before=before or None,
            after={
                "created": [i["election_id"] for i in report.created],
                "changed": {i["election_id"]: i["changes"] for i in report.changed},
                "unchanged": len(report.unchanged),
                "skipped": len(report.skipped),
                "rejected": len(report.rejected),
            },
        )
    return report


def create_schedule(
    engine: Engine,
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
) -> tuple[ElectionScheduleRow, ImportReport]:
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
    report = plan_import(engine, policy, entries, source=source, kind=None, now=now)
    if report.rejected or report.skipped:
        bad = (report.rejected or report.skipped)[0]
        raise InvalidChange(
            field="election_prefix",
            problem=f"{bad.get('election_id') or election_prefix}: {bad['reason']}",
        )
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
        return schedule, report
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        plan = _plan(
            change.session, policy, entries, source=source, kind=None, dry_run=False, now=now
        )
        report = plan.report
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
    return schedule, report


def list_schedules(engine: Engine, organisation_id: str) -> Sequence[ElectionScheduleRow]:
    """The organisation's schedules, oldest first."""
    with Session(engine) as session:
        return (
            session.execute(
                select(ElectionScheduleRow)
                .where(col(ElectionScheduleRow.organisation_id) == organisation_id)
                .order_by(col(ElectionScheduleRow.created_at), col(ElectionScheduleRow.id))
            )
            .scalars()
            .all()
        )
