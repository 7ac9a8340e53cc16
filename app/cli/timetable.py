"""`purdah timetable`: an election's statutory timetable and restricted period."""

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.cli.context import CliContext, cli_context, fail
from app.domain import (
    LONDON,
    Country,
    ElectionKind,
    Policy,
    PurdahError,
    TimetableEvent,
    check_notice_published,
    compute_timetable,
    parse_election_id,
    restricted_period,
    timetable_summary,
)
from app.store.engine import DatabaseNotMigrated, check_migrated
from app.store.repositories import appointed_dies_non
from app.store.tables import ElectionRow, OrganisationRow

__all__ = ["timetable"]


def timetable(
    ctx: typer.Context,
    election_id: Annotated[
        str, typer.Argument(help="Democracy Club id, e.g. local.cornwall.2025-05-01")
    ],
    country: Annotated[
        Country | None, typer.Option(help="The organisation's part of the UK.")
    ] = None,
    kind: Annotated[
        ElectionKind | None, typer.Option(help="The kind, where the id does not say.")
    ] = None,
    notice_published: Annotated[
        str | None,
        typer.Option(
            help="Day the notice of election was actually published, YYYY-MM-DD "
            "(default: the date recorded in the database, if any)."
        ),
    ] = None,
    dies_non: Annotated[
        list[str] | None,
        typer.Option(
            "--dies-non",
            help="A day of public thanksgiving or mourning, YYYY-MM-DD (repeatable), "
            "beside those recorded in the database.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """
    Show an election's statutory timetable and restricted period.

    For an election in the organisation's scopes the organisation's country applies (no
    --country needed), and the notice date and days of mourning recorded in the database are
    used where there are any.
    """
    cli = cli_context(ctx)
    published = _date_option(notice_published, "--notice-published")
    extra = [
        (day, "appointed day (--dies-non)")
        for day in (_date_option(text, "--dies-non") for text in dies_non or ())
        if day is not None
    ]
    policy = cli.policy
    try:
        ref = parse_election_id(election_id, kind=kind)
        recorded = _recorded(cli, policy, ref.election_id)
        extra += recorded.dies_non
        table = compute_timetable(
            ref,
            country=country,
            default_country=policy.country if policy.affects(ref) else None,
            extra_dies_non=extra,
        )
        if published is not None:
            check_notice_published(table, published)
        notice = published if published is not None else recorded.notice_published
        period = restricted_period(table, policy.period_rules, notice_published=notice)
    except PurdahError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(f"note: {recorded.source}", err=True)
        typer.echo(json.dumps(timetable_summary(table, period), indent=2))
        return
    notice_line = None
    if published is not None:
        notice_line = f"  {'Notice of election: given':<34} {published:%a %d %b %Y}"
    elif recorded.notice_published is not None:
        notice_line = (
            f"  {'Notice of election: recorded':<34} {recorded.notice_published:%a %d %b %Y}"
            "           (the Clerk's record)"
        )
    lines = [
        f"{ref.election_id}  ({ref.kind}{', ' + str(table.country) if table.country else ''})",
        notice_line,
        _event_line("Dissolution of Parliament", table.dissolution),
        _event_line("Notice of election: earliest", table.notice_of_election_earliest),
        _event_line("Notice of election: latest", table.notice_of_election),
        _event_line("Information statement", table.information_statement),
        _event_line("Close of nominations", table.close_of_nominations),
        _event_line("Statement of persons nominated", table.sopn_publish),
        _event_line(
            "  latest, if objections",
            table.sopn_publish_latest if table.sopn_publish_latest != table.sopn_publish else None,
        ),
        _event_line("Registration deadline", table.registration_deadline),
        _event_line("Postal vote application deadline", table.postal_vote_deadline),
        _event_line("Voter Authority Certificate", table.vac_deadline),
        _event_line("Poll", table.poll),
        f"  Restricted period: {period.starts_at.astimezone(LONDON):%a %d %b %Y %H:%M} to "
        f"{period.ends_at.astimezone(LONDON):%a %d %b %Y %H:%M} Europe/London ({period.start_basis})",
    ]
    if table.dies_non:
        lines.append(
            "  Dies non: " + ", ".join(f"{d.day:%a %d %b} ({d.name})" for d in table.dies_non)
        )
    lines += [f"  Note: {note}" for note in table.notes]
    lines.append(f"  ({recorded.source})")
    typer.echo("\n".join(line for line in lines if line))


def _event_line(label: str, event: TimetableEvent | None) -> str | None:
    if event is None:
        return None
    when = event.day.strftime("%a %d %b %Y")
    if event.time is not None:
        when += f" {event.time:%H:%M}"
    return f"  {label:<34} {when:<22} {event.rule}"


def _date_option(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date as YYYY-MM-DD")


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What the database records of one election, and a sentence saying where it came from."""

    source: str
    notice_published: dt.date | None = None
    dies_non: tuple[tuple[dt.date, str], ...] = ()


def _recorded(cli: CliContext, policy: Policy, election_id: str) -> _Recorded:
    """
    The notice date and days of mourning the Clerk recorded, read from the database where
    there is one (a missing SQLite file is not created).
    """
    url = make_url(cli.settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return _Recorded(f"no database at {url.database}: computed from the law alone")
    engine = cli.engine
    try:
        check_migrated(engine)
        with Session(engine) as session:
            if session.get(OrganisationRow, policy.organisation_id) is None:
                return _Recorded(
                    f"{policy.organisation_id} is not in the database: computed from the law alone"
                )
            row = session.get(ElectionRow, (policy.organisation_id, election_id))
            appointed = tuple(appointed_dies_non(session, policy.organisation_id))
    except (DatabaseNotMigrated, SQLAlchemyError) as exc:
        return _Recorded(
            f"database not read ({str(exc).splitlines()[0]}): computed from the law alone"
        )
    stored = "recorded" if row is not None else "not recorded"
    return _Recorded(
        f"database read: this election is {stored} for {policy.organisation_id}, "
        f"with {len(appointed)} appointed dies non",
        row.notice_published if row is not None else None,
        appointed,
    )
