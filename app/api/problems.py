"""
RFC 9457 problem details: one table from exception to status, type and title.

Routes raise; they never build error bodies. Every `type` is a stable relative URI from the one
table in `app/api/problem_types.py`, which generates docs/problems.md and the OpenAPI list.
"""

import logging
import re
from collections.abc import Mapping
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
    Category,
    ContradictoryElection,
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
from app.domain.requests import MoveRefused, RequestConflict
from app.store.errors import (
    AlreadyExists,
    AuditUnreadable,
    InvalidChange,
    NotFound,
    OverrideUseLimit,
    PreconditionFailed,
    SnapshotUnavailable,
)

from . import problem_types as types
from .problem_types import ProblemType
from .schemas import NAIVE_DATETIME_ERROR
from .schemas.common import PATTERN_REFUSALS
from .throttle import TooManyFailures

__all__ = [
    "PROBLEM_TYPES",
    "MEDIA_TYPE",
    "problem_body",
    "problem_for",
    "unreadable_json",
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

    def __init__(
        self,
        media_type: str,
        accepted: str = "multipart/form-data (field `file`), text/calendar or application/json",
    ) -> None:
        self.media_type = media_type
        super().__init__(f"content type {media_type!r} is not accepted here: send {accepted}")


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


def problem_doc(description: str, status: int | None = None) -> dict[str, Any]:
    """A documented problem response; with `status`, naming the table's types of that status."""
    if status is not None:
        listed = ", ".join(f"`{p.uri}`" for p in types.ALL if p.status == status)
        description = f"{description} Problem types: {listed}."
    return {
        "description": description,
        "model": Problem,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_doc("No API key, or one that is unknown, revoked or mistyped.", 401),
    403: problem_doc("The key's role may not do this.", 403),
    404: problem_doc("No such account, election, window or override.", 404),
    409: problem_doc(
        "It exists already, or the change is not allowed from its current state.", 409
    ),
    422: problem_doc("The request is not valid; `errors` names each field.", 422),
    503: problem_doc(
        "The data cannot be confirmed with the database: fail closed, try again.", 503
    ),
}


PROBLEM_TYPES: Mapping[type[Exception], ProblemType] = {
    NaiveDatetime: types.NAIVE_DATETIME,
    InvalidElectionId: types.INVALID_ELECTION_ID,
    UnsupportedElection: types.UNSUPPORTED_ELECTION,
    InvalidNoticeDate: types.INVALID_NOTICE_DATE,
    ContradictoryElection: types.CONTRADICTORY_ELECTION,
    KindRequired: types.KIND_REQUIRED,
    UnknownCategory: types.UNKNOWN_CATEGORY,
    InvalidChange: types.INVALID_CHANGE,
    UnknownAccount: types.UNKNOWN_ACCOUNT,
    IllegalMove: types.ILLEGAL_MOVE,
    RequestConflict: types.REQUEST_CONFLICT,
    MoveRefused: types.REQUEST_MOVE_REFUSED,
    OfficialEmailRequired: types.OFFICIAL_EMAIL_REQUIRED,
    NotFound: types.NOT_FOUND,
    AuditUnreadable: types.AUDIT_LOG_DAMAGED,
    AlreadyExists: types.ALREADY_EXISTS,
    PreconditionFailed: types.PRECONDITION_FAILED,
    Unauthorized: types.UNAUTHORIZED,
    Forbidden: types.FORBIDDEN,
    InvalidQuery: types.VALIDATION_ERROR,
    FeedNotFound: types.NOT_FOUND,
    CalendarError: types.INVALID_CALENDAR,
    SourceUnavailable: types.SOURCE_UNAVAILABLE,
    RecurrenceError: types.INVALID_RECURRENCE,
    TooLarge: types.CONTENT_TOO_LARGE,
    LengthRequired: types.LENGTH_REQUIRED,
    TooManyFailures: types.TOO_MANY_REQUESTS,
    OverrideUseLimit: types.TOO_MANY_REQUESTS,
    UnsupportedMediaType: types.UNSUPPORTED_MEDIA_TYPE,
    SnapshotUnavailable: types.SERVICE_UNAVAILABLE,
}
# The framework's own HTTP errors (routing, body parsing, the body limit).
_HTTP_TYPES = {
    400: types.MALFORMED_BODY,
    404: types.NOT_FOUND,
    405: types.METHOD_NOT_ALLOWED,
    413: types.CONTENT_TOO_LARGE,
}


def problem_response(
    request: Request,
    kind: ProblemType,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> JSONResponse:
    """A problem+json response of one of the table's types."""
    body = problem_body(kind, detail, request.url.path)
    body.update(extra or {})
    return JSONResponse(
        body, status_code=kind.status, media_type=MEDIA_TYPE, headers=dict(headers or {})
    )


def problem_body(kind: ProblemType, detail: str, path: str) -> dict[str, object]:
    """The five members every problem has."""
    return {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": path,
    }


def _for_exception(exc: Exception) -> ProblemType | None:
    for cls in type(exc).__mro__:
        if cls in PROBLEM_TYPES:
            return PROBLEM_TYPES[cls]
    return None


def problem_for(exc: PurdahError, path: str) -> tuple[int, dict[str, str], dict[str, object]]:
    """Status, headers and body of the problem for one of our errors."""
    # any other error of ours is the request's fault (CountryRequired, which the API never
    # raises: it always has the council's country to go by)
    kind = _for_exception(exc) or types.VALIDATION_ERROR
    headers = {"WWW-Authenticate": 'Bearer realm="purdah"'} if kind.status == 401 else {}
    if isinstance(exc, TooManyFailures | OverrideUseLimit):
        headers["Retry-After"] = str(exc.retry_after)
    body = problem_body(kind, str(exc), path)
    if isinstance(exc, InvalidChange | InvalidQuery | RecurrenceError):
        body["errors"] = [{"field": exc.field, "message": exc.problem}]
    if isinstance(exc, NaiveDatetime):
        body["errors"] = [{"field": exc.field, "message": str(exc)}]
    if isinstance(exc, UnknownCategory):
        body["errors"] = [{"field": "category", "message": str(exc)}]
    if isinstance(exc, InvalidNoticeDate):
        body["errors"] = [{"field": "notice_published", "message": exc.problem}]
        body["legal_window"] = {"earliest": exc.earliest, "latest": exc.latest, "rule": exc.rule}
    if isinstance(exc, CalendarError):
        body["errors"] = [{"field": exc.where, "message": exc.problem}]
    if isinstance(exc, SourceUnavailable):
        body["errors"] = [{"field": "url", "message": exc.problem}]
    if isinstance(exc, IllegalMove | RequestConflict):
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
    return problem_body(types.INTERNAL_ERROR, INTERNAL_DETAIL, path)


async def _purdah_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PurdahError)  # noqa: S101 - registered for this class only
    status, headers, body = problem_for(exc, request.url.path)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


# The categories, as pydantic lists them when a value is not one of them.
_CATEGORIES = frozenset(c.value for c in Category)
_QUOTED = re.compile(r"'([^']*)'")
_POSITION = re.compile(r" at line (\d+) column (\d+)$")


def _kind_of(error: Mapping[str, Any]) -> ProblemType:
    """
    The problem type of one pydantic validation error: a naive date-time and an unknown
    category have types of their own (`schemas.NAIVE_DATETIME_ERROR`; an `enum` error over the
    categories), any other field error is a validation error.
    """
    kind = error.get("type")
    if kind == NAIVE_DATETIME_ERROR:
        return types.NAIVE_DATETIME
    if kind == "enum":
        expected = str(error.get("ctx", {}).get("expected", ""))
        if frozenset(_QUOTED.findall(expected)) == _CATEGORIES:
            return types.UNKNOWN_CATEGORY
    return types.VALIDATION_ERROR


def unreadable_json(error: Mapping[str, Any], body: object = None) -> tuple[str, dict[str, int]]:
    """
    Why a JSON body could not be read, and where (`line`, `column`, from 1), from a
    `json_invalid` error: pydantic's (the position in its message) or the framework's (the
    offset of `json.JSONDecodeError` in `loc`, and the body it read).
    """
    why = str(error.get("ctx", {}).get("error", "")) or "it is not JSON"
    where: dict[str, int] = {}
    found = _POSITION.search(why)
    if found is not None:
        why = why[: found.start()]
        where = {"line": int(found[1]), "column": max(1, int(found[2]))}
    loc = tuple(error.get("loc", ()))
    if not where and isinstance(body, str) and loc and isinstance(loc[-1], int):
        offset = loc[-1]
        where = {
            "line": body.count("\n", 0, offset) + 1,
            "column": offset - body.rfind("\n", 0, offset),
        }
    if "recursion limit" in why:
        return (
            "the JSON body is nested too deeply to read; no request needs more than a few levels",
            where,
        )
    at = f" at line {where['line']}, column {where['column']}" if where else ""
    return f"the body is not valid JSON: {why}{at}", where


def _message(error: Any) -> str:
    """An error's message; for a pattern that refuses characters, the first one it refuses."""
    if error.get("type") == "string_pattern_mismatch":
        refusal = PATTERN_REFUSALS.get(str((error.get("ctx") or {}).get("pattern")))
        value = error.get("input")
        found = refusal[0].search(value) if refusal and isinstance(value, str) else None
        if refusal is not None and found is not None:
            return f"holds the character U+{ord(found.group()):04X}: {refusal[1]}"
    return str(error.get("msg", "")).removeprefix("Value error, ")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
    found = exc.errors()
    unreadable = next((e for e in found if e.get("type") == "json_invalid"), None)
    if unreadable is not None:
        detail, where = unreadable_json(unreadable, exc.body)
        return problem_response(request, types.MALFORMED_BODY, detail, extra=where)
    errors = [
        {
            "field": _field(tuple(e.get("loc", ()))),
            "location": str(e.get("loc", ("",))[0]),
            "message": _message(e),
        }
        for e in found
    ]
    kinds = {_kind_of(e) for e in found}
    kind = kinds.pop() if len(kinds) == 1 else types.VALIDATION_ERROR
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(request, kind, detail, extra={"errors": errors})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
    kind = _HTTP_TYPES.get(exc.status_code)
    if kind is None:  # no route raises another; if one did, it is ours to fix
        log.error("HTTP %s with no problem type on %s", exc.status_code, request.url.path)
        return JSONResponse(
            internal_problem(request.url.path), status_code=500, media_type=MEDIA_TYPE
        )
    detail = exc.detail if isinstance(exc.detail, str) else kind.title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = _unreadable_body(exc.__cause__)
    return problem_response(request, kind, detail, headers=exc.headers)


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
        types.DATABASE_UNAVAILABLE,
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
        types.VALIDATION_ERROR,
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
