"""
Accounts: the organisation's official accounts with their status; the Clerk approves,
suspends, reinstates, deactivates or closes one, each with a reason (the box starts empty),
and proposes a new one (its contact email must be on an official domain, the policy's 5.3a).

The proposal is read with the API's own schema (`AccountIn`: the same id, platform, kind and
URL rules) and written by the same service (`app.services.accounts`).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from app.api.deps import Services, ServicesDep, request_id
from app.api.schemas import AccountIn
from app.domain import AccountKind, AccountStatus
from app.domain.accounts import AccountAction, IllegalMove, OfficialEmailRequired, allowed_moves
from app.domain.errors import AlreadyExists, InvalidChange, NotFound
from app.services import accounts

from .forms import FormErrors, check_text, dom_id
from .guard import refuse_clerk_form
from .pages import render, root
from .session import ConsoleUser, User

__all__ = ["router"]

router = APIRouter(prefix="/console/accounts", include_in_schema=False)

_STATUS_WORDS = {
    AccountStatus.PENDING: "Waiting for approval",
    AccountStatus.ACTIVE: "Active",
    AccountStatus.INACTIVE: "Not in use",
    AccountStatus.SUSPENDED: "Suspended",
    AccountStatus.CLOSED: "Closed",
}
_MOVE_WORDS = {
    AccountAction.APPROVE: "Approve",
    AccountAction.SUSPEND: "Suspend",
    AccountAction.REINSTATE: "Reinstate",
    AccountAction.DEACTIVATE: "Mark not in use",
    AccountAction.CLOSE: "Close",
}
_DONE_WORDS = {
    AccountAction.APPROVE: "approved: it may publish, within the policy",
    AccountAction.SUSPEND: "suspended: nothing may be published from it",
    AccountAction.REINSTATE: "reinstated: it may publish again, within the policy",
    AccountAction.DEACTIVATE: "marked not in use: nothing may be published from it",
    AccountAction.CLOSE: "closed for good",
}
# The proposal's fields, in the order of the page: the API's field -> the form's id and words.
_PROPOSE_FIELDS = {
    "account_id": (
        "new-account-id",
        "Enter a short id of lower-case letters, digits and "
        "hyphens, like tiktok-redruth (not 'all')",
    ),
    "name": ("new-name", "Enter the account's name, up to 200 characters"),
    "platform": ("new-platform", "Enter the platform in lower-case letters, like tiktok"),
    "kind": ("new-kind", "Choose what sort of account it is"),
    "contact_email": ("new-contact-email", "Enter the official email address that runs it"),
    "handle": ("new-handle", "Enter the handle in up to 200 characters"),
    "url": ("new-url", "Enter the address starting https://, up to 500 characters"),
    "reason": ("new-reason", "Enter why the account is proposed, up to 2000 characters"),
}
_EMPTY_PROPOSAL = dict.fromkeys(_PROPOSE_FIELDS, "")


def _rows(services: Services, user: ConsoleUser) -> list[dict[str, Any]]:
    rows = []
    for account in sorted(
        accounts.list_accounts(services.uow, user.organisation_id), key=lambda a: a.name.casefold()
    ):
        status = AccountStatus(account.status)
        rows.append(
            {
                "id": account.id,
                "dom": dom_id(account.id),
                "name": account.name,
                "platform": account.platform,
                "kind": account.kind,
                "handle": account.handle,
                "url": account.url,
                "status": str(status),
                "status_words": _STATUS_WORDS[status],
                "moves": [(str(m), _MOVE_WORDS[m]) for m in allowed_moves(status)],
            }
        )
    return rows


def _page(
    request: Request,
    services: Services,
    user: ConsoleUser,
    *,
    proposal: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    policy = services.policy(user.organisation_id)
    return render(
        request,
        services,
        "accounts.html",
        title="Accounts",
        user=user,
        current="accounts",
        status=status,
        errors=(errors.messages if errors else None),
        accounts=_rows(services, user),
        proposal=proposal or _EMPTY_PROPOSAL,
        reasons=reasons or {},
        notice=notice,
        kinds=[str(k) for k in AccountKind],
        official_domains=", ".join("@" + d for d in policy.official_email_domains),
    )


@router.get("")
def accounts_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    notice = None
    moved, action = request.query_params.get("moved"), request.query_params.get("action")
    proposed = request.query_params.get("proposed")
    if moved and action in {str(a) for a in AccountAction}:
        try:
            name = accounts.get_account(services.uow, user.organisation_id, moved).name
        except NotFound:
            name = moved
        notice = f"{name} {_DONE_WORDS[AccountAction(action)]}."
    elif proposed:
        notice = (
            f"Account {proposed} proposed. It waits for approval: nothing may be published "
            "from it until it is approved."
        )
    return _page(request, services, user, notice=notice)


@router.post("/{account_id}/move")
def move(
    account_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    field = f"reason-{dom_id(account_id)}"
    errors = FormErrors()
    if action not in {str(a) for a in AccountAction}:
        errors.add(field, "Choose what to do with the account")
    elif not reason.strip():
        errors.add(field, f"Enter why you {_MOVE_WORDS[AccountAction(action)].lower()} the account")
    check_text(errors, field, reason, what="The reason")
    if not errors:
        try:
            accounts.move_account(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                account_id,
                AccountAction(action),
                reason=reason,
                now=services.clock(),
                request_id=request_id(request),
            )
        except IllegalMove as exc:
            errors.add(field, _sentence(str(exc)))
        except (InvalidChange, NotFound) as exc:
            errors.add(field, _sentence(str(exc)))
    if errors:
        return _page(
            request, services, user, reasons={account_id: reason}, errors=errors, status=422
        )
    return RedirectResponse(
        f"{root(request)}/console/accounts?moved={account_id}&action={action}", status_code=303
    )


@router.post("")
def propose(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    account_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    platform: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
    handle: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    typed = {
        "account_id": account_id,
        "name": name,
        "platform": platform,
        "kind": kind,
        "contact_email": contact_email,
        "handle": handle,
        "url": url,
        "reason": reason,
    }
    errors = FormErrors()
    body: AccountIn | None = None
    try:
        body = AccountIn.model_validate(
            {
                **{k: v.strip() for k, v in typed.items() if k not in {"handle", "url"}},
                "handle": handle.strip() or None,
                "url": url.strip() or None,
            }
        )
    except ValidationError as exc:
        failed = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        for api_field, (field_id, words) in _PROPOSE_FIELDS.items():
            if api_field in failed:
                errors.add(field_id, words)
    if body is not None:
        try:
            row = accounts.propose_account(
                services.uow,
                services.policy(user.organisation_id),
                user.actor(),
                account_id=body.account_id,
                platform=body.platform,
                name=body.name,
                kind=body.kind,
                contact_email=body.contact_email,
                handle=body.handle,
                url=body.url,
                reason=body.reason,
                now=services.clock(),
                request_id=request_id(request),
            )
        except OfficialEmailRequired as exc:
            errors.add("new-contact-email", _sentence(str(exc)))
        except AlreadyExists:
            errors.add("new-account-id", f"There is an account {body.account_id} already")
        else:
            return RedirectResponse(
                f"{root(request)}/console/accounts?proposed={row.id}", status_code=303
            )
    return _page(request, services, user, proposal=typed, errors=errors, status=422)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
