"""
What a decision is made of: its outcome, its reasons, and the Clerk's overrides.

Plain immutable values, shared by the snapshot (`app.domain.snapshot`), which builds each
reason once, and by `decide()` (`app.domain.decision`), which picks among them.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from app.domain.clock import require_aware
from app.domain.periods import Window
from app.domain.policy import Category
from app.domain.screening import Match

__all__ = [
    "LGA_1986_S2",
    "PUBLICITY_CODE",
    "Decision",
    "Effect",
    "Outcome",
    "Override",
    "Reason",
    "ReasonCode",
    "restriction_ids",
]

LGA_1986_S2 = "Local Government Act 1986, s. 2 (prohibition of political publicity)"
PUBLICITY_CODE = (
    "Code of Recommended Practice on Local Authority Publicity (2011), para. 34: "
    "care during the period between the notice of an election and the election"
)


class Outcome(StrEnum):
    """The answer. Only `allow` means the post may go out."""

    ALLOW = "allow"
    REFER = "refer"
    DENY = "deny"


class Effect(StrEnum):
    """What one reason does to the answer."""

    ALLOW = "allow"
    REFER = "refer"
    DENY = "deny"
    WARN = "warn"


class ReasonCode(StrEnum):
    """Machine-readable reason codes; part of the API contract."""

    ACCOUNT_PENDING_APPROVAL = "ACCOUNT_PENDING_APPROVAL"
    ACCOUNT_INACTIVE = "ACCOUNT_INACTIVE"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    NEVER_PERMITTED_CATEGORY = "NEVER_PERMITTED_CATEGORY"
    PERMITTED_CATEGORY = "PERMITTED_CATEGORY"
    OVERRIDE_APPLIED = "OVERRIDE_APPLIED"
    REFER_TO_CLERK = "REFER_TO_CLERK"
    PRE_ELECTION_PERIOD = "PRE_ELECTION_PERIOD"
    MANUAL_RESTRICTION = "MANUAL_RESTRICTION"
    NO_RESTRICTION = "NO_RESTRICTION"
    UPCOMING_RESTRICTION = "UPCOMING_RESTRICTION"
    POLICY_REVIEW_OVERDUE = "POLICY_REVIEW_OVERDUE"
    REQUEST_APPROVED = "REQUEST_APPROVED"
    REQUEST_NOT_APPLICABLE = "REQUEST_NOT_APPLICABLE"
    CANDIDATE_MENTIONED = "CANDIDATE_MENTIONED"
    PARTY_MENTIONED = "PARTY_MENTIONED"
    ELECTORAL_APPEAL = "ELECTORAL_APPEAL"
    ACCOUNT_HOLDER_STANDING = "ACCOUNT_HOLDER_STANDING"
    BY_ELECTION_WARD_MENTIONED = "BY_ELECTION_WARD_MENTIONED"
    BY_ELECTION_ELSEWHERE = "BY_ELECTION_ELSEWHERE"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason in a decision: what applies, what it does, and what it cites."""

    code: ReasonCode
    effect: Effect
    message: str
    clause: str | None = None
    rule: str | None = None
    window_id: str | None = None
    election_ids: tuple[str, ...] = ()
    manual_window_ids: tuple[str, ...] = ()
    override_id: str | None = None
    request_id: str | None = None
    matches: tuple[Match, ...] = ()


def _check_interval(starts_at: dt.datetime, ends_at: dt.datetime, what: str) -> None:
    require_aware(starts_at, field=f"{what} starts_at")
    require_aware(ends_at, field=f"{what} ends_at")
    if ends_at <= starts_at:
        msg = f"{what} ends at {ends_at.isoformat()}, not after its start {starts_at.isoformat()}"
        raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Override:
    """
    The Clerk's written permission to publish inside a window, `[starts_at, ends_at)`.

    `account_id` None covers every account of the organisation; `categories` None covers
    every category except those never permitted. `anchors` are the restrictions it was
    granted against: the elections and manual windows in force at some instant of its span
    when it was granted (see `restriction_ids` and `Snapshot.restrictions_overlapping`). It
    lifts a restriction only where everything in force is one of them, so a window added
    later (an account under review, another election) needs an override of its own; a window
    that moves or grows keeps its overrides, because its elections and manual windows keep
    their ids. No anchors: it lifts nothing.
    """

    override_id: str
    account_id: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    categories: frozenset[Category] | None = None
    anchors: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_interval(self.starts_at, self.ends_at, f"override {self.override_id}")

    def covers(self, category: str) -> bool:
        """Whether the override is for this category of post."""
        return self.categories is None or category in self.categories


def restriction_ids(window: Window) -> frozenset[str]:
    """
    The stable ids of what restricts inside a window: `election:<election id>` for each
    election and `manual:<window id>` for each manual window (an override's anchors).
    """
    return frozenset(
        [f"election:{e}" for e in window.election_ids]
        + [f"manual:{m}" for m in window.manual_window_ids]
    )


class Decision(NamedTuple):
    """
    The answer to "can this account publish this now?".

    `valid_until` is the next instant at which the answer (outcome or reasons) for this
    account and category changes as time passes, or None if time alone never changes it.
    Data changes (a new window, an override) are signalled by `data_version` instead.

    A NamedTuple rather than a frozen dataclass: it is built on every call of the hot path,
    and a ten-field frozen dataclass costs three times as much to build (bench/).
    """

    decision_id: str
    account_id: str
    category: str
    at: dt.datetime
    outcome: Outcome
    reasons: tuple[Reason, ...]
    windows: tuple[Window, ...]
    valid_until: dt.datetime | None
    data_version: int
    evaluated_at: dt.datetime

    @property
    def allowed(self) -> bool:
        """True only for `allow`: `refer` and `deny` both mean do not post."""
        return self.outcome is Outcome.ALLOW
