"""
Paths and query strings, checked once for every operation before anything else runs.

A pure ASGI middleware, outermost, so the can-publish fast path, the FastAPI routes and the
feeds get the same answers:

- a control character (app/domain/text.py) in the path: 404 `/problems/not-found`, since
  no resource has such a name (a NUL in an id was a 500 on PostgreSQL);
- a control character in a query parameter's name or value: 422 naming the parameter;
- a query parameter given more than once: 422 naming it. Every operation takes single
  values, and the framework would quietly answer for the last one (`?at=X&at=Y`);
- a header the request may carry once (`Authorization`, `Content-Type`, `Content-Length`)
  given more than once: 400 `/problems/repeated-header` naming it. Which one counts is not
  agreed (Starlette's `headers.get` takes the first, a loop over them the last, a proxy may
  have checked either), so none is taken: two keys are never one council's and another's.
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from app.domain.text import control_character, describe_control_character

from . import problem_types as types
from .problems import problem_response

__all__ = ["InputHygiene", "path_problem", "read_query", "repeated_header"]

_Scope = dict[str, Any]
# What turns a problem into another answer for the request (the console's pages).
Pages = Callable[[Request, Response], Awaitable[Response]]


def _printable(name: str) -> str:
    """A parameter name as it can be shown (control characters escaped)."""
    return name if control_character(name) is None else name.encode("unicode_escape").decode()


def _decoded(part: str) -> str:
    """A query name or value decoded as `urllib.parse.parse_qsl` (and so Starlette) decodes it."""
    if "%" not in part and "+" not in part:
        return part
    return unquote(part.replace("+", " "))


def read_query(query_string: bytes) -> tuple[dict[str, str], tuple[str, str] | None]:
    """
    The query's parameters, split and decoded as Starlette reads them (so the check sees what
    the operation would see), and the first bad one (its printable name, and why) or None.
    The can-publish fast path reads its query with this, once.
    """
    found: dict[str, str] = {}
    for pair in query_string.decode("latin-1").split("&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition("=")
        name, value = _decoded(raw_name), _decoded(raw_value)
        bad = control_character(name) or control_character(value)
        if bad is not None:
            return found, (_printable(name), describe_control_character(bad))
        if name in found:
            return found, (name, "is given more than once; give each query parameter once")
        found[name] = value
    return found, None


def _query_problem(query_string: bytes) -> tuple[str, str] | None:
    """The first bad query parameter (its printable name, and why), or None."""
    return read_query(query_string)[1]


def path_problem(path: str) -> str | None:
    """Why a path names no resource (a control character in it), or None."""
    found = control_character(path)
    if found is None:
        return None
    return f"the path {describe_control_character(found)}, so it names no resource"


# Headers a request carries once at most (RFC 9110 section 5.3: not lists).
_ONCE = frozenset({b"authorization", b"content-type", b"content-length"})


def repeated_header(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """
    The name of a header of `_ONCE` given more than once (as `Content-Type`), or None. ASGI
    headers, whose names are in lower case. The can-publish fast path asks this first.
    """
    seen: list[bytes] = []
    for name, _ in headers:
        if name in _ONCE:
            if name in seen:
                return name.decode("latin-1").title()
            seen.append(name)
    return None


class InputHygiene:
    """
    Refuse control characters in paths and query strings, repeated query parameters, and
    repeated headers that a request carries once.
    """

    def __init__(self, app: Any, pages: Pages | None = None) -> None:
        """
        Args:
            pages: given each problem before it is sent, to answer in its place (the
                console's error pages under `/console`; it returns the problem elsewhere).
        """
        self.app = app
        self.pages = pages

    async def _answer(self, scope: _Scope, receive: Any, send: Any, response: Response) -> None:
        if self.pages is not None:
            response = await self.pages(Request(scope), response)
        await response(scope, receive, send)

    async def __call__(self, scope: _Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            detail = path_problem(scope["path"])
            if detail is not None:
                response = problem_response(Request(scope), types.NOT_FOUND, detail)
                await self._answer(scope, receive, send, response)
                return
            query: bytes = scope.get("query_string", b"")
            problem = _query_problem(query) if query else None
            if problem is not None:
                name, why = problem
                response = problem_response(
                    Request(scope),
                    types.VALIDATION_ERROR,
                    f"{name}: {why}",
                    extra={"errors": [{"field": name, "location": "query", "message": why}]},
                )
                await self._answer(scope, receive, send, response)
                return
            repeated = repeated_header(scope["headers"])
            if repeated is not None:
                response = problem_response(
                    Request(scope),
                    types.REPEATED_HEADER,
                    f"the {repeated} header is given more than once; give it once",
                    extra={"header": repeated},
                )
                await self._answer(scope, receive, send, response)
                return
        await self.app(scope, receive, send)
