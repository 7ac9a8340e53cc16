"""
Accounts: propose an official account (pending until the Clerk approves it), and move one
between statuses (approve, suspend, reinstate, close, deactivate), each with a reason.
"""

import datetime as dt
from collections.abc import Collection

from app.domain import AccountStatus, Policy
from app.domain.accounts import AccountAction, check_official_email, next_status
from app.domain.changes import check_version, require_text, version_tag
from app.domain.policy import Citation
from app.store import queries
from app.store.errors import AlreadyExists, NotFound
from app.store.records import StoredAccount
from app.store.tables import AccountRow
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["get_account", "list_accounts", "move_account", "propose_account"]


def propose_account(
    uow: UnitOfWork,
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
) -> StoredAccount:
    """
    Propose a new official account; it stays `pending` until the Clerk approves it.

    Raises:
        OfficialEmailRequired: the contact email is not on an official domain.
        AlreadyExists: the id is taken.
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        email = check_official_email(
            contact_email,
            policy.official_email_domains,
            clause=policy.clause_for(Citation.OFFICIAL_EMAIL_REQUIRED),
        )
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
        account = StoredAccount.of(row)
        change.audit("account.propose", account_id, reason=reason, after=account.state())
    return account


def move_account(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    account_id: str,
    action: AccountAction,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
    expected_versions: Collection[str] | None = None,
) -> StoredAccount:
    """
    Approve, suspend, reinstate, close or deactivate an account, with a reason.

    Args:
        expected_versions: the account's versions the caller read (an If-Match); None: any.

    Raises:
        InvalidChange: no reason.
        NotFound: no such account.
        PreconditionFailed: the account's version is not among `expected_versions` (412).
        IllegalMove: the move is not allowed from its status (409, listing the allowed moves).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(reason, field="reason", problem=f"{action} needs a reason")
        row = change.session.get(AccountRow, (policy.organisation_id, account_id))
        if row is None:
            raise NotFound(what="account", identifier=account_id)
        before = StoredAccount.of(row)
        check_version(
            expected_versions, version_tag(before.state()), what="account", identifier=account_id
        )
        row.status = str(next_status(account_id, AccountStatus(row.status), action))
        row.updated_at = now
        change.session.add(row)
        change.session.flush()
        after = StoredAccount.of(row)
        change.audit(
            f"account.{action}", account_id, reason=text, before=before.state(), after=after.state()
        )
    return after


def list_accounts(uow: UnitOfWork, organisation_id: str) -> list[StoredAccount]:
    """The organisation's accounts, by id."""
    return queries.list_accounts(uow.engine, organisation_id)


def get_account(uow: UnitOfWork, organisation_id: str, account_id: str) -> StoredAccount:
    """One account. Raises NotFound."""
    return queries.get_account(uow.engine, organisation_id, account_id)
