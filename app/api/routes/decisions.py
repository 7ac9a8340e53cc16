"""
can-publish and batch decisions: the hot path. Answered from the in-memory snapshot only.

Fail closed: if the snapshot is unavailable the answer is 503 with a deny body.
"""

import datetime as dt
import hashlib
import math
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic_core import to_json

from app.domain import (
    LONDON,
    Category,
    Decision,
    Outcome,
    Reason,
    Snapshot,
    Window,
    decide,
)
from app.domain.clock import parse_instant
from app.store.errors import SnapshotUnavailable

from ..conditional import etag_matches
from ..deps import (
    READ_ROLES,
    SECURED,
    Principal,
    Services,
    authorise,
    check_role,
    principal_for,
    unknown_query_problem,
)
from ..problems import MEDIA_TYPE, InvalidQuery
from ..reliance import override_use_recorded, override_uses, record_uses
from ..schemas import BatchIn, BatchOut, DecisionOut, ReasonOut, WindowOut, london, require_offset

router = APIRouter(prefix="/v1", tags=["decisions"])

CACHE_CAP_SECONDS = 60


# Reasons and windows belong to a snapshot and are shared by every decision made from it, so
# their JSON form is built once per snapshot. Each organisation keeps the fragments of the
# snapshot it last answered from; a new snapshot (after any write) starts afresh, so the
# fragments of old snapshots never pile up (they did, to 50,000 entries, in the soak).
_Fragments = dict[int, tuple[object, dict[str, object]]]
_FRAGMENTS: dict[str, tuple[Snapshot, _Fragments]] = {}


def fragments_of(snapshot: Snapshot) -> _Fragments:
    """The JSON fragments of one snapshot's reasons and windows (filled as they are used)."""
    organisation_id = snapshot.policy.organisation_id
    entry = _FRAGMENTS.get(organisation_id)
    if entry is None or entry[0] is not snapshot:
        entry = (snapshot, {})
        _FRAGMENTS[organisation_id] = entry
    return entry[1]


def _fragment(value: Reason | Window, fragments: _Fragments) -> dict[str, object]:
    entry = fragments.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    model = ReasonOut.of(value) if isinstance(value, Reason) else WindowOut.of(value)
    plain = model.model_dump(mode="json")
    fragments[id(value)] = (value, plain)  # the entry keeps its object alive, so ids stay unique
    return plain


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(LONDON).isoformat() if value is not None else None


def decision_json(
    decision: Decision,
    fragments: _Fragments,
    times: dict[dt.datetime, str] | None = None,
    *,
    role: str,
) -> dict[str, object]:
    """
    The DecisionOut shape as plain JSON values, without re-validating snapshot parts.

    `fragments` is `fragments_of(snapshot)` for the snapshot the decision came from; `times`,
    shared across a batch, remembers instants already written in London time (a batch's
    decisions share `evaluated_at` and mostly a few `valid_until`s). `role` is the caller's:
    it says whether a reliance on an override is recorded (`reliance.override_use_recorded`).
    """
    times = {} if times is None else times
    return {
        "decision_id": decision.decision_id,
        "account_id": decision.account_id,
        "category": str(decision.category),
        "at": _iso_memo(decision.at, times),
        "allowed": decision.outcome is Outcome.ALLOW,
        "outcome": decision.outcome.value,
        "reasons": [_fragment(r, fragments) for r in decision.reasons],
        "windows": [_fragment(w, fragments) for w in decision.windows],
        "valid_until": _iso_memo(decision.valid_until, times),
        "data_version": decision.data_version,
        "evaluated_at": _iso_memo(decision.evaluated_at, times),
        "override_use_recorded": override_use_recorded(decision, role),
    }


def _iso_memo(value: dt.datetime | None, times: dict[dt.datetime, str]) -> str | None:
    if value is None:
        return None
    text = times.get(value)
    if text is None:
        text = times[value] = value.astimezone(LONDON).isoformat()
    return text


def decision_ids(count: int) -> list[str]:
    """`count` random decision ids (32 hex digits, as `uuid4().hex`) from one read of the OS."""
    pool = os.urandom(16 * count).hex()
    return [pool[32 * i : 32 * i + 32] for i in range(count)]


