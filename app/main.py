"""create_app(): wires settings, the store and the routers."""

import asyncio
import contextlib
import datetime as dt
import functools
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from importlib.metadata import version
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from app.api import problem_types
from app.api.deps import Services, json_body_only, known_query_only
from app.api.docs import install_docs
from app.api.fast_path import CanPublishFastPath
from app.api.feed_cache import FeedCache
from app.api.hygiene import InputHygiene
from app.api.limits import BodyLimit
from app.api.problems import PROBLEM_RESPONSES, install_problem_handlers, problem_doc
from app.api.redaction import install_redaction
from app.api.routes import (
    accounts,
    audit,
    candidates,
    decisions,
    dies_non,
    elections,
    feeds,
    imports,
    keys,
    meta,
    organisations,
    overrides,
    requests,
    webhooks,
    windows,
)
from app.api.schemas import BatchIn, ImportIn, PostCheckIn
from app.api.throttle import FailedAuthThrottle
from app.config import Settings
from app.domain import Policy
from app.services.feeds import ensure_feed_events
from app.services.mail import mail_server
from app.services.policies import reload_policies
from app.services.time_events import ROUND_LIMIT, forget_old_time_events, run_time_events
from app.services.webhook_delivery import DeliveryPolicy, deliver_due, purge_old_deliveries
from app.store.engine import check_migrated, make_engine
from app.store.errors import PolicyUnavailable
from app.store.key_use import KeyUse
from app.store.notifications import ChangeListener
from app.store.policy_registry import PolicyRegistry
from app.store.snapshots import SnapshotCache
from app.store.unit_of_work import Actor, UnitOfWork
from app.web import install_console
from app.web.errors import as_page as console_page

__all__ = ["app_from_environment", "create_app", "create_services"]

log = logging.getLogger(__name__)

DESCRIPTION = f"""
Keeps a UK council's official social media quiet during pre-election periods, and proves it did.

Scheduling tools call `GET /v1/accounts/{{account_id}}/can-publish` before every post (or
`POST /v1/decisions` for a queue) and post only on `200` with `allowed: true`: any other
status means do not post. Times are RFC 3339 with an offset; errors are RFC 9457
`application/problem+json`. Authenticate with `Authorization: Bearer <API key>`.

Problem types (`type` in every error body):

{problem_types.openapi_list()}
"""


TAGS = [
    {
        "name": "decisions",
        "description": "Ask before every post: may this account publish this now? Allow, refer or deny, with the reasons and the policy clauses they cite.",
    },
    {
        "name": "accounts",
        "description": "The official accounts of the policy's appendix; the Town Clerk approves, suspends and closes them, on official email addresses (the policy's clauses are in `GET /v1/policy`).",
    },
    {
        "name": "overrides",
        "description": "The Town Clerk's written permission to publish inside a window, bounded in time.",
    },
    {
        "name": "requests",
        "description": "Asking the Town Clerk to allow one post that would be referred or denied: the Clerk approves (a second Clerk confirms where the policy asks) or rejects, and the requester may withdraw.",
    },
    {
        "name": "elections",
        "description": "Elections that restrict the council, their statutory timetables, and what the Clerk records of them.",
    },
    {
        "name": "candidates",
        "description": "Who is standing in the council's elections: entered by the Clerk from the statement of persons nominated or imported from Democracy Club, and the official accounts they hold.",
    },
    {
        "name": "windows",
        "description": "Restriction windows: merged pre-election periods and windows the Clerk sets by hand.",
    },
    {
        "name": "dies non",
        "description": "Days of public thanksgiving or mourning, which do not count as working days.",
    },
    {
        "name": "feeds",
        "description": "The restriction windows as an ICS feed for Outlook, Google and Apple calendars, and the secret feed URLs calendar apps subscribe to.",
    },
    {
        "name": "webhooks",
        "description": "Change events (overrides, requests, accounts, windows) POSTed to a receiver as they commit, signed per the Standard Webhooks specification, with retries and a record of each delivery.",
    },
    {
        "name": "audit",
        "description": "Who changed what, when and why; a hash chain that shows any alteration, for auditors and complaints panels.",
    },
    {
        "name": "keys",
        "description": "The council's API keys, revoked ones too, and when each was last used.",
    },
    {
        "name": "organisations",
        "description": "The councils one deployment serves; a platform operator adds them.",
    },
    {"name": "service", "description": "The policy as applied, liveness and readiness."},
]


