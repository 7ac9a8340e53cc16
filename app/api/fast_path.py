"""
The can-publish fast path: the application answers can-publish before the framework's stack.

Scheduling tools ask before every post, so `GET /v1/accounts/{id}/can-publish` skips every
layer FastAPI and Starlette put in front of a route (the error and telemetry middleware, the
body limits, the routing, dependency and parameter machinery: together they cost more than
the decision) and goes straight to `serve_can_publish`: the one implementation, which the
documented route hands its requests to as well. The paths and query strings it takes are
checked as every operation's are (`hygiene.read_query`, `hygiene.path_problem`, read once,
and `hygiene.repeated_header`); any request those refuse goes to the framework's stack, where
`InputHygiene` answers it.
A question asked before is answered from what was worked out for it then, filling in only
what differs from request to request (`fast_answers.serve_remembered`, `app.api.answer_memo`).

can-publish by POST (with a post's text) is answered here too when it is plainly well formed:
no query string, a JSON media type, a Content-Length within `PURDAH_BODY_MAX_BYTES`, a valid
key of a reading role and a valid body (`fast_answers.serve_post_fast`, which shares every step
with the documented route). Any other request, and any that fails one of those steps, goes to
the documented route with its body as it came, which answers it (and counts a failed key).
"""

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from .deps import json_media_type
from .fast_answers import serve_post_fast, serve_remembered
from .hygiene import path_problem, read_query, repeated_header
from .routes.decisions import can_publish_account, serve_can_publish

__all__ = ["CanPublishFastPath"]

_FAST_METHODS = frozenset({"GET", "HEAD"})


class CanPublishFastPath(FastAPI):
    """
    FastAPI, with can-publish answered ahead of its middleware stack. `fast_path = False`
    sends it through the stack to the documented route instead (the tests compare the two).
    """

    fast_path = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.fast_path
            or self.root_path
            or repeated_header(scope["headers"]) is not None  # `InputHygiene` refuses it
        ):
            await super().__call__(scope, receive, send)
            return
        if scope["method"] in _FAST_METHODS:
            # a question asked before, first: it is known to be a can-publish request
            if await serve_remembered(self.state.services, scope, send):
                return
            if can_publish_account(scope["path"]) is None:
                await super().__call__(scope, receive, send)
                return
            query, problem = read_query(scope["query_string"])
            if problem is None and path_problem(scope["path"]) is None:
                scope["app"] = self
                await serve_can_publish(scope, receive, send, query=query)
                return
        elif (
            scope["method"] == "POST"
            and not scope["query_string"]
            and (account_id := can_publish_account(scope["path"])) is not None
            and path_problem(scope["path"]) is None
        ):
            services = self.state.services
            raw = await _json_body(scope, receive, services.settings.body_max_bytes)
            if raw is not None:
                scope["app"] = self
                if await serve_post_fast(scope, send, raw, services, account_id):
                    return
                receive = _replay(raw, receive)
        await super().__call__(scope, receive, send)


async def _json_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """
    The body of a request the route's checks would let through (a JSON media type, a
    Content-Length within `limit`), read whole; None, with nothing read, for any other.
    """
    media = length = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value
        elif name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            return None
    if media is None or length is None or not length.isdigit():
        return None
    if media != b"application/json" and not json_media_type(
        media.decode("latin-1").split(";", 1)[0].strip().lower()
    ):
        return None
    if int(length) > limit:
        return None
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        return message.get("body", b"")  # the whole body in one message: the usual case
    parts: list[bytes] = []
    while True:
        if message["type"] != "http.request":  # gone: the route finds the body cut short
            return b"".join(parts)
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)
        message = await receive()


def _replay(raw: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then what the server sends after it."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replayed
