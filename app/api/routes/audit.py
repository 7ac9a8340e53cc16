"""The audit log: who changed what, when and why, in a hash chain that shows any alteration."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.store.audit import AuditFilter, list_events, verify_organisation
from app.store.keys import Role

from ..deps import Principal, ServicesDep, require
from ..schemas import AuditEventOut, AuditPage, AuditVerifyOut, AwareDatetime, london

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(require(Role.AUDITOR, Role.CLERK))]


@router.get("", response_model=AuditPage, summary="Page through the audit log (auditor, clerk)")
def list_audit_events(
    services: ServicesDep,
    principal: Auditor,
    after_seq: Annotated[
        int | None,
        # the sequence column is a 32-bit integer on PostgreSQL (found by fuzzing: a 500)
        Query(ge=0, le=2**31 - 1, description="Events after this sequence number."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[
        str | None,
        Query(max_length=80, description="Actions starting with this, e.g. `override.`."),
    ] = None,
    target: Annotated[str | None, Query(max_length=300)] = None,
    actor: Annotated[
        str | None, Query(max_length=200, description="Actors whose name contains this.")
    ] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> AuditPage:
    """Every change, in order: who (key name and role), when, what, why, before and after, and the request id, with each event's place in the hash chain. For auditors, the monitoring officer and complaints panels. Page with `after_seq`."""
    rows = list_events(
        services.engine,
        principal.organisation_id,
        AuditFilter(
            after_seq=after_seq, action=action, target=target, actor=actor, since=since, until=until
        ),
        limit=limit + 1,
    )
    page = rows[:limit]
    events = [
        AuditEventOut(
            seq=row.seq or 0,
            at=london(row.at),
            actor=row.actor,
            role=row.role,
            action=row.action,
            target=row.target,
            reason=row.reason,
            before=row.before,
            after=row.after,
            request_id=row.request_id,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )
        for row in page
    ]
    return AuditPage(
        events=events, next_after_seq=page[-1].seq if len(rows) > limit and page else None
    )


@router.get(
    "/verify",
    response_model=AuditVerifyOut,
    summary="Walk the hash chain: ok, or the first broken event and why",
)
def verify_audit_log(services: ServicesDep, principal: Auditor) -> AuditVerifyOut:
    """Recompute the whole hash chain. `ok`, or the first event that was edited, deleted or moved, and a missing tail if the newest events were deleted."""
    result = verify_organisation(services.engine, principal.organisation_id)
    return AuditVerifyOut(
        ok=result.ok,
        events=result.check.events,
        broken_at_seq=result.check.broken_at,
        problem=result.problem,
    )


__all__ = ["dt", "router"]
