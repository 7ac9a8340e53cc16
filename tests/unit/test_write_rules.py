"""The rules each Clerk's write checks (app/domain: overrides, manual windows, election changes)."""

import datetime as dt

import pytest

from app.domain import (
    UTC,
    Category,
    ManualWindow,
    Snapshot,
    build_snapshot,
    parse_election_id,
)
from app.domain.changes import UNSET, check_version, version_tag
from app.domain.election_changes import ClerkRecord, ElectionChanges, revise
from app.domain.errors import InvalidChange, NotFound, PreconditionFailed
from app.domain.manual_windows import check_appointed_day, check_end_now, check_window_accounts
from app.domain.overrides import check_confirm, check_grant
from app.domain.policy import Policy
from app.domain.requests import key_of

from .conftest import make_policy

TOWN = "facebook-redruthtowncouncil"
# A manual window (not a computed period), so these tests need no timetable.
START = dt.datetime(2029, 4, 1, 0, 0, tzinfo=UTC)
END = dt.datetime(2029, 4, 8, 0, 0, tzinfo=UTC)
NOW = dt.datetime(2029, 4, 2, 9, 0, tzinfo=UTC)
# Reference election: parish.redruth.2029-05-03 (close of poll 22:00 BST = 21:00 UTC).
PARISH = parse_election_id("parish.redruth.2029-05-03")
CLOSE_OF_POLL = dt.datetime(2029, 5, 3, 21, 0, tzinfo=UTC)
SCHEDULED = ClerkRecord(
    notice_published=None,
    status="scheduled",
    status_reason=None,
    starts_at=None,
    ends_at=None,
    end_reason=None,
)


def _snapshot(policy: Policy) -> Snapshot:
    window = ManualWindow("mw-1", START, END, "under review")
    return build_snapshot(policy, accounts=policy.accounts, periods=(), manual_windows=(window,))


def _grant(policy: Policy, **changes: object) -> frozenset[str]:
    args: dict[str, object] = {
        "account_id": TOWN,
        "starts_at": NOW,
        "ends_at": NOW + dt.timedelta(days=1),
        "categories": [Category.EVENT],
        "reason": "civic event",
        "now": NOW,
    }
    args.update(changes)
    return check_grant(policy, _snapshot(policy), **args)  # type: ignore[arg-type]


def test_a_grant_is_anchored_to_the_windows_it_overlaps() -> None:
    assert _grant(make_policy()) == frozenset({"manual:mw-1"})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": NOW}, "ends_at"),
        ({"ends_at": NOW + dt.timedelta(days=30)}, "ends_at"),
        ({"reason": "  "}, "reason"),
        ({"categories": []}, "categories"),
        ({"categories": [Category.PARTY_POLITICAL]}, "categories"),
        ({"starts_at": END, "ends_at": END + dt.timedelta(days=1)}, "starts_at"),
    ],
    ids=["unbounded", "too-long", "no-reason", "no-category", "never-permitted", "outside"],
)
def test_a_grant_that_breaks_a_rule_is_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidChange) as refused:
        _grant(make_policy(), **changes)

    assert refused.value.field == field


def test_a_never_permitted_category_cites_the_policys_clause_and_the_act() -> None:
    with pytest.raises(InvalidChange) as refused:
        _grant(make_policy(), categories=[Category.PARTY_POLITICAL])

    assert "policy 5.1; Local Government Act 1986 s. 2" in refused.value.problem


def test_a_grant_for_an_account_not_the_organisations_is_not_found() -> None:
    with pytest.raises(NotFound):
        _grant(make_policy(), account_id="someone-else")


def test_the_granting_clerk_cannot_confirm_their_own_override() -> None:
    with pytest.raises(InvalidChange, match="cannot confirm"):
        check_confirm(
            "ov-1", granted_by="Clerk A", confirmed=False, revoked=False, confirming_clerk="Clerk A"
        )


