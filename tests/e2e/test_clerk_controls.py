"""The Town Clerk's controls (policy 3.1, 3.2, 4.1, 5.3a, 5.3g), each audited, each enforced at once."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Keys

from .conftest import Clock, auth

TOWN = "facebook-redruthtowncouncil"
INSIDE_2029 = (
    "2029-04-10T12:00:00+01:00"  # inside the 3 May 2029 elections' period (notice by 27 March)
)
NEW_ACCOUNT = {
    "account_id": "tiktok-redruth",
    "platform": "tiktok",
    "name": "Redruth on TikTok",
    "kind": "profile",
    "contact_email": "comms@redruth.gov.uk",
    "reason": "proposed by the communications officer",
}


def _decide(
    client: TestClient,
    keys: Keys,
    account: str = TOWN,
    at: str = INSIDE_2029,
    category: str = "event",
) -> dict:  # type: ignore[type-arg]
    return client.get(
        f"/v1/accounts/{account}/can-publish",
        params={"at": at, "category": category},
        headers=auth(keys.scheduler),
    ).json()


def _audit(client: TestClient, keys: Keys, action: str) -> list[dict]:  # type: ignore[type-arg]
    return client.get("/v1/audit", params={"action": action}, headers=auth(keys.auditor)).json()[
        "events"
    ]


def test_a_proposed_account_is_pending_until_the_clerk_approves_it(
    client: TestClient, seeded: Keys
) -> None:
    proposed = client.post("/v1/accounts", json=NEW_ACCOUNT, headers=auth(seeded.clerk))
    before = _decide(client, seeded, "tiktok-redruth", "2027-01-05T10:00:00Z", "general")

    approved = client.post(
        "/v1/accounts/tiktok-redruth/approve",
        json={"reason": "fits the policy"},
        headers=auth(seeded.clerk),
    )
    after = _decide(client, seeded, "tiktok-redruth", "2027-01-05T10:00:00Z", "general")

    assert (proposed.status_code, proposed.json()["status"]) == (201, "pending")
    assert before["reasons"][0]["code"] == "ACCOUNT_PENDING_APPROVAL"
    assert approved.json()["status"] == "active"
    assert after["outcome"] == "allow"
    assert [e["target"] for e in _audit(client, seeded, "account.")][-2:] == [
        "tiktok-redruth",
        "tiktok-redruth",
    ]


def test_an_account_on_an_unofficial_email_is_refused_citing_5_3a(
    client: TestClient, seeded: Keys
) -> None:
    response = client.post(
        "/v1/accounts",
        json={**NEW_ACCOUNT, "contact_email": "someone@gmail.com"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 422
    assert response.json()["clause"] == "5.3a"
    assert "5.3a" in response.json()["detail"]


@pytest.mark.parametrize(
    ("moves", "last_status", "allowed"),
    [
        (["close", "close"], 409, []),
        (["approve"], 409, ["suspend", "deactivate", "close"]),
        (["reinstate"], 409, ["suspend", "deactivate", "close"]),
    ],
    ids=["close-a-closed-account", "approve-an-active-account", "reinstate-an-active-account"],
)
def test_an_illegal_move_is_409_listing_the_allowed_moves(
    client: TestClient, seeded: Keys, moves: list[str], last_status: int, allowed: list[str]
) -> None:
    responses = [
        client.post(f"/v1/accounts/{TOWN}/{m}", json={"reason": "test"}, headers=auth(seeded.clerk))
        for m in moves
    ]

    assert responses[-1].status_code == last_status
    assert responses[-1].json()["allowed_moves"] == allowed


def test_suspending_an_account_denies_it_at_once_citing_3_1(
    client: TestClient, seeded: Keys
) -> None:
    client.post(
        f"/v1/accounts/{TOWN}/suspend",
        json={"reason": "breach of 5.1 under review"},
        headers=auth(seeded.clerk),
    )

    decision = _decide(client, seeded, at="2027-01-05T10:00:00Z", category="general")

    assert decision["reasons"][0]["code"] == "ACCOUNT_SUSPENDED"
    assert decision["reasons"][0]["clause"] == "3.1"


def test_a_move_needs_a_reason(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        f"/v1/accounts/{TOWN}/suspend", json={"reason": ""}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422


def test_an_override_allows_a_referred_post_names_itself_and_is_audited_when_used(
    client: TestClient, seeded: Keys
) -> None:
    refused = _decide(client, seeded)
    granted = client.post(
        "/v1/overrides",
        json={
            "account_id": TOWN,
            "starts_at": "2029-04-09T09:00:00+01:00",
            "ends_at": "2029-04-12T17:00:00+01:00",
            "categories": ["event"],
            "reason": "street fair",
        },
        headers=auth(seeded.clerk),
    )
    allowed = _decide(client, seeded)

    assert refused["outcome"] == "refer"
    assert granted.status_code == 201
    assert allowed["outcome"] == "allow"
    assert allowed["reasons"][0]["override_id"] == granted.json()["override_id"]
    uses = _audit(client, seeded, "decision.override")
    assert [u["after"]["decision_id"] for u in uses] == [allowed["decision_id"]]


def test_a_revoked_override_stops_allowing_at_once(client: TestClient, seeded: Keys) -> None:
    granted = client.post(
        "/v1/overrides",
        json={
            "account_id": "all",
            "starts_at": "2029-04-09T09:00:00+01:00",
            "ends_at": "2029-04-12T17:00:00+01:00",
            "reason": "civic event",
        },
        headers=auth(seeded.clerk),
    ).json()

    revoked = client.post(
        f"/v1/overrides/{granted['override_id']}/revoke",
        json={"reason": "event cancelled"},
        headers=auth(seeded.clerk),
    )

    assert revoked.json()["in_force"] is False
    assert _decide(client, seeded)["outcome"] == "refer"


def test_an_override_does_not_lift_a_manual_window_added_after_it(
    client: TestClient, seeded: Keys
) -> None:
    """Issue 13: an all-categories override for the 2029 elections, then the account is put under review."""
    granted = client.post(
        "/v1/overrides",
        json={
            "account_id": TOWN,
            "starts_at": "2029-04-09T09:00:00+01:00",
            "ends_at": "2029-04-12T17:00:00+01:00",
            "reason": "civic week",
        },
        headers=auth(seeded.clerk),
    ).json()
    allowed = _decide(client, seeded, category="general")
    review = client.post(
        "/v1/windows",
        json={
            "starts_at": "2029-04-10T00:00:00+01:00",
            "ends_at": "2029-04-11T00:00:00+01:00",
            "reason": "account under review (policy 3.2)",
            "account_ids": [TOWN],
        },
        headers=auth(seeded.clerk),
    )

    under_review = _decide(client, seeded, category="general")

    assert granted["anchors"] == [
        "election:local.cornwall.2029-05-03",
        "election:parish.redruth.2029-05-03",
    ]
    assert allowed["outcome"] == "allow"
    assert review.status_code == 201, review.text
    assert under_review["outcome"] == "deny"
    assert "MANUAL_RESTRICTION" in [r["code"] for r in under_review["reasons"]]
    assert "OVERRIDE_APPLIED" not in [r["code"] for r in under_review["reasons"]]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"categories": ["party-political"]}, "Local Government Act 1986"),
        ({"ends_at": "2029-04-30T09:00:00+01:00"}, "at most 7 days"),
        (
            {"starts_at": "2027-01-04T09:00:00Z", "ends_at": "2027-01-05T09:00:00Z"},
            "does not overlap",
        ),
        ({"ends_at": "2029-04-08T09:00:00+01:00"}, "after starts_at"),
        ({"reason": ""}, "reason"),
        ({"account_id": "myspace"}, "myspace"),
        ({"starts_at": "2029-04-09T09:00:00"}, "no UTC offset"),
    ],
    ids=[
        "never-permitted",
        "too-long",
        "no-window",
        "inverted",
        "no-reason",
        "unknown-account",
        "naive",
    ],
)
def test_a_bad_override_is_refused(
    client: TestClient, seeded: Keys, body: dict[str, object], says: str
) -> None:
    base = {
        "account_id": TOWN,
        "starts_at": "2029-04-09T09:00:00+01:00",
        "ends_at": "2029-04-12T17:00:00+01:00",
        "reason": "x",
    }

    response = client.post("/v1/overrides", json={**base, **body}, headers=auth(seeded.clerk))

    assert response.status_code in (404, 422)
    assert says in response.text
    assert client.get("/v1/overrides", headers=auth(seeded.clerk)).json() == []


def test_a_day_of_mourning_moves_the_period_start(client: TestClient, seeded: Keys) -> None:
    """Rule-derived: appointing Mon 16 April 2029 moves the 25th working day before 3 May 2029 from 27 to 26 March."""
    before = client.get(
        "/v1/elections/parish.redruth.2029-05-03", headers=auth(seeded.viewer)
    ).json()

    added = client.post(
        "/v1/dies-non",
        json={"date": "2029-04-16", "name": "Day of national mourning"},
        headers=auth(seeded.clerk),
    )
    after = client.get(
        "/v1/elections/parish.redruth.2029-05-03", headers=auth(seeded.viewer)
    ).json()
    removed = client.delete(
        "/v1/dies-non/2029-04-16",
        params={"reason": "appointed in error"},
        headers=auth(seeded.clerk),
    )
    restored = client.get(
        "/v1/elections/parish.redruth.2029-05-03", headers=auth(seeded.viewer)
    ).json()

    assert before["restricted_period"]["starts_at"].startswith("2029-03-27")
    assert added.status_code == 201
    assert after["restricted_period"]["starts_at"].startswith("2029-03-26")
    assert removed.status_code == 204
    assert restored["restricted_period"]["starts_at"].startswith("2029-03-27")
    assert [e["action"] for e in _audit(client, seeded, "dies_non.")] == [
        "dies_non.add",
        "dies_non.remove",
    ]


def test_a_manual_window_can_be_changed_and_ended(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    import datetime as dt

    created = client.post(
        "/v1/windows",
        json={
            "starts_at": "2026-11-20T00:00:00Z",
            "ends_at": "2026-12-20T00:00:00Z",
            "reason": "content review",
        },
        headers=auth(seeded.clerk),
    ).json()
    changed = client.patch(
        f"/v1/windows/{created['window_id']}",
        json={"reason": "content review (extended)", "change_reason": "more time"},
        headers=auth(seeded.clerk),
    )
    clock.now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    ended = client.post(
        f"/v1/windows/{created['window_id']}/end",
        json={"reason": "review finished"},
        headers=auth(seeded.clerk),
    )

    assert changed.json()["reason"] == "content review (extended)"
    assert ended.json()["ends_at"] == "2026-11-25T12:00:00Z"
    assert (
        _decide(client, seeded, at="2026-11-26T12:00:00Z", category="general")["outcome"] == "allow"
    )


def test_the_audit_verifies_and_pages(client: TestClient, seeded: Keys) -> None:
    first = client.get("/v1/audit", params={"limit": 5}, headers=auth(seeded.auditor)).json()
    second = client.get(
        "/v1/audit",
        params={"limit": 5, "after_seq": first["next_after_seq"]},
        headers=auth(seeded.auditor),
    ).json()
    verified = client.get("/v1/audit/verify", headers=auth(seeded.auditor)).json()

    assert len(first["events"]) == 5
    assert second["events"][0]["seq"] > first["events"][-1]["seq"]
    assert second["events"][0]["prev_hash"] == first["events"][-1]["hash"]
    assert verified["ok"] is True


def test_a_scheduler_may_not_read_the_audit(client: TestClient, seeded: Keys) -> None:
    assert client.get("/v1/audit", headers=auth(seeded.scheduler)).status_code == 403


def test_two_clerks_editing_one_election_cannot_overwrite_each_other_unawares(
    client: TestClient, seeded: Keys
) -> None:
    path = "/v1/elections/local.cornwall.2029-05-03"
    read = client.get(path, headers=auth(seeded.clerk))
    etag = read.headers["etag"]

    first = client.patch(
        path,
        json={
            "notice_published": "2029-03-16",
            "notice_reason": "published by the returning officer",
        },
        headers=auth(seeded.clerk) | {"If-Match": etag},
    )
    second = client.patch(
        path,
        json={
            "notice_published": "2029-03-20",
            "notice_reason": "published by the returning officer",
        },
        headers=auth(seeded.clerk) | {"If-Match": etag},
    )

    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag
    assert second.status_code == 412
    assert second.json()["type"] == "/problems/precondition-failed"
    assert client.get(path, headers=auth(seeded.viewer)).json()["notice_published"] == "2029-03-16"


# --- no lost update: If-Match on manual windows and account moves ---

WINDOW = {
    "starts_at": "2027-06-01T00:00:00+01:00",
    "ends_at": "2027-06-08T00:00:00+01:00",
    "reason": "review of the town plan consultation",
}


def test_a_stale_window_etag_gets_412_and_changes_nothing(client: TestClient, seeded: Keys) -> None:
    clerk = auth(seeded.clerk)
    window_id = client.post("/v1/windows", json=WINDOW, headers=clerk).json()["window_id"]
    read = client.get(f"/v1/windows/{window_id}", headers=auth(seeded.viewer))
    etag = read.headers["etag"]

    first = client.patch(
        f"/v1/windows/{window_id}",
        json={"ends_at": "2027-06-05T00:00:00+01:00", "change_reason": "finished early"},
        headers={**clerk, "If-Match": etag},
    )
    second = client.patch(
        f"/v1/windows/{window_id}",
        json={"ends_at": "2027-06-20T00:00:00+01:00", "change_reason": "extended"},
        headers={**clerk, "If-Match": etag},
    )
    now = client.get(f"/v1/windows/{window_id}", headers=clerk)

    assert first.status_code == 200
    assert first.headers["etag"] != etag
    assert second.status_code == 412
    assert second.json()["type"] == "/problems/precondition-failed"
    assert (
        now.json()["ends_at"] == "2027-06-05T00:00:00+01:00"
    )  # the second Clerk lost nothing silently
    assert now.headers["etag"] == first.headers["etag"]


def test_an_unknown_window_is_404(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/windows/mw-0000000000", headers=auth(seeded.viewer))

    assert response.status_code == 404


def test_an_account_move_with_a_stale_etag_gets_412(client: TestClient, seeded: Keys) -> None:
    clerk = auth(seeded.clerk)
    account = "/v1/accounts/facebook-redruthtowncouncil"
    etag = client.get(account, headers=clerk).headers["etag"]

    suspended = client.post(
        f"{account}/suspend",
        json={"reason": "password leaked"},
        headers={**clerk, "If-Match": etag},
    )
    reinstated = client.post(
        f"{account}/reinstate", json={"reason": "all fine"}, headers={**clerk, "If-Match": etag}
    )
    unconditional = client.get(account, headers=clerk)

    assert suspended.status_code == 200
    assert reinstated.status_code == 412  # it was read as active; it is suspended now
    assert unconditional.json()["status"] == "suspended"
    assert unconditional.headers["etag"] == suspended.headers["etag"]
