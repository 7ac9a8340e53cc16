"""
can-publish and batch decisions: the hot path. Answered from the in-memory snapshot only.

Fail closed: if the snapshot is unavailable the answer is 503 with a deny body.

can-publish has one implementation, `serve_can_publish`, a plain ASGI app: it is the app of
the documented route (FastAPI builds the OpenAPI operation from the route's declaration but
never runs its parameter machinery), and `app.api.fast_path` calls it ahead of the
framework's routing, because scheduling tools ask before every post.
"""

import datetime as dt
import hashlib
import logging
import math
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from starlette.types import Receive, Scope, Send

from app.domain import (
    Category,
    Decision,
    NaiveDatetime,
    PurdahError,
    UnknownCategory,
    decide,
)
from app.domain.clock import parse_instant
from app.domain.decision import decide_post
from app.store.errors import SnapshotUnavailable

from .. import problem_types as types
from ..batch import batch_answer, checks_of, read_checks
from ..conditional import etag_matches
from ..decision_json import decision_bytes, decision_json
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
from ..problems import MEDIA_TYPE, InvalidQuery, internal_problem, problem_body, problem_for
from ..reliance import override_use_recorded, override_uses, record_uses
from ..schemas import BatchIn, BatchOut, DecisionOut, PostCheckIn, london, require_offset

router = APIRouter(prefix="/v1", tags=["decisions"])

log = logging.getLogger(__name__)

CACHE_CAP_SECONDS = 60


def decision_etag(decision: Decision, role: str) -> str:
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


def max_age(decision: Decision, now: dt.datetime) -> int:
    if decision.valid_until is None:
        return CACHE_CAP_SECONDS
    seconds = (decision.valid_until - now).total_seconds()
    return max(0, min(CACHE_CAP_SECONDS, math.floor(seconds)))


