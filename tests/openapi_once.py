"""
The OpenAPI document generated once per test session, not once per app.

`create_app()` generates the app's OpenAPI document as it starts (it reads each operation's
query parameters from it). That is most of the cost of building an app, up to two seconds on
a busy machine, and the end-to-end tests build a fresh app for every test, so that no test
sees another's state. The document depends only on the routes and the arguments FastAPI
passes to `get_openapi`, so a test session generates it once for each distinct set of them
and hands every app a deep copy: each app still has its own document, state, snapshot cache,
throttle and clock. tests/integration/test_harness.py checks that the copy is exactly what
FastAPI generates.
"""

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

import fastapi.applications
from fastapi import params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

__all__ = ["openapi_once", "routes_key"]

# What `get_openapi` reads of an operation that could differ between two apps: the effective
# values, after `include_router` has added its prefix, dependencies, responses and tags.
_ROUTE_FIELDS = (
    "path_format",
    "methods",
    "name",
    "include_in_schema",
    "status_code",
    "response_model",
    "response_class",
    "response_description",
    "tags",
    "summary",
    "description",
    "deprecated",
    "operation_id",
    "unique_id",
    "responses",
    "dependencies",
    "openapi_extra",
    "callbacks",
)


@dataclass(frozen=True, eq=False, slots=True)
class _Same:
    """An object compared and hashed by identity, kept alive (so its id is never reused)."""

    thing: Any

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.thing is self.thing

    def __hash__(self) -> int:
        return id(self.thing)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for `value`: containers by content, everything else by identity."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((_frozen(v) for v in value), key=repr)))
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, params.Depends):
        return ("depends", value.dependency, _frozen(getattr(value, "scopes", None)))
    if isinstance(value, DefaultPlaceholder):
        return ("default", _frozen(value.value))
    if isinstance(value, APIRoute):
        return route_key(RouteContext(value))
    if isinstance(value, str | int | float | bool | Enum | type(None)):
        return value
    return _Same(value)


def route_key(context: RouteContext) -> tuple[Any, ...]:
    """An operation's key: the route object the app shares with every other app built from
    the same router (module-level), and the effective fields that shape its document."""
    return (
        _Same(context.original_route),
        tuple(_frozen(getattr(context, f, None)) for f in _ROUTE_FIELDS),
    )


def routes_key(routes: Sequence[Any]) -> tuple[Any, ...]:
    """The key of what `get_openapi` documents of `routes`: their operations, in order. Other
    routes (the docs pages, a mount, `include_in_schema=False`) are left out, as FastAPI does."""
    return tuple(
        route_key(context)
        for context in iter_route_contexts(routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
    )


@contextmanager
def openapi_once() -> Iterator[dict[tuple[Any, ...], dict[str, Any]]]:
    """Within the block, every app's `openapi()` shares one generation per distinct input."""
    generate: Callable[..., dict[str, Any]] = fastapi.applications.get_openapi
    made: dict[tuple[Any, ...], dict[str, Any]] = {}

    def get_openapi(
        *, routes: Sequence[Any], webhooks: Sequence[Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        key = (
            _frozen(kwargs),
            routes_key(routes),
            routes_key(webhooks or ()),
        )
        if key not in made:
            made[key] = generate(routes=routes, webhooks=webhooks, **kwargs)
        return copy.deepcopy(made[key])

    fastapi.applications.get_openapi = get_openapi  # type: ignore[assignment]
    try:
        yield made
    finally:
        fastapi.applications.get_openapi = generate  # type: ignore[assignment]
