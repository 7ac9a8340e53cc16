"""
Every problem type this API can answer with: one table, the only place a `/problems/...` URI
is written.

The table generates the problem list of the OpenAPI description (`openapi_list`) and
`docs/problems.md` (`markdown`, written by `make openapi`). `app.api.problems` maps exceptions
and validation errors onto these values; tests/e2e/test_problem_types.py triggers each one.
"""

from dataclasses import dataclass

__all__ = [
    "ALL",
    "AUDIT_LOG_DAMAGED",
    "CONTENT_TOO_LARGE",
    "DATABASE_UNAVAILABLE",
    "FORBIDDEN",
    "INTERNAL_ERROR",
    "MALFORMED_BODY",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "NOT_READY",
    "REPEATED_HEADER",
    "SERVICE_UNAVAILABLE",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_ERROR",
    "ProblemType",
    "markdown",
    "openapi_list",
]


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One kind of problem: its stable `type` URI, HTTP status, title, and when it is given."""

    slug: str
    status: int
    title: str
    when: str

    @property
    def uri(self) -> str:
        """The `type` member of a problem body: a stable relative URI."""
        return f"/problems/{self.slug}"


VALIDATION_ERROR = ProblemType(
    "validation-error",
    422,
    "The request is not valid",
    "A query parameter, path parameter or body field is not valid, or a query parameter is "
    "one the operation does not take (a misspelt `at` must not be answered for now); "
    "`errors` names each field.",
)
NAIVE_DATETIME = ProblemType(
    "naive-datetime",
    422,
    "A date-time has no UTC offset",
    "A date-time, in a query or a body, has no UTC offset: give RFC 3339 with an offset, such "
    "as `2025-04-01T09:00:00+01:00`. `errors` names each field.",
)
UNKNOWN_CATEGORY = ProblemType(
    "unknown-category",
    422,
    "Unknown category",
    "A post category, in a query or a body, is not one of the known categories "
    "(`GET /v1/policy` lists them).",
)
INVALID_ELECTION_ID = ProblemType(
    "invalid-election-id",
    422,
    "Invalid election id",
    "An election id is not a Democracy Club election id or a `parish.<council>...<date>` id.",
)
INVALID_NOTICE_DATE = ProblemType(
    "invalid-notice-date",
    422,
    "The notice date is outside the days the law allows",
    "A notice of election date outside the legal window (it would shorten the period); "
    "`legal_window` gives the earliest and latest days.",
)
UNSUPPORTED_ELECTION = ProblemType(
    "unsupported-election",
    422,
    "Unsupported election",
    "An election whose timetable is not computed (a poll under earlier timetable rules, a "
    "kind of referendum the law gives no timetable for here): set its period by hand.",
)
CONTRADICTORY_ELECTION = ProblemType(
    "contradictory-election",
    422,
    "The kind or country contradicts the election id",
    "A kind or country that contradicts the election id.",
)
KIND_REQUIRED = ProblemType(
    "kind-required",
    422,
    "The election's kind is required",
    "A local referendum whose kind is not given: it is never guessed.",
)
INVALID_CHANGE = ProblemType(
    "invalid-change",
    422,
    "The change is not allowed",
    "A change the rules refuse (an override longer than the policy allows, a window that ends "
    "before it starts, a never-permitted category); `errors` names the field.",
)
OFFICIAL_EMAIL_REQUIRED = ProblemType(
    "official-email-required",
    422,
    "An official email address is required by the policy",
    "A proposed account's contact address is not on one of the policy's official email "
    "domains; `clause` cites the policy.",
)
INVALID_CALENDAR = ProblemType(
    "invalid-calendar",
    422,
    "The calendar or source cannot be read",
    "An imported calendar or election list cannot be read; `errors` names the line or item.",
)
SOURCE_UNAVAILABLE = ProblemType(
    "source-unavailable",
    422,
    "The calendar URL could not be fetched",
    "The calendar URL of an import could not be fetched (or names a private address).",
)
INVALID_RECURRENCE = ProblemType(
    "invalid-recurrence",
    422,
    "The recurrence rule cannot be used",
    "A schedule's RFC 5545 rule cannot be used (it never ends, or is not valid).",
)
UNKNOWN_ACCOUNT = ProblemType(
    "unknown-account", 404, "Unknown account", "No account of the organisation has this id."
)
NOT_FOUND = ProblemType(
    "not-found",
    404,
    "Not found",
    "No such election, window, override, key, feed or path.",
)
ILLEGAL_MOVE = ProblemType(
    "illegal-move",
    409,
    "Not allowed from the account's status",
    "An account move its status does not allow (approving a closed account); `status_now` "
    "and `allowed_moves` say what is possible.",
)
REQUEST_CONFLICT = ProblemType(
    "request-conflict",
    409,
    "Not allowed from the request's status",
    "An approval request move its status does not allow (approving a rejected or expired "
    "request); `status_now` and `allowed_moves` say what is possible.",
)
REQUEST_MOVE_REFUSED = ProblemType(
    "request-move-refused",
    403,
    "This key may not make this move on this request",
    "The key that made an approval request cannot approve or confirm it, the Clerk who "
    "approved it cannot confirm it, and only the key that made it may withdraw it.",
)
ALREADY_EXISTS = ProblemType(
    "already-exists",
    409,
    "Already exists",
    "It exists already, or the change is not allowed from its current state (revoking a key "
    "revoked already, or the Clerk's own key).",
)
AUDIT_LOG_DAMAGED = ProblemType(
    "audit-log-damaged",
    409,
    "An audit event cannot be read: the log was altered",
    "An audit event cannot be read because it was altered in the database; the problem names it.",
)
PRECONDITION_FAILED = ProblemType(
    "precondition-failed",
    412,
    "Changed since it was read",
    "The election, manual window or account changed since the `ETag` sent in `If-Match`.",
)
LENGTH_REQUIRED = ProblemType(
    "length-required",
    411,
    "Length required",
    "A file upload without `Content-Length`, whose size cannot be checked before it is stored.",
)
CONTENT_TOO_LARGE = ProblemType(
    "content-too-large",
    413,
    "Content too large",
    "A body over `PURDAH_BODY_MAX_BYTES`, or an import over its own limit.",
)
MALFORMED_BODY = ProblemType(
    "malformed-body",
    400,
    "The body cannot be read",
    "A JSON body that cannot be read: not JSON (`line` and `column` say where), not UTF-8, "
    "or nested thousands deep.",
)
REPEATED_HEADER = ProblemType(
    "repeated-header",
    400,
    "A header is given more than once",
    "A header the request may carry once (`Authorization`, `Content-Type`, `Content-Length`) "
    "is given more than once: which one counts cannot be told, so none is taken.",
)
UNSUPPORTED_MEDIA_TYPE = ProblemType(
    "unsupported-media-type",
    415,
    "Unsupported media type",
    "A body in a media type the operation does not take (`text/plain` where it takes "
    "`application/json`).",
)
UNAUTHORIZED = ProblemType(
    "unauthorized",
    401,
    "Authentication required",
    "No API key, or one that is unknown, revoked or mistyped.",
)
FORBIDDEN = ProblemType(
    "forbidden", 403, "Not allowed for this role", "The key's role may not do this."
)
METHOD_NOT_ALLOWED = ProblemType(
    "method-not-allowed",
    405,
    "Method not allowed",
    "The path exists, but not with this method.",
)
TOO_MANY_REQUESTS = ProblemType(
    "too-many-requests",
    429,
    "Too many requests",
    "Repeated failed authentications from one peer or against one key id, or more new "
    "recorded override uses than `PURDAH_OVERRIDE_USE_LIMIT` a minute; `Retry-After` says "
    "when to try again. Scheduling tools: do not post.",
)
SERVICE_UNAVAILABLE = ProblemType(
    "service-unavailable",
    503,
    "Decision data unavailable",
    "The decision data cannot be confirmed with the database (or an override's use cannot be "
    "recorded): the service fails closed, and a decision's body also says `allowed: false`.",
)
DATABASE_UNAVAILABLE = ProblemType(
    "database-unavailable",
    503,
    "The database is unavailable",
    "The database could not be reached during the request, so nothing was written; "
    "`Retry-After` says when to try again.",
)
NOT_READY = ProblemType(
    "not-ready",
    503,
    "Not ready",
    "`GET /readyz`: the database or the decision snapshot is not available.",
)
INTERNAL_ERROR = ProblemType(
    "internal-error",
    500,
    "Internal error",
    "An unexpected error; the request changed nothing, and the body holds no internals.",
)

ALL: tuple[ProblemType, ...] = (
    VALIDATION_ERROR,
    NAIVE_DATETIME,
    UNKNOWN_CATEGORY,
    INVALID_ELECTION_ID,
    INVALID_NOTICE_DATE,
    UNSUPPORTED_ELECTION,
    CONTRADICTORY_ELECTION,
    KIND_REQUIRED,
    INVALID_CHANGE,
    OFFICIAL_EMAIL_REQUIRED,
    INVALID_CALENDAR,
    SOURCE_UNAVAILABLE,
    INVALID_RECURRENCE,
    UNKNOWN_ACCOUNT,
    NOT_FOUND,
    ILLEGAL_MOVE,
    REQUEST_CONFLICT,
    REQUEST_MOVE_REFUSED,
    ALREADY_EXISTS,
    AUDIT_LOG_DAMAGED,
    PRECONDITION_FAILED,
    LENGTH_REQUIRED,
    CONTENT_TOO_LARGE,
    MALFORMED_BODY,
    REPEATED_HEADER,
    UNSUPPORTED_MEDIA_TYPE,
    UNAUTHORIZED,
    FORBIDDEN,
    METHOD_NOT_ALLOWED,
    TOO_MANY_REQUESTS,
    SERVICE_UNAVAILABLE,
    DATABASE_UNAVAILABLE,
    NOT_READY,
    INTERNAL_ERROR,
)


def openapi_list() -> str:
    """The problem types as a Markdown list, for the OpenAPI description."""
    return "\n".join(f"- `{p.uri}` ({p.status}): {p.when}" for p in ALL)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """docs/problems.md: the problem types as a table (generated; `make openapi`)."""
    rows = [f"| `{p.uri}` | {p.status} | {p.title} | {_cell(p.when)} |" for p in ALL]
    return "\n".join(
        [
            "# Problem types",
            "",
            "<!-- Generated from app/api/problem_types.py by `make openapi`; do not edit. -->",
            "",
            "Every error is RFC 9457 `application/problem+json` with `type`, `title`, `status`, "
            "`detail`, `instance` and, for validation, `errors` naming each field. "
            "The `type` is one of these stable URIs.",
            "",
            "| type | status | title | when |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
