"""
The can-publish fast path: the application answers can-publish before the framework's stack.

Scheduling tools ask before every post, so `GET /v1/accounts/{id}/can-publish` skips every
layer FastAPI and Starlette put in front of a route (the error and telemetry middleware, the
body limits, the routing, dependency and parameter machinery: together they cost more than
the decision) and goes straight to `serve_can_publish`: the one implementation, which the
documented route hands its requests to as well. The paths and query strings it takes are
checked as every operation's are (`hygiene.read_query`, `hygiene.path_problem`, read once);
any request those refuse goes to the framework's stack, where `InputHygiene` answers it.
"""

from typing import Any

from fastapi import FastAPI

from .hygiene import path_problem, read_query
from .routes.decisions import can_publish_account, serve_can_publish

__all__ = ["CanPublishFastPath"]

_Scope = dict[str, Any]
_FAST_METHODS = frozenset({"GET", "HEAD"})


class CanPublishFastPath(FastAPI):
    """
    FastAPI, with can-publish answered ahead of its middleware stack. `fast_path = False`
    sends it through the stack to the documented route instead (the tests compare the two).
    """

    fast_path = True

    async def __call__(self, scope: _Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _FAST_METHODS
            and self.fast_path
            and not self.root_path
            and can_publish_account(scope["path"]) is not None
        ):
            query, problem = read_query(scope["query_string"])
            if problem is None and path_problem(scope["path"]) is None:
                scope["app"] = self
                await serve_can_publish(scope, receive, send, query=query)
                return
        await super().__call__(scope, receive, send)
