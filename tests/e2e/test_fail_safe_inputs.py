"""
Issue 13, items 7 and 8: no input is a 500, stored as it came, or quietly half-read.

Control characters in paths, query strings, bodies and imported calendars; repeated query
parameters; date-times that are not RFC 3339. On SQLite and PostgreSQL.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.store.tables import ManualWindowRow
from tests.conftest import ROOT, Keys

from .conftest import PROPOSED_ACCOUNT, Clock, auth
from .test_resources import _state

TOWN = "facebook-redruthtowncouncil"
CAN_PUBLISH = f"/v1/accounts/{TOWN}/can-publish"
AT = "2029-04-10T09:00:00+01:00"
WINDOW = {"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2027-01-02T00:00:00Z", "reason": "x"}
OVERRIDE = {
    "account_id": TOWN,
    "starts_at": "2029-04-09T09:00:00+01:00",
    "ends_at": "2029-04-12T17:00:00+01:00",
    "reason": "x",
}


# --- control characters in a path: 404, never a 500 (PostgreSQL cannot hold a NUL) ---


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/v1/accounts/a%00b/can-publish", "viewer"),
        ("HEAD", "/v1/accounts/a%00b/can-publish", "scheduler"),
        ("GET", "/v1/accounts/a%00b", "viewer"),
        ("GET", "/v1/elections/local.cornwall.2029-05-03%00", "viewer"),
        ("GET", "/v1/windows/a%00b", "viewer"),
        ("POST", "/v1/overrides/a%00b/confirm", "clerk"),
        ("POST", "/v1/accounts/a%07b/approve", "clerk"),
        ("GET", "/v1/feeds/pft_a%0Db.ics", "viewer"),
    ],
    ids=[
        "can-publish-nul",
        "can-publish-head-nul",
        "account-nul",
        "election-nul",
        "window-nul",
        "confirm-override-nul",
        "approve-account-bel",
        "feed-token-cr",
    ],
)
def test_a_control_character_in_a_path_is_404(
    client: TestClient, engine: Engine, seeded: Keys, method: str, path: str, role: str
) -> None:
    before = _state(engine)

    response = client.request(method, path, json={"reason": "r"}, headers=auth(seeded.of(role)))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    if method != "HEAD":
        assert response.json()["type"] == "/problems/not-found"
        assert "U+00" in response.json()["detail"]
    assert _state(engine) == before


# --- control characters in a query string: 422 naming the parameter ---


@pytest.mark.parametrize(
    ("path", "query", "field", "role"),
    [
        (CAN_PUBLISH, "at=2025-01-01T00:00:00%00Z", "at", "scheduler"),
        (CAN_PUBLISH, "category=general%00", "category", "scheduler"),
        ("/v1/overrides", "account_id=a%00b", "account_id", "viewer"),
        ("/v1/windows", "account_id=a%00b", "account_id", "viewer"),
        ("/v1/audit", "action=a%00b", "action", "auditor"),
        ("/v1/audit", "target=a%00b", "target", "auditor"),
        ("/v1/audit", "actor=a%07b", "actor", "auditor"),
        ("/v1/audit", "since=2025-01-01T00:00:00%00Z", "since", "auditor"),
        ("/v1/elections", "status=held%0A", "status", "viewer"),
    ],
    ids=[
        "can-publish-at",
        "can-publish-category",
        "overrides-account",
        "windows-account",
        "audit-action",
        "audit-target",
        "audit-actor-bel",
        "audit-since",
        "elections-status-lf",
    ],
)
def test_a_control_character_in_a_query_is_422_naming_it(
    client: TestClient, seeded: Keys, path: str, query: str, field: str, role: str
) -> None:
    response = client.get(f"{path}?{query}", headers=auth(seeded.of(role)))

    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-error"
    assert response.json()["errors"][0] == {
        "field": field,
        "location": "query",
        "message": response.json()["errors"][0]["message"],
    }
    assert "control character" in response.json()["detail"]


def test_a_control_character_in_a_query_parameters_name_is_shown_escaped(
    client: TestClient, seeded: Keys
) -> None:
    response = client.get("/v1/accounts?a%00b=1", headers=auth(seeded.viewer))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "a\\x00b"


# --- control characters in a body: 422 naming the field, nothing written ---


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/v1/accounts", {**PROPOSED_ACCOUNT, "name": "Redruth\u0007"}, "name"),
        ("POST", "/v1/accounts", {**PROPOSED_ACCOUNT, "handle": "@redruth\r\nX-Evil: 1"}, "handle"),
        ("POST", "/v1/accounts", {**PROPOSED_ACCOUNT, "contact_email": "a@redruth.gov.uk\u0000"}, "contact_email"),
        ("POST", "/v1/accounts", {**PROPOSED_ACCOUNT, "reason": "why\u0000"}, "reason"),
        ("POST", "/v1/elections", {"election_id": "parish.redruth.by.2031-05-01", "source": "a\u0000"}, "source"),
        ("POST", "/v1/elections", {"election_id": "parish.redruth\u0000.2031-05-01"}, "election_id"),
        ("PATCH", "/v1/elections/parish.redruth.2029-05-03", {"status": "held", "status_reason": "x\u001b[2J"}, "status_reason"),
        ("POST", "/v1/windows", {**WINDOW, "reason": "carriage\rreturn"}, "reason"),
        ("POST", "/v1/windows", {**WINDOW, "account_ids": ["a\u0000"]}, "account_ids.0"),
        ("POST", "/v1/overrides", {**OVERRIDE, "account_id": f"{TOWN}\u0000"}, "account_id"),
        ("POST", f"/v1/accounts/{TOWN}/suspend", {"reason": "\u0000"}, "reason"),
        ("POST", "/v1/dies-non", {"date": "2029-04-16", "name": "Mourning\nDay"}, "name"),
        ("POST", "/v1/feeds/tokens", {"name": "Office\u0085"}, "name"),
        ("POST", "/v1/elections/import", {"election_ids": ["local.cornwall.2029-05-03\u0000"]}, "election_ids"),
        ("POST", "/v1/elections/import", {"elections": [{"election_id": "x", "name": "\u0007"}]}, "elections"),
        ("POST", "/v1/decisions", {"checks": [{"account_id": f"{TOWN}\u0000", "at": AT}]}, "checks.0.account_id"),
    ],
    ids=[
        "account-name-bel",
        "account-handle-crlf",
        "account-email-nul",
        "account-reason-nul",
        "election-source-nul",
        "election-id-nul",
        "election-status-reason-esc",
        "window-reason-cr",
        "window-account-ids-nul",
        "override-account-nul",
        "suspend-reason-nul",
        "dies-non-name-lf",
        "feed-token-name-nel",
        "import-ids-nul",
        "import-everyelection-bel",
        "batch-account-nul",
    ],
)  # fmt: skip
def test_a_control_character_in_a_body_is_422_naming_the_field(
    client: TestClient,
    engine: Engine,
    seeded: Keys,
    method: str,
    path: str,
    body: dict[str, object],
    field: str,
) -> None:
    before = _state(engine)

    response = client.request(method, path, json=body, headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-error"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert _state(engine) == before


def test_a_reason_keeps_its_line_feeds_and_tabs(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    reason = "Content under review:\n\t- the Mayor's posts\n\t- the events page"

    made = client.post("/v1/windows", json={**WINDOW, "reason": reason}, headers=auth(seeded.clerk))

    assert made.status_code == 201, made.text
    with Session(engine) as session:
        stored = session.execute(select(ManualWindowRow.reason)).scalar_one()
    assert stored == reason


# --- an imported calendar: its text is checked before the dry run as before the real run ---


def _calendar(event: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "DTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20310501\r\n"
        f"{event}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ("UID:a@x\r\nSUMMARY:Polling day\x07\r\nX-PURDAH-ELECTION-ID:parish.redruth.2031-05-01\r\n", "summary"),
        ("UID:a@x\r\nSUMMARY:Polling day\r\nDESCRIPTION:parish.redruth.2031-05-01\x00\r\n", "description"),
        ("UID:a\x1b@x\r\nSUMMARY:Polling day\r\nX-PURDAH-ELECTION-ID:parish.redruth.2031-05-01\r\n", "uid"),
        ("UID:a@x\r\nSUMMARY:Polling day\\ntwo lines\r\nX-PURDAH-ELECTION-ID:parish.redruth.2031-05-01\r\n", "summary"),
    ],
    ids=["summary-bel", "description-nul", "uid-esc", "summary-line-feed"],
)  # fmt: skip
@pytest.mark.parametrize("dry_run", ["true", "false"], ids=["dry-run", "real-run"])
def test_a_calendar_whose_text_holds_a_control_character_is_refused(
    client: TestClient, engine: Engine, seeded: Keys, event: str, field: str, dry_run: str
) -> None:
    before = _state(engine)

    response = client.post(
        f"/v1/elections/import?dry_run={dry_run}",
        content=_calendar(event),
        headers={**auth(seeded.clerk), "Content-Type": "text/calendar"},
    )

    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/invalid-calendar"
    assert response.json()["errors"][0]["field"] == "line 4"
    assert response.json()["errors"][0]["message"].startswith(f"{field} holds the control")
    assert _state(engine) == before


def test_a_calendar_description_may_hold_line_breaks(client: TestClient, seeded: Keys) -> None:
    event = (
        "UID:a@x\r\nSUMMARY:Polling day\r\n"
        "DESCRIPTION:Town council election\\nparish.redruth.2031-05-01\r\n"
    )

    response = client.post(
        "/v1/elections/import?dry_run=true",
        content=_calendar(event),
        headers={**auth(seeded.clerk), "Content-Type": "text/calendar"},
    )

    assert response.status_code == 200, response.text
    assert [c["election_id"] for c in response.json()["created"]] == ["parish.redruth.2031-05-01"]


# --- repeated query parameters and date-times that are not RFC 3339 ---


@pytest.mark.parametrize(
    ("path", "query", "field", "role"),
    [
        (CAN_PUBLISH, f"at={AT}&at=2025-01-01T00:00:00Z", "at", "scheduler"),
        (CAN_PUBLISH, "category=general&category=emergency", "category", "scheduler"),
        ("/v1/windows", "from=2029-01-01&from=2030-01-01", "from", "viewer"),
        ("/v1/audit", "limit=1&limit=1000", "limit", "auditor"),
        ("/v1/overrides", "active=true&active=false", "active", "viewer"),
    ],
    ids=[
        "can-publish-at",
        "can-publish-category",
        "windows-from",
        "audit-limit",
        "overrides-active",
    ],
)
def test_a_repeated_query_parameter_is_422_naming_it(
    client: TestClient, seeded: Keys, path: str, query: str, field: str, role: str
) -> None:
    response = client.get(f"{path}?{query.replace('+', '%2B')}", headers=auth(seeded.of(role)))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert "more than once" in response.json()["detail"]


@pytest.fixture
def routed(engine: Engine, database_url: str, seeded: Keys, clock: Clock) -> Iterator[TestClient]:
    """The app without its can-publish fast path: the documented FastAPI route answers."""
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    app.fast_path = False
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "query",
    [
        {"at": "2029-04-10T09:00:00+01:00:30"},
        {"at": "2029-04-10T09:00:00+0100"},
        {"at": "2029-04-10t08:00:00z"},
        {"at": "2029-04-10T09:00"},
        {"at": "2016-12-31T23:59:60Z"},
    ],
    ids=["offset-with-seconds", "offset-without-colon", "lower-case", "naive", "leap-second"],
)
def test_the_fast_path_and_the_route_give_the_same_answer(
    client: TestClient, routed: TestClient, seeded: Keys, query: dict[str, str]
) -> None:
    fast = client.get(CAN_PUBLISH, params=query, headers=auth(seeded.scheduler))
    slow = routed.get(CAN_PUBLISH, params=query, headers=auth(seeded.scheduler))

    assert fast.status_code == slow.status_code
    assert fast.json().get("errors") == slow.json().get("errors")
    assert fast.json().get("outcome") == slow.json().get("outcome")
