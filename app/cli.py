"""
The `purdah` command: the operator's entry point.

Bad input exits with code 2 and one line on stderr that says what is wrong.
"""

import datetime as dt
import json
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

try:  # Typer 0.29 vendors Click; older releases use Click itself
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as _click_exceptions  # type: ignore[no-redef]
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.api.routes.decisions import decision_json
from app.calendars import (
    CalendarError,
    read_election_calendar,
    read_ics,
    refuse_control_characters,
)
from app.config import Settings
from app.domain import (
    LONDON,
    UTC,
    Category,
    Country,
    ElectionKind,
    ElectionRecord,
    ListedElection,
    Policy,
    PurdahError,
    ReasonCode,
    RestrictedPeriod,
    Snapshot,
    TimetableEvent,
    UnknownCategory,
    Window,
    build_snapshot,
    check_notice_published,
    compute_timetable,
    decide,
    parse_election_id,
    require_aware,
    restricted_period,
    restricted_periods,
    timetable_summary,
)
from app.domain.clock import parse_instant
from app.store import PolicyFileError, load_policy
from app.store.audit import export_events, verify_organisation
from app.store.commands import SEED_ACTOR, appointed_dies_non, create_key, revoke_key
from app.store.commands import seed as seed_organisation
from app.store.engine import DatabaseNotMigrated, check_migrated, make_engine, upgrade
from app.store.feeds import create_feed_token, ensure_feed_events, revoke_feed_token
from app.store.imports import import_elections, plan_import
from app.store.keys import Role
from app.store.queries import list_keys
from app.store.snapshots import load_snapshot
from app.store.tables import ElectionRow, OrganisationRow
from app.store.unit_of_work import Actor

__all__ = ["app", "main"]

