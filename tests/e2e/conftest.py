"""The real app, on a real database, through httpx (FastAPI's TestClient), with a settable clock."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.domain import UTC
from app.main import create_app
from tests.conftest import ROOT, Keys, migrated_database


@dataclass
class Clock:
    """The app's clock; tests move it."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC))

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(engine: Engine, database_url: str, seeded: Keys, clock: Clock) -> Iterator[TestClient]:
    """A client with no key; tests send one with `auth(keys.clerk)`."""
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(params=["postgres", "sqlite"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database that real server processes share, on each backend."""
    with migrated_database(request.param, tmp_path, request) as url:
        yield url
