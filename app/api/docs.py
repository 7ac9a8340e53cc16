"""
Swagger UI (/docs) and ReDoc (/redoc) served by the app itself, from the files that the
fastapi-offline package ships: no CDN, no web fonts, no validator badge, nothing fetched
from off the machine (council networks often have no internet access for such things).
"""

import secrets
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["STATIC_URL", "NoSniff", "console_headers", "install_docs", "page_headers"]

STATIC_URL = "/static/docs"
REDOC_JS = "/static/redoc/redoc.standalone.js"
_REDOCLY_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "validatorUrl": None,  # the default validator badge loads an image from the internet
    "persistAuthorization": True,
    "displayRequestDuration": True,
    "tryItOutEnabled": True,
    "docExpansion": "list",
    "defaultModelsExpandDepth": 0,
    "filter": True,
}


# What a documentation page may load: only this server's own scripts (and the one inline
# script, by its nonce), styles, images and data: icons, and requests to this API. It may not
# be framed, post forms elsewhere, or change its base URL. ReDoc's styled-components write
# <style> elements at run time, and its search runs in a blob: worker, so its page allows both.
_CSP = (
    "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self'{styles}; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src {workers}; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


# The Clerk's console (app/web): no script at all, its own style sheet, forms posted to itself.
_CONSOLE_CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Every HTML page's headers but its content security policy.
_PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def page_headers(nonce: str, *, inline_styles: bool = False) -> dict[str, str]:
    """The security headers of a documentation page."""
    return {
        "Content-Security-Policy": _CSP.format(
            nonce=nonce,
            styles=" 'unsafe-inline'" if inline_styles else "",
            workers="'self' blob:" if inline_styles else "'none'",
        ),
        **_PAGE_HEADERS,
    }


def console_headers() -> dict[str, str]:
    """The security headers of a console page: the docs' own, with no script allowed at all."""
    return {"Content-Security-Policy": _CONSOLE_CSP, **_PAGE_HEADERS}


def _with_nonce(html: str, nonce: str) -> str:
    return html.replace("<script", f'<script nonce="{nonce}"').replace(
        "<style", f'<style nonce="{nonce}"'
    )


class NoSniff:
    """`X-Content-Type-Options: nosniff` on the docs' static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-content-type-options", b"nosniff")]
            await send(message)

        await self.app(scope, receive, send_with_header)


def install_docs(app: FastAPI) -> None:
    """Mount the assets and the two documentation pages (the app is built with docs_url=None)."""
    static = files("fastapi_offline") / "static"
    app.mount(STATIC_URL, NoSniff(StaticFiles(directory=str(static))), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title}: Swagger UI",
            swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
        # The Clerk should see live answers: can-publish is cacheable for scheduling tools
        # (max-age up to 60 s), but the page asks past the browser's cache every time.
        html = (
            bytes(page.body)
            .decode()
            .replace(
                "const ui = SwaggerUIBundle({",
                'const ui = SwaggerUIBundle({\n    requestInterceptor: (request) => { request.cache = "no-store"; return request; },',
                1,
            )
        )
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(_with_nonce(html, nonce), headers=page_headers(nonce))

    redoc_js: list[bytes] = []

    @app.get(REDOC_JS, include_in_schema=False)
    async def redoc_script() -> Response:
        # ReDoc's bundle shows a "powered by" logo from Redocly's CDN; point it at our favicon.
        if not redoc_js:
            source = (static / "redoc.standalone.js").read_bytes()
            redoc_js.append(source.replace(_REDOCLY_LOGO, f"{STATIC_URL}/favicon.png".encode()))
        return Response(
            redoc_js[0],
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title}: ReDoc",
            redoc_js_url=f"{root}{REDOC_JS}",
            redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(
            _with_nonce(bytes(page.body).decode(), nonce),
            headers=page_headers(nonce, inline_styles=True),
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> HTMLResponse:
        data = (static / "favicon.png").read_bytes()
        return HTMLResponse(content=data, media_type="image/png")
