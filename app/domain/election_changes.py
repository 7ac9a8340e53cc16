"""
What the Clerk may record of an election, and the checks that keep a restriction from being
lifted by mistake.

A status (uncontested, countermanded, cancelled) never lifts the period by itself (DESIGN
section 2, following the associations of local councils' guidance on uncontested seats);
only an end set by hand, with a reason, does.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import TypeVar

from app.domain.changes import UNSET, Unset
from app.domain.clock import london_instant
from app.domain.elections import ElectionKind, ElectionRef, parse_election_id
from app.domain.errors import InvalidChange
from app.domain.periods import (
    CLOSE_OF_POLL,
    ElectionRecord,
    check_notice_published,
    restricted_periods,
)
from app.domain.policy import Policy
from app.domain.timetables import compute_timetable

__all__ = [
    "ELECTION_STATUSES",
    "ClerkRecord",
    "ElectionChanges",
    "check_new_election",
    "check_notice",
    "revise",
]

ELECTION_STATUSES = ("scheduled", "held", "uncontested", "countermanded", "cancelled")


def check_notice(
    ref: ElectionRef,
    notice: dt.date | None,
    policy: Policy,
    appointed: Iterable[tuple[dt.date, str]] = (),
) -> None:
    """
    Refuse a notice of election the law does not allow for this election (see
    `check_notice_published`): a date after the statutory latest day would shorten the period.

    Raises:
        InvalidNoticeDate: with the legal window.
    """
    if notice is None:
        return
    timetable = compute_timetable(ref, default_country=policy.country, extra_dies_non=appointed)
    check_notice_published(timetable, notice)


def check_new_election(
    policy: Policy,
    *,
    election_id: str,
    poll_date: dt.date | None,
    kind: ElectionKind | None,
    notice_published: dt.date | None,
) -> ElectionRef:
    """
    The election the Clerk adds, checked against its id and the organisation's scopes, and
    with a period this service can compute (an unsupported kind or country fails here).

    Raises:
        InvalidChange: the poll date contradicts the id, or the election does not affect the
            organisation.
        InvalidNoticeDate, PurdahError: from the timetable rules.
    """
    # a kind only refines the id (a local referendum's); a contradiction is refused there
    ref = parse_election_id(election_id, kind=kind)
    if poll_date is not None and poll_date != ref.poll_date:
        raise InvalidChange(
            field="poll_date", problem=f"{poll_date} is not the date in the id ({ref.poll_date})"
        )
    if not policy.affects(ref):
        scopes = ", ".join(policy.election_scopes)
        raise InvalidChange(
            field="election_id",
            problem=f"{election_id} does not affect {policy.organisation_name} (its scopes: {scopes})",
        )
    check_notice(ref, notice_published, policy)
    restricted_periods(
        [ElectionRecord(ref, notice_published)], rules=policy.period_rules, country=policy.country
    )
    return ref


@dataclass(frozen=True, slots=True)
class ClerkRecord:
    """What the Clerk has recorded of an election."""

    notice_published: dt.date | None
    status: str
    status_reason: str | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    end_reason: str | None


@dataclass(frozen=True, slots=True)
class ElectionChanges:
    """
    A change to what the Clerk recorded: only the fields given change (`UNSET` leaves one
    as it is; None clears it). Each reason goes with its field.
    """

    notice_published: dt.date | None | Unset = UNSET
    notice_reason: str | None | Unset = UNSET
    status: str | None | Unset = UNSET
    status_reason: str | None | Unset = UNSET
    starts_at: dt.datetime | None | Unset = UNSET
    start_reason: str | None | Unset = UNSET
    ends_at: dt.datetime | None | Unset = UNSET
    end_reason: str | None | Unset = UNSET

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is UNSET for f in fields(self))

    def reason(self) -> str | None:
        """The reasons given, joined, for the audit log."""
        given = (self.notice_reason, self.start_reason, self.end_reason, self.status_reason)
        return "; ".join(r for r in given if isinstance(r, str) and r) or None


_T = TypeVar("_T")


def _given(value: _T | Unset) -> _T | None:
    return None if isinstance(value, Unset) else value


def revise(
    current: ClerkRecord,
    changes: ElectionChanges,
    *,
    election: ElectionRef,
    poll_date: dt.date,
    policy: Policy,
    appointed: Iterable[tuple[dt.date, str]] = (),
) -> ClerkRecord:
    """
    What the Clerk's record becomes after `changes`, checked.

    Raises:
        InvalidChange: a change without its reason, an unknown status, an end set by hand
            after the statutory end (it may only shorten the period), or a start on or after
            the end (which would lift the period).
        InvalidNoticeDate: a notice date the law does not allow.
    """
    record = current
    if not isinstance(changes.notice_published, Unset):
        notice = changes.notice_published
        if notice != record.notice_published and not _given(changes.notice_reason):
            raise InvalidChange(
                field="notice_reason",
                problem="recording or changing the notice date moves the start of the "
                "restricted period, so it needs a reason (where the notice was published)",
            )
        check_notice(election, notice, policy, appointed)
        record = replace(record, notice_published=notice)
    if not isinstance(changes.status, Unset):
        status = changes.status
        if status is None or status not in ELECTION_STATUSES:
            raise InvalidChange(
                field="status",
                problem=f"{status!r} is not one of {', '.join(ELECTION_STATUSES)}",
            )
        status_reason = _given(changes.status_reason)
        if status not in {"scheduled", "held"} and not status_reason:
            raise InvalidChange(
                field="status_reason", problem=f"a status of {status} needs a reason"
            )
        record = replace(record, status=status, status_reason=status_reason)
    if not isinstance(changes.starts_at, Unset):
        record = replace(record, starts_at=changes.starts_at)
        if record.starts_at is not None and not _given(changes.start_reason):
            raise InvalidChange(
                field="start_reason", problem="setting a start by hand needs a reason"
            )
    if not isinstance(changes.ends_at, Unset):
        record = replace(record, ends_at=changes.ends_at, end_reason=_given(changes.end_reason))
        if record.ends_at is not None and not record.end_reason:
            raise InvalidChange(
                field="end_reason", problem="ending a restricted period by hand needs a reason"
            )
    statutory_end = london_instant(poll_date, CLOSE_OF_POLL) + policy.period_rules.end_extension
    if record.ends_at is not None and record.ends_at > statutory_end:
        raise InvalidChange(
            field="ends_at",
            problem=f"an end set by hand may only shorten the period, which ends at {statutory_end.isoformat()}",
        )
    end = record.ends_at or statutory_end
    if record.starts_at is not None and end <= record.starts_at:
        raise InvalidChange(
            field="starts_at",
            problem="a start on or after the end would lift the period; end it early with ends_at and end_reason",
        )
    return record
