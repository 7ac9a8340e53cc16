"""
The approval request state machine and its checks (app/domain/requests.py).

Reverse-engineered from the rules of issue 15, not from a real election: the windows are
manual windows the Clerk set by hand, in June 2025.
"""

import datetime as dt
from dataclasses import replace

import pytest

from app.domain import UTC, NaiveDatetime, Policy, build_snapshot
from app.domain.errors import InvalidChange
from app.domain.periods import ManualWindow
from app.domain.requests import (
    MoveRefused,
    RequestConflict,
    RequestMove,
    RequestStatus,
    allowed_moves,
    approval_span,
    check_approver,
    check_confirmer,
    check_post,
    check_post_time,
    check_request_text,
    check_withdrawer,
    effective_status,
    key_holder,
    next_status,
)
from app.domain.snapshot import Snapshot

TOWN = "facebook-redruthtowncouncil"
STARTS = dt.datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ENDS = dt.datetime(2025, 6, 9, 9, 0, tzinfo=UTC)
AT = dt.datetime(2025, 6, 4, 12, 0, tzinfo=UTC)
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
P, A, OK, NO, W, X = (
    RequestStatus.PENDING,
    RequestStatus.AWAITING_CONFIRMATION,
    RequestStatus.APPROVED,
    RequestStatus.REJECTED,
    RequestStatus.WITHDRAWN,
    RequestStatus.EXPIRED,
)


def _snapshot(policy: Policy, *windows: ManualWindow) -> Snapshot:
    review = ManualWindow("m-review", STARTS, ENDS, "content under review")
    return build_snapshot(
        policy, accounts=policy.accounts, periods=(), manual_windows=windows or (review,)
    )


def _span(
    policy: Policy,
    *,
    at: dt.datetime = AT,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    snapshot: Snapshot | None = None,
) -> tuple[dt.datetime, dt.datetime, frozenset[str]]:
    return approval_span(
        policy,
        snapshot or _snapshot(policy),
        request_id="rq-1",
        account_id=TOWN,
        at=at,
        not_before=not_before,
        not_after=not_after,
        now=NOW,
    )


# --- the state machine ---


@pytest.mark.parametrize(
    ("status", "move", "second", "after"),
    [
        (P, RequestMove.APPROVE, False, OK),
        (P, RequestMove.APPROVE, True, A),
        (P, RequestMove.REJECT, False, NO),
        (P, RequestMove.WITHDRAW, False, W),
        (A, RequestMove.CONFIRM, True, OK),
        (A, RequestMove.REJECT, True, NO),
        (A, RequestMove.WITHDRAW, True, W),
        (OK, RequestMove.WITHDRAW, False, W),
    ],
    ids=[
        "approve", "approve-awaits-second-clerk", "reject", "withdraw-pending", "confirm",
        "reject-awaiting", "withdraw-awaiting", "withdraw-approved",
    ],
)  # fmt: skip
def test_each_legal_move_leads_to_its_status(
    status: RequestStatus, move: RequestMove, second: bool, after: RequestStatus
) -> None:
    assert next_status("rq-1", status, move, needs_second_clerk=second) is after


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (P, RequestMove.CONFIRM),
        (A, RequestMove.APPROVE),
        (OK, RequestMove.APPROVE),
        (OK, RequestMove.CONFIRM),
        (NO, RequestMove.APPROVE),
        (NO, RequestMove.WITHDRAW),
        (W, RequestMove.APPROVE),
        (X, RequestMove.APPROVE),
        (X, RequestMove.WITHDRAW),
    ],
    ids=[
        "confirm-pending", "approve-awaiting", "approve-approved", "confirm-approved",
        "approve-rejected", "withdraw-rejected", "approve-withdrawn", "approve-expired",
        "withdraw-expired",
    ],
)  # fmt: skip
def test_an_illegal_move_names_the_allowed_ones(status: RequestStatus, move: RequestMove) -> None:
    with pytest.raises(RequestConflict) as refused:
        next_status("rq-1", status, move)

    assert refused.value.allowed == allowed_moves(status)
    assert f"is {status}" in str(refused.value)


def test_the_moves_allowed_from_each_status() -> None:
    assert {s.value: allowed_moves(s) for s in RequestStatus} == {
        "pending": ("approve", "reject", "withdraw"),
        "awaiting-confirmation": ("confirm", "reject", "withdraw"),
        "approved": ("reject", "withdraw"),
        "rejected": (),
        "withdrawn": (),
        "expired": (),
    }


