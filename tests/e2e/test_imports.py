"""
Bringing elections in through the API: ICS uploads and URLs, Democracy Club ids, EveryElection
objects and recurring schedules; a dry run first, then one transaction and one audit event.
"""

import contextlib
import http.server
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from tests.conftest import ROOT, Keys, seed_shipped

from .conftest import Clock, auth, started
from .servers import free_port, serve, wait_ready

ICS = ROOT / "tests" / "data" / "ics"
IMPORT = "/v1/elections/import"
BY_ELECTION = "parish.redruth.central.by.2026-02-12"


@pytest.fixture
def importer(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    apps: dict[tuple[str, Engine], FastAPI],
) -> Iterator[TestClient]:
    """The app with small import limits, allowed to fetch from loopback (the test's server)."""
    settings = Settings(
        database_url=database_url,
        policy_dir=ROOT / "policies",
        import_max_bytes=64 * 1024,
        import_max_events=50,
        import_url_timeout=1.0,
        import_allow_private_urls=True,
    )
    with started(apps, settings, engine, clock) as client:
        yield client


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {}

    def do_GET(self) -> None:
        if self.path == "/slow.ics":
            time.sleep(2.5)
        if self.path == "/trickle.ics":  # answers at once, then one byte every 0.4 s
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for _ in range(8):
                    self.wfile.write(b"B")
                    self.wfile.flush()
                    time.sleep(0.4)
            return
        status, media, body = self.routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def calendar_server() -> Iterator[str]:
    """A real HTTP server on loopback serving the fixture calendars."""
    _Handler.routes = {
        "/tr15.ics": (200, "text/calendar", (ICS / "wcivf-tr15-1aa.ics").read_bytes()),
        "/ids.ics": (200, "text/calendar", (ICS / "purdah-ids.ics").read_bytes()),
        "/error.html": (200, "text/html", (ICS / "not-a-calendar.ics").read_bytes()),
        "/slow.ics": (200, "text/calendar", (ICS / "purdah-ids.ics").read_bytes()),
        "/moved.ics": (302, "text/plain", b"/ids.ics"),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _upload(client: TestClient, keys: Keys, name: str, *, data: bytes | None = None, **params: str):  # type: ignore[no-untyped-def]
    body = data if data is not None else (ICS / name).read_bytes()
    return client.post(
        IMPORT,
        params=params,
        files={"file": (name, body, "text/calendar")},
        headers=auth(keys.clerk),
    )


def _audit_count(client: TestClient, keys: Keys) -> int:
    return len(
        client.get("/v1/audit", params={"limit": 500}, headers=auth(keys.auditor)).json()["events"]
    )


def _election(client: TestClient, keys: Keys, election_id: str) -> dict:  # type: ignore[type-arg]
    return client.get(f"/v1/elections/{election_id}", headers=auth(keys.viewer)).json()


def test_a_dry_run_reports_and_writes_nothing(importer: TestClient, seeded: Keys) -> None:
    before = _audit_count(importer, seeded)

    preview = _upload(importer, seeded, "purdah-ids.ics", dry_run="true")

    body = preview.json()
    assert preview.status_code == 200, preview.text
    assert body["dry_run"] is True
    assert [i["election_id"] for i in body["created"]] == [BY_ELECTION]
    assert [i["election_id"] for i in body["unchanged"]] == [
        "local.cornwall.2025-05-01",
        "pcc.devon-and-cornwall.2024-05-02",
    ]
    assert body["skipped"][0]["summary"] == "Full Council meeting"
    assert _audit_count(importer, seeded) == before
    assert _election(importer, seeded, BY_ELECTION)["status"] == 404


def test_an_import_is_one_audit_event_and_its_period_is_enforced(
    importer: TestClient, seeded: Keys
) -> None:
    before = _audit_count(importer, seeded)

    done = _upload(importer, seeded, "purdah-ids.ics")

    events = importer.get(
        "/v1/audit", params={"action": "election.import"}, headers=auth(seeded.auditor)
    ).json()["events"]
    assert done.status_code == 200, done.text
    assert _audit_count(importer, seeded) == before + 1
    assert events[0]["after"]["created"] == [BY_ELECTION]
    assert _election(importer, seeded, BY_ELECTION)["restricted_period"]["ends_at"] == (
        "2026-02-12T22:00:00Z"
    )


def test_importing_the_same_source_twice_changes_nothing(
    importer: TestClient, seeded: Keys
) -> None:
    _upload(importer, seeded, "purdah-ids.ics")
    before = _audit_count(importer, seeded)
    feed = importer.get("/v1/feeds/restrictions.ics", headers=auth(seeded.viewer))

    again = _upload(importer, seeded, "purdah-ids.ics")

    assert (again.json()["created"], again.json()["changed"]) == ([], [])
    assert _audit_count(importer, seeded) == before
    assert (
        importer.get(
            "/v1/feeds/restrictions.ics",
            headers=auth(seeded.viewer) | {"If-None-Match": feed.headers["etag"]},
        ).status_code
        == 304
    )


def test_a_whocanivotefor_feed_is_read_and_its_hustings_skipped(
    importer: TestClient, seeded: Keys
) -> None:
    response = _upload(importer, seeded, "wcivf-tr15-1aa.ics")

    body = response.json()
    assert response.status_code == 200, response.text
    assert sorted(i["election_id"] for i in body["unchanged"]) == [
        "local.cornwall.2025-05-01",
        "parl.2024-07-04",
        "pcc.devon-and-cornwall.2024-05-02",
    ]
    assert [i["reason"][:15] for i in body["skipped"]] == ["not an election"] * 2


def test_a_cancellation_from_a_source_keeps_the_period(importer: TestClient, seeded: Keys) -> None:
    _upload(importer, seeded, "purdah-ids.ics")
    period = _election(importer, seeded, BY_ELECTION)["restricted_period"]

    cancelled = _upload(importer, seeded, "cancelled.ics")

    after = _election(importer, seeded, BY_ELECTION)
    assert [i["election_id"] for i in cancelled.json()["changed"]] == [BY_ELECTION]
    assert after["status"] == "cancelled"
    assert after["status_reason"]
    # only the Clerk lifts a period (DESIGN section 2)
    assert (after["restricted_period"]["starts_at"], after["restricted_period"]["ends_at"]) == (
        period["starts_at"],
        period["ends_at"],
    )


def test_plain_polling_days_need_the_clerk_to_confirm_a_kind(
    importer: TestClient, seeded: Keys
) -> None:
    unconfirmed = _upload(importer, seeded, "plain-polling-days.ics")
    confirmed = _upload(importer, seeded, "plain-polling-days.ics", kind="parish")

    assert unconfirmed.json()["created"] == []
    assert "confirm it with `kind`" in unconfirmed.json()["skipped"][0]["reason"]
    assert [i["election_id"] for i in confirmed.json()["created"]] == ["parish.redruth.2026-02-12"]


def test_a_plain_polling_day_that_moves_makes_a_new_election_and_cancels_the_old(
    importer: TestClient, seeded: Keys
) -> None:
    original = (ICS / "plain-polling-days.ics").read_bytes()
    _upload(importer, seeded, "plain-polling-days.ics", kind="parish")
    moved = original.replace(b"20260212", b"20260219").replace(b"20260213", b"20260220")

    response = _upload(importer, seeded, "plain-polling-days.ics", data=moved, kind="parish")

    body = response.json()
    assert [(i["election_id"], i.get("replaces")) for i in body["created"]] == [
        ("parish.redruth.2026-02-19", "parish.redruth.2026-02-12")
    ]
    old = _election(importer, seeded, "parish.redruth.2026-02-12")
    assert old["status"] == "cancelled"
    assert old["restricted_period"] is not None


def test_democracy_club_ids_are_imported_with_their_kinds(
    importer: TestClient, seeded: Keys
) -> None:
    response = importer.post(
        IMPORT,
        json={
            "election_ids": ["parish.redruth.2033-05-05", "local.cornwall.2029-05-03", "nonsense"]
        },
        headers=auth(seeded.clerk),
    )

    body = response.json()
    assert response.status_code == 200, response.text
    assert [(i["election_id"], i["kind"]) for i in body["created"]] == [
        ("parish.redruth.2033-05-05", "parish")
    ]
    assert [i["election_id"] for i in body["unchanged"]] == ["local.cornwall.2029-05-03"]
    assert body["rejected"][0]["where"] == "election_ids[2]"


def test_an_election_that_does_not_affect_the_council_is_skipped(
    importer: TestClient, seeded: Keys
) -> None:
    response = importer.post(
        IMPORT, json={"election_ids": ["local.bristol.2029-05-03"]}, headers=auth(seeded.clerk)
    )

    assert response.json()["skipped"][0]["reason"].startswith(
        "does not affect Redruth Town Council"
    )


def test_everyelection_objects_with_a_replacement_cancel_the_old_poll_and_add_the_new(
    importer: TestClient, seeded: Keys
) -> None:
    old = "local.cornwall.redruth-north.by.2026-04-16"
    new = "local.cornwall.redruth-north.by.2026-05-28"
    importer.post(IMPORT, json={"election_ids": [old]}, headers=auth(seeded.clerk))
    pasted = [
        {
            "election_id": old,
            "poll_open_date": "2026-04-16",
            "election_type": {"election_type": "local", "name": "Local elections"},
            "cancelled": True,
            "cancellation_reason": "CANDIDATE_DEATH",
            "replaced_by": new,
            "current": False,
        },
        {
            "election_id": new,
            "poll_open_date": "2026-05-28",
            "election_type": {"election_type": "local", "name": "Local elections"},
            "cancelled": False,
            "cancellation_reason": None,
            "replaced_by": None,
        },
    ]

    response = importer.post(IMPORT, json={"elections": pasted}, headers=auth(seeded.clerk))

    body = response.json()
    assert response.status_code == 200, response.text
    assert [i["election_id"] for i in body["created"]] == [new]
    assert [i["election_id"] for i in body["changed"]] == [old]
    assert "replaced by" in _election(importer, seeded, old)["status_reason"]
    assert _election(importer, seeded, old)["restricted_period"] is not None


def test_a_calendar_url_is_fetched_by_the_server(
    importer: TestClient, seeded: Keys, calendar_server: str
) -> None:
    response = importer.post(
        IMPORT, json={"url": f"{calendar_server}/moved.ics"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 200, response.text
    assert [i["election_id"] for i in response.json()["created"]] == [BY_ELECTION]


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/missing.ics", 422, "answered 404"),
        ("/slow.ics", 422, "no answer within 1 s"),
        ("/trickle.ics", 422, "no answer within 1 s"),
        ("/error.html", 422, "not an iCalendar file"),
    ],
    ids=["404", "timeout", "trickle", "not-a-calendar"],
)
def test_a_url_that_fails_is_a_clear_error_and_nothing_is_written(
    importer: TestClient, seeded: Keys, calendar_server: str, path: str, status: int, says: str
) -> None:
    before = _audit_count(importer, seeded)

    response = importer.post(
        IMPORT, json={"url": f"{calendar_server}{path}"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]
    assert _audit_count(importer, seeded) == before


def test_a_private_address_is_refused_unless_the_setting_allows_it(
    client: TestClient, seeded: Keys, calendar_server: str
) -> None:
    response = client.post(
        IMPORT, json={"url": f"{calendar_server}/ids.ics"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    assert "private or local address" in response.json()["detail"]


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",
        "64:ff9b:1::a00:1",
        "2002:7f00:1::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    ],
    ids=["nat64-loopback", "nat64-local-use", "6to4-loopback", "teredo"],
)
def test_a_url_at_an_address_that_reaches_ipv4_through_a_relay_is_refused(
    client: TestClient, seeded: Keys, address: str
) -> None:
    """Issue 13 item 8: these passed the check, and 64:ff9b::7f00:1 is 127.0.0.1 via NAT64."""
    response = client.post(
        IMPORT, json={"url": f"http://[{address}]/calendar.ics"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    assert "private or local address" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/x.ics", "http://user:pw@example.org/x.ics"],
    ids=["file", "ftp", "credentials"],
)
def test_urls_that_are_not_plain_http_are_refused(
    client: TestClient, seeded: Keys, url: str
) -> None:
    response = client.post(IMPORT, json={"url": url}, headers=auth(seeded.clerk))

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("not-a-calendar.ics", "line 1"),
        ("truncated.ics", "line 40"),
        ("unterminated-vevent.ics", "line 20"),
        ("unknown-tzid.ics", "line 32"),
        ("bad-date.ics", "line 17"),
    ],
    ids=["not-ics", "truncated", "unterminated-vevent", "unknown-tzid", "bad-date"],
)
def test_a_broken_file_is_a_problem_naming_the_line_and_nothing_is_written(
    importer: TestClient, seeded: Keys, name: str, line: str
) -> None:
    before = _audit_count(importer, seeded)

    response = _upload(importer, seeded, name)

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-calendar"
    assert response.json()["errors"][0]["field"] == line
    assert _audit_count(importer, seeded) == before


def test_an_oversized_upload_is_413(importer: TestClient, seeded: Keys) -> None:
    response = _upload(importer, seeded, "big.ics", data=b"BEGIN:VCALENDAR\r\n" + b"X" * 200_000)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_more_events_than_the_limit_is_413(importer: TestClient, seeded: Keys) -> None:
    event = b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20290503\r\nEND:VEVENT\r\n"

    response = _upload(
        importer,
        seeded,
        "many.ics",
        data=b"BEGIN:VCALENDAR\r\n" + event * 51 + b"END:VCALENDAR\r\n",
    )

    assert response.status_code == 413
    assert "more than 50 events" in response.json()["detail"]


def test_a_raw_text_calendar_body_is_accepted(importer: TestClient, seeded: Keys) -> None:
    response = importer.post(
        IMPORT,
        params={"dry_run": "true"},
        content=(ICS / "purdah-ids.ics").read_bytes(),
        headers=auth(seeded.clerk) | {"Content-Type": "text/calendar"},
    )

    assert response.status_code == 200, response.text
    assert [i["election_id"] for i in response.json()["created"]] == [BY_ELECTION]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"election_ids": ["a"], "url": "https://example.org/x.ics"}, "body"),
        ({"elections": [{"poll_open_date": "2026-01-01"}]}, "elections[0].election_id"),
        (
            {"elections": [{"election_id": "parl.2029-05-03", "poll_open_date": "3 May"}]},
            "elections[0].poll_open_date",
        ),
    ],
    ids=["no-source", "two-sources", "no-id", "bad-date"],
)
def test_a_bad_json_source_names_the_field(
    importer: TestClient, seeded: Keys, body: dict, field: str
) -> None:  # type: ignore[type-arg]
    response = importer.post(IMPORT, json=body, headers=auth(seeded.clerk))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_an_unsupported_content_type_is_415(importer: TestClient, seeded: Keys) -> None:
    response = importer.post(
        IMPORT, content=b"<xml/>", headers=auth(seeded.clerk) | {"Content-Type": "application/xml"}
    )

    assert response.status_code == 415


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_the_clerk_imports(importer: TestClient, seeded: Keys, role: str) -> None:
    response = importer.post(
        IMPORT, json={"election_ids": ["parish.redruth.2033-05-05"]}, headers=auth(seeded.of(role))
    )

    assert response.status_code == 403


