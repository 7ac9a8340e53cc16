"""Accounts, elections, windows, policy, health: reads, the Clerk's writes, and bad input that changes nothing."""

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.store.tables import AuditEventRow, ElectionRow, ManualWindowRow, OrganisationRow
from tests.conftest import Keys
from tests.integration.test_cli import TIMETABLE_KEYS

from .conftest import Ticker, auth


def _state(engine: Engine) -> tuple[int, int, int, int]:
    """Counts that any write changes: elections, manual windows, audit events, data_version."""
    with Session(engine) as session:
        return (
            session.execute(select(func.count()).select_from(ElectionRow)).scalar_one(),
            session.execute(select(func.count()).select_from(ManualWindowRow)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one(),
            session.execute(select(OrganisationRow.data_version)).scalar_one(),
        )


def test_accounts_are_the_policys_appendix(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/accounts", headers=auth(seeded.viewer))

    accounts = {a["account_id"]: a for a in response.json()}
    assert len(accounts) == 12
    assert accounts["x-visitredruth"]["status"] == "inactive"


def test_one_account_and_an_unknown_one(client: TestClient, seeded: Keys) -> None:
    found = client.get("/v1/accounts/spotify-redruth-recorded", headers=auth(seeded.viewer))
    missing = client.get("/v1/accounts/myspace", headers=auth(seeded.viewer))

    assert found.json()["kind"] == "podcast"
    assert missing.status_code == 404


def test_elections_are_listed_with_their_periods(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/elections", headers=auth(seeded.viewer))

    by_id = {e["election_id"]: e for e in response.json()}
    assert len(by_id) == 7
    cornwall = by_id["local.cornwall.2025-05-01"]
    assert cornwall["notice_published"] == "2025-03-14"
    assert dt.datetime.fromisoformat(cornwall["restricted_period"]["starts_at"]) == dt.datetime(
        2025, 3, 14, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "from=2025-01-01&to=2025-12-31",
            {"local.cornwall.2025-05-01", "parish.redruth.2025-05-01"},
        ),
        ("kind=pcc", {"pcc.devon-and-cornwall.2024-05-02", "pcc.devon-and-cornwall.2028-05-04"}),
        ("status=scheduled&kind=parish", {"parish.redruth.2029-05-03"}),
    ],
    ids=["date-range", "kind", "status-and-kind"],
)
def test_elections_can_be_filtered(
    client: TestClient, seeded: Keys, query: str, expected: set[str]
) -> None:
    response = client.get(f"/v1/elections?{query}", headers=auth(seeded.viewer))

    assert {e["election_id"] for e in response.json()} == expected


def test_an_election_carries_its_timetable_with_the_cli_keys(
    client: TestClient, seeded: Keys
) -> None:
    body = client.get("/v1/elections/parish.redruth.2029-05-03", headers=auth(seeded.viewer)).json()

    assert set(body["timetable"]) == TIMETABLE_KEYS
    assert body["timetable"]["notice_of_election_deadline"] == "2029-03-27"


def test_any_valid_id_has_a_timetable(client: TestClient, seeded: Keys) -> None:
    """Reference election: pcc.2024-05-02, nominations closed 4pm Friday 5 April 2024 (Electoral Commission)."""
    body = client.get(
        "/v1/elections/pcc.west-mercia.2024-05-02/timetable", headers=auth(seeded.viewer)
    ).json()

    assert set(body) == TIMETABLE_KEYS
    assert body["close_of_nominations"] == "2024-04-05"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/elections/local.cornwall.2025-13-01/timetable", 422),
        ("/v1/elections/parish.kirkwall.2026-05-07/timetable?country=scotland", 422),
        ("/v1/elections/local.cornwall.2031-05-01", 404),
        ("/v1/elections?kind=council", 422),
        ("/v1/elections?from=yesterday", 422),
    ],
    ids=["bad-date", "unsupported", "not-stored", "bad-kind", "bad-from"],
)
def test_bad_election_queries_get_problems(
    client: TestClient, seeded: Keys, path: str, status: int
) -> None:
    response = client.get(path, headers=auth(seeded.viewer))

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_clerk_adds_a_by_election_and_it_restricts_at_once(
    client: TestClient, seeded: Keys
) -> None:
    """Rule-derived, not a published timetable: notice by the 25th working day before 11 Feb 2027."""
    created = client.post(
        "/v1/elections",
        json={"election_id": "parish.redruth.north.by.2027-02-11"},
        headers=auth(seeded.clerk),
    )
    decision = client.get(
        "/v1/accounts/facebook-redruthtowncouncil/can-publish?at=2027-02-01T10:00:00Z",
        headers=auth(seeded.scheduler),
    ).json()

    assert created.status_code == 201
    assert created.headers["location"] == "/v1/elections/parish.redruth.north.by.2027-02-11"
    assert decision["outcome"] == "deny"
    assert decision["reasons"][0]["election_ids"] == ["parish.redruth.north.by.2027-02-11"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"election_id": "parish.redruth.2025-05-01"}, 409, "exists already"),
        ({"election_id": "local.devon.2029-05-03"}, 422, "does not affect"),
        (
            {"election_id": "parish.redruth.north.by.2027-02-11", "poll_date": "2027-02-12"},
            422,
            "not the date in the id",
        ),
        (
            {"election_id": "parish.redruth.north.by.2027-02-11", "notice_published": "2027-03-01"},
            422,
            "outside the days the law allows",
        ),
        ({"election_id": "parish.redruth.2027-02-30"}, 422, "not a calendar date"),
        ({"election_id": "parish.redruth.north.by.2027-02-11", "extra": 1}, 422, "extra"),
        ({"election_id": "../../etc/passwd"}, 422, "invalid election id"),
    ],
    ids=[
        "duplicate",
        "out-of-scope",
        "poll-date-mismatch",
        "notice-after-poll",
        "bad-date",
        "unknown-field",
        "path-traversal",
    ],
)
def test_a_bad_election_is_refused_and_nothing_changes(
    client: TestClient,
    engine: Engine,
    seeded: Keys,
    body: dict[str, object],
    status: int,
    says: str,
) -> None:
    before = _state(engine)

    response = client.post("/v1/elections", json=body, headers=auth(seeded.clerk))

    assert response.status_code == status
    assert says in response.json()["detail"]
    assert _state(engine) == before


