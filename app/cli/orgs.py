"""`purdah orgs create`: add a council this deployment serves, from its policy file."""

from typing import Annotated

import typer

from app.calendars import CalendarError
from app.cli.context import cli_context, fail
from app.domain import PurdahError
from app.domain.errors import AlreadyExists, InvalidChange
from app.services.organisations import SEED_ACTOR, create_organisation
from app.store.unit_of_work import UnitOfWork

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
    if "/" in policy or not (cli.settings.policy_dir / policy).is_file():
        fail(f"no policy file {policy!r} in {cli.settings.policy_dir}")
    try:  # the API's POST /v1/organisations does the same
        added = create_organisation(
            UnitOfWork(engine),
            policy_dir=cli.settings.policy_dir,
            calendar_dir=cli.settings.calendar_dir,
            policy_file=policy,
            actor=SEED_ACTOR,
            now=cli.clock(),
        )
    except InvalidChange as exc:
        fail(exc.problem)
    except (AlreadyExists, CalendarError, PurdahError) as exc:
        fail(str(exc))
    report = added.report
    typer.echo(
        f"{added.policy.organisation_name}: added with {len(report.accounts_added)} accounts and "
        f"{len(report.elections_added)} elections; its first Clerk key follows, shown once",
        err=True,
    )
    if report.first_clerk_key is not None:
        typer.echo(report.first_clerk_key.key)