SCHEDULE = {
    "name": "Redruth Town Council ordinary elections",
    "election_prefix": "parish.redruth",
    "rrule": "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH;UNTIL=20450601",
    "dtstart": "2029-05-03",
}


def test_a_schedule_creates_its_elections_up_to_the_horizon(
    importer: TestClient, seeded: Keys
) -> None:
    made = importer.post("/v1/elections/schedules", json=SCHEDULE, headers=auth(seeded.clerk))

    body = made.json()
    assert made.status_code == 201, made.text
    assert body["horizon_until"] == "2036-11-24"  # ten years from the test clock's today
    assert [i["election_id"] for i in body["elections"]["created"]] == ["parish.redruth.2033-05-05"]
    assert [i["election_id"] for i in body["elections"]["unchanged"]] == [
        "parish.redruth.2029-05-03"
    ]
    assert _election(importer, seeded, "parish.redruth.2033-05-05")["source"].startswith("schedule")
    listed = importer.get("/v1/elections/schedules", headers=auth(seeded.viewer)).json()
    assert [s["schedule_id"] for s in listed] == [body["schedule_id"]]


def test_a_moved_poll_in_a_schedule_is_an_exception_and_a_one_off(
    importer: TestClient, seeded: Keys
) -> None:
    moved = SCHEDULE | {"exdates": ["2033-05-05"], "rdates": ["2033-05-19"]}

    made = importer.post("/v1/elections/schedules", json=moved, headers=auth(seeded.clerk))

    assert [i["election_id"] for i in made.json()["elections"]["created"]] == [
        "parish.redruth.2033-05-19"
    ]
    assert _election(importer, seeded, "parish.redruth.2033-05-05")["status"] == 404


