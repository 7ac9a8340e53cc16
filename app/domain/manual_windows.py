"""
The rules of a manual window (a restriction the Clerk sets by hand) and of a day of public
thanksgiving or mourning the Clerk adds as a dies non.
"""

import datetime as dt
from collections.abc import Collection, Sequence

from app.domain.changes import require_text
from app.domain.errors import InvalidChange, NotFound

__all__ = [
    "check_appointed_day",
    "check_end_now",
    "check_interval",
    "check_window_accounts",
    "new_window_reason",
]


def check_interval(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Raises InvalidChange: the end is not after the start (a window is half-open)."""
    if ends_at <= starts_at:
        raise InvalidChange(field="ends_at", problem="must be after starts_at")


def new_window_reason(starts_at: dt.datetime, ends_at: dt.datetime, reason: str) -> str:
    """The reason of a new manual window, stripped. Raises InvalidChange."""
    check_interval(starts_at, ends_at)
    return require_text(reason, field="reason", problem="a manual window needs a reason")


def check_window_accounts(account_ids: Sequence[str] | None, known: Collection[str]) -> None:
    """
    None means every account; otherwise at least one, each the organisation's.

    Raises:
        InvalidChange: an empty list.
        NotFound: an account that is not in `known`.
    """
    if account_ids is None:
        return
    if not account_ids:
        raise InvalidChange(
            field="account_ids", problem="name at least one account, or send null for every account"
        )
    for account_id in account_ids:
        if account_id not in known:
            raise NotFound(what="account", identifier=account_id)


def check_end_now(
    window_id: str, *, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> None:
    """
    Only a window in force can end now: one that has ended stays as it was, and one not yet
    started is changed (or moved) instead.

    Raises:
        InvalidChange: the window has ended, or has not started.
    """
    if ends_at <= now:
        raise InvalidChange(
            field="window_id", problem=f"{window_id} ended at {ends_at.isoformat()} already"
        )
    if starts_at > now:
        raise InvalidChange(
            field="window_id",
            problem=f"{window_id} has not started: change its times with PATCH instead",
        )


def check_appointed_day(day: dt.date, name: str) -> str:
    """
    A day of public thanksgiving or mourning: named, and a weekday (a weekend day never
    counts as a working day anyway). Returns the name stripped.

    Source: SI 2006/3304 Sch. 2 r. 2 and the like: such days do not count as working days.

    Raises:
        InvalidChange: no name, or a weekend day.
    """
    text = require_text(
        name, field="name", problem="name the day (e.g. 'National day of mourning')"
    )
    if day.weekday() >= 5:
        raise InvalidChange(
            field="date", problem=f"{day} is a weekend day, never a working day anyway"
        )
    return text