app = typer.Typer(
    help="purdah-controller: keep a council's social media quiet before elections, and prove it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _State:
    settings: Settings = Settings.model_construct()


_state = _State()


@app.callback()
def _configure() -> None:
    _state.settings = Settings()


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _policy() -> Policy:
    try:
        return load_policy(_state.settings.policy_path())
    except FileNotFoundError:
        _fail(f"no policy file at {_state.settings.policy_path()} (set PURDAH_POLICY_DIR)")
    except PolicyFileError as exc:
        _fail(str(exc).replace("\n", "; "))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read the policy file {_state.settings.policy_path()}: {exc}")


def _shipped() -> dict[str, ListedElection]:
    found: dict[str, ListedElection] = {}
    try:
        for path in sorted(_state.settings.calendar_dir.glob("*.ics")):
            for entry in read_election_calendar(path):
                found[entry.election.election_id] = entry
    except (CalendarError, PurdahError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot read the calendars in {_state.settings.calendar_dir}: {exc}")
    return found


def _parse_instant(text: str, field: str) -> dt.datetime:
    try:
        value = parse_instant(text)  # the API's parser: the same answer everywhere
    except ValueError as exc:
        _fail(f"{field}: {exc}")
    if not 1950 <= value.year <= 2199:
        _fail(f"{field} {text!r} is outside the years 1950-2199")
    try:
        return require_aware(value, field=field)
    except PurdahError as exc:
        _fail(str(exc))


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(LONDON).isoformat() if value is not None else None


def _day(event: TimetableEvent | None) -> str | None:
    return event.day.isoformat() if event is not None else None


# --- timetable ----------------------------------------------------------------------------


def _event_line(label: str, event: TimetableEvent | None) -> str | None:
    if event is None:
        return None
    when = event.day.strftime("%a %d %b %Y")
    if event.time is not None:
        when += f" {event.time:%H:%M}"
    return f"  {label:<34} {when:<22} {event.rule}"


@app.command()
def timetable(
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
    published = _date_option(notice_published, "--notice-published")
    extra = [
        (day, "appointed day (--dies-non)")
        for day in (_date_option(text, "--dies-non") for text in dies_non or ())
        if day is not None
    ]
    policy = _policy()
    try:
        ref = parse_election_id(election_id, kind=kind)
        recorded = _recorded(policy, ref.election_id)
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
        _fail(str(exc))
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


def _date_option(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} {text!r} is not a date as YYYY-MM-DD")


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What the database records of one election, and a sentence saying where it came from."""

    source: str
    notice_published: dt.date | None = None
    dies_non: tuple[tuple[dt.date, str], ...] = ()


def _recorded(policy: Policy, election_id: str) -> _Recorded:
    """
    The notice date and days of mourning the Clerk recorded, read from the database where
    there is one (a missing SQLite file is not created).
    """
    url = make_url(_state.settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return _Recorded(f"no database at {url.database}: computed from the law alone")
    engine = make_engine(_state.settings.database_url)
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
    finally:
        engine.dispose()
    stored = "recorded" if row is not None else "not recorded"
    return _Recorded(
        f"database read: this election is {stored} for {policy.organisation_id}, "
        f"with {len(appointed)} appointed dies non",
        row.notice_published if row is not None else None,
        appointed,
    )


# --- check and status ---------------------------------------------------------------------


def _records(ids: Sequence[str], shipped: dict[str, ListedElection]) -> list[ElectionRecord]:
    records = []
    for election_id in ids or list(shipped):
        entry = shipped.get(election_id)
        ref = entry.election if entry else parse_election_id(election_id)
        records.append(
            ElectionRecord(ref, notice_published=entry.notice_published if entry else None)
        )
    return records


def _periods(policy: Policy, ids: Sequence[str]) -> tuple[RestrictedPeriod, ...]:
    return restricted_periods(
        _records(ids, _shipped()),
        rules=policy.period_rules,
        country=policy.country,
        affects=policy.affects,
    )


OFFLINE_NOTE = (
    "offline: answered from the shipped calendars and the policy file, not the live database, "
    "so the Clerk's changes (suspended accounts, manual windows, overrides, recorded notices) "
    "are not included"
)


def _live_snapshot(policy: Policy) -> Snapshot:
    """The organisation's snapshot from the live database: what the API decides from."""
    engine = _migrated_engine()
    try:
        with Session(engine) as session:
            organisation = session.get(OrganisationRow, policy.organisation_id)
            if organisation is None:
                _fail(
                    f"{policy.organisation_id} is not in the database: run `purdah seed` "
                    "(or pass --offline to answer from the shipped calendars)"
                )
            return load_snapshot(session, organisation, policy)
    except SQLAlchemyError as exc:
        _fail(f"cannot read the database: {str(exc).splitlines()[0]} (or pass --offline)")
    finally:
        engine.dispose()


def _offline_snapshot(policy: Policy, elections: Sequence[str]) -> Snapshot:
    return build_snapshot(policy, accounts=policy.accounts, periods=_periods(policy, elections))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


@app.command()
def check(
    account: Annotated[str, typer.Argument(help="Account id, e.g. facebook-redruthtowncouncil")],
    at: Annotated[
        str | None, typer.Option(help="Publication time, RFC 3339 with an offset; default now.")
    ] = None,
    category: Annotated[str, typer.Option(help="Category of the post.")] = "general",
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Answer from the shipped calendars and policy file, not the live database.",
        ),
    ] = False,
    election: Annotated[
        list[str] | None,
        typer.Option(help="With --offline: an election id (repeatable) instead of the calendars."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Decide whether an account may publish a post of a category at a time, as the API would."""
    now = dt.datetime.now(UTC)
    instant = _parse_instant(at, "--at") if at is not None else now
    try:
        chosen = Category(category)
    except ValueError:
        _fail(str(UnknownCategory(category, tuple(c.value for c in Category))))
    if election and not offline:
        _fail("--election answers from given elections, not the database: add --offline")
    policy = _policy()
    try:
        snapshot = _offline_snapshot(policy, election or []) if offline else _live_snapshot(policy)
        result = decide(account, instant, chosen, snapshot, now=now, decision_id=uuid.uuid4().hex)
    except PurdahError as exc:
        _fail(str(exc))
    if offline:
        typer.echo(f"note: {OFFLINE_NOTE}", err=True)
    if as_json:
        # the command line records no reliance on an override: override_use_recorded is false
        typer.echo(json.dumps(decision_json(result, {}, role=Role.OPERATOR), indent=2))
        return
    typer.echo(
        f"{result.outcome.upper()}: {account} may {'' if result.allowed else 'not '}publish "
        f"{_article(chosen)} {chosen} post at {instant.astimezone(LONDON):%a %d %b %Y %H:%M} "
        "Europe/London"
    )
    for reason in result.reasons:
        cite = f" [policy {reason.clause}]" if reason.clause else ""
        typer.echo(f"  {reason.code}{cite}: {reason.message}")
    if result.valid_until is not None:
        typer.echo(
            f"  This answer holds until {result.valid_until.astimezone(LONDON):%a %d %b %Y %H:%M}."
        )
    source = "offline (shipped calendars)" if offline else f"data version {result.data_version}"
    typer.echo(f"  Answered from {source}.")


def _describe(windows: Iterable[Window]) -> list[str]:
    return [f"  - {w.describe()}" for w in windows]


@app.command()
def status(
    at: Annotated[
        str | None, typer.Option(help="Instant to report on, RFC 3339; default now.")
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Report from the shipped calendars and policy file, not the live database.",
        ),
    ] = False,
) -> None:
    """Summarise the policy, the accounts, and the current and next restrictions, as the API sees them."""
    instant = _parse_instant(at, "--at") if at else dt.datetime.now(UTC)
    policy = _policy()
    try:
        snapshot = _offline_snapshot(policy, []) if offline else _live_snapshot(policy)
    except PurdahError as exc:
        _fail(str(exc))
    windows = snapshot.windows
    current = [w for w in windows if w.contains(instant)]
    upcoming = [w for w in windows if w.starts_at > instant][:1]
    accounts = snapshot.accounts.values()
    not_active = sorted(f"{a.account_id} ({a.status})" for a in accounts if a.status != "active")
    own = sorted(
        f"{a.account_id}: {w.describe()}"
        for a in accounts
        for w in snapshot.windows_for(a.account_id)
        if w.contains(instant) and w not in current
    )
    review = policy.review_due_at()
    out = [
        f"{policy.organisation_name} ({policy.organisation_id}, {policy.country})",
        f"  Election scopes: {', '.join(policy.election_scopes)}",
        f"  Permitted inside a window: {', '.join(sorted(policy.permitted))}",
        f"  Referred to the Clerk: {', '.join(sorted(policy.referred))}",
        f"  Never permitted: {', '.join(sorted(policy.never_permitted))}",
        f"  Accounts: {len(snapshot.accounts)} "
        f"({sum(a.status == 'active' for a in accounts)} active)",
    ]
    if not_active:
        out.append(f"  Not active (every post denied): {', '.join(not_active)}")
    if review is not None and instant >= review:
        cited = policy.cite(ReasonCode.POLICY_REVIEW_OVERDUE)
        out.append(
            f"  Policy review OVERDUE: due by {policy.next_review_due:%B %Y}"
            + (f" ({cited})" if cited else "")
        )
    out.append(f"At {instant.astimezone(LONDON):%a %d %b %Y %H:%M} Europe/London:")
    out.append("  Restricted now:" if current else "  No council-wide restriction now.")
    out += _describe(current)
    if own:
        out.append("  Restricted now for one account:")
        out += [f"  - {line}" for line in own]
    out.append("  Next restricted period:" if upcoming else "  No restricted period scheduled.")
    out += _describe(upcoming)
    out.append(
        f"({OFFLINE_NOTE})" if offline else f"(live database, data version {snapshot.data_version})"
    )
    typer.echo("\n".join(out))


# --- operations -----------------------------------------------------------------------------

db_app = typer.Typer(help="The database.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
feeds_app = typer.Typer(help="Secret feed URLs for calendar apps.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
orgs_app = typer.Typer(help="The councils this deployment serves.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")


def _engine() -> Engine:
    return make_engine(_state.settings.database_url)


def _migrated_engine() -> Engine:
    engine = _engine()
    try:
        check_migrated(engine)
    except DatabaseNotMigrated as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"cannot reach the database: {str(exc).splitlines()[0]}")
    return engine


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Run the database migrations (Alembic) up to the latest."""
    try:
        upgrade(_state.settings.database_url)
    except SQLAlchemyError as exc:
        _fail(f"cannot migrate the database: {str(exc).splitlines()[0]}")
    typer.echo("database is at the latest migration", err=True)


@app.command()
def seed() -> None:
    """Seed the organisation, its accounts and the shipped elections. Idempotent.

    Prints the first Clerk key on stdout the first time only.
    """
    engine = _migrated_engine()
    policy = _policy()
    shipped = list(_shipped().values())
    report = seed_organisation(
        engine,
        policy,
        shipped,
        policy_file=_state.settings.policy_path().name,
        now=dt.datetime.now(UTC),
    )
    for organisation_id in ensure_feed_events(engine, SEED_ACTOR, dt.datetime.now(UTC)):
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


@keys_app.command("create")
def keys_create(
    role: Annotated[
        Role, typer.Option(help="clerk, scheduler, viewer, auditor, or operator (adds councils)")
    ],
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'Hootsuite'.")],
) -> None:
    """Create an API key. Only the key is printed on stdout, once."""
    engine = _migrated_engine()
    try:
        made = create_key(
            engine, _state.settings.organisation, Actor("purdah keys create", "operator"), role=role, name=name,
            now=dt.datetime.now(UTC),
        )  # fmt: skip
    except PurdahError as exc:
        _fail(str(exc))
    typer.echo(f"created {role} key {made.key_id} ({name}); it is shown once", err=True)
    typer.echo(made.key)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after pdh_).")],
    reason: Annotated[
        str, typer.Option(help="Why the key is revoked (audited).")
    ] = "revoked by the operator",
) -> None:
    """Revoke an API key."""
    engine = _migrated_engine()
    try:
        revoke_key(
            engine, _state.settings.organisation, Actor("purdah keys revoke", "operator"), key_id=key_id,
            reason=reason, now=dt.datetime.now(UTC),
        )  # fmt: skip
    except PurdahError as exc:
        _fail(str(exc))
    typer.echo(f"revoked key {key_id}", err=True)


@keys_app.command("list")
def keys_list() -> None:
    """List the organisation's keys: id, role, name, made, last used (to within a minute), revoked."""
    engine = _migrated_engine()
    rows = list_keys(engine, _state.settings.organisation)
    typer.echo(f"{'key id':<13} {'role':<10} {'made':<17} {'last used':<17} {'revoked':<17} name")
    for row in rows:
        typer.echo(
            f"{row.id:<13} {row.role:<10} {_minute(row.created_at):<17} "
            f"{_minute(row.last_used_at) or 'never':<17} {_minute(row.revoked_at) or '-':<17} {row.name}"
        )


def _minute(value: dt.datetime | None) -> str:
    return f"{value.astimezone(LONDON):%Y-%m-%d %H:%M}" if value is not None else ""


def _public_url() -> str:
    settings = _state.settings
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


@orgs_app.command("create")
def orgs_create(
    policy: Annotated[
        str, typer.Option(help="The council's policy file in PURDAH_POLICY_DIR, e.g. penryn.yaml.")
    ],
) -> None:
    """Add a council from its policy file; prints its first Clerk key on stdout, once."""
    engine = _migrated_engine()
    path = _state.settings.policy_dir / policy
    if "/" in policy or not path.is_file():
        _fail(f"no policy file {policy!r} in {_state.settings.policy_dir}")
    try:
        loaded = load_policy(path)
    except PolicyFileError as exc:
        _fail(str(exc))
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM organisation WHERE id = :id"), {"id": loaded.organisation_id}
        ).first()
    if exists is not None:
        _fail(f"organisation {loaded.organisation_id!r} exists already")
    report = seed_organisation(
        engine, loaded, list(_shipped().values()), policy_file=policy, now=dt.datetime.now(UTC)
    )
    typer.echo(
        f"{loaded.organisation_name}: added with {len(report.accounts_added)} accounts and "
        f"{len(report.elections_added)} elections; its first Clerk key follows, shown once",
        err=True,
    )
    if report.first_clerk_key is not None:
        typer.echo(report.first_clerk_key.key)


@feeds_app.command("create")
def feeds_create(
    name: Annotated[str, typer.Option(help="Who or what the URL is for, e.g. 'Office Outlook'.")],
    account: Annotated[
        str | None, typer.Option(help="Only this account's windows (default: every account).")
    ] = None,
) -> None:
    """Create a secret feed URL and print it on stdout, once (uses PURDAH_PUBLIC_URL)."""
    engine = _migrated_engine()
    try:
        made = create_feed_token(
            engine, _state.settings.organisation, Actor("purdah feeds create", "operator"), name=name,
            account_id=account, now=dt.datetime.now(UTC),
        )  # fmt: skip
    except PurdahError as exc:
        _fail(str(exc))
    typer.echo(f"created feed token {made.token_id} ({made.name}); the URL is shown once", err=True)
    typer.echo(f"{_public_url()}/v1/feeds/{made.token}.ics")


@feeds_app.command("revoke")
def feeds_revoke(
    token_id: Annotated[str, typer.Argument(help="The token id (the part after pft_).")],
    reason: Annotated[str, typer.Option(help="Why (audited).")] = "revoked by the operator",
) -> None:
    """Revoke a feed URL: it answers 404 from now on."""
    engine = _migrated_engine()
    try:
        revoke_feed_token(
            engine, _state.settings.organisation, Actor("purdah feeds revoke", "operator"), token_id,
            reason=reason, now=dt.datetime.now(UTC),
        )  # fmt: skip
    except PurdahError as exc:
        _fail(str(exc))
    typer.echo(f"revoked feed token {token_id}", err=True)


@app.command("import")
def import_command(
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
    engine = _migrated_engine()
    policy = _policy()
    settings = _state.settings
    data = path.read_bytes()
    if len(data) > settings.import_max_bytes:
        _fail(
            f"{path}: {len(data)} bytes; the limit is {settings.import_max_bytes} (PURDAH_IMPORT_MAX_BYTES)"
        )
    try:
        entries = read_ics(data, max_events=settings.import_max_events)
        source, now = f"file {path.name}", dt.datetime.now(UTC)
        refuse_control_characters(source, entries)
        if dry_run:
            report = plan_import(engine, policy, entries, source=source, kind=kind, now=now)
        else:
            report = import_elections(
                engine, policy, Actor("purdah import", "operator"), entries, source=source,
                kind=kind, now=now,
            )  # fmt: skip
    except PurdahError as exc:
        _fail(f"{path}: {exc}")
    summary = {
        name: getattr(report, name)
        for name in ("created", "changed", "unchanged", "skipped", "rejected")
    }
    typer.echo(
        json.dumps({"dry_run": dry_run, "source": report.source, **summary}, default=str, indent=2)
    )


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit hash chain: 'ok', or the first broken event and why (exit 1)."""
    engine = _migrated_engine()
    try:
        result = verify_organisation(engine, _state.settings.organisation)
    except PurdahError as exc:
        _fail(str(exc))
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


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@audit_app.command("export")
def audit_export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="jsonl or csv")
    ] = ExportFormat.JSONL,
) -> None:
    """Write the whole audit log to stdout, for an auditor or a complaints panel."""
    engine = _migrated_engine()
    try:
        for chunk in export_events(engine, _state.settings.organisation, fmt.value):
            sys.stdout.write(chunk)
    except PurdahError as exc:
        sys.stdout.flush()
        _fail(str(exc))


@app.command()
def serve() -> None:
    """Serve the API (PURDAH_HOST, PURDAH_PORT; the database must be migrated).

    Forwarding headers are believed only from PURDAH_FORWARDED_ALLOW_IPS (default: none).
    """
    import uvicorn

    settings = _state.settings
    _migrated_engine()
    uvicorn.run(
        "app.main:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=settings.access_log,
        log_level="info",
        # never uvicorn's default (trust loopback, or $FORWARDED_ALLOW_IPS): see app.api.throttle
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors become one line and exit code 2."""
    command = typer.main.get_command(app)
    try:
        code = command.main(
            args=argv if argv is not None else sys.argv[1:],
            prog_name="purdah",
            standalone_mode=False,
        )
    except _click_exceptions.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "usage: purdah COMMAND", err=True)
        sys.exit(2)
    except _click_exceptions.UsageError as exc:
        typer.echo(f"error: {exc.format_message().replace('Value error, ', '')}", err=True)
        sys.exit(2)
    except _click_exceptions.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
