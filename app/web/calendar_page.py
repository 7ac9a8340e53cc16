"""
The Calendar: the restriction windows of the past 12 months and the coming 24, by month, each
with its elections, their timetables in plain words, how each start was worked out and the
election's status; and the Clerk's forms to record an actual notice date, a status, and a
day of mourning (a dies non).

Every write goes through the services the API's routes call (`app.services.elections`,
`app.services.dies_non`); their refusals come back as errors on the fields they name.
"""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import Services, ServicesDep, request_id
from app.domain import LONDON, Policy, PurdahError
from app.domain.election_changes import ELECTION_STATUSES, ElectionChanges
from app.domain.errors import AlreadyExists, InvalidChange, InvalidNoticeDate, NotFound
from app.domain.feeds import elections_phrase
from app.domain.status import local_time, what_restricts
from app.services import dies_non, elections
from app.store.records import StoredElection, StoredPeriod

from .forms import FormErrors, check_text, dom_id, parse_date
from .guard import refuse_clerk_form
from .pages import render, root
from .session import ConsoleUser, User

__all__ = ["router"]

router = APIRouter(prefix="/console/calendar", include_in_schema=False)

MONTHS_BACK = 12
MONTHS_AHEAD = 24
# A status the law leaves the period in force for (DESIGN section 2): the words the page shows.
DOES_NOT_LIFT = "This does not lift the period: publishing stays restricted until the period ends."
_NOT_LIFTING = frozenset({"uncontested", "countermanded", "cancelled"})
_STATUS_WORDS = {
    "scheduled": "scheduled",
    "held": "held",
    "uncontested": "uncontested",
    "countermanded": "countermanded (the poll was called off, for now)",
    "cancelled": "cancelled",
}


def _month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _day_words(iso: str | None) -> str | None:
    if not iso:
        return None
    return dt.date.fromisoformat(iso).strftime("%A %-d %B %Y")


