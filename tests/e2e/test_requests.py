"""
Asking the Town Clerk to allow one post (issue 15; policy 4.1, 5.3g): what may be asked for,
by whom, and who sees the requests. The Clerk's answers are in test_request_decisions.py.

Times are inside the restricted period of the 3 May 2029 polls
(Reference election: local.cornwall.2029-05-03; close of poll 22:00 on 3 May 2029).
"""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.domain import UTC
from app.domain.approvals import post_sha256
from app.store.keys import Role
from tests.conftest import Keys

from .approval_requests import AT, POST, TOWN, act, ask, audit_events, made, new_key
from .conftest import Clock, auth

# --- asking ---


def test_a_scheduler_asks_for_a_referred_post_and_gets_a_pending_request(
    client: TestClient, seeded: Keys
) -> None:
    response = ask(client, seeded.scheduler, links=["https://example.org/fair"], note="as 2028")

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
    response = ask(client, seeded.scheduler, category="general")

    assert response.status_code == 201, response.text
    assert response.json()["request"]["asked_outcome"] == "deny"


def test_a_post_allowed_already_is_not_queued(client: TestClient, seeded: Keys) -> None:
    response = ask(client, seeded.scheduler, category="emergency")
    listed = client.get("/v1/requests", headers=auth(seeded.clerk))

    assert response.status_code == 200, response.text
    assert response.json()["request_id"] is None
    assert response.json()["status"] == "not-needed"
    assert response.json()["decision"]["outcome"] == "allow"
    assert "Location" not in response.headers
    assert listed.json() == []
    assert audit_events(client, seeded, "request.create") == []


def test_a_never_permitted_category_cannot_be_asked_for(client: TestClient, seeded: Keys) -> None:
    response = ask(client, seeded.scheduler, category="party-political")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "category"
    assert "policy 5.1" in response.json()["detail"]
    assert "Local Government Act 1986 s. 2" in response.json()["detail"]
    assert client.get("/v1/requests", headers=auth(seeded.clerk)).json() == []


def test_a_post_on_an_inactive_account_cannot_be_asked_for(
    client: TestClient, seeded: Keys
) -> None:
    response = ask(client, seeded.scheduler, account_id="x-visitredruth")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "account_id"
    assert "inactive" in response.json()["detail"]


def test_a_post_on_a_suspended_account_cannot_be_approved(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)
    client.post(
        f"/v1/accounts/{TOWN}/suspend", json={"reason": "hacked"}, headers=auth(seeded.clerk)
    )

    response = act(client, seeded.clerk, request_id, "approve")

    assert response.status_code == 422, response.text
    assert "suspended" in response.json()["detail"]


def test_a_post_whose_time_has_passed_cannot_be_asked_for(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    clock.now = dt.datetime(2029, 4, 10, 11, 0, tzinfo=UTC)  # 12:00 BST, the post's time

    response = ask(client, seeded.scheduler)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "at"


def test_an_unknown_account_is_404(client: TestClient, seeded: Keys) -> None:
    response = ask(client, seeded.scheduler, account_id="nobody")

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
    response = ask(client, seeded.scheduler, **changes)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get("/v1/requests", headers=auth(seeded.clerk)).json() == []


def test_an_empty_note_is_no_note(client: TestClient, seeded: Keys) -> None:
    response = ask(client, seeded.scheduler, note="")

    assert response.status_code == 201, response.text
    assert response.json()["request"]["note"] is None


def test_the_longest_text_is_kept_whole(client: TestClient, seeded: Keys) -> None:
    text = ("Fair on Saturday. " * 4_000)[:65_536]

    response = ask(client, seeded.scheduler, text=text)

    assert response.status_code == 201, response.text
    got = client.get(f"/v1/requests/{response.json()['request_id']}", headers=auth(seeded.clerk))
    assert got.json()["text"] == text


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_only_schedulers_and_clerks_may_ask(client: TestClient, seeded: Keys, role: str) -> None:
    response = ask(client, seeded.of(role))

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


# --- reading ---


def test_a_scheduler_sees_only_its_own_keys_requests(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    other = new_key(client, engine, Role.SCHEDULER, "second scheduler")
    mine = made(client, seeded.scheduler)
    theirs = made(client, other)

    listed = client.get("/v1/requests", headers=auth(seeded.scheduler)).json()
    hidden = client.get(f"/v1/requests/{theirs}", headers=auth(seeded.scheduler))

    assert [r["request_id"] for r in listed] == [mine]
    assert hidden.status_code == 404
    assert hidden.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize("role", ["clerk", "auditor"])
def test_the_clerk_and_the_auditor_see_every_request(
    client: TestClient, seeded: Keys, role: str
) -> None:
    first = made(client, seeded.scheduler)
    second = made(client, seeded.clerk, category="consultation")

    listed = client.get("/v1/requests", headers=auth(seeded.of(role)))
    one = client.get(f"/v1/requests/{first}", headers=auth(seeded.of(role)))

    assert sorted(r["request_id"] for r in listed.json()) == sorted([first, second])
    assert (one.status_code, one.json()["text"]) == (200, POST)


def test_a_viewer_may_not_read_requests(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/requests", headers=auth(seeded.viewer))

    assert response.status_code == 403


def test_requests_are_listed_by_status_and_account(client: TestClient, seeded: Keys) -> None:
    pending = made(client, seeded.scheduler)
    approved = made(client, seeded.scheduler, category="consultation")
    elsewhere = made(client, seeded.scheduler, account_id="facebook-discoverredruth")
    assert act(client, seeded.clerk, approved, "approve").status_code == 200

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
