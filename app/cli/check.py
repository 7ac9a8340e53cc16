"""
`purdah check` and `purdah status`: the decisions the API would give, from the live database
or offline from the shipped calendars and the policy file.
"""

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.api.routes.decisions import decision_json
from app.cli.context import CliContext, cli_context, fail
from app.domain import (
    LONDON,
    Category,
    ElectionRecord,
    ListedElection,
    Policy,
    PurdahError,
    ReasonCode,
    Snapshot,
    UnknownCategory,
    Window,
    build_snapshot,
    decide,
    parse_election_id,
    require_aware,
    restricted_periods,
)
from app.domain.clock import parse_instant
from app.store.keys import Role
from app.store.snapshots import load_snapshot
from app.store.tables import OrganisationRow

__all__ = ["OFFLINE_NOTE", "check", "status"]

OFFLINE_NOTE = (
    "offline: answered from the shipped calendars and the policy file, not the live database, "
    "so the Clerk's changes (suspended accounts, manual windows, overrides, recorded notices) "
    "are not included"
)


def check(
    ctx: typer.Context,
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
    cli = cli_context(ctx)
    now = cli.clock()
    instant = _parse_instant(at, "--at") if at is not None else now
    try:
        chosen = Category(category)
    except ValueError:
        fail(str(UnknownCategory(category, tuple(c.value for c in Category))))
    if election and not offline:
        fail("--election answers from given elections, not the database: add --offline")
    policy = cli.policy
    try:
        snapshot = (
            _offline_snapshot(cli, policy, election or [])
            if offline
            else _live_snapshot(cli, policy)
        )
        result = decide(account, instant, chosen, snapshot, now=now, decision_id=uuid.uuid4().hex)
    except PurdahError as exc:
        fail(str(exc))
    if offline:
        typer.echo(f"note: {OFFLINE_NOTE}", err=True)
    if as_json:
        # the API's serialiser, so the keys are the same everywhere; the command line records
        # no reliance on an override: override_use_recorded is false
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


def status(
    ctx: typer.Context,
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
    cli = cli_context(ctx)
    instant = _parse_instant(at, "--at") if at else cli.clock()
    policy = cli.policy
    try:
        snapshot = _offline_snapshot(cli, policy, []) if offline else _live_snapshot(cli, policy)
    except PurdahError as exc:
        fail(str(exc))
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


def _parse_instant(text: str, field: str) -> dt.datetime:
    try:
        value = parse_instant(text)  # the API's parser: the same answer everywhere
    except ValueError as exc:
        fail(f"{field}: {exc}")
    if not 1950 <= value.year <= 2199:
        fail(f"{field} {text!r} is outside the years 1950-2199")
    try:
        return require_aware(value, field=field)
    except PurdahError as exc:
        fail(str(exc))


def _live_snapshot(cli: CliContext, policy: Policy) -> Snapshot:
    """The organisation's snapshot from the live database: what the API decides from."""
    engine = cli.migrated_engine()
    try:
        with Session(engine) as session:
            organisation = session.get(OrganisationRow, policy.organisation_id)
            if organisation is None:
                fail(
                    f"{policy.organisation_id} is not in the database: run `purdah seed` "
                    "(or pass --offline to answer from the shipped calendars)"
                )
            return load_snapshot(session, organisation, policy)
    except SQLAlchemyError as exc:
        fail(f"cannot read the database: {str(exc).splitlines()[0]} (or pass --offline)")


def _offline_snapshot(cli: CliContext, policy: Policy, elections: Sequence[str]) -> Snapshot:
    periods = restricted_periods(
        _records(elections, cli.shipped_elections()),
        rules=policy.period_rules,
        country=policy.country,
        affects=policy.affects,
    )
    return build_snapshot(policy, accounts=policy.accounts, periods=periods)


def _records(ids: Sequence[str], shipped: dict[str, ListedElection]) -> list[ElectionRecord]:
    records = []
    for election_id in ids or list(shipped):
        entry = shipped.get(election_id)
        ref = entry.election if entry else parse_election_id(election_id)
        records.append(
            ElectionRecord(ref, notice_published=entry.notice_published if entry else None)
        )
    return records


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _describe(windows: Iterable[Window]) -> list[str]:
    return [f"  - {w.describe()}" for w in windows]