def _window_status(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> str:
    if ends_at <= now:
        return "Ended"
    if starts_at <= now:
        return "In force now"
    return "Coming"


def _election_rows(
    policy: Policy,
    recorded: dict[str, tuple[StoredElection, StoredPeriod | None]],
    election_ids: tuple[str, ...],
) -> list[dict[str, Any]]:
    name = policy.organisation_name
    rows = []
    for election_id in sorted(election_ids):
        if election_id not in recorded:
            continue
        row, period = recorded[election_id]
        table = elections.election_timetable(policy, row, period)
        restricted = table["restricted_period"]
        rows.append(
            {
                "id": election_id,
                "dom": dom_id(election_id),
                "title": elections_phrase([election_id], name),
                "status": row.status,
                "status_words": _STATUS_WORDS.get(row.status, row.status),
                "status_reason": row.status_reason,
                "lifts_nothing": row.status in _NOT_LIFTING,
                "poll": _day_words(table["poll_date"]),
                "notice_deadline": _day_words(table["notice_of_election_deadline"]),
                "notice_earliest": _day_words(table["notice_of_election_earliest"]),
                "notice_published": row.notice_published.strftime("%A %-d %B %Y")
                if row.notice_published
                else None,
                "notice_value": row.notice_published.isoformat() if row.notice_published else "",
                "nominations": _day_words(table["close_of_nominations"]),
                "estimated": table["estimated"],
                "notes": table["notes"],
                "starts": local_time(dt.datetime.fromisoformat(restricted["starts_at"])),
                "ends": local_time(dt.datetime.fromisoformat(restricted["ends_at"])),
                "start_basis": period.start_basis if period else None,
                "end_basis": period.end_basis if period else None,
            }
        )
    return rows


def _calendar(services: Services, user: ConsoleUser) -> dict[str, Any]:
    now = services.clock()
    policy = services.policy(user.organisation_id)
    snapshot = services.cache.snapshot(user.organisation_id)
    today = now.astimezone(LONDON).date()
    first = _month_start(today, -MONTHS_BACK)
    last = _month_start(today, MONTHS_AHEAD + 1)  # exclusive
    lower = dt.datetime.combine(first, dt.time(), tzinfo=LONDON)
    upper = dt.datetime.combine(last, dt.time(), tzinfo=LONDON)
    shown = [w for w in snapshot.windows if w.ends_at > lower and w.starts_at < upper]
    # one read of the elections for the page, not one an election
    recorded = {
        row.election_id: (row, period)
        for row, period in elections.list_elections(services.uow, user.organisation_id)
    }
    months: dict[str, list[dict[str, Any]]] = {}
    for window in shown:
        label = window.starts_at.astimezone(LONDON).strftime("%B %Y")
        months.setdefault(label, []).append(
            {
                "id": dom_id(window.window_id),
                "what": what_restricts(window, policy.organisation_name),
                "starts": local_time(window.starts_at),
                "ends": local_time(window.ends_at),
                "status": _window_status(window.starts_at, window.ends_at, now),
                "estimated": window.estimated,
                "elections": _election_rows(policy, recorded, window.election_ids),
            }
        )
    timeline = []
    month = first
    while month < last:
        after = _month_start(month, 1)
        start = dt.datetime.combine(month, dt.time(), tzinfo=LONDON)
        end = dt.datetime.combine(after, dt.time(), tzinfo=LONDON)
        restricted = any(w.ends_at > start and w.starts_at < end for w in shown)
        timeline.append(
            {
                "label": month.strftime("%B %Y"),
                "short": month.strftime("%b")[:1],
                "year": month.year if month.month == 1 or month == first else None,
                "restricted": restricted,
                "now": month.year == today.year and month.month == today.month,
            }
        )
        month = after
    return {
        "months": list(months.items()),
        "timeline": timeline,
        "first_month": first.strftime("%B %Y"),
        "last_month": _month_start(last, -1).strftime("%B %Y"),
        "dies_non": [
            {"day": d.day.strftime("%A %-d %B %Y"), "name": d.name}
            for d in dies_non.list_dies_non(services.uow, user.organisation_id)
        ],
        "statuses": [(s, _STATUS_WORDS[s]) for s in ELECTION_STATUSES],
        "does_not_lift": DOES_NOT_LIFT,
    }


def _page(
    request: Request,
    services: Services,
    user: ConsoleUser,
    *,
    typed: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        services,
        "calendar.html",
        title="Calendar",
        user=user,
        current="calendar",
        status=status,
        errors=(errors.messages if errors else None),
        typed=typed or {},
        notice=notice,
        **_calendar(services, user),
    )


def _notice_words(services: Services, user: ConsoleUser, query: dict[str, str]) -> str | None:
    election_id = query.get("election")
    if "dies-non" in query:
        day = parse_date(query["dies-non"])
        return (
            f"{day:%A %-d %B %Y} added as a day that is not a working day. Every restricted "
            "period was worked out again."
            if day
            else None
        )
    if not election_id:
        return None
    try:
        row, period = elections.get_election(services.uow, user.organisation_id, election_id)
    except NotFound:
        return None
    title = elections_phrase([election_id], services.policy(user.organisation_id).organisation_name)
    if query.get("recorded") == "notice" and row.notice_published:
        starts = f" The period now starts at {local_time(period.starts_at)}." if period else ""
        return f"Notice of election for the {title} recorded: {row.notice_published:%A %-d %B %Y}.{starts}"
    if query.get("recorded") == "status":
        words = f"Status of the {title} recorded: {_STATUS_WORDS.get(row.status, row.status)}."
        if row.status in _NOT_LIFTING and period is not None:
            words += f" {DOES_NOT_LIFT[:-1]}, at {local_time(period.ends_at)}."
        return words
    return None


@router.get("")
def calendar_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    notice = _notice_words(services, user, dict(request.query_params))
    return _page(request, services, user, notice=notice)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _update(
    request: Request,
    services: Services,
    user: ConsoleUser,
    election_id: str,
    changes: ElectionChanges,
    fields: dict[str, str],
    typed: dict[str, str],
    what: str,
) -> Response:
    errors = FormErrors()
    try:
        elections.update_election(
            services.uow,
            services.policy(user.organisation_id),
            user.actor(),
            election_id,
            changes=changes,
            now=services.clock(),
            request_id=request_id(request),
        )
    except InvalidNoticeDate as exc:
        errors.add(fields["notice_published"], _sentence(exc.problem))
    except InvalidChange as exc:
        errors.add(fields.get(exc.field, next(iter(fields.values()))), _sentence(exc.problem))
    except NotFound:
        errors.add(next(iter(fields.values())), "That election is not this council's")
    if errors:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/calendar?recorded={what}&election={election_id}",
        status_code=303,
    )


