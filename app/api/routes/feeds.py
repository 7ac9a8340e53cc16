"""
The ICS feed of restriction windows, and the secret feed URLs calendar apps subscribe to.

Calendar apps cannot send an `Authorization` header, so besides the keyed feed
(`/v1/feeds/restrictions.ics`) each feed has revocable token URLs (`/v1/feeds/<token>.ics`).
Both answer conditional requests: `If-None-Match` (which wins) and `If-Modified-Since` get 304.
"""

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.calendars.feed import render_feed
from app.domain import LONDON, UnknownAccount
from app.domain.feeds import PublishedWindow
from app.services import feeds
from app.store.feed_events import ORGANISATION_SCOPE
from app.store.feeds import parse_feed_token
from app.store.keys import secret_matches
from app.store.records import StoredFeedToken

from ..conditional import etag_matches
from ..deps import Clerk, Reader, Services, ServicesDep, request_id
from ..feed_cache import RenderedFeed
from ..problems import FeedNotFound
from ..schemas import FeedTokenIn, FeedTokenOut, NewFeedTokenOut, ReasonIn, london

router = APIRouter(prefix="/v1/feeds", tags=["feeds"])

MEDIA_TYPE = "text/calendar; charset=utf-8"
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "description": "An iCalendar (RFC 5545) feed: one VEVENT per restriction window.",
    },
    304: {"description": "Not modified since the ETag or date the client sent."},
}
# Last-Modified of a feed that has never had an event.
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
Companions = Annotated[
    bool,
    Query(
        description="Add all-day events for the day each window begins and each polling day "
        "(reads well in month view)."
    ),
]


def base_url(services: Services, request: Request | None) -> str:
    """Where people reach the service: `PURDAH_PUBLIC_URL`, else the request's own address."""
    if services.settings.public_url:
        return services.settings.public_url.rstrip("/")
    if request is not None:
        return str(request.base_url).rstrip("/")
    return f"http://{services.settings.host}:{services.settings.port}"


def _not_modified(request: Request, feed: RenderedFeed) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, feed.etag)
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        return False
    return feed.last_modified.replace(microsecond=0) <= when


async def _serve(
    request: Request,
    services: Services,
    organisation_id: str,
    account_id: str | None,
    *,
    companions: bool,
) -> Response:
    snapshot = services.cache.snapshot(organisation_id)
    if account_id is not None and account_id not in snapshot.accounts:
        raise UnknownAccount(account_id)
    scope = account_id or ORGANISATION_SCOPE
    cache = services.feeds
    events = cache.events_cached(organisation_id, scope, snapshot.data_version)
    if events is None:
        events = await run_in_threadpool(
            cache.events, organisation_id, scope, snapshot.data_version
        )
    now = services.clock()
    shown, last_change = cache.shown(events, now)
    base = base_url(services, request)
    key = (organisation_id, scope, snapshot.data_version, companions, base, shown)
    feed = cache.peek(key)
    if feed is None:
        policy = services.policy(organisation_id)
        account = snapshot.accounts.get(account_id) if account_id else None
        name = f"{policy.organisation_name}: pre-election periods" + (
            f" ({account.name})" if account else ""
        )
        suffix = f"&account_id={account_id}" if account_id else ""

        def window_url(window: PublishedWindow) -> str:
            return (
                f"{base}/v1/windows?from={window.starts_at.astimezone(LONDON).isoformat()}"
                f"&to={window.ends_at.astimezone(LONDON).isoformat()}{suffix}"
            ).replace("+", "%2B")

        check = f"{base}/v1/accounts/{account_id or '{account_id}'}/can-publish"

        def render() -> bytes:
            return render_feed(
                shown,
                policy=policy,
                calendar_name=name,
                account_id=account_id,
                window_url=window_url,
                check_url=check,
                companions=companions,
            )

        feed = await run_in_threadpool(cache.rendered, key, last_change or _NEVER, render)
    headers = {
        "ETag": feed.etag,
        "Last-Modified": format_datetime(feed.last_modified.astimezone(dt.UTC), usegmt=True),
        # Private: a token URL is a secret. Clients revalidate with the ETag (cheap 304s).
        "Cache-Control": "private, no-cache",
    }
    if _not_modified(request, feed):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{organisation_id}-restrictions.ics"'
    return Response(feed.body, media_type=MEDIA_TYPE, headers=headers)


