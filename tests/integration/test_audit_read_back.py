"""
The audit log as read back: a row edited into nonsense is where the chain is broken, and the
CSV export cannot run a formula in the complaints panel's spreadsheet. On SQLite and PostgreSQL.
"""

import datetime as dt
import os
import shutil
import subprocess

from sqlalchemy import Engine, text

from app.domain import UTC
from app.store import load_policy
from app.store.audit import verify_organisation
from app.store.unit_of_work import Actor
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
