"""`purdah keys create|revoke|list`: the organisation's API keys."""

import datetime as dt
from typing import Annotated

import typer

from app.cli.context import cli_context, fail
from app.domain import LONDON, PurdahError
from app.services import keys
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["keys_app"]

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    role: Annotated[
        Role, typer.Option(help="clerk, scheduler, viewer, auditor, or operator (adds councils)")
    ],
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'Hootsuite'.")],
    person: Annotated[
        str | None,
        typer.Option(
            help="The person who holds the key, e.g. 'Jane Trelawny': the console signs them "
            "in by it without asking their name, and the audit log names them."
        ),
    ] = None,
) -> None:
    """Create an API key. Only the key is printed on stdout, once."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        made = keys.create_key(
            UnitOfWork(engine),
            cli.settings.organisation,
            Actor("purdah keys create", "operator"),
            role=role,
            name=name,
            person=person,
            now=cli.clock(),
        )
    except PurdahError as exc:
        fail(str(exc))
    held = f" for {person.strip()}" if person is not None else ""
    typer.echo(f"created {role} key {made.key_id} ({name}){held}; it is shown once", err=True)
    typer.echo(made.key)


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key id (the part after pdh_).")],
    reason: Annotated[
        str, typer.Option(help="Why the key is revoked (audited).")
    ] = "revoked by the operator",
) -> None:
    """Revoke an API key."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        keys.revoke_key(
            UnitOfWork(engine),
            cli.settings.organisation,
            Actor("purdah keys revoke", "operator"),
            key_id=key_id,
            reason=reason,
            now=cli.clock(),
        )
    except PurdahError as exc:
        fail(str(exc))
    typer.echo(f"revoked key {key_id}", err=True)


@keys_app.command("list")
def keys_list(ctx: typer.Context) -> None:
    """List the organisation's keys: id, role, name, made, last used (to within a minute), revoked."""
    cli = cli_context(ctx)
    rows = keys.list_keys_of(UnitOfWork(cli.migrated_engine()), cli.settings.organisation)
    typer.echo(f"{'key id':<13} {'role':<10} {'made':<17} {'last used':<17} {'revoked':<17} name")
    for row in rows:
        typer.echo(
            f"{row.id:<13} {row.role:<10} {_minute(row.created_at):<17} "
            f"{_minute(row.last_used_at) or 'never':<17} {_minute(row.revoked_at) or '-':<17} {row.name}"
            + (f" (held by {row.person})" if row.person else "")
        )


def _minute(value: dt.datetime | None) -> str:
    return f"{value.astimezone(LONDON):%Y-%m-%d %H:%M}" if value is not None else ""
