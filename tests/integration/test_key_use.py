"""API keys' last-used times: noted in memory on every request, written once a minute."""

import datetime as dt

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlmodel import Session

from app.domain import UTC
from app.store.key_use import KeyUse
from app.store.keys import parse_key
from app.store.tables import ApiKeyRow, AuditEventRow, OrganisationRow
from tests.conftest import Keys

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()


def _id(key: str) -> str:
    parsed = parse_key(key)
    assert parsed is not None
    return parsed[0]


def _last_used(engine: Engine, key: str) -> dt.datetime | None:
    with Session(engine) as session:
        row = session.get(ApiKeyRow, _id(key))
        assert row is not None
        return row.last_used_at


def _version_and_events(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        version = session.execute(select(func.max(OrganisationRow.data_version))).scalar_one()
        events = session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one()
    return version, events


def test_a_flush_writes_each_keys_latest_use_and_nothing_else(engine: Engine, seeded: Keys) -> None:
    clock = Clock(T0)
    uses = KeyUse(engine, clock=clock)
    before = _version_and_events(engine)

    uses.seen(_id(seeded.scheduler))
    clock.at = T0 + dt.timedelta(seconds=30)
    uses.seen(_id(seeded.scheduler))
    uses.seen(_id(seeded.viewer))
    written = uses.flush()

    assert written == 2
    assert _last_used(engine, seeded.scheduler) == T0 + dt.timedelta(seconds=30)
    assert _last_used(engine, seeded.viewer) == T0 + dt.timedelta(seconds=30)
    assert _last_used(engine, seeded.clerk) is None
    assert _version_and_events(engine) == before  # usage is neither a change nor audited
    assert uses.flush() == 0  # nothing new since


def test_a_flush_never_moves_a_last_use_backwards(engine: Engine, seeded: Keys) -> None:
    """Two replicas flush in any order; the later use wins."""
    late, early = (
        KeyUse(engine, clock=Clock(T0)),
        KeyUse(engine, clock=Clock(T0 - dt.timedelta(minutes=5))),
    )
    late.seen(_id(seeded.clerk))
    early.seen(_id(seeded.clerk))

    late.flush()
    early.flush()

    assert _last_used(engine, seeded.clerk) == T0


def test_uses_survive_a_failed_flush(engine: Engine, seeded: Keys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = create_engine(f"sqlite:///{tmp_path}/missing/dir/purdah.db")
    uses = KeyUse(broken, clock=Clock(T0))
    uses.seen(_id(seeded.auditor))

    with pytest.raises(Exception, match="unable to open database"):
        uses.flush()
    uses.engine = engine  # the database is back
    written = uses.flush()

    assert written == 1
    assert _last_used(engine, seeded.auditor) == T0
