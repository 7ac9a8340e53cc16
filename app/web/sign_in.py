"""
Signing in to the console with a key, and signing out.

The key is checked exactly as the API checks a bearer key (`principal_for`: the key cache,
the constant-time hash comparison, and the failed-authentication throttle), then its role
as the API's roles allow: a Clerk, a viewer or an auditor may sign in. The key is never
shown back, not even on a form with an error.

The sign-in form, sent before any session exists, carries a token that must match a
`SameSite=Strict` cookie set with the form (double submit), so no other site can sign a
browser in under its own key.
"""

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import ServicesDep, principal_for
from app.api.problems import Unauthorized
from app.api.throttle import TooManyFailures
from app.domain.errors import InvalidChange
from app.services import console

from .guard import refuse_without_csrf
from .pages import render, root
from .session import (
    CONSOLE_ROLES,
    COOKIE,
    COOKIE_PATH,
    User,
    clear_cookie,
    current_user,
    set_cookie,
)

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)

SIGN_IN_COOKIE = "purdah_console_sign_in"


def _form_page(
    request: Request,
    services: ServicesDep,
    *,
    person: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    page = render(
        request,
        services,
        "sign_in.html",
        title="Sign in",
        user=None,
        status=status,
        errors=errors,
        form={"person": person},
        sign_in_csrf=token,
        notice=notice,
    )
    page.set_cookie(
        SIGN_IN_COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return page


@router.get("/sign-in")
def sign_in_page(request: Request, services: ServicesDep) -> Response:
    if current_user(request, services) is not None:
        return RedirectResponse(f"{root(request)}/console", status_code=303)
    signed_out = request.query_params.get("signed-out") is not None
    return _form_page(request, services, notice="You have signed out." if signed_out else None)


@router.post("/sign-in")
def sign_in(
    request: Request,
    services: ServicesDep,
    person: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        expired = {"person": "The sign-in form had expired: enter your name and key again"}
        return _form_page(request, services, person=person, errors=expired, status=400)
    errors: dict[str, str] = {}
    name: str | None = None
    if person.strip():
        try:
            name = console.checked_person_name(person)
        except InvalidChange as exc:
            errors["person"] = _sentence(exc.problem)
    if not key.strip():
        errors["key"] = "Enter your key"
    if errors:
        return _form_page(request, services, person=person, errors=errors, status=422)
    client = request.client.host if request.client else None
    try:
        principal = principal_for(services, f"Bearer {key.strip()}", client=client)
    except TooManyFailures as exc:
        errors["key"] = f"Too many failed sign-ins: try again in {exc.retry_after} seconds"
        return _form_page(request, services, person=person, errors=errors, status=429)
    except Unauthorized:
        errors["key"] = "The key is not valid: it is unknown, revoked or mistyped"
        return _form_page(request, services, person=person, errors=errors, status=401)
    if principal.role not in CONSOLE_ROLES:
        errors["key"] = (
            f"A {principal.role} key cannot sign in here: use a Clerk's, a viewer's or an "
            "auditor's key"
        )
        return _form_page(request, services, person=person, errors=errors, status=403)
    # a named key signs its person in: the name typed (if any) gives way to the key's
    entry = services.cache.key(principal.key_id)
    held = entry.person if entry is not None else None
    if held is None and name is None:
        errors["person"] = "Enter your name (your key was not made in a person's name)"
        return _form_page(request, services, person=person, errors=errors, status=422)
    started = console.sign_in(
        services.uow,
        organisation_id=principal.organisation_id,
        key_id=principal.key_id,
        person=held or name or "",
        now=services.clock(),
    )
    response = RedirectResponse(f"{root(request)}/console", status_code=303)
    set_cookie(response, request, started.token)
    response.delete_cookie(SIGN_IN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    services: ServicesDep,
    user: User,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    refused = refuse_without_csrf(request, services, user, csrf_token)
    if refused is not None:
        return refused
    console.sign_out(services.uow, request.cookies.get(COOKIE, ""), now=services.clock())
    response = RedirectResponse(f"{root(request)}/console/sign-in?signed-out", status_code=303)
    clear_cookie(response, request)
    return response


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
