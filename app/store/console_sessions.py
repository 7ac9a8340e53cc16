"""
The Clerk's console sessions (`console_session`): started at sign-in, seen on each page,
ended at sign-out or after being idle (`app.services.console` decides when).

Only the SHA-256 of the cookie's token is stored, so a copy of the database signs nobody in.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, or_, update
from sqlmodel import Session

from .engine import database_errors
from .tables import ConsoleSessionRow

__all__ = ["StoredConsoleSession", "add_session", "end_session", "find_session", "touch_session"]


@dataclass(frozen=True, slots=True)
class StoredConsoleSession:
    """A console session as stored (never its token)."""

    token_sha256: str
    organisation_id: str
    key_id: str
    person: str
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    ended_at: dt.datetime | None

    @classmethod
    def of(cls, row: ConsoleSessionRow) -> "StoredConsoleSession":
        return cls(
            token_sha256=row.token_sha256,
            organisation_id=row.organisation_id,
            key_id=row.key_id,
            person=row.person,
            csrf_token=row.csrf_token,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            ended_at=row.ended_at,
        )


_TABLE = ConsoleSessionRow.__table__  # type: ignore[attr-defined]


def add_session(
    engine: Engine,
    *,
    token_sha256: str,
    organisation_id: str,
    key_id: str,
    person: str,
    csrf_token: str,
    now: dt.datetime,
    forget_before: dt.datetime,
) -> StoredConsoleSession:
    """
    Store a new session; delete sessions ended or last seen before `forget_before` (any
    organisation's), so the table holds only live and recent ones.
    """
    with database_errors(), Session(engine) as session:
        session.connection().execute(
            delete(_TABLE).where(
                or_(_TABLE.c.last_seen_at < forget_before, _TABLE.c.ended_at < forget_before)
            )
        )
        row = ConsoleSessionRow(
            token_sha256=token_sha256,
            organisation_id=organisation_id,
            key_id=key_id,
            person=person,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return StoredConsoleSession.of(row)


def find_session(engine: Engine, token_sha256: str) -> StoredConsoleSession | None:
    """The session whose token hashes to `token_sha256`, ended or not, or None."""
    with database_errors(), Session(engine) as session:
        row = session.get(ConsoleSessionRow, token_sha256)
        return StoredConsoleSession.of(row) if row is not None else None


def touch_session(engine: Engine, token_sha256: str, now: dt.datetime) -> None:
    """Note that the session was used at `now` (never moving the time backwards)."""
    with database_errors(), engine.begin() as connection:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.token_sha256 == token_sha256)
            .where(_TABLE.c.last_seen_at < now)
            .values(last_seen_at=now)
        )


def end_session(engine: Engine, token_sha256: str, now: dt.datetime) -> None:
    """End the session (sign-out); ending an ended one changes nothing."""
    with database_errors(), engine.begin() as connection:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.token_sha256 == token_sha256)
            .where(_TABLE.c.ended_at.is_(None))
            .values(ended_at=now)
        )
