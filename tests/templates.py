"""
Template databases: a test starts from a migrated or seeded database without building one.

Migrating (Alembic) and seeding (policy, calendars, audit chain, keys) cost up to a second a
test on a busy machine, and most tests need both. So each test session (each pytest-xdist
worker is a session of its own):

- migrates one template database per backend, and copies it for every fresh database a test
  asks for (`MigratedTemplates`): a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on
  PostgreSQL;
- seeds its session database once, keeps the seeded rows aside (`SeededRows.keep`), and puts
  them back before every test that asks for them (`SeededRows.restore`): on SQLite by the
  online backup into the same file (the engine, its pool and its file watch carry on); on
  PostgreSQL by deleting every row and copying the kept rows back from a schema of their own,
  sequences included, in one transaction. Whatever a test wrote is gone before the next one.
"""

import secrets
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.engine import make_url

from app.store.engine import upgrade

__all__ = ["MigratedTemplates", "SeededRows", "create_postgres_database", "drop_postgres_database"]

KEPT = "purdah_test_seeded"  # the PostgreSQL schema holding the seeded rows


def _admin(admin_url: str) -> Engine:
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def create_postgres_database(admin_url: str, template: str | None = None) -> tuple[str, str]:
    """A new database (a copy of `template` when given): its name and URL."""
    name = f"purdah_test_{secrets.token_hex(6)}"
    admin = _admin(admin_url)
    copy = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, name: str) -> None:
    admin = _admin(admin_url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class MigratedTemplates:
    """A database migrated to the latest revision, once per backend and session, to copy."""

    folder: Path
    _sqlite: Path | None = None
    _postgres: tuple[str, str] | None = None  # (admin URL, template database name)

    def sqlite_copy(self, path: Path) -> str:
        """A migrated SQLite database at `path`: its URL."""
        if self._sqlite is None:
            template = self.folder / "migrated.db"
            upgrade(f"sqlite:///{template}")  # its engine is disposed: the WAL is checkpointed
            self._sqlite = template
        shutil.copyfile(self._sqlite, path)
        return f"sqlite:///{path}"

    def postgres_copy(self, admin_url: str) -> tuple[str, str]:
        """A new migrated PostgreSQL database: its name and URL."""
        if self._postgres is None:
            name, url = create_postgres_database(admin_url)
            upgrade(url)  # no connection to it is left open, as a template needs
            self._postgres = (admin_url, name)
        return create_postgres_database(admin_url, template=self._postgres[1])

    def drop(self) -> None:
        if self._postgres is not None:
            drop_postgres_database(*self._postgres)


@dataclass
class SeededRows:
    """The rows of a seeded database, kept aside; `restore()` puts the database back to them."""

    engine: Engine
    _backup: sqlite3.Connection | None = None
    _restore_sql: str = ""
    _tables: list[str] = field(default_factory=list)

    @classmethod
    def keep(cls, engine: Engine) -> "SeededRows":
        kept = cls(engine)
        if engine.dialect.name == "sqlite":
            kept._backup = sqlite3.connect(":memory:", check_same_thread=False)
            raw = engine.raw_connection()
            try:
                raw.driver_connection.backup(kept._backup)  # type: ignore[union-attr]
            finally:
                raw.close()
        else:
            kept._keep_postgres()
        return kept

    def _keep_postgres(self) -> None:
        tables = MetaData()
        tables.reflect(bind=self.engine)
        order = [t.name for t in tables.sorted_tables if t.name != "alembic_version"]
        with self.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{KEPT}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{KEPT}"'))
            for table in order:
                connection.execute(
                    text(f'CREATE TABLE "{KEPT}"."{table}" AS TABLE public."{table}"')
                )
            sequences = connection.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            ).all()
        # table names read from the database's own catalogue, not input
        statements = [f'DELETE FROM public."{table}"' for table in reversed(order)]  # noqa: S608
        statements += [
            f'INSERT INTO public."{table}" SELECT * FROM "{KEPT}"."{table}"'  # noqa: S608
            for table in order
        ]
        statements += [
            f"SELECT setval('public.\"{name}\"', {value}, true)"
            if value is not None
            else f"SELECT setval('public.\"{name}\"', 1, false)"
            for name, value in sequences
        ]
        self._tables = order
        self._restore_sql = ";\n".join(statements)

    def restore(self) -> None:
        """Every table back to the kept rows; nothing a test wrote survives."""
        if self._backup is not None:
            raw = self.engine.raw_connection()
            try:
                self._backup.backup(raw.driver_connection)  # type: ignore[arg-type]
            finally:
                raw.close()
            return
        with self.engine.begin() as connection:
            connection.exec_driver_sql(self._restore_sql)

    def close(self) -> None:
        if self._backup is not None:
            self._backup.close()
