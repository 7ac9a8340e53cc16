"""
Who is signed in to the console: the session cookie, the key behind it, and CSRF.

The cookie holds a random token (`app.services.console`); it is `HttpOnly`, `SameSite=Strict`,
limited to `/console`, and `Secure` when the request came over HTTPS (as `purdah serve` sees
it: `X-Forwarded-Proto` counts only from `PURDAH_FORWARDED_ALLOW_IPS`). On every page the
session's key must still be valid: revoking the key ends its console sessions too.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from app.api.deps import READ_ROLES, Services, ServicesDep
from app.services import console
from app.services.console import StoredConsoleSession
from app.store.keys import Role
from app.store.unit_of_work import Actor

__all__ = [
    "COOKIE",
    "CONSOLE_ROLES",
    "ConsoleUser",
    "SignInRequired",
    "User",
    "clear_cookie",
    "set_cookie",
]

COOKIE = "purdah_console"
COOKIE_PATH = "/console"
# Who may sign in: the organisation's people. A scheduler's key is a tool's, not a person's.
CONSOLE_ROLES = READ_ROLES - {str(Role.SCHEDULER)}


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """A person signed in: their session, and their key's organisation and role."""

    session: StoredConsoleSession
    organisation_id: str
    role: str

    @property
    def person(self) -> str:
        return self.session.person

    @property
    def is_clerk(self) -> bool:
        return self.role == Role.CLERK

    def actor(self) -> Actor:
        """
        Who the audit log names: the person, and the key they signed in with, in the API's
        form `Name (key id)` (`app.domain.requests.key_holder` reads the person back).
        """
        return Actor(f"{self.session.person} ({self.session.key_id})", self.role)


def _idle(services: Services) -> dt.timedelta:
    return dt.timedelta(minutes=services.settings.console_idle_minutes)


def _lifetime(services: Services) -> dt.timedelta:
    return dt.timedelta(hours=services.settings.console_session_hours)


def current_user(request: Request, services: Services) -> ConsoleUser | None:
    """The person signed in on this request, or None."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    found = console.current_session(
        services.uow,
        token,
        now=services.clock(),
        idle=_idle(services),
        lifetime=_lifetime(services),
    )
    if found is None:
        return None
    key = services.cache.key(found.key_id)  # a revoked key ends the session
    if key is None or key.organisation_id != found.organisation_id or key.role not in CONSOLE_ROLES:
        return None
    return ConsoleUser(session=found, organisation_id=key.organisation_id, role=key.role)


async def _signed_in(request: Request, services: ServicesDep) -> ConsoleUser:
    user = current_user(request, services)
    if user is None:
        raise SignInRequired
    return user


User = Annotated[ConsoleUser, Depends(_signed_in)]


def set_cookie(response: Response, request: Request, token: str) -> None:
    """The session cookie: no script can read it, no other site can send it."""
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
