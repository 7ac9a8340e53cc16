"""
The OpenAPI document as an integrator reads it: stable camelCase operation ids, a `servers`
entry from PURDAH_PUBLIC_URL, the problem types from their table, and no internal names.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import app as package
from app.api import problem_types
from app.config import Settings
from app.main import create_app
from app.openapi import document

OPENAPI = document()


def _operations() -> list[dict[str, object]]:
    return [op for ops in OPENAPI["paths"].values() for op in ops.values()]  # type: ignore[attr-defined]


def _texts(node: object, key: str = "") -> list[str]:
    """Every description, summary and title in the document, but the schemas' own names."""
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in _texts(v, k)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v, key)]
    if key in ("description", "summary", "title") and isinstance(node, str):
        return [node]
    return []


def _public_names() -> set[str]:
    """Names integrators see: schemas, their fields, parameters, operation ids."""
    names = set(OPENAPI["components"]["schemas"])  # type: ignore[index]
    for schema in OPENAPI["components"]["schemas"].values():  # type: ignore[index]
        names |= set(schema.get("properties", {}))
    for operation in _operations():
        names |= {p["name"] for p in operation.get("parameters", [])}  # type: ignore[attr-defined]
    return names


def _internal_names() -> set[str]:
    """Modules, and classes and functions of app/ whose names look like code (Camel or snake)."""
    found: set[str] = set()
    for info in pkgutil.walk_packages(package.__path__, "app."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        found.add(info.name)
        found.add(info.name.rsplit(".", 1)[-1] + ".py")
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", "") == info.name
            looks_like_code = "_" in name.strip("_") or re.search(r"[a-z][A-Z]", name)
            if (
                defined_here
                and inspect.isclass(value) | inspect.isfunction(value)
                and looks_like_code
            ):
                found.add(name)
    return found - _public_names()


INTERNAL = _internal_names()
DOCUMENTS = re.compile(r"\b(DESIGN|STYLE|README|CHANGELOG)\b|[Ss]ection \d|\bapp/|\.py\b")


def test_the_scan_knows_the_names_it_looks_for() -> None:
    assert {"CanPublishFastPath", "serve_can_publish", "decision_json"} <= INTERNAL


@pytest.mark.parametrize("text", sorted(set(_texts(OPENAPI))), ids=lambda t: t[:40])
def test_no_text_of_the_document_names_internal_code_or_documents(text: str) -> None:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", text))

    assert (sorted(words & INTERNAL), DOCUMENTS.findall(text)) == ([], [])


def test_operation_ids_are_unique_camel_case() -> None:
    ids = [op["operationId"] for op in _operations()]

    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", str(i))] == []


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("get", "/v1/accounts/{account_id}/can-publish", "canPublish"),
        ("post", "/v1/decisions", "decideBatch"),
        ("get", "/v1/accounts", "listAccounts"),
        ("post", "/v1/overrides", "grantOverride"),
        ("post", "/v1/overrides/{override_id}/revoke", "revokeOverride"),
        ("get", "/v1/windows", "listWindows"),
        ("get", "/v1/audit", "listAuditEvents"),
        ("get", "/readyz", "checkReadiness"),
    ],
)
def test_operation_ids_are_the_documented_names(method: str, path: str, operation_id: str) -> None:
    assert OPENAPI["paths"][path][method]["operationId"] == operation_id  # type: ignore[index]


def test_the_servers_entry_is_the_public_url(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        public_url="https://purdah.example.gov.uk/",
    )

    servers = create_app(settings, refresh_in_background=False).openapi()["servers"]

    assert [s["url"] for s in servers] == ["https://purdah.example.gov.uk"]


def test_without_a_public_url_the_server_is_the_one_serving_the_document() -> None:
    assert [s["url"] for s in OPENAPI["servers"]] == ["/"]  # type: ignore[index]


def test_the_description_lists_every_problem_type_of_the_table() -> None:
    assert problem_types.openapi_list() in OPENAPI["info"]["description"]  # type: ignore[index]


@pytest.mark.parametrize("status", [400, 415])
def test_every_operation_with_a_body_documents_unreadable_and_unsupported_bodies(
    status: int,
) -> None:
    undocumented = [
        op["operationId"]
        for op in _operations()
        if "requestBody" in op and str(status) not in op["responses"]  # type: ignore[operator]
    ]

    assert undocumented == []


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [r for k, v in node.items() for r in ([v] if k == "$ref" else _refs(v))]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_reference_names_a_schema_of_the_document() -> None:
    """ReDoc and generated clients fail on a `$ref` to a schema the document does not hold."""
    schemas = OPENAPI["components"]["schemas"]  # type: ignore[index]
    refs = _refs(OPENAPI)
    assert refs, "the document has no references at all"
    missing = sorted({r for r in refs if r.removeprefix("#/components/schemas/") not in schemas})
    assert missing == []
