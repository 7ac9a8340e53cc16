"""`purdah candidates import`: Democracy Club's candidate CSV, as `POST /v1/candidates/import` does."""

import json
from pathlib import Path
from typing import Annotated

import typer

from app.calendars.candidate_csv import read_candidate_csv
from app.cli.context import cli_context, fail
from app.domain import PurdahError
from app.services.candidate_import import import_candidates, plan_candidate_import
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["candidates_app"]

candidates_app = typer.Typer(
    help="Who is standing in the organisation's elections.", no_args_is_help=True
)
# As the API's import: a guard beyond what a file within the byte limit holds.
_MAX_ROWS = 50_000


@candidates_app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(help="Democracy Club's candidate CSV.", exists=True, dir_okay=False),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change.")
    ] = False,
) -> None:
    """
    Import the candidates of PURDAH_ORGANISATION's elections from Democracy Club's CSV, as
    POST /v1/candidates/import does; prints the report as JSON.
    """
    cli = cli_context(ctx)
    engine = cli.migrated_engine()
    policy = cli.policy
    limit = cli.settings.import_max_bytes
    data = path.read_bytes()
    if len(data) > limit:
        fail(f"{path}: {len(data)} bytes; the limit is {limit} (PURDAH_IMPORT_MAX_BYTES)")
    source, now = f"file {path.name}", cli.clock()
    try:
        entries = read_candidate_csv(data, max_rows=_MAX_ROWS)
        if dry_run:
            report = plan_candidate_import(
                UnitOfWork(engine), policy, entries, source=source, now=now
            )
        else:
            report = import_candidates(
                UnitOfWork(engine),
                policy,
                Actor("purdah candidates import", "operator"),
                entries,
                source=source,
                now=now,
            )
    except PurdahError as exc:
        fail(f"{path}: {exc}")
    summary = {name: getattr(report, name) for name in ("added", "updated", "unchanged", "skipped")}
    typer.echo(
        json.dumps({"dry_run": dry_run, "source": report.source, **summary}, default=str, indent=2)
    )
