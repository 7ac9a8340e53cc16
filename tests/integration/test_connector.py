"""
The Power Automate connector (integrations/power-automate, `make connector`): Swagger 2.0 that
openapi-spec-validator accepts, under Power Automate's 1 MB, with exactly the scheduling
operations, readable labels, every `$ref` resolving, and checked-in files that match the app.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV2SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from app import openapi_connector as connector
from app.openapi import document

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "integrations" / "power-automate"
OPENAPI = document()
FILES = connector.files()
SWAGGER: dict[str, Any] = json.loads(FILES[connector.SWAGGER_FILE])
PROPERTIES: dict[str, Any] = json.loads(FILES[connector.PROPERTIES_FILE])

EXPECTED = {
    ("/v1/accounts/{account_id}/can-publish", "get"): "canPublish",
    ("/v1/accounts/{account_id}/can-publish", "post"): "canPublishPost",
    ("/v1/decisions", "post"): "decideBatch",
    ("/v1/requests", "post"): "createRequest",
    ("/v1/requests", "get"): "listRequests",
    ("/v1/requests/{request_id}", "get"): "getRequest",
    ("/v1/requests/{request_id}/approve", "post"): "approveRequest",
    ("/v1/requests/{request_id}/reject", "post"): "rejectRequest",
    ("/v1/requests/{request_id}/withdraw", "post"): "withdrawRequest",
    ("/v1/requests/{request_id}/confirm", "post"): "confirmRequest",
}


def _operations(swagger: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in swagger["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _keys(node: object) -> Iterator[str]:
    """Every keyword of the document: not the names of properties, definitions, paths or
    statuses, nor what is inside an example."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "example":
                yield key  # data, not schema
            elif key in ("properties", "definitions", "paths", "responses"):
                for sub in value.values() if isinstance(value, dict) else []:
                    yield from _keys(sub)
                yield key
            else:
                yield key
                yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def test_the_definition_is_valid_swagger_2() -> None:
    validate(SWAGGER, cls=OpenAPIV2SpecValidator)
    assert SWAGGER["swagger"] == "2.0"


def test_the_validator_used_refuses_openapi_3_constructs() -> None:
    """The check above means something: a 3.1 `anyOf` with null is not Swagger 2.0."""
    broken = json.loads(FILES[connector.SWAGGER_FILE])
    broken["definitions"]["ReasonIn"]["properties"]["reason"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}]
    }
    with pytest.raises(OpenAPIValidationError):
        validate(broken, cls=OpenAPIV2SpecValidator)


def test_the_definition_is_under_power_automates_1_mb() -> None:
    size = len(FILES[connector.SWAGGER_FILE].encode("utf-8"))
    assert size < connector.MAX_BYTES, size
    # Far under it: the connector holds only the operations it needs.
    assert size < connector.MAX_BYTES // 4, size


def test_exactly_the_scheduling_operations_with_the_apps_operation_ids() -> None:
    found = {(path, method): op["operationId"] for path, method, op in _operations(SWAGGER)}
    assert found == EXPECTED
    for (path, method), operation_id in EXPECTED.items():
        assert OPENAPI["paths"][path][method]["operationId"] == operation_id  # type: ignore[index]


def test_every_operation_has_a_readable_summary_and_description() -> None:
    for path, method, operation in _operations(SWAGGER):
        summary = operation["summary"]
        assert summary == OPENAPI["paths"][path][method]["summary"]  # type: ignore[index]
        # Power Automate shows the summary as the action's name: a sentence, not an id.
        assert 10 <= len(summary) <= 100, summary
        assert " " in summary, summary
        assert operation.get("description"), operation["operationId"]


def test_every_parameter_has_a_label_and_a_simple_type() -> None:
    for _, _, operation in _operations(SWAGGER):
        for parameter in operation.get("parameters", []):
            assert parameter["x-ms-summary"], parameter
            if parameter["in"] == "body":
                assert "schema" in parameter
            else:
                assert parameter["type"] in ("string", "integer", "number", "boolean", "array"), (
                    parameter
                )
            if parameter["required"] and parameter["in"] != "body":
                assert parameter["x-ms-visibility"] == "important", parameter


def test_an_enum_component_parameter_is_inlined_with_its_own_label() -> None:
    parameters = {p["name"]: p for p in SWAGGER["paths"]["/v1/requests"]["get"]["parameters"]}
    assert "pending" in parameters["status"]["enum"]
    assert parameters["status"]["type"] == "string"
    assert parameters["status"]["x-ms-summary"] == "Status"
    can_publish = {
        p["name"]: p
        for p in SWAGGER["paths"]["/v1/accounts/{account_id}/can-publish"]["get"]["parameters"]
    }
    assert can_publish["at"]["format"] == "date-time"
    assert can_publish["category"]["default"] == "general"


def test_request_bodies_are_body_parameters() -> None:
    operation = SWAGGER["paths"]["/v1/decisions"]["post"]
    bodies = [p for p in operation["parameters"] if p["in"] == "body"]
    assert bodies == [
        {
            "in": "body",
            "name": "body",
            "required": True,
            "schema": {"$ref": "#/definitions/BatchIn"},
            "x-ms-summary": "Body",
        }
    ]
    assert SWAGGER["consumes"] == ["application/json"]


def test_every_ref_resolves_and_every_definition_is_used() -> None:
    refs = set(_refs(SWAGGER))
    assert refs, "the operations refer to their schemas"
    for ref in refs:
        assert ref.startswith("#/definitions/"), ref
        assert ref.removeprefix("#/definitions/") in SWAGGER["definitions"], ref
    assert {ref.removeprefix("#/definitions/") for ref in refs} == set(SWAGGER["definitions"])


