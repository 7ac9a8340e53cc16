"""
Restrictions and overrides: set, change or end a manual window (a restriction the Clerk sets
by hand); grant an override from a form, confirm one as a second Clerk where the policy asks,
revoke one from the list.

The form's fields are read here (London dates and times, checkboxes); every rule is the
service's (`app.services.overrides`, which the API calls too): its refusals come back as
errors on the fields they name, and the form is shown again with nothing lost.
"""

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import Services, ServicesDep, request_id
from app.domain import LONDON, Category, Policy, Snapshot
from app.domain.changes import UNSET
from app.domain.errors import InvalidChange, NotFound
from app.domain.status import local_time, restriction_status
from app.services import overrides
from app.services import windows as manual_windows
from app.services.windows import WindowChanges
from app.store.records import StoredWindow

from .forms import (
    FormErrors,
    OverrideForm,
    WindowForm,
    category_label,
    check_text,
    grantable_categories,
)
from .guard import refuse_clerk_form
from .now import account_label, override_rows
from .pages import render, root
from .session import ConsoleUser, User

__all__ = ["router"]

router = APIRouter(prefix="/console/overrides", include_in_schema=False)

# The service's field names, as the form's field ids.
_FIELDS = {
    "starts_at": "start-date",
    "ends_at": "end-date",
    "categories": "categories",
    "reason": "reason",
    "account_id": "account",
}


