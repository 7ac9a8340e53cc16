"""
Approval requests (issue 15; policy 4.1, 5.3g): a scheduling tool that gets `refer` asks the
Town Clerk to allow one post, the Clerk approves (a second Clerk confirming where the policy
asks) or rejects it, and the key that asked may withdraw it. Each step is audited.

Times are inside the restricted period of the 3 May 2029 polls
(Reference election: local.cornwall.2029-05-03; close of poll 22:00 on 3 May 2029).
"""

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.domain import UTC
from app.domain.approvals import post_sha256
from app.main import create_app
from app.services.keys import create_key
from app.store.keys import Role
from app.store.requests import approvals_of
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import Clock, auth, started

TOWN = "facebook-redruthtowncouncil"
AT = "2029-04-10T12:00:00+01:00"
POST = (
    "Murdoch Day street fair on Fore Street this Saturday, 10am to 4pm.\n"
    "\tRoad closures from 8am: details on our website."
)
ASK = {"account_id": TOWN, "at": AT, "category": "event", "text": POST}


def _ask(client: TestClient, key: str, **changes: Any) -> httpx.Response:
    return client.post("/v1/requests", json={**ASK, **changes}, headers=auth(key))


def _asked(client: TestClient, key: str, **changes: Any) -> str:
    response = _ask(client, key, **changes)
    assert response.status_code == 201, response.text
    return str(response.json()["request_id"])


def _move(
    client: TestClient, key: str, request_id: str, move: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    if body is None and move in ("approve", "reject"):
        body = {"reason": f"{move}d at the weekly review"}
    return client.post(f"/v1/requests/{request_id}/{move}", json=body, headers=auth(key))


def _key(client: TestClient, engine: Engine, role: Role, name: str) -> str:
    """Another key of Redruth's, known to the running app."""
    made = create_key(
        UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=role, name=name,
        now=SEEDED_AT,
    ).key  # fmt: skip
    cache = client.app.state.services.cache  # type: ignore[attr-defined]
    assert cache.refresh(), cache.last_error
    return made


def _events(client: TestClient, keys: Keys, action: str) -> list[dict[str, Any]]:
    answer = client.get("/v1/audit", params={"action": action}, headers=auth(keys.auditor))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["events"])


def _approvals(engine: Engine, now: dt.datetime | None = None) -> list[str]:
    with Session(engine) as session:
        return [a.request_id for a in approvals_of(session, "redruth", now)]


# --- asking ---


def test_a_scheduler_asks_for_a_referred_post_and_gets_a_pending_request(
    client: TestClient, seeded: Keys
) -> None:
    response = _ask(client, seeded.scheduler, links=["https://example.org/fair"], note="as 2028")

    body = response.json()
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/requests/{body['request_id']}"
    assert (body["status"], body["decision"]["outcome"]) == ("pending", "refer")
    assert body["decision"]["reasons"][0]["code"] == "REFER_TO_CLERK"
    assert body["request"]["text"] == POST
    assert body["request"]["text_sha256"] == post_sha256(POST)
    assert body["request"]["asked_reasons"][0] == "REFER_TO_CLERK"
    assert body["request"]["allowed_moves"] == ["approve", "reject", "withdraw"]
    assert body["request"]["at"] == AT
    assert body["request"]["requested_by"].startswith("scheduler test key (")


def test_a_denied_post_may_be_asked_for_too(client: TestClient, seeded: Keys) -> None:
    """A general post is denied inside the period; the Clerk may still allow it."""
    response = _ask(client, seeded.scheduler, category="general")

    assert response.status_code == 201, response.text
    assert response.json()["request"]["asked_outcome"] == "deny"


def test_a_post_allowed_already_is_not_queued(client: TestClient, seeded: Keys) -> None:
    response = _ask(client, seeded.scheduler, category="emergency")
    listed = client.get("/v1/requests", headers=auth(seeded.clerk))

    assert response.status_code == 200, response.text
    assert response.json()["request_id"] is None
    assert response.json()["status"] == "not-needed"
    assert response.json()["decision"]["outcome"] == "allow"
    assert "Location" not in response.headers
    assert listed.json() == []
    assert _events(client, seeded, "request.create") == []


