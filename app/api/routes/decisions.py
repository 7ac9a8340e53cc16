"""
can-publish and batch decisions: the hot path. Answered from the in-memory snapshot only.

Fail closed: if the snapshot is unavailable the answer is 503 with a deny body.
"""

import datetime as dt
import hashlib
import math
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.domain import Category, Decision, decide
from app.store.errors import SnapshotUnavailable

from ..deps import Reader, ServicesDep
from ..schemas import AwareDatetime, BatchIn, BatchOut, DecisionOut, dump, london

router = APIRouter(prefix="/v1", tags=["decisions"])

CACHE_CAP_SECONDS = 60


def _etag(decision: Decision) -> str:
    parts = [
        decision.account_id,
        str(decision.category),
        decision.outcome.value,
        decision.valid_until.isoformat() if decision.valid_until else "-",
        *(f"{r.code}:{r.window_id}:{r.override_id}" for r in decision.reasons),
    ]
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()
    return f'W/"{decision.data_version}-{digest}"'


def _max_age(decision: Decision, now: dt.datetime) -> int:
    if decision.valid_until is None:
        return CACHE_CAP_SECONDS
    seconds = (decision.valid_until - now).total_seconds()
    return max(0, min(CACHE_CAP_SECONDS, math.floor(seconds)))


def unavailable_body(
    account_id: str, at: dt.datetime, exc: SnapshotUnavailable, now: dt.datetime
) -> dict[str, object]:
    """The deny body of a 503: the answer a scheduling tool must act on is 'do not post'."""
    return {
        "type": "/problems/service-unavailable",
        "title": "Decision data unavailable",
        "status": 503,
        "detail": str(exc),
        "decision_id": uuid.uuid4().hex,
        "account_id": account_id,
        "at": london(at).isoformat(),  # type: ignore[union-attr]
        "allowed": False,
        "outcome": "deny",
        "reasons": [
            {
                "code": "SERVICE_UNAVAILABLE",
                "effect": "deny",
                "message": "The service cannot confirm its data is current, so it fails closed: do not publish.",
                "clause": None,
                "rule": None,
            }
        ],
        "windows": [],
        "valid_until": None,
        "evaluated_at": london(now).isoformat(),  # type: ignore[union-attr]
    }


@router.get(
    "/accounts/{account_id}/can-publish",
    response_model=DecisionOut,
    summary="May this account publish this category of post at this time?",
    responses={
        304: {"description": "Not modified: the answer is the one the ETag names."},
        503: {"description": "Fail closed: the data cannot be confirmed; the body denies."},
    },
)
async def can_publish(
    account_id: str,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Reader,
    at: Annotated[
        AwareDatetime | None, Query(description="RFC 3339 with an offset; default now.")
    ] = None,
    category: Annotated[Category, Query()] = Category.GENERAL,
) -> DecisionOut | Response:
    """
    The decision of DESIGN section 3. `Cache-Control: private, max-age=N` never reaches past
    `valid_until` (and is at most 60 s); `ETag` names the answer, and `If-None-Match` gets 304.
    A scheduling tool should treat any status but 200 (or 304) as "do not post".
    """
    now = services.clock()
    when = at if at is not None else now
    try:
        snapshot = services.cache.snapshot(principal.organisation_id)
    except SnapshotUnavailable as exc:
        return JSONResponse(
            unavailable_body(account_id, when, exc, now),
            status_code=503,
            media_type="application/problem+json",
            headers={"Cache-Control": "no-store"},
        )
    decision = decide(account_id, when, category, snapshot, now=now, decision_id=uuid.uuid4().hex)
    etag = _etag(decision)
    cache_control = f"private, max-age={_max_age(decision, now)}"
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": cache_control})
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control
    return DecisionOut.of(decision)


@router.post(
    "/decisions",
    response_model=BatchOut,
    summary="Check up to 1,000 posts in one call, answered in order.",
    responses={503: {"description": "Fail closed: the data cannot be confirmed."}},
)
async def batch(body: BatchIn, services: ServicesDep, principal: Reader) -> BatchOut | JSONResponse:
    """Every check is decided against the same snapshot; an unknown account fails the batch with 404."""
    now = services.clock()
    try:
        snapshot = services.cache.snapshot(principal.organisation_id)
    except SnapshotUnavailable as exc:
        first = body.checks[0]
        return JSONResponse(
            unavailable_body(first.account_id, first.at or now, exc, now),
            status_code=503,
            media_type="application/problem+json",
            headers={"Cache-Control": "no-store"},
        )
    decisions = [
        DecisionOut.of(
            decide(
                c.account_id,
                c.at or now,
                c.category,
                snapshot,
                now=now,
                decision_id=uuid.uuid4().hex,
            )
        )
        for c in body.checks
    ]
    return BatchOut(decisions=decisions)


__all__ = ["dump", "router"]
