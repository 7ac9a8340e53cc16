"""
The Power Automate connector (integrations/power-automate) used as Power Automate uses it: each
call is built from the checked-in Swagger 2.0 alone (path, parameters, the `Authorization`
header filled with what the connection holds, "Bearer <key>"), and every answer, whatever its
status, is one the definition declares, with a body its schema accepts (`x-nullable` read as
"or null"). A field the app may leave null, declared not nullable, fails here.

Times are inside the restricted period of the 3 May 2029 polls
(Reference election: local.cornwall.2029-05-03; close of poll 22:00 on 3 May 2029).
"""

import json
import re
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.openapi_connector import KEY_PARAMETER, SWAGGER_FILE
from tests.conftest import ROOT, Keys

from .approval_requests import AT, POST, TOWN

SWAGGER: dict[str, Any] = json.loads(
    (ROOT / "integrations" / "power-automate" / SWAGGER_FILE).read_text()
)
SCHEME = SWAGGER["securityDefinitions"][KEY_PARAMETER]


def _nullable(schema: object) -> object:
    """Swagger 2.0's `x-nullable` as JSON Schema: the schema, or null."""
    if isinstance(schema, list):
        return [_nullable(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {
        key: (
            {name: _nullable(sub) for name, sub in value.items()}
            if key in ("properties", "definitions")
            else value
            if key in ("enum", "example", "required")
            else _nullable(value)
        )
        for key, value in schema.items()
        if key != "x-nullable"
    }
    if schema.get("x-nullable"):
        return {"anyOf": [{"type": "null"}, converted]}
    return converted


DEFINITIONS = _nullable(SWAGGER["definitions"])


def _operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, operations in SWAGGER["paths"].items():
        for method, operation in operations.items():
            if operation["operationId"] == operation_id:
                return path, method, operation
    raise AssertionError(operation_id)


def call(client: TestClient, key: str, operation_id: str, **arguments: Any) -> httpx.Response:
    """Call one connector operation as Power Automate builds it from the definition alone,
    then check the answer against that definition."""
    path, method, operation = _operation(operation_id)
    parameters = {p["name"]: p for p in operation.get("parameters", [])}
    assert set(arguments) <= set(parameters), set(arguments) - set(parameters)
    missing = {n for n, p in parameters.items() if p["required"]} - set(arguments)
    assert not missing, missing
    url = SWAGGER["basePath"].rstrip("/") + re.sub(
        r"\{(\w+)\}", lambda m: str(arguments[m.group(1)]), path
    )
    query = {n: v for n, v in arguments.items() if parameters[n]["in"] == "query"}
    headers = {SCHEME["name"]: f"Bearer {key}"}  # what the Clerk types in the connection
    response = client.request(
        method.upper(), url, params=query, json=arguments.get("body"), headers=headers
    )
    declared = operation["responses"]
    assert str(response.status_code) in declared, (
        operation_id,
        response.status_code,
        response.text,
    )
    schema = declared[str(response.status_code)].get("schema")
    if schema is not None:
        jsonschema.validate(
            response.json(),
            {"definitions": DEFINITIONS, **_nullable(schema)},  # type: ignore[dict-item]
        )
    return response


def test_the_check_of_answers_tells_null_where_allowed_from_null_where_not() -> None:
    """What `call` relies on: a null fails a field the definition does not mark nullable."""
    asked = {"definitions": DEFINITIONS, "$ref": "#/definitions/AskedOut"}
    answer = {"decision": None, "request": None, "request_id": None, "status": "not-needed"}
    with pytest.raises(jsonschema.ValidationError, match="None is not of type 'object'"):
        jsonschema.validate(answer, asked)
    reason = {"definitions": DEFINITIONS, "$ref": "#/definitions/ReasonOut"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"code": None, "message": "m", "effect": "deny"}, reason)


def test_a_flow_checks_one_post_a_post_with_text_and_a_queue(
    client: TestClient, seeded: Keys
) -> None:
    one = call(client, seeded.scheduler, "canPublish", account_id=TOWN, at=AT, category="event")
    text = call(
        client,
        seeded.scheduler,
        "canPublishPost",
        account_id=TOWN,
        body={"at": AT, "category": "event", "text": POST},
    )
    queue = call(
        client,
        seeded.scheduler,
        "decideBatch",
        body={
            "checks": [
                {"account_id": TOWN, "at": AT, "category": c} for c in ("general", "emergency")
            ]
        },
    )

    assert one.status_code == 200, one.text
    assert one.json()["outcome"] == "refer"
    assert text.status_code == 200, text.text
    assert queue.status_code == 200, queue.text
    assert [d["allowed"] for d in queue.json()["decisions"]] == [False, True]


def test_a_flow_asks_the_clerk_and_the_clerk_answers(client: TestClient, seeded: Keys) -> None:
    asked = call(
        client,
        seeded.scheduler,
        "createRequest",
        body={"account_id": TOWN, "at": AT, "category": "event", "text": POST},
    )
    not_needed = call(
        client,
        seeded.scheduler,
        "createRequest",
        body={"account_id": TOWN, "at": AT, "category": "emergency", "text": POST},
    )
    request_id = asked.json()["request_id"]
    listed = call(client, seeded.clerk, "listRequests", status="pending", account_id=TOWN)
    one = call(client, seeded.clerk, "getRequest", request_id=request_id)
    approved = call(
        client, seeded.clerk, "approveRequest", request_id=request_id, body={"reason": "factual"}
    )
    # Redruth's policy asks no second Clerk: there is nothing to confirm, and the refusal is
    # one the definition declares.
    confirmed = call(client, seeded.clerk, "confirmRequest", request_id=request_id)
    withdrawn = call(client, seeded.scheduler, "withdrawRequest", request_id=request_id)
    other = call(
        client,
        seeded.scheduler,
        "createRequest",
        body={"account_id": TOWN, "at": AT, "category": "general", "text": POST},
    )
    rejected = call(
        client,
        seeded.clerk,
        "rejectRequest",
        request_id=other.json()["request_id"],
        body={"reason": "not now"},
    )

    assert asked.status_code == 201, asked.text
    assert not_needed.status_code == 200, not_needed.text
    assert not_needed.json()["request"] is None
    assert [r["request_id"] for r in listed.json()] == [request_id]
    assert one.json()["status"] == "pending"
    assert approved.json()["status"] == "approved"
    assert confirmed.status_code == 409, confirmed.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert rejected.json()["status"] == "rejected"


def test_without_the_bearer_word_the_connection_is_refused(
    client: TestClient, seeded: Keys
) -> None:
    """The README tells the Clerk to type "Bearer " before the key: without it, 401."""
    _, _, operation = _operation("canPublish")
    response = client.get(
        f"/v1/accounts/{TOWN}/can-publish", headers={SCHEME["name"]: seeded.scheduler}
    )

    assert response.status_code == 401, response.text
    assert "401" in operation["responses"]
