"""
The Clerk's console: signing in with an API key gives a server-side session.

The key is checked by the caller (the web layer, with the API's own check and throttle);
here a session is started for the person who signed in, found again from the cookie's token,
kept alive while used, and ended at sign-out, after `idle` without a page, or `lifetime` after
sign-in. The person's name is what the audit log names for what they do in the console.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from app.domain.changes import require_text
from app.domain.errors import InvalidChange
from app.domain.text import control_character, describe_control_character
from app.store import console_sessions
from app.store.console_sessions import StoredConsoleSession
from app.store.unit_of_work import UnitOfWork

__all__ = [
    "PERSON_MAX",
    "SignedIn",
    "StoredConsoleSession",
    "csrf_matches",
    "current_session",
    "checked_person_name",
    "sign_in",
    "sign_out",
]

PERSON_MAX = 100
# A session's last use is written at most this often (a page view is not a write each time).
TOUCH_EVERY = dt.timedelta(seconds=30)
# Ended and idle sessions are deleted this long after their end (at the next sign-in).
FORGET_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session and its token: the cookie's value, given to the browser once."""

    token: str
    session: StoredConsoleSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def checked_person_name(value: str, *, field: str = "person", whose: str = "your name") -> str:
    """
    A person's name, stripped: the one a person gave at sign-in, or the person a named key
    is made for (`app.services.keys.create_key`).

    Args:
        field, whose: the field an error names, and how its message speaks of the name.

    Raises:
        InvalidChange: empty, longer than `PERSON_MAX`, or holding a control character.
    """
    text = require_text(value, field=field, problem=f"enter {whose}")
    if len(text) > PERSON_MAX:
        raise InvalidChange(
            field=field, problem=f"{whose} must be {PERSON_MAX} characters or fewer"
        )
    found = control_character(text)
    if found is not None:
        raise InvalidChange(field=field, problem=f"{whose} {describe_control_character(found)}")
    return text


def sign_in(
    uow: UnitOfWork, *, organisation_id: str, key_id: str, person: str, now: dt.datetime
) -> SignedIn:
    """
    Start a session for `person`, who signed in with the key `key_id` (checked already).

    Raises:
        InvalidChange: the name is not usable (`checked_person_name`).
    """
    name = checked_person_name(person)
    token = secrets.token_urlsafe(32)
    stored = console_sessions.add_session(
        uow.engine,
        token_sha256=_digest(token),
        organisation_id=organisation_id,
        key_id=key_id,
        person=name,
        csrf_token=secrets.token_urlsafe(32),
        now=now,
        forget_before=now - FORGET_AFTER,
    )
    return SignedIn(token=token, session=stored)


def current_session(
    uow: UnitOfWork,
    token: str,
    *,
    now: dt.datetime,
    idle: dt.timedelta,
    lifetime: dt.timedelta,
) -> StoredConsoleSession | None:
    """
    The live session the token names, noted as used now; None if there is none, or it was
    ended, has been idle for `idle`, or began `lifetime` ago.
    """
    if not token or len(token) > 200:
        return None
    digest = _digest(token)
    found = console_sessions.find_session(uow.engine, digest)
    if (
        found is None
        or found.ended_at is not None
        or now >= found.last_seen_at + idle
        or now >= found.created_at + lifetime
    ):
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        console_sessions.touch_session(uow.engine, digest, now)
    return found


def sign_out(uow: UnitOfWork, token: str, *, now: dt.datetime) -> None:
    """End the session the token names (if any)."""
    if token and len(token) <= 200:
        console_sessions.end_session(uow.engine, _digest(token), now)


def csrf_matches(session: StoredConsoleSession, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's, compared in constant time."""
    return given is not None and hmac.compare_digest(session.csrf_token.encode(), given.encode())
