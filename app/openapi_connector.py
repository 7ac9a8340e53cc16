"""
`python -m app.openapi_connector DIR`: write the Power Automate custom connector, made from the
app's own OpenAPI document: DIR/apiDefinition.swagger.json and DIR/apiProperties.json
(checked in as integrations/power-automate/, `make connector`; `make openapi-check` fails when
they are stale).

Power Automate (and Logic Apps, Power Apps) import only OpenAPI 2.0 (Swagger) under 1 MB, so
the operations a scheduling flow needs are converted from the app's OpenAPI 3.1: the
can-publish checks, the batch, and the approval requests. Every schema they reach is copied
into `definitions`, nothing else. `--public-url https://purdah.council.gov.uk` names a
deployment's host; without it the host is a placeholder to edit before (or after) import.
"""

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.openapi import document

SWAGGER_FILE = "apiDefinition.swagger.json"
PROPERTIES_FILE = "apiProperties.json"
PLACEHOLDER_HOST = "purdah.example.org"
# Power Automate refuses a definition of 1 MB or more.
MAX_BYTES = 1_000_000

# (path, method): the operations of the connector, in the order a flow builder meets them.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/v1/accounts/{account_id}/can-publish", "get"),
    ("/v1/accounts/{account_id}/can-publish", "post"),
    ("/v1/decisions", "post"),
    ("/v1/requests", "post"),
    ("/v1/requests", "get"),
    ("/v1/requests/{request_id}", "get"),
    ("/v1/requests/{request_id}/approve", "post"),
    ("/v1/requests/{request_id}/reject", "post"),
    ("/v1/requests/{request_id}/withdraw", "post"),
    ("/v1/requests/{request_id}/confirm", "post"),
)

# The name Power Automate gives the key: securityDefinitions and connectionParameters agree.
KEY_PARAMETER = "api_key"
KEY_HINT = "Bearer pdh_..."

_COMPONENTS = "#/components/schemas/"
_DEFINITIONS = "#/definitions/"

# Schema keywords Swagger 2.0 keeps as they are.
_KEPT = frozenset(
    {
        "title",
        "description",
        "type",
        "format",
        "enum",
        "default",
        "minimum",
        "maximum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "readOnly",
        "multipleOf",
    }
)
# Keywords converted below: anything else in a schema is an error, so a new kind of schema in
# the app is looked at rather than silently lost.
_CONVERTED = frozenset(
    {
        "$ref",
        "anyOf",
        "oneOf",
        "allOf",
        "const",
        "examples",
        "example",
        "items",
        "properties",
        "additionalProperties",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "discriminator",
    }
)
# Parameter (not body) keywords Swagger 2.0 allows beside `type`.
_PARAMETER_KEYWORDS = frozenset(
    {
        "type",
        "format",
        "enum",
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "multipleOf",
        "items",
    }
)


class ConversionError(ValueError):
    """A part of the app's OpenAPI 3.1 that Swagger 2.0 cannot say and this module does not know."""


def _is_null(schema: object) -> bool:
    return isinstance(schema, Mapping) and schema.get("type") == "null" and len(schema) == 1


