"""
Named keys (issue 17): a key made for one person (`POST /v1/keys {"person": ...}`,
`purdah keys create --person`) signs them in to the console without asking their name, and
the audit log names the person, not the key's label.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.services.keys import create_key, list_keys_of
from app.store.engine import make_engine
from app.store.keys import Role, parse_key
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import auth

PURDAH = shutil.which("purdah") or str(ROOT / ".venv" / "bin" / "purdah")
GRANT = {
    "account": "all",
    "categories": ["event"],
    "start_date": "2029-04-09",
    "start_time": "09:00",
    "end_date": "2029-04-12",
    "end_time": "17:00",
    "reason": "street fair",
}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _sign_in(client: TestClient, key: str, person: str = ""):  # type: ignore[no-untyped-def]
    form = client.get("/console/sign-in")
    return client.post(
        "/console/sign-in",
        data={"person": person, "key": key, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )


def _named_clerk(client: TestClient, engine: Engine, person: str) -> str:
    """A Clerk's key made for `person` (as `purdah keys create --person` makes one)."""
    secret = create_key(
        UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=Role.CLERK,
        name="Clerk's laptop", person=person, now=SEEDED_AT,
    ).key  # fmt: skip
    cache = client.app.state.services.cache  # type: ignore[attr-defined]
    assert cache.refresh(), cache.last_error
    return secret


def _actors(client: TestClient, keys: Keys, action: str) -> list[str]:
    found = client.get("/v1/audit", params={"action": action}, headers=auth(keys.auditor))
    assert found.status_code == 200, found.text
    return [e["actor"] for e in found.json()["events"]]


def test_a_key_minted_for_a_person_lists_them_and_the_log_names_them(
    client: TestClient, seeded: Keys
) -> None:
    made = client.post(
        "/v1/keys",
        json={"role": "viewer", "name": "Deputy Clerk", "person": "  Jane Trelawny "},
        headers=auth(seeded.clerk),
    )
    assert made.status_code == 201, made.text
    assert made.json()["person"] == "Jane Trelawny"
    listed = {k["key_id"]: k for k in client.get("/v1/keys", headers=auth(seeded.clerk)).json()}
    assert listed[made.json()["key_id"]]["person"] == "Jane Trelawny"
    assert listed[parse_key(seeded.clerk)[0]]["person"] is None  # type: ignore[index]
    created = client.get(
        "/v1/audit", params={"action": "key.create"}, headers=auth(seeded.auditor)
    ).json()["events"]
    assert created[-1]["after"] == {
        "name": "Deputy Clerk",
        "role": "viewer",
        "person": "Jane Trelawny",
    }
    assert made.json()["key"] not in str(created)


@pytest.mark.parametrize(
    ("person", "problem"),
    [
        ("   ", "enter the person's name"),
        ("J" * 101, "100 characters or fewer"),
        ("Jane\u0007Trelawny", "control character"),
        ("J" * 201, None),  # over the schema's bound: refused before the service reads it
    ],
)
def test_a_persons_name_is_checked_as_at_sign_in(
    client: TestClient, seeded: Keys, person: str, problem: str | None
) -> None:
    refused = client.post(
        "/v1/keys",
        json={"role": "viewer", "name": "Deputy", "person": person},
        headers=auth(seeded.clerk),
    )
    assert refused.status_code == 422, refused.text
    if problem is not None:
        assert problem in refused.text
    assert len(client.get("/v1/keys", headers=auth(seeded.clerk)).json()) == 4


def test_a_named_clerk_signs_in_without_a_name_and_the_log_names_them(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    key = _named_clerk(client, engine, "Jane Trelawny")
    signed = _sign_in(client, key)
    assert signed.status_code == 303, signed.text
    page = client.get("/console")
    assert "Signed in as Jane Trelawny (clerk)" in page.text
    granted = client.post(
        "/console/overrides", data={**GRANT, "csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    assert granted.status_code == 303, granted.text
    key_id = parse_key(key)[0]  # type: ignore[index]
    assert _actors(client, seeded, "override.grant") == [f"Jane Trelawny ({key_id})"]
    # the API names the person too: a window made with the same key
    made = client.post(
        "/v1/windows",
        json={
            "starts_at": "2030-01-01T00:00:00+00:00",
            "ends_at": "2030-01-02T00:00:00+00:00",
            "reason": "a referendum announced late",
        },
        headers=auth(key),
    )
    assert made.status_code == 201, made.text
    assert _actors(client, seeded, "window.create")[-1] == f"Jane Trelawny ({key_id})"


def test_a_named_key_gives_way_to_no_typed_name_and_an_unnamed_key_still_needs_one(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    key = _named_clerk(client, engine, "Jane Trelawny")
    assert _sign_in(client, key, person="Someone Else").status_code == 303
    assert "Signed in as Jane Trelawny (clerk)" in client.get("/console").text
    client.cookies.clear()
    unnamed = _sign_in(client, seeded.clerk)
    assert unnamed.status_code == 422
    assert "Enter your name" in unnamed.text
    assert seeded.clerk not in unnamed.text
    hostile = _sign_in(client, key, person="Jane\u0000")
    assert hostile.status_code == 422
    assert "control character" in hostile.text


def _run(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PURDAH_DATABASE_URL": url}
    return subprocess.run(
        [PURDAH, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


def test_purdah_keys_create_person_makes_a_named_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    assert _run("db", "upgrade", url=url).returncode == 0
    assert _run("seed", url=url).returncode == 0

    made = _run(
        "keys", "create", "--role", "clerk", "--name", "Clerk", "--person", "Jane Trelawny", url=url
    )
    bad = _run("keys", "create", "--role", "clerk", "--name", "x", "--person", "a\tb", url=url)
    listed = _run("keys", "list", url=url)

    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("pdh_")
    assert "for Jane Trelawny" in made.stderr
    assert bad.returncode == 2
    assert "control character" in bad.stderr
    assert "(held by Jane Trelawny)" in listed.stdout
    engine = make_engine(url)
    try:
        held = {k.id: k.person for k in list_keys_of(UnitOfWork(engine), "redruth")}
    finally:
        engine.dispose()
    assert held[parse_key(made.stdout.strip())[0]] == "Jane Trelawny"  # type: ignore[index]
    assert sorted(held.values(), key=str) == ["Jane Trelawny", None]
