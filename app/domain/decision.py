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

from app.domain.errors import NaiveDatetime, UnknownAccount, UnknownCategory
from app.domain.periods import Window
from app.domain.policy import AccountStatus, Category
from app.domain.post_reasons import approval_reason, as_warning, screen_post, seen_by_approval
from app.domain.reasons import (
    Decision,
    Effect,
    Outcome,
    Override,
    Reason,
    ReasonCode,
    restriction_ids,
)
from app.domain.snapshot import Snapshot, _TimedOverride, _WindowReasons, build_snapshot

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
    "post_decision",
    "restriction_ids",
]

_CATEGORIES = frozenset(Category)
_FIXED = dt.timezone
_CATEGORY_NAMES = tuple(c.value for c in Category)


def _earlier(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a <= b else b


def _holder_standing(
    decision_id: str,
    account_id: str,
    category: Category | str,
    at: dt.datetime,
    snapshot: Snapshot,
    now: dt.datetime,
    standing: Reason,
    reasons: _WindowReasons,
    window: Window,
    warnings: tuple[Reason, ...],
    valid_until: dt.datetime | None,
) -> Decision:
    """
    Inside a window, on an account whose holder is standing: refer every post but the
    policy's emergency and statutory categories; an override does not lift it (the Clerk
    approves such posts one by one), and a category the window denies stays denied.
    """
    policy = snapshot.policy
    blocking: tuple[Reason, ...]
    if category in policy.permitted:
        outcome, blocking = Outcome.REFER, (standing,)
    elif category in policy.referred:
        outcome, blocking = Outcome.REFER, (reasons.refer, standing)
    else:
        outcome, blocking = Outcome.DENY, (*reasons.deny, standing)
    return Decision(
        decision_id, account_id, category, at, outcome, blocking + warnings, (window,),
        valid_until, snapshot.data_version, now,
    )  # fmt: skip


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
    # a fixed offset (`datetime.timezone`, UTC among them) always has one; a zone may not
    if tz is None or (type(tz) is not _FIXED and at.utcoffset() is None):
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
        holder = snapshot._holder_reasons.get(account_id)
        standing = holder[i] if holder is not None else None
        if standing is not None and category not in policy.holder_standing_permitted:
            return _holder_standing(
                decision_id, account_id, category, at, snapshot, now,
                standing, reasons, window, warnings, valid_until,
            )  # fmt: skip
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


_FINAL = frozenset(
    {
        ReasonCode.ACCOUNT_PENDING_APPROVAL,
        ReasonCode.ACCOUNT_INACTIVE,
        ReasonCode.ACCOUNT_SUSPENDED,
        ReasonCode.ACCOUNT_CLOSED,
        ReasonCode.NEVER_PERMITTED_CATEGORY,
    }
)


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
    `decide`, then what the text says (`post_reasons.screen_post`) and whether an approved
    request covers exactly this post (`post_reasons.approval_reason`).

    - A candidate of an election in the window, a party or an electoral appeal refers a
      post that `decide` allows, and is added to a refer or deny; outside windows, warnings.
    - Where the policy scopes by-elections to their ward, a post inside such a by-election's
      window that mentions neither the ward, its places nor its candidates is answered as
      outside the window, with a BY_ELECTION_ELSEWHERE warning; without a text, the whole
      council stays restricted.
    - An approved request that covers this post allows it (REQUEST_APPROVED), whatever the
      window, the category (never-permitted ones excepted) or the text's matches say; one
      that does not is a REQUEST_NOT_APPLICABLE warning that says why.
    - A deny for the account's status or a never-permitted category is final.

    Raises: as `decide`.
    """
    base = decide(account_id, at, category, snapshot, now=now, decision_id=decision_id)
    return post_decision(base, snapshot, text=text, request_id=request_id)


def post_decision(
    base: Decision, snapshot: Snapshot, *, text: str | None, request_id: str | None
) -> Decision:
    """
    What a post's text and the request it names make of `base`, the decision `decide` gave
    for the same account, instant and category from `snapshot`: `decide_post`, given `decide`'s
    answer (which a caller may hold already); `base` itself where they change nothing.
    """
    if (text is None and request_id is None) or base.reasons[0].code in _FINAL:
        return base
    account_id, at, category = base.account_id, base.at, base.category
    piece = snapshot.piece_at(account_id, at)
    outcome = base.outcome
    reasons = base.reasons
    valid_until = base.valid_until
    screened = screen_post(snapshot, text, piece) if text is not None else None
    # a text that adds nothing leaves the reasons as they are (one reason: in that order too)
    if screened is not None and (
        screened.refer or screened.warn or screened.elsewhere is not None or len(reasons) > 1
    ):
        if screened.elsewhere is not None:
            # the ward's by-election does not restrict this post: as outside the window,
            # unless the account's holder stands in it
            holder = tuple(r for r in reasons if r.code is ReasonCode.ACCOUNT_HOLDER_STANDING)
            kept = tuple(r for r in reasons if r.effect is Effect.WARN)
            outcome = Outcome.REFER if holder else Outcome.ALLOW
            reasons = (*holder, screened.elsewhere, *kept)
        if screened.refer and outcome is Outcome.ALLOW:
            outcome = Outcome.REFER
            reasons = tuple(r for r in reasons if r.effect is not Effect.ALLOW)
        blocking = tuple(r for r in reasons if r.effect is not Effect.WARN)
        warnings = tuple(r for r in reasons if r.effect is Effect.WARN)
        reasons = (*blocking, *screened.refer, *screened.warn, *warnings)
    if request_id is not None:
        # the restrictions in force, and what the text and the account's holder add now:
        # an approval covers only what the Clerk saw (`seen_by_approval`)
        in_force = (
            restriction_ids(piece) if piece is not None else frozenset()
        ) | seen_by_approval(reasons)
        approval = approval_reason(
            snapshot,
            request_id,
            account_id=account_id,
            category=str(category),
            at=at,
            text=text,
            in_force=in_force,
        )
        if approval.code is ReasonCode.REQUEST_APPROVED:
            outcome = Outcome.ALLOW
            reasons = (approval, *(as_warning(r) for r in reasons if r.effect is not Effect.ALLOW))
            ends = snapshot.approvals[request_id].not_after
            valid_until = ends if valid_until is None else min(ends, valid_until)
        else:
            reasons = (*reasons, approval)
    if outcome is base.outcome and reasons == base.reasons:
        return base
    return base._replace(outcome=outcome, reasons=reasons, valid_until=valid_until)
