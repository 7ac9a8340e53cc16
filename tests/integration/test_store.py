"""The store on SQLite and PostgreSQL: migrations, the seed, all-or-nothing writes, the audit chain."""

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session, SQLModel

from app.calendars import read_election_calendar
from app.config import Settings
from app.domain import UTC
from app.domain.audit import verify_chain
from app.main import create_app
from app.services.organisations import seed
from app.services.overrides import grant_override
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.engine import (
    DatabaseNotMigrated,
    alembic_config,
    check_migrated,
    make_engine,
    upgrade,
)
from app.store.tables import (
    AccountRow,
    AuditEventRow,
    ElectionRow,
    OrganisationRow,
    OverrideRow,
    RestrictedPeriodRow,
)
from app.store.unit_of_work import Actor, UnitOfWork, audit_payload, write
from tests.conftest import ROOT, Keys, migrated_database

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
SHIPPED = read_election_calendar(ROOT / "calendars" / "redruth.ics")
LATER = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        rows = [
            session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (ElectionRow, AccountRow, AuditEventRow)
        ]
        return (*rows, session.execute(select(OrganisationRow.data_version)).scalar_one())


def _chain(engine: Engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        rows = session.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars().all()  # type: ignore[arg-type]
    return verify_chain((r.seq, r.prev_hash, r.hash, audit_payload(r)) for r in rows)


def test_the_seed_loads_redruth(engine: Engine, seeded: Keys) -> None:
    with Session(engine) as session:
        elections = set(session.execute(select(ElectionRow.election_id)).scalars())
        accounts = session.execute(select(func.count()).select_from(AccountRow)).scalar_one()

    assert accounts == 12
    assert "local.cornwall.2025-05-01" in elections
    assert "parish.redruth.2029-05-03" in elections


def test_seeding_again_changes_nothing_and_prints_no_key(engine: Engine, seeded: Keys) -> None:
    before = _counts(engine)

    report = seed(UnitOfWork(engine), POLICY, SHIPPED, policy_file="redruth.yaml", now=LATER)

    assert report.changed is False
    assert report.first_clerk_key is None
    assert _counts(engine) == before


def _write_that_fails_half_way(engine: Engine) -> None:
    with write(engine, "redruth", Actor("tests", "clerk"), now=LATER) as change:
        change.session.add(
            ElectionRow(
                organisation_id="redruth",
                election_id="parish.redruth.2031-05-01",
                kind="parish",
                poll_date=dt.date(2031, 5, 1),
                created_at=LATER,
                updated_at=LATER,
            )
        )
        change.session.flush()
        change.audit("election.create", "parish.redruth.2031-05-01")
        msg = "failed half way"
        raise RuntimeError(msg)


def test_a_write_that_fails_half_way_leaves_the_tables_as_they_were(
    engine: Engine, seeded: Keys
) -> None:
    before = _counts(engine)

    with pytest.raises(RuntimeError, match="half way"):
        _write_that_fails_half_way(engine)

    assert _counts(engine) == before


def test_every_write_bumps_the_data_version_once(engine: Engine, seeded: Keys) -> None:
    version = _counts(engine)[-1]

    with write(engine, "redruth", Actor("tests", "clerk"), now=LATER) as change:
        change.audit("test.touch", "redruth")

    assert _counts(engine)[-1] == version + 1


def test_the_audit_chain_of_the_seed_verifies(engine: Engine, seeded: Keys) -> None:
    result = _chain(engine)

    assert result.ok
    assert result.events > 20


def test_editing_an_audit_row_breaks_the_chain_there(engine: Engine, seeded: Keys) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET reason = 'nothing to see' WHERE seq = 5"))

    result = _chain(engine)

    assert (result.ok, result.broken_at) == (False, 5)
    assert "edited" in (result.problem or "")


def test_deleting_an_audit_row_breaks_the_chain_after_it(engine: Engine, seeded: Keys) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE seq = 5"))

    result = _chain(engine)

    assert (result.ok, result.broken_at) == (False, 6)
    assert "deleted or reordered" in (result.problem or "")


def test_the_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(Settings(database_url=url), refresh_in_background=False)

    with pytest.raises(DatabaseNotMigrated, match="purdah db upgrade"), TestClient(app):
        pass


def test_check_migrated_names_the_command_to_run(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")

    with pytest.raises(DatabaseNotMigrated, match="run `purdah db upgrade`"):
        check_migrated(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")

    with engine.connect() as connection:
        journal = connection.execute(text("PRAGMA journal_mode")).scalar_one()
        keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()

    assert (journal, keys) == ("wal", 1)


def test_instants_come_back_aware_in_utc(engine: Engine, seeded: Keys) -> None:
    with Session(engine) as session:
        created = session.execute(select(OrganisationRow.created_at)).scalar_one()

    assert created.tzinfo is not None
    assert created == dt.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_snapshot_that_cannot_be_built_keeps_the_old_one_and_the_refresher_alive(
    engine: Engine, seeded: Keys
) -> None:
    """Any failure while rebuilding (not only a database error) leaves the cache serving, then failing closed."""
    from app.store.snapshots import SnapshotCache
    from app.store.unit_of_work import write as open_write

    calls = {"n": 0}

    def policy_for(_row: OrganisationRow):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:
            msg = "a row the domain refuses"
            raise ValueError(msg)
        return POLICY

    cache = SnapshotCache(engine, policy_for, max_age=30)
    assert cache.refresh() is True
    with open_write(engine, "redruth", Actor("tests", "clerk"), now=LATER) as change:
        change.audit("test.touch", "redruth")

    assert cache.refresh() is False
    assert "a row the domain refuses" in (cache.last_error or "")
    assert cache.snapshot("redruth").accounts


def test_the_migrations_build_exactly_the_tables_the_code_declares(engine: Engine) -> None:
    """What `alembic check` does: autogenerate finds nothing to add, drop or alter."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_anchor_migration_gives_old_overrides_the_restrictions_they_overlapped(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    """
    Issue 13: overrides granted before anchors existed are anchored, by migration 0005, to the
    elections and manual windows that overlapped them when granted (not to later windows).
    """
    clerk = Actor("Town Clerk", "clerk")
    april = dt.datetime(2029, 4, 10, 9, 0, tzinfo=UTC)
    with migrated_database(backend, tmp_path, request) as url:
        engine = make_engine(url)
        seed(UnitOfWork(engine), POLICY, SHIPPED, policy_file="redruth.yaml", now=LATER)
        granted = grant_override(UnitOfWork(engine), POLICY, clerk, account_id=None, starts_at=april,
            ends_at=april + dt.timedelta(days=2), categories=None, reason="civic week", now=LATER,
        )  # fmt: skip
        add_manual_window(UnitOfWork(engine), POLICY, clerk, starts_at=april, ends_at=april + dt.timedelta(days=1),
            reason="under review", account_ids=None, now=LATER + dt.timedelta(hours=1),
        )  # fmt: skip
        engine.dispose()

        command.downgrade(alembic_config(url), "0004")
        upgrade(url)

        engine = make_engine(url)
        with Session(engine) as session:
            anchors = session.get(OverrideRow, granted.id).anchors  # type: ignore[union-attr]
        engine.dispose()
    assert anchors == granted.anchors
    assert anchors == ["election:local.cornwall.2029-05-03", "election:parish.redruth.2029-05-03"]


def test_a_stored_election_the_rules_now_refuse_keeps_its_period_and_blocks_no_write(
    engine: Engine, seeded: Keys
) -> None:
    """A 2013 local poll (before SI 2014/494's timetable) stored by an older release."""
    old = "local.cornwall.2013-05-02"
    start = dt.datetime(2013, 3, 25, tzinfo=UTC)
    end = dt.datetime(2013, 5, 2, 21, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        session.add(
            ElectionRow(
                organisation_id="redruth", election_id=old, kind="principal", country="england",
                poll_date=dt.date(2013, 5, 2), status="held", created_at=LATER, updated_at=LATER,
            )
        )  # fmt: skip
        session.add(
            RestrictedPeriodRow(
                organisation_id="redruth", election_id=old, starts_at=start, ends_at=end,
                start_basis="stored", end_basis="stored",
            )
        )  # fmt: skip

    add_manual_window(UnitOfWork(engine), POLICY, Actor("Town Clerk", "clerk"), starts_at=LATER,
        ends_at=LATER + dt.timedelta(days=1), reason="under review", account_ids=None, now=LATER,
    )  # fmt: skip

    with Session(engine) as session:
        kept = session.get(RestrictedPeriodRow, ("redruth", old))
        periods = session.execute(
            select(func.count()).select_from(RestrictedPeriodRow)
        ).scalar_one()
    assert kept is not None
    assert (kept.starts_at, kept.ends_at) == (start, end)
    assert periods > 1
