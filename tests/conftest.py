"""
Shared fixtures. The clock is a fixture: no test reads today's date.

Databases: every test that asks for `database_url` runs twice, on SQLite and on PostgreSQL
(`PURDAH_TEST_POSTGRES_URL`, default postgresql://postgres@127.0.0.1:5432/test). Each test
session (each pytest-xdist worker) migrates a fresh database of its own and seeds it once;
each test that asks for `seeded` starts from those seeded rows, put back (tests/templates.py),
so no test sees another's writes. Where PostgreSQL cannot be reached the postgres cases skip
and say why; under CI (`CI=true`) that is a failure instead.
"""

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.calendars import read_election_calendar
from app.domain import UTC
from app.services.keys import create_key
from app.services.organisations import seed
from app.store import load_policy
from app.store.engine import make_engine
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.openapi_once import openapi_once
from tests.templates import MigratedTemplates, SeededRows, drop_postgres_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = (
    "console_session",
    "time_event",
    "time_schedule",
    "webhook_delivery",
    "webhook",
    "outbox_event",
    "override_reliance",
    "audit_event",
    "feed_event",
    "feed_token",
    "election_schedule",
    "restricted_period",
    "election",
    "manual_window",
    "override",
    "candidate",
    "api_key",
    "dies_non",
    "account",
    "organisation",
)


@pytest.fixture(scope="session", autouse=True)
def _openapi_once() -> Iterator[None]:
    """Every app of this session shares one generation of the OpenAPI document, copied
    (tests/openapi_once.py): the same document for a fraction of the cost."""
    with openapi_once():
        yield


# Tests that spend seconds starting processes (servers, the console script, a browser).
STARTS_PROCESSES = ("test_operator_commands.py", "test_policy_command.py", "test_fuzz.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest tests first, so that the workers share out the quick ones around them
    rather than finish on a tail of slow ones (the order tests run in is not a contract)."""
    items.sort(
        key=lambda item: (
            not (item.get_closest_marker("server") or item.path.name in STARTS_PROCESSES)
        )
    )


@pytest.fixture(autouse=True)
def _destructive_alone(request: pytest.FixtureRequest) -> None:
    """A test that stops PostgreSQL would fail every test another worker runs meanwhile."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if request.node.get_closest_marker("destructive") and workers > 1:
        pytest.fail(
            f"a destructive test must run alone, not beside {workers - 1} other worker(s): "
            "pytest -m destructive (make test runs them after the rest)"
        )


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' for decisions (evaluated_at)."""
    return dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _postgres_admin_url() -> str:
    return os.environ.get("PURDAH_TEST_POSTGRES_URL", DEFAULT_POSTGRES).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server, or a skip (a failure under CI)."""
    url = _postgres_admin_url()
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)}: {str(exc).splitlines()[0]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI requires it)")
        print(f"\nSKIPPING postgres cases: {reason}")  # noqa: T201 - a skip says why
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    """This session's migrated databases to copy, made when first asked for."""
    templates = MigratedTemplates(tmp_path_factory.mktemp("migrated"))
    yield templates
    templates.drop()


@contextmanager
def migrated_database(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database migrated to the latest revision: a SQLite file in `folder`, or a new
    PostgreSQL database dropped afterwards (each a copy of this session's migrated template)."""
    templates: MigratedTemplates = request.getfixturevalue("migrated_templates")
    if backend == "sqlite":
        yield templates.sqlite_copy(folder / "purdah.db")
        return
    admin_url = request.getfixturevalue("postgres_server")
    name, url = templates.postgres_copy(admin_url)
    try:
        yield url
    finally:
        drop_postgres_database(admin_url, name)


def seed_shipped(url: str) -> str:
    """Seed Redruth as `make run` does; return the first Clerk key."""
    engine = make_engine(url)
    try:
        report = seed(
            UnitOfWork(engine),
            load_policy(ROOT / "policies" / "redruth.yaml"),
            read_election_calendar(ROOT / "calendars" / "redruth.ics"),
            policy_file="redruth.yaml",
            now=dt.datetime.now(UTC),
        )
    finally:
        engine.dispose()
    assert report.first_clerk_key is not None
    return report.first_clerk_key.key


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database of this test session, on each backend."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db"), request) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names, not input


@dataclass(frozen=True)
class Keys:
    """One API key of each role for the seeded organisation."""

    clerk: str
    scheduler: str
    viewer: str
    auditor: str

    def of(self, role: str) -> str:
        return str(getattr(self, role))


SEEDED_AT = dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def seeded_rows(engine: Engine) -> Iterator[tuple[Keys, SeededRows]]:
    """This session's database seeded once, and its rows kept aside for `seeded`."""
    keys = _seed(engine)
    kept = SeededRows.keep(engine)
    yield keys, kept
    kept.close()


@pytest.fixture
def seeded(seeded_rows: tuple[Keys, SeededRows]) -> Keys:
    """The database as `make run` seeds it, with a key of every role: the seeded rows put back,
    so nothing an earlier test wrote is there."""
    keys, kept = seeded_rows
    kept.restore()
    return keys


def _seed(engine: Engine) -> Keys:
    """The database emptied and seeded as `make run` seeds it, with a key of every role."""
    _empty(engine)
    policy = load_policy(ROOT / "policies" / "redruth.yaml")
    shipped = read_election_calendar(ROOT / "calendars" / "redruth.ics")
    report = seed(UnitOfWork(engine), policy, shipped, policy_file="redruth.yaml", now=SEEDED_AT)
    assert report.first_clerk_key is not None
    operator = Actor("tests", "operator")
    made = {
        role: create_key(
            UnitOfWork(engine),
            "redruth",
            operator,
            role=Role(role),
            name=f"{role} test key",
            now=SEEDED_AT,
        ).key
        for role in ("scheduler", "viewer", "auditor")
    }
    return Keys(clerk=report.first_clerk_key.key, **made)
