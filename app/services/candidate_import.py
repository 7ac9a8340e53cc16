"""
Importing Democracy Club's candidate CSV: a plan first (what would be added, updated, left
unchanged or skipped, and why), then, unless it is a dry run, the plan carried out in one
transaction with one `candidate.import` audit event, as the election import does
(`app.services.imports`).

A candidate is known by Democracy Club's person id and the ballot: importing the same file
again changes nothing. An import never withdraws anyone (a file may be one ward's), never
stops a name being screened (a name it changes stays as an alias) and never reinstates a
candidate the Clerk withdrew; a person the Clerk typed in by hand is matched by
name and takes the person id. Rows for elections the organisation has not recorded are
skipped, not refused. A malformed row refuses the whole file, naming its line: nothing is
written.
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.calendars import CalendarError
from app.calendars.candidate_csv import CandidateEntry
from app.domain import Policy, PurdahError, election_group_id, parse_election_id
from app.domain.candidate_rules import CandidateFields, check_fields, name_key
from app.domain.errors import InvalidChange, InvalidElectionId
from app.services.candidates import find_duplicate, name_index, state
from app.store import candidates as store
from app.store.errors import NotFound
from app.store.repositories import elections_in
from app.store.tables import CandidateRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["CandidateImportReport", "import_candidates", "plan_candidate_import"]

_SOURCE = "democracy-club"


@dataclass
class CandidateImportReport:
    """What an import did, or would do; each item names its line in the file."""

    source: str
    dry_run: bool
    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return bool(self.added or self.updated)


@dataclass
class _Plan:
    report: CandidateImportReport
    new_rows: list[CandidateRow] = field(default_factory=list)
    # candidate id -> the fields to set
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def _item(entry: CandidateEntry, **more: Any) -> dict[str, Any]:
    return {
        "where": entry.where,
        "person_id": entry.person_id,
        "name": entry.name,
        "election_id": entry.election_id,
        **more,
    }


def _fields(entry: CandidateEntry, ward: str | None) -> CandidateFields:
    try:
        return check_fields(
            name=entry.name, party=entry.party_name, ward=ward, handles=entry.handles
        )
    except InvalidChange as exc:
        raise CalendarError(where=entry.where, problem=f"{exc.field}: {exc.problem}") from None


def _changes(row: CandidateRow, entry: CandidateEntry, fields: CandidateFields) -> dict[str, Any]:
    """
    The fields the source changes: its own (name, party, ward); handles are only added, and
    a name it changes stays as an alias.
    """
    wanted: dict[str, Any] = {
        "name": fields.name,
        "party_name": fields.party,
        "party_id": entry.party_id,
        "ward": fields.ward,
        "person_id": entry.person_id,
    }
    found = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    known_names = {name_key(n) for n in (fields.name, *row.aliases)}
    if "name" in found and name_key(row.name) not in known_names:
        # a new spelling never stops the old one being screened (fail safe): the name the
        # candidate had is kept as an alias, so a file cannot hide a candidate by renaming
        found["aliases"] = [*row.aliases, row.name]
    known = {h.casefold() for h in row.handles}
    extra = [h for h in fields.handles if h.casefold() not in known]
    if extra:
        found["handles"] = [*row.handles, *extra]
    return found


def _shown(row: CandidateRow, changes: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [getattr(row, k), v] for k, v in changes.items()}


def make_plan(
    session: Session,
    policy: Policy,
    entries: Sequence[CandidateEntry],
    *,
    source: str,
    dry_run: bool,
    actor: str,
    now: dt.datetime,
) -> _Plan:
    """
    What importing `entries` would do, from the organisation's data as `session` sees it.

    Raises:
        CalendarError: a row whose election id cannot be read, or whose fields break the
            rules (`check_fields`), naming its line.
    """
    org = policy.organisation_id
    recorded = {e.election_id for e in elections_in(session, org)}
    rows = store.candidate_rows(session, org)
    by_person = {(r.person_id, r.election_id): r for r in rows if r.person_id}
    by_name = name_index(r for r in rows if r.person_id is None)
    adopted: set[str] = set()
    plan = _Plan(CandidateImportReport(source, dry_run))
    report = plan.report
    seen: dict[tuple[str, str], str] = {}
    for entry in entries:
        try:
            ref = parse_election_id(entry.election_id)
        except InvalidElectionId as exc:
            raise CalendarError(where=entry.where, problem=str(exc)) from None
        except PurdahError as exc:
            report.skipped.append(_item(entry, reason=str(exc)))
            continue
        group = election_group_id(ref)
        if not {entry.election_id, group, entry.group_id} & recorded:
            report.skipped.append(
                _item(
                    entry,
                    reason=f"{group} is not one of {policy.organisation_name}'s elections",
                )
            )
            continue
        fields = _fields(entry, ref.division)
        key = (entry.person_id, entry.election_id)
        if key in seen:
            report.unchanged.append(_item(entry, reason=f"listed already at {seen[key]}"))
            continue
        seen[key] = entry.where
        row = by_person.get(key)
        if row is None:
            twin = find_duplicate(by_name, name=fields.name, election_id=entry.election_id)
            if twin is not None and twin.id not in adopted:
                adopted.add(twin.id)
                row = twin  # the Clerk typed them in: the import gives them their person id
        if row is None:
            new = CandidateRow(
                id=f"cand-{secrets.token_hex(5)}",
                organisation_id=org,
                election_id=entry.election_id,
                name=fields.name,
                party_name=fields.party,
                party_id=entry.party_id,
                ward=fields.ward,
                aliases=[],
                handles=list(fields.handles),
                account_ids=[],
                source=_SOURCE,
                person_id=entry.person_id,
                status=store.STANDING,
                created_by=actor,
                created_at=now,
            )
            plan.new_rows.append(new)
            report.added.append(_item(entry, party=fields.party, ward=fields.ward))
            continue
        if row.status != store.STANDING:
            report.unchanged.append(
                _item(
                    entry,
                    candidate_id=row.id,
                    reason=f"withdrawn by the Clerk ({row.withdraw_reason}); an import does "
                    "not reinstate a candidate",
                )
            )
            continue
        changes = _changes(row, entry, fields)
        if changes:
            plan.changes[row.id] = changes
            report.updated.append(_item(entry, candidate_id=row.id, changes=_shown(row, changes)))
        else:
            report.unchanged.append(_item(entry, candidate_id=row.id))
    return plan


def plan_candidate_import(
    uow: UnitOfWork,
    policy: Policy,
    entries: Sequence[CandidateEntry],
    *,
    source: str,
    now: dt.datetime,
) -> CandidateImportReport:
    """
    What an import would do (a dry run): nothing is written.

    Raises:
        CalendarError: a malformed row, naming its line.
    """
    with uow.read() as session:
        return make_plan(
            session, policy, entries, source=source, dry_run=True, actor="", now=now
        ).report


def import_candidates(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    entries: Sequence[CandidateEntry],
    *,
    source: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> CandidateImportReport:
    """
    Import the candidates of a file: one transaction, one `candidate.import` audit event.
    A file that changes nothing writes nothing (no audit event, no version bump).

    Raises:
        CalendarError: a malformed row, naming its line (nothing is written).
    """
    report = plan_candidate_import(uow, policy, entries, source=source, now=now)
    report.dry_run = False
    if not report.writes:
        return report
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        plan = make_plan(
            change.session,
            policy,
            entries,
            source=source,
            dry_run=False,
            actor=actor.name,
            now=now,
        )
        report = plan.report
        before: dict[str, Any] = {}
        for candidate_id, changes in plan.changes.items():
            row = change.session.get(CandidateRow, candidate_id)
            if row is None:  # planned from this transaction's rows, so never; but never a 500
                raise NotFound(what="candidate", identifier=candidate_id)
            before[candidate_id] = state(row)
            for name, value in changes.items():
                setattr(row, name, value)
            change.session.add(row)
        for row in plan.new_rows:
            change.session.add(row)
        change.session.flush()
        change.audit(
            "candidate.import",
            source[:300],
            before=before or None,
            after={
                "added": {r.id: state(r) for r in plan.new_rows},
                "updated": dict(plan.changes),
                "unchanged": len(report.unchanged),
                "skipped": len(report.skipped),
            },
        )
        for item, row in zip(report.added, plan.new_rows, strict=True):
            item["candidate_id"] = row.id
    return report
