"""`purdah policy reload`: put changed policy files in force now, audited."""

from typing import Annotated

import typer

from app.cli.context import cli_context, fail
from app.domain import PurdahError
from app.store.policy_registry import PolicyRegistry, reload_policies
from app.store.unit_of_work import Actor

__all__ = ["policy_app"]

policy_app = typer.Typer(help="The councils' policy files.", no_args_is_help=True)


@policy_app.command("reload")
def policy_reload(
    ctx: typer.Context,
    organisations: Annotated[
        list[str] | None,
        typer.Argument(help="Only these organisations (default: every one)."),
    ] = None,
) -> None:
    """
    Put changed policy files in force now, each audited with the file's old and new SHA-256.

    Prints one line per council whose policy changed (nothing: no file changed); running
    servers follow within a snapshot poll. Exits 1 if a council's file cannot be used: that
    council's decisions fail closed until it is fixed.
    """
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        changes = reload_policies(
            engine,
            PolicyRegistry(cli.settings.policy_dir),
            Actor("purdah policy reload", "operator"),
            now=cli.clock(),
            organisation_ids=organisations or None,
        )
    except PurdahError as exc:
        fail(str(exc))
    for change in changes:
        line = f"{change.organisation_id}\t{change.policy_file}\t{change.old_sha256} -> {change.new_sha256}"
        typer.echo(line + (f"\tUNUSABLE: {change.problem}" if change.problem else ""))
    if not changes:
        typer.echo("no policy file has changed", err=True)
    raise typer.Exit(1 if any(change.problem for change in changes) else 0)