def test_no_openapi_3_keyword_is_left() -> None:
    keys = set(_keys(SWAGGER))
    for keyword in (
        "anyOf",
        "oneOf",
        "const",
        "examples",
        "requestBody",
        "content",
        "components",
        "nullable",
    ):
        assert keyword not in keys, keyword


def test_a_nullable_field_is_marked_and_its_type_kept() -> None:
    valid_until = SWAGGER["definitions"]["DecisionOut"]["properties"]["valid_until"]
    assert valid_until["type"] == "string"
    assert valid_until["format"] == "date-time"
    assert valid_until["x-nullable"] is True
    assert valid_until["x-ms-summary"] == "Valid Until"
    # A nullable object is a reference marked nullable, with nothing else beside it.
    assert SWAGGER["definitions"]["AskedOut"]["properties"]["request"] == {
        "$ref": "#/definitions/RequestOut",
        "x-nullable": True,
    }


def test_responses_keep_their_schemas_and_descriptions() -> None:
    responses = SWAGGER["paths"]["/v1/accounts/{account_id}/can-publish"]["get"]["responses"]
    assert responses["200"]["schema"] == {"$ref": "#/definitions/DecisionOut"}
    assert responses["401"]["schema"] == {"$ref": "#/definitions/Problem"}
    assert "schema" not in responses["304"]
    assert all(response["description"] for response in responses.values())
    created = SWAGGER["paths"]["/v1/requests"]["post"]["responses"]
    assert created["201"]["schema"] == {"$ref": "#/definitions/AskedOut"}


def test_the_key_goes_in_the_authorization_header_as_bearer() -> None:
    scheme = SWAGGER["securityDefinitions"][connector.KEY_PARAMETER]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": scheme["description"],
    }
    assert "Bearer" in scheme["description"]
    for _, _, operation in _operations(SWAGGER):
        assert operation["security"] == [{connector.KEY_PARAMETER: []}]


def test_api_properties_names_the_key_parameter_as_a_secret() -> None:
    parameters = PROPERTIES["properties"]["connectionParameters"]
    # The connection parameter and the security definition share a name: that is how Power
    # Automate knows which value to send in the header.
    assert set(parameters) == set(SWAGGER["securityDefinitions"]) == {"api_key"}
    key = parameters["api_key"]
    assert key["type"] == "securestring"
    assert "Bearer" in key["uiDefinition"]["description"]
    assert key["uiDefinition"]["constraints"]["required"] == "true"
    assert PROPERTIES["properties"]["iconBrandColor"].startswith("#")


def test_the_host_is_a_placeholder_unless_a_public_url_is_given() -> None:
    assert (SWAGGER["host"], SWAGGER["basePath"], SWAGGER["schemes"]) == (
        connector.PLACEHOLDER_HOST,
        "/",
        ["https"],
    )
    deployed = connector.swagger(OPENAPI, "https://purdah.council.example:8443/api/")
    assert (deployed["host"], deployed["basePath"], deployed["schemes"]) == (
        "purdah.council.example:8443",
        "/api",
        ["https"],
    )
    validate(deployed, cls=OpenAPIV2SpecValidator)
    with pytest.raises(connector.ConversionError):
        connector.swagger(OPENAPI, "purdah.council.example")


def test_the_checked_in_files_match_the_app() -> None:
    """CI's `make openapi-check` runs the same comparison; run `make connector` to fix."""
    for name, text in FILES.items():
        assert (CHECKED_IN / name).read_text(encoding="utf-8") == text, (
            f"{name} is stale: run make connector"
        )
    assert sorted(path.name for path in CHECKED_IN.iterdir()) == sorted(FILES)


def test_check_fails_on_a_stale_file_and_passes_on_a_fresh_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert connector.main([str(tmp_path)]) == 0
    assert connector.main(["--check", str(tmp_path)]) == 0
    stale = tmp_path / connector.PROPERTIES_FILE
    stale.write_text(
        stale.read_text(encoding="utf-8").replace("securestring", "string"), encoding="utf-8"
    )
    assert connector.main(["--check", str(tmp_path)]) == 1
    assert "apiProperties.json is stale" in capsys.readouterr().err
    (tmp_path / connector.SWAGGER_FILE).unlink()
    assert connector.main(["--check", str(tmp_path)]) == 1


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}], "title": "X"},
            {"$ref": "#/definitions/X", "x-nullable": True},
        ),
        ({"$ref": "#/components/schemas/X"}, {"$ref": "#/definitions/X"}),
        (
            {
                "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
                "default": None,
                "title": "N",
            },
            {"type": "integer", "minimum": 1, "x-nullable": True, "title": "N"},
        ),
        ({"type": ["string", "null"]}, {"type": "string", "x-nullable": True}),
        ({"const": "allow"}, {"enum": ["allow"]}),
        (
            {"type": "number", "exclusiveMinimum": 0},
            {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        ),
        (
            {"type": "object", "examples": [{"a": 1}, {"a": 2}]},
            {"type": "object", "example": {"a": 1}},
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "title": "A"}}},
            {
                "type": "object",
                "properties": {"a": {"type": "string", "title": "A", "x-ms-summary": "A"}},
            },
        ),
    ],
)
def test_schema_conversion(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    assert connector.convert_schema(schema) == expected


@pytest.mark.parametrize(
    "schema",
    [
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        {"type": "array", "prefixItems": [{"type": "string"}]},
        {"$ref": "https://example.org/schema.json"},
    ],
)
def test_what_swagger_2_cannot_say_is_refused_not_dropped(schema: dict[str, Any]) -> None:
    with pytest.raises(connector.ConversionError):
        connector.convert_schema(schema)