@router.post("/elections/{election_id}/notice")
def record_notice(
    election_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    notice_date: Annotated[str, Form()] = "",
    notice_reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    d = dom_id(election_id)
    fields = {
        "notice_published": f"notice-{d}",
        "notice_reason": f"notice-reason-{d}",
        "reason": f"notice-reason-{d}",
    }
    typed = {fields["notice_published"]: notice_date, fields["notice_reason"]: notice_reason}
    errors = FormErrors()
    day = parse_date(notice_date)
    if day is not None and not 1950 <= day.year <= 2199:  # the API's IsoDate range
        day = None
    if not notice_date.strip():
        errors.add(
            fields["notice_published"], "Enter the date the notice of election was published"
        )
    elif day is None:
        errors.add(
            fields["notice_published"], "Enter the notice date as a real date, like 16/3/2028"
        )
    if not notice_reason.strip():
        errors.add(fields["notice_reason"], "Enter where the notice was published")
    check_text(errors, fields["notice_reason"], notice_reason, what="Where it was published")
    if errors or day is None:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    changes = ElectionChanges(notice_published=day, notice_reason=notice_reason)
    return _update(request, services, user, election_id, changes, fields, typed, "notice")


@router.post("/elections/{election_id}/status")
def record_status(
    election_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    status_reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    d = dom_id(election_id)
    fields = {
        "status": f"status-{d}",
        "status_reason": f"status-reason-{d}",
        "reason": f"status-reason-{d}",
    }
    typed = {fields["status"]: status, fields["status_reason"]: status_reason}
    errors = FormErrors()
    if status not in ELECTION_STATUSES:
        errors.add(fields["status"], "Choose the election's status")
    check_text(errors, fields["status_reason"], status_reason, what="The reason")
    if errors:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    changes = ElectionChanges(status=status, status_reason=status_reason.strip() or None)
    return _update(request, services, user, election_id, changes, fields, typed, "status")


@router.post("/dies-non")
def add_day(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    typed = {"dies-non-date": day, "dies-non-name": name}
    errors = FormErrors()
    parsed = parse_date(day)
    if parsed is not None and not 1950 <= parsed.year <= 2199:  # the API's IsoDate range
        parsed = None
    if not day.strip():
        errors.add("dies-non-date", "Enter the date of the day of mourning or thanksgiving")
    elif parsed is None:
        errors.add("dies-non-date", "Enter the date as a real date, like 16/4/2029")
    if not name.strip():
        errors.add("dies-non-name", "Enter what the day is, like 'National day of mourning'")
    check_text(errors, "dies-non-name", name, what="What the day is", name=True)
    if not errors and parsed is not None:
        try:
            dies_non.add_dies_non(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                day=parsed,
                name=name,
                now=services.clock(),
                request_id=request_id(request),
            )
        except InvalidChange as exc:
            field_id = "dies-non-name" if exc.field == "name" else "dies-non-date"
            errors.add(field_id, _sentence(exc.problem))
        except AlreadyExists:
            errors.add("dies-non-date", "That day is already a day the Clerk added")
        except PurdahError as exc:
            errors.add("dies-non-date", _sentence(str(exc)))
    if errors or parsed is None:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/calendar?dies-non={parsed.isoformat()}", status_code=303
    )
