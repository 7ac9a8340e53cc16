"""
The writes: each one transaction with its audit events (see `unit_of_work.write`).

Routes and CLI commands call these; they never commit by themselves.
"""

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain import (
    AccountStatus,
    Category,
    ElectionKind,
    ElectionRecord,
    ElectionRef,
    ListedElection,
    Policy,
    PurdahError,
    RestrictedPeriod,
    Snapshot,
    check_notice_published,
    compute_timetable,
    london_instant,
    parse_election_id,
    restricted_periods,
)
from app.domain.accounts import AccountAction, check_official_email, next_status
from app.domain.audit import canonical_json
from app.domain.decision import ReasonCode
from app.domain.periods import CLOSE_OF_POLL
from app.domain.policy import Citation
from app.store.errors import AlreadyExists, InvalidChange, NotFound, PreconditionFailed
from app.store.keys import NewKey, Role, new_key
from app.store.tables import (
    AccountRow,
    ApiKeyRow,
    DiesNonRow,
    ElectionRow,
    ManualWindowRow,
    OrganisationRow,
    OverrideRow,
    RestrictedPeriodRow,
)
from app.store.unit_of_work import Actor, Write, write

__all__ = [
    "ELECTION_STATUSES",
    "SeedReport",
    "add_election",
    "add_manual_window",
    "create_key",
    "election_record",
    "revoke_key",
    "seed",
    "update_election",
]

ELECTION_STATUSES = ("scheduled", "held", "uncontested", "countermanded", "cancelled")
SEED_ACTOR = Actor("purdah seed", "system")
log = logging.getLogger(__name__)


def election_record(row: ElectionRow) -> ElectionRecord:
    """The domain's view of a stored election."""
    return ElectionRecord(
        parse_election_id(row.election_id, kind=ElectionKind(row.kind)),
        notice_published=row.notice_published,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        end_reason=row.end_reason,
    )


def election_dict(row: ElectionRow) -> dict[str, Any]:
    return {
        "election_id": row.election_id,
        "kind": row.kind,
        "poll_date": row.poll_date,
        "notice_published": row.notice_published,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "end_reason": row.end_reason,
        "status": row.status,
        "status_reason": row.status_reason,
    }


def election_etag(row: ElectionRow) -> str:
    """A strong ETag of what the Clerk recorded of an election (for If-Match)."""
    return _etag(election_dict(row))


def account_etag(row: AccountRow) -> str:
    """A strong ETag of an account as the Clerk changes it (for If-Match on its moves)."""
    return _etag(_account_dict(row))


def window_etag(row: ManualWindowRow) -> str:
    """A strong ETag of a manual window (for If-Match on PATCH and end)."""
    return _etag(_window_dict(row))


def _etag(state: dict[str, Any]) -> str:
    return '"' + hashlib.sha256(canonical_json(state)).hexdigest()[:20] + '"'


def _check_if_match(if_match: str | None, current: str, what: str, identifier: str) -> None:
    """Called under the organisation's write lock, so two Clerks cannot both pass it."""
    if if_match is not None and if_match.strip() != "*" and current not in _tags(if_match):
        raise PreconditionFailed(what=what, identifier=identifier, current=current)


def recompute_periods(change: Write, policy: Policy) -> None:
    """
    Replace the organisation's restricted periods with ones computed from its elections.

    A stored election that today's rules refuse (a poll under timetable rules this service
    no longer computes, a referendum whose kind must now be given) keeps the period it has:
    nothing a rule change does may lift a restriction, and one such row must not stop the
    Clerk's other writes.
    """
    session = change.session
    org = change.organisation_id
    elections = (
        session.execute(select(ElectionRow).where(col(ElectionRow.organisation_id) == org))
        .scalars()
        .all()
    )
    appointed = appointed_dies_non(change.session, change.organisation_id)
    periods: list[RestrictedPeriod] = []
    kept = []
    for row in elections:
        try:
            periods += restricted_periods(
                [election_record(row)],
                rules=policy.period_rules,
                country=policy.country,
                extra_dies_non=appointed,
            )
        except PurdahError as exc:
            log.warning("%s: kept the stored period of %s: %s", org, row.election_id, exc)
            kept.append(row.election_id)
    session.execute(
        delete(RestrictedPeriodRow).where(
            col(RestrictedPeriodRow.organisation_id) == org,
            col(RestrictedPeriodRow.election_id).not_in(kept),
        )
    )
    session.flush()
    for period in periods:
        session.add(
            RestrictedPeriodRow(
                organisation_id=org,
                election_id=period.election_id,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                start_basis=period.start_basis,
                end_basis=period.end_basis,
                estimated=period.estimated,
            )
        )
    session.flush()