def test_recording_the_actual_notice_date_moves_the_start(client: TestClient, seeded: Keys) -> None:
    response = client.patch(
        "/v1/elections/parish.redruth.2029-05-03",
        json={"notice_published": "2029-03-16", "notice_reason": "published by Cornwall Council"},
        headers=auth(seeded.clerk),
    )

    assert response.json()["restricted_period"]["starts_at"] == "2029-03-16T00:00:00Z"
    assert "recorded" in response.json()["restricted_period"]["start_basis"]


def test_a_notice_after_the_statutory_latest_day_is_refused_and_nothing_changes(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    """Issue 13: a notice the day before the PCC poll of 4 May 2028 would have shortened the period."""
    before = _state(engine)
    path = "/v1/elections/pcc.devon-and-cornwall.2028-05-04"
    start = client.get(path, headers=auth(seeded.viewer)).json()["restricted_period"]["starts_at"]

    response = client.patch(
        path,
        json={"notice_published": "2028-05-03", "notice_reason": "typed from the notice"},
        headers=auth(seeded.clerk),
    )

    body = response.json()
    assert response.status_code == 422
    assert body["type"] == "/problems/invalid-notice-date"
    assert body["errors"][0]["field"] == "notice_published"
    assert body["legal_window"]["latest"] == start[:10]
    assert _state(engine) == before


def test_a_change_of_notice_date_needs_a_reason_and_is_audited_with_it(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    path = "/v1/elections/parish.redruth.2029-05-03"
    before = _state(engine)

    unexplained = client.patch(
        path, json={"notice_published": "2029-03-16"}, headers=auth(seeded.clerk)
    )
    unchanged = _state(engine)
    explained = client.patch(
        path,
        json={"notice_published": "2029-03-16", "notice_reason": "notice seen on the noticeboard"},
        headers=auth(seeded.clerk),
    )
    events = client.get(
        "/v1/audit", params={"action": "election.update"}, headers=auth(seeded.auditor)
    ).json()["events"]

    assert unexplained.status_code == 422
    assert unexplained.json()["errors"][0]["field"] == "notice_reason"
    assert unchanged == before
    assert explained.status_code == 200
    assert events[-1]["reason"] == "notice seen on the noticeboard"


def test_cancelling_an_election_does_not_lift_its_period(client: TestClient, seeded: Keys) -> None:
    response = client.patch(
        "/v1/elections/pcc.devon-and-cornwall.2028-05-04",
        json={"status": "cancelled", "status_reason": "PCCs abolished"},
        headers=auth(seeded.clerk),
    )
    decision = client.get(
        "/v1/accounts/facebook-redruthtowncouncil/can-publish?at=2028-04-20T10:00:00%2B01:00",
        headers=auth(seeded.clerk),
    ).json()

    assert response.json()["status"] == "cancelled"
    assert decision["outcome"] == "deny"


def test_the_clerk_ends_a_period_early_with_a_reason(client: TestClient, seeded: Keys) -> None:
    client.patch(
        "/v1/elections/pcc.devon-and-cornwall.2028-05-04",
        json={
            "ends_at": "2028-04-01T00:00:00+01:00",
            "end_reason": "election cancelled by statute",
        },
        headers=auth(seeded.clerk),
    )

    decision = client.get(
        "/v1/accounts/facebook-redruthtowncouncil/can-publish?at=2028-04-20T10:00:00%2B01:00",
        headers=auth(seeded.clerk),
    ).json()

    assert decision["outcome"] == "allow"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"ends_at": "2028-04-01T00:00:00+01:00"}, "needs a reason"),
        ({"status": "uncontested"}, "needs a reason"),
        ({"status": "postponed", "status_reason": "x"}, "status"),
        ({"starts_at": "2028-04-01T00:00:00"}, "no UTC offset"),
        (
            {"notice_published": "2028-05-05", "notice_reason": "x"},
            "outside the days the law allows",
        ),
        (
            {
                "starts_at": "2028-04-10T00:00:00Z",
                "start_reason": "by hand",
                "ends_at": "2028-04-01T00:00:00Z",
                "end_reason": "x",
            },
            "on or after the end",
        ),
    ],
    ids=[
        "end-without-reason",
        "status-without-reason",
        "unknown-status",
        "naive-start",
        "notice-after-poll",
        "end-before-start",
    ],
)
def test_a_bad_patch_is_refused_and_nothing_changes(
    client: TestClient, engine: Engine, seeded: Keys, body: dict[str, str], says: str
) -> None:
    before = _state(engine)

    response = client.patch(
        "/v1/elections/pcc.devon-and-cornwall.2028-05-04", json=body, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert says in response.text
    assert _state(engine) == before


def test_a_patch_of_an_unknown_election_is_404(client: TestClient, seeded: Keys) -> None:
    response = client.patch(
        "/v1/elections/parish.redruth.2031-05-01",
        json={"status": "held"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 404


def test_windows_can_be_listed_by_range(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/windows?from=2025-01-01&to=2025-12-31", headers=auth(seeded.viewer))

    assert [w["election_ids"] for w in response.json()] == [
        ["local.cornwall.2025-05-01", "parish.redruth.2025-05-01"]
    ]


def test_a_manual_window_for_one_account_restricts_only_that_account(
    client: TestClient, seeded: Keys
) -> None:
    body = {
        "starts_at": "2027-06-01T00:00:00+01:00",
        "ends_at": "2027-06-08T00:00:00+01:00",
        "reason": "content under review (policy 3.2)",
        "account_ids": ["facebook-mayorofredruth"],
    }

    created = client.post("/v1/windows", json=body, headers=auth(seeded.clerk))
    at = "?at=2027-06-03T12:00:00%2B01:00"
    mayor = client.get(
        f"/v1/accounts/facebook-mayorofredruth/can-publish{at}", headers=auth(seeded.scheduler)
    ).json()
    town = client.get(
        f"/v1/accounts/facebook-redruthtowncouncil/can-publish{at}", headers=auth(seeded.scheduler)
    ).json()
    listed = client.get(
        "/v1/windows?from=2027-01-01&account_id=facebook-mayorofredruth",
        headers=auth(seeded.viewer),
    ).json()

    assert created.status_code == 201
    assert mayor["reasons"][0]["code"] == "MANUAL_RESTRICTION"
    assert mayor["reasons"][0]["manual_window_ids"] == [created.json()["window_id"]]
    assert town["outcome"] == "allow"
    assert created.json()["window_id"] in listed[0]["manual_window_ids"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            {"starts_at": "2027-06-08T00:00:00Z", "ends_at": "2027-06-01T00:00:00Z", "reason": "x"},
            422,
        ),
        (
            {"starts_at": "2027-06-01T00:00:00", "ends_at": "2027-06-08T00:00:00Z", "reason": "x"},
            422,
        ),
        (
            {"starts_at": "2027-06-01T00:00:00Z", "ends_at": "2027-06-08T00:00:00Z", "reason": ""},
            422,
        ),
        (
            {
                "starts_at": "2027-06-01T00:00:00Z",
                "ends_at": "2027-06-08T00:00:00Z",
                "reason": "x",
                "account_ids": ["myspace"],
            },
            404,
        ),
    ],
    ids=["end-before-start", "naive", "no-reason", "unknown-account"],
)
def test_a_bad_manual_window_is_refused_and_nothing_changes(
    client: TestClient, engine: Engine, seeded: Keys, body: dict[str, object], status: int
) -> None:
    before = _state(engine)

    response = client.post("/v1/windows", json=body, headers=auth(seeded.clerk))

    assert response.status_code == status
    assert _state(engine) == before


@pytest.mark.parametrize(
    "query",
    ["from=2025-13-01", "to=2025-01-01T00:00:00", "account_id=myspace"],
    ids=["bad-date", "naive", "unknown-account"],
)
def test_bad_window_queries_get_problems(client: TestClient, seeded: Keys, query: str) -> None:
    response = client.get(f"/v1/windows?{query}", headers=auth(seeded.viewer))

    assert response.status_code in (404, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_policy_says_its_review_is_overdue(client: TestClient, seeded: Keys) -> None:
    body = client.get("/v1/policy", headers=auth(seeded.viewer)).json()

    assert body["review_overdue"] is True
    assert body["next_review_due"] == "2025-07-31"
    assert "general" in body["categories"]["denied_inside_windows"]


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"


def test_every_write_is_audited_with_the_callers_key(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    client.post(
        "/v1/elections",
        json={"election_id": "parish.redruth.north.by.2027-02-11"},
        headers={**auth(seeded.clerk), "X-Request-ID": "req-42"},
    )

    with Session(engine) as session:
        event = session.execute(
            select(AuditEventRow).order_by(AuditEventRow.seq.desc()).limit(1)
        ).scalar_one()  # type: ignore[union-attr]
    assert (event.action, event.target, event.role, event.request_id) == (
        "election.create",
        "parish.redruth.north.by.2027-02-11",
        "clerk",
        "req-42",
    )
    assert json.dumps(event.after)


def test_decisions_fail_closed_when_the_snapshot_is_stale(
    client: TestClient, seeded: Keys, ticker: Ticker
) -> None:
    ticker.seconds += 3600  # the database has not confirmed the data for an hour

    response = client.get(
        "/v1/accounts/facebook-redruthtowncouncil/can-publish", headers=auth(seeded.scheduler)
    )
    ready = client.get("/readyz")

    assert response.status_code == 503
    assert (response.json()["allowed"], response.json()["reasons"][0]["code"]) == (
        False,
        "SERVICE_UNAVAILABLE",
    )
    assert response.headers["cache-control"] == "no-store"
    assert ready.status_code == 503
