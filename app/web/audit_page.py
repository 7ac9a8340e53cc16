"""
Audit: the log newest first, 50 events a page; by default the signed-in person's own actions
(everyone's, and the seed's and the service's own, behind the "Whose actions" filter);
filters by action, account and dates (plain dates: 7/5/2026 or 2026-05-07); each event's
hashes behind a "details" disclosure; "Verify the log" walks the hash chain as
`GET /v1/audit/verify` does; and an export (CSV or JSON Lines) of the filtered events for a
complaints panel (policy 6.2), streamed as it is read.

The log is read by `app.store.audit`, as `GET /v1/audit` reads it; who may read it is the
API's rule (the Clerk and auditors: a viewer gets a 403 page).
"""

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.api.deps import Services, ServicesDep
from app.api.docs import console_headers
from app.domain import london_instant
from app.domain.status import local_time
from app.services import feeds, overrides, requests
from app.store.audit import (
    AuditFilter,
    export_events,
    list_actions,
    list_events_newest_first,
    verify_organisation,
)
from app.store.keys import Role

from .forms import FormErrors, parse_date
from .now import account_label
from .pages import problem_page, render
from .session import ConsoleUser, User

__all__ = ["PER_PAGE", "router"]

router = APIRouter(prefix="/console/audit", include_in_schema=False)

PER_PAGE = 50
_READERS = frozenset({str(Role.CLERK), str(Role.AUDITOR)})
# The seed's, the service's own (policy reloads, feed events, webhook sends) and the
# operator's commands: behind the "Whose actions" filter.
_NOT_PEOPLE = ("system", "operator")
WHO = {
    "mine": "Mine",
    "people": "Everyone's (people and their tools)",
    "all": "Everyone's, with the seed's and the service's own",
}
_FIELD_MAX = 100  # no filter value is longer; longer ones are refused, not read


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The filters as typed (kept on the page) and as the store reads them."""

    typed: dict[str, str]
    where: AuditFilter
    errors: FormErrors

    def query_string(self, **extra: str) -> str:
        kept = {k: v for k, v in self.typed.items() if v}
        return urlencode({**kept, **extra})


def _one(request: Request, name: str) -> str:
    """A filter's value; a repeated field counts as its first value only."""
    return request.query_params.get(name, "")[: _FIELD_MAX + 1]


def read_query(
    request: Request, services: Services, user: ConsoleUser, actions: list[str]
) -> AuditQuery:
    """The page's filters from the query string, checked; errors name the fields."""
    typed = {
        name: _one(request, name) for name in ("who", "action", "account", "from", "to", "before")
    }
    errors = FormErrors()
    who = typed["who"] or "mine"
    if who not in WHO:
        errors.add("who", "Choose whose actions to show")
        who = "mine"
    typed["who"] = who
    action = typed["action"]
    if action and action not in actions:
        errors.add("action", "Choose an action from the list")
        action = ""
    account = typed["account"]
    if account and account not in services.cache.snapshot(user.organisation_id).accounts:
        errors.add("account", "Choose an account from the list")
        account = ""
    days: dict[str, dt.date | None] = {}
    for name, words in (("from", "the first day"), ("to", "the last day")):
        text = typed[name].strip()
        day = parse_date(text) if text else None
        if text and (day is None or not 1950 <= day.year <= 2199):
            errors.add(name, f"Enter {words} as a date, like 7/5/2026 or 2026-05-07")
            day = None
        days[name] = day
    since = london_instant(days["from"]) if days["from"] else None
    until = london_instant(days["to"] + dt.timedelta(days=1)) if days["to"] else None
    if since is not None and until is not None and until <= since:
        errors.add("to", "The last day must be the same as the first day or after it")
        until = None
    before = typed["before"]
    # ASCII digits only: "²" and "٣" are digits to str.isdigit, and int("²") raises
    before_seq = (
        int(before) if before.isascii() and before.isdigit() and len(before) <= 10 else None
    )
    where = AuditFilter(
        action=action or None,
        actor_prefix=f"{user.person} (" if who == "mine" else None,
        exclude_roles=_NOT_PEOPLE if who != "all" else (),
        targets=_about(services, user, account) if account else None,
        since=since,
        until=until,
        before_seq=before_seq,
    )
    typed.pop("before")
    return AuditQuery(typed=typed, where=where, errors=errors)


def _about(services: Services, user: ConsoleUser, account_id: str) -> tuple[str, ...]:
    """
    What the events about an account name as their target: the account, and its own
    overrides, approval requests and calendar links (not those for every account).
    """
    org, now = user.organisation_id, services.clock()
    return (
        account_id,
        *(
            o.id
            for o in overrides.list_overrides(services.uow, org, account_id=account_id)
            if o.account_id == account_id
        ),
        *(r.id for r in requests.list_requests(services.uow, org, now=now, account_id=account_id)),
        *(f.id for f in feeds.list_feed_tokens(services.uow, org) if f.account_id == account_id),
    )


