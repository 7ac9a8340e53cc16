"""
What every command is given: the settings, built once by the callback, and what they open.

The callback puts one `CliContext` in Typer's context (`ctx.obj`); a command asks for it with
`cli_context(ctx)`. The policy and the engine are made the first time a command asks for them,
and the engine is disposed of when the command ends.
"""

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from types import TracebackType
from typing import NoReturn, Self

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.calendars import CalendarError, read_election_calendar
from app.config import Settings
from app.domain import UTC, ListedElection, Policy, PurdahError
from app.store import PolicyFileError, load_policy
from app.store.engine import DatabaseNotMigrated, check_migrated, make_engine

__all__ = ["CliContext", "cli_context", "fail"]


def fail(message: str) -> NoReturn:
    """Bad input or an unusable environment: one line on stderr, exit code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _system_clock() -> dt.datetime:
    return dt.datetime.now(UTC)


@dataclass(frozen=True)
class CliContext:
    """
    The settings of one run of `purdah`, its clock (aware UTC), and the policy and engine
    made from the settings on demand.

    A context manager: leaving it disposes of the engine, if one was made. The callback hands
    it to Click (`ctx.with_resource`), which leaves it when the command ends.
    """

    settings: Settings
    clock: Callable[[], dt.datetime] = _system_clock
    _resources: ExitStack = field(default_factory=ExitStack, repr=False, compare=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._resources.close()

    @cached_property
    def policy(self) -> Policy:
        """The configured organisation's policy; a missing or bad file fails the command."""
        path = self.settings.policy_path()
        try:
            return load_policy(path)
        except FileNotFoundError:
            fail(f"no policy file at {path} (set PURDAH_POLICY_DIR)")
        except PolicyFileError as exc:
            fail(str(exc).replace("\n", "; "))
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read the policy file {path}: {exc}")

    @cached_property
    def engine(self) -> Engine:
        """An engine for `PURDAH_DATABASE_URL`, migrated or not (nothing is checked)."""
        engine = make_engine(self.settings.database_url)
        self._resources.callback(engine.dispose)
        return engine

    def migrated_engine(self) -> Engine:
        """The engine, once the database is known to be reachable and at the latest migration."""
        engine = self.engine
        try:
            check_migrated(engine)
        except DatabaseNotMigrated as exc:
            fail(str(exc))
        except SQLAlchemyError as exc:
            fail(f"cannot reach the database: {str(exc).splitlines()[0]}")
        return engine

    def shipped_elections(self) -> dict[str, ListedElection]:
        """The elections in the shipped calendars (`PURDAH_CALENDAR_DIR`), by election id."""
        found: dict[str, ListedElection] = {}
        try:
            for path in sorted(self.settings.calendar_dir.glob("*.ics")):
                for entry in read_election_calendar(path):
                    found[entry.election.election_id] = entry
        except (CalendarError, PurdahError) as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot read the calendars in {self.settings.calendar_dir}: {exc}")
        return found


def cli_context(ctx: typer.Context) -> CliContext:
    """The `CliContext` the callback made for this run."""
    found = ctx.find_object(CliContext)
    if found is None:  # a command invoked without the `purdah` callback: a programming error
        msg = "no CliContext: invoke commands through app.cli.app"
        raise RuntimeError(msg)
    return found