def _etag(decision: Decision, role: str) -> str:
    parts = [
        str(override_use_recorded(decision, role)),
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
        "instance": f"/v1/accounts/{account_id}/can-publish",
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


_CAN_PUBLISH_PARAMETERS = [
    {
        "name": "at",
        "in": "query",
        "required": False,
        "description": "When the post goes out: RFC 3339 with an offset (2025-04-10T12:00:00+01:00). Default: now.",
        "schema": {"type": "string", "format": "date-time"},
    },
    {
        "name": "category",
        "in": "query",
        "required": False,
        "description": "The kind of post.",
        "schema": {
            "type": "string",
            "enum": [c.value for c in Category],
            "default": Category.GENERAL.value,
        },
    },
]


CAN_PUBLISH_QUERY = frozenset({"at", "category"})
_TOO_MANY = (
    "Too many failed authentications, or this key would record more decisions that rely on an "
    "override than PURDAH_OVERRIDE_USE_LIMIT a minute: do not post; try again after Retry-After."
)


def _instant(name: str, text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return require_offset(parse_instant(text))
    except ValueError as exc:
        raise InvalidQuery(field=name, problem=str(exc)) from None


def _category(text: str | None) -> Category:
    if text is None:
        return Category.GENERAL
    try:
        return Category(text)
    except ValueError:
        known = ", ".join(c.value for c in Category)
        raise InvalidQuery(field="category", problem=f"{text!r} is not one of: {known}") from None


@dataclass(frozen=True, slots=True)
class Answer:
    """
    An HTTP answer: status, headers and body bytes, and the override uses to audit before
    it may be sent (a publishing key's decision that relied on an override is audited).
    """

    status: int
    headers: dict[str, str]
    body: bytes
    media_type: str = "application/json"
    principal: Principal | None = None
    override_uses: tuple[dict[str, object], ...] = ()


async def audited(services: Services, answer: Answer, *, path: str) -> Answer:
    """
    Record the override uses of an answer before it is sent (`reliance.record_uses`). If
    they cannot be recorded the answer becomes a 503 deny: an unrecorded override must not
    be used.

    Raises:
        OverrideUseLimit: the key is over its limit of recorded reliances (429).
    """
    principal = answer.principal
    if not answer.override_uses or principal is None:
        return answer
    recorded = await record_uses(
        services.reliance,
        services.engine,
        principal.actor(),
        answer.override_uses,
        organisation_id=principal.organisation_id,
        key_id=principal.key_id,
        limit=services.settings.override_use_limit,
        now=services.clock(),
    )
    if recorded:
        return answer
    body = {
        "type": "/problems/service-unavailable",
        "title": "Decision data unavailable",
        "status": 503,
        "detail": "the decision relied on an override whose use could not be recorded: do not publish",
        "instance": path,
        "allowed": False,
        "outcome": "deny",
        "reasons": [
            {
                "code": "SERVICE_UNAVAILABLE",
                "effect": "deny",
                "message": "The use of the override could not be recorded.",
                "clause": None,
                "rule": None,
            }
        ],
    }
    return Answer(503, {"Cache-Control": "no-store"}, to_json(body), MEDIA_TYPE)


def answer_can_publish(
    services: Services,
    account_id: str,
    *,
    authorization: str | None,
    if_none_match: str | None,
    at: str | None,
    category: str | None,
    client: str | None = None,
    unknown_query: Sequence[str] = (),
) -> Answer:
    """
    The whole of can-publish, shared by the FastAPI route and the ASGI fast path.

    `unknown_query` names the query parameters given beside `at` and `category`: a
    misspelt `at` must not be answered for now.

    Raises:
        PurdahError: a 4xx problem (no key, bad query, unknown account).
    """
    principal = check_role(principal_for(services, authorization, client=client), READ_ROLES)
    if unknown_query:
        problem = unknown_query_problem(unknown_query[0], CAN_PUBLISH_QUERY)
        raise InvalidQuery(field=unknown_query[0], problem=problem)
    when = _instant("at", at)
    chosen = _category(category)
    now = services.clock()
    when = when if when is not None else now
    try:
        snapshot = services.cache.snapshot(principal.organisation_id)
    except SnapshotUnavailable as exc:
        body = to_json(unavailable_body(account_id, when, exc, now))
        return Answer(503, {"Cache-Control": "no-store"}, body, MEDIA_TYPE)
    decision = decide(account_id, when, chosen, snapshot, now=now, decision_id=uuid.uuid4().hex)
    etag = _etag(decision, principal.role)
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={_max_age(decision, now)}"}
    uses = override_uses(decision, principal.role)
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return Answer(304, headers, b"", principal=principal, override_uses=uses)
    body = to_json(decision_json(decision, fragments_of(snapshot), role=principal.role))
    return Answer(200, headers, body, principal=principal, override_uses=uses)


@router.get(
    "/accounts/{account_id}/can-publish",
    response_model=DecisionOut,
    summary="May this account publish this category of post at this time?",
    responses={
        304: {"description": "Not modified: the answer is the one the ETag names."},
        503: {"description": "Fail closed: the data cannot be confirmed; the body denies."},
        429: {"description": _TOO_MANY},
    },
    openapi_extra={**SECURED, "parameters": _CAN_PUBLISH_PARAMETERS},
)
async def can_publish(account_id: str, request: Request) -> Response:
    """
    The decision of DESIGN section 3. `Cache-Control: private, max-age=N` never reaches past
    `valid_until` (and is at most 60 s); `ETag` names the answer, and `If-None-Match` gets 304.
    A scheduling tool should treat any status but 200 (or 304) as "do not post".

    Served by `CanPublishFastPath` in front of FastAPI's routing; this route documents it and
    answers when the app is mounted without that middleware.
    """
    services: Services = request.app.state.services
    answer = answer_can_publish(
        services,
        account_id,
        authorization=request.headers.get("authorization"),
        if_none_match=request.headers.get("if-none-match"),
        at=request.query_params.get("at"),
        category=request.query_params.get("category"),
        client=request.client.host if request.client else None,
        unknown_query=[k for k in request.query_params if k not in CAN_PUBLISH_QUERY],
    )
    answer = await audited(services, answer, path=request.url.path)
    if answer.status == 304:
        return Response(status_code=304, headers=answer.headers)
    return Response(
        answer.body, status_code=answer.status, media_type=answer.media_type, headers=answer.headers
    )


# The body is read by pydantic-core straight from its bytes (a third faster for 1,000 checks
# than FastAPI's json.loads and validation of the objects), after the key is checked.
_BATCH_BODY: dict[str, Any] = {
    **SECURED,
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}}},
    },
}