@pytest.mark.parametrize(
    ("stored", "not_after", "now", "status"),
    [
        ("pending", None, AT - dt.timedelta(seconds=1), P),
        ("pending", None, AT, X),
        ("awaiting-confirmation", AT + dt.timedelta(hours=2), AT + dt.timedelta(hours=1), A),
        ("awaiting-confirmation", AT + dt.timedelta(hours=2), AT + dt.timedelta(hours=2), X),
        ("approved", AT + dt.timedelta(hours=2), AT + dt.timedelta(hours=1), OK),
        ("approved", AT + dt.timedelta(hours=2), AT + dt.timedelta(hours=2), X),
        ("rejected", None, AT + dt.timedelta(days=9), NO),
        ("withdrawn", AT + dt.timedelta(hours=2), AT + dt.timedelta(days=9), W),
    ],
    ids=[
        "pending-before-its-time", "pending-at-its-time", "awaiting-within", "awaiting-past",
        "approved-within", "approved-at-not-after", "rejected-stays", "withdrawn-stays",
    ],
)  # fmt: skip
def test_expiry_is_worked_out_from_the_times(
    stored: str, not_after: dt.datetime | None, now: dt.datetime, status: RequestStatus
) -> None:
    assert effective_status(stored, at=AT, not_after=not_after, now=now) is status


# --- who may move ---


def test_the_requesters_key_cannot_approve() -> None:
    with pytest.raises(MoveRefused):
        check_approver(
            "rq-1", requested_by_key="k1", key_id="k1", requested_by="Clerk (k1)",
            approver="Clerk (k1)",
        )  # fmt: skip


def test_another_clerks_key_may_approve() -> None:
    check_approver(
        "rq-1", requested_by_key="k1", key_id="k2", requested_by="Hootsuite (k1)",
        approver="Town Clerk (k2)",
    )  # fmt: skip


@pytest.mark.parametrize("approver", ["Town Clerk (k2)", "town  clerk (k2)", " Town Clerk(k2)"])
def test_another_key_of_the_requesters_name_cannot_approve(approver: str) -> None:
    with pytest.raises(MoveRefused, match="same name"):
        check_approver(
            "rq-1", requested_by_key="k1", key_id="k2", requested_by="Town Clerk (k1)",
            approver=approver,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("actor", "holder"),
    [
        ("Town Clerk (k9f8e7d6c5b4)", "town clerk"),
        ("Clerk (deputy) (k9f8e7d6c5b4)", "clerk (deputy)"),
        ("tests", "tests"),
    ],
)
def test_the_holder_of_a_key_is_its_name_without_the_key_id(actor: str, holder: str) -> None:
    assert key_holder(actor) == holder


@pytest.mark.parametrize(
    ("key_id", "clerk"),
    [("k1", "Deputy (k1)"), ("k2", "Clerk (k2)")],
    ids=["requesters-key", "the-approving-clerk"],
)
def test_a_confirmation_needs_a_second_clerk(key_id: str, clerk: str) -> None:
    with pytest.raises(MoveRefused):
        check_confirmer(
            "rq-1", requested_by_key="k1", approved_by="Clerk (k2)", key_id=key_id, clerk=clerk
        )


@pytest.mark.parametrize(
    "clerk", ["Clerk (k3)", "Deputy (k3)"], ids=["approvers-name", "requesters-name"]
)
def test_a_key_of_the_approvers_or_requesters_name_cannot_confirm(clerk: str) -> None:
    with pytest.raises(MoveRefused, match="same name"):
        check_confirmer(
            "rq-1", requested_by_key="k1", approved_by="Clerk (k2)", key_id="k3", clerk=clerk,
            requested_by="Deputy (k1)",
        )  # fmt: skip


def test_a_third_key_may_confirm() -> None:
    check_confirmer(
        "rq-1", requested_by_key="k1", approved_by="Clerk (k2)", key_id="k3", clerk="Deputy (k3)"
    )


def test_only_the_requesting_key_may_withdraw() -> None:
    check_withdrawer("rq-1", requested_by_key="k1", key_id="k1")
    with pytest.raises(MoveRefused):
        check_withdrawer("rq-1", requested_by_key="k1", key_id="k2")


# --- what may be asked for ---


def test_a_never_permitted_category_cites_the_policy_and_the_act(policy: Policy) -> None:
    with pytest.raises(InvalidChange) as refused:
        check_post(policy, _snapshot(policy), account_id=TOWN, category="party-political")

    assert refused.value.field == "category"
    assert "policy 5.1" in refused.value.problem
    assert "Local Government Act 1986 s. 2" in refused.value.problem


def test_a_request_is_for_a_post_still_to_come() -> None:
    check_post_time(AT, now=AT - dt.timedelta(seconds=1))
    with pytest.raises(InvalidChange) as refused:
        check_post_time(AT, now=AT)

    assert refused.value.field == "at"


@pytest.mark.parametrize(
    "account_id", ["x-visitredruth", "new-tiktok", "facebook-suspended", "facebook-closed"]
)
def test_an_account_that_is_not_active_stops_a_request(policy: Policy, account_id: str) -> None:
    with pytest.raises(InvalidChange) as refused:
        check_post(policy, _snapshot(policy), account_id=account_id, category="event")

    assert refused.value.field == "account_id"