_ROUTE_MODULES = (
    decisions, accounts, overrides, requests, imports, elections, candidates, windows, dies_non,
    feeds, webhooks, audit, keys, organisations, meta,
)  # fmt: skip


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# who the audit log names for a policy file change the server found
_POLICY_WATCH = Actor("purdah serve (policy file changed)", "system")


def check_policies(services: Services) -> list[str]:
    """
    Put changed policy files in force, audited, and rebuild those organisations' snapshots.

    The server runs this every `PURDAH_POLICY_CHECK_INTERVAL` seconds (and once at start);
    tests call it to stand for that tick. Returns the organisations whose policy changed.
    """
    changes = reload_policies(
        services.uow, services.policies, _POLICY_WATCH, now=services.clock(), read_unread=False
    )
    for change in changes:
        # A change recorded here was refreshed after its commit (the unit of work); an
        # unusable file, or one another process recorded, changed only this registry.
        if change.problem is not None or not change.audited:
            services.cache.refresh(change.organisation_id)
    return [change.organisation_id for change in changes]


def create_services(
    settings: Settings,
    *,
    engine: Engine,
    clock: Callable[[], dt.datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> Services:
    """
    All the state an app keeps between requests, new: the snapshot cache, the policies, the
    feed cache, the failed-authentication throttle, the keys' last uses, the clock.

    `create_app` puts it in `app.state.services`, where the routes and the app's start and
    stop find it. A test that reuses one app gives it fresh services before starting it.
    """
    policies = PolicyRegistry(settings.policy_dir)
    cache = SnapshotCache(
        engine, policies.policy_for, max_age=settings.snapshot_max_age, clock=monotonic
    )
    return Services(
        settings=settings,
        engine=engine,
        cache=cache,
        policies=policies,
        clock=clock,
        feeds=FeedCache(engine, dt.timedelta(days=settings.feed_keep_cancelled_days)),
        throttle=FailedAuthThrottle(settings.auth_failure_limit, settings.auth_failure_window),
        key_use=KeyUse(engine),
        # every write refreshes its organisation's snapshot after commit
        uow=UnitOfWork(engine, on_commit=cache.refresh),
    )


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], dt.datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    refresh_in_background: bool = True,
    defer_snapshots: bool | None = None,
) -> CanPublishFastPath:
    """
    The API application.

    `clock` is the time decisions are evaluated at; `monotonic` measures how long ago the
    database last confirmed the snapshots (`PURDAH_SNAPSHOT_MAX_AGE`) and when the policy
    files were last looked at. Tests pass their own.

    Refuses to start on an unmigrated database (`purdah db upgrade`). Serves once the keys
    and data versions are read: each organisation's policy and snapshot are built in the
    background, or by its first request (`defer_snapshots`, by default with
    `refresh_in_background`; else all are built before serving). Then it checks for other replicas'
    writes every `snapshot_poll_interval` seconds and for changed policy files every
    `policy_check_interval` seconds (`check_policies`).
    """
    services = create_services(
        settings,
        engine=engine or make_engine(settings.database_url),
        clock=clock,
        monotonic=monotonic,
    )

    @contextlib.asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        # the services the app holds when it starts: a test may have given it fresh ones
        services: Services = started.state.services
        engine, cache, settings = services.engine, services.cache, services.settings
        check_migrated(engine)
        # a database from before feeds: publish its windows once (a no-op afterwards)
        ensure_feed_events(services.uow, Actor("purdah serve", "system"), services.clock())
        # ready once the keys and data versions are read: each snapshot is built in the
        # background, or by the first request that needs it (`SnapshotCache.snapshot`)
        cache.refresh(defer=refresh_in_background if defer_snapshots is None else defer_snapshots)
        check_policies(services)  # files changed while the server was down are audited now
        if settings.gc_freeze:
            _freeze()
        tasks = (
            [
                asyncio.create_task(_refresher(services, monotonic)),
                asyncio.create_task(_key_use_writer(services.key_use, settings.key_use_interval)),
                asyncio.create_task(_builder(cache, freeze=settings.gc_freeze)),
            ]
            if refresh_in_background
            else []
        )
        if refresh_in_background and settings.webhook_delivery:
            tasks.append(asyncio.create_task(_webhook_sender(services)))
        if refresh_in_background and settings.time_events:
            tasks.append(asyncio.create_task(_time_event_scheduler(services)))
        listener = (
            ChangeListener(engine, cache.refresh)
            if refresh_in_background and settings.listen and engine.dialect.name == "postgresql"
            else None
        )
        if listener is not None:
            listener.start()
        try:
            yield
        finally:
            if listener is not None:
                listener.stop()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            _flush_key_use(services.key_use)

    # can-publish is answered ahead of the framework's stack (`app.api.fast_path`)
    app = CanPublishFastPath(
        title="purdah-controller",
        version=version("purdah-controller"),  # pyproject.toml is the one place it is written
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=TAGS,
        servers=[_server(settings)],
        generate_unique_id_function=operation_id,
    )
    app.state.services = services
    install_redaction()
    install_problem_handlers(app)
    app.add_middleware(
        BodyLimit,
        limit=settings.body_max_bytes,
        exempt=frozenset({imports.IMPORT_PATH, candidates.IMPORT_PATH}),
        counted=("/console/",),  # the console answers its own 413 with a page
    )
    # paths and query strings of everything the fast path leaves; under /console, as pages
    app.add_middleware(InputHygiene, pages=console_page)
    for module in _ROUTE_MODULES:
        app.include_router(
            module.router,
            responses=PROBLEM_RESPONSES if module is not meta else {},
            # not on /healthz and /readyz: health checkers may add what they like
            dependencies=[Depends(known_query_only), Depends(json_body_only)]
            if module is not meta
            else [],
        )
    install_docs(app)
    install_console(app)  # the Clerk's pages; not in the OpenAPI document
    _document_manual_bodies(app)
    # can-publish checks its own; calendar apps may add parameters to a feed URL
    app.state.query_names = _query_names(
        app, unchecked={decisions.can_publish, feeds.get_feed_by_token}
    )
    app.state.json_operations = _json_operations(app)
    return app


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI operation id: its function's name in camelCase (`canPublish`)."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _server(settings: Settings) -> dict[str, str]:
    """The `servers` entry: `PURDAH_PUBLIC_URL`, or the server the document came from."""
    if settings.public_url:
        return {"url": settings.public_url.rstrip("/"), "description": "This deployment"}
    return {"url": "/", "description": "The server this document was fetched from"}


