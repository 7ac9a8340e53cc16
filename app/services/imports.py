"""
Importing elections from a source: a plan first (`import_plan.make_plan`: what would be
created, changed, left, skipped or rejected, and why), then, unless it is a dry run, the plan
carried out in one transaction with one audit event listing what it did.
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
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.domain import ElectionKind, Policy
from app.domain.sources import SourceEntry
from app.services.import_plan import KIND_PREFIXES, ImportReport, Plan, make_plan
from app.store.errors import NotFound
from app.store.records import StoredElection
from app.store.repositories import appointed_dies_non, elections_in, recompute_periods
from app.store.tables import ElectionRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["KIND_PREFIXES", "ImportReport", "import_elections", "plan_import", "plan_in"]


def plan_in(
    session: Session,
    policy: Policy,
    entries: Sequence[SourceEntry],
    *,
    source: str,
    kind: ElectionKind | None,
    dry_run: bool,
    now: dt.datetime,
) -> Plan:
    """The plan of an import, made from the elections as `session` sees them."""
    org = policy.organisation_id
    return make_plan(
        elections_in(session, org),
        appointed_dies_non(session, org),
        policy,
        entries,
        source=source,
        kind=kind,
        dry_run=dry_run,
        now=now,
    )


def plan_import(
    uow: UnitOfWork,
    policy: Policy,
    entries: Sequence[SourceEntry],
    *,
    source: str,
    kind: ElectionKind | None,
    now: dt.datetime,
) -> ImportReport:
    """What an import would do (a dry run): nothing is written."""
    with uow.read() as session:
        return plan_in(
            session, policy, entries, source=source, kind=kind, dry_run=True, now=now
        ).report


def import_elections(
    uow: UnitOfWork,
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
    report = plan_import(uow, policy, entries, source=source, kind=kind, now=now)
    report.dry_run = False
    if not report.writes:
        return report
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        plan = plan_in(
            change.session, policy, entries, source=source, kind=kind, dry_run=False, now=now
        )
        report = plan.report
        before: dict[str, Any] = {}
        for election_id, source_change in plan.changes.items():
            row = change.session.get(ElectionRow, (policy.organisation_id, election_id))
            if row is None:  # planned from this transaction's rows, so never; but never a 500
                raise NotFound(what="election", identifier=election_id)
            before[election_id] = StoredElection.of(row).state()
            if source_change.notice_published is not None:
                row.notice_published = source_change.notice_published
            if source_change.cancelled_because is not None:
                row.status = "cancelled"
                row.status_reason = source_change.cancelled_because
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
