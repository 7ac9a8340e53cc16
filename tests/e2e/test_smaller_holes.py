"""
Issue 13, item 8: the smaller holes, each a 4xx or a fix. On SQLite and PostgreSQL.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.store.tables import AccountRow
from tests.conftest import Keys

from .conftest import PROPOSED_ACCOUNT, auth
from .test_organisations import platform  # noqa: F401 - the operator's app, a fixture
from .test_resources import _state


def test_readyz_names_no_council(client: TestClient, seeded: Keys) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["organisations"] == 1
    assert "redruth" not in response.text.lower()


def test_an_address_with_two_at_signs_is_not_official(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    before = _state(engine)

    response = client.post(
        "/v1/accounts",
        json={**PROPOSED_ACCOUNT, "contact_email": "attacker@gmail.com@redruth.gov.uk"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/official-email-required"
    assert "is not an email address" in response.json()["detail"]
    assert _state(engine) == before


def test_an_official_address_is_stored_normalised(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    made = client.post(
        "/v1/accounts",
        json={**PROPOSED_ACCOUNT, "contact_email": " Comms@REDRUTH.gov.uk "},
        headers=auth(seeded.clerk),
    )

    assert made.status_code == 201, made.text
    with Session(engine) as session:
        row = session.get(AccountRow, ("redruth", "tiktok-redruth"))
    assert row is not None
    assert row.contact_email == "comms@redruth.gov.uk"


def test_councils_added_at_once_give_one_201_and_the_rest_409(
    platform: tuple[TestClient, str],  # noqa: F811 - the imported fixture
) -> None:
    client, operator = platform
    start = threading.Barrier(4)

    def add(_: int) -> int:
        start.wait()
        response = client.post(
            "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(operator)
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(add, range(4)))

    assert sorted(statuses) == [201, 409, 409, 409]


def test_a_council_added_through_the_api_is_audited_as_the_operator(
    platform: tuple[TestClient, str],  # noqa: F811 - the imported fixture
) -> None:
    client, operator = platform
    made = client.post(
        "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(operator)
    )
    penryn_clerk = made.json()["first_clerk_key"]

    events = client.get("/v1/audit", headers=auth(penryn_clerk)).json()["events"]

    key_id = operator.split("_")[1]
    assert events[0]["action"] == "organisation.create"
    assert (events[0]["actor"], events[0]["role"]) == (f"platform ({key_id})", "operator")
    assert {e["actor"] for e in events} == {f"platform ({key_id})"}


def test_a_malformed_time_in_the_audit_log_is_reported_where_it_is(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    """'infinity' is a timestamp PostgreSQL stores but Python cannot read; on SQLite, not a time."""
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_event SET at = 'infinity' WHERE seq = 7")

    response = client.get("/v1/audit/verify", headers=auth(seeded.auditor))

    assert response.status_code == 200
    assert (response.json()["ok"], response.json()["broken_at_seq"]) == (False, 7)
    assert "cannot be read" in response.json()["problem"]


def test_listing_an_audit_log_with_an_unreadable_event_is_a_409_naming_it(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_event SET at = 'infinity' WHERE seq = 7")

    damaged = client.get("/v1/audit", headers=auth(seeded.auditor))
    before = client.get("/v1/audit", params={"limit": 5}, headers=auth(seeded.auditor))
    after = client.get("/v1/audit", params={"after_seq": 7}, headers=auth(seeded.auditor))

    assert damaged.status_code == 409
    assert damaged.json()["type"] == "/problems/audit-log-damaged"
    assert "audit event 7 cannot be read" in damaged.json()["detail"]
    assert [e["seq"] for e in before.json()["events"]] == [1, 2, 3, 4, 5]
    assert after.json()["events"][0]["seq"] == 8
