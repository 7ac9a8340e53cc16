"""
The decision: may this account publish this kind of post at this instant?

`decide()` is a pure function of an immutable `Snapshot`. It collects every reason that
applies, in this order, and the first blocking one decides (DESIGN section 3):

1. account status not `active` -> deny;
2. a never-permitted category -> deny, at any time, override or not
   (the policy's clause on party-political use; Local Government Act 1986 s. 2);
3. inside a window: a permitted category -> allow; else an active override -> allow;
   else a referred category -> refer; else deny;
4. otherwise allow, with warnings that never block.

Windows are half-open, `[starts_at, ends_at)`: a post at 22:00:00 on polling day is allowed,
one at 21:59:59 is not. Reasons are built once per snapshot, so a decision costs one
bisect and a few comparisons, whatever the number of windows.
"""

import datetime as dt
from bisect import bisect_right

from app.domain.clock import UTC
from app.domain.errors import NaiveDatetime, UnknownAccount, UnknownCategory
from app.domain.policy import AccountStatus, Category
from app.domain.reasons import (
    Decision,
    Effect,
    Outcome,
    Override,
    Reason,
    ReasonCode,
    restriction_ids,
)
from app.domain.snapshot import Snapshot, _TimedOverride, build_snapshot

__all__ = [
    "Decision",
    "Effect",
    "Outcome",
    "Override",
    "Reason",
    "ReasonCode",
    "Snapshot",
    "build_snapshot",
    "decide",
    "decide_post",
    "restriction_ids",
]

_CATEGORIES = frozenset(Category)
_CATEGORY_NAMES = tuple(c.value for c in Category)


def _earlier(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a <= b else b


def decide(
    account_id: str,
    at: dt.datetime,
    category: Category | str,
    snapshot: Snapshot,
    *,
    now: dt.datetime,
    decision_id: str = "",
) -> Decision:
    """
    Decide whether `account_id` may publish a post of `category` at `at`.

    Args:
        account_id: the account's id.
        at: the instant of publication; must be aware.
        category: the kind of post (validated by the caller against `Category`).
        snapshot: the organisation's snapshot.
        now: when the decision is evaluated (`evaluated_at`).
        decision_id: an id the caller assigns, for logs and audit.

    Raises:
        NaiveDatetime: `at` has no UTC offset.
        UnknownAccount: the account is not the organisation's.
    """
    tz = at.tzinfo
    if tz is None or (tz is not UTC and at.utcoffset() is None):
        raise NaiveDatetime(field="at", value=at.isoformat())
    account = snapshot.accounts.get(account_id)
    if account is None:
        raise UnknownAccount(account_id)
    if category not in _CATEGORIES:
        raise UnknownCategory(str(category), _CATEGORY_NAMES)
    t = at.timestamp()
    policy = snapshot.policy
    warnings: tuple[Reason, ...] = ()
    valid_until: dt.datetime | None = None
    if t >= snapshot._review_due_ts:
        warnings = (snapshot._review_overdue,)  # type: ignore[assignment]
    else:
        valid_until = snapshot._review_due_at

    status = account.status
    never = category in policy.never_permitted
    if status is not AccountStatus.ACTIVE or never:
        blocking: tuple[Reason, ...] = (
            (snapshot._status_reasons[status],) if status is not AccountStatus.ACTIVE else ()
        )
        if never:
            blocking += (snapshot._never_permitted,)
        return Decision(
            decision_id, account_id, category, at, Outcome.DENY, blocking + warnings, (),
            valid_until, snapshot.data_version, now,
        )  # fmt: skip

    timeline = snapshot._timelines.get(account_id, snapshot._default_timeline)
    i = bisect_right(timeline.starts, t) - 1
    if i >= 0 and t < timeline.ends[i]:
        window = timeline.windows[i]
        reasons = timeline.reasons[i]
        valid_until = _earlier(reasons.until, valid_until)
        if category in policy.permitted:
            return Decision(
                decision_id, account_id, category, at, Outcome.ALLOW,
                (reasons.permitted, *warnings), (window,), valid_until, snapshot.data_version, now,
            )  # fmt: skip
        applied: _TimedOverride | None = None
        in_force = timeline.restrictions[i]
        for timed in snapshot._overrides.get(account_id, snapshot._org_overrides):
            if not timed.override.covers(category) or not in_force <= timed.override.anchors:
                continue
            if timed.starts <= t < timed.ends:
                if applied is None or timed.ends > applied.ends:
                    applied = timed
            elif timed.starts > t:
                valid_until = _earlier(timed.override.starts_at, valid_until)
        if applied is not None:
            return Decision(
                decision_id, account_id, category, at, Outcome.ALLOW,
                (applied.reason, *warnings), (window,),
                _earlier(applied.override.ends_at, valid_until), snapshot.data_version, now,
            )  # fmt: skip
        if category in policy.referred:
            return Decision(
                decision_id, account_id, category, at, Outcome.REFER,
                (reasons.refer, *warnings), (window,), valid_until, snapshot.data_version, now,
            )  # fmt: skip
        return Decision(
            decision_id, account_id, category, at, Outcome.DENY,
            reasons.deny + warnings, (window,), valid_until, snapshot.data_version, now,
        )  # fmt: skip

    nxt = i + 1
    if nxt < len(timeline.starts):
        upcoming = timeline.reasons[nxt]
        if t >= timeline.warn_from[nxt]:
            warnings = (upcoming.upcoming, *warnings)
            valid_until = _earlier(timeline.windows[nxt].starts_at, valid_until)
        else:
            valid_until = _earlier(upcoming.warn_from, valid_until)
    return Decision(
        decision_id, account_id, category, at, Outcome.ALLOW,
        (snapshot._no_restriction, *warnings), (), valid_until, snapshot.data_version, now,
    )  # fmt: skip


def decide_post(
    account_id: str,
    at: dt.datetime,
    category: Category | str,
    snapshot: Snapshot,
    *,
    now: dt.datetime,
    text: str | None = None,
    request_id: str | None = None,
    decision_id: str = "",
) -> Decision:
    """
    The decision for one post whose text (and the Clerk's approval of it) may be known:
    `decide`, then the post's own reasons (candidates, parties, appeals; an approved request).

    Raises: as `decide`.
    """
    return decide(account_id, at, category, snapshot, now=now, decision_id=decision_id)