def test_a_scheduled_election_is_editable_like_any_other(
    importer: TestClient, seeded: Keys
) -> None:
    importer.post("/v1/elections/schedules", json=SCHEDULE, headers=auth(seeded.clerk))

    edited = importer.patch(
        "/v1/elections/parish.redruth.2033-05-05",
        json={
            "notice_published": "2033-03-18",
            "notice_reason": "published by the returning officer",
        },
        headers=auth(seeded.clerk),
    )

    assert edited.status_code == 200, edited.text
    assert edited.json()["restricted_period"]["starts_at"] == "2033-03-18T00:00:00Z"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rrule": "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH"}, "rrule"),
        ({"election_prefix": "local.bristol"}, "election_prefix"),
        ({"dtstart": "2029-13-01"}, "dtstart"),
        ({"name": ""}, "name"),
    ],
    ids=["no-end", "not-ours", "bad-date", "no-name"],
)
def test_a_bad_schedule_is_refused_and_nothing_written(
    importer: TestClient,
    seeded: Keys,
    change: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    before = _audit_count(importer, seeded)

    response = importer.post(
        "/v1/elections/schedules", json=SCHEDULE | change, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert _audit_count(importer, seeded) == before


def test_a_dry_run_schedule_writes_nothing(importer: TestClient, seeded: Keys) -> None:
    response = importer.post(
        "/v1/elections/schedules",
        params={"dry_run": "true"},
        json=SCHEDULE,
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 200
    assert response.json()["elections"]["dry_run"] is True
    assert importer.get("/v1/elections/schedules", headers=auth(seeded.viewer)).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://example.org:99999/x.ics"}, "url"),
        ({"url": "http://[::1/x.ics"}, "url"),
        (
            {
                "elections": [
                    {
                        "election_id": "parl.2029-05-03",
                        "cancelled": True,
                        "cancellation_reason": {"x": 1},
                    }
                ]
            },
            "elections[0].cancellation_reason",
        ),
        (
            {"elections": [{"election_id": "parl.2029-05-03", "cancelled": "false"}]},
            "elections[0].cancelled",
        ),
        ({"elections": [{"election_id": 42}]}, "elections[0].election_id"),
        (
            {"elections": [{"election_id": "parl.2029-05-03", "election_type": ["parl"]}]},
            "elections[0].election_type",
        ),
    ],
    ids=[
        "port-out-of-range",
        "broken-ipv6",
        "reason-object",
        "cancelled-text",
        "id-number",
        "type-list",
    ],
)
def test_hostile_json_sources_are_422_naming_the_field(
    importer: TestClient,
    seeded: Keys,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    before = _audit_count(importer, seeded)

    response = importer.post(IMPORT, json=body, headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert _audit_count(importer, seeded) == before


def test_a_chunked_upload_without_a_length_is_411(importer: TestClient, seeded: Keys) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.ics"\r\n\r\n'
        yield (ICS / "purdah-ids.ics").read_bytes()
        yield b"\r\n--x--\r\n"

    response = importer.post(
        IMPORT,
        content=chunks(),
        headers=auth(seeded.clerk) | {"Content-Type": "multipart/form-data; boundary=x"},
    )

    assert response.status_code == 411
    assert response.headers["content-type"] == "application/problem+json"


def test_an_event_that_only_mentions_an_election_on_another_day_is_not_a_moved_poll(
    importer: TestClient, seeded: Keys
) -> None:
    notice = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:notice-1@redruth\r\n"
        b"DTSTART;VALUE=DATE:20290320\r\nSUMMARY:Notice of election published\r\n"
        b"CATEGORIES:parish.redruth.2029-05-03\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    response = _upload(importer, seeded, "notice.ics", data=notice)

    body = response.json()
    assert (body["created"], body["changed"]) == ([], [])
    assert "not its poll" in body["skipped"][0]["reason"]
    assert _election(importer, seeded, "parish.redruth.2029-05-03")["status"] == "scheduled"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rrule": "FREQ=YEARLY;COUNT=3;BYDAY=99TH"}, "rrule"),
        ({"rrule": "FREQ=YEARLY;INTERVAL=0;COUNT=3"}, "rrule"),
        ({"name": "x" * 201}, "name"),
        ({"election_prefix": "parish.redruth.central"}, "election_prefix"),
    ],
    ids=["byday-out-of-range", "interval-zero", "name-too-long", "ward-prefix"],
)
def test_hostile_schedules_are_422_naming_the_field(
    importer: TestClient,
    seeded: Keys,
    change: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    response = importer.post(
        "/v1/elections/schedules", json=SCHEDULE | change, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_a_schedule_made_on_29_february_has_a_horizon(
    importer: TestClient, seeded: Keys, clock: Clock
) -> None:
    clock.now = clock.now.replace(year=2028, month=2, day=29)

    made = importer.post("/v1/elections/schedules", json=SCHEDULE, headers=auth(seeded.clerk))

    assert made.status_code == 201, made.text
    assert made.json()["horizon_until"] == "2038-02-28"


def _zone_calendar(rule: str) -> bytes:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//EN",
        "BEGIN:VTIMEZONE", "TZID:Bomb",
        "BEGIN:STANDARD", "DTSTART:16010101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000",
        f"RRULE:{rule}", "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:1@hostile", "DTSTAMP:20250101T000000Z",
        "DTSTART;TZID=Bomb:20290503T070000", "SUMMARY:Polling day parish.redruth.2029-05-03",
        "END:VEVENT", "END:VCALENDAR", "",
    ]  # fmt: skip
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",  # from 1601 to now: ten billion transitions
        "FREQ=DAILY;INTERVAL=1",
        "FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10;BYHOUR=1,2,3",
    ],
    ids=["secondly", "daily", "yearly-with-thousands-a-year"],
)
def test_a_vtimezone_bomb_is_refused_at_once_and_nothing_is_written(
    importer: TestClient, seeded: Keys, rule: str
) -> None:
    """Found in review: a SECONDLY rule in a VTIMEZONE pinned the worker for minutes."""
    before = _audit_count(importer, seeded)
    began = time.perf_counter()

    response = _upload(importer, seeded, "bomb.ics", data=_zone_calendar(rule))

    assert time.perf_counter() - began < 5
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-calendar"
    assert response.json()["errors"][0]["field"] == "line 10"
    assert "time zone" in response.json()["errors"][0]["message"]
    assert _audit_count(importer, seeded) == before


