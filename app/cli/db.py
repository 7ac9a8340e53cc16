"""`purdah db upgrade` and `purdah seed`: a database ready to serve the organisation."""

import typer
from sqlalchemy.exc import SQLAlchemyError

from app.cli.context import cli_context, fail
from app.services.feeds import ensure_feed_events
from app.services.organisations import SEED_ACTOR
from app.services.organisations import seed as seed_organisation
from app.store.engine import upgrade
from app.store.unit_of_work import UnitOfWork

__all__ = ["db_app", "seed"]

db_app = typer.Typer(help="The database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Run the database migrations (Alembic) up to the latest."""
    try:
        upgrade(cli_context(ctx).settings.database_url)
    except SQLAlchemyError as exc:
        fail(f"cannot migrate the database: {str(exc).splitlines()[0]}")
    typer.echo("database is at the latest migration", err=True)


def seed(ctx: typer.Context) -> None:
    """Seed the organisation, its accounts and the shipped elections. Idempotent.

    Prints the first Clerk key on stdout the first time only.
    """
    cli = cli_context(ctx)
    uow = UnitOfWork(cli.migrated_engine())
    policy = cli.policy
    shipped = list(cli.shipped_elections().values())
    report = seed_organisation(
        uow,
        policy,
        shipped,
        policy_file=cli.settings.policy_path().name,
        now=cli.clock(),
    )
    for organisation_id in ensure_feed_events(uow, SEED_ACTOR, cli.clock()):
        typer.echo(f"{organisation_id}: published the calendar feed", err=True)
    if not report.changed:
        typer.echo(f"{policy.organisation_name}: already seeded, nothing to do", err=True)
        return
    typer.echo(
        f"{policy.organisation_name}: seeded {len(report.accounts_added)} accounts and "
        f"{len(report.elections_added)} elections",
        err=True,
    )
    if report.first_clerk_key is not None:
        typer.echo(
            "The first Clerk API key follows. It is shown once and never again: keep it safe.",
            err=True,
        )
        typer.echo(report.first_clerk_key.key)