def _json_operations(app: FastAPI) -> frozenset[Any]:
    """The endpoints whose only request body is JSON (415 for any other media type)."""
    paths = app.openapi()["paths"]
    found: set[Any] = set()
    for route in (r for module in _ROUTE_MODULES for r in module.router.routes):
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                body = paths[route.path_format][method.lower()].get("requestBody", {})
                if set(body.get("content", {})) == {"application/json"}:
                    found.add(route.endpoint)
    return frozenset(found)


def _query_names(app: FastAPI, unchecked: set[Any]) -> dict[Any, frozenset[str]]:
    """Each operation's query parameter names (from its OpenAPI contract), by endpoint."""
    paths = app.openapi()["paths"]
    names: dict[Any, frozenset[str]] = {}
    for route in (r for module in _ROUTE_MODULES for r in module.router.routes):
        if (
            isinstance(route, APIRoute)
            and route.include_in_schema
            and route.endpoint not in unchecked
        ):
            for method in route.methods or ():
                operation = paths[route.path_format][method.lower()]
                names[route.endpoint] = frozenset(
                    p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
                )
    return names


def _document_manual_bodies(app: FastAPI) -> None:
    """Add the schemas of bodies that routes read themselves (the import's JSON source, the batch, can-publish by POST)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (ImportIn, BatchIn, PostCheckIn):
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, nested in body.pop("$defs", {}).items():
                    components.setdefault(name, nested)
                components[model.__name__] = body
            schema["components"]["schemas"] = dict(sorted(components.items()))
            _document_body_problems(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_BODY_PROBLEMS = {
    "400": problem_doc(problem_types.MALFORMED_BODY.when, 400),
    "415": problem_doc(problem_types.UNSUPPORTED_MEDIA_TYPE.when, 415),
}


def _document_body_problems(schema: dict[str, Any]) -> None:
    """Every operation that reads a body may answer 400 (unreadable JSON) and 415."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                for status, doc in _BODY_PROBLEMS.items():
                    operation["responses"].setdefault(
                        status,
                        {"description": doc["description"], "content": doc["content"]},
                    )


