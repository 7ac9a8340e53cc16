"""
Helpers of the approval request tests (tests/e2e/test_requests.py, test_request_decisions.py).

Times are inside the restricted period of the 3 May 2029 polls
(Reference election: local.cornwall.2029-05-03; close of poll 22:00 on 3 May 2029).
"""

import datetime as dt
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.services.keys import create_key
from app.store.keys import Role
from app.store.requests import approvals_of
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import SEEDED_AT, Keys

from .conftest import auth

__all__ = [
    "ASK",
    "AT",
    "POST",
    "TOWN",
    "act",
    "approved_ids",
    "ask",
    "audit_events",
    "made",
    "new_key",
]

TOWN = "facebook-redruthtowncouncil"
AT = "2029-04-10T12:00:00+01:00"
POST = (
    "Murdoch Day street fair on Fore Street this Saturday, 10am to 4pm.\n"
    "\tRoad closures from 8am: details on our website."
)
ASK = {"account_id": TOWN, "at": AT, "category": "event", "text": POST}


def ask(client: TestClient, key: str, **changes: Any) -> httpx.Response:
    return client.post("/v1/requests", json={**ASK, **changes}, headers=auth(key))


def made(client: TestClient, key: str, **changes: Any) -> str:
    response = ask(client, key, **changes)
    assert response.status_code == 201, response.text
    return str(response.json()["request_id"])


def act(
    client: TestClient, key: str, request_id: str, move: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    if body is None and move in ("approve", "reject"):
        body = {"reason": f"{move}d at the weekly review"}
    return client.post(f"/v1/requests/{request_id}/{move}", json=body, headers=auth(key))


def new_key(client: TestClient, engine: Engine, role: Role, name: str) -> str:
    """Another key of Redruth's, known to the running app."""
    secret = create_key(
        UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=role, name=name,
        now=SEEDED_AT,
    ).key  # fmt: skip
    cache = client.app.state.services.cache  # type: ignore[attr-defined]
    assert cache.refresh(), cache.last_error
    return secret


def audit_events(client: TestClient, keys: Keys, action: str) -> list[dict[str, Any]]:
    answer = client.get("/v1/audit", params={"action": action}, headers=auth(keys.auditor))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["events"])


def approved_ids(engine: Engine, now: dt.datetime | None = None) -> list[str]:
    with Session(engine) as session:
        return [a.request_id for a in approvals_of(session, "redruth", now)]
