"""
Many councils on one deployment: a platform operator adds one from its policy file, and each
council's keys see and change only its own accounts, windows, overrides, audit and feed.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import Keys

from .conftest import Clock, add_penryn, auth, two_council_app

REDRUTH_ACCOUNT = "facebook-redruthtowncouncil"
PENRYN_ACCOUNT = "facebook-penryntowncouncil"


@pytest.fixture
def platform(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[tuple[TestClient, str]]:
    """The app with a policy folder holding Redruth's and Penryn's policies, and an operator key."""
    with two_council_app(engine, database_url, clock, tmp_path / "policies") as platform:
        yield platform


@pytest.fixture
def penryn(platform: tuple[TestClient, str]) -> str:
    """Penryn added by the operator: its first Clerk key."""
    return add_penryn(*platform)


def test_an_operator_adds_a_council_from_its_policy_file(
    platform: tuple[TestClient, str], penryn: str
) -> None:
    client, operator = platform

    listed = client.get("/v1/organisations", headers=auth(operator)).json()
    accounts = client.get("/v1/accounts", headers=auth(penryn)).json()

    assert [o["organisation_id"] for o in listed] == ["penryn", "redruth"]
    assert sorted(a["account_id"] for a in accounts) == [
        "facebook-penryntowncouncil",
        "instagram-penryn",
    ]


def test_adding_a_council_twice_is_409(platform: tuple[TestClient, str], penryn: str) -> None:
    client, operator = platform

    again = client.post(
        "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(operator)
    )

    assert again.status_code == 409


@pytest.mark.parametrize(
    "policy_file",
    ["../redruth.yaml", "missing.yaml", "PENRYN.yaml"],
    ids=["traversal", "missing", "case"],
)
def test_a_bad_policy_file_is_422(platform: tuple[TestClient, str], policy_file: str) -> None:
    client, operator = platform

    response = client.post(
        "/v1/organisations", json={"policy_file": policy_file}, headers=auth(operator)
    )

    assert response.status_code == 422


def test_only_the_operator_adds_councils(platform: tuple[TestClient, str], seeded: Keys) -> None:
    client, _ = platform

    response = client.post(
        "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 403


def test_the_operator_reads_no_councils_data(platform: tuple[TestClient, str]) -> None:
    client, operator = platform

    decision = client.get(f"/v1/accounts/{REDRUTH_ACCOUNT}/can-publish", headers=auth(operator))
    accounts = client.get("/v1/accounts", headers=auth(operator))

    assert (decision.status_code, accounts.status_code) == (403, 403)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/v1/accounts/{REDRUTH_ACCOUNT}", None),
        ("GET", f"/v1/accounts/{REDRUTH_ACCOUNT}/can-publish", None),
        ("POST", f"/v1/accounts/{REDRUTH_ACCOUNT}/suspend", {"reason": "not yours"}),
        (
            "POST",
            "/v1/overrides",
            {
                "account_id": REDRUTH_ACCOUNT,
                "starts_at": "2029-04-10T09:00:00+01:00",
                "ends_at": "2029-04-11T09:00:00+01:00",
                "categories": ["event"],
                "reason": "not yours",
            },
        ),
        ("GET", "/v1/feeds/restrictions.ics?account_id=" + REDRUTH_ACCOUNT, None),
    ],
    ids=["read-account", "decide", "suspend", "override", "feed"],
)
def test_one_councils_key_cannot_reach_anothers_accounts(
    platform: tuple[TestClient, str],
    penryn: str,
    method: str,
    path: str,
    body: dict | None,  # type: ignore[type-arg]
) -> None:
    client, _ = platform

    response = client.request(method, path, json=body, headers=auth(penryn))

    assert response.status_code == 404, response.text


def test_windows_overrides_audit_and_feed_are_each_councils_own(
    platform: tuple[TestClient, str], penryn: str, seeded: Keys
) -> None:
    client, _ = platform
    made = client.post(
        "/v1/windows",
        json={
            "starts_at": "2027-01-10T09:00:00Z",
            "ends_at": "2027-01-12T09:00:00Z",
            "reason": "Redruth only: content under review",
        },
        headers=auth(seeded.clerk),
    ).json()

    windows = client.get("/v1/windows", headers=auth(penryn)).json()
    audit = client.get("/v1/audit", params={"limit": 500}, headers=auth(penryn)).json()["events"]
    feed = client.get("/v1/feeds/restrictions.ics", headers=auth(penryn)).text
    changed = client.patch(
        f"/v1/windows/{made['window_id']}",
        json={"reason": "taken over", "change_reason": "not yours"},
        headers=auth(penryn),
    )

    assert not any(made["window_id"] in w["manual_window_ids"] for w in windows)
    targets = {e["target"] for e in audit}
    assert "penryn" in targets
    assert made["window_id"] not in targets
    assert REDRUTH_ACCOUNT not in targets
    assert "content under review" not in feed
    assert "@penryn.purdah-controller" in feed
    assert changed.status_code == 404


def test_a_councils_feed_token_cannot_be_revoked_by_another(
    platform: tuple[TestClient, str], penryn: str, seeded: Keys
) -> None:
    client, _ = platform
    token = client.post(
        "/v1/feeds/tokens", json={"name": "office"}, headers=auth(seeded.clerk)
    ).json()

    revoked = client.post(
        f"/v1/feeds/tokens/{token['token_id']}/revoke", json={"reason": "x"}, headers=auth(penryn)
    )
    listed = client.get("/v1/feeds/tokens", headers=auth(penryn)).json()

    assert revoked.status_code == 404
    assert listed == []
