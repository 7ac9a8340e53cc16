"""
Who may do what: one test over every operation of the OpenAPI document and every role.
An operation missing from the matrix fails the test, so a new route has to say who may call it.
"""

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.services.keys import create_key
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import auth

STAFF = {"clerk", "scheduler", "viewer", "auditor"}
CLERK = {"clerk"}
OPEN = None  # no key needed

MATRIX: dict[str, set[str] | None] = {
    "GET /healthz": OPEN,
    "GET /readyz": OPEN,
    "GET /v1/accounts": STAFF,
    "POST /v1/accounts": CLERK,
    "GET /v1/accounts/{account_id}": STAFF,
    "POST /v1/accounts/{account_id}/approve": CLERK,
    "GET /v1/accounts/{account_id}/can-publish": STAFF,
    "POST /v1/accounts/{account_id}/can-publish": STAFF,
    "POST /v1/accounts/{account_id}/close": CLERK,
    "POST /v1/accounts/{account_id}/deactivate": CLERK,
    "POST /v1/accounts/{account_id}/reinstate": CLERK,
    "POST /v1/accounts/{account_id}/suspend": CLERK,
    "GET /v1/audit": {"clerk", "auditor"},
    "GET /v1/audit/verify": {"clerk", "auditor"},
    "GET /v1/candidates": STAFF,
    "POST /v1/candidates": CLERK,
    "POST /v1/candidates/import": CLERK,
    "GET /v1/candidates/{candidate_id}": STAFF,
    "POST /v1/candidates/{candidate_id}/accounts": CLERK,
    "DELETE /v1/candidates/{candidate_id}/accounts/{account_id}": CLERK,
    "POST /v1/candidates/{candidate_id}/withdraw": CLERK,
    "POST /v1/decisions": STAFF,
    "GET /v1/dies-non": STAFF,
    "POST /v1/dies-non": CLERK,
    "DELETE /v1/dies-non/{day}": CLERK,
    "GET /v1/elections": STAFF,
    "POST /v1/elections": CLERK,
    "POST /v1/elections/import": CLERK,
    "GET /v1/elections/schedules": STAFF,
    "POST /v1/elections/schedules": CLERK,
    "GET /v1/elections/{election_id}": STAFF,
    "PATCH /v1/elections/{election_id}": CLERK,
    "GET /v1/elections/{election_id}/timetable": STAFF,
    "GET /v1/feeds/restrictions.ics": STAFF,
    "GET /v1/feeds/tokens": CLERK,
    "POST /v1/feeds/tokens": CLERK,
    "POST /v1/feeds/tokens/{token_id}/revoke": CLERK,
    "GET /v1/feeds/{token}.ics": OPEN,  # the token is the credential
    "GET /v1/keys": {"clerk", "auditor"},
    "POST /v1/keys": CLERK,
    "GET /v1/keys/{key_id}": {"clerk", "auditor"},
    "POST /v1/keys/{key_id}/revoke": CLERK,
    "GET /v1/organisations": {"operator"},
    "POST /v1/organisations": {"operator"},
    "GET /v1/overrides": STAFF,
    "POST /v1/overrides": CLERK,
    "GET /v1/overrides/{override_id}": STAFF,
    "POST /v1/overrides/{override_id}/confirm": CLERK,
    "POST /v1/overrides/{override_id}/revoke": CLERK,
    "GET /v1/policy": STAFF,
    "GET /v1/requests": {"clerk", "scheduler", "auditor"},
    "POST /v1/requests": {"clerk", "scheduler"},
    "GET /v1/requests/{request_id}": {"clerk", "scheduler", "auditor"},
    "POST /v1/requests/{request_id}/approve": CLERK,
    "POST /v1/requests/{request_id}/confirm": CLERK,
    "POST /v1/requests/{request_id}/reject": CLERK,
    "POST /v1/requests/{request_id}/withdraw": {"clerk", "scheduler"},
    "GET /v1/windows": STAFF,
    "POST /v1/windows": CLERK,
    "GET /v1/windows/{window_id}": STAFF,
    "PATCH /v1/windows/{window_id}": CLERK,
    "GET /v1/webhooks": {"clerk", "auditor"},
    "POST /v1/webhooks": CLERK,
    "POST /v1/webhooks/{webhook_id}/revoke": CLERK,
    "POST /v1/webhooks/{webhook_id}/test": CLERK,
    "GET /v1/webhooks/{webhook_id}/deliveries": {"clerk", "auditor"},
    "POST /v1/windows/{window_id}/end": CLERK,
}
ROLES = ("clerk", "scheduler", "viewer", "auditor", "operator")
PATH_VALUES = {
    "{account_id}": "facebook-redruthtowncouncil",
    "{candidate_id}": "cand-0000000000",
    "{day}": "2029-04-10",
    "{election_id}": "parish.redruth.2029-05-03",
    "{key_id}": "000000000000",
    "{token_id}": "000000000000",
    "{override_id}": "ov-0000000000",
    "{request_id}": "rq-0000000000",
    "{window_id}": "mw-0000000000",
    "{webhook_id}": "wh-000000000000",
    "{token}": "pft_000000000000_x",
}
# A body that passes validation where FastAPI checks the body before the route authorises
BODIES = {"POST /v1/decisions": {"checks": [{"account_id": "facebook-redruthtowncouncil"}]}}


def _operations() -> list[str]:
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    return sorted(
        f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops
    )


def test_the_matrix_names_every_operation_of_the_api() -> None:
    assert sorted(MATRIX) == _operations()


@pytest.fixture
def operator_key(engine: Engine, seeded: Keys, client: TestClient) -> str:
    """An operator's key, known to the running app."""
    made = create_key(
        UnitOfWork(engine),
        "redruth",
        Actor("tests", "operator"),
        role=Role.OPERATOR,
        name="platform",
        now=SEEDED_AT,
    ).key
    cache = client.app.state.services.cache  # type: ignore[attr-defined]
    assert cache.refresh(), cache.last_error
    return made


@pytest.mark.parametrize("operation", [op for op, allowed in MATRIX.items() if allowed is not OPEN])
def test_each_role_may_call_exactly_what_the_matrix_says(
    client: TestClient, seeded: Keys, operator_key: str, operation: str
) -> None:
    """All five roles per operation in one test (one database seed, not five); an allowed role's 5xx is a failure too."""
    method, path = operation.split(" ", 1)
    for name, value in PATH_VALUES.items():
        path = path.replace(name, value)
    allowed = MATRIX[operation] or set()

    answers = {
        role: client.request(
            method,
            path,
            json=BODIES.get(operation, {}),
            headers=auth(operator_key if role == "operator" else seeded.of(role)),
        )
        for role in ROLES
    }

    wrong = {
        role: response.status_code
        for role, response in answers.items()
        if (
            response.status_code in (401, 403) or response.status_code >= 500
            if role in allowed
            else response.status_code != 403
            or response.headers["content-type"] != "application/problem+json"
        )
    }
    assert wrong == {}, f"{operation}: allowed {sorted(allowed)}, got {wrong}"


@pytest.mark.parametrize("operation", [op for op, allowed in MATRIX.items() if allowed is not OPEN])
def test_every_keyed_operation_refuses_a_missing_key(
    client: TestClient, seeded: Keys, operation: str
) -> None:
    method, path = operation.split(" ", 1)
    for name, value in PATH_VALUES.items():
        path = path.replace(name, value)

    response = client.request(method, path, json=BODIES.get(operation, {}))

    assert response.status_code == 401
