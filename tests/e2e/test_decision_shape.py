"""
One can-publish and one decision shape (issue 14).

can-publish is answered by one ASGI app (`serve_can_publish`) whether the request comes
through the fast path, the documented route or a real server; its OpenAPI operation documents
exactly what that app takes and gives. can-publish, an item of the batch and
`purdah check --json` write the same keys: `DecisionOut`'s.
"""

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.types import Receive, Scope, Send
from typer.testing import CliRunner

from app.api import fast_path
from app.api.deps import Services
from app.api.fast_answers import serve_remembered
from app.api.routes import decisions
from app.api.routes.decisions import CAN_PUBLISH_QUERY, serve_can_publish
from app.api.schemas import DecisionOut, ReasonOut, WindowOut
from app.cli import app as cli
from app.config import Settings
from app.domain import Category
from app.main import create_app
from tests.conftest import ROOT, Keys, migrated_database, seed_shipped

from .conftest import STREET_FAIR_OVERRIDE, Clock, auth
from .servers import running

TOWN = "facebook-redruthtowncouncil"
CAN_PUBLISH = f"/v1/accounts/{TOWN}/can-publish"
# Inside the restricted period of the polls of 3 May 2029 (local.cornwall.2029-05-03).
INSIDE_2029 = "2029-04-10T10:00:00+01:00"


def _keys(decision: dict[str, object]) -> tuple[set[str], set[str], set[str]]:
    """The keys of a decision, of its reasons and of its windows."""
    reasons = decision["reasons"]
    windows = decision["windows"]
    assert isinstance(reasons, list)
    assert isinstance(windows, list)
    assert reasons
    assert windows
    return (
        set(decision),
        set().union(*(set(r) for r in reasons)),
        set().union(*(set(w) for w in windows)),
    )


DOCUMENTED = (
    set(DecisionOut.model_fields),
    set(ReasonOut.model_fields),
    set(WindowOut.model_fields),
)


@pytest.fixture
def asked(
    client: TestClient, seeded: Keys, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, dict[str, object]]:
    """The same question (an event post inside the 2029 window) asked three ways."""
    params = {"at": INSIDE_2029, "category": "event"}
    single = client.get(CAN_PUBLISH, params=params, headers=auth(seeded.scheduler))
    batch = client.post(
        "/v1/decisions",
        json={"checks": [{"account_id": TOWN, **params}]},
        headers=auth(seeded.scheduler),
    )
    monkeypatch.setenv("PURDAH_DATABASE_URL", database_url)
    checked = CliRunner().invoke(
        cli, ["check", TOWN, "--at", INSIDE_2029, "--category", "event", "--json"]
    )
    assert (single.status_code, batch.status_code, checked.exit_code) == (200, 200, 0)
    return {
        "can-publish": single.json(),
        "batch": batch.json()["decisions"][0],
        "cli": json.loads(checked.stdout),
    }


@pytest.mark.parametrize("way", ["can-publish", "batch", "cli"])
def test_every_way_of_asking_writes_the_documented_keys(
    asked: dict[str, dict[str, object]], way: str
) -> None:
    assert _keys(asked[way]) == DOCUMENTED


@pytest.mark.parametrize("way", ["batch", "cli"])
def test_every_way_of_asking_gives_the_same_answer_as_can_publish(
    asked: dict[str, dict[str, object]], way: str
) -> None:
    """Apart from the decision's own id and when it was made (the CLI reads the real clock)."""
    unique = {"decision_id": "", "evaluated_at": ""}

    assert {**asked[way], **unique} == {**asked["can-publish"], **unique}


