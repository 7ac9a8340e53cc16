"""
The snapshot `decide()` reads: one organisation's windows, overrides and reasons, built once.

`build_snapshot` splits each merged window where what restricts changes, builds every reason
a decision can give, and sorts overrides by start, so that a decision costs one bisect and a
few comparisons, whatever the number of windows.
"""

import datetime as dt
import itertools
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from app.domain.approvals import Approval
from app.domain.candidates import Candidate, Party
from app.domain.clock import LONDON
from app.domain.elections import election_group_id, parse_election_id
from app.domain.errors import PurdahError, UnknownAccount
from app.domain.periods import ManualWindow, RestrictedPeriod, Window, merge_windows
from app.domain.policy import Account, AccountStatus, Policy
from app.domain.reasons import (
    LGA_1986_S2,
    PUBLICITY_CODE,
    Effect,
    Override,
    Reason,
    ReasonCode,
    restriction_ids,
)
from app.domain.screening import Screener

__all__ = ["Snapshot", "build_snapshot"]

_STATUS_CODES: Mapping[AccountStatus, tuple[ReasonCode, str]] = {
    AccountStatus.PENDING: (
        ReasonCode.ACCOUNT_PENDING_APPROVAL,
        "the account is proposed but not yet approved by the Town Clerk",
    ),
    AccountStatus.INACTIVE: (ReasonCode.ACCOUNT_INACTIVE, "the account is not currently in use"),
    AccountStatus.SUSPENDED: (
        ReasonCode.ACCOUNT_SUSPENDED,
        "publishing rights on the account are suspended",
    ),
    AccountStatus.CLOSED: (
        ReasonCode.ACCOUNT_CLOSED,
        "the account has been closed by the Town Clerk",
    ),
}


@dataclass(frozen=True, slots=True)
class _WindowReasons:
    permitted: Reason
    refer: Reason
    deny: tuple[Reason, ...]
    upcoming: Reason
    warn_from: dt.datetime
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class _Timeline:
    """
    Pieces of windows in time order (see `_segments`), and the merged windows. `windows[i]`
    is the merged window piece `i` is part of; `pieces[i]` names only what restricts in it.
    """

    windows: tuple[Window, ...]
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    warn_from: tuple[float, ...]
    reasons: tuple[_WindowReasons, ...]
    merged: tuple[Window, ...]
    restrictions: tuple[frozenset[str], ...] = ()
    pieces: tuple[Window, ...] = ()


@dataclass(frozen=True, slots=True)
class _TimedOverride:
    override: Override
    starts: float
    ends: float
    reason: Reason


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Snapshot:
    """
    Everything a decision needs for one organisation, immutable, built once per data change.

    Build it with `build_snapshot`.
    """

    policy: Policy
    accounts: Mapping[str, Account]
    data_version: int
    windows: tuple[Window, ...]
    _timelines: Mapping[str, _Timeline]
    _default_timeline: _Timeline
    _overrides: Mapping[str, tuple[_TimedOverride, ...]]
    _org_overrides: tuple[_TimedOverride, ...]
    _status_reasons: Mapping[AccountStatus, Reason]
    _never_permitted: Reason
    _no_restriction: Reason
    _review_due_at: dt.datetime | None
    _review_due_ts: float
    _review_overdue: Reason | None
    candidates: Mapping[str, Candidate] = field(default_factory=dict)
    approvals: Mapping[str, Approval] = field(default_factory=dict)
    screener: Screener = field(default_factory=Screener)
    # per account whose holder is standing: the holder reason for each piece of its timeline
    # (None where none of the holder's elections restricts that piece)
    _holder_reasons: Mapping[str, tuple[Reason | None, ...]] = field(default_factory=dict)

    def piece_at(self, account_id: str, at: dt.datetime) -> Window | None:
        """The piece of the account's timeline in force at `at` (what restricts then), if any."""
        timeline = self._timelines.get(account_id, self._default_timeline)
        t = at.timestamp()
        i = bisect_right(timeline.starts, t) - 1
        if i >= 0 and t < timeline.ends[i]:
            return timeline.pieces[i]
        return None

    def windows_for(self, account_id: str) -> tuple[Window, ...]:
        """The merged windows that apply to one account (organisation-wide and its own)."""
        return self._timelines.get(account_id, self._default_timeline).merged

    def restrictions_overlapping(
        self, account_id: str | None, starts_at: dt.datetime, ends_at: dt.datetime
    ) -> frozenset[str]:
        """
        The restrictions (see `restriction_ids`) in force at some instant of
        `[starts_at, ends_at)` for one account, or for any account when `account_id` is None:
        what an override granted now for that span is anchored to.
        """
        timelines = (
            [self._timelines.get(account_id, self._default_timeline)]
            if account_id is not None
            else [self._default_timeline, *self._timelines.values()]
        )
        lo, hi = starts_at.timestamp(), ends_at.timestamp()
        found: set[str] = set()
        for timeline in timelines:
            for start, end, ids in zip(
                timeline.starts, timeline.ends, timeline.restrictions, strict=True
            ):
                if start < hi and lo < end:
                    found |= ids
        return frozenset(found)