def _freeze() -> None:
    """
    Long-lived objects (snapshots, the app) need no collecting: keep them out of the
    collector's way so a full collection does not walk them (PURDAH_GC_FREEZE).
    """
    gc.collect()
    gc.freeze()


# Organisations built per batch by the background build: what a request that needs one
# not built yet may wait for (the batch holds the cache's lock), tens of milliseconds.
BUILD_BATCH = 16
# While requests are being answered, the background build takes about 1/BUSY_SHARE of the
# time (a pause of BUSY_SHARE - 1 times each batch); idle, it goes on almost at once.
BUSY_SHARE = 50
# The pause between batches while the process is idle (long enough to see it is).
IDLE_PAUSE = 0.01


async def _builder(cache: SnapshotCache, *, freeze: bool) -> None:
    """
    Build the organisations left pending at start, in batches, yielding to requests: each
    one not built yet is built by its first request meanwhile.

    With PURDAH_GC_FREEZE, each batch is frozen out of the collector's way as it is built,
    as a start that built them all would freeze them: a full collection then (about a
    second with 10,000 councils, the event loop stalled) is never needed, nor are the
    full collections the build would otherwise cause as the old generation grows. Only
    the young generations are collected first (under a millisecond), so the little cyclic
    garbage of requests in flight that reached the old one is frozen with them.
    """
    pause = IDLE_PAUSE
    while True:
        began = time.perf_counter()
        try:
            left = await asyncio.to_thread(cache.build_pending, BUILD_BATCH)
        except Exception:  # they stay pending: requests build them, or fail closed
            log.exception("background snapshot build failed; trying again")
            await asyncio.sleep(1.0)
            continue
        if freeze:
            gc.collect(1)
            gc.freeze()
        if not left:
            break
        took = time.perf_counter() - began
        asked = cache.asked
        await asyncio.sleep(pause)
        busy = cache.asked != asked  # requests were answered while the builder paused
        pause = took * (BUSY_SHARE - 1) if busy else IDLE_PAUSE
    log.info("every organisation's snapshot is built")


