"""
Every problem type of the table (app/api/problem_types.py) is given by the app as deployed:
one request that triggers each, on each database.

`test_every_documented_type_has_a_trigger_here` holds this list to the table, so a type added
to the table without a request that gives it fails; tests/integration/test_problem_table.py holds the
code to the table the other way round.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.api import problem_types
from app.store import queries
from tests.conftest import Keys

from .conftest import Ticker, auth

TOWN = "facebook-redruthtowncouncil"
CAN_PUBLISH = f"/v1/accounts/{TOWN}/can-publish"
WINDOW = {
    "starts_at": "2027-06-01T00:00:00+01:00",
    "ends_at": "2027-06-08T00:00:00+01:00",
    "reason": "Content under review by the Town Clerk",
}


@dataclass
class Context:
    client: TestClient
    keys: Keys
    engine: Engine
    ticker: Ticker
    monkeypatch: pytest.MonkeyPatch


Trigger = Callable[[Context], httpx.Response]


def _clerk(c: Context) -> dict[str, str]:
    return auth(c.keys.clerk)


def _failing(error: Exception) -> Callable[..., object]:
    def fail(*_args: object, **_kwargs: object) -> object:
        raise error

    return fail


def _unreadable_audit_log(c: Context) -> httpx.Response:
    with c.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_event SET at = 'infinity' WHERE seq = 7")
    return c.client.get("/v1/audit", headers=auth(c.keys.auditor))


def _stale_snapshot(path: str) -> Trigger:
    def trigger(c: Context) -> httpx.Response:
        c.ticker.seconds += 3600  # the database has not confirmed the snapshot for an hour
        return c.client.get(path, headers=auth(c.keys.scheduler))

    return trigger


def _failed_authentications(c: Context) -> httpx.Response:
    limit = c.client.app.state.services.settings.auth_failure_limit  # type: ignore[attr-defined]
    for _ in range(limit):
        c.client.get(CAN_PUBLISH, headers=auth("pdh_nobody_wrong"))
    return c.client.get(CAN_PUBLISH, headers=auth("pdh_nobody_wrong"))


def _request(c: Context, key: str) -> str:
    """A request for an event post inside the 3 May 2029 period (referred to the Clerk)."""
    asked = c.client.post(
        "/v1/requests",
        json={
            "account_id": TOWN,
            "at": "2029-04-10T12:00:00+01:00",
            "category": "event",
            "text": "Street fair on Saturday",
        },
        headers=auth(key),
    )
    assert asked.status_code == 201, asked.text
    return str(asked.json()["request_id"])


def _request_moved_twice(c: Context) -> httpx.Response:
    request_id = _request(c, c.keys.scheduler)
    rejected = c.client.post(
        f"/v1/requests/{request_id}/reject", json={"reason": "no"}, headers=_clerk(c)
    )
    assert rejected.status_code == 200, rejected.text
    return c.client.post(
        f"/v1/requests/{request_id}/approve", json={"reason": "yes"}, headers=_clerk(c)
    )


def _request_approved_by_its_requester(c: Context) -> httpx.Response:
    request_id = _request(c, c.keys.clerk)
    return c.client.post(
        f"/v1/requests/{request_id}/approve", json={"reason": "mine"}, headers=_clerk(c)
    )


def _chunked_upload(c: Context) -> httpx.Response:
    def chunks() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.ics"\r\n\r\n'
        yield b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n\r\n--x--\r\n"

    return c.client.post(
        "/v1/elections/import",
        content=chunks(),
        headers=_clerk(c) | {"Content-Type": "multipart/form-data; boundary=x"},
    )


def _changed_since_read(c: Context) -> httpx.Response:
    window_id = c.client.post("/v1/windows", json=WINDOW, headers=_clerk(c)).json()["window_id"]
    return c.client.patch(
        f"/v1/windows/{window_id}",
        json={"ends_at": "2027-06-05T00:00:00+01:00", "change_reason": "finished early"},
        headers=_clerk(c) | {"If-Match": 'W/"not-the-etag"'},
    )


def _twice(c: Context) -> httpx.Response:
    day = {"date": "2029-04-16", "name": "Day of national mourning (appointed)"}
    c.client.post("/v1/dies-non", json=day, headers=_clerk(c))
    return c.client.post("/v1/dies-non", json=day, headers=_clerk(c))


def _broken_database(c: Context) -> httpx.Response:
    lost = OperationalError("SELECT 1", {}, Exception("connection refused"))
    c.monkeypatch.setattr(queries, "list_accounts", _failing(lost))
    return c.client.get("/v1/accounts", headers=auth(c.keys.viewer))


def _bug(c: Context) -> httpx.Response:
    c.monkeypatch.setattr(queries, "list_accounts", _failing(RuntimeError("a bug")))
    return c.client.get("/v1/accounts", headers=auth(c.keys.viewer))


TRIGGERS: dict[str, Trigger] = {
    "validation-error": lambda c: c.client.get(
        CAN_PUBLISH, params={"time": "2029-04-10T09:00:00Z"}, headers=auth(c.keys.scheduler)
    ),
    "naive-datetime": lambda c: c.client.post(
        "/v1/windows", json={**WINDOW, "starts_at": "2027-06-01T00:00:00"}, headers=_clerk(c)
    ),
    "unknown-category": lambda c: c.client.post(
        "/v1/decisions",
        json={"checks": [{"account_id": TOWN, "category": "gossip"}]},
        headers=auth(c.keys.scheduler),
    ),
    "invalid-election-id": lambda c: c.client.post(
        "/v1/elections", json={"election_id": "not-an-election"}, headers=_clerk(c)
    ),
    "invalid-notice-date": lambda c: c.client.patch(
        "/v1/elections/pcc.devon-and-cornwall.2028-05-04",
        json={"notice_published": "2028-05-03", "notice_reason": "typed from the notice"},
        headers=_clerk(c),
    ),
    "unsupported-election": lambda c: c.client.post(
        "/v1/elections", json={"election_id": "parl.2010-05-06"}, headers=_clerk(c)
    ),
    "contradictory-election": lambda c: c.client.post(
        "/v1/elections",
        json={"election_id": "local.cornwall.2029-05-03", "kind": "sp"},
        headers=_clerk(c),
    ),
    "kind-required": lambda c: c.client.post(
        "/v1/elections", json={"election_id": "ref.redruth.2027-06-10"}, headers=_clerk(c)
    ),
    "invalid-change": lambda c: c.client.post(
        "/v1/elections",
        json={"election_id": "ref.cornwall.2026-06-04", "kind": "neighbourhood-referendum"},
        headers=_clerk(c),
    ),
    "official-email-required": lambda c: c.client.post(
        "/v1/accounts",
        json={
            "account_id": "tiktok-redruth",
            "platform": "tiktok",
            "name": "Redruth on TikTok",
            "kind": "profile",
            "contact_email": "someone@example.com",
            "reason": "r",
        },
        headers=_clerk(c),
    ),
    "invalid-calendar": lambda c: c.client.post(
        "/v1/elections/import",
        content=b"<html>502 Bad Gateway</html>",
        headers=_clerk(c) | {"Content-Type": "text/calendar"},
    ),
    "source-unavailable": lambda c: c.client.post(
        "/v1/elections/import", json={"url": "http://127.0.0.1:9/x.ics"}, headers=_clerk(c)
    ),
    "invalid-recurrence": lambda c: c.client.post(
        "/v1/elections/schedules",
        json={
            "name": "Never ending",
            "election_prefix": "parish.redruth",
            "rrule": "FREQ=YEARLY;INTERVAL=4",
            "dtstart": "2029-05-03",
        },
        headers=_clerk(c),
    ),
    "unknown-account": lambda c: c.client.get(
        "/v1/accounts/nobody/can-publish", headers=auth(c.keys.scheduler)
    ),
    "not-found": lambda c: c.client.get("/v1/windows/nope", headers=auth(c.keys.viewer)),
    "illegal-move": lambda c: c.client.post(
        f"/v1/accounts/{TOWN}/approve", json={"reason": "again"}, headers=_clerk(c)
    ),
    "request-conflict": _request_moved_twice,
    "request-move-refused": _request_approved_by_its_requester,
    "already-exists": _twice,
    "audit-log-damaged": _unreadable_audit_log,
    "precondition-failed": _changed_since_read,
    "length-required": _chunked_upload,
    "content-too-large": lambda c: c.client.post(
        "/v1/decisions",
        content=b" " * (2 * 1024 * 1024),
        headers=auth(c.keys.scheduler) | {"Content-Type": "application/json"},
    ),
    "malformed-body": lambda c: c.client.post(
        "/v1/windows",
        content=b'{"reason": }',
        headers=_clerk(c) | {"Content-Type": "application/json"},
    ),
    "repeated-header": lambda c: c.client.get(
        "/v1/windows",
        headers=[("Authorization", f"Bearer {c.keys.clerk}")] * 2,
    ),
    "unsupported-media-type": lambda c: c.client.post(
        "/v1/windows",
        content=b"starts tomorrow",
        headers=_clerk(c) | {"Content-Type": "text/plain"},
    ),
    "unauthorized": lambda c: c.client.get(CAN_PUBLISH),
    "forbidden": lambda c: c.client.post("/v1/windows", json=WINDOW, headers=auth(c.keys.viewer)),
    "method-not-allowed": lambda c: c.client.delete("/v1/policy", headers=_clerk(c)),
    "too-many-requests": _failed_authentications,
    "service-unavailable": _stale_snapshot(CAN_PUBLISH),
    "database-unavailable": _broken_database,
    "not-ready": _stale_snapshot("/readyz"),
    "internal-error": _bug,
}
TYPES = {p.slug: p for p in problem_types.ALL}


def test_every_documented_type_has_a_trigger_here() -> None:
    assert sorted(TRIGGERS) == sorted(TYPES)


@pytest.mark.parametrize("slug", sorted(TYPES), ids=sorted(TYPES))
def test_each_documented_problem_type_is_given_with_its_status(
    client: TestClient,
    seeded: Keys,
    engine: Engine,
    ticker: Ticker,
    monkeypatch: pytest.MonkeyPatch,
    slug: str,
) -> None:
    kind = TYPES[slug]

    response = TRIGGERS[slug](Context(client, seeded, engine, ticker, monkeypatch))

    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    assert (response.status_code, response.json()["type"]) == (kind.status, kind.uri)
    assert (response.json()["status"], response.json()["title"]) == (kind.status, kind.title)


@pytest.mark.parametrize(
    ("params", "slug", "field"),
    [
        ({"at": "2029-04-10T09:00:00"}, "naive-datetime", "at"),
        ({"category": "gossip"}, "unknown-category", "category"),
        ({"at": "10/04/2029"}, "validation-error", "at"),
    ],
    ids=["naive", "unknown-category", "not-rfc3339"],
)
def test_can_publish_names_a_bad_query_with_the_same_types_as_a_body(
    client: TestClient, seeded: Keys, params: dict[str, str], slug: str, field: str
) -> None:
    response = client.get(CAN_PUBLISH, params=params, headers=auth(seeded.scheduler))

    assert (response.status_code, response.json()["type"]) == (422, f"/problems/{slug}")
    assert response.json()["errors"][0]["field"] == field


def test_a_naive_time_in_a_batch_is_a_naive_datetime_naming_the_check(
    client: TestClient, seeded: Keys
) -> None:
    response = client.post(
        "/v1/decisions",
        json={"checks": [{"account_id": TOWN, "at": "2029-04-10T09:00:00"}]},
        headers=auth(seeded.scheduler),
    )

    assert (response.status_code, response.json()["type"]) == (422, "/problems/naive-datetime")
    assert response.json()["errors"][0]["field"] == "checks.0.at"


def test_a_naive_query_time_of_another_operation_is_a_naive_datetime(
    client: TestClient, seeded: Keys
) -> None:
    response = client.get(
        "/v1/audit", params={"since": "2029-04-10T09:00:00"}, headers=auth(seeded.auditor)
    )

    assert (response.status_code, response.json()["type"]) == (422, "/problems/naive-datetime")


def test_errors_of_different_kinds_together_are_a_validation_error(
    client: TestClient, seeded: Keys
) -> None:
    """A naive time beside a missing field is not only a naive-datetime problem."""
    response = client.post(
        "/v1/windows",
        json={"starts_at": "2027-06-01T00:00:00", "ends_at": WINDOW["ends_at"]},
        headers=auth(seeded.clerk),
    )

    assert (response.status_code, response.json()["type"]) == (422, "/problems/validation-error")
    assert {e["field"] for e in response.json()["errors"]} == {"starts_at", "reason"}