def test_a_real_time_zone_rule_is_still_read(importer: TestClient, seeded: Keys) -> None:
    """Outlook's rule for UK time: the last Sunday of March and of October."""
    calendar = _zone_calendar("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10")

    response = _upload(importer, seeded, "outlook.ics", data=calendar, dry_run="true")

    assert response.status_code == 200, response.text


# Reference election: local.cornwall.2029-05-03 (latest notice Tuesday 27 March 2029, with Easter)
LATE_NOTICE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:late-notice@redruth\r\n"
    b"DTSTART;VALUE=DATE:20290503\r\nSUMMARY:Polling day\r\n"
    b"CATEGORIES:parish.redruth.north.by.2029-05-03\r\n"
    b"X-PURDAH-NOTICE-PUBLISHED:2029-04-30\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.mark.parametrize("dry_run", ["true", "false"], ids=["dry-run", "real-run"])
def test_an_imported_notice_after_the_statutory_latest_day_is_rejected(
    importer: TestClient, seeded: Keys, dry_run: str
) -> None:
    before = _audit_count(importer, seeded)

    response = _upload(importer, seeded, "late.ics", data=LATE_NOTICE, dry_run=dry_run)

    body = response.json()
    assert response.status_code == 200, response.text
    assert body["created"] == []
    assert "outside the days the law allows" in body["rejected"][0]["reason"]
    assert _election(importer, seeded, "parish.redruth.north.by.2029-05-03")["status"] == 404
    assert _audit_count(importer, seeded) == before


