"""
Restrictions and overrides: grant an override from a form, revoke one from the list.

The form's fields are read here (London dates and times, checkboxes); every rule is the
service's (`app.services.overrides`, which the API calls too): its refusals come back as
errors on the fields they name, and the form is shown again with nothing lost.
"""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import Services, ServicesDep, request_id
from app.domain import Category
from app.domain.errors import InvalidChange, NotFound
from app.domain.status import restriction_status
from app.services import overrides

from .forms import FormErrors, OverrideForm, category_label, grantable_categories
from .guard import refuse_unless_clerk, refuse_without_csrf
from .now import override_rows
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
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = services.clock()
    policy = services.policy(user.organisation_id)
    snapshot = services.cache.snapshot(user.organisation_id)
    accounts = sorted(snapshot.accounts.values(), key=lambda a: a.name.casefold())
    context: dict[str, Any] = {
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


@router.get("")
def overrides_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    granted, revoked = request.query_params.get("granted"), request.query_params.get("revoked")
    notice = None
    if granted:
        notice = f"Override {granted} granted. It is in the list below and in the audit log."
    elif revoked:
        notice = f"Override {revoked} revoked. It no longer allows anything."
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
    refused = refuse_without_csrf(request, services, user, csrf_token) or refuse_unless_clerk(
        request, services, user
    )
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
    return RedirectResponse(f"{root(request)}/console/overrides?granted={row.id}", status_code=303)


@router.post("/{override_id}/revoke")
def revoke(
    override_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_without_csrf(request, services, user, csrf_token) or refuse_unless_clerk(
        request, services, user
    )
    if refused is not None:
        return refused
    field = f"revoke-reason-{override_id}"
    errors = FormErrors()
    if not reason.strip():
        errors.add(field, "Enter why you are revoking the override")
    else:
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


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
