"""
The Clerk mints and revokes keys through the API (`POST /v1/keys`, `POST /v1/keys/{key_id}/revoke`),
so an integrator can be handed a key without shell access: only scheduler, viewer and auditor
keys; the key shown once and never again; revocation at once on the replica that revoked it
and within the poll on another; one council's keys out of another's reach.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app
from app.services.keys import create_key
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import Clock, add_penryn, auth, two_council_app

CAN_PUBLISH = "/v1/accounts/facebook-redruthtowncouncil/can-publish"
# What each mintable role may do, and one thing it may not.
ALLOWED = {
    "scheduler": ("GET", CAN_PUBLISH),
    "viewer": ("GET", "/v1/policy"),
    "auditor": ("GET", "/v1/audit"),
}
FORBIDDEN = {
    "scheduler": ("GET", "/v1/audit"),
    "viewer": ("POST", "/v1/requests"),
    "auditor": ("POST", "/v1/windows"),
}


def _mint(client: TestClient, clerk: str, role: str = "scheduler", name: str = "Hootsuite") -> Any:
    made = client.post("/v1/keys", json={"role": role, "name": name}, headers=auth(clerk))
    assert made.status_code == 201, made.text
    return made.json()


def _revoke(client: TestClient, clerk: str, key_id: str, reason: str = "tool retired") -> Any:
    return client.post(f"/v1/keys/{key_id}/revoke", json={"reason": reason}, headers=auth(clerk))


def _key_id(key: str) -> str:
    return key.split("_")[1]


def _listed(client: TestClient, clerk: str) -> list[tuple[str, str, str | None]]:
    """The keys as listed, without their last use (it moves with every request)."""
    listed = client.get("/v1/keys", headers=auth(clerk))
    assert listed.status_code == 200, listed.text
    return [(k["key_id"], k["role"], k["revoked_at"]) for k in listed.json()]


def _fields(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


# --- minting ---


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_the_clerk_mints_a_key_that_works_at_once_for_its_role_and_no_further(
    client: TestClient, seeded: Keys, role: str
) -> None:
    made = client.post(
        "/v1/keys", json={"role": role, "name": "Integrator"}, headers=auth(seeded.clerk)
    )
    body = made.json()
    key = body["key"]
    allowed = client.request(*ALLOWED[role], headers=auth(key))
    forbidden = client.request(*FORBIDDEN[role], json={}, headers=auth(key))
    mint = client.post("/v1/keys", json={"role": "viewer", "name": "more"}, headers=auth(key))
    located = client.get(made.headers["location"], headers=auth(seeded.clerk))

    assert made.status_code == 201, made.text
    assert key.startswith(f"pdh_{body['key_id']}_")
    assert (body["role"], body["name"], body["revoked_at"]) == (role, "Integrator", None)
    assert made.headers["location"] == f"/v1/keys/{body['key_id']}"
    assert allowed.status_code == 200, allowed.text
    assert forbidden.status_code == 403, forbidden.text
    assert mint.status_code == 403
    assert mint.json()["type"] == "/problems/forbidden"
    assert located.status_code == 200
    assert located.json()["key_id"] == body["key_id"]
    assert "key" not in located.json()


@pytest.mark.parametrize("role", ["clerk", "operator", "root", ""])
def test_no_clerk_or_operator_key_is_minted_and_the_refusal_names_the_allowed_roles(
    client: TestClient, seeded: Keys, role: str
) -> None:
    before = _listed(client, seeded.clerk)

    refused = client.post(
        "/v1/keys", json={"role": role, "name": "escalation"}, headers=auth(seeded.clerk)
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "/problems/validation-error"
    message = _fields(refused)["role"]
    assert all(name in message for name in ("scheduler", "viewer", "auditor")), message
    assert _listed(client, seeded.clerk) == before


def test_the_service_refuses_a_role_outside_those_allowed(engine: Engine, seeded: Keys) -> None:
    """The route's schema refuses them first; the one service function refuses them too."""
    from app.domain.errors import InvalidChange
    from app.services.keys import MINTABLE_ROLES

    with pytest.raises(InvalidChange, match="scheduler, viewer, auditor"):
        create_key(
            UnitOfWork(engine),
            "redruth",
            Actor("tests", "clerk"),
            role=Role.CLERK,
            name="x",
            now=SEEDED_AT,
            allowed_roles=MINTABLE_ROLES,
        )


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_the_clerk_mints_or_revokes(client: TestClient, seeded: Keys, role: str) -> None:
    victim = _key_id(seeded.viewer)

    mint = client.post(
        "/v1/keys", json={"role": "scheduler", "name": "x"}, headers=auth(seeded.of(role))
    )
    revoke = _revoke(client, seeded.of(role), victim)
    anonymous = client.post("/v1/keys", json={"role": "scheduler", "name": "x"})

    assert (mint.status_code, revoke.status_code, anonymous.status_code) == (403, 403, 401)
    assert client.get(CAN_PUBLISH, headers=auth(seeded.viewer)).status_code == 200


