"""
The Town Clerk's answer to an approval request (issue 15; policy 4.1, 5.3g): approve (a
second Clerk confirming where the policy asks), reject, or the requester withdraws; illegal
moves are 409 with the allowed moves, moves by the wrong key 403; requests expire as the clock
moves; each step is audited, and another council sees none of it.

Times are inside the restricted period of the 3 May 2029 polls
(Reference election: local.cornwall.2029-05-03; close of poll 22:00 on 3 May 2029).
"""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.domain import UTC
from app.domain.approvals import post_sha256
from app.domain.requests import RequestStatus
from app.store.keys import Role
from app.store.requests import approvals_of
from app.store.snapshots import REQUEST_APPROVED
from tests.conftest import ROOT, Keys

from .approval_requests import AT, POST, TOWN, act, approved_ids, ask, audit_events, made, new_key
from .conftest import Clock, add_penryn, auth, started, two_council_app

# --- the Clerk's answer ---


def test_the_clerk_approves_a_request_for_the_requested_time_plus_or_minus_two_hours(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = made(client, seeded.scheduler)

    response = act(client, seeded.clerk, request_id, "approve")

    body = response.json()
    assert response.status_code == 200, response.text
    assert body["status"] == "approved"
    assert (body["not_before"], body["not_after"]) == (
        "2029-04-10T10:00:00+01:00",
        "2029-04-10T14:00:00+01:00",
    )
    assert body["anchors"] == [
        "election:local.cornwall.2029-05-03",
        "election:parish.redruth.2029-05-03",
    ]
    assert body["allowed_moves"] == ["reject", "withdraw"]
    assert body["decided_by"] not in (None, body["requested_by"])
    assert body["decision_reason"] == "approved at the weekly review"
    assert approved_ids(engine) == [request_id]


def test_the_snapshot_reads_the_status_an_approval_reaches() -> None:
    """app/store/snapshots.py names the status it loads; the state machine must reach it."""
    assert RequestStatus.APPROVED.value == REQUEST_APPROVED


def test_an_approval_is_what_the_snapshot_reads(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    """`approvals_of`: exactly that post (account, category, text's SHA-256), span and anchors."""
    request_id = made(client, seeded.scheduler)
    decided_by = act(client, seeded.clerk, request_id, "approve").json()["decided_by"]

    with Session(engine) as session:
        (approval,) = approvals_of(session, "redruth")

    assert (approval.request_id, approval.account_id, approval.category) == (
        request_id, TOWN, "event",
    )  # fmt: skip
    assert approval.text_sha256 == post_sha256(POST)
    assert (approval.not_before, approval.not_after) == (
        dt.datetime(2029, 4, 10, 9, 0, tzinfo=UTC),
        dt.datetime(2029, 4, 10, 13, 0, tzinfo=UTC),
    )
    assert approval.anchors == frozenset(
        {"election:local.cornwall.2029-05-03", "election:parish.redruth.2029-05-03"}
    )
    assert approval.approved_by == decided_by


def _can_publish(
    client: TestClient, keys: Keys, request_id: str, text: str = POST, at: str = AT
) -> dict[str, Any]:
    answer = client.post(
        f"/v1/accounts/{TOWN}/can-publish",
        json={"at": at, "category": "event", "text": text, "request_id": request_id},
        headers=auth(keys.scheduler),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_can_publish_allows_exactly_the_approved_post(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)
    before = _can_publish(client, seeded, request_id)
    assert act(client, seeded.clerk, request_id, "approve").status_code == 200

    approved = _can_publish(client, seeded, request_id)
    edited = _can_publish(client, seeded, request_id, text=POST.replace("4pm", "5pm"))
    late = _can_publish(client, seeded, request_id, at="2029-04-10T14:00:00+01:00")

    assert before["outcome"] == "refer"
    assert approved["outcome"] == "allow"
    assert approved["reasons"][0]["code"] == "REQUEST_APPROVED"
    assert approved["reasons"][0]["request_id"] == request_id
    assert (edited["outcome"], late["outcome"]) == ("refer", "refer")


def test_a_withdrawn_approval_allows_nothing_at_once(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)
    assert act(client, seeded.clerk, request_id, "approve").status_code == 200
    assert _can_publish(client, seeded, request_id)["outcome"] == "allow"

    assert act(client, seeded.scheduler, request_id, "withdraw").status_code == 200

    assert _can_publish(client, seeded, request_id)["outcome"] == "refer"


def test_an_approval_never_reaches_past_the_end_of_the_window(
    client: TestClient, seeded: Keys
) -> None:
    """Close of poll is 22:00 on 3 May 2029: a post at 21:00 is approved until then only."""
    request_id = made(client, seeded.scheduler, at="2029-05-03T21:00:00+01:00")

    response = act(client, seeded.clerk, request_id, "approve")

    assert response.status_code == 200, response.text
    assert response.json()["not_after"] == "2029-05-03T22:00:00+01:00"


def test_the_clerk_may_narrow_the_approval(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)
    span = {"not_before": "2029-04-10T11:30:00+01:00", "not_after": "2029-04-10T11:30:00Z"}

    response = act(client, seeded.clerk, request_id, "approve", {"reason": "morning", **span})

    assert response.status_code == 200, response.text
    assert (response.json()["not_before"], response.json()["not_after"]) == (
        "2029-04-10T11:30:00+01:00",
        "2029-04-10T12:30:00+01:00",
    )


@pytest.mark.parametrize(
    ("span", "field"),
    [
        ({"not_before": "2029-04-10T13:00:00+01:00"}, "not_before"),
        ({"not_after": "2029-04-10T11:00:00+01:00"}, "not_after"),
        ({"not_before": "2029-04-01T12:00:00+01:00", "not_after": "2029-04-10T13:00:00+01:00"}, "not_after"),
        ({"not_after": "2029-05-04T12:00:00+01:00"}, "not_after"),
        ({"not_before": "2029-04-10T12:30:00+01:00", "not_after": "2029-04-10T12:00:00+01:00"}, "not_after"),
        ({"not_after": "2029-04-10T14:00:00"}, "not_after"),
    ],
    ids=["starts-after-at", "ends-before-at", "longer-than-a-week", "past-the-window", "ends-before-start", "naive"],
)  # fmt: skip
def test_an_approval_span_the_rules_refuse_is_422(
    client: TestClient, seeded: Keys, span: dict[str, str], field: str
) -> None:
    request_id = made(client, seeded.scheduler)

    response = act(client, seeded.clerk, request_id, "approve", {"reason": "r", **span})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )


def test_an_approval_needs_a_reason(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)

    response = act(client, seeded.clerk, request_id, "approve", {"reason": "   "})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "reason"


def test_the_clerk_rejects_a_request_with_a_reason(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = made(client, seeded.scheduler)

    response = act(client, seeded.clerk, request_id, "reject", {"reason": "names a candidate"})

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["allowed_moves"]) == ("rejected", [])
    assert response.json()["decision_reason"] == "names a candidate"
    assert approved_ids(engine) == []


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
@pytest.mark.parametrize("move", ["approve", "reject", "confirm"])
def test_only_a_clerk_decides(client: TestClient, seeded: Keys, role: str, move: str) -> None:
    request_id = made(client, seeded.scheduler)

    response = act(client, seeded.of(role), request_id, move)

    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/forbidden"


def test_a_clerk_cannot_approve_its_own_request(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = made(client, seeded.clerk)
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")

    refused = act(client, seeded.clerk, request_id, "approve")
    approved = act(client, second, request_id, "approve")

    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "/problems/request-move-refused"
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"


# --- illegal moves: 409 with the allowed moves ---


@pytest.mark.parametrize(
    ("first", "then", "status_now", "allowed"),
    [
        ("reject", "approve", "rejected", []),
        ("reject", "reject", "rejected", []),
        ("approve", "approve", "approved", ["reject", "withdraw"]),
        ("approve", "confirm", "approved", ["reject", "withdraw"]),
    ],
    ids=[
        "approve-rejected",
        "reject-twice",
        "approve-twice",
        "confirm-approved",
    ],
)
def test_an_illegal_move_is_409_with_the_allowed_moves(
    client: TestClient,
    seeded: Keys,
    engine: Engine,
    first: str,
    then: str,
    status_now: str,
    allowed: list[str],
) -> None:
    request_id = made(client, seeded.scheduler)
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")
    assert act(client, seeded.clerk, request_id, first).status_code == 200

    response = act(client, second, request_id, then)

    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/request-conflict"
    assert (response.json()["status_now"], response.json()["allowed_moves"]) == (
        status_now,
        allowed,
    )


def test_a_withdrawn_request_cannot_be_approved(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)
    act(client, seeded.scheduler, request_id, "withdraw")

    response = act(client, seeded.clerk, request_id, "approve")

    assert response.status_code == 409, response.text
    assert (response.json()["status_now"], response.json()["allowed_moves"]) == ("withdrawn", [])


def test_an_unknown_request_is_404(client: TestClient, seeded: Keys) -> None:
    response = act(client, seeded.clerk, "rq-0000000000", "approve")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


# --- withdrawing ---


def test_the_requester_withdraws_an_approved_request_and_it_allows_nothing(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = made(client, seeded.scheduler)
    act(client, seeded.clerk, request_id, "approve")

    response = act(client, seeded.scheduler, request_id, "withdraw")

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["allowed_moves"]) == ("withdrawn", [])
    assert response.json()["withdrawn_at"] == "2026-11-24T12:00:00Z"
    assert approved_ids(engine) == []


def test_another_scheduler_cannot_see_a_request_to_withdraw_it(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = made(client, seeded.scheduler)
    other = new_key(client, engine, Role.SCHEDULER, "second scheduler")

    response = act(client, other, request_id, "withdraw")

    assert response.status_code == 404, response.text
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )


def test_a_clerk_cannot_withdraw_a_schedulers_request(client: TestClient, seeded: Keys) -> None:
    """The Clerk sees it, so the answer is 403, not 404; the Clerk rejects it instead."""
    request_id = made(client, seeded.scheduler)

    response = act(client, seeded.clerk, request_id, "withdraw")

    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/request-move-refused"


# --- expiry: the clock moves ---


def test_a_pending_request_expires_when_its_time_passes(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    request_id = made(client, seeded.scheduler)
    clock.now = dt.datetime(2029, 4, 10, 11, 0, tzinfo=UTC)  # 12:00 BST

    got = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.scheduler))
    listed = client.get("/v1/requests?status=expired", headers=auth(seeded.clerk)).json()
    approve = act(client, seeded.clerk, request_id, "approve")

    assert (got.json()["status"], got.json()["allowed_moves"]) == ("expired", [])
    assert [r["request_id"] for r in listed] == [request_id]
    assert approve.status_code == 409, approve.text
    assert (approve.json()["status_now"], approve.json()["allowed_moves"]) == ("expired", [])


def test_an_approval_expires_at_its_not_after(
    client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    request_id = made(client, seeded.scheduler)
    act(client, seeded.clerk, request_id, "approve")
    clock.now = dt.datetime(2029, 4, 10, 12, 59, tzinfo=UTC)  # 13:59 BST: still approved
    before = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
    clock.now = dt.datetime(2029, 4, 10, 13, 0, tzinfo=UTC)  # 14:00 BST: not_after

    after = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
    withdraw = act(client, seeded.scheduler, request_id, "withdraw")

    assert (before, after) == ("approved", "expired")
    assert withdraw.status_code == 409
    assert approved_ids(engine, clock.now) == []
    assert approved_ids(engine) == [request_id]


# --- audit ---


def test_every_step_is_audited_without_the_text(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    approved = made(client, seeded.scheduler)
    rejected = made(client, seeded.scheduler, category="consultation")
    act(client, seeded.clerk, approved, "approve")
    act(client, seeded.clerk, rejected, "reject", {"reason": "names a candidate"})
    act(client, seeded.scheduler, approved, "withdraw")

    created = audit_events(client, seeded, "request.create")
    approve = audit_events(client, seeded, "request.approve")
    reject = audit_events(client, seeded, "request.reject")
    withdraw = audit_events(client, seeded, "request.withdraw")

    assert sorted(e["target"] for e in created) == sorted([approved, rejected])
    assert created[0]["after"]["text_sha256"] == post_sha256(POST)
    assert created[0]["after"]["text_length"] == len(POST)
    assert all(POST not in str(e) for e in created + approve + reject + withdraw)
    assert (approve[0]["before"]["status"], approve[0]["after"]["status"]) == (
        "pending",
        "approved",
    )
    assert approve[0]["reason"] == "approved at the weekly review"
    assert (reject[0]["target"], reject[0]["reason"]) == (rejected, "names a candidate")
    assert (withdraw[0]["before"]["status"], withdraw[0]["after"]["status"]) == (
        "approved",
        "withdrawn",
    )
    assert client.get("/v1/audit/verify", headers=auth(seeded.auditor)).json()["ok"] is True


# --- a policy that asks for a second Clerk ---


@pytest.fixture
def two_clerks(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    tmp_path: Path,
    apps: dict[tuple[str, Engine], FastAPI],
) -> Iterator[TestClient]:
    """The app serving Redruth's policy changed to ask a second Clerk to confirm."""
    folder = tmp_path / "policies"
    folder.mkdir()
    text = (ROOT / "policies" / "redruth.yaml").read_text(encoding="utf-8")
    assert "second_clerk_confirmation: false" in text
    (folder / "redruth.yaml").write_text(
        text.replace("second_clerk_confirmation: false", "second_clerk_confirmation: true"),
        encoding="utf-8",
    )
    settings = Settings(
        database_url=database_url, policy_dir=folder, calendar_dir=ROOT / "calendars"
    )
    with started(apps, settings, engine, clock) as client:
        yield client


def test_where_the_policy_asks_a_second_clerk_confirms_the_approval(
    two_clerks: TestClient, seeded: Keys, engine: Engine
) -> None:
    client = two_clerks
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")
    request_id = made(client, seeded.scheduler)

    approved = act(client, seeded.clerk, request_id, "approve")
    waiting = (approved_ids(engine), _can_publish(client, seeded, request_id)["outcome"])
    self_confirm = act(client, seeded.clerk, request_id, "confirm")
    confirmed = act(client, second, request_id, "confirm")
    after = _can_publish(client, seeded, request_id)["outcome"]

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "awaiting-confirmation"
    assert approved.json()["allowed_moves"] == ["confirm", "reject", "withdraw"]
    assert waiting == ([], "refer")
    assert self_confirm.status_code == 403, self_confirm.text
    assert self_confirm.json()["type"] == "/problems/request-move-refused"
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "approved"
    assert confirmed.json()["confirmed_by"].startswith("Deputy Town Clerk")
    assert approved_ids(engine) == [request_id]
    assert after == "allow"
    assert len(audit_events(client, seeded, "request.confirm")) == 1


def test_the_requesters_own_clerk_key_cannot_confirm(
    two_clerks: TestClient, seeded: Keys, engine: Engine
) -> None:
    client = two_clerks
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")
    request_id = made(client, second)
    act(client, seeded.clerk, request_id, "approve")

    response = act(client, second, request_id, "confirm")

    assert response.status_code == 403, response.text
    assert "cannot confirm" in response.json()["detail"]


def test_a_request_awaiting_confirmation_may_be_rejected(
    two_clerks: TestClient, seeded: Keys, engine: Engine
) -> None:
    client = two_clerks
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")
    request_id = made(client, seeded.scheduler)
    act(client, seeded.clerk, request_id, "approve")

    response = act(client, second, request_id, "reject", {"reason": "names a candidate"})

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["not_after"]) == ("rejected", None)
    assert approved_ids(engine) == []


# --- another council ---


@pytest.fixture
def penryn(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[tuple[TestClient, str]]:
    """The app serving Redruth and Penryn, and Penryn's first Clerk key."""
    with two_council_app(engine, database_url, clock, tmp_path / "policies") as (client, operator):
        yield client, add_penryn(client, operator)


def test_another_councils_key_cannot_see_or_decide_a_request(
    penryn: tuple[TestClient, str], seeded: Keys
) -> None:
    client, penryn_clerk = penryn
    request_id = made(client, seeded.scheduler)

    listed = client.get("/v1/requests", headers=auth(penryn_clerk))
    got = client.get(f"/v1/requests/{request_id}", headers=auth(penryn_clerk))
    approve = act(client, penryn_clerk, request_id, "approve")
    asked = ask(client, penryn_clerk)

    assert listed.json() == []
    assert (got.status_code, approve.status_code) == (404, 404)
    assert asked.status_code == 404
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )


def test_a_decision_that_relies_on_an_approval_is_audited_once_per_request(
    client: TestClient, seeded: Keys
) -> None:
    request_id = made(client, seeded.scheduler)
    assert act(client, seeded.clerk, request_id, "approve").status_code == 200
    body = {"at": AT, "category": "event", "text": POST, "request_id": request_id}
    url = f"/v1/accounts/{TOWN}/can-publish"

    first = client.post(url, json=body, headers=auth(seeded.scheduler)).json()
    again = client.post(url, json=body, headers=auth(seeded.scheduler)).json()
    in_batch = client.post(
        "/v1/decisions", json={"checks": [{"account_id": TOWN, **body}]},
        headers=auth(seeded.scheduler),
    ).json()["decisions"][0]  # fmt: skip
    viewer = client.post(url, json=body, headers=auth(seeded.viewer)).json()

    assert [d["outcome"] for d in (first, again, in_batch, viewer)] == ["allow"] * 4
    assert [first["override_use_recorded"], viewer["override_use_recorded"]] == [True, False]
    [event] = audit_events(client, seeded, "decision.request")
    assert event["target"] == request_id
    assert event["after"]["decision_id"] == first["decision_id"]
    assert POST not in str(event)


def test_the_clerk_takes_an_approval_back_and_it_allows_nothing_at_once(
    client: TestClient, seeded: Keys
) -> None:
    request_id = made(client, seeded.scheduler)
    assert act(client, seeded.clerk, request_id, "approve").status_code == 200
    assert _can_publish(client, seeded, request_id)["outcome"] == "allow"

    taken_back = act(client, seeded.clerk, request_id, "reject", {"reason": "names a candidate"})
    after = _can_publish(client, seeded, request_id)

    assert taken_back.status_code == 200, taken_back.text
    assert (taken_back.json()["status"], taken_back.json()["allowed_moves"]) == ("rejected", [])
    assert after["outcome"] == "refer"
    assert [e["action"] for e in audit_events(client, seeded, "request.reject")] == [
        "request.reject"
    ]