def test_a_never_permitted_category_cannot_be_asked_for(client: TestClient, seeded: Keys) -> None:
    response = _ask(client, seeded.scheduler, category="party-political")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "category"
    assert "policy 5.1" in response.json()["detail"]
    assert "Local Government Act 1986 s. 2" in response.json()["detail"]
    assert client.get("/v1/requests", headers=auth(seeded.clerk)).json() == []


def test_a_post_on_an_inactive_account_cannot_be_asked_for(
    client: TestClient, seeded: Keys
) -> None:
    response = _ask(client, seeded.scheduler, account_id="x-visitredruth")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "account_id"
    assert "inactive" in response.json()["detail"]


def test_a_post_on_a_suspended_account_cannot_be_approved(client: TestClient, seeded: Keys) -> None:
    request_id = _asked(client, seeded.scheduler)
    client.post(
        f"/v1/accounts/{TOWN}/suspend", json={"reason": "hacked"}, headers=auth(seeded.clerk)
    )

    response = _move(client, seeded.clerk, request_id, "approve")

    assert response.status_code == 422, response.text
    assert "suspended" in response.json()["detail"]


def test_a_post_whose_time_has_passed_cannot_be_asked_for(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    clock.now = dt.datetime(2029, 4, 10, 11, 0, tzinfo=UTC)  # 12:00 BST, the post's time

    response = _ask(client, seeded.scheduler)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "at"


def test_an_unknown_account_is_404(client: TestClient, seeded: Keys) -> None:
    response = _ask(client, seeded.scheduler, account_id="nobody")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/unknown-account"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "Fair on Saturday\x07"}, "text"),
        ({"text": "Fair on Saturday\r\nRoads closed"}, "text"),
        ({"text": "x" * 65_537}, "text"),
        ({"text": ""}, "text"),
        ({"links": ["https://example.org/"] * 11}, "links"),
        ({"links": ["ftp://example.org/fair"]}, "links.0"),
        ({"links": ["https://example.org/" + "a" * 2_000]}, "links.0"),
        ({"links": ["https://"]}, "links.0"),
        ({"links": ["https://example.org/a fair"]}, "links.0"),
        ({"note": "n" * 2_001}, "note"),
        ({"note": "see\x1b[2Jthis"}, "note"),
        ({"at": "2029-04-10T12:00:00"}, "at"),
        ({"surprise": 1}, "surprise"),
    ],
    ids=[
        "bell", "carriage-return", "huge-text", "empty-text", "eleven-links", "ftp-link",
        "long-link", "link-without-host", "link-with-space", "long-note", "escape-in-note", "naive-at", "unknown-field",
    ],
)  # fmt: skip
def test_a_request_body_the_rules_refuse_is_422_naming_the_field(
    client: TestClient, seeded: Keys, changes: dict[str, Any], field: str
) -> None:
    response = _ask(client, seeded.scheduler, **changes)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get("/v1/requests", headers=auth(seeded.clerk)).json() == []


def test_an_empty_note_is_no_note(client: TestClient, seeded: Keys) -> None:
    response = _ask(client, seeded.scheduler, note="")

    assert response.status_code == 201, response.text
    assert response.json()["request"]["note"] is None


def test_the_longest_text_is_kept_whole(client: TestClient, seeded: Keys) -> None:
    text = ("Fair on Saturday. " * 4_000)[:65_536]

    response = _ask(client, seeded.scheduler, text=text)

    assert response.status_code == 201, response.text
    got = client.get(f"/v1/requests/{response.json()['request_id']}", headers=auth(seeded.clerk))
    assert got.json()["text"] == text


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_only_schedulers_and_clerks_may_ask(client: TestClient, seeded: Keys, role: str) -> None:
    response = _ask(client, seeded.of(role))

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


# --- reading ---


