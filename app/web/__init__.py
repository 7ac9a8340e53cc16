"""
The Clerk's console (issue 17): server-rendered pages under `/console` that call the same
services as the API, behind a sign-in with a key and a server-side session.

No page runs a script; each sends the same security headers as `/docs` (`console_headers`)
and loads nothing from another host. `install_console` adds the pages, their style sheet,
the console's error pages (HTML under `/console`, problem+json elsewhere), and the redirect
of a browser's `/` to `/console`.
"""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.docs import NoSniff

from . import (
    access_page,
    accounts_page,
    audit_page,
    calendar_page,
    now,
    overrides_page,
    requests_page,
    sign_in,
)
from .errors import install_error_pages
from .pages import HERE, root
from .session import SignInRequired

__all__ = ["BrowserRoot", "install_console"]


class BrowserRoot:
    """
    `GET /` from a browser (it accepts text/html) is sent to `/console`; any other request
    for `/` is left to the app as before (API clients get the same 404 problem as ever).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/"
            and scope["method"] in ("GET", "HEAD")
            and b"text/html" in dict(scope["headers"]).get(b"accept", b"")
        ):
            target = f"{scope.get('root_path', '')}/console"
            await RedirectResponse(target, status_code=303)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _to_sign_in(request: Request, _exc: Exception) -> RedirectResponse:
    return RedirectResponse(f"{root(request)}/console/sign-in", status_code=303)


def install_console(app: FastAPI) -> None:
    """Add the console's pages, its static files and the browser's redirect from `/`."""
    app.mount(
        "/console/static",
        NoSniff(StaticFiles(directory=str(HERE / "static"))),
        name="console-static",
    )
    for module in (
        sign_in,
        now,
        calendar_page,
        accounts_page,
        overrides_page,
        requests_page,
        audit_page,
        access_page,
    ):
        app.include_router(module.router)
    install_error_pages(app)
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_middleware(BrowserRoot)
