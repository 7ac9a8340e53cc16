"""
The can-publish fast path: a pure ASGI middleware in front of FastAPI's routing.

Scheduling tools ask before every post, so `GET /v1/accounts/{id}/can-publish` skips the
framework's routing, dependency and parameter machinery (which cost more than the decision)
and goes straight to `serve_can_publish`: the one implementation, which the documented route
hands its requests to as well.
"""

from typing import Any

from .routes.decisions import can_publish_account, serve_can_publish

__all__ = ["CanPublishFastPath"]

_Scope = dict[str, Any]


class CanPublishFastPath:
    """Send can-publish straight to its ASGI app; pass everything else on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: _Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and can_publish_account(scope["path"]) is not None
        ):
            await serve_can_publish(scope, receive, send)
            return
        await self.app(scope, receive, send)