def _refuse_unless_reader(
    request: Request, services: Services, user: ConsoleUser
) -> HTMLResponse | None:
    if user.role in _READERS:
        return None
    return problem_page(
        request,
        services,
        user,
        status=403,
        title="The audit log is for the Town Clerk and auditors",
        message=f"A {user.role} key cannot read the audit log.",
    )


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, default=str)


def _page(
    request: Request,
    services: Services,
    user: ConsoleUser,
    *,
    verification: dict[str, Any] | None = None,
) -> HTMLResponse:
    actions = list_actions(services.engine, user.organisation_id, services.actions)
    query = read_query(request, services, user, actions)
    snapshot = services.cache.snapshot(user.organisation_id)
    rows = list_events_newest_first(
        services.engine, user.organisation_id, query.where, limit=PER_PAGE + 1
    )
    page = rows[:PER_PAGE]
    events = [
        {
            "seq": row.seq,
            "at": local_time(row.at),
            "actor": row.actor,
            "role": row.role,
            "action": row.action,
            "target": row.target,
            "reason": row.reason,
            "before": _shown(row.before) if row.before is not None else None,
            "after": _shown(row.after) if row.after is not None else None,
            "request_id": row.request_id,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
        for row in page
    ]
    older = (
        f"?{query.query_string(before=str(page[-1].seq))}"
        if len(rows) > PER_PAGE and page
        else None
    )
    accounts = sorted(snapshot.accounts.values(), key=lambda a: a.name.casefold())
    return render(
        request,
        services,
        "audit.html",
        title="Audit log",
        user=user,
        current="audit",
        status=422 if query.errors else 200,
        errors=query.errors.messages or None,
        events=events,
        older=older,
        newest=f"?{query.query_string()}" if query.where.before_seq is not None else None,
        typed=query.typed,
        who_choices=WHO,
        action_choices=actions,
        account_choices=[
            {"id": a.account_id, "label": account_label(snapshot, a.account_id)} for a in accounts
        ],
        export_query=query.query_string(),
        verification=verification,
        per_page=PER_PAGE,
    )


@router.get("")
def audit_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    return _refuse_unless_reader(request, services, user) or _page(request, services, user)


@router.get("/verify")
def verify(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    """The audit page, with the result of walking the whole hash chain in words."""
    refused = _refuse_unless_reader(request, services, user)
    if refused is not None:
        return refused
    result = verify_organisation(services.engine, user.organisation_id)
    at = local_time(services.clock())
    if result.ok:
        words = (
            f"The log is intact: all {result.check.events} events were checked at {at}. Each "
            "event's hash matches what it records and the event before it, and the newest "
            "event is the one the service recorded last."
        )
    else:
        where = (
            f" The first event that does not check out is number {result.check.broken_at}."
            if result.check.broken_at is not None
            else ""
        )
        words = (
            f"The log has been altered: {result.problem}.{where} Checked at {at}. Keep an "
            "export of the log and tell the monitoring officer."
        )
    return _page(request, services, user, verification={"ok": result.ok, "words": words})


def _export(request: Request, services: Services, user: ConsoleUser, fmt: str) -> Any:
    refused = _refuse_unless_reader(request, services, user)
    if refused is not None:
        return refused
    query = read_query(
        request,
        services,
        user,
        list_actions(services.engine, user.organisation_id, services.actions),
    )
    if query.errors:
        return _page(request, services, user)
    where = replace(query.where, before_seq=None)  # the export holds every page
    stamp = services.clock().strftime("%Y%m%d-%H%M")
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    headers = console_headers() | {
        "Content-Disposition": f'attachment; filename="audit-{user.organisation_id}-{stamp}.'
        f'{"csv" if fmt == "csv" else "jsonl"}"'
    }
    return StreamingResponse(
        export_events(services.engine, user.organisation_id, fmt, where),
        media_type=media,
        headers=headers,
    )


@router.get("/export.csv")
def export_csv(request: Request, services: ServicesDep, user: User) -> Any:
    """The filtered events, oldest first, as CSV (cells a spreadsheet would run are quoted)."""
    return _export(request, services, user, "csv")


@router.get("/export.jsonl")
def export_jsonl(request: Request, services: ServicesDep, user: User) -> Any:
    """The filtered events, oldest first, as JSON lines, each exactly as stored and hashed."""
    return _export(request, services, user, "jsonl")