def _page(
    request: Request,
    services: Services,
    user: ConsoleUser,
    *,
    form: OverrideForm | None = None,
    errors: FormErrors | None = None,
    revoke_reasons: dict[str, str] | None = None,
    window_form: WindowForm | None = None,
    changed: WindowForm | None = None,
    end_reasons: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = services.clock()
    policy = services.policy(user.organisation_id)
    snapshot = services.cache.snapshot(user.organisation_id)
    accounts = sorted(snapshot.accounts.values(), key=lambda a: a.name.casefold())
    context: dict[str, Any] = {
        "windows": _window_rows(
            services, user, snapshot, now, changed, opened=request.query_params.get("window")
        ),
        "window_form": asdict(window_form or WindowForm()),
        "end_reasons": end_reasons or {},
        "awaiting": _awaiting_rows(services, user, policy, snapshot, now),
        "organisation_status_words": restriction_status(snapshot.windows, now).words(
            policy.organisation_name
        ),
        "overrides": override_rows(services, user, policy, snapshot, now),
        "form": asdict(form or OverrideForm()),
        "revoke_reasons": revoke_reasons or {},
        "notice": notice,
        "max_override_days": policy.max_override.days,
        "account_choices": [
            {"id": a.account_id, "label": f"{a.name} ({a.platform})"} for a in accounts
        ],
        "category_choices": [
            {"value": str(c), "label": category_label(c), "referred": c in policy.referred}
            for c in grantable_categories(policy)
        ],
    }
    return render(
        request,
        services,
        "overrides.html",
        title="Restrictions and overrides",
        user=user,
        current="overrides",
        status=status,
        errors=(errors.messages if errors else None),
        **context,
    )


def _london_fields(instant: dt.datetime) -> tuple[str, str]:
    local = instant.astimezone(LONDON)
    return local.date().isoformat(), local.strftime("%H:%M")


def _window_status(window: StoredWindow, now: dt.datetime) -> str:
    if window.ends_at <= now:
        return "Ended"
    if window.starts_at <= now:
        return "In force now"
    return "Coming"


def _stored_form(window: StoredWindow) -> WindowForm:
    start_date, start_time = _london_fields(window.starts_at)
    end_date, end_time = _london_fields(window.ends_at)
    return WindowForm(
        start_date=start_date,
        start_time=start_time,
        end_date=end_date,
        end_time=end_time,
        reason=window.reason,
        scope="all" if window.account_ids is None else "some",
        accounts=list(window.account_ids or ()),
        prefix=f"window-{window.id}-",
    )


# Manual windows starting within this long come with their change form on the page.
FORMS_WITHIN = dt.timedelta(days=400)


def _window_rows(
    services: Services,
    user: ConsoleUser,
    snapshot: Snapshot,
    now: dt.datetime,
    changed: WindowForm | None,
    opened: str | None = None,
) -> list[dict[str, Any]]:
    """
    Every manual window, latest start first, with its status; and the change form of each
    one in force or starting within `FORMS_WITHIN`, of the one asked for (`opened`) and of
    one re-displayed with its errors. A later one has a link that opens its form, so a page
    with hundreds of windows stays small.
    """
    rows = []
    for window in manual_windows.list_manual_windows(services.uow, user.organisation_id):
        status = _window_status(window, now)
        prefix = f"window-{window.id}-"
        form: WindowForm | None = None
        if changed is not None and changed.prefix == prefix:
            form = changed
        elif status != "Ended" and (window.starts_at <= now + FORMS_WITHIN or window.id == opened):
            form = _stored_form(window)
        rows.append(
            {
                "id": window.id,
                "status": status,
                "starts": local_time(window.starts_at),
                "ends": local_time(window.ends_at),
                "reason": window.reason,
                "accounts": "All accounts"
                if window.account_ids is None
                else ", ".join(account_label(snapshot, a) for a in window.account_ids),
                "created_by": window.created_by,
                "can_change": status != "Ended",
                "can_end": status == "In force now",
                "form": None if form is None else asdict(form),
            }
        )
    return rows


def _awaiting_rows(
    services: Services, user: ConsoleUser, policy: Policy, snapshot: Snapshot, now: dt.datetime
) -> list[dict[str, str]]:
    """Overrides waiting for a second Clerk's confirmation (where the policy asks for one)."""
    if not policy.override_needs_second_clerk:
        return []
    return [
        {
            "id": o.id,
            "account": account_label(snapshot, o.account_id),
            "categories": ", ".join(category_label(c) for c in o.categories)
            if o.categories
            else "every kind of post an override can allow",
            "starts": local_time(o.starts_at),
            "ends": local_time(o.ends_at),
            "reason": o.reason,
            "granted_by": o.granted_by,
        }
        for o in overrides.list_overrides(services.uow, user.organisation_id)
        if o.revoked_at is None and o.confirmed_at is None and o.ends_at > now
    ]


_NOTICES = {
    "granted": "Override {} granted. It is in the list below and in the audit log.",
    "awaiting": "Override {} granted. It takes effect once a second Clerk confirms it: it is "
    "in the list of overrides waiting for confirmation.",
    "confirmed": "Override {} confirmed. It is in force for its dates.",
    "revoked": "Override {} revoked. It no longer allows anything.",
    "window-added": "Restriction {} set. It is in the list of restrictions set by hand.",
    "window-changed": "Restriction {} changed.",
    "window-ended": "Restriction {} ended now.",
}


@router.get("")
def overrides_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    notice = next(
        (
            words.format(request.query_params[key])
            for key, words in _NOTICES.items()
            if request.query_params.get(key)
        ),
        None,
    )
    return _page(request, services, user, notice=notice)


@router.post("")
def grant(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    account: Annotated[str, Form()] = "",
    categories: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    end_date: Annotated[str, Form()] = "",
    end_time: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    form = OverrideForm(
        account=account,
        categories=categories,
        start_date=start_date,
        start_time=start_time,
        end_date=end_date,
        end_time=end_time,
        reason=reason,
    )
    policy = services.policy(user.organisation_id)
    snapshot = services.cache.snapshot(user.organisation_id)
    errors = form.check(policy, set(snapshot.accounts))
    starts_at, ends_at = form.instants(FormErrors())
    if errors or starts_at is None or ends_at is None:
        return _page(request, services, user, form=form, errors=errors, status=422)
    try:
        row = overrides.grant_override(
            services.uow,
            policy,
            user.actor(),
            account_id=None if account == "all" else account,
            starts_at=starts_at,
            ends_at=ends_at,
            categories=[Category(c) for c in categories],
            reason=reason,
            now=services.clock(),
            request_id=request_id(request),
        )
    except InvalidChange as exc:
        errors.add(_FIELDS.get(exc.field, "reason"), _sentence(exc.problem))
        return _page(request, services, user, form=form, errors=errors, status=422)
    except NotFound as exc:
        errors.add("account", f"Choose one of the listed accounts ({exc.identifier} is not one)")
        return _page(request, services, user, form=form, errors=errors, status=422)
    done = "awaiting" if not row.is_confirmed(policy.override_needs_second_clerk) else "granted"
    return RedirectResponse(f"{root(request)}/console/overrides?{done}={row.id}", status_code=303)


@router.post("/{override_id}/revoke")
def revoke(
    override_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    field = f"revoke-reason-{override_id}"
    errors = FormErrors()
    if not reason.strip():
        errors.add(field, "Enter why you are revoking the override")
    check_text(errors, field, reason, what="The reason")
    if not errors:
        try:
            overrides.revoke_override(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                override_id,
                reason=reason,
                now=services.clock(),
                request_id=request_id(request),
            )
        except (InvalidChange, NotFound) as exc:
            errors.add(field, _sentence(str(exc)))
    if errors:
        return _page(
            request, services, user, errors=errors, revoke_reasons={override_id: reason}, status=422
        )
    return RedirectResponse(
        f"{root(request)}/console/overrides?revoked={override_id}", status_code=303
    )


@router.post("/{override_id}/confirm")
def confirm(
    override_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    try:
        overrides.confirm_override(
            services.uow,
            services.policy(user.organisation_id),
            user.actor(),
            override_id,
            key_id=user.session.key_id,
            now=services.clock(),
            request_id=request_id(request),
        )
    except (InvalidChange, NotFound) as exc:
        errors = FormErrors()
        problem = exc.problem if isinstance(exc, InvalidChange) else str(exc)
        errors.add(f"confirm-{override_id}", _sentence(problem))
        return _page(request, services, user, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/overrides?confirmed={override_id}", status_code=303
    )


# The windows service's field names, as the form's field ids (after the form's prefix).
_WINDOW_FIELDS = {
    "starts_at": "start-date",
    "ends_at": "end-date",
    "reason": "reason",
    "account_ids": "scope",
    "body": "change-reason",
    "window_id": "end-reason",
}


def _window_form(
    prefix: str,
    start_date: str,
    start_time: str,
    end_date: str,
    end_time: str,
    reason: str,
    scope: str,
    accounts: list[str],
    change_reason: str = "",
) -> WindowForm:
    return WindowForm(
        start_date=start_date,
        start_time=start_time,
        end_date=end_date,
        end_time=end_time,
        reason=reason,
        scope=scope,
        accounts=accounts,
        change_reason=change_reason,
        prefix=prefix,
    )


@router.post("/windows")
def add_window(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    end_date: Annotated[str, Form()] = "",
    end_time: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
    accounts: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    form = _window_form(
        "window-", start_date, start_time, end_date, end_time, reason, scope, accounts
    )
    snapshot = services.cache.snapshot(user.organisation_id)
    errors = form.check(set(snapshot.accounts))
    starts_at, ends_at = form.instants(FormErrors())
    if errors or starts_at is None or ends_at is None:
        return _page(request, services, user, window_form=form, errors=errors, status=422)
    try:
        row = manual_windows.add_manual_window(
            services.uow,
            services.policy(user.organisation_id),
            user.actor(),
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            account_ids=form.account_ids(),
            now=services.clock(),
            request_id=request_id(request),
        )
    except (InvalidChange, NotFound) as exc:
        errors.add(_window_field(form.prefix, exc), _problem(exc))
        return _page(request, services, user, window_form=form, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/overrides?window-added={row.id}", status_code=303
    )


@router.post("/windows/{window_id}/change")
def change_window(
    window_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    end_date: Annotated[str, Form()] = "",
    end_time: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
    accounts: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    change_reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    form = _window_form(
        f"window-{window_id}-",
        start_date,
        start_time,
        end_date,
        end_time,
        reason,
        scope,
        accounts,
        change_reason,
    )
    snapshot = services.cache.snapshot(user.organisation_id)
    errors = form.check(set(snapshot.accounts), changing=True)
    starts_at, ends_at = form.instants(FormErrors())
    if errors or starts_at is None or ends_at is None:
        return _page(request, services, user, changed=form, errors=errors, status=422)
    try:
        stored = manual_windows.get_manual_window(services.uow, user.organisation_id, window_id)
        ids = form.account_ids()
        changes = WindowChanges(
            starts_at=starts_at if starts_at != stored.starts_at else UNSET,
            ends_at=ends_at if ends_at != stored.ends_at else UNSET,
            reason=reason.strip() if reason.strip() != stored.reason else UNSET,
            account_ids=ids
            if (sorted(set(ids)) if ids is not None else None) != stored.account_ids
            else UNSET,
            change_reason=change_reason.strip(),
        )
        if changes.is_empty():
            errors.add(f"{form.prefix}start-date", "Change the start, the end, the reason or "
                       "the accounts: nothing was different")  # fmt: skip
            return _page(request, services, user, changed=form, errors=errors, status=422)
        manual_windows.change_manual_window(
            services.uow,
            services.policy(user.organisation_id),
            user.actor(),
            window_id,
            changes=changes,
            now=services.clock(),
            request_id=request_id(request),
        )
    except (InvalidChange, NotFound) as exc:
        errors.add(_window_field(form.prefix, exc), _problem(exc))
        return _page(request, services, user, changed=form, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/overrides?window-changed={window_id}", status_code=303
    )


@router.post("/windows/{window_id}/end")
def end_window(
    window_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    field = f"window-{window_id}-end-reason"
    errors = FormErrors()
    if not reason.strip():
        errors.add(field, "Enter why you are ending the restriction now")
    check_text(errors, field, reason, what="The reason")
    if not errors:
        try:
            manual_windows.end_manual_window(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                window_id,
                reason=reason,
                now=services.clock(),
                request_id=request_id(request),
            )
        except (InvalidChange, NotFound) as exc:
            errors.add(field, _problem(exc))
    if errors:
        return _page(
            request, services, user, errors=errors, end_reasons={window_id: reason}, status=422
        )
    return RedirectResponse(
        f"{root(request)}/console/overrides?window-ended={window_id}", status_code=303
    )


def _window_field(prefix: str, exc: InvalidChange | NotFound) -> str:
    if isinstance(exc, NotFound):
        return f"{prefix}scope"
    return prefix + _WINDOW_FIELDS.get(exc.field, "reason")


def _problem(exc: InvalidChange | NotFound) -> str:
    if isinstance(exc, NotFound):
        return f"Choose from the listed accounts ({exc.identifier} is not one)"
    words = {
        "must be after starts_at": "The end must be after the start",
    }
    return words.get(exc.problem, _sentence(exc.problem))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