def _show(instant: dt.datetime) -> str:
    return instant.astimezone(LONDON).strftime("%H:%M on %a %d %b %Y")


def _window_reasons(window: Window, policy: Policy) -> _WindowReasons:
    described = window.describe()
    ids = {
        "window_id": window.window_id,
        "election_ids": window.election_ids,
        "manual_window_ids": window.manual_window_ids,
    }
    clause = policy.clause_for(ReasonCode.PRE_ELECTION_PERIOD)
    deny: list[Reason] = []
    if window.election_ids:
        deny.append(
            Reason(
                ReasonCode.PRE_ELECTION_PERIOD,
                Effect.DENY,
                f"Inside a pre-election period: {described}. Only factual, business-as-usual "
                "information of the permitted categories may be published.",
                clause=clause,
                rule=PUBLICITY_CODE,
                **ids,  # type: ignore[arg-type]
            )
        )
    if window.manual_window_ids:
        deny.append(
            Reason(
                ReasonCode.MANUAL_RESTRICTION,
                Effect.DENY,
                f"Inside a restriction set by the Town Clerk: {described}.",
                clause=policy.clause_for(ReasonCode.MANUAL_RESTRICTION),
                **ids,  # type: ignore[arg-type]
            )
        )
    warn_from = window.starts_at - policy.warning_horizon
    return _WindowReasons(
        permitted=Reason(
            ReasonCode.PERMITTED_CATEGORY,
            Effect.ALLOW,
            f"This category stays permitted inside the window: {described}.",
            clause=policy.clause_for(ReasonCode.PERMITTED_CATEGORY),
            rule=PUBLICITY_CODE,
            **ids,  # type: ignore[arg-type]
        ),
        refer=Reason(
            ReasonCode.REFER_TO_CLERK,
            Effect.REFER,
            f"This category is referred to the Town Clerk inside the window ({described}): "
            "not allowed until the Clerk grants an override or approves a request for this post.",
            clause=policy.clause_for(ReasonCode.REFER_TO_CLERK),
            rule=PUBLICITY_CODE,
            **ids,  # type: ignore[arg-type]
        ),
        deny=tuple(deny),
        upcoming=Reason(
            ReasonCode.UPCOMING_RESTRICTION,
            Effect.WARN,
            f"A restriction starts soon: {described}.",
            clause=policy.clause_for(ReasonCode.UPCOMING_RESTRICTION),
            **ids,  # type: ignore[arg-type]
        ),
        warn_from=warn_from,
    )


def _segments(
    window: Window, periods: tuple[RestrictedPeriod, ...], manual: tuple[ManualWindow, ...]
) -> list[tuple[dt.datetime, dt.datetime, Window]]:
    """
    Split a merged window where the set of contributing elections and manual windows changes,
    so that a decision names only what applies at its instant. Each piece carries a `Window`
    with the merged window's id and span but only that piece's contributors.
    """
    items: list[tuple[dt.datetime, dt.datetime, str, str | None, str | None]] = [
        (p.starts_at, p.ends_at, "election", p.election_id, None)
        for p in periods
        if not p.is_empty and p.starts_at < window.ends_at and p.ends_at > window.starts_at
    ]
    items += [
        (m.starts_at, m.ends_at, "manual", m.window_id, m.reason)
        for m in manual
        if m.starts_at < window.ends_at and m.ends_at > window.starts_at
    ]
    bounds = sorted(
        {window.starts_at, window.ends_at} | {i[0] for i in items} | {i[1] for i in items}
    )
    bounds = [b for b in bounds if window.starts_at <= b <= window.ends_at]
    pieces: list[tuple[dt.datetime, dt.datetime, Window]] = []
    for start, end in itertools.pairwise(bounds):
        active = [i for i in items if i[0] <= start < i[1]]
        elections = tuple(dict.fromkeys(i[3] for i in active if i[2] == "election"))
        manual_ids = tuple(i[3] for i in active if i[2] == "manual")
        if (
            pieces
            and pieces[-1][2].election_ids == elections
            and pieces[-1][2].manual_window_ids == manual_ids
        ):
            pieces[-1] = (pieces[-1][0], end, pieces[-1][2])
            continue
        piece = Window(
            window_id=window.window_id,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            election_ids=elections,  # type: ignore[arg-type]
            manual_window_ids=manual_ids,  # type: ignore[arg-type]
            manual_reasons=tuple(str(i[4]) for i in active if i[2] == "manual"),
            estimated=window.estimated,
        )
        pieces.append((start, end, piece))
    return pieces


