"""
Dependencies: the application's services, the clock, and bearer-key auth with roles.

Auth is an `async` dependency (no thread-pool hop): the key id finds the key in memory and
`hmac.compare_digest` compares the secret's hash in constant time.
"""

import datetime as dt
import json
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer
from sqlalchemy import Engine

from app.config import Settings
from app.domain import Policy
from app.store.audit import ActionsMemo
from app.store.errors import PolicyUnavailable
from app.store.key_use import KeyUse
from app.store.keys import Role, parse_key, secret_matches
from app.store.policy_registry import PolicyRegistry
from app.store.snapshots import KeyEntry, SnapshotCache
from app.store.unit_of_work import Actor, UnitOfWork

from .answer_memo import AnswerMemo
from .check_memo import CheckMemo
from .decision_json import SnapshotFragments
from .feed_cache import FeedCache
from .instants import Instants
from .problems import Forbidden, InvalidQuery, Unauthorized, UnsupportedMediaType
from .reliance import RelianceMemo
from .throttle import FailedAuthThrottle

__all__ = [
    "Clerk",
    "Principal",
    "READ_ROLES",
    "SECURED",
    "Reader",
    "RequestReader",
    "Requester",
    "authorise",
    "no_repeated_fields",
    "check_role",
    "json_body_only",
    "json_media_type",
    "known_principal",
    "verified_key",
    "known_query_only",
    "principal_for",
    "Services",
    "ServicesDep",
    "request_id",
]


@dataclass
class Services:
    """What the routes use, built once by `create_app`."""

    settings: Settings
    engine: Engine
    cache: SnapshotCache
    policies: PolicyRegistry
    clock: Callable[[], dt.datetime]
    feeds: FeedCache
    throttle: FailedAuthThrottle
    key_use: KeyUse
    uow: UnitOfWork
    reliance: RelianceMemo = field(default_factory=RelianceMemo)
    fragments: SnapshotFragments = field(default_factory=SnapshotFragments)
    answers: AnswerMemo = field(default_factory=AnswerMemo)
    actions: ActionsMemo = field(default_factory=ActionsMemo)
    instants: Instants = field(default_factory=Instants)
    checks: CheckMemo = field(default_factory=CheckMemo)

    def now(self) -> dt.datetime:
        return self.clock()

    def policy(self, organisation_id: str) -> Policy:
        """
        The organisation's policy in force.

        Raises:
            PolicyUnavailable: its policy file is unusable (503: the request fails closed).
        """
        try:
            return self.policies.policy(organisation_id)
        except PolicyUnavailable:
            # not read yet: the server builds snapshots (and reads policies) after its start
            self.cache.ensure(organisation_id)
            return self.policies.policy(organisation_id)


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: an API key's id, organisation, name and role."""

    key_id: str
    organisation_id: str
    name: str
    role: str

    def actor(self) -> Actor:
        return Actor(f"{self.name} ({self.key_id})", self.role)


_BEARER = "bearer "
BEARER_SCHEME = "apiKey"
# For routes that authorise inline (the hot path) but must still show the lock in OpenAPI.
SECURED: dict[str, Any] = {"security": [{BEARER_SCHEME: []}]}


def _authenticate(request: Request) -> Principal:
    client = request.client.host if request.client else None
    return principal_for(
        request.app.state.services, request.headers.get("authorization"), client=client
    )


def principal_for(
    services: Services, header: str | None, *, client: str | None = None
) -> Principal:
    """
    The caller named by an `Authorization` header.

    A valid key always authenticates; a failure is counted against the peer `client` and
    the key id it named (`throttle.FailedAuthThrottle`), and is a 429 rather than a 401 once
    either has failed too often recently.

    Raises:
        TooManyFailures: a failure from a peer, or against a key id, over the limit (429).
        Unauthorized: no bearer key, or one that is unknown, revoked or mistyped.
    """
    if not header or header[:7].lower() != _BEARER:
        services.throttle.failed(client)
        msg = "send an API key as 'Authorization: Bearer <key>'"
        raise Unauthorized(msg)
    principal = known_principal(services, header)
    if principal is None:
        parsed = parse_key(header[7:].strip())
        entry = services.cache.key(parsed[0]) if parsed else None
        services.throttle.failed(client, key_id=entry.key_id if entry is not None else None)
        msg = "the API key is not valid (unknown, revoked or mistyped)"
        raise Unauthorized(msg)
    return principal


def known_principal(services: Services, header: str | None) -> Principal | None:
    """
    The caller named by a valid bearer key (its use noted), or None, with nothing counted:
    the key id finds the key in memory (`SnapshotCache.key`), then one constant-time compare
    of the secret's hash. `principal_for` counts failures; the POST fast path, which leaves
    every failure to the documented route, asks this.
    """
    verified = verified_key(services, header)
    return verified[1] if verified is not None else None


