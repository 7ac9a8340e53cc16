"""
The can-publish fast path: a pure ASGI middleware in front of FastAPI's routing.

Scheduling tools ask before every post, so `GET /v1/accounts/{id}/can-publish` skips the
framework's routing, dependency and parameter machinery (which cost more than the decision)
and runs `answer_can_publish` directly: the same code, auth, problem+json errors and headers
as the documented FastAPI route, which stays in the OpenAPI document.
"""

import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from pydantic_core import to_json

from app.domain import PurdahError

from .problems import MEDIA_TYPE, internal_problem, problem_for
from .routes.decisions import CAN_PUBLISH_QUERY, Answer, answer_can_publish, audited

__all__ = ["CanPublishFastPath"]

log = logging.getLogger(__name__)

_PREFIX = "/v1/accounts/"
_SUFFIX = "/can-publish"
_Scope = dict[str, Any]


class CanPublishFastPath:
    """Answer can-publish before the framework; pass everything else on."""

    def __init__(self, app: Any, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi

    async def __call__(self, scope: _Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            if path.startswith(_PREFIX) and path.endswith(_SUFFIX):
                account_id = path[len(_PREFIX) : -len(_SUFFIX)]
                if account_id and "/" not in account_id:
                    await self._answer(scope, send, account_id, path)
                    return
        await self.app(scope, receive, send)

    async def _answer(self, scope: _Scope, send: Any, account_id: str, path: str) -> None:
        headers = {k: v for k, v in scope["headers"] if k in (b"authorization", b"if-none-match")}
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        try:
            answer = answer_can_publish(
                self.fastapi.state.services,
                account_id,
                authorization=_text(headers.get(b"authorization")),
                if_none_match=_text(headers.get(b"if-none-match")),
                at=query.get("at"),
                category=query.get("category"),
                client=scope["client"][0] if scope.get("client") else None,
                unknown_query=[k for k in query if k not in CAN_PUBLISH_QUERY],
            )
            answer = await audited(self.fastapi.state.services, answer, path=path)
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