def _timeline(
    windows: tuple[Window, ...],
    periods: tuple[RestrictedPeriod, ...],
    manual: tuple[ManualWindow, ...],
    policy: Policy,
) -> _Timeline:
    merged: list[Window] = []
    starts: list[float] = []
    ends: list[float] = []
    reasons: list[_WindowReasons] = []
    restrictions: list[frozenset[str]] = []
    pieces: list[Window] = []
    for window in windows:
        for start, end, piece in _segments(window, periods, manual):
            why = replace(_window_reasons(piece, policy), until=end)
            pieces.append(piece)
            merged.append(window)
            starts.append(start.timestamp())
            ends.append(end.timestamp())
            reasons.append(why)
            restrictions.append(restriction_ids(piece))
    return _Timeline(
        windows=tuple(merged),
        starts=tuple(starts),
        ends=tuple(ends),
        warn_from=tuple(r.warn_from.timestamp() for r in reasons),
        reasons=tuple(reasons),
        merged=windows,
        restrictions=tuple(restrictions),
        pieces=tuple(pieces),
    )


def election_keys(election_id: str) -> frozenset[str]:
    """
    An election id and the election it is a ballot of (`election_group_id`): a candidate
    in `local.cornwall.redruth-north.2025-05-01` stands in `local.cornwall.2025-05-01`.
    """
    try:
        return frozenset({election_id, election_group_id(parse_election_id(election_id))})
    except PurdahError:  # an id the store kept but cannot be parsed: compared as it is
        return frozenset({election_id})


def stands_in(candidate: Candidate, election_ids: Iterable[str]) -> bool:
    """Whether the candidate stands in one of the elections (or their ballots)."""
    own = election_keys(candidate.election_id)
    return any(own & election_keys(e) for e in election_ids)


def _holder_reasons(
    timeline: _Timeline, standing: list[Candidate], account: Account, policy: Policy
) -> tuple[Reason | None, ...]:
    reasons: list[Reason | None] = []
    for piece in timeline.pieces:
        running = [c for c in standing if stands_in(c, piece.election_ids)]
        if not running:
            reasons.append(None)
            continue
        names = ", ".join(sorted({c.name for c in running}))
        elections = tuple(sorted({c.election_id for c in running}))
        reasons.append(
            Reason(
                ReasonCode.ACCOUNT_HOLDER_STANDING,
                Effect.REFER,
                f"The holder of {account.name} ({names}) is a candidate in "
                f"{', '.join(elections)}: every post but "
                f"{', '.join(sorted(policy.holder_standing_permitted)) or 'none'} goes to the "
                "Town Clerk until the poll closes.",
                clause=policy.clause_for(ReasonCode.ACCOUNT_HOLDER_STANDING),
                rule=PUBLICITY_CODE,
                window_id=piece.window_id,
                election_ids=elections,
            )
        )
    return tuple(reasons)


def _timed(override: Override, policy: Policy) -> _TimedOverride:
    who = "this account" if override.account_id else "every account"
    return _TimedOverride(
        override=override,
        starts=override.starts_at.timestamp(),
        ends=override.ends_at.timestamp(),
        reason=Reason(
            ReasonCode.OVERRIDE_APPLIED,
            Effect.ALLOW,
            f"Allowed by the Town Clerk's override {override.override_id} for {who} until "
            f"{_show(override.ends_at)}: {override.reason}",
            clause=policy.clause_for(ReasonCode.OVERRIDE_APPLIED),
            override_id=override.override_id,
        ),
    )


