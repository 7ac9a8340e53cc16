"""
The reasons a post's own text (and the Clerk's approval of it) adds to a decision.

`decide` answers for an account, an instant and a category; `decide_post` (in
`app.domain.decision`) adds what this module finds in the text: candidates of the elections
in the window, parties, electoral appeals (refer inside a window, warn outside), the wards
of a ward-scoped by-election, and whether an approved request covers exactly this post.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from app.domain.approvals import post_sha256
from app.domain.clock import LONDON
from app.domain.elections import parse_election_id
from app.domain.errors import PurdahError
from app.domain.periods import Window
from app.domain.policy import ByElectionScope, Policy
from app.domain.reasons import LGA_1986_S2, PUBLICITY_CODE, Effect, Reason, ReasonCode
from app.domain.screening import Match, MatchKind
from app.domain.snapshot import Snapshot, stands_in

__all__ = [
    "SPANS_SHOWN",
    "Screened",
    "approval_reason",
    "as_warning",
    "seen_by_approval",
    "screen_post",
    "ward_scoped_wards",
]


@dataclass(frozen=True, slots=True)
class Screened:
    """
    What a post's text adds: `refer` reasons (each blocks), `warn` reasons (never block), and
    for a ward-scoped by-election that the post does not mention, `elsewhere` (the
    by-election's restriction does not apply to this post).
    """

    refer: tuple[Reason, ...] = ()
    warn: tuple[Reason, ...] = ()
    elsewhere: Reason | None = None


_NOTHING = Screened()


def _show(instant: dt.datetime) -> str:
    return instant.astimezone(LONDON).strftime("%H:%M on %a %d %b %Y")


# The places a reason lists for one thing found (a candidate, a party, an appeal, a ward):
# a text that repeats a name thousands of times gets the first few and a count, not an
# answer a thousand times its size (a 1 MiB batch of such texts answered 58 MB).
SPANS_SHOWN = 10


def _spans(matches: Sequence[Match]) -> str:
    shown = ", ".join(
        f'"{m.matched}" at characters {m.start}-{m.end}' for m in matches[:SPANS_SHOWN]
    )
    more = len(matches) - SPANS_SHOWN
    return f"{shown} and {more:,} more" if more > 0 else shown


def ward_scoped_wards(policy: Policy, piece: Window) -> frozenset[str] | None:
    """
    The wards of a piece of window that only ward by-elections restrict, where the policy
    scopes by-elections to their ward; None where the whole council is restricted (every
    other case: the default, and fail safe).
    """
    if policy.by_election_scope is not ByElectionScope.WARD or piece.manual_window_ids:
        return None
    if not piece.election_ids:
        return None
    known = {w.ward_id for w in policy.wards}
    wards: set[str] = set()
    for election_id in piece.election_ids:
        try:
            ref = parse_election_id(election_id)
        except PurdahError:
            return None
        if not ref.is_by_election or ref.division is None or ref.division not in known:
            return None
        wards.add(ref.division)
    return frozenset(wards)


def _reason(
    policy: Policy,
    code: ReasonCode,
    effect: Effect,
    message: str,
    matches: tuple[Match, ...],
    *,
    rule: str | None,
    piece: Window | None,
    election_ids: tuple[str, ...] = (),
) -> Reason:
    return Reason(
        code,
        effect,
        message,
        clause=policy.clause_for(code),
        rule=rule,
        window_id=piece.window_id if piece is not None else None,
        election_ids=election_ids,
        matches=matches,
    )


def screen_post(snapshot: Snapshot, text: str, piece: Window | None) -> Screened:
    """
    Screen a post's text against the candidates, parties and wards of the snapshot, for the
    piece of window in force at its instant (None: outside every window).

    Inside a window a candidate of one of its elections, a party or an electoral appeal
    refers the post; outside (or a candidate of another election) they only warn.
    """
    policy = snapshot.policy
    matches = snapshot.screener.scan(text)
    wards = ward_scoped_wards(policy, piece) if piece is not None else None
    if not matches and wards is None:
        return _NOTHING  # the usual post: nothing found, and no ward-scoped by-election
    inside = piece is not None
    elections = piece.election_ids if piece is not None else ()
    grouped: dict[tuple[MatchKind, str], list[Match]] = {}
    for match in matches:
        grouped.setdefault((match.kind, match.ref), []).append(match)
    candidates = snapshot.candidates
    refer: list[Reason] = []
    warn: list[Reason] = []
    for (kind, ref), found in grouped.items():
        spans = _spans(found)
        group = tuple(found[:SPANS_SHOWN])
        if kind is MatchKind.CANDIDATE:
            candidate = candidates.get(ref)
            if candidate is None:
                continue
            running = inside and stands_in(candidate, elections)
            party = f" ({candidate.party})" if candidate.party else ""
            message = (
                f"Names {candidate.name}{party}, a candidate in {candidate.election_id}: {spans}. "
                + (
                    "Inside the pre-election period a post that names or shows a candidate "
                    "goes to the Town Clerk."
                    if running
                    else "No period of that election is in force at this time: take care."
                )
            )
            (refer if running else warn).append(
                _reason(
                    policy,
                    ReasonCode.CANDIDATE_MENTIONED,
                    Effect.REFER if running else Effect.WARN,
                    message,
                    group,
                    rule=PUBLICITY_CODE,
                    piece=piece,
                    election_ids=(candidate.election_id,),
                )
            )
        elif kind is MatchKind.PARTY:
            message = f"Names a political party, {found[0].name}: {spans}. " + (
                "Inside a restriction window a post that names a party goes to the Town Clerk."
                if inside
                else "An official account must never promote a party."
            )
            (refer if inside else warn).append(
                _reason(
                    policy,
                    ReasonCode.PARTY_MENTIONED,
                    Effect.REFER if inside else Effect.WARN,
                    message,
                    group,
                    rule=LGA_1986_S2,
                    piece=piece,
                )
            )
        elif kind is MatchKind.APPEAL:
            message = (
                f"Reads as an electoral appeal ({spans}): an official account must not ask "
                "anyone to vote for, or against, a candidate or party."
            )
            (refer if inside else warn).append(
                _reason(
                    policy,
                    ReasonCode.ELECTORAL_APPEAL,
                    Effect.REFER if inside else Effect.WARN,
                    message,
                    group,
                    rule=LGA_1986_S2,
                    piece=piece,
                )
            )
        elif kind is MatchKind.PLACE and wards is not None and ref in wards:
            message = (
                f"Mentions {found[0].name}, where a by-election is under way: {spans}. A post "
                "about the ward goes to the Town Clerk until the poll closes."
            )
            refer.append(
                _reason(
                    policy,
                    ReasonCode.BY_ELECTION_WARD_MENTIONED,
                    Effect.REFER,
                    message,
                    group,
                    rule=PUBLICITY_CODE,
                    piece=piece,
                    election_ids=elections,
                )
            )
    elsewhere = None
    if wards is not None and piece is not None:
        mentioned = any(
            r.code in (ReasonCode.BY_ELECTION_WARD_MENTIONED, ReasonCode.CANDIDATE_MENTIONED)
            for r in refer
        )
        if not mentioned:
            names = ", ".join(sorted(w.name for w in policy.wards if w.ward_id in wards))
            elsewhere = _reason(
                policy,
                ReasonCode.BY_ELECTION_ELSEWHERE,
                Effect.WARN,
                f"A by-election is under way in {names} only, and this post mentions neither the "
                "ward nor its places nor its candidates: the council's other posts go on as usual.",
                (),
                rule=PUBLICITY_CODE,
                piece=piece,
                election_ids=elections,
            )
    return Screened(tuple(refer), tuple(warn), elsewhere)


def approval_reason(
    snapshot: Snapshot,
    request_id: str,
    *,
    account_id: str,
    category: str,
    at: dt.datetime,
    text: str | None,
    in_force: frozenset[str],
) -> Reason:
    """
    REQUEST_APPROVED (effect allow) when the approved request covers exactly this post: the
    same account and category, the same text, inside its times, and no restriction added
    since; else REQUEST_NOT_APPLICABLE (a warning) saying why not.
    """
    policy = snapshot.policy
    approval = snapshot.approvals.get(request_id)

    def not_applicable(why: str) -> Reason:
        return Reason(
            ReasonCode.REQUEST_NOT_APPLICABLE,
            Effect.WARN,
            f"Request {request_id} does not cover this post: {why}.",
            clause=policy.clause_for(ReasonCode.REQUEST_NOT_APPLICABLE),
            request_id=request_id,
        )

    if approval is None:
        return not_applicable(
            "it is not an approved request of this organisation (it may be pending, "
            "rejected, withdrawn or unknown)"
        )
    if approval.account_id != account_id:
        return not_applicable(f"it was approved for the account {approval.account_id}")
    if approval.category != category:
        return not_applicable(f"it was approved for the category {approval.category}")
    if text is None:
        return not_applicable("send the post's text with the request id")
    if post_sha256(text) != approval.text_sha256:
        return not_applicable("the text differs from the text the Town Clerk approved")
    if not approval.not_before <= at < approval.not_after:
        return not_applicable(
            f"it allows publication from {_show(approval.not_before)} until "
            f"{_show(approval.not_after)} only"
        )
    if not in_force <= approval.anchors:
        added = ", ".join(sorted(in_force - approval.anchors))
        return not_applicable(f"a restriction was added after it was approved ({added})")
    return Reason(
        ReasonCode.REQUEST_APPROVED,
        Effect.ALLOW,
        f"Allowed by the Town Clerk's approval of request {request_id} ({approval.approved_by}) "
        f"until {_show(approval.not_after)}: exactly this post, on this account.",
        clause=policy.clause_for(ReasonCode.REQUEST_APPROVED),
        request_id=request_id,
    )


def seen_by_approval(reasons: Iterable[Reason]) -> frozenset[str]:
    """
    What of a post's blocking reasons, beyond the restrictions in force, an approval must
    have seen to cover it: each thing its text was found to hold (`candidate:<id>`,
    `party:<id>`, `appeal:<rule>`, `place:<ward>`) and each election its account's holder
    stands in (`holder:<election id>`).

    The Clerk approves a post as it reads when approving: a candidate entered later whom the
    text names, or an account holder linked later, is a restriction added since, which the
    approval does not lift (as a window added after an override is not lifted by it).
    """
    seen: set[str] = set()
    for reason in reasons:
        if reason.effect in (Effect.ALLOW, Effect.WARN):
            continue
        seen.update(f"{m.kind}:{m.ref}" for m in reason.matches)
        if reason.code is ReasonCode.ACCOUNT_HOLDER_STANDING:
            seen.update(f"holder:{e}" for e in reason.election_ids)
    return frozenset(seen)


def as_warning(reason: Reason) -> Reason:
    """A reason kept for the record but no longer blocking (the Clerk approved the post)."""
    return replace(reason, effect=Effect.WARN)