def test_a_scheduler_sees_only_its_own_keys_requests(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    other = _key(client, engine, Role.SCHEDULER, "second scheduler")
    mine = _asked(client, seeded.scheduler)
    theirs = _asked(client, other)

    listed = client.get("/v1/requests", headers=auth(seeded.scheduler)).json()
    hidden = client.get(f"/v1/requests/{theirs}", headers=auth(seeded.scheduler))

    assert [r["request_id"] for r in listed] == [mine]
    assert hidden.status_code == 404
    assert hidden.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize("role", ["clerk", "auditor"])
def test_the_clerk_and_the_auditor_see_every_request(
    client: TestClient, seeded: Keys, role: str
) -> None:
    first = _asked(client, seeded.scheduler)
    second = _asked(client, seeded.clerk, category="consultation")

    listed = client.get("/v1/requests", headers=auth(seeded.of(role)))
    one = client.get(f"/v1/requests/{first}", headers=auth(seeded.of(role)))

    assert sorted(r["request_id"] for r in listed.json()) == sorted([first, second])
    assert (one.status_code, one.json()["text"]) == (200, POST)


def test_a_viewer_may_not_read_requests(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/requests", headers=auth(seeded.viewer))

    assert response.status_code == 403


def test_requests_are_listed_by_status_and_account(client: TestClient, seeded: Keys) -> None:
    pending = _asked(client, seeded.scheduler)
    approved = _asked(client, seeded.scheduler, category="consultation")
    elsewhere = _asked(client, seeded.scheduler, account_id="facebook-discoverredruth")
    assert _move(client, seeded.clerk, approved, "approve").status_code == 200

    by_status = client.get("/v1/requests?status=approved", headers=auth(seeded.clerk)).json()
    by_account = client.get(
        "/v1/requests", params={"account_id": TOWN, "status": "pending"}, headers=auth(seeded.clerk)
    ).json()

    assert [r["request_id"] for r in by_status] == [approved]
    assert [r["request_id"] for r in by_account] == [pending]
    assert elsewhere not in [r["request_id"] for r in by_account]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=pending&status=approved", "status"),
        ("account_id=a&account_id=b", "account_id"),
        ("status=sleeping", "status"),
        ("state=pending", "state"),
    ],
    ids=["repeated-status", "repeated-account", "unknown-status", "unknown-parameter"],
)
def test_a_bad_list_query_is_422_naming_it(
    client: TestClient, seeded: Keys, query: str, field: str
) -> None:
    response = client.get(f"/v1/requests?{query}", headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


# --- the Clerk's answer ---


def test_the_clerk_approves_a_request_for_the_requested_time_plus_or_minus_two_hours(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = _asked(client, seeded.scheduler)

    response = _move(client, seeded.clerk, request_id, "approve")

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
    assert body["allowed_moves"] == ["withdraw"]
    assert body["decided_by"] not in (None, body["requested_by"])
    assert body["decision_reason"] == "approved at the weekly review"
    assert _approvals(engine) == [request_id]


def test_an_approval_never_reaches_past_the_end_of_the_window(
    client: TestClient, seeded: Keys
) -> None:
    """Close of poll is 22:00 on 3 May 2029: a post at 21:00 is approved until then only."""
    request_id = _asked(client, seeded.scheduler, at="2029-05-03T21:00:00+01:00")

    response = _move(client, seeded.clerk, request_id, "approve")

    assert response.status_code == 200, response.text
    assert response.json()["not_after"] == "2029-05-03T22:00:00+01:00"


def test_the_clerk_may_narrow_the_approval(client: TestClient, seeded: Keys) -> None:
    request_id = _asked(client, seeded.scheduler)
    span = {"not_before": "2029-04-10T11:30:00+01:00", "not_after": "2029-04-10T11:30:00Z"}

    response = _move(client, seeded.clerk, request_id, "approve", {"reason": "morning", **span})

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
    request_id = _asked(client, seeded.scheduler)

    response = _move(client, seeded.clerk, request_id, "approve", {"reason": "r", **span})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )


def test_an_approval_needs_a_reason(client: TestClient, seeded: Keys) -> None:
    request_id = _asked(client, seeded.scheduler)

    response = _move(client, seeded.clerk, request_id, "approve", {"reason": "   "})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "reason"


def test_the_clerk_rejects_a_request_with_a_reason(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = _asked(client, seeded.scheduler)

    response = _move(client, seeded.clerk, request_id, "reject", {"reason": "names a candidate"})

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["allowed_moves"]) == ("rejected", [])
    assert response.json()["decision_reason"] == "names a candidate"
    assert _approvals(engine) == []


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
@pytest.mark.parametrize("move", ["approve", "reject", "confirm"])
def test_only_a_clerk_decides(client: TestClient, seeded: Keys, role: str, move: str) -> None:
    request_id = _asked(client, seeded.scheduler)

    response = _move(client, seeded.of(role), request_id, move)

    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/forbidden"


def test_a_clerk_cannot_approve_its_own_request(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = _asked(client, seeded.clerk)
    second = _key(client, engine, Role.CLERK, "Deputy Town Clerk")

    refused = _move(client, seeded.clerk, request_id, "approve")
    approved = _move(client, second, request_id, "approve")

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
        ("approve", "approve", "approved", ["withdraw"]),
        ("approve", "reject", "approved", ["withdraw"]),
        ("approve", "confirm", "approved", ["withdraw"]),
    ],
    ids=[
        "approve-rejected",
        "reject-twice",
        "approve-twice",
        "reject-approved",
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
    request_id = _asked(client, seeded.scheduler)
    second = _key(client, engine, Role.CLERK, "Deputy Town Clerk")
    assert _move(client, seeded.clerk, request_id, first).status_code == 200

    response = _move(client, second, request_id, then)

    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/request-conflict"
    assert (response.json()["status_now"], response.json()["allowed_moves"]) == (
        status_now,
        allowed,
    )


def test_a_withdrawn_request_cannot_be_approved(client: TestClient, seeded: Keys) -> None:
    request_id = _asked(client, seeded.scheduler)
    _move(client, seeded.scheduler, request_id, "withdraw")

    response = _move(client, seeded.clerk, request_id, "approve")

    assert response.status_code == 409, response.text
    assert (response.json()["status_now"], response.json()["allowed_moves"]) == ("withdrawn", [])


def test_an_unknown_request_is_404(client: TestClient, seeded: Keys) -> None:
    response = _move(client, seeded.clerk, "rq-0000000000", "approve")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


# --- withdrawing ---


def test_the_requester_withdraws_an_approved_request_and_it_allows_nothing(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = _asked(client, seeded.scheduler)
    _move(client, seeded.clerk, request_id, "approve")

    response = _move(client, seeded.scheduler, request_id, "withdraw")

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["allowed_moves"]) == ("withdrawn", [])
    assert response.json()["withdrawn_at"] == "2026-11-24T12:00:00Z"
    assert _approvals(engine) == []


def test_another_scheduler_cannot_see_a_request_to_withdraw_it(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    request_id = _asked(client, seeded.scheduler)
    other = _key(client, engine, Role.SCHEDULER, "second scheduler")

    response = _move(client, other, request_id, "withdraw")

    assert response.status_code == 404, response.text
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )


def test_a_clerk_cannot_withdraw_a_schedulers_request(client: TestClient, seeded: Keys) -> None:
    """The Clerk sees it, so the answer is 403, not 404; the Clerk rejects it instead."""
    request_id = _asked(client, seeded.scheduler)

    response = _move(client, seeded.clerk, request_id, "withdraw")

    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/request-move-refused"


# --- expiry: the clock moves ---


def test_a_pending_request_expires_when_its_time_passes(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    request_id = _asked(client, seeded.scheduler)
    clock.now = dt.datetime(2029, 4, 10, 11, 0, tzinfo=UTC)  # 12:00 BST

    got = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.scheduler))
    listed = client.get("/v1/requests?status=expired", headers=auth(seeded.clerk)).json()
    approve = _move(client, seeded.clerk, request_id, "approve")

    assert (got.json()["status"], got.json()["allowed_moves"]) == ("expired", [])
    assert [r["request_id"] for r in listed] == [request_id]
    assert approve.status_code == 409, approve.text
    assert (approve.json()["status_now"], approve.json()["allowed_moves"]) == ("expired", [])


def test_an_approval_expires_at_its_not_after(
    client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    request_id = _asked(client, seeded.scheduler)
    _move(client, seeded.clerk, request_id, "approve")
    clock.now = dt.datetime(2029, 4, 10, 12, 59, tzinfo=UTC)  # 13:59 BST: still approved
    before = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
    clock.now = dt.datetime(2029, 4, 10, 13, 0, tzinfo=UTC)  # 14:00 BST: not_after

    after = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
    withdraw = _move(client, seeded.scheduler, request_id, "withdraw")

    assert (before, after) == ("approved", "expired")
    assert withdraw.status_code == 409
    assert _approvals(engine, clock.now) == []
    assert _approvals(engine) == [request_id]


# --- audit ---


def test_every_step_is_audited_without_the_text(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    approved = _asked(client, seeded.scheduler)
    rejected = _asked(client, seeded.scheduler, category="consultation")
    _move(client, seeded.clerk, approved, "approve")
    _move(client, seeded.clerk, rejected, "reject", {"reason": "names a candidate"})
    _move(client, seeded.scheduler, approved, "withdraw")

    created = _events(client, seeded, "request.create")
    approve = _events(client, seeded, "request.approve")
    reject = _events(client, seeded, "request.reject")
    withdraw = _events(client, seeded, "request.withdraw")

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
    second = _key(client, engine, Role.CLERK, "Deputy Town Clerk")
    request_id = _asked(client, seeded.scheduler)

    approved = _move(client, seeded.clerk, request_id, "approve")
    waiting = _approvals(engine)
    self_confirm = _move(client, seeded.clerk, request_id, "confirm")
    confirmed = _move(client, second, request_id, "confirm")

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "awaiting-confirmation"
    assert approved.json()["allowed_moves"] == ["confirm", "reject", "withdraw"]
    assert waiting == []
    assert self_confirm.status_code == 403, self_confirm.text
    assert self_confirm.json()["type"] == "/problems/request-move-refused"
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "approved"
    assert confirmed.json()["confirmed_by"].startswith("Deputy Town Clerk")
    assert _approvals(engine) == [request_id]
    assert len(_events(client, seeded, "request.confirm")) == 1


def test_the_requesters_own_clerk_key_cannot_confirm(
    two_clerks: TestClient, seeded: Keys, engine: Engine
) -> None:
    client = two_clerks
    second = _key(client, engine, Role.CLERK, "Deputy Town Clerk")
    request_id = _asked(client, second)
    _move(client, seeded.clerk, request_id, "approve")

    response = _move(client, second, request_id, "confirm")

    assert response.status_code == 403, response.text
    assert "cannot confirm" in response.json()["detail"]


def test_a_request_awaiting_confirmation_may_be_rejected(
    two_clerks: TestClient, seeded: Keys, engine: Engine
) -> None:
    client = two_clerks
    second = _key(client, engine, Role.CLERK, "Deputy Town Clerk")
    request_id = _asked(client, seeded.scheduler)
    _move(client, seeded.clerk, request_id, "approve")

    response = _move(client, second, request_id, "reject", {"reason": "names a candidate"})

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["not_after"]) == ("rejected", None)
    assert _approvals(engine) == []


# --- another council ---


@pytest.fixture
def penryn(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[tuple[TestClient, str]]:
    """The app serving Redruth and Penryn, and Penryn's first Clerk key."""
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", folder)
    shutil.copy(ROOT / "tests" / "data" / "policies" / "penryn.yaml", folder)
    operator = create_key(
        UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=Role.OPERATOR,
        name="platform", now=SEEDED_AT,
    ).key  # fmt: skip
    settings = Settings(
        database_url=database_url, policy_dir=folder, calendar_dir=ROOT / "calendars"
    )
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        made = client.post(
            "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(operator)
        )
        assert made.status_code == 201, made.text
        yield client, str(made.json()["first_clerk_key"])


def test_another_councils_key_cannot_see_or_decide_a_request(
    penryn: tuple[TestClient, str], seeded: Keys
) -> None:
    client, penryn_clerk = penryn
    request_id = _asked(client, seeded.scheduler)

    listed = client.get("/v1/requests", headers=auth(penryn_clerk))
    got = client.get(f"/v1/requests/{request_id}", headers=auth(penryn_clerk))
    approve = _move(client, penryn_clerk, request_id, "approve")
    asked = _ask(client, penryn_clerk)

    assert listed.json() == []
    assert (got.status_code, approve.status_code) == (404, 404)
    assert asked.status_code == 404
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )
