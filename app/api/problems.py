"""
RFC 9457 problem details: one table from exception to status, type and title.

Routes raise; they never build error bodies. Every `type` is a stable relative URI, listed
in README ("Problem types") and in the OpenAPI document.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.calendars import CalendarError, TooLarge
from app.calendars.fetch import SourceUnavailable
from app.calendars.recurrence import RecurrenceError
from app.domain import (
    ContradictoryElection,
    CountryRequired,
    InvalidElectionId,
    InvalidNoticeDate,
    KindRequired,
    NaiveDatetime,
    PurdahError,
    UnknownAccount,
    UnknownCategory,
    UnsupportedElection,
)
from app.domain.accounts import IllegalMove, OfficialEmailRequired
from app.store.errors import (
    AlreadyExists,
    AuditUnreadable,
    InvalidChange,
    NotFound,
    OverrideUseLimit,
    PreconditionFailed,
    SnapshotUnavailable,
)

from .throttle import TooManyFailures

__all__ = [
    "PROBLEM_TYPES",
    "problem_doc",
    "FeedNotFound",
    "LengthRequired",
    "UnsupportedMediaType",
    "Forbidden",
    "Unauthorized",
    "install_problem_handlers",
    "problem_response",
]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class Unauthorized(PurdahError):
    """No key, or a key that is not valid."""


class Forbidden(PurdahError):
    """A valid key whose role may not do this."""


class FeedNotFound(PurdahError):
    """A feed token that is unknown, revoked or mistyped: the answer never says which."""

    def __init__(self) -> None:
        super().__init__("no such feed")


class LengthRequired(PurdahError):
    """A file upload without Content-Length, whose size cannot be checked before it is stored."""

    def __init__(self) -> None:
        super().__init__("send the upload with a Content-Length header (no chunked uploads)")


class UnsupportedMediaType(PurdahError):
    """A body in a media type the operation does not take."""

    def __init__(self, media_type: str) -> None:
        self.media_type = media_type
        super().__init__(
            f"content type {media_type!r} is not accepted here: send multipart/form-data "
            "(field `file`), text/calendar or application/json"
        )


class InvalidQuery(PurdahError):
    """A query parameter the hot path parsed itself and found wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class FieldError(BaseModel):
    field: str
    message: str
    location: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem: every error this API gives has this shape."""

    type: str = Field(
        description="A stable URI naming the kind of problem, e.g. /problems/naive-datetime."
    )
    title: str
    status: int
    detail: str = Field(description="What is wrong, for a person.")
    instance: str = Field(description="The path of the request.")
    errors: list[FieldError] | None = Field(
        default=None, description="Each invalid field, for validation problems."
    )


def problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "model": Problem,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_doc("No API key, or one that is unknown, revoked or mistyped."),
    403: problem_doc("The key's role may not do this."),
    404: problem_doc("No such account, election, window or override."),
    409: problem_doc("It exists already, or the change is not allowed from its current state."),
    422: problem_doc("The request is not valid; `errors` names each field."),
    503: problem_doc("The data cannot be confirmed with the database: fail closed, try again."),
}


@dataclass(frozen=True, slots=True)
class ProblemType:
    status: int
    slug: str
    title: str


PROBLEM_TYPES: Mapping[type[Exception], ProblemType] = {
    NaiveDatetime: ProblemType(422, "naive-datetime", "A date-time has no UTC offset"),
    InvalidElectionId: ProblemType(422, "invalid-election-id", "Invalid election id"),
    UnsupportedElection: ProblemType(422, "unsupported-election", "Unsupported election"),
    InvalidNoticeDate: ProblemType(
        422, "invalid-notice-date", "The notice date is outside the days the law allows"
    ),
    CountryRequired: ProblemType(422, "country-required", "A country is required"),
    ContradictoryElection: ProblemType(
        422, "contradictory-election", "The kind or country contradicts the election id"
    ),
    KindRequired: ProblemType(422, "kind-required", "The election's kind is required"),
    UnknownCategory: ProblemType(422, "unknown-category", "Unknown category"),
    InvalidChange: ProblemType(422, "invalid-change", "The change is not allowed"),
    UnknownAccount: ProblemType(404, "unknown-account", "Unknown account"),
    IllegalMove: ProblemType(409, "illegal-move", "Not allowed from the account's status"),
    OfficialEmailRequired: ProblemType(
        422, "official-email-required", "An official email address is required by the policy"
    ),
    NotFound: ProblemType(404, "not-found", "Not found"),
    AuditUnreadable: ProblemType(
        409, "audit-log-damaged", "An audit event cannot be read: the log was altered"
    ),
    AlreadyExists: ProblemType(409, "already-exists", "Already exists"),
    PreconditionFailed: ProblemType(412, "precondition-failed", "Changed since it was read"),
    Unauthorized: ProblemType(401, "unauthorized", "Authentication required"),
    Forbidden: ProblemType(403, "forbidden", "Not allowed for this role"),
    InvalidQuery: ProblemType(422, "validation-error", "The request is not valid"),
    FeedNotFound: ProblemType(404, "not-found", "Not found"),
    CalendarError: ProblemType(422, "invalid-calendar", "The calendar or source cannot be read"),
    SourceUnavailable: ProblemType(
        422, "source-unavailable", "The calendar URL could not be fetched"
    ),
    RecurrenceError: ProblemType(422, "invalid-recurrence", "The recurrence rule cannot be used"),
    TooLarge: ProblemType(413, "content-too-large", "Content too large"),
    LengthRequired: ProblemType(411, "length-required", "Length required"),
    TooManyFailures: ProblemType(429, "too-many-requests", "Too many failed authentications"),
    OverrideUseLimit: ProblemType(429, "too-many-requests", "Too many recorded override uses"),
    UnsupportedMediaType: ProblemType(415, "unsupported-media-type", "Unsupported media type"),
    SnapshotUnavailable: ProblemType(503, "service-unavailable", "Decision data unavailable"),
}
_VALIDATION = ProblemType(422, "validation-error", "The request is not valid")
_INTERNAL = ProblemType(500, "internal-error", "Internal error")
_HTTP_TITLES = {
    400: ("malformed-body", "The body cannot be read"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("content-too-large", "Content too large"),
}


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra or {})
    return JSONResponse(
        body, status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {})
    )


def _for_exception(exc: Exception) -> ProblemType | None:
    for cls in type(exc).__mro__:
        if cls in PROBLEM_TYPES:
            return PROBLEM_TYPES[cls]
    return None


def problem_for(exc: PurdahError, path: str) -> tuple[int, dict[str, str], dict[str, object]]:
    """Status, headers and body of the problem for one of our errors."""
    kind = _for_exception(exc) or _VALIDATION
    headers = {"WWW-Authenticate": 'Bearer realm="purdah"'} if kind.status == 401 else {}
    if isinstance(exc, TooManyFailures | OverrideUseLimit):
        headers["Retry-After"] = str(exc.retry_after)
    body: dict[str, object] = {
        "type": f"/problems/{kind.slug}",
        "title": kind.title,
        "status": kind.status,
        "detail": str(exc),
        "instance": path,
    }
    if isinstance(exc, InvalidChange | InvalidQuery | RecurrenceError):
        body["errors"] = [{"field": exc.field, "message": exc.problem}]
    if isinstance(exc, InvalidNoticeDate):
        body["errors"] = [{"field": "notice_published", "message": exc.problem}]
        body["legal_window"] = {"earliest": exc.earliest, "latest": exc.latest, "rule": exc.rule}
    if isinstance(exc, CalendarError):
        body["errors"] = [{"field": exc.where, "message": exc.problem}]
    if isinstance(exc, SourceUnavailable):
        body["errors"] = [{"field": "url", "message": exc.problem}]
    if isinstance(exc, IllegalMove):
        body["status_now"] = str(exc.status)
        body["allowed_moves"] = list(exc.allowed)
    if isinstance(exc, OfficialEmailRequired):
        if exc.clause is not None:
            body["clause"] = exc.clause
        body["errors"] = [{"field": "contact_email", "message": str(exc)}]
    return kind.status, headers, body


INTERNAL_DETAIL = (
    "an unexpected error occurred; the request changed nothing. Scheduling tools: do not publish."
)


def internal_problem(path: str) -> dict[str, object]:
    """The body of a 500: no internals."""
    return {
        "type": f"/problems/{_INTERNAL.slug}",
        "title": _INTERNAL.title,
        "status": _INTERNAL.status,
        "detail": INTERNAL_DETAIL,
        "instance": path,
    }


async def _purdah_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PurdahError)  # noqa: S101 - registered for this class only
    status, headers, body = problem_for(exc, request.url.path)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
    errors = [
        {
            "field": _field(tuple(e.get("loc", ()))),
            "location": str(e.get("loc", ("",))[0]),
            "message": str(e.get("msg", "")).removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(
        request,
        _VALIDATION.status,
        _VALIDATION.slug,
        _VALIDATION.title,
        detail,
        extra={"errors": errors},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
    slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = _unreadable_body(exc.__cause__)
    return problem_response(request, exc.status_code, slug, title, detail, headers=exc.headers)


def _unreadable_body(cause: BaseException | None) -> str:
    """Why the framework could not read a JSON body (it says only that it could not)."""
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply to read; no request needs more than a few levels"
    if isinstance(cause, UnicodeDecodeError):
        return "the JSON body is not UTF-8"
    return "the body could not be read as JSON"


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database failed the request (unreachable, or its connection dropped): 503, nothing written."""
    log.warning("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem_response(
        request,
        503,
        "database-unavailable",
        "The database is unavailable",
        "the database could not be reached, so nothing was written; try again shortly. "
        "Scheduling tools: do not publish.",
        headers={"Retry-After": "5", "Cache-Control": "no-store"},
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """
    The database refused a value of the request (a NUL in text on PostgreSQL, a number out of
    its column's range) that our own checks let through: the request's fault, so a 422, and
    the transaction was rolled back. The database's message is not echoed.
    """
    log.warning("database refused a value on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        _VALIDATION.status,
        _VALIDATION.slug,
        _VALIDATION.title,
        "the database refused a value of this request (a control character, or a number or "
        "text it cannot hold), so nothing was written",
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(internal_problem(request.url.path), status_code=500, media_type=MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers: our errors, validation, HTTP errors, and anything else."""
    app.add_exception_handler(PurdahError, _purdah_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unhandled)
