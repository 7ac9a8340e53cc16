"""The settings, clock and engine each run of `purdah` is given, through Typer's context."""

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from app.cli import app
from app.cli.context import CliContext
from app.config import Settings
from app.domain import UTC

runner = CliRunner()


def test_a_command_reads_the_clock_of_the_context_it_is_given() -> None:
    """`status` without --at reports at the context's clock, not the machine's."""
    # Reference election: local.cornwall.2025-05-01 (restricted from the notice to the poll)
    given = CliContext(Settings(), clock=lambda: dt.datetime(2025, 4, 1, 9, tzinfo=UTC))

    result = runner.invoke(app, ["status", "--offline"], obj=given)

    assert result.exit_code == 0, result.stderr
    assert "At Tue 01 Apr 2025 10:00 Europe/London:" in result.stdout
    assert "local.cornwall.2025-05-01" in result.stdout


def test_each_run_reads_the_settings_afresh(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A run after one with a missing policy folder is not stuck with that run's settings."""
    missing = tmp_path_factory.mktemp("policies") / "absent"
    failed = runner.invoke(app, ["status", "--offline"], env={"PURDAH_POLICY_DIR": str(missing)})

    result = runner.invoke(app, ["status", "--offline"])

    assert failed.exit_code == 2
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def disposed() -> Iterator[list[Engine]]:
    """The engines disposed of while the test runs."""
    seen: list[Engine] = []

    def _record(engine: Engine) -> None:
        seen.append(engine)

    event.listen(Engine, "engine_disposed", _record)
    yield seen
    event.remove(Engine, "engine_disposed", _record)


def test_the_engine_a_command_opens_is_disposed_when_it_ends(
    disposed: list[Engine], database_url: str
) -> None:
    result = runner.invoke(app, ["keys", "list"], env={"PURDAH_DATABASE_URL": database_url})

    assert result.exit_code == 0, result.stderr
    assert len(disposed) == 1