def appointed_dies_non(session: Session, organisation_id: str) -> list[tuple[dt.date, str]]:
    """The days of public thanksgiving or mourning the Clerk added, with their names."""
    rows = session.execute(
        select(DiesNonRow).where(col(DiesNonRow.organisation_id) == organisation_id)
    ).scalars()
    return [(row.day, row.name) for row in rows]


def check_notice(
    ref: ElectionRef,
    notice: dt.date | None,
    policy: Policy,
    appointed: Iterable[tuple[dt.date, str]] = (),
) -> None:
    """
    Refuse a notice of election the law does not allow for this election (see
    `check_notice_published`): a date after the statutory latest day would shorten the period.

    Raises:
        InvalidNoticeDate: with the legal window.
    """
    if notice is None:
        return
    timetable = compute_timetable(ref, default_country=policy.country, extra_dies_non=appointed)
    check_notice_published(timetable, notice)


# --- seed -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seed did. `first_clerk_key` is set only when the organisation had no key."""

    organisation_created: bool
    accounts_added: tuple[str, ...]
    elections_added: tuple[str, ...]
    first_clerk_key: NewKey | None

    @property
    def changed(self) -> bool:
        return bool(
            self.organisation_created
            or self.accounts_added
            or self.elections_added
            or self.first_clerk_key
        )


def seed(
    engine: Engine,
    policy: Policy,
    shipped: Iterable[ListedElection],
    *,
    policy_file: str,
    now: dt.datetime,
    actor: Actor = SEED_ACTOR,
    new_only: bool = False,
) -> SeedReport:
    """
    Seed an organisation from its policy file and the shipped calendars. Idempotent.

    Adds what is missing (the organisation, accounts of the appendix, elections that affect
    it, a first Clerk key when it has none); never overwrites what the Clerk has changed.
    Nothing to add means no transaction and no audit event.

    Args:
        actor: who the audit log names (the operator's key, for a council added by the API).
        new_only: refuse an organisation that exists (adding a council, not repairing one).

    Raises:
        AlreadyExists: `new_only` and the organisation exists, or another request added it
            at the same moment (its insert won; this one's lost).
    """
    org = policy.organisation_id
    relevant = [s for s in shipped if policy.affects(s.election)]
    with Session(engine) as session:
        exists = session.get(OrganisationRow, org) is not None
        have_accounts = set(
            session.execute(
                select(col(AccountRow.id)).where(col(AccountRow.organisation_id) == org)
            ).scalars()
        )
        have_elections = set(
            session.execute(
                select(col(ElectionRow.election_id)).where(col(ElectionRow.organisation_id) == org)
            ).scalars()
        )
        have_key = (
            session.execute(
                select(col(ApiKeyRow.id)).where(col(ApiKeyRow.organisation_id) == org).limit(1)
            ).first()
            is not None
        )
    if exists and new_only:
        raise AlreadyExists(what="organisation", identifier=org)
    new_accounts = [a for a in policy.accounts if a.account_id not in have_accounts]
    new_elections = [s for s in relevant if s.election.election_id not in have_elections]
    if exists and not new_accounts and not new_elections and have_key:
        return SeedReport(False, (), (), None)
    for entry in new_elections:  # a shipped notice date after the legal latest day is a mistake
        check_notice(entry.election, entry.notice_published, policy)
    if not exists:
        try:
            with Session(engine) as session, session.begin():
                session.add(
                    OrganisationRow(
                        id=org,
                        name=policy.organisation_name,
                        country=str(policy.country),
                        policy_file=policy_file,
                        data_version=0,
                        created_at=now,
                    )
                )
        except IntegrityError:  # a concurrent seed inserted it first
            raise AlreadyExists(what="organisation", identifier=org) from None
    first_key = None
    with write(engine, org, actor, now=now) as change:
        if not exists:
            change.audit(
                "organisation.create",
                org,
                after={"name": policy.organisation_name, "policy_file": policy_file},
            )
        for account in new_accounts:
            change.session.add(
                AccountRow(
                    organisation_id=org,
                    id=account.account_id,
                    platform=account.platform,
                    name=account.name,
                    handle=account.handle,
                    url=account.url,
                    kind=str(account.kind),
                    status=str(account.status),
                    created_at=now,
                    updated_at=now,
                )
            )
            change.audit(
                "account.seed",
                account.account_id,
                after={"status": str(account.status), "name": account.name},
            )
        for entry in new_elections:
            row = ElectionRow(
                organisation_id=org,
                election_id=entry.election.election_id,
                kind=str(entry.election.kind),
                country=str(policy.country),
                poll_date=entry.election.poll_date,
                notice_published=entry.notice_published,
                status=str(entry.status),
                source=entry.description or entry.summary,
                created_at=now,
                updated_at=now,
            )
            change.session.add(row)
            change.audit("election.seed", row.election_id, after=election_dict(row))
        change.session.flush()
        recompute_periods(change, policy)
        if not have_key:
            first_key = _insert_key(change, Role.CLERK, "first Clerk key (purdah seed)")
    return SeedReport(
        not exists,
        tuple(a.account_id for a in new_accounts),
        tuple(s.election.election_id for s in new_elections),
        first_key,
    )


