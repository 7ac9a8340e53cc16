"""
decide_post(): what a post's text adds to a decision (candidates, parties, appeals, a
ward's by-election), an account whose holder is standing, and the Clerk's approval of
exactly one post.

The window is the reference one of test_decision.py: Cornwall Council and Redruth Town
Council elections of 1 May 2025, notices published Friday 14 March 2025.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.domain import (
    UTC,
    Category,
    Country,
    ElectionRecord,
    ManualWindow,
    Outcome,
    Override,
    ReasonCode,
    Snapshot,
    build_snapshot,
    decide,
    parse_election_id,
    restricted_periods,
)
from app.domain.approvals import Approval, post_sha256
from app.domain.candidates import Candidate, Party, Ward
from app.domain.decision import decide_post, post_decision
from app.domain.policy import ByElectionScope, Policy
from app.domain.post_reasons import seen_by_approval
from app.domain.reasons import Effect

from .conftest import make_policy

LONDON = ZoneInfo("Europe/London")
TOWN = "facebook-redruthtowncouncil"
MAYOR = "facebook-mayorofredruth"
SUSPENDED = "facebook-suspended"
INSIDE = dt.datetime(2025, 4, 1, 9, 0, tzinfo=LONDON)
BEFORE = dt.datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
NOW = dt.datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
MAY_2025 = frozenset({"election:local.cornwall.2025-05-01", "election:parish.redruth.2025-05-01"})

JANE = Candidate("cand-jane", "parish.redruth.2025-05-01", "Jane Trevithick", party="Mebyon Kernow")
# A candidate in an election that does not restrict Redruth at this time (Bodmin, 2026)
OTHER = Candidate("cand-other", "parish.bodmin.2026-05-07", "Peter Polglase")
# The Mayor, standing again, linked by the Clerk to the Mayor's page
MAYOR_STANDING = Candidate(
    "cand-mayor", "parish.redruth.2025-05-01", "Morwenna Angove", account_ids=(MAYOR,)
)
PARTY = Party("PP58", "Mebyon Kernow - The Party for Cornwall", ("Mebyon Kernow",))


def _periods(policy: Policy, *records: ElectionRecord):  # type: ignore[no-untyped-def]
    return restricted_periods(
        records, rules=policy.period_rules, country=Country.ENGLAND, affects=policy.affects
    )


MAY_RECORDS = (
    ElectionRecord(
        parse_election_id("local.cornwall.2025-05-01"), notice_published=dt.date(2025, 3, 14)
    ),
    ElectionRecord(
        parse_election_id("parish.redruth.2025-05-01"), notice_published=dt.date(2025, 3, 14)
    ),
)


def _snapshot(
    policy: Policy | None = None,
    *,
    candidates: tuple[Candidate, ...] = (JANE, OTHER),
    approvals: tuple[Approval, ...] = (),
    overrides: tuple[Override, ...] = (),
    manual: tuple[ManualWindow, ...] = (),
    records: tuple[ElectionRecord, ...] = MAY_RECORDS,
) -> Snapshot:
    policy = policy or make_policy()
    return build_snapshot(
        policy,
        accounts=policy.accounts,
        periods=_periods(policy, *records),
        manual_windows=manual,
        overrides=overrides,
        candidates=candidates,
        approvals=approvals,
        parties=(PARTY,),
        data_version=3,
    )


def _codes(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(r.code) for r in decision.reasons]


def _post(snapshot: Snapshot, text: str | None, **kw):  # type: ignore[no-untyped-def]
    return decide_post(
        kw.pop("account_id", TOWN),
        kw.pop("at", INSIDE),
        kw.pop("category", Category.SERVICE_INFORMATION),
        snapshot,
        now=NOW,
        text=text,
        **kw,
    )


# --- screening inside and outside a window -------------------------------------------------


def test_a_candidate_of_the_windows_election_refers_a_post_of_a_permitted_category() -> None:
    text = "Thank you to Jane Trevithick for opening the new play park on Fore Street."
    decision = _post(_snapshot(), text)
    assert decision.outcome is Outcome.REFER
    [reason] = [r for r in decision.reasons if r.code is ReasonCode.CANDIDATE_MENTIONED]
    assert reason.effect is Effect.REFER
    assert reason.clause == "5.1"
    assert reason.election_ids == ("parish.redruth.2025-05-01",)
    [match] = reason.matches
    assert text[match.start : match.end] == "Jane Trevithick"
    assert match.ref == "cand-jane"
    # the allow reason of the category is gone: nothing in the answer says allow
    assert all(r.effect is not Effect.ALLOW for r in decision.reasons)


def test_the_same_post_outside_any_window_is_allowed_with_a_warning() -> None:
    text = "Thank you to Jane Trevithick for opening the new play park."
    decision = _post(_snapshot(), text, at=BEFORE)
    assert decision.outcome is Outcome.ALLOW
    [reason] = [r for r in decision.reasons if r.code is ReasonCode.CANDIDATE_MENTIONED]
    assert reason.effect is Effect.WARN


def test_a_candidate_of_another_election_only_warns_inside_the_window() -> None:
    decision = _post(_snapshot(), "Peter Polglase visited our library today.")
    assert decision.outcome is Outcome.ALLOW
    assert [r.effect for r in decision.reasons if r.code is ReasonCode.CANDIDATE_MENTIONED] == [
        Effect.WARN
    ]


def test_a_party_refers_inside_the_window_and_warns_outside() -> None:
    text = "Mebyon Kernow members joined the litter pick."
    inside = _post(_snapshot(), text)
    outside = _post(_snapshot(), text, at=BEFORE)
    assert inside.outcome is Outcome.REFER
    assert ReasonCode.PARTY_MENTIONED in _codes(inside)
    assert outside.outcome is Outcome.ALLOW
    assert [r.effect for r in outside.reasons if r.code is ReasonCode.PARTY_MENTIONED] == [
        Effect.WARN
    ]


def test_an_electoral_appeal_refers_inside_the_window() -> None:
    decision = _post(_snapshot(candidates=()), "On 1 May, vote for change in Redruth!")
    assert decision.outcome is Outcome.REFER
    [reason] = [r for r in decision.reasons if r.code is ReasonCode.ELECTORAL_APPEAL]
    # The appeal's span runs from its verb to what it asks a vote for (app.domain.appeals).
    assert reason.matches[0].matched.lower() == "vote for change"


def test_neutral_text_changes_nothing() -> None:
    snapshot = _snapshot()
    text = "The Fore Street car park is closed on Tuesday for resurfacing."
    with_text = _post(snapshot, text)
    assert with_text.outcome is Outcome.ALLOW
    assert with_text.reasons == _post(snapshot, None).reasons


def test_a_text_that_adds_nothing_gives_decides_own_decision() -> None:
    """`post_decision` hands back the very decision `decide` gave, for a caller that holds it."""
    snapshot = _snapshot()
    base = decide(TOWN, INSIDE, Category.SERVICE_INFORMATION, snapshot, now=NOW)

    decision = post_decision(base, snapshot, text="The library opens at 9.", request_id=None)

    assert decision is base


def test_post_decision_is_decide_post_given_decides_answer() -> None:
    snapshot = _snapshot()
    text = "Vote for Jane Trevithick and Mebyon Kernow on 1 May"
    base = decide(TOWN, INSIDE, Category.SERVICE_INFORMATION, snapshot, now=NOW)

    decision = post_decision(base, snapshot, text=text, request_id=None)

    assert decision == _post(snapshot, text)
    assert decision.outcome is Outcome.REFER


def test_a_match_never_softens_a_deny() -> None:
    # `general` is denied inside the window; naming a candidate adds a reason, not an allow
    decision = _post(_snapshot(), "Jane Trevithick says hello", category=Category.GENERAL)
    assert decision.outcome is Outcome.DENY
    assert _codes(decision)[0] == ReasonCode.PRE_ELECTION_PERIOD
    assert ReasonCode.CANDIDATE_MENTIONED in _codes(decision)


@pytest.mark.parametrize(
    ("account_id", "category", "code"),
    [
        (SUSPENDED, Category.SERVICE_INFORMATION, ReasonCode.ACCOUNT_SUSPENDED),
        (TOWN, Category.PARTY_POLITICAL, ReasonCode.NEVER_PERMITTED_CATEGORY),
    ],
)
def test_a_final_deny_is_answered_as_it_is(
    account_id: str, category: Category, code: ReasonCode
) -> None:
    decision = _post(_snapshot(), "Jane Trevithick", account_id=account_id, category=category)
    assert decision.outcome is Outcome.DENY
    assert _codes(decision) == [code]


def test_screening_is_deterministic() -> None:
    snapshot = _snapshot()
    text = "Vote for Jane Trevithick and Mebyon Kernow on 1 May"
    first = _post(snapshot, text, decision_id="a")
    second = _post(snapshot, text, decision_id="a")
    assert first.reasons == second.reasons


# --- an account whose holder is standing ----------------------------------------------------


def test_every_post_on_a_standing_holders_account_is_referred_inside_the_window() -> None:
    snapshot = _snapshot(candidates=(MAYOR_STANDING,))
    decision = decide(MAYOR, INSIDE, Category.SERVICE_INFORMATION, snapshot, now=NOW)
    assert decision.outcome is Outcome.REFER
    assert _codes(decision) == [ReasonCode.ACCOUNT_HOLDER_STANDING]
    reason = decision.reasons[0]
    assert "Morwenna Angove" in reason.message
    assert reason.election_ids == ("parish.redruth.2025-05-01",)


@pytest.mark.parametrize("category", [Category.EMERGENCY, Category.STATUTORY_NOTICE])
def test_emergency_and_statutory_posts_still_go_out(category: Category) -> None:
    snapshot = _snapshot(candidates=(MAYOR_STANDING,))
    assert decide(MAYOR, INSIDE, category, snapshot, now=NOW).outcome is Outcome.ALLOW


def test_the_holders_standing_touches_no_other_account_and_no_time_outside_windows() -> None:
    snapshot = _snapshot(candidates=(MAYOR_STANDING,))
    town = decide(TOWN, INSIDE, Category.SERVICE_INFORMATION, snapshot, now=NOW)
    before = decide(MAYOR, BEFORE, Category.SERVICE_INFORMATION, snapshot, now=NOW)
    assert town.outcome is Outcome.ALLOW
    assert before.outcome is Outcome.ALLOW


def test_a_name_alone_links_nobody() -> None:
    # the same person, not linked to the account by the Clerk
    unlinked = Candidate("cand-mayor", "parish.redruth.2025-05-01", "Morwenna Angove")
    snapshot = _snapshot(candidates=(unlinked,))
    decision = decide(MAYOR, INSIDE, Category.SERVICE_INFORMATION, snapshot, now=NOW)
    assert decision.outcome is Outcome.ALLOW


def test_an_override_does_not_lift_the_holders_standing_and_a_deny_stays_a_deny() -> None:
    override = Override(
        "ov-1",
        MAYOR,
        dt.datetime(2025, 3, 30, tzinfo=UTC),
        dt.datetime(2025, 4, 5, tzinfo=UTC),
        "Mayor's charity ball",
        frozenset({Category.EVENT}),
        MAY_2025,
    )
    snapshot = _snapshot(candidates=(MAYOR_STANDING,), overrides=(override,))
    event = decide(MAYOR, INSIDE, Category.EVENT, snapshot, now=NOW)
    general = decide(MAYOR, INSIDE, Category.GENERAL, snapshot, now=NOW)
    assert event.outcome is Outcome.REFER
    assert ReasonCode.ACCOUNT_HOLDER_STANDING in _codes(event)
    assert ReasonCode.OVERRIDE_APPLIED not in _codes(event)
    assert general.outcome is Outcome.DENY
    assert _codes(general) == [ReasonCode.PRE_ELECTION_PERIOD, ReasonCode.ACCOUNT_HOLDER_STANDING]


def test_a_withdrawn_or_absent_candidate_stops_the_referral() -> None:
    snapshot = _snapshot(candidates=())
    assert decide(MAYOR, INSIDE, Category.SERVICE_INFORMATION, snapshot, now=NOW).allowed


# --- the Clerk's approval of one post -------------------------------------------------------

TEXT = "Join the Mayor, Jane Trevithick, at the Christmas lights switch-on, 6pm."


def _approval(**changes: object) -> Approval:
    fields: dict[str, object] = {
        "request_id": "req-1",
        "account_id": TOWN,
        "category": "event",
        "text_sha256": post_sha256(TEXT),
        "not_before": INSIDE - dt.timedelta(hours=2),
        "not_after": INSIDE + dt.timedelta(hours=2),
        "anchors": MAY_2025,
        "approved_by": "Town Clerk (k1)",
    }
    fields.update(changes)
    return Approval(**fields)  # type: ignore[arg-type]


def _seen(snapshot: Snapshot, **kw: object) -> frozenset[str]:
    """What the Clerk saw of TEXT when approving it: the anchors an approval records."""
    return MAY_2025 | seen_by_approval(_post(snapshot, TEXT, **kw).reasons)


def test_an_approval_allows_exactly_that_post() -> None:
    seen = _seen(_snapshot(), category=Category.EVENT)
    snapshot = _snapshot(approvals=(_approval(anchors=seen),))
    decision = _post(snapshot, TEXT, category=Category.EVENT, request_id="req-1")
    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons[0].code is ReasonCode.REQUEST_APPROVED
    assert decision.reasons[0].request_id == "req-1"
    # what the Clerk read is kept for the record, as warnings
    kept = {r.code: r.effect for r in decision.reasons[1:]}
    assert kept[ReasonCode.REFER_TO_CLERK] is Effect.WARN
    assert kept[ReasonCode.CANDIDATE_MENTIONED] is Effect.WARN
    assert decision.valid_until == INSIDE + dt.timedelta(hours=2)


def test_white_space_is_not_an_edit_but_a_word_is() -> None:
    seen = _seen(_snapshot(), category=Category.EVENT)
    snapshot = _snapshot(approvals=(_approval(anchors=seen),))
    spaced = "  " + TEXT.replace(" ", "  \n") + "\n"
    edited = TEXT.replace("6pm", "7pm")
    assert _post(snapshot, spaced, category=Category.EVENT, request_id="req-1").allowed
    decision = _post(snapshot, edited, category=Category.EVENT, request_id="req-1")
    assert decision.outcome is Outcome.REFER
    [why] = [r for r in decision.reasons if r.code is ReasonCode.REQUEST_NOT_APPLICABLE]
    assert "differs" in why.message
    assert why.effect is Effect.WARN


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"account_id": MAYOR}, "account"),
        ({"category": "consultation"}, "category"),
        (
            {
                "not_before": INSIDE + dt.timedelta(hours=1),
                "not_after": INSIDE + dt.timedelta(hours=3),
            },
            "from",
        ),
        ({"anchors": frozenset({"election:parish.redruth.2025-05-01"})}, "added"),
    ],
)
def test_an_approval_for_something_else_does_not_cover_the_post(
    changes: dict[str, object], words: str
) -> None:
    snapshot = _snapshot(approvals=(_approval(**changes),))
    decision = _post(snapshot, TEXT, category=Category.EVENT, request_id="req-1")
    assert decision.outcome is Outcome.REFER
    [why] = [r for r in decision.reasons if r.code is ReasonCode.REQUEST_NOT_APPLICABLE]
    assert words in why.message


def test_an_unknown_request_or_one_without_its_text_covers_nothing() -> None:
    snapshot = _snapshot(approvals=(_approval(),))
    unknown = _post(snapshot, TEXT, category=Category.EVENT, request_id="req-nope")
    no_text = _post(snapshot, None, category=Category.EVENT, request_id="req-1")
    assert unknown.outcome is Outcome.REFER
    assert no_text.outcome is Outcome.REFER
    assert "text" in no_text.reasons[-1].message


def test_an_approval_covers_only_what_the_clerk_saw() -> None:
    """A candidate named in the text, unknown when the Clerk approved it, is not lifted."""
    snapshot = _snapshot(approvals=(_approval(),))
    decision = _post(snapshot, TEXT, category=Category.EVENT, request_id="req-1")
    assert decision.outcome is Outcome.REFER
    assert ReasonCode.CANDIDATE_MENTIONED in _codes(decision)
    assert "a restriction was added after it was approved (candidate:" in (
        decision.reasons[-1].message
    )
    assert all(
        a.startswith(("candidate:", "election:"))
        for a in _seen(_snapshot(), category=Category.EVENT)
    )


def test_an_approval_lifts_a_standing_holders_referral_but_not_a_suspension() -> None:
    seen = _seen(
        _snapshot(candidates=(MAYOR_STANDING,)),
        account_id=MAYOR,
        category=Category.SERVICE_INFORMATION,
    )
    assert {a for a in seen if a.startswith("holder:")} != set()
    mayor_post = _approval(account_id=MAYOR, category="service-information", anchors=seen)
    snapshot = _snapshot(candidates=(MAYOR_STANDING,), approvals=(mayor_post,))
    allowed = _post(
        snapshot, TEXT, account_id=MAYOR, category=Category.SERVICE_INFORMATION, request_id="req-1"
    )
    assert allowed.outcome is Outcome.ALLOW
    suspended = _approval(account_id=SUSPENDED, category="service-information")
    snapshot = _snapshot(approvals=(suspended,))
    denied = _post(snapshot, TEXT, account_id=SUSPENDED, request_id="req-1")
    assert denied.outcome is Outcome.DENY
    assert _codes(denied) == [ReasonCode.ACCOUNT_SUSPENDED]


# --- a by-election in one ward ---------------------------------------------------------------

BY_ELECTION = ElectionRecord(
    parse_election_id("parish.redruth.redruth-north.by.2025-07-10"),
    notice_published=dt.date(2025, 6, 2),
)
IN_BY_ELECTION = dt.datetime(2025, 6, 20, 10, 0, tzinfo=LONDON)
NORTH = Ward("redruth-north", "Redruth North", ("Plain-an-Gwarry", "Treleigh"))


def _ward_policy(scope: ByElectionScope) -> Policy:
    return make_policy(by_election_scope=scope, wards=(NORTH,))


def test_a_ward_by_election_refers_posts_that_mention_the_ward() -> None:
    snapshot = _snapshot(_ward_policy(ByElectionScope.WARD), records=(BY_ELECTION,))
    text = "Road closure in Treleigh on Monday for gas works."
    decision = _post(snapshot, text, at=IN_BY_ELECTION, category=Category.GENERAL)
    assert decision.outcome is Outcome.DENY  # general stays denied inside the ward's window
    assert ReasonCode.BY_ELECTION_WARD_MENTIONED in _codes(decision)
    permitted = _post(snapshot, text, at=IN_BY_ELECTION)
    assert permitted.outcome is Outcome.REFER
    [reason] = [r for r in permitted.reasons if r.code is ReasonCode.BY_ELECTION_WARD_MENTIONED]
    assert reason.matches[0].matched == "Treleigh"


def test_a_ward_by_election_allows_the_rest_with_a_warning() -> None:
    snapshot = _snapshot(_ward_policy(ByElectionScope.WARD), records=(BY_ELECTION,))
    text = "The library is open late on Thursdays this summer."
    decision = _post(snapshot, text, at=IN_BY_ELECTION, category=Category.GENERAL)
    assert decision.outcome is Outcome.ALLOW
    assert _codes(decision)[0] == ReasonCode.BY_ELECTION_ELSEWHERE
    assert decision.reasons[0].effect is Effect.WARN


def test_without_the_text_the_whole_council_stays_restricted() -> None:
    snapshot = _snapshot(_ward_policy(ByElectionScope.WARD), records=(BY_ELECTION,))
    decision = _post(snapshot, None, at=IN_BY_ELECTION, category=Category.GENERAL)
    assert decision.outcome is Outcome.DENY


def test_by_default_a_ward_by_election_restricts_the_whole_council() -> None:
    snapshot = _snapshot(_ward_policy(ByElectionScope.COUNCIL), records=(BY_ELECTION,))
    text = "The library is open late on Thursdays this summer."
    decision = _post(snapshot, text, at=IN_BY_ELECTION, category=Category.GENERAL)
    assert decision.outcome is Outcome.DENY
    assert ReasonCode.BY_ELECTION_ELSEWHERE not in _codes(decision)


def test_a_ward_by_elections_candidate_counts_as_mentioning_the_ward() -> None:
    candidate = Candidate("cand-n", "parish.redruth.redruth-north.by.2025-07-10", "Kerensa Pascoe")
    snapshot = _snapshot(
        _ward_policy(ByElectionScope.WARD), records=(BY_ELECTION,), candidates=(candidate,)
    )
    decision = _post(snapshot, "Kerensa Pascoe opened the fete.", at=IN_BY_ELECTION)
    assert decision.outcome is Outcome.REFER
    assert ReasonCode.BY_ELECTION_ELSEWHERE not in _codes(decision)