def verified_key(services: Services, header: str | None) -> tuple[KeyEntry, Principal] | None:
    """
    `known_principal`, with the key entry it was verified against (the can-publish memo
    remembers a verified header only while the snapshot cache holds that very entry).
    """
    if not header or header[:7].lower() != _BEARER:
        return None
    parsed = parse_key(header[7:].strip())
    entry = services.cache.key(parsed[0]) if parsed else None
    if parsed is None or entry is None or not secret_matches(parsed[1], entry.secret_sha256):
        return None
    services.key_use.seen(entry.key_id)
    # a named key's person is who the audit log names; other keys go by their label
    return entry, Principal(
        entry.key_id, entry.organisation_id, entry.person or entry.name, entry.role
    )


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name=BEARER_SCHEME,
    description="An API key: `Authorization: Bearer pdh_...`. Create one with `purdah keys create`.",
)
# Every role of an organisation's own staff and tools; not the platform operator.
READ_ROLES = frozenset(str(r) for r in (Role.CLERK, Role.SCHEDULER, Role.VIEWER, Role.AUDITOR))


def authorise(request: Request, allowed: frozenset[str]) -> Principal:
    """
    Authenticate the caller and check its role; the hot path calls this directly.

    Raises:
        Unauthorized: no key, or not a valid one.
        Forbidden: the key's role is not in `allowed`.
    """
    return check_role(_authenticate(request), allowed)


def check_role(principal: Principal, allowed: frozenset[str]) -> Principal:
    """The principal, if its role is allowed. Raises Forbidden."""
    if principal.role not in allowed:
        msg = (
            f"a {principal.role} key may not do this; it needs one of: {', '.join(sorted(allowed))}"
        )
        raise Forbidden(msg)
    return principal


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that authenticates the caller and checks its role (documented in OpenAPI)."""
    allowed = frozenset(str(r) for r in roles)

    async def _check(
        request: Request, _credentials: Annotated[object, Security(_bearer)] = None
    ) -> Principal:
        return authorise(request, allowed)

    return _check


Reader = Annotated[
    Principal, Depends(require(Role.CLERK, Role.SCHEDULER, Role.VIEWER, Role.AUDITOR))
]
Clerk = Annotated[Principal, Depends(require(Role.CLERK))]
# Who may ask the Clerk to allow a post (and withdraw its own request).
Requester = Annotated[Principal, Depends(require(Role.CLERK, Role.SCHEDULER))]
# Who may read approval requests: a scheduler only its own key's (the routes narrow it).
RequestReader = Annotated[Principal, Depends(require(Role.CLERK, Role.SCHEDULER, Role.AUDITOR))]


async def known_query_only(request: Request) -> None:
    """
    Refuse query parameters the operation does not take (422).

    A misspelt parameter must not be quietly dropped: `?form=2029-01-01` would list every
    window, and a scheduler's `?time=...` would be answered for now. `create_app` records each
    operation's parameter names; operations not recorded (the feed at a calendar app's secret
    URL, can-publish, which checks its own) are not checked here.
    """
    known: dict[object, frozenset[str]] = request.app.state.query_names
    allowed = known.get(request.scope.get("endpoint"))
    if allowed is None:
        return
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        raise InvalidQuery(field=unknown[0], problem=unknown_query_problem(unknown[0], allowed))


async def json_body_only(request: Request) -> None:
    """
    Refuse a body that is not JSON on an operation that takes only JSON (415).

    `create_app` records those operations; a body sent as `text/plain`, as a form, or with no
    content type is refused before it is read, rather than failing validation as a string.
    """
    takes_json: frozenset[object] = request.app.state.json_operations
    if request.scope.get("endpoint") not in takes_json or not _has_body(request):
        return
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if json_media_type(media):
        return
    raise UnsupportedMediaType(media or "none", accepted="application/json")


def json_media_type(media: str) -> bool:
    """Whether a Content-Type's media type (lower case, no parameters) is JSON."""
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class _Repeated(ValueError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise _Repeated(name)
        seen[name] = value
    return seen


async def no_repeated_fields(request: Request) -> None:
    """
    Refuse a JSON body that gives a field twice (422): JSON parsers keep the last, so
    `{"role": "clerk", "role": "viewer"}` would mean one thing here and another to a proxy
    or a log reader. A body that is not JSON is left to the framework (400). Declare it after
    the key's dependency, so a caller without a key gets 401 first.
    """
    body = await request.body()
    try:
        json.loads(body, object_pairs_hook=_refuse_repeats)
    except _Repeated as exc:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", exc.name),
                    "msg": f"the field {exc.name!r} is given more than once",
                    "input": None,
                }
            ]
        ) from None
    except (ValueError, RecursionError):
        return


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers


def unknown_query_problem(name: str, allowed: frozenset[str]) -> str:
    takes = f"it takes: {', '.join(sorted(allowed))}" if allowed else "it takes none"
    return f"{name!r} is not a query parameter of this operation; {takes}"


def request_id(request: Request) -> str:
    """The caller's X-Request-ID if it is sane, else a new one (for the audit log)."""
    given = request.headers.get("x-request-id", "")
    if 0 < len(given) <= 100 and given.replace("-", "").isalnum():
        return given
    return secrets.token_hex(8)