# --- elections ------------------------------------------------------------------------------


def add_election(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    *,
    election_id: str,
    poll_date: dt.date | None = None,
    kind: ElectionKind | None = None,
    notice_published: dt.date | None = None,
    source: str | None = None,
    now: dt.datetime,
    request_id: str | None = None,
) -> ElectionRow:
    """
    Add an election by id (Clerk).

    Raises:
        InvalidChange: the poll date or notice date contradicts the id, or the election does
            not affect the organisation.
        AlreadyExists: the organisation has it already.
    """
    # a kind only refines the id (a local referendum's); a contradiction is refused there
    ref = parse_election_id(election_id, kind=kind)
    if poll_date is not None and poll_date != ref.poll_date:
        raise InvalidChange(
            field="poll_date", problem=f"{poll_date} is not the date in the id ({ref.poll_date})"
        )
    if not policy.affects(ref):
        scopes = ", ".join(policy.election_scopes)
        raise InvalidChange(
            field="election_id",
            problem=f"{election_id} does not affect {policy.organisation_name} (its scopes: {scopes})",
        )
    check_notice(ref, notice_published, policy)
    # compute once before writing, so an unsupported kind or country fails before anything is stored
    restricted_periods(
        [ElectionRecord(ref, notice_published)], rules=policy.period_rules, country=policy.country
    )
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        if change.session.get(ElectionRow, (policy.organisation_id, election_id)) is not None:
            raise AlreadyExists(what="election", identifier=election_id)
        check_notice(
            ref,
            notice_published,
            policy,
            appointed_dies_non(change.session, change.organisation_id),
        )
        row = ElectionRow(
            organisation_id=policy.organisation_id,
            election_id=election_id,
            kind=str(ref.kind),
            country=str(policy.country),
            poll_date=ref.poll_date,
            notice_published=notice_published,
            status="scheduled",
            source=source,
            created_at=now,
            updated_at=now,
        )
        change.session.add(row)
        change.session.flush()
        change.audit("election.create", election_id, after=election_dict(row))
        recompute_periods(change, policy)
    return row


def _tags(header: str) -> set[str]:
    return {tag.strip() for tag in header.split(",")}


