"""
The import planner: what importing a source would do to the organisation's elections (what
it creates, changes, leaves, skips or rejects, and why), made from the elections as stored.
Pure but for building the new election rows; `imports` runs it, then writes what it says.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
from app.domain.election_changes import check_notice
from app.domain.sources import SourceEntry
from app.store.records import StoredElection
from app.store.tables import ElectionRow

__all__ = ["KIND_PREFIXES", "ImportReport", "Plan", "make_plan"]

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


@dataclass(frozen=True, slots=True)
class SourceChange:
    """
    What a source changes on an election that exists: a notice date where none is recorded,
    and a cancellation (with its reason). It never reverts what the Clerk recorded.
    """

    notice_published: dt.date | None = None
    cancelled_because: str | None = None

    def report(self, current: StoredElection) -> dict[str, list[Any]]:
        """`{field: [now, after]}` for the import report."""
        shown: dict[str, list[Any]] = {}
        if self.notice_published is not None:
            shown["notice_published"] = [current.notice_published, self.notice_published]
        if self.cancelled_because is not None:
            shown["status"] = [current.status, "cancelled"]
            shown["status_reason"] = [current.status_reason, self.cancelled_because]
        return shown


@dataclass
class Plan:
    report: ImportReport
    new_rows: dict[str, ElectionRow] = field(default_factory=dict)
    changes: dict[str, SourceChange] = field(default_factory=dict)


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


def make_plan(
    existing: Iterable[StoredElection],
    appointed: Sequence[tuple[dt.date, str]],
    policy: Policy,
    entries: Sequence[SourceEntry],
    *,
    source: str,
    kind: ElectionKind | None,
    dry_run: bool,
    now: dt.datetime,
) -> Plan:
    org = policy.organisation_id
    rows: Mapping[str, StoredElection] = {row.election_id: row for row in existing}
    by_uid = {
        row.source_ref.removeprefix("ics:"): row.election_id
        for row in rows.values()
        if row.source_ref and row.source_ref.startswith("ics:")
    }
    plan = Plan(ImportReport(source, dry_run))
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
        change = SourceChange(
            notice_published=entry.notice_published
            if entry.notice_published is not None and row.notice_published is None
            else None,
            cancelled_because=why if entry.cancelled and row.status != "cancelled" else None,
        )
        if change != SourceChange():
            plan.changes[election_id] = change
            report.changed.append(_item(entry, **named, changes=change.report(row)))
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
        plan.changes[old] = SourceChange(cancelled_because=reason)
        report.changed.append(
            {
                "where": "source",
                "election_id": old,
                "changes": {"status": [row.status, "cancelled"]},
                "note": f"{reason}; its restricted period stays until the Clerk ends it",
            }
        )
    return plan
