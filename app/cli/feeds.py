"""`purdah feeds create|revoke`: secret calendar-feed URLs for calendar apps."""

from typing import Annotated

import typer

from app.cli.context import cli_context, fail
from app.config import Settings
from app.domain import PurdahError
from app.services.feeds import create_feed_token, revoke_feed_token
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["feeds_app"]

feeds_app = typer.Typer(help="Secret feed URLs for calendar apps.", no_args_is_help=True)


@feeds_app.command("create")
def feeds_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Who or what the URL is for, e.g. 'Office Outlook'.")],
    account: Annotated[
        str | None, typer.Option(help="Only this account's windows (default: every account).")
    ] = None,
) -> None:
    """Create a secret feed URL and print it on stdout, once (uses PURDAH_PUBLIC_URL)."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        made = create_feed_token(
            UnitOfWork(engine),
            cli.settings.organisation,
            Actor("purdah feeds create", "operator"),
            name=name,
            account_id=account,
            now=cli.clock(),
        )
    except PurdahError as exc:
        fail(str(exc))
    typer.echo(f"created feed token {made.token_id} ({made.name}); the URL is shown once", err=True)
    typer.echo(f"{_public_url(cli.settings)}/v1/feeds/{made.token}.ics")


@feeds_app.command("revoke")
def feeds_revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="The token id (the part after pft_).")],
    reason: Annotated[str, typer.Option(help="Why (audited).")] = "revoked by the operator",
) -> None:
    """Revoke a feed URL: it answers 404 from now on."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        revoke_feed_token(
            UnitOfWork(engine),
            cli.settings.organisation,
            Actor("purdah feeds revoke", "operator"),
            token_id,
            reason=reason,
            now=cli.clock(),
        )
    except PurdahError as exc:
        fail(str(exc))
    typer.echo(f"revoked feed token {token_id}", err=True)


def _public_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
