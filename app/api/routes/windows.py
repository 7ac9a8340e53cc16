"""Restriction windows: merged election periods and the Clerk's manual windows."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from app.domain import LONDON, UnknownAccount
from app.domain.changes import version_tag
from app.domain.clock import parse_instant
from app.services import windows as manual_windows
from app.services.windows import WindowChanges
from app.store.records import StoredWindow

from ..conditional import etag, if_match_versions
from ..deps import Clerk, Reader, ServicesDep, request_id
from ..partial import changes_sent
from ..problems import InvalidQuery, problem_doc
from ..schemas import (
    NAIVE_MESSAGE,
    ManualWindowIn,
    ManualWindowOut,
    ManualWindowPatch,
    ReasonIn,
    WindowOut,
    london,
)

router = APIRouter(prefix="/v1/windows", tags=["windows"])


class _BadBound(ValueError):
    pass


def _bound(value: str | None, name: str) -> dt.datetime | None:
    """An instant (RFC 3339 with offset) or a date (00:00 Europe/London that day)."""
    if value is None:
        return None
    try:
        parsed = (
            parse_instant(value)
            if len(value) != 10
            else dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=LONDON)
        )
    except ValueError:
        msg = f"{name}={value!r} is neither a date (YYYY-MM-DD) nor an RFC 3339 date-time"
        raise _BadBound(msg) from None
    if parsed.tzinfo is None:
        msg = f"{name}={value!r} {NAIVE_MESSAGE}"
        raise _BadBound(msg)
    if not 1950 <= parsed.year <= 2199:  # and comparing year 9999 at -14:00 would overflow
        msg = f"{name}={value!r}: the year {parsed.year} is outside 1950-2199"
        raise _BadBound(msg)
    return parsed.astimezone(dt.UTC)


@router.get(
    "",
    response_model=list[WindowOut],
    summary="Restriction windows, optionally for one account and a range",
)
def list_windows(
    services: ServicesDep,
    principal: Reader,
    start: Annotated[
        str | None, Query(alias="from", description="Date or RFC 3339; windows ending after it.")
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="Date or RFC 3339; windows starting before it.")
    ] = None,
    account_id: Annotated[
        str | None, Query(description="Include this account's own manual windows.")
    ] = None,
) -> list[WindowOut]:
    """Restriction windows: pre-election periods merged where they overlap or touch, and the Clerk's manual windows. With `account_id`, that account's own manual windows too."""
    try:
        lower, upper = _bound(start, "from"), _bound(end, "to")
    except _BadBound as exc:
        raise InvalidQuery(
            field="from" if "from=" in str(exc) else "to", problem=str(exc)
        ) from None
    snapshot = services.cache.snapshot(principal.organisation_id)
    if account_id is not None and account_id not in snapshot.accounts:
        raise UnknownAccount(account_id)
    windows = snapshot.windows_for(account_id) if account_id else snapshot.windows
    return [
        WindowOut.of(w)
        for w in windows
        if (lower is None or w.ends_at > lower) and (upper is None or w.starts_at < upper)
    ]


@router.post(
    "",
    response_model=ManualWindowOut,
    status_code=201,
    summary="Set a restriction window by hand (Clerk)",
)
def add_window(
    body: ManualWindowIn,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Clerk,
) -> ManualWindowOut:
    """Restrict publishing by hand for a time, for every account or some: for example a referendum announced late, or content under review. Needs a reason; audited."""
    row = manual_windows.add_manual_window(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
        account_ids=body.account_ids,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/windows/{row.id}"
    return ManualWindowOut(
        window_id=row.id,
        starts_at=row.starts_at.astimezone(LONDON),
        ends_at=row.ends_at.astimezone(LONDON),
        reason=row.reason,
        account_ids=row.account_ids,
        created_by=row.created_by,
        created_at=london(row.created_at),
    )


def _manual_out(row: StoredWindow) -> ManualWindowOut:
    return ManualWindowOut(
        window_id=row.id,
        starts_at=row.starts_at.astimezone(LONDON),
        ends_at=row.ends_at.astimezone(LONDON),
        reason=row.reason,
        account_ids=row.account_ids,
        created_by=row.created_by,
        created_at=row.created_at.astimezone(LONDON),
    )


@router.get(
    "/{window_id}",
    response_model=ManualWindowOut,
    summary="One manual window, with its ETag for If-Match",
)
def get_window(
    window_id: str, response: Response, services: ServicesDep, principal: Reader
) -> ManualWindowOut:
    """A window the Clerk set by hand. Its `ETag` goes in `If-Match` on PATCH or end, so that two Clerks cannot overwrite each other unawares."""
    row = manual_windows.get_manual_window(services.uow, principal.organisation_id, window_id)
    response.headers["ETag"] = etag(version_tag(row.state()))
    return _manual_out(row)


IfMatch = Annotated[
    str | None,
    Header(description="The window's ETag (`GET /v1/windows/{id}`): 412 if it changed since."),
]
_PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: problem_doc("The window changed since the ETag sent in If-Match.")
}


@router.patch(
    "/{window_id}",
    response_model=ManualWindowOut,
    responses=_PRECONDITION,
    summary="Change a manual window's times, reason or accounts (Clerk)",
)
def change_window(
    window_id: str,
    body: ManualWindowPatch,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Clerk,
    if_match: IfMatch = None,
) -> ManualWindowOut:
    """Change a manual window's times, reason or accounts, saying why in `change_reason`; audited."""
    changes = changes_sent(body, WindowChanges, change_reason=body.change_reason)
    row = manual_windows.change_manual_window(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        window_id,
        changes=changes,
        now=services.clock(),
        request_id=request_id(request),
        expected_versions=if_match_versions(if_match),
    )
    response.headers["ETag"] = etag(version_tag(row.state()))
    return _manual_out(row)


@router.post(
    "/{window_id}/end",
    response_model=ManualWindowOut,
    responses=_PRECONDITION,
    summary="End a manual window now, with a reason (Clerk)",
)
def end_window(
    window_id: str,
    body: ReasonIn,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Clerk,
    if_match: IfMatch = None,
) -> ManualWindowOut:
    """End a manual window that is in force now, with a reason; audited."""
    now = services.clock()
    row = manual_windows.end_manual_window(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        window_id,
        reason=body.reason,
        now=now,
        request_id=request_id(request),
        expected_versions=if_match_versions(if_match),
    )
    response.headers["ETag"] = etag(version_tag(row.state()))
    return _manual_out(row)
