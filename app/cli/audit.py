"""`purdah audit verify|export`: the organisation's hash-chained audit log."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from app.cli.context import cli_context, fail
from app.domain import PurdahError
from app.store.audit import export_events, verify_organisation

__all__ = ["ExportFormat", "audit_app"]

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Walk the audit hash chain: 'ok', or the first broken event and why (exit 1)."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        result = verify_organisation(engine, cli.settings.organisation)
    except PurdahError as exc:
        fail(str(exc))
    if result.ok:
        typer.echo(f"ok: {result.check.events} events, chain intact")
        return
    where = (
        f"event {result.check.broken_at}"
        if result.check.broken_at is not None
        else "the end of the log"
    )
    typer.echo(f"BROKEN at {where}: {result.problem}")
    raise typer.Exit(code=1)


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="jsonl or csv")
    ] = ExportFormat.JSONL,
) -> None:
    """Write the whole audit log to stdout, for an auditor or a complaints panel."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    try:
        for chunk in export_events(engine, cli.settings.organisation, fmt.value):
            sys.stdout.write(chunk)
    except PurdahError as exc:
        sys.stdout.flush()
        fail(str(exc))