@pytest.mark.parametrize("through", ["fast-path", "route"])
def test_can_publish_is_answered_by_the_one_asgi_app(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    through: str,
) -> None:
    """
    Through the fast path (a question it can answer from the memo, `serve_remembered`, and
    anything else by `serve_can_publish`), or the documented route when the app runs
    without it (always `serve_can_publish`).
    """
    calls: list[str] = []

    async def spy(scope: Scope, receive: Receive, send: Send, **read: object) -> None:
        calls.append("serve_can_publish")
        await serve_can_publish(scope, receive, send, **read)  # type: ignore[arg-type]

    async def remembered(services: Services, scope: Scope, send: Send) -> bool:
        calls.append("serve_remembered")
        return await serve_remembered(services, scope, send)

    monkeypatch.setattr(decisions, "serve_can_publish", spy)
    monkeypatch.setattr(fast_path, "serve_can_publish", spy)
    monkeypatch.setattr(fast_path, "serve_remembered", remembered)
    settings = Settings(database_url=database_url, policy_dir=ROOT / "policies")
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    if through == "route":
        app.fast_path = False
    with TestClient(app) as client:
        good = client.get(CAN_PUBLISH, headers=auth(seeded.scheduler))
        bad = client.get(CAN_PUBLISH, headers=auth(seeded.scheduler + "x"))

    assert (good.status_code, bad.status_code) == (200, 401)
    if through == "route":
        assert calls == ["serve_can_publish", "serve_can_publish"]
    else:  # the memo takes the good one, and leaves the bad key to the one app (it counts it)
        assert calls == ["serve_remembered", "serve_remembered", "serve_can_publish"]


def test_the_openapi_operation_documents_what_can_publish_takes(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/accounts/{account_id}/can-publish"
    ]["get"]
    query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    path = [p["name"] for p in operation["parameters"] if p["in"] == "path"]

    assert set(query) == CAN_PUBLISH_QUERY
    assert path == ["account_id"]
    assert query["category"]["schema"]["enum"] == [c.value for c in Category]
    assert operation["operationId"] == "canPublish"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DecisionOut"
    }


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        ("scheduler", {"at": INSIDE_2029}, 200),
        (None, {}, 401),
        ("scheduler", {"at": "2029-04-10T10:00:00"}, 422),
        ("scheduler", {"when": INSIDE_2029}, 422),
        ("scheduler", {"category": "gossip"}, 422),
    ],
    ids=["200", "401", "422-naive", "422-unknown-parameter", "422-unknown-category"],
)
def test_every_status_can_publish_gives_is_documented(
    client: TestClient, seeded: Keys, headers: str | None, params: dict[str, str], status: int
) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/accounts/{account_id}/can-publish"
    ]["get"]

    response = client.get(
        CAN_PUBLISH, params=params, headers=auth(seeded.of(headers)) if headers else {}
    )

    assert response.status_code == status
    assert str(status) in operation["responses"]


def test_can_publish_documents_every_status_a_scheduling_tool_must_handle(
    client: TestClient,
) -> None:
    """Each is given by a test: tests/e2e/test_problem_types.py (401, 404, 422, 429, 503),
    tests/e2e/test_can_publish.py (304)."""
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/accounts/{account_id}/can-publish"
    ]["get"]

    assert {"200", "304", "401", "403", "404", "422", "429", "503"} <= set(operation["responses"])


@pytest.mark.server
def test_a_real_server_answers_can_publish_and_the_batch_alike(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """`purdah serve` as deployed: uvicorn, the middleware, the fast path."""
    with migrated_database("sqlite", tmp_path, request) as url:
        clerk = seed_shipped(url)
        with running(url, tmp_path) as base, httpx.Client(base_url=base) as client:
            granted = client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(clerk))
            params = {"at": INSIDE_2029, "category": "event"}
            single = client.get(CAN_PUBLISH, params=params, headers=auth(clerk))
            head = client.head(CAN_PUBLISH, params=params, headers=auth(clerk))
            batch = client.post(
                "/v1/decisions",
                json={"checks": [{"account_id": TOWN, **params}]},
                headers=auth(clerk),
            )

    assert (granted.status_code, single.status_code, batch.status_code) == (201, 200, 200)
    assert single.json()["outcome"] == "allow"
    assert single.json()["reasons"][0]["override_id"] == granted.json()["override_id"]
    assert (head.status_code, head.content, head.headers["etag"]) == (
        200,
        b"",
        single.headers["etag"],
    )
    unique = {"decision_id": "", "evaluated_at": ""}
    assert {**batch.json()["decisions"][0], **unique} == {**single.json(), **unique}
