"""
A limit on the size of request bodies, before the framework reads them.

Every JSON body the API takes is small (a batch of 1,000 checks is about 150 KB), so a body
beyond `PURDAH_BODY_MAX_BYTES` (1 MiB) is refused with a 413 problem: at once when its
Content-Length says so, or as soon as a chunked body passes the limit, so that no worker holds
an attacker's 50 MB in memory. The calendar import has its own, larger limit
(`PURDAH_IMPORT_MAX_BYTES`) and counts its own bytes, so it is left to itself here.
"""

from typing import Any

from pydantic_core import to_json
from starlette.exceptions import HTTPException

from .problem_types import CONTENT_TOO_LARGE
from .problems import MEDIA_TYPE, problem_body

__all__ = ["BodyLimit", "too_large_detail"]

_Scope = dict[str, Any]
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def too_large_detail(size: int | None, limit: int) -> str:
    if size is None:
        return f"the request body is larger than the limit of {limit} bytes (PURDAH_BODY_MAX_BYTES)"
    return f"the request body is {size} bytes; the limit is {limit} bytes (PURDAH_BODY_MAX_BYTES)"


class BodyLimit:
    """
    Refuse request bodies larger than `limit` bytes, except on the paths in `exempt`.

    Under the `counted` path prefixes (the Clerk's console) a body declared too large is
    refused as it is read, past the limit, rather than at once: the app's own handlers then
    answer (the console's with a page), and no more than `limit` bytes are held either way.
    """

    def __init__(
        self, app: Any, limit: int, exempt: frozenset[str], counted: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.counted = counted

    async def __call__(self, scope: _Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _WITH_BODY
            or scope["path"] in self.exempt
        ):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if (
            declared is not None
            and declared > self.limit
            and not str(scope["path"]).startswith(self.counted or ("\0",))
        ):
            await _refuse(scope, send, too_large_detail(declared, self.limit))
            return
        limit = self.limit
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # an HTTPException passes through the framework's body parsing to the
                    # problem handlers, which answer 413 problem+json
                    raise HTTPException(413, detail=too_large_detail(None, limit))
            return message

        await self.app(scope, counted, send)


def _content_length(scope: _Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _refuse(scope: _Scope, send: Any, detail: str) -> None:
    body = to_json(problem_body(CONTENT_TOO_LARGE, detail, scope["path"]))
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
