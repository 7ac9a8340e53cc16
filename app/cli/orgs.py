"""`purdah orgs create`: add a council this deployment serves, from its policy file."""

from typing import Annotated

import typer
from sqlalchemy import text

from app.cli.context import cli_context, fail
from app.store import PolicyFileError, commands, load_policy

__all__ = ["orgs_app"]

orgs_app = typer.Typer(help="The councils this deployment serves.", no_args_is_help=True)


@orgs_app.command("create")
def orgs_create(
    ctx: typer.Context,
    policy: Annotated[
        str, typer.Option(help="The council's policy file in PURDAH_POLICY_DIR, e.g. penryn.yaml.")
    ],
) -> None:
    """Add a council from its policy file; prints its first Clerk key on stdout, once."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    path = cli.settings.policy_dir / policy
    if "/" in policy or not path.is_file():
        fail(f"no policy file {policy!r} in {cli.settings.policy_dir}")
    try:
        loaded = load_policy(path)
    except PolicyFileError as exc:
        fail(str(exc))
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM organisation WHERE id = :id"), {"id": loaded.organisation_id}
        ).first()
    if exists is not None:
        fail(f"organisation {loaded.organisation_id!r} exists already")
    report = commands.seed(
        engine,
        loaded,
        list(cli.shipped_elections().values()),
        policy_file=policy,
        now=cli.clock(),
    )
    typer.echo(
        f"{loaded.organisation_name}: added with {len(report.accounts_added)} accounts and "
        f"{len(report.elections_added)} elections; its first Clerk key follows, shown once",
        err=True,
    )
    if report.first_clerk_key is not None:
        typer.echo(report.first_clerk_key.key)
