"""Bearer keys and roles, and problem+json for every error (401, 403, 404, 405, 422, 500, 503)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.main import create_app
from app.services.keys import revoke_key
from app.store import queries
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import Clock, auth

CAN_PUBLISH = "/v1/accounts/facebook-redruthtowncouncil/can-publish?at=2025-04-10T12:00:00%2B01:00"
NEW_ELECTION = {"election_id": "parish.redruth.north.by.2027-02-11"}
NEW_WINDOW = {
    "starts_at": "2027-06-01T00:00:00+01:00",
    "ends_at": "2027-06-08T00:00:00+01:00",
    "reason": "Clerk's review of content (policy 3.2)",
}

# (method, path, body, roles allowed): the table of roles in docs/api.md.
ENDPOINTS = [
    ("GET", CAN_PUBLISH, None, {"clerk", "scheduler", "viewer", "auditor"}),
    (
        "POST",
        "/v1/decisions",
        {"checks": [{"account_id": "facebook-redruthtowncouncil"}]},
        {"clerk", "scheduler", "viewer", "auditor"},
    ),
    ("GET", "/v1/accounts", None, {"clerk", "scheduler", "viewer", "auditor"}),
    (
        "GET",
        "/v1/accounts/facebook-redruthtowncouncil",
        None,
        {"clerk", "scheduler", "viewer", "auditor"},
    ),
    ("GET", "/v1/elections", None, {"clerk", "scheduler", "viewer", "auditor"}),
    (
        "GET",
        "/v1/elections/parish.redruth.2029-05-03",
        None,
        {"clerk", "scheduler", "viewer", "auditor"},
    ),
    (
        "GET",
        "/v1/elections/parl.2019-12-12/timetable",
        None,
        {"clerk", "scheduler", "viewer", "auditor"},
    ),
    ("GET", "/v1/windows", None, {"clerk", "scheduler", "viewer", "auditor"}),
    ("GET", "/v1/policy", None, {"clerk", "scheduler", "viewer", "auditor"}),
    ("POST", "/v1/elections", NEW_ELECTION, {"clerk"}),
    (
        "PATCH",
        "/v1/elections/parish.redruth.2029-05-03",
        {"notice_published": "2029-03-16", "notice_reason": "published by the returning officer"},
        {"clerk"},
    ),
    ("POST", "/v1/windows", NEW_WINDOW, {"clerk"}),
]
ROLES = ("clerk", "scheduler", "viewer", "auditor")


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    ENDPOINTS,
    ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in ENDPOINTS],
)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_call_only_its_endpoints(
    client: TestClient,
    seeded: Keys,
    role: str,
    method: str,
    path: str,
    body: object,
    allowed: set[str],
) -> None:
    response = client.request(method, path, json=body, headers=auth(seeded.of(role)))

    if role in allowed:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403
        assert response.json()["type"] == "/problems/forbidden"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer pdh_000000000000_wrong"},
    ],
    ids=["no-header", "basic", "malformed", "unknown-key"],
)
def test_no_key_or_a_wrong_key_is_401(
    client: TestClient, seeded: Keys, headers: dict[str, str]
) -> None:
    response = client.get(CAN_PUBLISH, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_right_key_id_with_a_wrong_secret_is_401(client: TestClient, seeded: Keys) -> None:
    key_id = seeded.scheduler.split("_")[1]

    response = client.get(CAN_PUBLISH, headers=auth(f"pdh_{key_id}_not-the-secret"))

    assert response.status_code == 401


def test_a_revoked_key_is_refused(client: TestClient, engine: Engine, seeded: Keys) -> None:
    key_id = seeded.scheduler.split("_")[1]
    revoke_key(
        UnitOfWork(engine),
        "redruth",
        Actor("tests", "operator"),
        key_id=key_id,
        reason="left the council",
        now=SEEDED_AT,
    )
    client.app.state.services.cache.refresh()  # type: ignore[attr-defined]

    response = client.get(CAN_PUBLISH, headers=auth(seeded.scheduler))

    assert response.status_code == 401


def test_an_unknown_path_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_a_wrong_method_is_a_405_problem(client: TestClient, seeded: Keys) -> None:
    response = client.delete("/v1/policy", headers=auth(seeded.clerk))

    assert response.status_code == 405
    assert response.json()["title"] == "Method not allowed"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/decisions"),
        ("POST", "/v1/windows"),
        ("POST", "/v1/overrides"),
        ("POST", "/v1/elections/import"),
        ("PATCH", "/v1/elections/parl.2024-07-04"),
    ],
    ids=["batch", "windows", "overrides", "import", "patch-election"],
)
def test_malformed_json_is_a_400_problem_naming_its_line_and_column(
    client: TestClient, seeded: Keys, method: str, path: str
) -> None:
    """Every operation that reads JSON answers the same for JSON it cannot read (issue 14)."""
    response = client.request(
        method,
        path,
        content=b'{\n  "reason": }',
        headers={**auth(seeded.clerk), "Content-Type": "application/json"},
    )

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/malformed-body"
    assert (response.json()["line"], response.json()["column"]) == (2, 13)
    assert "line 2, column 13" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/v1/decisions", "text/plain"),
        ("POST", "/v1/windows", "text/plain"),
        ("POST", "/v1/overrides", "application/x-www-form-urlencoded"),
        ("PATCH", "/v1/elections/parl.2024-07-04", "text/plain"),
        ("POST", "/v1/elections/import", "image/png"),
    ],
    ids=["batch", "windows", "overrides-form", "patch-election", "import"],
)
def test_a_body_in_a_media_type_the_operation_does_not_take_is_415(
    client: TestClient, seeded: Keys, method: str, path: str, content_type: str
) -> None:
    response = client.request(
        method,
        path,
        content=b'{"reason": "r"}',
        headers={**auth(seeded.clerk), "Content-Type": content_type},
    )

    assert response.status_code == 415, response.text
    assert response.json()["type"] == "/problems/unsupported-media-type"


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(
    client: TestClient, seeded: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        msg = "secret internal detail: password=hunter2"
        raise RuntimeError(msg)

    monkeypatch.setattr(queries, "list_accounts", explode)

    response = client.get("/v1/accounts", headers=auth(seeded.viewer))

    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal-error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_a_value_the_database_refuses_is_a_422_not_a_500(
    client: TestClient, engine: Engine, seeded: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value our checks let through but the database refuses (issue 13): 422, nothing echoed."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite stores any value in any column, so it raises no DataError to provoke")

    def refused(*_args: object, **_kwargs: object) -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT CAST(:value AS integer)"), {"value": "x\u00e9"})

    monkeypatch.setattr(queries, "list_accounts", refused)

    response = client.get("/v1/accounts", headers=auth(seeded.viewer))

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"
    assert "integer" not in response.text


def test_too_many_failed_authentications_from_one_address_get_429_with_retry_after(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", auth_failure_limit=3
    )
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        wrong = [
            client.get("/v1/accounts", headers=auth("pdh_000000000000_guess")).status_code
            for _ in range(3)
        ]
        blocked = client.get("/v1/accounts", headers=auth("pdh_000000000000_guess"))
        fast_path = client.get(
            "/v1/accounts/facebook-redruthtowncouncil/can-publish", headers=auth("pdh_x")
        )
        valid = client.get("/v1/accounts", headers=auth(seeded.viewer))
        valid_fast_path = client.get(
            "/v1/accounts/facebook-redruthtowncouncil/can-publish", headers=auth(seeded.viewer)
        )

    assert wrong == [401, 401, 401]
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert fast_path.status_code == 429
    # a valid key is never refused for failures, even its own address's
    assert (valid.status_code, valid_fast_path.status_code) == (200, 200)


def test_the_docs_pages_carry_security_headers_with_a_fresh_nonce(client: TestClient) -> None:
    first, second = client.get("/docs"), client.get("/docs")
    redoc = client.get("/redoc")
    script = client.get("/static/docs/swagger-ui-bundle.js")

    policy = first.headers["content-security-policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in first.text  # the inline script runs by its nonce
    assert nonce not in second.headers["content-security-policy"]  # new for every page
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    for page in (first, redoc):
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
    assert script.headers["x-content-type-options"] == "nosniff"


def test_the_clerk_sees_every_key_with_its_last_use_and_never_a_secret(
    client: TestClient, seeded: Keys
) -> None:
    before = {k["key_id"]: k for k in client.get("/v1/keys", headers=auth(seeded.clerk)).json()}
    client.get("/v1/accounts", headers=auth(seeded.scheduler))

    after = client.get("/v1/keys", headers=auth(seeded.auditor))

    keys = {k["key_id"]: k for k in after.json()}
    scheduler = seeded.scheduler.split("_")[1]
    viewer = seeded.viewer.split("_")[1]
    assert after.status_code == 200
    assert before[scheduler]["last_used_at"] is None
    assert keys[scheduler]["last_used_at"] is not None
    assert keys[scheduler]["role"] == "scheduler"
    assert keys[viewer]["last_used_at"] is None  # not used in this test
    for key in (seeded.clerk, seeded.scheduler, seeded.viewer, seeded.auditor):
        assert key.split("_", 2)[2] not in after.text
    assert "sha256" not in after.text