def unavailable_body(
    account_id: str, at: dt.datetime, exc: SnapshotUnavailable, now: dt.datetime
) -> dict[str, object]:
    """The deny body of a 503: the answer a scheduling tool must act on is 'do not post'."""
    return {
        **problem_body(
            types.SERVICE_UNAVAILABLE, str(exc), f"/v1/accounts/{account_id}/can-publish"
        ),
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


# The query parameters of can-publish: documented in OpenAPI as they are, and the only ones
# `answer_can_publish` takes (any other is a 422 naming it).
CAN_PUBLISH_PARAMETERS: list[dict[str, Any]] = [
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
CAN_PUBLISH_QUERY = frozenset(p["name"] for p in CAN_PUBLISH_PARAMETERS)
_TOO_MANY = (
    "Too many failed authentications, or this key would record more decisions that rely on an "
    "override than PURDAH_OVERRIDE_USE_LIMIT a minute: do not post; try again after Retry-After."
)


def query_instant(name: str, text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = parse_instant(text)
    except ValueError as exc:
        raise InvalidQuery(field=name, problem=str(exc)) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(name, text)
    try:
        return require_offset(value)
    except ValueError as exc:
        raise InvalidQuery(field=name, problem=str(exc)) from None


def query_category(text: str | None) -> Category:
    if text is None:
        return Category.GENERAL
    try:
        return Category(text)
    except ValueError:
        raise UnknownCategory(text, tuple(c.value for c in Category)) from None


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
        **problem_body(
            types.SERVICE_UNAVAILABLE,
            "the decision relied on an override whose use could not be recorded: do not publish",
            path,
        ),
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
    The decision for one can-publish request, before its override uses are audited.

    `unknown_query` names the query parameters given beside `at` and `category`: a
    misspelt `at` must not be answered for now.

    Raises:
        PurdahError: a 4xx problem (no key, bad query, unknown account).
    """
    principal = check_role(principal_for(services, authorization, client=client), READ_ROLES)
    if unknown_query:
        problem = unknown_query_problem(unknown_query[0], CAN_PUBLISH_QUERY)
        raise InvalidQuery(field=unknown_query[0], problem=problem)
    return answer_post(
        services,
        principal,
        account_id,
        at=query_instant("at", at),
        category=query_category(category),
        if_none_match=if_none_match,
    )


def answer_post(
    services: Services,
    principal: Principal,
    account_id: str,
    *,
    at: dt.datetime | None,
    category: Category,
    if_none_match: str | None = None,
    text: str | None = None,
    request_id: str | None = None,
) -> Answer:
    """
    The decision for one post (by GET: no text; by POST: with its text and request id),
    before its reliance on an override or approval is audited.

    A decision about a post's text is the caller's alone: it is not cacheable (`no-store`,
    no ETag), and the reasons its text gives are not kept with the snapshot's (`decision_json`).
    """
    now = services.clock()
    when = at if at is not None else now
    try:
        snapshot = services.cache.snapshot(principal.organisation_id)
    except SnapshotUnavailable as exc:
        body = to_json(unavailable_body(account_id, when, exc, now))
        return Answer(503, {"Cache-Control": "no-store"}, body, MEDIA_TYPE)
    uses: tuple[dict[str, object], ...]
    if text is None and request_id is None:
        decision = decide(
            account_id, when, category, snapshot, now=now, decision_id=os.urandom(16).hex()
        )
        etag = decision_etag(decision, principal.role)
        headers = {"ETag": etag, "Cache-Control": f"private, max-age={max_age(decision, now)}"}
        uses = override_uses(decision, principal.role)
        if if_none_match is not None and etag_matches(if_none_match, etag):
            return Answer(304, headers, b"", principal=principal, override_uses=uses)
        fragments = services.fragments.of(snapshot)
    else:
        decision = decide_post(
            account_id, when, category, snapshot, now=now, text=text,
            request_id=request_id, decision_id=os.urandom(16).hex(),
        )  # fmt: skip
        headers = {"Cache-Control": "no-store"}
        uses = override_uses(decision, principal.role)
        fragments = services.fragments.of(snapshot)
    body = decision_bytes(decision, fragments, role=principal.role)
    return Answer(200, headers, body, principal=principal, override_uses=uses)


CAN_PUBLISH_PATH = "/v1/accounts/{account_id}/can-publish"
_PREFIX, _SUFFIX = CAN_PUBLISH_PATH.split("{account_id}")


def can_publish_account(path: str) -> str | None:
    """The account id of a can-publish path, or None if `path` is not one."""
    if path.startswith(_PREFIX) and path.endswith(_SUFFIX):
        account_id = path[len(_PREFIX) : -len(_SUFFIX)]
        if account_id and "/" not in account_id:
            return account_id
    return None


async def serve_can_publish(
    scope: Scope, receive: Receive, send: Send, *, query: dict[str, str] | None = None
) -> None:
    """
    can-publish as a plain ASGI app: the one implementation, the documented route's app
    and the fast path's (`app.api.fast_path`). Reads the headers, query and path itself
    (`query`: the query string as the fast path read it already), and answers errors as
    problem+json with the same table as every other operation.
    """
    services: Services = scope["app"].state.services
    path: str = scope["path"]
    authorization = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"if-none-match":
            if_none_match = value
    if query is None:
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    try:
        answer = answer_can_publish(
            services,
            can_publish_account(path) or "",
            authorization=_text(authorization),
            if_none_match=_text(if_none_match),
            at=query.get("at"),
            category=query.get("category"),
            client=scope["client"][0] if scope.get("client") else None,
            unknown_query=[k for k in query if k not in CAN_PUBLISH_QUERY],
        )
        answer = await audited(services, answer, path=path)
    except PurdahError as exc:
        status, extra, problem = problem_for(exc, path)
        answer = Answer(status, extra, to_json(problem), MEDIA_TYPE)
    except Exception:
        log.exception("unhandled error on can-publish")
        answer = Answer(500, {}, to_json(internal_problem(path)), MEDIA_TYPE)
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()]
    if answer.status != 304:
        raw += [
            (b"content-type", answer.media_type.encode()),
            (b"content-length", str(len(answer.body)).encode()),
        ]
    await send({"type": "http.response.start", "status": answer.status, "headers": raw})
    payload = b"" if scope["method"] == "HEAD" or answer.status == 304 else answer.body
    await send({"type": "http.response.body", "body": payload})


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


class _Served(Response):
    """A response that `serve_can_publish` writes itself, headers, body and all."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_can_publish(scope, receive, send)


@router.get(
    CAN_PUBLISH_PATH.removeprefix("/v1"),
    response_model=DecisionOut,
    summary="May this account publish this category of post at this time?",
    responses={
        304: {"description": "Not modified: the answer is the one the ETag names."},
        503: {"description": "Fail closed: the data cannot be confirmed; the body denies."},
        429: {"description": _TOO_MANY},
    },
    openapi_extra={**SECURED, "parameters": CAN_PUBLISH_PARAMETERS},
)
async def can_publish(account_id: str) -> Response:
    """
    The decision: allow, refer or deny, with every reason that applies and the policy clause
    each cites. `Cache-Control: private, max-age=N` never reaches past `valid_until` (and is at
    most 60 s); `ETag` names the answer, and `If-None-Match` gets 304. A scheduling tool should
    treat any status but 200 (or 304) as "do not post".
    """
    return _Served()


# HEAD: the same answer without its body, as HTTP asks of every GET (and as the fast path
# always gave); not a second operation in the OpenAPI document
router.add_api_route(
    CAN_PUBLISH_PATH.removeprefix("/v1"), can_publish, methods=["HEAD"], include_in_schema=False
)


@router.post(
    CAN_PUBLISH_PATH.removeprefix("/v1"),
    response_model=DecisionOut,
    summary="May this account publish this post? The same question, with the post's text.",
    responses={
        503: {"description": "Fail closed: the data cannot be confirmed; the body denies."},
        429: {"description": _TOO_MANY},
    },
    openapi_extra={
        **SECURED,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PostCheckIn"}}
            },
        },
    },
)
async def can_publish_post(account_id: str, request: Request) -> Response:
    """
    As the GET, and the post's text is screened: inside a window, a candidate of its
    elections, a party or an electoral appeal refers the post (CANDIDATE_MENTIONED,
    PARTY_MENTIONED, ELECTORAL_APPEAL, each naming what matched and where); outside, they
    warn. With `request_id`, an approved request for exactly this post (same account,
    category and text, inside its times) allows it (REQUEST_APPROVED). Only the text's
    SHA-256 is kept. The answer is not cacheable.
    """
    principal = authorise(request, READ_ROLES)
    body = _body(PostCheckIn, await request.body())
    services: Services = request.app.state.services
    answer = answer_post(
        services,
        principal,
        account_id,
        at=body.at,
        category=body.category,
        text=body.text,
        request_id=body.request_id,
    )
    answer = await audited(services, answer, path=request.url.path)
    return Response(
        answer.body, status_code=answer.status, media_type=answer.media_type, headers=answer.headers
    )


_Body = TypeVar("_Body", bound=BaseModel)

# The body is read by pydantic-core straight from its bytes (a third faster for 1,000 checks
# than FastAPI's json.loads and validation of the objects), after the key is checked.
_BATCH_BODY: dict[str, Any] = {
    **SECURED,
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}}},
    },
}