def _checks(raw: bytes) -> BatchIn:
    """The batch, or the same 422 problem (fields under `body`) FastAPI's validation gives."""
    try:
        return BatchIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


@router.post(
    "/decisions",
    response_model=BatchOut,
    summary="Check up to 1,000 posts in one call, answered in order.",
    responses={
        503: {"description": "Fail closed: the data cannot be confirmed."},
        429: {"description": _TOO_MANY},
    },
    openapi_extra=_BATCH_BODY,
)
async def batch(request: Request) -> BatchOut | Response:
    """Every check is decided against the same snapshot; an unknown account fails the batch with 404."""
    principal = authorise(request, READ_ROLES)
    body = _checks(await request.body())
    services: Services = request.app.state.services
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
    ids = decision_ids(len(body.checks))
    decided = [
        decide(c.account_id, c.at or now, c.category, snapshot, now=now, decision_id=ids[i])
        for i, c in enumerate(body.checks)
    ]
    role = principal.role
    uses = tuple(use for d in decided for use in override_uses(d, role))
    fragments = fragments_of(snapshot)
    times: dict[dt.datetime, str] = {}
    answer = Answer(
        200,
        {"Cache-Control": "no-store"},
        to_json({"decisions": [decision_json(d, fragments, times, role=role) for d in decided]}),
        principal=principal,
        override_uses=uses,
    )
    answer = await audited(services, answer, path=request.url.path)
    return Response(
        answer.body, status_code=answer.status, media_type=answer.media_type, headers=answer.headers
    )


__all__ = [
    "CAN_PUBLISH_QUERY",
    "Answer",
    "answer_can_publish",
    "audited",
    "decision_json",
    "fragments_of",
    "router",
]
