"""`purdah import`: elections from an ICS file, as `POST /v1/elections/import` does."""

import json
from pathlib import Path
from typing import Annotated

import typer

from app.calendars import read_ics, refuse_control_characters
from app.cli.context import cli_context, fail
from app.domain import ElectionKind, PurdahError
from app.services.imports import import_elections, plan_import
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["import_command"]


def import_command(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="An ICS file of elections.", exists=True, dir_okay=False)
    ],
    kind: Annotated[
        ElectionKind | None, typer.Option(help="Confirm 'polling day' events as this kind.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change.")
    ] = False,
) -> None:
    """Import elections from an ICS file, as POST /v1/elections/import does; prints the report as JSON."""
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    policy = cli.policy
    settings = cli.settings
    data = path.read_bytes()
    if len(data) > settings.import_max_bytes:
        fail(
            f"{path}: {len(data)} bytes; the limit is {settings.import_max_bytes} (PURDAH_IMPORT_MAX_BYTES)"
        )
    try:
        entries = read_ics(data, max_events=settings.import_max_events)
        source, now = f"file {path.name}", cli.clock()
        refuse_control_characters(source, entries)
        if dry_run:
            report = plan_import(
                UnitOfWork(engine), policy, entries, source=source, kind=kind, now=now
            )
        else:
            report = import_elections(
                UnitOfWork(engine),
                policy,
                Actor("purdah import", "operator"),
                entries,
                source=source,
                kind=kind,
                now=now,
            )
    except PurdahError as exc:
        fail(f"{path}: {exc}")
    summary = {
        name: getattr(report, name)
        for name in ("created", "changed", "unchanged", "skipped", "rejected")
    }
    typer.echo(
        json.dumps({"dry_run": dry_run, "source": report.source, **summary}, default=str, indent=2)
    )
