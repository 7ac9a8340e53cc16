"""
A SQLite file moved, deleted or replaced under a running server: fail closed, acknowledge
no write (issue 13, item 8). SQLite only: PostgreSQL has no file to lose.
"""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.store.engine import make_engine
from tests.conftest import ROOT, migrated_database, seed_shipped

from .conftest import Clock, Ticker, auth

WINDOW = {"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2027-01-02T00:00:00Z", "reason": "x"}


@pytest.fixture
def served(
    tmp_path: Path, request: pytest.FixtureRequest, ticker: Ticker
) -> Iterator[tuple[TestClient, str, Path]]:
    """A server on its own SQLite file: the client, a Clerk key and the file."""
    with migrated_database("sqlite", tmp_path, request) as url:
        clerk = seed_shipped(url)
        engine = make_engine(url)
        settings = Settings(
            database_url=url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
        )
        app = create_app(
            settings, engine=engine, clock=Clock(), monotonic=ticker, refresh_in_background=False
        )
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, clerk, tmp_path / "purdah.db"
        engine.dispose()


def _moved(path: Path) -> None:
    path.rename(path.with_name("moved.db"))


def _deleted(path: Path) -> None:
    path.unlink()


def _replaced(path: Path) -> None:
    shutil.copy(path, path.with_name("copy.db"))
    path.with_name("copy.db").replace(path)


@pytest.mark.parametrize(
    "lose", [_moved, _deleted, _replaced], ids=["moved", "deleted", "replaced"]
)
def test_a_lost_sqlite_file_refuses_writes_and_is_not_ready(
    served: tuple[TestClient, str, Path], lose: Callable[[Path], None]
) -> None:
    client, clerk, path = served
    before = client.post("/v1/windows", json=WINDOW, headers=auth(clerk))
    lose(path)

    after = client.post("/v1/windows", json=WINDOW, headers=auth(clerk))
    ready = client.get("/readyz")
    refreshed = client.app.state.services.cache.refresh()  # type: ignore[attr-defined]

    assert before.status_code == 201
    assert after.status_code == 503
    assert after.json()["type"] == "/problems/database-unavailable"
    assert ready.status_code == 503
    assert ready.json()["database"] == "unreachable: DatabaseFileLost"
    assert refreshed is False


def test_decisions_fail_closed_once_the_lost_file_is_not_confirmed(
    served: tuple[TestClient, str, Path], ticker: Ticker
) -> None:
    """The lost-database path: the snapshot answers until PURDAH_SNAPSHOT_MAX_AGE, then 503 deny."""
    client, clerk, path = served
    _moved(path)
    ticker.seconds += 3600  # PURDAH_SNAPSHOT_MAX_AGE has passed: only a refresh saves it
    refreshed = client.app.state.services.cache.refresh()  # type: ignore[attr-defined]

    response = client.get(
        "/v1/accounts/facebook-redruthtowncouncil/can-publish", headers=auth(clerk)
    )

    assert refreshed is False
    assert response.status_code == 503
    assert response.json()["allowed"] is False


def test_a_deleted_file_is_not_quietly_recreated_empty(
    served: tuple[TestClient, str, Path],
) -> None:
    client, clerk, path = served
    _deleted(path)
    client.app.state.services.engine.pool.dispose()  # type: ignore[attr-defined]

    written = client.post("/v1/windows", json=WINDOW, headers=auth(clerk))

    assert written.status_code == 503
    assert not path.exists()