def update_election(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    election_id: str,
    *,
    changes: dict[str, Any],
    now: dt.datetime,
    request_id: str | None = None,
    if_match: str | None = None,
) -> ElectionRow:
    """
    Record what the Clerk knows of an election: the actual notice date, a status with its
    reason, or a start or end set by hand (an end needs a reason). A status never lifts the
    period by itself (DESIGN section 2); only an end set by hand does.

    Raises:
        NotFound: no such election.
        InvalidChange: a field contradicts another or the timetable.
    """
    if not changes:
        raise InvalidChange(field="body", problem="nothing to change: send at least one field")
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(ElectionRow, (policy.organisation_id, election_id))
        if row is None:
            raise NotFound(what="election", identifier=election_id)
        _check_if_match(if_match, election_etag(row), "election", election_id)
        before = election_dict(row)
        if "notice_published" in changes:
            if changes["notice_published"] != row.notice_published and not changes.get(
                "notice_reason"
            ):
                raise InvalidChange(
                    field="notice_reason",
                    problem="recording or changing the notice date moves the start of the "
                    "restricted period, so it needs a reason (where the notice was published)",
                )
            check_notice(
                election_record(row).election,
                changes["notice_published"],
                policy,
                appointed_dies_non(change.session, change.organisation_id),
            )
            row.notice_published = changes["notice_published"]
        if "status" in changes:
            status = changes["status"]
            if status not in ELECTION_STATUSES:
                raise InvalidChange(
                    field="status",
                    problem=f"{status!r} is not one of {', '.join(ELECTION_STATUSES)}",
                )
            if status not in {"scheduled", "held"} and not changes.get("status_reason"):
                raise InvalidChange(
                    field="status_reason", problem=f"a status of {status} needs a reason"
                )
            row.status = status
            row.status_reason = changes.get("status_reason")
        if "starts_at" in changes:
            row.starts_at = changes["starts_at"]
            if row.starts_at is not None and not changes.get("start_reason"):
                raise InvalidChange(
                    field="start_reason", problem="setting a start by hand needs a reason"
                )
        if "ends_at" in changes:
            row.ends_at = changes["ends_at"]
            row.end_reason = changes.get("end_reason")
            if row.ends_at is not None and not row.end_reason:
                raise InvalidChange(
                    field="end_reason", problem="ending a restricted period by hand needs a reason"
                )
        statutory_end = (
            london_instant(row.poll_date, CLOSE_OF_POLL) + policy.period_rules.end_extension
        )
        if row.ends_at is not None and row.ends_at > statutory_end:
            raise InvalidChange(
                field="ends_at",
                problem=f"an end set by hand may only shorten the period, which ends at {statutory_end.isoformat()}",
            )
        end = row.ends_at or statutory_end
        if row.starts_at is not None and end <= row.starts_at:
            raise InvalidChange(
                field="starts_at",
                problem="a start on or after the end would lift the period; end it early with ends_at and end_reason",
            )
        row.updated_at = now
        change.session.add(row)
        change.session.flush()
        change.audit(
            "election.update",
            election_id,
            reason="; ".join(
                changes[name]
                for name in ("notice_reason", "start_reason", "end_reason", "status_reason")
                if changes.get(name)
            )
            or None,
            before=before,
            after=election_dict(row),
        )
        recompute_periods(change, policy)
    return row


# --- manual windows -------------------------------------------------------------------------


def _check_window_accounts(change: Write, account_ids: Sequence[str] | None) -> None:
    """None means every account; otherwise at least one, each the organisation's."""
    if account_ids is None:
        return
    if not account_ids:
        raise InvalidChange(
            field="account_ids", problem="name at least one account, or send null for every account"
        )
    known = set(
        change.session.execute(
            select(col(AccountRow.id)).where(
                col(AccountRow.organisation_id) == change.organisation_id
            )
        ).scalars()
    )
    for account_id in account_ids:
        if account_id not in known:
            raise NotFound(what="account", identifier=account_id)


def add_manual_window(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    account_ids: Sequence[str] | None,
    now: dt.datetime,
    request_id: str | None = None,
) -> ManualWindowRow:
    """
    Set a restriction window by hand (Clerk).

    Raises:
        InvalidChange: the end is not after the start, or the reason is empty.
        NotFound: an account is not the organisation's.
    """
    if ends_at <= starts_at:
        raise InvalidChange(field="ends_at", problem="must be after starts_at")
    if not reason.strip():
        raise InvalidChange(field="reason", problem="a manual window needs a reason")
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        _check_window_accounts(change, account_ids)
        row = ManualWindowRow(
            id=f"mw-{secrets.token_hex(5)}",
            organisation_id=policy.organisation_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            account_ids=sorted(set(account_ids)) if account_ids is not None else None,
            created_by=actor.name,
            created_at=now,
        )
        change.session.add(row)
        change.session.flush()
        change.audit(
            "window.create",
            row.id,
            reason=row.reason,
            after={"starts_at": starts_at, "ends_at": ends_at, "account_ids": row.account_ids},
        )
    return row


# --- keys -----------------------------------------------------------------------------------


def _insert_key(change: Write, role: Role, name: str) -> NewKey:
    made = new_key()
    change.session.add(
        ApiKeyRow(
            id=made.key_id,
            organisation_id=change.organisation_id,
            name=name,
            role=str(role),
            secret_sha256=made.secret_sha256,
            created_at=change.now,
        )
    )
    change.audit("key.create", made.key_id, after={"name": name, "role": str(role)})
    return made


