"""
Organisations: add a council from its policy file (`create_organisation`, the API's and the
CLI's one way), and seed one from its policy file and the shipped calendars (`seed`).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.calendars import read_shipped_calendars
from app.domain import ListedElection, Policy
from app.domain.election_changes import check_notice
from app.services.keys import insert_key
from app.store import PolicyFileError, load_policy
from app.store.errors import AlreadyExists, InvalidChange
from app.store.keys import NewKey, Role
from app.store.queries import list_organisations
from app.store.records import StoredElection, StoredOrganisation
from app.store.repositories import insert_organisation, recompute_periods, seed_state
from app.store.tables import AccountRow, ElectionRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = [
    "SEED_ACTOR",
    "NewOrganisation",
    "SeedReport",
    "create_organisation",
    "organisations",
    "seed",
]

SEED_ACTOR = Actor("purdah seed", "system")


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
    uow: UnitOfWork,
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
    have = seed_state(uow.engine, org)
    if have.exists and new_only:
        raise AlreadyExists(what="organisation", identifier=org)
    new_accounts = [a for a in policy.accounts if a.account_id not in have.accounts]
    new_elections = [s for s in relevant if s.election.election_id not in have.elections]
    if have.exists and not new_accounts and not new_elections and have.has_key:
        return SeedReport(False, (), (), None)
    for entry in new_elections:  # a shipped notice date after the legal latest day is a mistake
        check_notice(entry.election, entry.notice_published, policy)
    if not have.exists:
        insert_organisation(uow.engine, policy, policy_file=policy_file, now=now)
    first_key = None
    with uow.write(org, actor, now=now) as change:
        if not have.exists:
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
            change.audit("election.seed", row.election_id, after=StoredElection.of(row).state())
        change.session.flush()
        recompute_periods(change, policy)
        if not have.has_key:
            first_key = insert_key(change, Role.CLERK, "first Clerk key (purdah seed)")
    return SeedReport(
        not have.exists,
        tuple(a.account_id for a in new_accounts),
        tuple(s.election.election_id for s in new_elections),
        first_key,
    )


@dataclass(frozen=True, slots=True)
class NewOrganisation:
    """A council just added: its policy (to serve it) and what its seed did."""

    policy: Policy
    report: SeedReport


def create_organisation(
    uow: UnitOfWork,
    *,
    policy_dir: Path,
    calendar_dir: Path,
    policy_file: str,
    actor: Actor,
    now: dt.datetime,
) -> NewOrganisation:
    """
    Add a council from `<policy_file>` in the policy folder, seeded with its accounts, the
    shipped elections that affect it, and a first Clerk key (shown once).

    Raises:
        InvalidChange: no such policy file in the folder, or one that cannot be read.
        AlreadyExists: the organisation exists, or a concurrent request's insert won.
    """
    missing = f"no policy file {policy_file} in the policy folder"
    if "/" in policy_file or "\\" in policy_file:
        raise InvalidChange(field="policy_file", problem=missing)
    try:
        policy = load_policy(policy_dir / policy_file)
    except PolicyFileError as exc:
        raise InvalidChange(field="policy_file", problem=str(exc)) from None
    except OSError:
        raise InvalidChange(field="policy_file", problem=missing) from None
    report = seed(
        uow,
        policy,
        read_shipped_calendars(calendar_dir),
        policy_file=policy_file,
        now=now,
        actor=actor,
        new_only=True,
    )
    return NewOrganisation(policy, report)


def organisations(uow: UnitOfWork) -> list[StoredOrganisation]:
    """Every organisation this deployment serves, by id."""
    return list_organisations(uow.engine)