# --- the secret, once ---


def test_the_secret_is_shown_once_and_never_in_the_list_or_the_audit_log(
    client: TestClient, seeded: Keys
) -> None:
    body = _mint(client, seeded.clerk, "scheduler", "Hootsuite")
    secret = body["key"].split("_", 2)[2]
    revoked = _revoke(client, seeded.clerk, body["key_id"])

    listed = client.get("/v1/keys", headers=auth(seeded.clerk))
    one = client.get(f"/v1/keys/{body['key_id']}", headers=auth(seeded.auditor))
    audit = client.get("/v1/audit", params={"limit": 1000}, headers=auth(seeded.auditor))
    events = [e for e in audit.json()["events"] if e["target"] == body["key_id"]]

    assert revoked.status_code == 200, revoked.text
    assert listed.status_code == one.status_code == audit.status_code == 200
    for text in (listed.text, one.text, audit.text):
        assert secret not in text
        assert body["key"] not in text
    assert [e["action"] for e in events] == ["key.create", "key.revoke"]
    create, revoke = events
    assert create["after"] == {"name": "Hootsuite", "role": "scheduler"}
    assert create["role"] == "clerk"
    assert _key_id(seeded.clerk) in create["actor"]
    assert revoke["reason"] == "tool retired"
    mine = [k for k in listed.json() if k["key_id"] == body["key_id"]]
    assert len(mine) == 1
    assert mine[0]["revoked_at"] is not None
    assert "key" not in mine[0]


# --- revocation ---


