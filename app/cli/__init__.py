"""
The `purdah` command: the operator's entry point.

Bad input exits with code 2 and one line on stderr that says what is wrong.

The callback builds the settings once per run and hands them to every command through
Typer's context (`app.cli.context.CliContext`); nothing is kept in module globals. Each
command lives in the module named after it and is registered here, so this list is the
whole command line.
"""

import sys

import typer

try:  # Typer 0.29 vendors Click; older releases use Click itself
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as _click_exceptions  # type: ignore[no-redef]

from app.cli import (
    audit,
    candidates,
    check,
    db,
    feeds,
    imports,
    keys,
    orgs,
    policy,
    serve,
    timetable,
)
from app.cli.context import CliContext
from app.config import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    help="purdah-controller: keep a council's social media quiet before elections, and prove it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _configure(ctx: typer.Context) -> None:
    # The settings are read from the environment here, once per run, and nowhere else. A
    # caller may give its own instead (a test: `CliRunner().invoke(app, args, obj=...)`), and
    # then owns it.
    if ctx.obj is None:
        ctx.obj = ctx.with_resource(CliContext(Settings()))


# Typer lists single commands first, then the groups, each in the order registered here.
app.command()(timetable.timetable)
app.command()(check.check)
app.command()(check.status)
app.command()(db.seed)
app.command("import")(imports.import_command)
app.command()(serve.serve)
app.add_typer(audit.audit_app, name="audit")
app.add_typer(candidates.candidates_app, name="candidates")
app.add_typer(db.db_app, name="db")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(feeds.feeds_app, name="feeds")
app.add_typer(orgs.orgs_app, name="orgs")
app.add_typer(policy.policy_app, name="policy")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors become one line and exit code 2."""
    command = typer.main.get_command(app)
    try:
        code = command.main(
            args=argv if argv is not None else sys.argv[1:],
            prog_name="purdah",
            standalone_mode=False,
        )
    except _click_exceptions.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "usage: purdah COMMAND", err=True)
        sys.exit(2)
    except _click_exceptions.UsageError as exc:
        typer.echo(f"error: {exc.format_message().replace('Value error, ', '')}", err=True)
        sys.exit(2)
    except _click_exceptions.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