def _body(model: type[_Body], raw: bytes) -> _Body:
    """The body, or the same problem FastAPI's validation gives (fields under `body`)."""
    try:
        return model.model_validate_json(raw)
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
async def decide_batch(request: Request) -> BatchOut | Response:
    """Every check is decided against the same snapshot; an unknown account fails the batch with 404."""
    principal = authorise(request, READ_ROLES)
    raw = await request.body()
    services: Services = request.app.state.services
    checks = read_checks(raw, services.instants.read)
    if checks is None:  # BatchIn says what is wrong (or reads what the quick reading did not)
        checks = checks_of(_body(BatchIn, raw))
    now = services.clock()
    try:
        snapshot = services.cache.snapshot(principal.organisation_id)
    except SnapshotUnavailable as exc:
        first_account, first_at, *_ = checks[0]
        return JSONResponse(
            unavailable_body(first_account, first_at or now, exc, now),
            status_code=503,
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "no-store"},
        )
    body, uses = batch_answer(
        checks,
        snapshot,
        now=now,
        ids=os.urandom(16 * len(checks)).hex().encode(),
        role=principal.role,
        fragments=services.fragments.of(snapshot),
        memo=services.checks,
        written=services.instants.json,
    )
    answer = Answer(
        200, {"Cache-Control": "no-store"}, body, principal=principal, override_uses=uses
    )
    answer = await audited(services, answer, path=request.url.path)
    return Response(
        answer.body, status_code=answer.status, media_type=answer.media_type, headers=answer.headers
    )


__all__ = [
    "CACHE_CAP_SECONDS",
    "CAN_PUBLISH_PARAMETERS",
    "CAN_PUBLISH_PATH",
    "CAN_PUBLISH_QUERY",
    "Answer",
    "answer_can_publish",
    "answer_post",
    "audited",
    "can_publish_account",
    "decision_etag",
    "decision_json",
    "max_age",
    "query_category",
    "query_instant",
    "router",
    "serve_can_publish",
]
