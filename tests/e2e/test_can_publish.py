"""GET /v1/accounts/{id}/can-publish and POST /v1/decisions on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from app.domain import UTC
from tests.conftest import Keys

from .conftest import Clock, auth

TOWN = "facebook-redruthtowncouncil"
URL = f"/v1/accounts/{TOWN}/can-publish"


def _ask(client: TestClient, keys: Keys, at: str | None = None, **params: str):  # type: ignore[no-untyped-def]
    query = {**params, **({"at": at} if at else {})}
    return client.get(URL, params=query, headers=auth(keys.scheduler))


# Reference election: local.cornwall.2025-05-01 and parish.redruth.2025-05-01 (notices 14 March 2025)
def test_a_general_post_in_april_2025_is_denied_citing_the_1_may_elections(
    client: TestClient, seeded: Keys
) -> None:
    response = _ask(client, seeded, "2025-04-10T12:00:00+01:00")

    body = response.json()
    assert response.status_code == 200
    assert (body["allowed"], body["outcome"]) == (False, "deny")
    assert body["reasons"][0]["code"] == "PRE_ELECTION_PERIOD"
    assert body["reasons"][0]["clause"] == "5.3g"
    assert body["reasons"][0]["election_ids"] == [
        "local.cornwall.2025-05-01",
        "parish.redruth.2025-05-01",
    ]


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2025-05-01T21:59:59+01:00", False),
        ("2025-05-01T22:00:00+01:00", True),
        ("2025-03-13T23:59:59+00:00", True),
        ("2025-03-14T00:00:00+00:00", False),
        ("2025-03-30T00:59:59+00:00", False),
        ("2025-03-30T02:00:00+01:00", False),
    ],
    ids=[
        "21:59:59-poll-day",
        "22:00:00-poll-day",
        "before-notice-day",
        "00:00-notice-day",
        "just-before-bst",
        "just-after-bst",
    ],
)
def test_boundaries_are_exact_across_the_clock_change(
    client: TestClient, seeded: Keys, at: str, allowed: bool
) -> None:
    response = _ask(client, seeded, at)

    assert response.json()["allowed"] is allowed


def test_a_window_starting_in_gmt_ends_in_bst_and_says_so(client: TestClient, seeded: Keys) -> None:
    window = _ask(client, seeded, "2025-04-10T12:00:00+01:00").json()["windows"][0]

    assert dt.datetime.fromisoformat(window["starts_at"]) == dt.datetime(
        2025, 3, 14, 0, 0, tzinfo=UTC
    )
    assert window["ends_at"] == "2025-05-01T22:00:00+01:00"


def test_at_defaults_to_now(client: TestClient, seeded: Keys, clock: Clock) -> None:
    clock.now = dt.datetime(2025, 4, 10, 11, 0, tzinfo=UTC)

    body = _ask(client, seeded).json()

    assert body["outcome"] == "deny"
    assert dt.datetime.fromisoformat(body["at"]) == clock.now


def test_a_permitted_category_is_allowed_inside_the_window(
    client: TestClient, seeded: Keys
) -> None:
    body = _ask(client, seeded, "2025-04-10T12:00:00+01:00", category="emergency").json()

    assert (body["outcome"], body["reasons"][0]["code"]) == ("allow", "PERMITTED_CATEGORY")


def test_a_referred_category_is_referred(client: TestClient, seeded: Keys) -> None:
    body = _ask(client, seeded, "2025-04-10T12:00:00+01:00", category="event").json()

    assert (body["allowed"], body["outcome"]) == (False, "refer")


def test_an_inactive_account_is_denied(client: TestClient, seeded: Keys) -> None:
    response = client.get(
        "/v1/accounts/x-visitredruth/can-publish",
        params={"at": "2026-01-05T10:00:00Z"},
        headers=auth(seeded.viewer),
    )

    assert response.json()["reasons"][0]["code"] == "ACCOUNT_INACTIVE"


def test_the_overdue_policy_review_is_a_warning(client: TestClient, seeded: Keys) -> None:
    body = _ask(client, seeded, "2026-01-05T10:00:00Z").json()

    assert [r["code"] for r in body["reasons"]] == ["NO_RESTRICTION", "POLICY_REVIEW_OVERDUE"]
    assert body["reasons"][1]["clause"] == "6.1"


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"at": "2025-04-10T12:00:00"}, 422, "no UTC offset"),
        ({"at": "10/04/2025"}, 422, "at"),
        ({"at": "2025-02-30T12:00:00Z"}, 422, "at"),
        ({"at": "0001-01-01T00:00:00Z"}, 422, "year"),
        ({"category": "gossip"}, 422, "category"),
    ],
    ids=["naive", "not-rfc3339", "impossible-date", "absurd-year", "unknown-category"],
)
def test_bad_query_gets_a_problem_body(
    client: TestClient, seeded: Keys, params: dict[str, str], status: int, says: str
) -> None:
    response = client.get(URL, params=params, headers=auth(seeded.scheduler))

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert says in problem["detail"]


def test_an_unknown_account_is_404(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/accounts/nobody/can-publish", headers=auth(seeded.scheduler))

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/unknown-account"


def test_cache_control_never_reaches_past_valid_until(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    clock.now = dt.datetime(2025, 5, 1, 20, 59, 30, tzinfo=UTC)

    response = _ask(client, seeded)

    assert response.json()["valid_until"] == "2025-05-01T22:00:00+01:00"
    assert response.headers["cache-control"] == "private, max-age=30"


def test_cache_control_is_capped_at_a_minute(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    clock.now = dt.datetime(2025, 4, 10, 11, 0, tzinfo=UTC)

    response = _ask(client, seeded)

    assert response.headers["cache-control"] == "private, max-age=60"


def test_a_repeat_with_the_etag_gets_304(client: TestClient, seeded: Keys) -> None:
    first = _ask(client, seeded, "2025-04-10T12:00:00+01:00")

    again = client.get(
        URL,
        params={"at": "2025-04-10T12:00:00+01:00"},
        headers={**auth(seeded.scheduler), "If-None-Match": first.headers["etag"]},
    )

    assert again.status_code == 304
    assert again.headers["etag"] == first.headers["etag"]


def test_the_etag_changes_when_the_answer_does(client: TestClient, seeded: Keys) -> None:
    denied = _ask(client, seeded, "2025-04-10T12:00:00+01:00")
    allowed = _ask(client, seeded, "2025-06-10T12:00:00+01:00")

    assert denied.headers["etag"] != allowed.headers["etag"]


def test_a_batch_is_answered_in_order(client: TestClient, seeded: Keys) -> None:
    checks = [
        {"account_id": TOWN, "at": "2025-04-10T12:00:00+01:00"},
        {"account_id": TOWN, "at": "2025-05-01T22:00:00+01:00"},
        {
            "account_id": "facebook-mayorofredruth",
            "at": "2025-04-10T12:00:00+01:00",
            "category": "emergency",
        },
    ]

    response = client.post("/v1/decisions", json={"checks": checks}, headers=auth(seeded.scheduler))

    assert response.status_code == 200
    assert [d["outcome"] for d in response.json()["decisions"]] == ["deny", "allow", "allow"]
    assert response.json()["decisions"][2]["account_id"] == "facebook-mayorofredruth"


def test_a_batch_of_1000_is_accepted(client: TestClient, seeded: Keys) -> None:
    checks = [{"account_id": TOWN, "at": "2025-04-10T12:00:00+01:00"}] * 1000

    response = client.post("/v1/decisions", json={"checks": checks}, headers=auth(seeded.scheduler))

    assert len(response.json()["decisions"]) == 1000


@pytest.mark.parametrize(
    ("checks", "says"),
    [
        ([{"account_id": TOWN}] * 1001, "at most 1000"),
        ([], "at least 1"),
        ([{"account_id": TOWN, "at": "2025-04-10T12:00:00"}], "no UTC offset"),
        ([{"account_id": TOWN, "colour": "red"}], "colour"),
    ],
    ids=["1001-checks", "empty", "naive", "unknown-field"],
)
def test_a_bad_batch_gets_a_422_problem(
    client: TestClient, seeded: Keys, checks: list[dict[str, str]], says: str
) -> None:
    response = client.post("/v1/decisions", json={"checks": checks}, headers=auth(seeded.scheduler))

    assert response.status_code == 422
    assert says in response.text


def test_a_batch_naming_an_unknown_account_is_404(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        "/v1/decisions", json={"checks": [{"account_id": "nobody"}]}, headers=auth(seeded.scheduler)
    )

    assert response.status_code == 404


def test_the_openapi_document_still_describes_can_publish(client: TestClient) -> None:
    """The fast path answers before the router, but the contract stays documented."""
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/accounts/{account_id}/can-publish"
    ]["get"]

    assert {p["name"] for p in operation["parameters"]} == {"account_id", "at", "category"}
    assert operation["security"] == [{"apiKey": []}]
    assert "200" in operation["responses"]


def test_a_head_request_gets_headers_only(client: TestClient, seeded: Keys) -> None:
    response = client.head(
        URL, params={"at": "2025-04-10T12:00:00+01:00"}, headers=auth(seeded.scheduler)
    )

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"]
