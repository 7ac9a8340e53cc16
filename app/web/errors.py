"""
Error pages for the console: under `/console`, an error is a page in words (404, 403, 503
when the policy is unusable or the decision data cannot be confirmed, ...) with the same
status code and headers (`Retry-After`); everywhere else it stays the API's problem+json.

The API's handlers still decide the status and the detail (one table of errors,
`app.api.problems`): each is wrapped, and its answer turned into a page for the console.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from .pages import problem_page, root
from .session import ConsoleUser, current_user

__all__ = ["as_page", "install_error_pages"]

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

_WORDS: dict[int, tuple[str, str]] = {
    400: ("The request could not be read", "{detail}."),
    403: ("You cannot do this", "{detail}. Nothing was changed."),
    404: (
        "Page not found",
        "There is no page at this address, or what it names does not exist (it may have "
        "been removed). Check the address, or start again from the Now page.",
    ),
    405: ("Page not found", "This address cannot be used that way. Start again from the Now page."),
    413: ("The form was too long", "{detail}. Nothing was changed."),
    422: ("The request could not be read", "{detail}. Nothing was changed."),
    429: ("Too many attempts", "{detail}. Nothing was changed."),
    503: (
        "The service cannot answer just now",
        "Its data could not be confirmed ({detail}). Nothing was changed, and scheduling "
        "tools are told not to publish until it is back. Try again in a minute; if it stays "
        "like this, tell the person who runs the service.",
    ),
}
_OTHER = (
    "Something went wrong",
    "The service could not finish this. Nothing was changed. Try again; if it happens again, "
    "tell the person who runs the service.",
)
# The problem details a page may repeat (a 500's is never shown; it holds nothing useful).
_SHOWN_DETAIL = frozenset({400, 403, 413, 422, 429, 503})


def _in_console(request: Request) -> bool:
    path = str(request.scope.get("path", ""))
    return path.removeprefix(root(request)).startswith("/console")


def _user(request: Request) -> ConsoleUser | None:
    try:
        return current_user(request, request.app.state.services)
    except Exception:  # noqa: BLE001 - the database may be what failed; the page goes without
        return None


def _detail(response: Response) -> str:
    try:
        body: Any = json.loads(bytes(response.body))
    except ValueError:
        return ""
    detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
    return detail.rstrip(".")


def _wrap(original: Handler) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        answer = original(request, exc)
        response = await answer if isinstance(answer, Awaitable) else answer
        return await as_page(request, response)

    return handler


async def as_page(request: Request, response: Response) -> Response:
    """
    The API's problem `response` as a console page, under `/console`; elsewhere, as it is.
    Also for answers given before the app's handlers run (`app.api.hygiene.InputHygiene`).
    """
    if not _in_console(request):
        return response
    status = response.status_code
    title, words = _WORDS.get(status, _OTHER)
    detail = _detail(response) if status in _SHOWN_DETAIL else ""
    message = words.format(detail=detail[:1].upper() + detail[1:] if status != 503 else detail)
    services = request.app.state.services
    user = await run_in_threadpool(_user, request)
    try:
        page = await run_in_threadpool(
            problem_page, request, services, user, status=status, title=title, message=message
        )
    except Exception:  # noqa: BLE001 - a page that cannot be drawn: the API's answer stands
        return response
    for name in ("Retry-After", "Allow"):
        if name in response.headers:
            page.headers[name] = response.headers[name]
    return page


def install_error_pages(app: FastAPI) -> None:
    """Wrap every error handler installed already (the API's) so the console gets pages."""
    for key, original in list(app.exception_handlers.items()):
        app.add_exception_handler(key, _wrap(original))