def _rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.server
@pytest.mark.parametrize(
    "name", ["bomb-2-zones.ics", "bomb-8-zones.ics"], ids=["2-zones", "8-zones"]
)
def test_a_time_zone_bomb_is_refused_at_once_and_a_real_server_keeps_no_memory(
    shared_url: str, tmp_path: Path, name: str
) -> None:
    """Issue 13 item 4: the 2-zone file took 7 s and kept 210 MB; 8 zones, 43 s and 860 MB."""
    headers = auth(seed_shipped(shared_url))
    port = free_port()
    log = tmp_path / "server.log"
    server = serve(shared_url, port, log)
    try:
        wait_ready(port, server, log)
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
        ) as client:
            warm = client.post(  # the first import loads what every import needs
                IMPORT,
                params={"dry_run": "true"},
                files={"file": ("ids.ics", (ICS / "purdah-ids.ics").read_bytes(), "text/calendar")},
            )
            before = _rss_bytes(server.pid)
            began = time.perf_counter()

            response = client.post(
                IMPORT, files={"file": (name, (ICS / name).read_bytes(), "text/calendar")}
            )

            took = time.perf_counter() - began
            grew = _rss_bytes(server.pid) - before
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert warm.status_code == 200, warm.text
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-calendar"
    assert "changes to work out" in response.json()["errors"][0]["message"]
    assert took < 1.0
    assert grew < 20 * 2**20