def build_snapshot(
    policy: Policy,
    *,
    accounts: Iterable[Account],
    periods: Iterable[RestrictedPeriod],
    manual_windows: Iterable[ManualWindow] = (),
    overrides: Iterable[Override] = (),
    data_version: int = 0,
    candidates: Iterable[Candidate] = (),
    approvals: Iterable[Approval] = (),
    parties: Iterable[Party] = (),
    screener: Screener | None = None,
) -> Snapshot:
    """
    Build the immutable snapshot that `decide` reads.

    Args:
        policy: the organisation's policy.
        accounts: its accounts, with their current status.
        periods: the restricted periods of the elections that affect it.
        manual_windows: windows the Clerk set by hand (for all or some accounts).
        overrides: the overrides in force (granted, confirmed where needed, not revoked).
        data_version: bumped by the store with every write.
        candidates: who is standing (withdrawn candidates left out), for screening posts and
            for accounts whose holder is standing.
        approvals: the Clerk's approvals of single posts (approved, confirmed where needed).
        parties: the registered parties to screen posts for (the shipped register and the
            policy's own; the policy's are added here too).
        screener: `Screener(candidates, (*parties, *policy.parties), policy.wards)` built
            already, to share between snapshots built from the same names (the store shares
            the party register's between councils without candidates, wards or parties of
            their own); None builds it.
    """
    # in a fixed order, whatever order the database gave the rows in: a council built alone
    # and one built with every other name the same elections in the same order
    periods = tuple(sorted(periods, key=lambda p: (p.starts_at, p.ends_at, p.election_id)))
    manual = tuple(sorted(manual_windows, key=lambda m: (m.starts_at, m.ends_at, m.window_id)))
    overrides = tuple(overrides)
    accounts_by_id = {a.account_id: a for a in accounts}
    for window in manual:
        for account_id in window.account_ids or ():
            if account_id not in accounts_by_id:
                raise UnknownAccount(account_id)
    for override in overrides:
        if override.account_id is not None and override.account_id not in accounts_by_id:
            raise UnknownAccount(override.account_id)
    org_manual = tuple(m for m in manual if m.account_ids is None)
    default = _timeline(merge_windows(periods, org_manual), periods, org_manual, policy)
    timelines: dict[str, _Timeline] = {}
    for account_id in accounts_by_id:
        own = tuple(m for m in manual if m.account_ids is not None and account_id in m.account_ids)
        if own:
            timelines[account_id] = _timeline(
                merge_windows(periods, org_manual + own), periods, org_manual + own, policy
            )
    timed = sorted((_timed(o, policy) for o in overrides), key=lambda item: item.starts)
    org_overrides = tuple(t for t in timed if t.override.account_id is None)
    per_account: dict[str, tuple[_TimedOverride, ...]] = {}
    for t in timed:
        if t.override.account_id is not None:
            per_account.setdefault(t.override.account_id, ())
    for account_id in per_account:
        per_account[account_id] = tuple(
            t for t in timed if t.override.account_id in (None, account_id)
        )
    candidates = tuple(candidates)
    holder_reasons: dict[str, tuple[Reason | None, ...]] = {}
    for account_id, account in accounts_by_id.items():
        standing = [c for c in candidates if account_id in c.account_ids]
        if standing:
            timeline = timelines.get(account_id, default)
            holder_reasons[account_id] = _holder_reasons(timeline, standing, account, policy)
    if screener is None:
        screener = Screener(candidates, (*parties, *policy.parties), policy.wards)
    status_reasons = {
        status: Reason(
            code,
            Effect.DENY,
            f"Not allowed: {text}.",
            clause=policy.clause_for(code),
        )
        for status, (code, text) in _STATUS_CODES.items()
    }
    review_due_at = policy.review_due_at()
    review_reason = None
    if review_due_at is not None and policy.next_review_due is not None:
        review_reason = Reason(
            ReasonCode.POLICY_REVIEW_OVERDUE,
            Effect.WARN,
            f"The social media policy was due for review by {policy.next_review_due:%B %Y} "
            "and has not been reviewed since.",
            clause=policy.clause_for(ReasonCode.POLICY_REVIEW_OVERDUE),
        )
    return Snapshot(
        policy=policy,
        accounts=accounts_by_id,
        data_version=data_version,
        windows=default.merged,
        _timelines=timelines,
        _default_timeline=default,
        _overrides=per_account,
        _org_overrides=org_overrides,
        _status_reasons=status_reasons,
        _never_permitted=Reason(
            ReasonCode.NEVER_PERMITTED_CATEGORY,
            Effect.DENY,
            "Never permitted on an official account, at any time and whatever override: "
            "party-political material, personal campaigns and personal financial interests.",
            clause=policy.clause_for(ReasonCode.NEVER_PERMITTED_CATEGORY),
            rule=LGA_1986_S2,
        ),
        _no_restriction=Reason(
            ReasonCode.NO_RESTRICTION,
            Effect.ALLOW,
            "No restriction applies to this account at this time.",
            clause=policy.clause_for(ReasonCode.NO_RESTRICTION),
        ),
        _review_due_at=review_due_at,
        _review_due_ts=review_due_at.timestamp() if review_due_at else float("inf"),
        _review_overdue=review_reason,
        candidates=MappingProxyType({c.candidate_id: c for c in candidates}),
        approvals=MappingProxyType({a.request_id: a for a in approvals}),
        screener=screener,
        _holder_reasons=MappingProxyType(holder_reasons),
    )