def create_key(
    engine: Engine, organisation_id: str, actor: Actor, *, role: Role, name: str, now: dt.datetime
) -> NewKey:
    """Create an API key; the returned key is the only copy."""
    if not name.strip():
        raise InvalidChange(field="name", problem="a key needs a name")
    with write(engine, organisation_id, actor, now=now) as change:
        return _insert_key(change, role, name.strip())


def revoke_key(
    engine: Engine,
    organisation_id: str,
    actor: Actor,
    *,
    key_id: str,
    reason: str,
    now: dt.datetime,
) -> None:
    """Revoke an API key at once (every replica within its poll interval)."""
    with write(engine, organisation_id, actor, now=now) as change:
        row = change.session.get(ApiKeyRow, key_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="key", identifier=key_id)
        if row.revoked_at is not None:
            raise InvalidChange(
                field="key_id", problem=f"key {key_id} was revoked at {row.revoked_at.isoformat()}"
            )
        row.revoked_at = now
        change.session.add(row)
        change.audit(
            "key.revoke",
            key_id,
            reason=reason,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )


# --- accounts: proposed, approved, suspended, closed; on official addresses --------------------


def _account_dict(row: AccountRow) -> dict[str, Any]:
    return {
        "status": row.status,
        "name": row.name,
        "platform": row.platform,
        "contact_email": row.contact_email,
    }


