"""The test harness's shortcuts change nothing a test sees: tests/templates.py, tests/openapi_once.py."""

import datetime as dt
from typing import Any

import fastapi.applications
import fastapi.openapi.utils
import pytest
from sqlalchemy import Engine, MetaData, select, text

from app.config import Settings
from app.domain import UTC
from app.main import create_app
from app.store.unit_of_work import Actor
from app.store.unit_of_work import write as open_write
from tests.conftest import ROOT, Keys
from tests.openapi_once import openapi_once
from tests.templates import SeededRows

WRITTEN_AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _everything(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = MetaData()
    tables.reflect(bind=engine)
    with engine.connect() as connection:
        return {
            table.name: sorted(connection.execute(select(table)).all(), key=repr)
            for table in tables.sorted_tables
        }


def test_a_restore_puts_back_every_row_and_undoes_every_write(
    engine: Engine, seeded_rows: tuple[Keys, SeededRows]
) -> None:
    _, kept = seeded_rows
    kept.restore()
    seeded = _everything(engine)
    with open_write(engine, "redruth", Actor("tests", "clerk"), now=WRITTEN_AT) as change:
        change.audit("test.touch", "redruth")
    written = _everything(engine)

    kept.restore()

    assert written != seeded  # the write was there
    assert _everything(engine) == seeded
    with open_write(engine, "redruth", Actor("tests", "clerk"), now=WRITTEN_AT) as change:
        change.audit("test.touch", "redruth")
    assert _everything(engine)["audit_event"] == written["audit_event"]  # same numbering again
    if engine.dialect.name == "sqlite":  # the backup kept the file's journal
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_each_app_gets_its_own_copy_of_exactly_the_document_fastapi_generates(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    with openapi_once() as made:
        first = create_app(settings, engine=engine, refresh_in_background=False)
        second = create_app(settings, engine=engine, refresh_in_background=False)
        generated = len(made)
    with monkeypatch.context() as patch:  # FastAPI's own generation, shared with nothing
        patch.setattr(fastapi.applications, "get_openapi", fastapi.openapi.utils.get_openapi)
        unshared = create_app(settings, engine=engine, refresh_in_background=False)

    assert generated == 1  # the second app reused the first's generation
    assert first.openapi() == second.openapi() == unshared.openapi()
    assert first.openapi() is not second.openapi()
