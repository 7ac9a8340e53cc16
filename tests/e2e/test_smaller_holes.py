"""
Issue 13, item 8: the smaller holes, each a 4xx or a fix. On SQLite and PostgreSQL.
"""

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import Keys

from .conftest import auth
from .test_organisations import platform  # noqa: F401 - the operator's app, a fixture

ACCOUNT = {
    "account_id": "tiktok-redruth",
    "platform": "tiktok",
    "name": "Redruth on TikTok",
    "kind": "profile",
    "contact_email": "comms@redruth.gov.uk",
    "reason": "r",
}


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