@pytest.mark.parametrize("confirming", ["Clerk A (k2)", "clerk  a (k3)"])
def test_another_key_of_the_granting_clerks_name_cannot_confirm(confirming: str) -> None:
    with pytest.raises(InvalidChange, match="same name"):
        check_confirm(
            "ov-1",
            granted_by="Clerk A (k1)",
            confirmed=False,
            revoked=False,
            confirming_clerk=confirming,
        )


def test_the_key_that_granted_cannot_confirm_under_another_name() -> None:
    """In the console two people may sign in with one key: the key decides, not the name."""
    with pytest.raises(InvalidChange, match="the key that granted"):
        check_confirm(
            "ov-1",
            granted_by="Jane Trelawny (k1)",
            confirmed=False,
            revoked=False,
            confirming_clerk="Kit Pascoe (k1)",
            confirming_key="k1",
        )


@pytest.mark.parametrize(
    ("actor", "key"),
    [("Clerk A (k1)", "k1"), ("Jane (deputy) (k9f8)", "k9f8"), ("operator", None)],
)
def test_the_key_of_an_actor_is_its_last_bracket(actor: str, key: str | None) -> None:
    assert key_of(actor) == key


def test_a_second_clerk_confirms_an_override() -> None:
    check_confirm(
        "ov-1", granted_by="Clerk A (k1)", confirmed=False, revoked=False,
        confirming_clerk="Clerk B (k2)", confirming_key="k2",
    )  # fmt: skip


def test_a_window_naming_no_account_is_refused_and_an_unknown_one_is_not_found() -> None:
    with pytest.raises(InvalidChange):
        check_window_accounts([], {TOWN})
    with pytest.raises(NotFound):
        check_window_accounts(["nobody"], {TOWN})


@pytest.mark.parametrize(
    "now",
    [END, START - dt.timedelta(seconds=1)],
    ids=["ended", "not-started"],
)
def test_only_a_window_in_force_can_end_now(now: dt.datetime) -> None:
    with pytest.raises(InvalidChange):
        check_end_now("mw-1", starts_at=START, ends_at=END, now=now)


def test_a_weekend_day_is_not_a_dies_non_to_add() -> None:
    # 2029-04-07 is a Saturday
    with pytest.raises(InvalidChange, match="weekend"):
        check_appointed_day(dt.date(2029, 4, 7), "National day of mourning")


def test_a_status_never_lifts_the_period_by_itself() -> None:
    revised = revise(
        SCHEDULED,
        ElectionChanges(status="uncontested", status_reason="one candidate"),
        election=PARISH,
        poll_date=PARISH.poll_date,
        policy=make_policy(),
    )

    assert (revised.status, revised.ends_at) == ("uncontested", None)


def test_an_end_set_by_hand_may_only_shorten_the_period() -> None:
    with pytest.raises(InvalidChange, match="only shorten"):
        revise(
            SCHEDULED,
            ElectionChanges(ends_at=CLOSE_OF_POLL + dt.timedelta(seconds=1), end_reason="typo"),
            election=PARISH,
            poll_date=PARISH.poll_date,
            policy=make_policy(),
        )


def test_a_field_sent_as_null_clears_it_and_one_not_sent_is_kept() -> None:
    ended = ClerkRecord(
        notice_published=None,
        status="cancelled",
        status_reason="poll countermanded",
        starts_at=None,
        ends_at=CLOSE_OF_POLL - dt.timedelta(days=1),
        end_reason="countermanded",
    )

    revised = revise(
        ended,
        ElectionChanges(ends_at=None),
        election=PARISH,
        poll_date=PARISH.poll_date,
        policy=make_policy(),
    )

    assert (revised.ends_at, revised.status_reason) == (None, "poll countermanded")


def test_an_empty_change_is_empty_and_names_no_reason() -> None:
    assert ElectionChanges().is_empty()
    assert ElectionChanges(notice_reason=UNSET).reason() is None


def test_a_version_that_is_not_the_current_one_fails_the_precondition() -> None:
    current = version_tag({"status": "active"})

    check_version(None, current, what="account", identifier="a")
    check_version({current}, current, what="account", identifier="a")
    with pytest.raises(PreconditionFailed, match=f'"{current}"'):
        check_version({"0" * 20}, current, what="account", identifier="a")