@router.head("/restrictions.ics", include_in_schema=False)
@router.get(
    "/restrictions.ics",
    response_class=Response,
    responses=_ICS_RESPONSE,
    summary="The ICS feed of restriction windows (any key)",
)
async def get_restrictions_feed(
    request: Request,
    services: ServicesDep,
    principal: Reader,
    account_id: Annotated[
        str | None, Query(description="Only this account's windows (its own manual windows too).")
    ] = None,
    companions: Companions = False,
) -> Response:
    """
    One VEVENT per restriction window in Europe/London (with its VTIMEZONE): what is still
    allowed, how to ask the Clerk for an override, and the elections with their polling days.
    UIDs are stable; a moved window keeps its UID with a higher SEQUENCE; a withdrawn one stays
    for a while as STATUS:CANCELLED. Calendar apps, which cannot send a key, subscribe to a
    token URL instead (`POST /v1/feeds/tokens`).
    """
    return await _serve(
        request, services, principal.organisation_id, account_id, companions=companions
    )


def _token_out(row: StoredFeedToken) -> FeedTokenOut:
    return FeedTokenOut(
        token_id=row.id,
        name=row.name,
        account_id=row.account_id,
        created_by=row.created_by,
        created_at=row.created_at.astimezone(LONDON),
        revoked_at=london(row.revoked_at),
    )


@router.get("/tokens", response_model=list[FeedTokenOut], summary="The feed URLs given out (Clerk)")
def list_feed_tokens(services: ServicesDep, principal: Clerk) -> list[FeedTokenOut]:
    """Every feed token, revoked ones included; the secrets are never shown again."""
    return [
        _token_out(row) for row in feeds.list_feed_tokens(services.uow, principal.organisation_id)
    ]


@router.post(
    "/tokens",
    response_model=NewFeedTokenOut,
    status_code=201,
    summary="Create a secret feed URL for a calendar app (Clerk)",
)
def create_feed_token(
    body: FeedTokenIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> NewFeedTokenOut:
    """The URL is shown once: give it to the person or paste it into the calendar app. Revoke it when they leave."""
    now = services.clock()
    made = feeds.create_feed_token(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        name=body.name,
        account_id=body.account_id,
        now=now,
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/feeds/tokens/{made.token_id}"
    return NewFeedTokenOut(
        token_id=made.token_id,
        name=made.name,
        account_id=made.account_id,
        created_by=principal.actor().name,
        created_at=now.astimezone(LONDON),
        token=made.token,
        url=f"{base_url(services, request)}/v1/feeds/{made.token}.ics",
    )


@router.post(
    "/tokens/{token_id}/revoke",
    response_model=FeedTokenOut,
    summary="Revoke a feed URL at once (Clerk)",
)
def revoke_feed_token(
    token_id: str, body: ReasonIn, request: Request, services: ServicesDep, principal: Clerk
) -> FeedTokenOut:
    """The URL answers 404 from now on, on every replica within a second."""
    row = feeds.revoke_feed_token(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        token_id,
        reason=body.reason,
        now=services.clock(),
        request_id=request_id(request),
    )
    return _token_out(row)


@router.head("/{token}.ics", include_in_schema=False)
@router.get(
    "/{token}.ics",
    response_class=Response,
    responses=_ICS_RESPONSE | {404: {"description": "No such feed (unknown or revoked)."}},
    summary="The ICS feed at a secret URL, for calendar apps (no key)",
)
async def get_feed_by_token(
    token: str, request: Request, services: ServicesDep, companions: Companions = False
) -> Response:
    """The same feed as `/v1/feeds/restrictions.ics`, for the organisation or the account the token was made for."""
    parsed = parse_feed_token(token)
    entry = services.cache.feed_token(parsed[0]) if parsed else None
    if parsed is None or entry is None or not secret_matches(parsed[1], entry.secret_sha256):
        raise FeedNotFound()
    return await _serve(
        request, services, entry.organisation_id, entry.account_id, companions=companions
    )