def propose_account(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    *,
    account_id: str,
    platform: str,
    name: str,
    kind: str,
    contact_email: str,
    handle: str | None,
    url: str | None,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> AccountRow:
    """
    Propose a new official account; it stays `pending` until the Clerk approves it.

    Raises:
        OfficialEmailRequired: the contact email is not on an official domain.
        AlreadyExists: the id is taken.
    """
    email = check_official_email(
        contact_email,
        policy.official_email_domains,
        clause=policy.clause_for(Citation.OFFICIAL_EMAIL_REQUIRED),
    )
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        if change.session.get(AccountRow, (policy.organisation_id, account_id)) is not None:
            raise AlreadyExists(what="account", identifier=account_id)
        row = AccountRow(
            organisation_id=policy.organisation_id,
            id=account_id,
            platform=platform,
            name=name,
            handle=handle,
            url=url,
            kind=kind,
            status=str(AccountStatus.PENDING),
            contact_email=email,
            created_at=now,
            updated_at=now,
        )
        change.session.add(row)
        change.session.flush()
        change.audit("account.propose", account_id, reason=reason, after=_account_dict(row))
    return row


def move_account(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    account_id: str,
    action: AccountAction,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
    if_match: str | None = None,
) -> AccountRow:
    """
    Approve, suspend, reinstate, close or deactivate an account, with a reason.

    Raises:
        NotFound: no such account.
        PreconditionFailed: `if_match` names another state of the account (412).
        IllegalMove: the move is not allowed from its status (409, listing the allowed moves).
    """
    if not reason.strip():
        raise InvalidChange(field="reason", problem=f"{action} needs a reason")
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(AccountRow, (policy.organisation_id, account_id))
        if row is None:
            raise NotFound(what="account", identifier=account_id)
        _check_if_match(if_match, account_etag(row), "account", account_id)
        before = _account_dict(row)
        row.status = str(next_status(account_id, AccountStatus(row.status), action))
        row.updated_at = now
        change.session.add(row)
        change.session.flush()
        change.audit(
            f"account.{action}",
            account_id,
            reason=reason.strip(),
            before=before,
            after=_account_dict(row),
        )
    return row


# --- overrides -----------------------------------------------------------------------------------


def _override_dict(row: OverrideRow) -> dict[str, Any]:
    return {
        "account_id": row.account_id,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "categories": row.categories,
        "anchors": row.anchors,
        "confirmed_at": row.confirmed_at,
        "revoked_at": row.revoked_at,
    }


def grant_override(
    engine: Engine,
    policy: Policy,
    snapshot: Snapshot,
    actor: Actor,
    *,
    account_id: str | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    categories: Sequence[Category] | None,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> OverrideRow:
    """
    Grant the Clerk's written permission to publish inside a window.

    Raises:
        InvalidChange: the override is unbounded or longer than the policy allows, does not
            overlap a restriction window, names a never-permitted category (the policy's clause, Local
            Government Act 1986 s. 2), or has no reason.
        NotFound: the account is not the organisation's.
    """
    if ends_at <= starts_at:
        raise InvalidChange(field="ends_at", problem="must be after starts_at")
    if ends_at <= now:
        raise InvalidChange(
            field="ends_at", problem="the override would end before now, so it could allow nothing"
        )
    if ends_at - starts_at > policy.max_override:
        raise InvalidChange(
            field="ends_at",
            problem=f"an override may last at most {policy.max_override.days} days under the policy",
        )
    if not reason.strip():
        raise InvalidChange(field="reason", problem="an override needs a written reason")
    if categories is not None and not categories:
        raise InvalidChange(
            field="categories",
            problem="name at least one category, or send null for every category",
        )
    never = sorted(set(categories or ()) & policy.never_permitted)
    if never:
        cited = policy.cite(ReasonCode.NEVER_PERMITTED_CATEGORY)
        raise InvalidChange(
            field="categories",
            problem=(
                f"{', '.join(never)} can never be published on an official account ("
                f"{'; '.join(filter(None, [cited, 'Local Government Act 1986 s. 2']))}): "
                "no override can permit it"
            ),
        )
    if account_id is not None and account_id not in snapshot.accounts:
        raise NotFound(what="account", identifier=account_id)
    anchors = snapshot.restrictions_overlapping(account_id, starts_at, ends_at)
    if not anchors:
        raise InvalidChange(
            field="starts_at",
            problem="the override does not overlap any restriction window: outside windows nothing needs one",
        )
    needs_second = policy.override_needs_second_clerk
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = OverrideRow(
            id=f"ov-{secrets.token_hex(5)}",
            organisation_id=policy.organisation_id,
            account_id=account_id,
            starts_at=starts_at,
            ends_at=ends_at,
            categories=sorted({str(c) for c in categories}) if categories else None,
            anchors=sorted(anchors),
            reason=reason.strip(),
            granted_by=actor.name,
            created_at=now,
            confirmed_at=None if needs_second else now,
            confirmed_by=None if needs_second else actor.name,
        )
        change.session.add(row)
        change.session.flush()
        change.audit("override.grant", row.id, reason=row.reason, after=_override_dict(row))
    return row


def confirm_override(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    override_id: str,
    *,
    now: dt.datetime,
    request_id: str | None = None,
) -> OverrideRow:
    """
    A second Clerk confirms an override, where the policy requires it (no self-approval).

    Raises:
        NotFound, InvalidChange (confirmed already, revoked, or by the Clerk who granted it).
    """
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _override(change, override_id)
        if row.revoked_at is not None:
            raise InvalidChange(field="override_id", problem=f"{override_id} was revoked")
        if row.confirmed_at is not None:
            raise InvalidChange(field="override_id", problem=f"{override_id} is confirmed already")
        if row.granted_by == actor.name:
            raise InvalidChange(
                field="override_id", problem="the Clerk who granted an override cannot confirm it"
            )
        before = _override_dict(row)
        row.confirmed_at = now
        row.confirmed_by = actor.name
        change.session.add(row)
        change.audit("override.confirm", override_id, before=before, after=_override_dict(row))
    return row


def revoke_override(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    override_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> OverrideRow:
    """Revoke an override at once. Raises NotFound, InvalidChange (revoked already, no reason)."""
    if not reason.strip():
        raise InvalidChange(field="reason", problem="revoking an override needs a reason")
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _override(change, override_id)
        if row.revoked_at is not None:
            raise InvalidChange(field="override_id", problem=f"{override_id} was revoked already")
        before = _override_dict(row)
        row.revoked_at = now
        row.revoked_by = actor.name
        row.revoke_reason = reason.strip()
        change.session.add(row)
        change.audit(
            "override.revoke",
            override_id,
            reason=row.revoke_reason,
            before=before,
            after=_override_dict(row),
        )
    return row


def _override(change: Write, override_id: str) -> OverrideRow:
    row = change.session.get(OverrideRow, override_id)
    if row is None or row.organisation_id != change.organisation_id:
        raise NotFound(what="override", identifier=override_id)
    return row


# --- dies non and manual windows ---------------------------------------------------------------


def add_dies_non(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    *,
    day: dt.date,
    name: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> None:
    """
    Add a day of public thanksgiving or mourning; every period is recomputed (SI 2006/3304
    Sch. 2 r. 2 and the like: such days do not count as working days).
    """
    if not name.strip():
        raise InvalidChange(field="name", problem="name the day (e.g. 'National day of mourning')")
    if day.weekday() >= 5:
        raise InvalidChange(
            field="date", problem=f"{day} is a weekend day, never a working day anyway"
        )
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        if change.session.get(DiesNonRow, (policy.organisation_id, day)) is not None:
            raise AlreadyExists(what="dies non", identifier=day.isoformat())
        before = _periods_dict(change)
        change.session.add(
            DiesNonRow(
                organisation_id=policy.organisation_id, day=day, name=name.strip(), created_at=now
            )
        )
        change.session.flush()
        recompute_periods(change, policy)
        change.audit(
            "dies_non.add",
            day.isoformat(),
            reason=name.strip(),
            before=before,
            after=_periods_dict(change),
        )


def remove_dies_non(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    *,
    day: dt.date,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> None:
    """Remove a day the Clerk added; every period is recomputed."""
    if not reason.strip():
        raise InvalidChange(field="reason", problem="removing a dies non needs a reason")
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(DiesNonRow, (policy.organisation_id, day))
        if row is None:
            raise NotFound(what="dies non", identifier=day.isoformat())
        before = _periods_dict(change)
        change.session.delete(row)
        change.session.flush()
        recompute_periods(change, policy)
        change.audit(
            "dies_non.remove",
            day.isoformat(),
            reason=reason.strip(),
            before=before,
            after=_periods_dict(change),
        )


def _periods_dict(change: Write) -> dict[str, Any]:
    rows = change.session.execute(
        select(RestrictedPeriodRow).where(
            col(RestrictedPeriodRow.organisation_id) == change.organisation_id
        )
    ).scalars()
    return {row.election_id: [row.starts_at, row.ends_at] for row in rows}


def _window_dict(row: ManualWindowRow) -> dict[str, Any]:
    return {
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "reason": row.reason,
        "account_ids": row.account_ids,
    }


def change_manual_window(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    window_id: str,
    *,
    changes: dict[str, Any],
    now: dt.datetime,
    request_id: str | None = None,
    if_match: str | None = None,
) -> ManualWindowRow:
    """Change a manual window's times, reason or accounts; ending one early is `ends_at=now`."""
    if not set(changes) - {"change_reason"}:
        raise InvalidChange(
            field="body",
            problem="nothing to change: send starts_at, ends_at, reason or account_ids",
        )
    with write(engine, policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = change.session.get(ManualWindowRow, window_id)
        if row is None or row.organisation_id != policy.organisation_id:
            raise NotFound(what="manual window", identifier=window_id)
        _check_if_match(if_match, window_etag(row), "manual window", window_id)
        before = _window_dict(row)
        for field in ("starts_at", "ends_at", "reason"):
            if changes.get(field) is not None:
                setattr(row, field, changes[field])
        if "account_ids" in changes:
            ids = changes["account_ids"]
            _check_window_accounts(change, ids)
            row.account_ids = sorted(set(ids)) if ids is not None else None
        if row.ends_at <= row.starts_at:
            raise InvalidChange(field="ends_at", problem="must be after starts_at")
        change.session.add(row)
        change.audit(
            "window.change",
            window_id,
            reason=changes.get("change_reason"),
            before=before,
            after={
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
                "reason": row.reason,
                "account_ids": row.account_ids,
            },
        )
    return row


def end_manual_window(
    engine: Engine,
    policy: Policy,
    actor: Actor,
    window_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
    if_match: str | None = None,
) -> ManualWindowRow:
    """
    End a manual window now. Only a window in force can end: one that has ended stays as it
    was, and one not yet started is changed (or moved) with PATCH instead.
    """
    with Session(engine) as session:
        row = session.get(ManualWindowRow, window_id)
    if row is None or row.organisation_id != policy.organisation_id:
        raise NotFound(what="manual window", identifier=window_id)
    if row.ends_at <= now:
        raise InvalidChange(
            field="window_id", problem=f"{window_id} ended at {row.ends_at.isoformat()} already"
        )
    if row.starts_at > now:
        raise InvalidChange(
            field="window_id",
            problem=f"{window_id} has not started: change its times with PATCH instead",
        )
    return change_manual_window(
        engine,
        policy,
        actor,
        window_id,
        changes={"ends_at": now, "change_reason": reason},
        now=now,
        request_id=request_id,
        if_match=if_match,
    )