def convert_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """One JSON Schema (OpenAPI 3.1) as a Swagger 2.0 schema object.

    `anyOf` with `null` (Pydantic's `X | None`) becomes X with `x-nullable: true` (beside a
    `$ref` too, where it is the only thing kept: Swagger ignores the rest); `const` becomes a one-value
    `enum`; `examples` its first as `example`; numeric `exclusiveMinimum` the 2.0 pair; a
    property's `title` also the `x-ms-summary` Power Automate labels the field with.
    """
    unknown = set(schema) - _KEPT - _CONVERTED
    if unknown:
        msg = f"cannot convert schema keywords {sorted(unknown)}"
        raise ConversionError(msg)
    out: dict[str, Any] = {}
    choices = schema.get("anyOf", schema.get("oneOf"))
    if choices is not None:
        kept = [choice for choice in choices if not _is_null(choice)]
        if len(kept) != 1:
            msg = f"cannot convert a choice of {len(kept)} schemas to Swagger 2.0"
            raise ConversionError(msg)
        inner = convert_schema(kept[0])
        out.update(inner)
        if len(kept) < len(choices):
            out["x-nullable"] = True
        if "$ref" in inner:  # Swagger reads nothing else beside a $ref; AutoRest reads x-nullable
            return out
    type_ = schema.get("type")
    if isinstance(type_, list):  # 3.1 `type: [string, "null"]`
        types = [t for t in type_ if t != "null"]
        if len(types) != 1:
            msg = f"cannot convert type {type_} to Swagger 2.0"
            raise ConversionError(msg)
        out["type"] = types[0]
        if len(types) < len(type_):
            out["x-nullable"] = True
    for key, value in schema.items():
        if key in ("anyOf", "oneOf") or (key == "type" and isinstance(value, list)):
            continue
        if key == "default" and value is None:
            continue  # "no value" is what an absent default says
        if key in _KEPT:
            out[key] = value
        elif key == "$ref":
            if not value.startswith(_COMPONENTS):
                msg = f"cannot convert $ref {value}"
                raise ConversionError(msg)
            return {"$ref": _DEFINITIONS + value.removeprefix(_COMPONENTS)}
        elif key == "allOf":
            out["allOf"] = [convert_schema(part) for part in value]
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples":
            if value:
                out["example"] = value[0]
        elif key == "example":
            out["example"] = value
        elif key == "items":
            out["items"] = convert_schema(value)
        elif key == "properties":
            out["properties"] = {
                name: _labelled(convert_schema(sub)) for name, sub in value.items()
            }
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else convert_schema(value)
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if isinstance(value, bool):
                out[key] = value
            else:
                out[bound] = value
                out[key] = True
        elif key == "discriminator":
            out[key] = value["propertyName"]
    return out


def _labelled(schema: dict[str, Any]) -> dict[str, Any]:
    """A field with the label Power Automate shows for it (`x-ms-summary`): its title."""
    if "title" in schema and "$ref" not in schema:
        schema["x-ms-summary"] = schema["title"]
    return schema


