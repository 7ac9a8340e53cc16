"""Regression tests for bad input found in review: each a 4xx problem, nothing written."""

import json
from collections.abc import Iterator

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


# --- bodies: size and nesting (PURDAH_BODY_MAX_BYTES; the import has its own limit) ---


def test_a_body_over_the_limit_is_413_before_it_is_read(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    before = _state(engine)
    huge = json.dumps({**WINDOW, "reason": "x" * (2 * 1024 * 1024)})

    response = client.post(
        "/v1/windows",
        content=huge,
        headers={**auth(seeded.clerk), "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/content-too-large"
    assert "PURDAH_BODY_MAX_BYTES" in response.json()["detail"]
    assert _state(engine) == before


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    before = _state(engine)
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b'{"checks": [], "pad": "'
        for _ in range(4096):  # 4 MiB in all, with no Content-Length
            sent.append(1)
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/v1/decisions",
        content=chunks(),
        headers={**auth(seeded.clerk), "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/content-too-large"
    assert _state(engine) == before


def test_the_calendar_import_keeps_its_own_larger_limit(client: TestClient, seeded: Keys) -> None:
    """A 1.5 MB calendar is over the general 1 MiB limit but within the import's 2 MiB."""
    filler = "DESCRIPTION:" + "x" * 70
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:m{i}@example\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:20300101\r\nSUMMARY:meeting\r\n{filler}\r\nEND:VEVENT\r\n"
        for i in range(9000)
    )
    calendar = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{events}END:VCALENDAR\r\n"
    assert 1024 * 1024 < len(calendar) < 2 * 1024 * 1024

    response = client.post(
        "/v1/elections/import?dry_run=true",
        content=calendar.encode(),
        headers={**auth(seeded.clerk), "Content-Type": "text/calendar"},
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("depth", [100_000, 5_000], ids=["100k-levels", "5k-levels"])
def test_deeply_nested_json_is_a_clear_4xx(
    client: TestClient, engine: Engine, seeded: Keys, depth: int
) -> None:
    before = _state(engine)
    nested = '{"checks": ' + "[" * depth + "]" * depth + "}"

    response = client.post(
        "/v1/decisions",
        content=nested,
        headers={**auth(seeded.clerk), "Content-Type": "application/json"},
    )

    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 400:
        assert response.json()["type"] == "/problems/malformed-body"
        assert "nested too deeply" in response.json()["detail"]
    assert _state(engine) == before


# --- datetimes the calendar cannot hold ---

CAN_PUBLISH = f"/v1/accounts/{TOWN}/can-publish"


@pytest.mark.parametrize(
    "at",
    [
        "2016-12-31T23:59:60Z",  # a real leap second: Python and RFC 3339 parsers differ
        "9999-12-31T23:59:59-14:00",  # in UTC this is year 10000
        "0001-01-01T00:00:00+14:00",  # in UTC this is year 0
        "2027-02-29T12:00:00Z",
        "2029-04-10T09:00:00+01:00:30",  # RFC 3339 offsets are whole minutes
        "2029-04-10T09:00:00\u0000Z",
        "20290410T090000Z",  # ISO 8601 basic format, not RFC 3339
    ],
    ids=[
        "leap-second",
        "year-10000-in-utc",
        "year-0-in-utc",
        "no-such-day",
        "offset-with-seconds",
        "embedded-nul",
        "basic-format",
    ],
)
def test_a_datetime_the_service_cannot_hold_is_422_everywhere(
    client: TestClient, engine: Engine, seeded: Keys, at: str
) -> None:
    before = _state(engine)

    asked = client.get(CAN_PUBLISH, params={"at": at}, headers=auth(seeded.scheduler))
    batch = client.post(
        "/v1/decisions",
        json={"checks": [{"account_id": TOWN, "at": at}]},
        headers=auth(seeded.scheduler),
    )
    window = client.post(
        "/v1/windows", json={**WINDOW, "starts_at": at}, headers=auth(seeded.clerk)
    )
    listed = client.get("/v1/windows", params={"from": at}, headers=auth(seeded.viewer))
    audit = client.get("/v1/audit", params={"since": at}, headers=auth(seeded.auditor))

    assert [r.status_code for r in (asked, batch, window, listed, audit)] == [422] * 5
    assert all(r.headers["content-type"] == "application/problem+json" for r in (asked, window))
    assert _state(engine) == before


# --- query parameters: a misspelt one is refused, not quietly dropped ---


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (CAN_PUBLISH, {"when": "2029-04-20T12:00:00+01:00"}, "when"),
        (CAN_PUBLISH, {"at": "2029-04-20T12:00:00+01:00", "categroy": "emergency"}, "categroy"),
        ("/v1/windows", {"form": "2029-01-01"}, "form"),
        ("/v1/audit", {"acton": "override.grant"}, "acton"),
    ],
    ids=["can-publish-when", "can-publish-categroy", "windows-form", "audit-acton"],
)
def test_an_unknown_query_parameter_is_422_naming_it(
    client: TestClient, seeded: Keys, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(path, params=params, headers=auth(seeded.auditor))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert "is not a query parameter" in response.json()["detail"]


def test_a_calendar_app_may_add_parameters_to_its_feed_url(
    client: TestClient, seeded: Keys
) -> None:
    made = client.post("/v1/feeds/tokens", json={"name": "staff"}, headers=auth(seeded.clerk))
    url = made.json()["url"]

    response = client.get(url, params={"cachebust": "1"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")


@pytest.mark.parametrize("name", ["api_key", "access_token", "key"])
def test_a_key_in_the_query_string_is_not_a_key(
    client: TestClient, seeded: Keys, name: str
) -> None:
    asked = client.get(CAN_PUBLISH, params={name: seeded.scheduler})
    listed = client.get("/v1/accounts", params={name: seeded.scheduler})

    assert asked.status_code == 401  # authentication comes first on can-publish
    assert listed.status_code in (401, 422)
    assert TOWN not in listed.text
    assert seeded.scheduler not in asked.text + listed.text  # a problem never echoes the secret


def test_nothing_from_the_request_is_echoed_into_a_header(client: TestClient, seeded: Keys) -> None:
    """Location is built from validated ids; a CR LF in an id is refused before it gets there."""
    response = client.post(
        "/v1/accounts",
        json={
            "account_id": "x\r\nSet-Cookie: a=b",
            "platform": "x",
            "name": "X",
            "kind": "profile",
            "contact_email": "a@redruth.gov.uk",
            "reason": "r",
        },
        headers={**auth(seeded.clerk), "X-Request-ID": "a b:c"},
    )

    assert response.status_code == 422
    assert "set-cookie" not in response.headers
    assert "x-request-id" not in response.headers


def test_an_ics_of_100000_events_is_413_at_the_default_limits(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    before = _state(engine)
    event = "BEGIN:VEVENT\r\nUID:{n}@x\r\nDTSTART;VALUE=DATE:20290503\r\nEND:VEVENT\r\n"
    calendar = "BEGIN:VCALENDAR\r\n" + "".join(event.format(n=n) for n in range(100_000))

    response = client.post(
        "/v1/elections/import",
        content=(calendar + "END:VCALENDAR\r\n").encode(),
        headers={**auth(seeded.clerk), "Content-Type": "text/calendar"},
    )

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/content-too-large"
    assert _state(engine) == before
