"""
Engines and migrations.

SQLite is the embedded default (WAL, foreign keys on, a busy timeout so a second writer
waits rather than fails); PostgreSQL is reached through psycopg 3. The schema comes only
from Alembic (`purdah db upgrade`); the app refuses an unmigrated database.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from app.domain.audit import canonical_json
from app.store import text_guard  # noqa: F401 - registers the check before every flush

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "DatabaseFileLost",
    "DatabaseNotMigrated",
    "DatabaseUnreachable",
    "alembic_config",
    "check_migrated",
    "check_reachable",
    "database_errors",
    "missing_sqlite_file",
    "make_engine",
    "ping",
    "upgrade",
]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseNotMigrated(RuntimeError):
    """The database's schema is not at the latest migration."""


class DatabaseUnreachable(RuntimeError):
    """The database could not be reached or read; the message is the driver's first line."""


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn the driver's errors into `DatabaseUnreachable`, for callers that know no SQL."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise DatabaseUnreachable(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc


def missing_sqlite_file(url: str) -> str | None:
    """The path of the SQLite file `url` names, if it does not exist (else None)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return parsed.database or ""
    return None


class DatabaseFileLost(OperationalError):
    """
    The SQLite file the engine opened is no longer at its path (moved, deleted or replaced).

    An OperationalError, so it takes the lost-database path everywhere: a write answers 503
    `database-unavailable` and writes nothing, `/readyz` is not ready, and the snapshots are
    no longer confirmed, so decisions fail closed after `PURDAH_SNAPSHOT_MAX_AGE`.
    """

    def __init__(self, path: str, why: str) -> None:
        detail = (
            f"the SQLite database {path} {why}: refusing to read or write until the server "
            "is restarted on the right file"
        )
        super().__init__(None, None, OSError(detail))


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def _watch_file(engine: Engine, path: str) -> None:
    """
    Fail closed when the SQLite file is moved, deleted or replaced under a running server.

    Open connections keep writing to the file they opened, wherever it now is (or to a
    deleted file, lost at exit), and a new connection would create an empty database at the
    path. So the file's identity (device, inode) is recorded when the first connection opens
    it, and checked before each new connection and at every checkout of a pooled one (a
    `stat`, about a microsecond): a different file or none raises `DatabaseFileLost`.
    """
    opened: list[tuple[int, int]] = []

    def check() -> None:
        now = _file_identity(path)
        if now is None:
            raise DatabaseFileLost(path, "was moved or deleted")
        if now != opened[0]:
            raise DatabaseFileLost(path, "was replaced by another file")

    @event.listens_for(engine, "do_connect")
    def _before_connect(*_args: Any) -> None:
        if opened:
            check()

    @event.listens_for(engine, "connect")
    def _after_connect(*_args: Any) -> None:
        if not opened:
            identity = _file_identity(path)
            if identity is not None:
                opened.append(identity)
        else:
            check()

    @event.listens_for(engine, "checkout")
    def _at_checkout(*_args: Any) -> None:
        if opened:
            check()


def _normalise(url: str) -> str:
    """Let operators write `postgresql://`; we always speak psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """
    An engine for `url`, with SQLite's WAL journal, foreign keys and busy timeout.

    A SQLite file's folder is created if missing (`./var/` by default).
    """
    url = _normalise(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_canonical,
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        if database and database != ":memory:" and not database.startswith("file:"):
            _watch_file(engine, os.path.abspath(database))
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, json_serializer=_canonical, **kwargs
    )


def _canonical(value: Any) -> str:
    """JSON columns are written in canonical form, so the audit chain can hash the stored text."""
    return canonical_json(value).decode()


def alembic_config(url: str) -> "Config":
    """Alembic's configuration for `url`, without an alembic.ini on disk."""
    # Alembic is imported where it is used: it costs a second of every `purdah` start.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", _normalise(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """
    Run the migrations up to `revision` (`purdah db upgrade`).

    Raises:
        DatabaseUnreachable: the database cannot be reached or migrated.
    """
    with database_errors():
        from alembic import command

        command.upgrade(alembic_config(url), revision)


def check_migrated(engine: Engine) -> None:
    """
    Refuse a database whose schema is not at the latest migration.

    Raises:
        DatabaseNotMigrated: with the command to run.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        msg = (
            f"the database at {engine.url.render_as_string(hide_password=True)} is at migration "
            f"{current or 'none'}, not {head}: run `purdah db upgrade` (or `make run`)"
        )
        raise DatabaseNotMigrated(msg)


def check_reachable(engine: Engine) -> None:
    """
    `check_migrated`, with the driver's errors as `DatabaseUnreachable`.

    Raises:
        DatabaseNotMigrated: with the command to run.
        DatabaseUnreachable: the database cannot be reached or read.
    """
    with database_errors():
        check_migrated(engine)


def ping(engine: Engine) -> None:
    """Ask the database for one row (readiness). Raises whatever the driver raises."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
