"""decide(): every reason code, the order of reasons, exact boundaries and valid_until."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.domain import (
    UTC,
    Category,
    Country,
    ElectionRecord,
    ManualWindow,
    NaiveDatetime,
    Outcome,
    Override,
    ReasonCode,
    Snapshot,
    UnknownAccount,
    UnknownCategory,
    build_snapshot,
    decide,
    parse_election_id,
    restricted_periods,
)
from app.domain.policy import Policy

from .conftest import make_policy

LONDON = ZoneInfo("Europe/London")
TOWN = "facebook-redruthtowncouncil"
MAYOR = "facebook-mayorofredruth"

# Reference election: local.cornwall.2025-05-01 and parish.redruth.2025-05-01,
# notices published Friday 14 March 2025 (Cornwall Council): window 14 Mar 00:00 GMT to 1 May 22:00 BST.
WINDOW_START = dt.datetime(2025, 3, 14, 0, 0, tzinfo=UTC)
WINDOW_END = dt.datetime(2025, 5, 1, 21, 0, tzinfo=UTC)
INSIDE = dt.datetime(2025, 4, 1, 9, 0, tzinfo=LONDON)
BEFORE = dt.datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
AFTER_REVIEW = dt.datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
MAY_2025 = frozenset({"election:local.cornwall.2025-05-01", "election:parish.redruth.2025-05-01"})


def _snapshot(
    policy: Policy | None = None,
    *,
    overrides: tuple[Override, ...] = (),
    manual: tuple[ManualWindow, ...] = (),
) -> Snapshot:
    policy = policy or make_policy()
    records = [
        ElectionRecord(
            parse_election_id("local.cornwall.2025-05-01"), notice_published=dt.date(2025, 3, 14)
        ),
        ElectionRecord(
            parse_election_id("parish.redruth.2025-05-01"), notice_published=dt.date(2025, 3, 14)
        ),
    ]
    periods = restricted_periods(
        records, rules=policy.period_rules, country=Country.ENGLAND, affects=policy.affects
    )
    return build_snapshot(
        policy,
        accounts=policy.accounts,
        periods=periods,
        manual_windows=manual,
        overrides=overrides,
        data_version=7,
    )


def _codes(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(r.code) for r in decision.reasons]


@pytest.fixture
def snapshot() -> Snapshot:
    return _snapshot()


@pytest.mark.parametrize(
    ("account", "code", "clause"),
    [
        ("new-tiktok", ReasonCode.ACCOUNT_PENDING_APPROVAL, "4.1"),
        ("x-visitredruth", ReasonCode.ACCOUNT_INACTIVE, "4.1"),
        ("facebook-suspended", ReasonCode.ACCOUNT_SUSPENDED, "3.1"),
        ("facebook-closed", ReasonCode.ACCOUNT_CLOSED, "3.2"),
    ],
    ids=["pending", "inactive", "suspended", "closed"],
)
def test_an_account_that_is_not_active_is_denied_at_any_time(
    snapshot: Snapshot, now: dt.datetime, account: str, code: ReasonCode, clause: str
) -> None:
    """Time never lifts it, so (once the policy review is overdue) valid_until is None."""
    decision = decide(account, AFTER_REVIEW, Category.SERVICE_INFORMATION, snapshot, now=now)

    assert decision.outcome is Outcome.DENY
    assert decision.reasons[0].code is code
    assert decision.reasons[0].clause == clause
    assert decision.valid_until is None


@pytest.mark.parametrize(
    "category",
    [Category.PARTY_POLITICAL, Category.PERSONAL_CAMPAIGN, Category.PERSONAL_FINANCIAL_INTEREST],
    ids=str,
)
def test_a_never_permitted_category_is_denied_even_outside_any_window(
    snapshot: Snapshot, now: dt.datetime, category: Category
) -> None:
    decision = decide(TOWN, BEFORE, category, snapshot, now=now)

    assert decision.outcome is Outcome.DENY
    assert _codes(decision) == ["NEVER_PERMITTED_CATEGORY"]
    assert decision.reasons[0].clause == "5.1"
    assert "Local Government Act 1986" in (decision.reasons[0].rule or "")


def test_no_override_lifts_a_never_permitted_category(now: dt.datetime) -> None:
    everything = Override(
        "o-all", None, WINDOW_START, WINDOW_END, "anything goes", anchors=MAY_2025
    )
    snapshot = _snapshot(overrides=(everything,))

    decision = decide(TOWN, INSIDE, Category.PARTY_POLITICAL, snapshot, now=now)

    assert decision.outcome is Outcome.DENY
    assert "OVERRIDE_APPLIED" not in _codes(decision)


def test_status_and_category_denials_are_both_reported(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    decision = decide("facebook-suspended", INSIDE, Category.PARTY_POLITICAL, snapshot, now=now)

    assert _codes(decision) == ["ACCOUNT_SUSPENDED", "NEVER_PERMITTED_CATEGORY"]


def test_inside_a_window_a_general_post_is_denied_naming_the_elections(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    decision = decide(TOWN, INSIDE, Category.GENERAL, snapshot, now=now)

    assert decision.outcome is Outcome.DENY
    assert decision.allowed is False
    assert decision.reasons[0].code is ReasonCode.PRE_ELECTION_PERIOD
    assert decision.reasons[0].election_ids == (
        "local.cornwall.2025-05-01",
        "parish.redruth.2025-05-01",
    )
    assert decision.reasons[0].clause == "5.3g"
    assert decision.windows[0].window_id == decision.reasons[0].window_id


def test_inside_a_window_a_permitted_category_is_allowed(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    decision = decide(TOWN, INSIDE, Category.EMERGENCY, snapshot, now=now)

    assert decision.outcome is Outcome.ALLOW
    assert _codes(decision) == ["PERMITTED_CATEGORY"]
    assert decision.valid_until == WINDOW_END


def test_inside_a_window_a_referred_category_is_referred_to_the_clerk(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    decision = decide(TOWN, INSIDE, Category.CONSULTATION, snapshot, now=now)

    assert decision.outcome is Outcome.REFER
    assert decision.allowed is False
    assert _codes(decision) == ["REFER_TO_CLERK"]


def test_an_active_override_allows_a_referred_post_and_names_itself(now: dt.datetime) -> None:
    until = dt.datetime(2025, 4, 3, 17, 0, tzinfo=UTC)
    grant = Override(
        "o-1",
        TOWN,
        dt.datetime(2025, 3, 31, tzinfo=UTC),
        until,
        "flood consultation",
        frozenset({Category.CONSULTATION}),
        MAY_2025,
    )
    snapshot = _snapshot(overrides=(grant,))

    decision = decide(TOWN, INSIDE, Category.CONSULTATION, snapshot, now=now)

    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons[0].code is ReasonCode.OVERRIDE_APPLIED
    assert decision.reasons[0].override_id == "o-1"
    assert decision.valid_until == until


def test_an_override_for_one_account_does_not_allow_another(now: dt.datetime) -> None:
    grant = Override("o-1", TOWN, WINDOW_START, WINDOW_END, "town only", anchors=MAY_2025)
    snapshot = _snapshot(overrides=(grant,))

    decision = decide(MAYOR, INSIDE, Category.EVENT, snapshot, now=now)

    assert decision.outcome is Outcome.REFER


def test_an_organisation_wide_override_allows_every_account(now: dt.datetime) -> None:
    grant = Override("o-all", None, WINDOW_START, WINDOW_END, "civic event", anchors=MAY_2025)
    snapshot = _snapshot(overrides=(grant,))

    decision = decide(MAYOR, INSIDE, Category.EVENT, snapshot, now=now)

    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons[0].override_id == "o-all"


def test_an_override_for_other_categories_does_not_apply(now: dt.datetime) -> None:
    grant = Override(
        "o-1", TOWN, WINDOW_START, WINDOW_END, "events only", frozenset({Category.EVENT}), MAY_2025
    )
    snapshot = _snapshot(overrides=(grant,))

    decision = decide(TOWN, INSIDE, Category.GENERAL, snapshot, now=now)

    assert decision.outcome is Outcome.DENY


def test_an_override_that_starts_later_bounds_valid_until(now: dt.datetime) -> None:
    starts = dt.datetime(2025, 4, 10, 8, 0, tzinfo=UTC)
    grant = Override("o-1", TOWN, starts, starts + dt.timedelta(days=1), "later", anchors=MAY_2025)
    snapshot = _snapshot(overrides=(grant,))

    decision = decide(TOWN, INSIDE, Category.EVENT, snapshot, now=now)

    assert decision.outcome is Outcome.REFER
    assert decision.valid_until == starts


def test_a_manual_window_restricts_only_its_accounts(now: dt.datetime) -> None:
    """Policy 3.2: the Clerk restricts one account for a week in June."""
    june = ManualWindow(
        "m-1",
        dt.datetime(2025, 6, 2, tzinfo=UTC),
        dt.datetime(2025, 6, 9, tzinfo=UTC),
        "under review",
        frozenset({MAYOR}),
    )
    snapshot = _snapshot(manual=(june,))
    at = dt.datetime(2025, 6, 4, 12, 0, tzinfo=UTC)

    mayor = decide(MAYOR, at, Category.GENERAL, snapshot, now=now)
    town = decide(TOWN, at, Category.GENERAL, snapshot, now=now)

    assert mayor.outcome is Outcome.DENY
    assert mayor.reasons[0].code is ReasonCode.MANUAL_RESTRICTION
    assert mayor.reasons[0].manual_window_ids == ("m-1",)
    assert town.outcome is Outcome.ALLOW


def test_outside_any_window_a_post_is_allowed_until_the_warning_horizon(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    decision = decide(TOWN, BEFORE, Category.GENERAL, snapshot, now=now)

    assert decision.outcome is Outcome.ALLOW
    assert _codes(decision) == ["NO_RESTRICTION"]
    assert decision.valid_until == WINDOW_START - dt.timedelta(days=14)


def test_within_the_warning_horizon_an_upcoming_restriction_is_a_warning(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    at = WINDOW_START - dt.timedelta(days=3)

    decision = decide(TOWN, at, Category.GENERAL, snapshot, now=now)

    assert decision.outcome is Outcome.ALLOW
    assert _codes(decision) == ["NO_RESTRICTION", "UPCOMING_RESTRICTION"]
    assert decision.valid_until == WINDOW_START


def test_an_overdue_policy_review_is_a_warning_that_never_blocks(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    """Policy 6.1: next review July 2025, so from 1 August 2025 it is overdue."""
    at = dt.datetime(2025, 8, 1, 0, 0, tzinfo=LONDON)

    decision = decide(TOWN, at, Category.GENERAL, snapshot, now=now)

    assert decision.outcome is Outcome.ALLOW
    assert _codes(decision) == ["NO_RESTRICTION", "POLICY_REVIEW_OVERDUE"]
    assert decision.reasons[1].clause == "6.1"
    assert decision.valid_until is None


def test_the_review_falling_due_bounds_valid_until(snapshot: Snapshot, now: dt.datetime) -> None:
    at = dt.datetime(2025, 7, 20, 12, 0, tzinfo=UTC)

    decision = decide(TOWN, at, Category.GENERAL, snapshot, now=now)

    assert decision.valid_until == dt.datetime(2025, 7, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "outcome"),
    [
        (dt.datetime(2025, 5, 1, 21, 59, 59, tzinfo=LONDON), Outcome.DENY),
        (dt.datetime(2025, 5, 1, 22, 0, 0, tzinfo=LONDON), Outcome.ALLOW),
        (dt.datetime(2025, 3, 13, 23, 59, 59, tzinfo=LONDON), Outcome.ALLOW),
        (dt.datetime(2025, 3, 14, 0, 0, 0, tzinfo=LONDON), Outcome.DENY),
    ],
    ids=["21:59:59-poll-day", "22:00:00-poll-day", "23:59:59-before-notice", "00:00-notice-day"],
)
def test_window_boundaries_are_exact(
    snapshot: Snapshot, now: dt.datetime, at: dt.datetime, outcome: Outcome
) -> None:
    decision = decide(TOWN, at, Category.GENERAL, snapshot, now=now)

    assert decision.outcome is outcome


def test_the_same_instant_in_utc_and_london_gets_the_same_decision(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    london = dt.datetime(2025, 5, 1, 21, 30, tzinfo=LONDON)

    in_london = decide(TOWN, london, Category.GENERAL, snapshot, now=now)
    in_utc = decide(TOWN, london.astimezone(UTC), Category.GENERAL, snapshot, now=now)

    assert (in_london.outcome, in_london.valid_until) == (in_utc.outcome, in_utc.valid_until)


def test_a_naive_datetime_is_rejected(snapshot: Snapshot, now: dt.datetime) -> None:
    with pytest.raises(NaiveDatetime, match="no UTC offset"):
        decide(TOWN, dt.datetime(2025, 4, 1, 9, 0), Category.GENERAL, snapshot, now=now)  # noqa: DTZ001 - the point of the test


def test_an_unknown_account_is_an_error(snapshot: Snapshot, now: dt.datetime) -> None:
    with pytest.raises(UnknownAccount, match="no-such-account"):
        decide("no-such-account", INSIDE, Category.GENERAL, snapshot, now=now)


def test_a_decision_carries_its_data_version_and_evaluation_time(
    snapshot: Snapshot, now: dt.datetime
) -> None:
    decision = decide(TOWN, INSIDE, Category.GENERAL, snapshot, now=now, decision_id="d-1")

    assert (decision.decision_id, decision.data_version, decision.evaluated_at) == ("d-1", 7, now)


def test_a_misspelt_category_is_an_error_not_an_allow(snapshot: Snapshot, now: dt.datetime) -> None:
    """Fail closed: 'party_political' is not a category, so it cannot slip through as allowed."""
    with pytest.raises(UnknownCategory, match="party_political"):
        decide(TOWN, BEFORE, "party_political", snapshot, now=now)


def test_reasons_name_only_what_applies_at_that_instant(now: dt.datetime) -> None:
    """A manual window touching the election period merges with it, but each instant names its own cause."""
    closure = ManualWindow(
        "m-1",
        dt.datetime(2025, 2, 1, tzinfo=UTC),
        WINDOW_START,
        "content review",
        frozenset({TOWN}),
    )
    snapshot = _snapshot(manual=(closure,))

    february = decide(
        TOWN, dt.datetime(2025, 2, 5, tzinfo=UTC), Category.GENERAL, snapshot, now=now
    )
    april = decide(TOWN, INSIDE, Category.GENERAL, snapshot, now=now)

    assert _codes(february) == ["MANUAL_RESTRICTION"]
    assert february.valid_until == WINDOW_START
    assert _codes(april) == ["PRE_ELECTION_PERIOD"]
    assert february.windows[0].window_id == april.windows[0].window_id


def test_a_manual_window_for_an_unknown_account_is_refused(policy: Policy) -> None:
    typo = ManualWindow(
        "m-1", WINDOW_START, WINDOW_END, "review", frozenset({"facebook-redruthtowncouncill"})
    )

    with pytest.raises(UnknownAccount):
        build_snapshot(policy, accounts=policy.accounts, periods=(), manual_windows=(typo,))


@pytest.mark.parametrize(
    ("starts", "ends", "accounts", "says"),
    [
        (WINDOW_END, WINDOW_START, None, "end after"),
        (dt.datetime(2025, 3, 14), WINDOW_END, None, "no UTC offset"),  # noqa: DTZ001 - the point of the test
        (WINDOW_START, WINDOW_END, frozenset(), "names no accounts"),
    ],
    ids=["inverted", "naive", "no-accounts"],
)
def test_a_malformed_manual_window_is_refused(
    starts: dt.datetime, ends: dt.datetime, accounts: frozenset[str] | None, says: str
) -> None:
    with pytest.raises((ValueError, NaiveDatetime), match=says):
        ManualWindow("m-1", starts, ends, "review", accounts)


# --- an override lifts only the restrictions it was granted against (issue 13, item 2) ---


def test_an_override_does_not_lift_a_manual_window_added_after_it(now: dt.datetime) -> None:
    """An override for the May 2025 elections, then the Clerk puts the account under review."""
    grant = Override("o-all", TOWN, WINDOW_START, WINDOW_END, "civic events", anchors=MAY_2025)
    review = ManualWindow(
        "mw-review", dt.datetime(2025, 3, 30, tzinfo=UTC), WINDOW_END, "account under review"
    )

    decision = decide(
        TOWN, INSIDE, Category.EVENT, _snapshot(overrides=(grant,), manual=(review,)), now=now
    )

    assert decision.outcome is Outcome.REFER
    assert _codes(decision) == ["REFER_TO_CLERK"]
    assert decision.reasons[0].manual_window_ids == ("mw-review",)


def test_an_override_still_applies_where_only_its_own_restrictions_are_in_force(
    now: dt.datetime,
) -> None:
    grant = Override("o-all", TOWN, WINDOW_START, WINDOW_END, "civic events", anchors=MAY_2025)
    later = ManualWindow(
        "mw-review", dt.datetime(2025, 4, 20, tzinfo=UTC), WINDOW_END, "account under review"
    )

    decision = decide(
        TOWN, INSIDE, Category.EVENT, _snapshot(overrides=(grant,), manual=(later,)), now=now
    )

    assert decision.outcome is Outcome.ALLOW
    assert decision.reasons[0].override_id == "o-all"


def test_an_override_with_no_anchors_lifts_nothing(now: dt.datetime) -> None:
    grant = Override("o-1", TOWN, WINDOW_START, WINDOW_END, "unanchored")

    decision = decide(TOWN, INSIDE, Category.EVENT, _snapshot(overrides=(grant,)), now=now)

    assert decision.outcome is Outcome.REFER


def test_an_override_keeps_working_when_its_window_moves(now: dt.datetime) -> None:
    """Anchored by election ids: the window's start moving (a notice recorded) changes nothing."""
    policy = make_policy()
    anchors = _snapshot(policy).restrictions_overlapping(
        TOWN, INSIDE, INSIDE + dt.timedelta(days=1)
    )
    grant = Override("o-1", TOWN, INSIDE, INSIDE + dt.timedelta(days=1), "fete", anchors=anchors)
    periods = restricted_periods(
        [
            ElectionRecord(parse_election_id("local.cornwall.2025-05-01")),
            ElectionRecord(parse_election_id("parish.redruth.2025-05-01")),
        ],
        rules=policy.period_rules,
        country=Country.ENGLAND,
        affects=policy.affects,
    )
    moved = build_snapshot(policy, accounts=policy.accounts, periods=periods, overrides=(grant,))

    decision = decide(TOWN, INSIDE, Category.EVENT, moved, now=now)

    assert anchors == MAY_2025
    assert decision.outcome is Outcome.ALLOW


def test_restrictions_overlapping_a_span_name_elections_and_manual_windows() -> None:
    review = ManualWindow(
        "mw-review", dt.datetime(2025, 3, 30, tzinfo=UTC), WINDOW_END, "account under review",
        frozenset({MAYOR}),
    )  # fmt: skip
    snapshot = _snapshot(manual=(review,))

    for_town = snapshot.restrictions_overlapping(TOWN, INSIDE, INSIDE + dt.timedelta(hours=1))
    for_all = snapshot.restrictions_overlapping(None, INSIDE, INSIDE + dt.timedelta(hours=1))
    before = snapshot.restrictions_overlapping(None, BEFORE, BEFORE + dt.timedelta(hours=1))

    assert for_town == MAY_2025
    assert for_all == MAY_2025 | {"manual:mw-review"}
    assert before == frozenset()
