"""Overrides: the Town Clerk's written permission to publish inside a window."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.domain import Category
from app.services import overrides
from app.store.records import StoredOverride

from ..deps import Clerk, Reader, ServicesDep, request_id
from ..schemas import OverrideIn, OverrideOut, ReasonIn, london

router = APIRouter(prefix="/v1/overrides", tags=["overrides"])


def _out(row: StoredOverride, now: dt.datetime, needs_second: bool) -> OverrideOut:
    confirmed = row.is_confirmed(needs_second)
    return OverrideOut(
        override_id=row.id,
        account_id=row.account_id or "all",
        starts_at=london(row.starts_at),
        ends_at=london(row.ends_at),
        categories=row.categories,
        anchors=list(row.anchors or ()),
        reason=row.reason,
        granted_by=row.granted_by,
        created_at=london(row.created_at),
        confirmed=confirmed,
        revoked_at=london(row.revoked_at),
        revoke_reason=row.revoke_reason,
        in_force=row.in_force(now, needs_second_clerk=needs_second),
    )


@router.post(
    "",
    response_model=OverrideOut,
    status_code=201,
    summary="Grant an override: permission to publish inside a window, for a bounded time, with a reason",
)
def grant_override(
    body: OverrideIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> OverrideOut:
    """
    `account_id` is one account or `all`. The override must end within the policy's longest
    duration, overlap a restriction window, and cannot cover a never-permitted category
    (the policy's clause on party-political use; Local Government Act 1986 s. 2). Where the policy requires it, a second Clerk
    confirms it before it takes effect.
    """
    policy = services.policy(principal.organisation_id)
    row = overrides.grant_override(
        services.uow,
        policy,
        principal.actor(),
        account_id=None if body.account_id == "all" else body.account_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        categories=body.categories,
        reason=body.reason,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/overrides/{row.id}"
    return _out(row, services.clock(), policy.override_needs_second_clerk)


@router.get("", response_model=list[OverrideOut], summary="List overrides, newest first")
def list_overrides(
    services: ServicesDep,
    principal: Reader,
    account_id: Annotated[
        str | None, Query(description="One account's (and organisation-wide) overrides.")
    ] = None,
    in_force: Annotated[
        bool | None, Query(description="Only those in force now (or only those not).")
    ] = None,
) -> list[OverrideOut]:
    """Overrides, newest first, with whether each is in force (confirmed where the policy asks, not revoked, not ended)."""
    policy = services.policy(principal.organisation_id)
    now = services.clock()
    rows = overrides.list_overrides(services.uow, principal.organisation_id, account_id=account_id)
    found = [_out(row, now, policy.override_needs_second_clerk) for row in rows]
    return [o for o in found if in_force is None or o.in_force is in_force]


@router.get("/{override_id}", response_model=OverrideOut, summary="One override")
def get_override(override_id: str, services: ServicesDep, principal: Reader) -> OverrideOut:
    """An override, with whether it is in force now; the `Location` of its grant and the `link` of its webhook events."""
    policy = services.policy(principal.organisation_id)
    row = overrides.get_override(services.uow, principal.organisation_id, override_id)
    return _out(row, services.clock(), policy.override_needs_second_clerk)


@router.post(
    "/{override_id}/revoke",
    response_model=OverrideOut,
    summary="Revoke an override at once, with a reason",
)
def revoke_override(
    override_id: str, body: ReasonIn, request: Request, services: ServicesDep, principal: Clerk
) -> OverrideOut:
    """Withdraw an override at once, with a reason; can-publish stops relying on it within a second, on every replica."""
    policy = services.policy(principal.organisation_id)
    row = overrides.revoke_override(
        services.uow,
        policy,
        principal.actor(),
        override_id,
        reason=body.reason,
        now=services.clock(),
        request_id=request_id(request),
    )
    return _out(row, services.clock(), policy.override_needs_second_clerk)


@router.post(
    "/{override_id}/confirm",
    response_model=OverrideOut,
    summary="Confirm an override granted by another Clerk (where the policy requires two)",
)
def confirm_override(
    override_id: str, request: Request, services: ServicesDep, principal: Clerk
) -> OverrideOut:
    """Where the policy requires two Clerks, a second Clerk confirms an override before it takes effect; the Clerk who granted it cannot."""
    policy = services.policy(principal.organisation_id)
    row = overrides.confirm_override(
        services.uow,
        policy,
        principal.actor(),
        override_id,
        key_id=principal.key_id,
        now=services.clock(),
        request_id=request_id(request),
    )
    return _out(row, services.clock(), policy.override_needs_second_clerk)


__all__ = ["Category", "router"]