def _refs(value: object) -> set[str]:
    """The names of the definitions a piece of the Swagger document refers to, directly."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFINITIONS):
            found.add(ref.removeprefix(_DEFINITIONS))
        for sub in value.values():
            found |= _refs(sub)
    elif isinstance(value, list):
        for sub in value:
            found |= _refs(sub)
    return found


def _definitions(paths: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """Every component the paths reach, through other components too, converted."""
    definitions: dict[str, Any] = {}
    todo = sorted(_refs(paths))
    while todo:
        name = todo.pop()
        if name not in definitions:
            definitions[name] = convert_schema(schemas[name])
            todo.extend(sorted(_refs(definitions[name]) - set(definitions)))
    return dict(sorted(definitions.items()))


def _parameter(parameter: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """A path or query parameter: 2.0 puts the schema's type and limits on the parameter."""
    if parameter["in"] not in ("path", "query", "header"):
        msg = f"parameter {parameter['name']} in {parameter['in']}"
        raise ConversionError(msg)
    original = parameter.get("schema", {})
    schema = convert_schema(original)
    ref = schema.get("$ref")
    if ref is not None:  # an enum component, such as RequestStatus, is inlined
        schema = {
            **convert_schema(schemas[ref.removeprefix(_DEFINITIONS)]),
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    out: dict[str, Any] = {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": bool(parameter.get("required", parameter["in"] == "path")),
    }
    description = parameter.get("description", schema.get("description"))
    if description:
        out["description"] = description
    out.update({k: v for k, v in schema.items() if k in _PARAMETER_KEYWORDS})
    if "type" not in out:
        msg = f"parameter {parameter['name']} has no simple type"
        raise ConversionError(msg)
    # The parameter's own title ("Status"), not that of a component it names ("RequestStatus").
    title = original.get("title") or parameter["name"].replace("_", " ").capitalize()
    out["x-ms-summary"] = title
    if out["required"]:
        out["x-ms-visibility"] = "important"
    return out


def _json_schema(content: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if not content:
        return None
    for media_type in ("application/json", "application/problem+json"):
        if media_type in content and "schema" in content[media_type]:
            schema: Mapping[str, Any] = content[media_type]["schema"]
            return schema
    return None


def _operation(operation: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": operation["operationId"],
        "summary": operation["summary"],
    }
    if operation.get("description"):
        out["description"] = operation["description"]
    if operation.get("tags"):
        out["tags"] = list(operation["tags"])
    parameters = [_parameter(p, schemas) for p in operation.get("parameters", [])]
    body = operation.get("requestBody")
    if body is not None:
        schema = _json_schema(body.get("content"))
        if schema is None:
            msg = f"{operation['operationId']}: a body that is not JSON"
            raise ConversionError(msg)
        parameters.append(
            {
                "name": "body",
                "in": "body",
                "required": bool(body.get("required", False)),
                "schema": convert_schema(schema),
                "x-ms-summary": "Body",
            }
        )
    if parameters:
        out["parameters"] = parameters
    responses: dict[str, Any] = {}
    for status, response in operation["responses"].items():
        converted: dict[str, Any] = {"description": response.get("description") or status}
        schema = _json_schema(response.get("content"))
        if schema is not None:
            converted["schema"] = convert_schema(schema)
        responses[status] = converted
    out["responses"] = responses
    out["security"] = [{KEY_PARAMETER: []}]
    return out


def _host(public_url: str | None) -> tuple[str, str, list[str]]:
    """host, basePath and schemes from PURDAH_PUBLIC_URL, or the placeholder."""
    if not public_url:
        return PLACEHOLDER_HOST, "/", ["https"]
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        msg = f"not an http(s) URL: {public_url}"
        raise ConversionError(msg)
    return parts.netloc, parts.path.rstrip("/") or "/", [parts.scheme]


def swagger(openapi: Mapping[str, Any], public_url: str | None = None) -> dict[str, Any]:
    """The Swagger 2.0 definition of the connector, from the app's OpenAPI 3.1 document."""
    schemas: Mapping[str, Any] = openapi["components"]["schemas"]
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(openapi["paths"][path][method], schemas)
    host, base_path, schemes = _host(public_url)
    tags = sorted(
        {tag for ops in paths.values() for op in ops.values() for tag in op.get("tags", [])}
    )
    return {
        "swagger": "2.0",
        "info": {
            "title": "Purdah Controller",
            "version": openapi["info"]["version"],
            "description": (
                "Ask before posting during a pre-election period: may this account publish "
                "this post now? Check one post or a queue, and ask the Town Clerk to allow one "
                "(approve, reject, withdraw, confirm). Anything but an allowed answer means "
                "do not post."
            ),
        },
        "host": host,
        "basePath": base_path,
        "schemes": schemes,
        "consumes": ["application/json"],
        "produces": ["application/json", "application/problem+json"],
        "paths": paths,
        "definitions": _definitions(paths, schemas),
        "securityDefinitions": {
            KEY_PARAMETER: {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": f"The word Bearer, a space and the API key: {KEY_HINT}",
            }
        },
        "security": [{KEY_PARAMETER: []}],
        "tags": [{"name": tag} for tag in tags],
    }


def properties() -> dict[str, Any]:
    """apiProperties.json: the connection asks for the key once, as a secret."""
    return {
        "properties": {
            "connectionParameters": {
                KEY_PARAMETER: {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": "API key (Bearer pdh_...)",
                        "description": (
                            "The word Bearer, a space, then the API key the Town Clerk gave you "
                            f"({KEY_HINT}). A scheduler key can check posts and ask for approval."
                        ),
                        "tooltip": f"Type Bearer, a space and the key: {KEY_HINT}",
                        "constraints": {"tabIndex": 2, "clearText": False, "required": "true"},
                    },
                }
            },
            "iconBrandColor": "#1f4e79",
            "capabilities": [],
            "publisher": "purdah-controller",
            "stackOwner": "purdah-controller",
        }
    }


def render(value: Mapping[str, Any]) -> str:
    """The files' text: stable key order, so a regeneration differs only where the app did."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def files(public_url: str | None = None) -> dict[str, str]:
    """File name -> text, for the connector of this app."""
    return {
        SWAGGER_FILE: render(swagger(document(), public_url)),
        PROPERTIES_FILE: render(properties()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.openapi_connector", description=__doc__)
    parser.add_argument("directory", type=Path, help="where to write the two files")
    parser.add_argument(
        "--public-url", help="the deployment's PURDAH_PUBLIC_URL (default: a placeholder host)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if DIR's files differ"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    generated = files(args.public_url)
    too_big = len(generated[SWAGGER_FILE].encode()) >= MAX_BYTES
    if too_big:
        sys.stderr.write(f"{SWAGGER_FILE} is over Power Automate's 1 MB limit\n")
        return 1
    if args.check:
        stale = [
            name
            for name, text in generated.items()
            if not (args.directory / name).is_file()
            or (args.directory / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            sys.stderr.write(f"{args.directory / name} is stale: run make connector\n")
        return 1 if stale else 0
    args.directory.mkdir(parents=True, exist_ok=True)
    for name, text in generated.items():
        (args.directory / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
