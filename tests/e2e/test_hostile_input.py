"""Regression tests for bad input found in review: each a 4xx problem, nothing written."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import Keys

from .conftest import auth
from .test_resources import _state

TOWN = "facebook-redruthtowncouncil"
OVERRIDE = {
    "account_id": TOWN,
    "starts_at": "2029-04-09T09:00:00+01:00",
    "ends_at": "2029-04-12T17:00:00+01:00",
    "reason": "x",
}
WINDOW = {"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2027-01-02T00:00:00Z", "reason": "x"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/windows", {**WINDOW, "account_ids": []}),
        ("POST", "/v1/overrides", {**OVERRIDE, "categories": []}),
        ("POST", "/v1/decisions", {"checks": [{"account_id": TOWN, "at": 1234567890}]}),
        ("POST", "/v1/overrides", {**OVERRIDE, "starts_at": 1838160000}),
        ("POST", "/v1/dies-non", {"date": 1893456000, "name": "m"}),
        ("POST", "/v1/dies-non", {"date": "2029-04-16T00:00:00Z", "name": "m"}),
        ("POST", "/v1/dies-non", {"date": "0001-01-01", "name": "m"}),
        ("POST", "/v1/windows", {**WINDOW, "reason": "nul\u0000byte"}),
        (
            "POST",
            "/v1/accounts",
            {
                "account_id": "all",
                "platform": "x",
                "name": "All",
                "kind": "profile",
                "contact_email": "a@redruth.gov.uk",
                "reason": "r",
            },
        ),
        ("POST", "/v1/elections", {"election_id": "local.cornwall.2031-05-01", "kind": "nia"}),
        ("PATCH", "/v1/elections/parish.redruth.2029-05-03", {"starts_at": "2030-01-01T00:00:00Z"}),
        (
            "PATCH",
            "/v1/elections/parish.redruth.2029-05-03",
            {"starts_at": "2030-01-01T00:00:00Z", "start_reason": "x"},
        ),
        (
            "PATCH",
            "/v1/elections/parish.redruth.2029-05-03",
            {"ends_at": "2200-12-31T00:00:00Z", "end_reason": "x"},
        ),
        ("PATCH", "/v1/elections/parish.redruth.2029-05-03", {}),
        (
            "POST",
            "/v1/overrides",
            {
                **OVERRIDE,
                "starts_at": "2025-04-01T09:00:00+01:00",
                "ends_at": "2025-04-02T09:00:00+01:00",
            },
        ),
    ],
    ids=[
        "window-no-accounts",
        "override-no-categories",
        "epoch-at",
        "epoch-override",
        "epoch-date",
        "datetime-as-date",
        "year-1-dies-non",
        "nul-in-reason",
        "account-called-all",
        "kind-contradicts-id",
        "start-without-reason",
        "start-after-end",
        "end-extends-period",
        "empty-patch",
        "override-wholly-past",
    ],
)
def test_refused_with_a_problem_and_nothing_written(
    client: TestClient,
    engine: Engine,
    seeded: Keys,
    method: str,
    path: str,
    body: dict[str, object],
) -> None:
    before = _state(engine)

    response = client.request(method, path, json=body, headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _state(engine) == before


def test_ending_a_window_that_has_ended_is_refused(client: TestClient, seeded: Keys) -> None:
    past = client.post(
        "/v1/windows",
        json={**WINDOW, "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-11-10T00:00:00Z"},
        headers=auth(seeded.clerk),
    ).json()
    future = client.post("/v1/windows", json=WINDOW, headers=auth(seeded.clerk)).json()

    ended = client.post(
        f"/v1/windows/{past['window_id']}/end", json={"reason": "x"}, headers=auth(seeded.clerk)
    )
    not_started = client.post(
        f"/v1/windows/{future['window_id']}/end", json={"reason": "x"}, headers=auth(seeded.clerk)
    )

    assert (ended.status_code, not_started.status_code) == (422, 422)
    assert "ended at" in ended.json()["detail"]
    assert "has not started" in not_started.json()["detail"]


@pytest.mark.parametrize(
    "query",
    ["after_seq=9223372036854775808", "limit=-1", "since=1234567890"],
    ids=["huge-seq", "negative-limit", "epoch"],
)
def test_bad_audit_queries_are_422(client: TestClient, seeded: Keys, query: str) -> None:
    assert client.get(f"/v1/audit?{query}", headers=auth(seeded.auditor)).status_code == 422


def test_audit_filters_take_wildcards_literally(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/audit", params={"action": "%"}, headers=auth(seeded.auditor))

    assert response.json()["events"] == []


@pytest.mark.parametrize(
    "header", ["*", 'W/"nope", {etag}', "{strong}"], ids=["star", "list", "strong-form"]
)
def test_if_none_match_follows_rfc_9110(client: TestClient, seeded: Keys, header: str) -> None:
    url = f"/v1/accounts/{TOWN}/can-publish?at=2025-04-10T12:00:00%2B01:00"
    etag = client.get(url, headers=auth(seeded.scheduler)).headers["etag"]

    again = client.get(
        url,
        headers={
            **auth(seeded.scheduler),
            "If-None-Match": header.format(etag=etag, strong=etag.removeprefix("W/")),
        },
    )

    assert again.status_code == 304


def test_a_window_patch_with_only_a_reason_for_the_change_is_refused(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    created = client.post("/v1/windows", json=WINDOW, headers=auth(seeded.clerk)).json()
    before = _state(engine)

    response = client.patch(
        f"/v1/windows/{created['window_id']}",
        json={"change_reason": "nothing"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 422
    assert _state(engine) == before


def test_an_audit_cursor_beyond_the_sequence_column_is_422_not_500(client, seeded) -> None:  # type: ignore[no-untyped-def]
    """Found by schemathesis: after_seq=2**31 overflowed PostgreSQL's integer column."""
    response = client.get(
        "/v1/audit",
        params={"after_seq": 2**31},
        headers={"Authorization": f"Bearer {seeded.auditor}"},
    )

    assert response.status_code == 422
