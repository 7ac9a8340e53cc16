"""
Feeds and keys: calendar subscription links for staff and members, and API keys for
integrators (a scheduling tool, a reader, an auditor); create one, shown once, or revoke one
with a reason. A secret is never shown after the answer that created it: only hashes are kept.

Every rule is the service's (`app.services.feeds`, `app.services.keys`, as the API calls them:
a Clerk mints only scheduler, viewer and auditor keys, cannot revoke its own key nor the
operator's). Who may see what is the API's rule: the Clerk everything; an auditor the keys
(`GET /v1/keys`), not the feed links; a viewer nothing (a 403 page).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import Services, ServicesDep, request_id
from app.api.routes.feeds import base_url
from app.domain.errors import InvalidChange, KeyConflict, NotFound
from app.domain.status import local_time
from app.services import feeds, keys
from app.store.keys import Role

from .forms import FormErrors, check_text
from .guard import refuse_clerk_form
from .now import account_label
from .pages import problem_page, render, root
from .session import ConsoleUser, User

__all__ = ["router"]

router = APIRouter(prefix="/console/access", include_in_schema=False)

_READERS = frozenset({str(Role.CLERK), str(Role.AUDITOR)})
_ROLE_WORDS = {
    Role.SCHEDULER: "Scheduling tool: asks whether a post may go out, and asks the Clerk",
    Role.VIEWER: "Viewer: reads the restrictions, the policy and the calendar",
    Role.AUDITOR: "Auditor: reads the audit log, requests and keys",
}
# The service's field names, as the forms' field ids.
_KEY_FIELDS = {"name": "key-name", "person": "key-person", "role": "key-role"}
_FEED_FIELDS = {"name": "feed-name", "account_id": "feed-account"}


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
        title="Feeds and keys are for the Town Clerk",
        message=f"A {user.role} key cannot see the council's feed links or keys.",
    )


def _when(value: Any) -> str | None:
    return local_time(value) if value is not None else None


def _page(
    request: Request,
    services: Services,
    user: ConsoleUser,
    *,
    typed: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    new_feed: dict[str, str] | None = None,
    new_key: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    snapshot = services.cache.snapshot(user.organisation_id)
    accounts = sorted(snapshot.accounts.values(), key=lambda a: a.name.casefold())
    key_rows = [
        {
            "id": k.id,
            "name": k.name,
            "role": k.role,
            "person": k.person,
            "created": _when(k.created_at),
            "last_used": _when(
                max(
                    (t for t in (k.last_used_at, services.key_use.latest(k.id)) if t is not None),
                    default=None,
                )
            ),
            "revoked": _when(k.revoked_at),
            "own": k.id == user.session.key_id,
            "revocable": k.revoked_at is None
            and k.id != user.session.key_id
            and k.role != Role.OPERATOR,
        }
        for k in keys.list_keys_of(services.uow, user.organisation_id)
    ]
    feed_rows = (
        [
            {
                "id": f.id,
                "name": f.name,
                "account": account_label(snapshot, f.account_id),
                "created": _when(f.created_at),
                "created_by": f.created_by,
                "revoked": _when(f.revoked_at),
            }
            for f in feeds.list_feed_tokens(services.uow, user.organisation_id)
        ]
        if user.is_clerk
        else None
    )
    return render(
        request,
        services,
        "access.html",
        title="Feeds and keys",
        user=user,
        current="access",
        status=status,
        errors=(errors.messages if errors else None),
        typed=typed or {},
        notice=notice,
        new_feed=new_feed,
        new_key=new_key,
        keys=key_rows,
        feeds=feed_rows,
        account_choices=[
            {"id": a.account_id, "label": account_label(snapshot, a.account_id)} for a in accounts
        ],
        role_choices=[{"value": str(r), "label": w} for r, w in _ROLE_WORDS.items()],
    )


@router.get("")
def access_page(request: Request, services: ServicesDep, user: User) -> HTMLResponse:
    refused = _refuse_unless_reader(request, services, user)
    if refused is not None:
        return refused
    notice = None
    if key_id := request.query_params.get("key-revoked", "")[:40]:
        notice = f"Key {key_id} revoked. It no longer works anywhere (within a second)."
    elif token_id := request.query_params.get("feed-revoked", "")[:40]:
        notice = f"Calendar link {token_id} revoked. Calendars using it stop updating."
    return _page(request, services, user, notice=notice)


@router.post("/feeds")
def create_feed(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    account: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    typed = {"feed-name": name, "feed-account": account}
    errors = FormErrors()
    if not name.strip():
        errors.add("feed-name", "Enter who or what the link is for")
    check_text(errors, "feed-name", name, what="Who or what it is for", name=True)
    if account and account not in services.cache.snapshot(user.organisation_id).accounts:
        errors.add("feed-account", "Choose an account from the list, or all accounts")
    if not errors:
        try:
            made = feeds.create_feed_token(
                services.uow,
                user.organisation_id,
                user.actor(),
                name=name,
                account_id=account or None,
                now=services.clock(),
                request_id=request_id(request),
            )
        except InvalidChange as exc:
            errors.add(_FEED_FIELDS.get(exc.field, "feed-name"), _sentence(exc.problem))
        except NotFound:
            errors.add("feed-account", "Choose an account from the list, or all accounts")
    if errors:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    url = f"{base_url(services, request)}/v1/feeds/{made.token}.ics"
    new_feed = {
        "id": made.token_id,
        "name": made.name,
        "url": url,
        "webcal": "webcal://" + url.split("://", 1)[1],
    }
    return _page(request, services, user, new_feed=new_feed)


@router.post("/feeds/{token_id}/revoke")
def revoke_feed(
    token_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    known = {f.id for f in feeds.list_feed_tokens(services.uow, user.organisation_id)}
    if token_id not in known:
        raise NotFound(what="feed token", identifier=token_id[:40])
    field = f"revoke-feed-{token_id}"
    errors = FormErrors()
    if not reason.strip():
        errors.add(field, "Enter why you are revoking the link")
    check_text(errors, field, reason, what="The reason")
    if not errors:
        try:
            feeds.revoke_feed_token(
                services.uow,
                user.organisation_id,
                user.actor(),
                token_id,
                reason=reason,
                now=services.clock(),
                request_id=request_id(request),
            )
        except InvalidChange as exc:
            errors.add(field, _sentence(exc.problem))
    if errors:
        return _page(request, services, user, typed={field: reason}, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/access?feed-revoked={token_id}", status_code=303
    )


@router.post("/keys")
def create_key(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    typed = {"key-role": role, "key-name": name, "key-person": person}
    errors = FormErrors()
    if role not in {str(r) for r in keys.MINTABLE_ROLES}:
        errors.add("key-role", "Choose what the key is for")
    if not name.strip():
        errors.add("key-name", "Enter who or what will use the key")
    check_text(errors, "key-name", name, what="Who or what uses it", name=True)
    if not errors:
        try:
            made = keys.create_key(
                services.uow,
                user.organisation_id,
                user.actor(),
                role=Role(role),
                name=name,
                person=person if person.strip() else None,
                now=services.clock(),
                allowed_roles=keys.MINTABLE_ROLES,
                request_id=request_id(request),
            )
        except InvalidChange as exc:
            errors.add(_KEY_FIELDS.get(exc.field, "key-name"), _sentence(exc.problem))
    if errors:
        return _page(request, services, user, typed=typed, errors=errors, status=422)
    new_key = {"id": made.key_id, "name": name.strip(), "role": role, "key": made.key}
    return _page(request, services, user, new_key=new_key)


@router.post("/keys/{key_id}/revoke")
def revoke_key(
    key_id: str,
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_clerk_form(request, services, user, csrf_token)
    if refused is not None:
        return refused
    found = keys.get_key_of(services.uow, user.organisation_id, key_id[:40])  # NotFound: 404
    field = f"revoke-key-{found.id}"
    errors = FormErrors()
    if not reason.strip():
        errors.add(field, "Enter why you are revoking the key")
    check_text(errors, field, reason, what="The reason")
    if not errors:
        try:
            keys.revoke_key(
                services.uow,
                user.organisation_id,
                user.actor(),
                key_id=found.id,
                reason=reason,
                now=services.clock(),
                caller_key_id=user.session.key_id,
                protected_roles=(Role.OPERATOR,),
                request_id=request_id(request),
            )
        except (InvalidChange, KeyConflict) as exc:
            errors.add(
                field, _sentence(exc.problem if isinstance(exc, InvalidChange) else str(exc))
            )
    if errors:
        return _page(request, services, user, typed={field: reason}, errors=errors, status=422)
    return RedirectResponse(
        f"{root(request)}/console/access?key-revoked={found.id}", status_code=303
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