@pytest.mark.parametrize(
    ("text", "links", "note", "field"),
    [
        ("", (), None, "text"),
        ("  \n ", (), None, "text"),
        ("x" * 65_537, (), None, "text"),
        ("bell\x07", (), None, "text"),
        ("nul\x00", (), None, "text"),
        ("ok", ("https://example.org/",) * 11, None, "links"),
        ("ok", ("javascript:alert(1)",), None, "links[0]"),
        ("ok", ("https://example.org/\n",), None, "links[0]"),
        ("ok", ("https://\u202eku.vog.htrurder/",), None, "links[0]"),
        ("ok", ("https://ok.example/", "https://redruth\u200b.gov.uk/"), None, "links[1]"),
        ("ok", (), "n" * 2_001, "note"),
        ("ok", (), "cr\r", "note"),
    ],
    ids=[
        "empty", "blank", "too-long", "bell", "nul", "eleven-links", "not-http",
        "line-feed-in-link", "right-to-left-override-in-link", "zero-width-space-in-link",
        "long-note", "carriage-return-in-note",
    ],
)  # fmt: skip
def test_a_request_text_the_rules_refuse_names_its_field(
    text: str, links: tuple[str, ...], note: str | None, field: str
) -> None:
    with pytest.raises(InvalidChange) as refused:
        check_request_text(text, links, note)

    assert refused.value.field == field


def test_line_feeds_and_tabs_and_the_longest_text_are_accepted() -> None:
    check_request_text("a\n\tb" + "x" * 65_532, ("http://example.org/",) * 10, "see\tthis\n")


# --- when an approved post may go out ---


def test_an_approval_defaults_to_two_hours_either_side(policy: Policy) -> None:
    start, end, anchors = _span(policy)

    assert (start, end) == (AT - dt.timedelta(hours=2), AT + dt.timedelta(hours=2))
    assert anchors == frozenset({"manual:m-review"})


def test_a_default_span_is_cut_to_the_window(policy: Policy) -> None:
    at = ENDS - dt.timedelta(minutes=30)

    start, end, _ = _span(policy, at=at)

    assert (start, end) == (at - dt.timedelta(hours=2), ENDS)


def test_a_default_span_starts_no_earlier_than_the_window(policy: Policy) -> None:
    at = STARTS + dt.timedelta(minutes=30)

    start, _, _ = _span(policy, at=at)

    assert start == STARTS


def test_the_anchors_are_the_restrictions_in_force_over_the_span(policy: Policy) -> None:
    review = ManualWindow("m-review", STARTS, ENDS, "content under review")
    fair = ManualWindow("m-fair", AT + dt.timedelta(hours=1), ENDS, "fair week")

    _, _, anchors = _span(policy, snapshot=_snapshot(policy, review, fair))

    assert anchors == frozenset({"manual:m-review", "manual:m-fair"})


@pytest.mark.parametrize(
    ("not_before", "not_after", "field"),
    [
        (AT + dt.timedelta(minutes=1), None, "not_before"),
        (None, AT, "not_after"),
        (AT, AT, "not_after"),
        (STARTS - dt.timedelta(minutes=1), None, "not_before"),
        (None, ENDS + dt.timedelta(minutes=1), "not_after"),
    ],
    ids=["starts-after-at", "ends-at-at", "empty", "before-window", "after-window"],
)
def test_a_span_the_rules_refuse_names_its_field(
    policy: Policy, not_before: dt.datetime | None, not_after: dt.datetime | None, field: str
) -> None:
    with pytest.raises(InvalidChange) as refused:
        _span(policy, not_before=not_before, not_after=not_after)

    assert refused.value.field == field


def test_a_span_longer_than_the_longest_override_is_refused(policy: Policy) -> None:
    short = replace(policy, max_override=dt.timedelta(days=1))

    with pytest.raises(InvalidChange) as refused:
        _span(short, not_before=AT - dt.timedelta(days=1), not_after=AT + dt.timedelta(hours=1))

    assert refused.value.field == "not_after"
    assert "at most 1 days" in refused.value.problem


def test_a_span_that_has_ended_is_refused(policy: Policy) -> None:
    with pytest.raises(InvalidChange) as refused:
        approval_span(
            policy, _snapshot(policy), request_id="rq-1", account_id=TOWN, at=AT,
            not_before=None, not_after=None, now=AT + dt.timedelta(hours=2),
        )  # fmt: skip

    assert (refused.value.field, "before now" in refused.value.problem) == ("not_after", True)


def test_a_naive_bound_is_refused(policy: Policy) -> None:
    with pytest.raises(NaiveDatetime):
        _span(policy, not_after=dt.datetime(2025, 6, 4, 13, 0))  # noqa: DTZ001 - naive on purpose


def test_a_post_in_no_window_needs_no_approval(policy: Policy) -> None:
    with pytest.raises(InvalidChange) as refused:
        _span(policy, at=ENDS + dt.timedelta(hours=5))

    assert refused.value.field == "at"
