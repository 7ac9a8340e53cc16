"""The real app, on a real database, through httpx (FastAPI's TestClient), with a settable clock."""

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.domain import UTC
from app.main import create_app, create_services
from app.services.keys import create_key
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys, migrated_database


@dataclass
class Clock:
    """The app's clock; tests move it."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC))

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Ticker:
    """The snapshot cache's monotonic clock, in seconds (`create_app(monotonic=)`); tests move it."""

    seconds: float = 1_000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture(scope="session")
def apps() -> dict[tuple[str, Engine], FastAPI]:
    """This session's apps, one per settings and engine: building one (its routes, its OpenAPI
    document) costs up to two seconds on a busy machine."""
    return {}


@contextmanager
def started(
    apps: dict[tuple[str, Engine], FastAPI],
    settings: Settings,
    engine: Engine,
    clock: Clock,
    ticker: Ticker | None = None,
) -> Iterator[TestClient]:
    """
    A client of this session's app for `settings` on `engine`, started afresh: the app gets
    new services (snapshot cache, throttle, feed cache, keys' last uses, this test's clocks),
    so it is in the state a new app would be in, and starts and stops with the client.
    """
    key = (settings.model_dump_json(), engine)
    if key not in apps:
        apps[key] = create_app(settings, engine=engine, refresh_in_background=False)
    app = apps[key]
    app.state.services = create_services(
        settings, engine=engine, clock=clock, monotonic=ticker or time.monotonic
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def client(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    ticker: Ticker,
    apps: dict[tuple[str, Engine], FastAPI],
) -> Iterator[TestClient]:
    """A client with no key; tests send one with `auth(keys.clerk)`."""
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    with started(apps, settings, engine, clock, ticker) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(params=["postgres", "sqlite"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database that real server processes share, on each backend."""
    with migrated_database(request.param, tmp_path, request) as url:
        yield url


# The Town Clerk allows event posts for a street fair inside the 3 May 2029 elections' period
# (local.cornwall.2029-05-03: notice by 27 March 2029, close of poll 22:00 on 3 May 2029).
STREET_FAIR_OVERRIDE = {
    "account_id": "facebook-redruthtowncouncil",
    "starts_at": "2029-04-09T09:00:00+01:00",
    "ends_at": "2029-04-12T17:00:00+01:00",
    "categories": ["event"],
    "reason": "street fair",
}

# A new account proposed to the Clerk (policy 4.1), on an official address (5.3a).
PROPOSED_ACCOUNT = {
    "account_id": "tiktok-redruth",
    "platform": "tiktok",
    "name": "Redruth on TikTok",
    "kind": "profile",
    "contact_email": "comms@redruth.gov.uk",
    "reason": "r",
}


@contextmanager
def two_council_app(
    engine: Engine,
    database_url: str,
    clock: Clock,
    folder: Path,
    *,
    redruth_policy: str | None = None,
    **settings: object,
) -> Iterator[tuple[TestClient, str]]:
    """
    A client of an app whose policy folder (`folder`, made here) holds Redruth's policy (or
    the text `redruth_policy`) and Penryn's, and an operator key that may add Penryn
    (`add_penryn`).
    """
    folder.mkdir()
    redruth = redruth_policy or (ROOT / "policies" / "redruth.yaml").read_text(encoding="utf-8")
    (folder / "redruth.yaml").write_text(redruth, encoding="utf-8")
    penryn = ROOT / "tests" / "data" / "policies" / "penryn.yaml"
    (folder / "penryn.yaml").write_text(penryn.read_text(encoding="utf-8"), encoding="utf-8")
    operator = create_key(
        UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=Role.OPERATOR,
        name="platform", now=SEEDED_AT,
    ).key  # fmt: skip
    app_settings = Settings(
        database_url=database_url,
        policy_dir=folder,
        calendar_dir=ROOT / "calendars",
        **settings,  # type: ignore[arg-type]
    )
    app = create_app(app_settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, operator


def add_penryn(client: TestClient, operator: str) -> str:
    """Penryn added by the operator, as the API adds a council: its first Clerk key."""
    made = client.post(
        "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(operator)
    )
    assert made.status_code == 201, made.text
    return str(made.json()["first_clerk_key"])