def test_a_revoked_key_stops_at_once_here_and_on_another_replica_after_its_poll(
    client: TestClient, engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    key = _mint(client, seeded.clerk)["key"]
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    other_app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(other_app, raise_server_exceptions=False) as other:
        other_cache = other_app.state.services.cache
        assert other_cache.refresh(), other_cache.last_error
        before = other.get(CAN_PUBLISH, headers=auth(key))

        revoked = _revoke(client, seeded.clerk, _key_id(key))
        here = client.get(CAN_PUBLISH, headers=auth(key))
        assert other_cache.refresh(), other_cache.last_error  # its poll
        there = other.get(CAN_PUBLISH, headers=auth(key))

    assert before.status_code == 200, before.text
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["role"] == "scheduler"
    assert here.status_code == 401
    assert there.status_code == 401


def test_a_key_revoked_already_is_409(client: TestClient, seeded: Keys) -> None:
    key_id = _mint(client, seeded.clerk)["key_id"]
    first = _revoke(client, seeded.clerk, key_id)

    second = _revoke(client, seeded.clerk, key_id, reason="again")

    assert first.status_code == 200
    assert second.status_code == 409, second.text
    assert second.json()["type"] == "/problems/already-exists"
    assert "was revoked" in second.json()["detail"]


def test_the_clerk_cannot_revoke_its_own_key(client: TestClient, seeded: Keys) -> None:
    refused = _revoke(client, seeded.clerk, _key_id(seeded.clerk), reason="oops")

    assert refused.status_code == 409, refused.text
    assert "lock you out" in refused.json()["detail"]
    assert client.get("/v1/keys", headers=auth(seeded.clerk)).status_code == 200


def test_a_clerk_revokes_another_clerks_key_but_not_the_operators(
    client: TestClient, engine: Engine, seeded: Keys
) -> None:
    other_clerk, operator = (
        create_key(
            UnitOfWork(engine),
            "redruth",
            Actor("tests", "operator"),
            role=role,
            name=name,
            now=SEEDED_AT,
        )
        for role, name in ((Role.CLERK, "Deputy Clerk"), (Role.OPERATOR, "platform"))
    )
    client.app.state.services.cache.refresh()  # type: ignore[attr-defined]

    deputy = _revoke(client, seeded.clerk, other_clerk.key_id, reason="left the council")
    platform = _revoke(client, seeded.clerk, operator.key_id)

    assert deputy.status_code == 200, deputy.text
    assert client.get("/v1/keys", headers=auth(other_clerk.key)).status_code == 401
    assert platform.status_code == 409, platform.text
    assert "purdah keys revoke" in platform.json()["detail"]
    assert client.get("/v1/organisations", headers=auth(operator.key)).status_code == 200


@pytest.mark.parametrize("key_id", ["000000000000", "nosuchkey"])
def test_an_unknown_key_is_404(client: TestClient, seeded: Keys, key_id: str) -> None:
    revoke = _revoke(client, seeded.clerk, key_id)
    read = client.get(f"/v1/keys/{key_id}", headers=auth(seeded.clerk))

    assert (revoke.status_code, read.status_code) == (404, 404)
    assert revoke.json()["type"] == "/problems/not-found"


def test_a_key_id_too_long_is_422(client: TestClient, seeded: Keys) -> None:
    response = _revoke(client, seeded.clerk, "k" * 41)

    assert response.status_code == 422


# --- one council's keys are out of another's reach ---


@pytest.fixture
def platform(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[tuple[TestClient, str]]:
    """Redruth's and Penryn's policies on one deployment; Penryn added: its first Clerk key."""
    with two_council_app(engine, database_url, clock, tmp_path / "policies") as (client, operator):
        yield client, add_penryn(client, operator)


def test_a_council_cannot_revoke_or_read_another_councils_key(
    platform: tuple[TestClient, str], seeded: Keys
) -> None:
    client, penryn = platform
    redruth_tool = _key_id(seeded.scheduler)

    revoke = _revoke(client, penryn, redruth_tool)
    read = client.get(f"/v1/keys/{redruth_tool}", headers=auth(penryn))
    back = _revoke(client, seeded.clerk, _key_id(penryn))

    assert revoke.status_code == 404, revoke.text
    assert read.status_code == 404
    assert back.status_code == 404, back.text
    assert client.get(CAN_PUBLISH, headers=auth(seeded.scheduler)).status_code == 200
    assert client.get("/v1/keys", headers=auth(penryn)).status_code == 200


def test_a_key_minted_by_one_council_is_that_councils_alone(
    platform: tuple[TestClient, str], seeded: Keys
) -> None:
    client, penryn = platform

    made = _mint(client, penryn, "viewer", "Penryn library")
    theirs = client.get("/v1/keys", headers=auth(penryn)).json()
    ours = client.get("/v1/keys", headers=auth(seeded.clerk)).json()
    accounts = client.get("/v1/accounts", headers=auth(made["key"])).json()

    assert made["key_id"] in {k["key_id"] for k in theirs}
    assert made["key_id"] not in {k["key_id"] for k in ours}
    assert {a["account_id"] for a in accounts} >= {"facebook-penryntowncouncil"}
    assert "facebook-redruthtowncouncil" not in {a["account_id"] for a in accounts}
    assert client.get(CAN_PUBLISH, headers=auth(made["key"])).status_code == 404


# --- names and bodies ---


@pytest.mark.parametrize(
    "name",
    ["nul\x00here", "line\nfeed", "tab\there", "\x1b[2Jclear", "next\x85line", "del\x7f"],
    ids=["nul", "line-feed", "tab", "escape", "c1-next-line", "delete"],
)
def test_a_name_with_a_control_character_is_422(
    client: TestClient, seeded: Keys, name: str
) -> None:
    response = client.post(
        "/v1/keys", json={"role": "scheduler", "name": name}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422, response.text
    assert "name" in _fields(response)


@pytest.mark.parametrize(
    ("name", "status"),
    [("n" * 200, 201), ("n" * 201, 422), ("n" * 100_000, 422), ("", 422), ("   ", 422)],
    ids=["200", "201", "100000", "empty", "blank"],
)
def test_names_are_1_to_200_characters(
    client: TestClient, seeded: Keys, name: str, status: int
) -> None:
    before = len(client.get("/v1/keys", headers=auth(seeded.clerk)).json())

    response = client.post(
        "/v1/keys", json={"role": "viewer", "name": name}, headers=auth(seeded.clerk)
    )
    after = len(client.get("/v1/keys", headers=auth(seeded.clerk)).json())

    assert response.status_code == status, response.text[:300]
    assert after == before + (1 if status == 201 else 0)
    if status == 422:
        assert "name" in _fields(response)


def test_a_name_is_kept_as_the_list_shows_it(client: TestClient, seeded: Keys) -> None:
    made = _mint(client, seeded.clerk, "viewer", "  Office calendar  ")
    listed = client.get(f"/v1/keys/{made['key_id']}", headers=auth(seeded.clerk)).json()

    assert made["name"] == listed["name"] == "Office calendar"


@pytest.mark.parametrize(
    "raw",
    [
        '{"role": "clerk", "role": "scheduler", "name": "x"}',
        '{"role": "scheduler", "role": "clerk", "name": "x"}',
        '{"role": "viewer", "name": "x", "name": "y"}',
    ],
    ids=["clerk-first", "clerk-last", "name-twice"],
)
def test_a_field_given_twice_is_422(client: TestClient, seeded: Keys, raw: str) -> None:
    before = len(client.get("/v1/keys", headers=auth(seeded.clerk)).json())

    response = client.post(
        "/v1/keys",
        content=raw,
        headers={**auth(seeded.clerk), "content-type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert "more than once" in response.text
    assert len(client.get("/v1/keys", headers=auth(seeded.clerk)).json()) == before


def test_a_reason_given_twice_or_not_at_all_is_422(client: TestClient, seeded: Keys) -> None:
    key_id = _mint(client, seeded.clerk)["key_id"]
    headers = {**auth(seeded.clerk), "content-type": "application/json"}

    twice = client.post(
        f"/v1/keys/{key_id}/revoke", content='{"reason": "a", "reason": "b"}', headers=headers
    )
    none = client.post(f"/v1/keys/{key_id}/revoke", json={}, headers=headers)

    assert (twice.status_code, none.status_code) == (422, 422)
    assert client.get(f"/v1/keys/{key_id}", headers=auth(seeded.clerk)).json()["revoked_at"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"role": "scheduler", "name": "x", "organisation_id": "penryn"},
        {"role": "scheduler", "name": "x", "key": "pdh_000000000000_chosen"},
        {"role": "scheduler"},
        {"name": "x"},
        ["scheduler", "x"],
    ],
    ids=["organisation", "chosen-key", "no-name", "no-role", "a-list"],
)
def test_unknown_or_missing_fields_are_422(client: TestClient, seeded: Keys, body: Any) -> None:
    response = client.post("/v1/keys", json=body, headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-error"


def test_a_repeated_field_without_a_key_is_401_first(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        "/v1/keys",
        content='{"role": "viewer", "role": "viewer", "name": "x"}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 401
