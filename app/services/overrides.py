"""
Overrides: the Clerk's written permission to publish inside a window. Grant one (checked
by `app.domain.overrides.check_grant` against the organisation's data as the write sees
it), confirm one (a second Clerk, where the policy asks), revoke one.
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from app.domain import Category, Policy
from app.domain.changes import require_text
from app.domain.overrides import check_confirm, check_grant, check_revoke
from app.store import queries
from app.store.errors import NotFound
from app.store.records import StoredOverride
from app.store.repositories import snapshot_in
from app.store.tables import OverrideRow
from app.store.unit_of_work import Actor, UnitOfWork, Write

__all__ = [
    "confirm_override",
    "get_override",
    "grant_override",
    "list_overrides",
    "revoke_override",
]


def _state(row: OverrideRow) -> dict[str, Any]:
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
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    *,
    account_id: str | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    categories: Sequence[Category] | None,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredOverride:
    """
    Grant the Clerk's written permission to publish inside a window (`account_id` None:
    every account of the organisation).

    Raises:
        InvalidChange: see `check_grant` (unbounded, too long, outside every window,
            a never-permitted category, no reason).
        NotFound: the account is not the organisation's.
    """
    needs_second = policy.override_needs_second_clerk
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        anchors = check_grant(
            policy,
            snapshot_in(change, policy),
            account_id=account_id,
            starts_at=starts_at,
            ends_at=ends_at,
            categories=categories,
            reason=reason,
            now=now,
        )
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
        change.audit("override.grant", row.id, reason=row.reason, after=_state(row))
        return StoredOverride.of(row)


def confirm_override(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    override_id: str,
    *,
    key_id: str | None,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredOverride:
    """
    A second Clerk confirms an override, where the policy requires it (no self-approval).

    Args:
        key_id: the confirming Clerk's key (None for an operator without one): the key that
            granted the override may not confirm it, whatever name it signs in under.

    Raises:
        NotFound, InvalidChange (confirmed already, revoked, or by the key or the Clerk who
            granted it).
    """
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        row = _override(change, override_id)
        check_confirm(
            override_id,
            granted_by=row.granted_by,
            confirmed=row.confirmed_at is not None,
            revoked=row.revoked_at is not None,
            confirming_clerk=actor.name,
            confirming_key=key_id,
        )
        before = _state(row)
        row.confirmed_at = now
        row.confirmed_by = actor.name
        change.session.add(row)
        change.audit("override.confirm", override_id, before=before, after=_state(row))
        return StoredOverride.of(row)


def revoke_override(
    uow: UnitOfWork,
    policy: Policy,
    actor: Actor,
    override_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredOverride:
    """Revoke an override at once. Raises NotFound, InvalidChange (revoked already, no reason)."""
    with uow.write(policy.organisation_id, actor, now=now, request_id=request_id) as change:
        text = require_text(reason, field="reason", problem="revoking an override needs a reason")
        row = _override(change, override_id)
        check_revoke(override_id, revoked=row.revoked_at is not None)
        before = _state(row)
        row.revoked_at = now
        row.revoked_by = actor.name
        row.revoke_reason = text
        change.session.add(row)
        change.audit("override.revoke", override_id, reason=text, before=before, after=_state(row))
        return StoredOverride.of(row)


def _override(change: Write, override_id: str) -> OverrideRow:
    row = change.session.get(OverrideRow, override_id)
    if row is None or row.organisation_id != change.organisation_id:
        raise NotFound(what="override", identifier=override_id)
    return row


def list_overrides(
    uow: UnitOfWork, organisation_id: str, *, account_id: str | None = None
) -> list[StoredOverride]:
    """Overrides, newest first; for one account, its own and the organisation-wide ones."""
    return queries.list_overrides(uow.engine, organisation_id, account_id=account_id)


def get_override(uow: UnitOfWork, organisation_id: str, override_id: str) -> StoredOverride:
    """One override (the link of its change events). Raises NotFound."""
    return queries.get_override(uow.engine, organisation_id, override_id)