async def _refresher(services: Services, monotonic: Callable[[], float]) -> None:
    settings = services.settings
    looked_at = monotonic()
    while True:
        await asyncio.sleep(settings.snapshot_poll_interval)
        if monotonic() - looked_at >= settings.policy_check_interval:
            looked_at = monotonic()
            try:
                await asyncio.to_thread(check_policies, services)
            except Exception:  # a change not recorded is not in force; tried again next time
                log.exception("could not record a changed policy file; trying again")
        try:
            await asyncio.to_thread(services.cache.refresh)
        except Exception:  # the refresher must outlive any failure; the cache fails closed in time
            log.exception("snapshot refresher failed; trying again")


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    """
    How the webhook sender tries, from the settings (`PURDAH_WEBHOOK_*`), and where email
    goes (`PURDAH_SMTP_*`).
    """
    mail = None
    if settings.smtp_url is not None and settings.smtp_from is not None:
        mail = mail_server(
            settings.smtp_url.get_secret_value(),
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
    return DeliveryPolicy(
        timeout=settings.webhook_timeout,
        retry_for=dt.timedelta(hours=settings.webhook_retry_hours),
        allow_private=settings.webhook_allow_private_urls,
        mail=mail,
        public_url=settings.public_url,
    )


# How often the sender deletes finished deliveries older than `PURGE_AFTER`.
PURGE_EVERY = 3600.0


async def _webhook_sender(services: Services) -> None:
    """
    Send the webhook deliveries that are due, every `webhook_delivery_interval` seconds; once
    an hour, delete finished deliveries (and events) older than `PURGE_AFTER` (90 days).
    """
    settings = services.settings
    policy = delivery_policy(settings)
    purged_at = -PURGE_EVERY  # time.monotonic() of the last purge: the first loop purges
    while True:
        await asyncio.sleep(settings.webhook_delivery_interval)
        try:
            if time.monotonic() - purged_at >= PURGE_EVERY:
                purged_at = time.monotonic()
                await asyncio.to_thread(purge_old_deliveries, services.engine, now=services.clock())
            # a full batch means more may be due: go on at once
            while (
                len(
                    await asyncio.to_thread(
                        deliver_due, services.engine, now=services.clock, policy=policy
                    )
                )
                >= policy.batch
            ):
                pass
        except Exception:  # the sender must outlive any failure; due rows stay due
            log.exception("webhook sender failed; trying again")


def _policy_or_none(services: Services, organisation_id: str) -> Policy | None:
    """The organisation's policy in force, or None if its file cannot be used."""
    try:
        return services.policy(organisation_id)
    except PolicyUnavailable:
        return None


# The shortest the time-event scheduler sleeps between rounds that sent less than a batch.
MIN_WAIT = 0.1


async def _time_event_scheduler(services: Services) -> None:
    """
    Announce windows and reviews at their instants (`app.services.time_events`): a round as
    soon as the server starts (anything that fell due while it was down goes out, marked
    late), then again when the next announcement is due, or after `time_events_interval`
    seconds, whichever is sooner (a change may have scheduled an earlier one). Once an
    hour, forget announcements sent more than `KEEP_SENT` ago.
    """
    settings = services.settings
    forgot_at = -PURGE_EVERY
    while True:
        wait = settings.time_events_interval
        try:
            if time.monotonic() - forgot_at >= PURGE_EVERY:
                forgot_at = time.monotonic()
                await asyncio.to_thread(
                    forget_old_time_events, services.engine, now=services.clock()
                )
            done = await asyncio.to_thread(
                run_time_events,
                services.engine,
                functools.partial(_policy_or_none, services),
                now=services.clock(),
            )
            if done.next_due is not None:
                # at least a moment: an announcement left due (its window moved under it) is
                # looked at again, not spun on
                until = (done.next_due - services.clock()).total_seconds()
                wait = min(wait, max(until, MIN_WAIT))
            if done.sent >= ROUND_LIMIT or done.scheduled >= ROUND_LIMIT:
                wait = 0.0  # more may be due: go on at once
        except Exception:  # the scheduler must outlive any failure; unsent rows stay due
            log.exception("time-event scheduler failed; trying again")
        await asyncio.sleep(wait)


async def _key_use_writer(key_use: KeyUse, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(_flush_key_use, key_use)


def _flush_key_use(key_use: KeyUse) -> None:
    try:
        key_use.flush()
    except Exception:  # kept for the next flush; a last-used time is not worth failing over
        log.warning("could not write the keys' last-used times; trying again later", exc_info=True)


def app_from_environment() -> FastAPI:
    """The uvicorn factory `purdah serve` runs (settings from `PURDAH_*`)."""
    return create_app(Settings())
