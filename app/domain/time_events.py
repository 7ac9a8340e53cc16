"""
Time events: the instants at which a restriction window is announced, without any change.

A window is announced three times: `window.upcoming` the policy's warning horizon before it
starts, `window.started` when it starts and `window.ended` when it ends; a policy's review is
announced as `policy.review_due` the day after it was due. `boundaries` lists the ones to
schedule for an organisation's windows as they are now.

`since` is when the organisation's schedule was last worked out (or now, the first time): a
boundary before it was either scheduled then (and stays scheduled, or was sent) or is older
than anything this service promised to announce, so it is left out. A boundary between
`since` and now is kept: the window changed under it since the last look (a window the Clerk
ended a moment ago), and it is sent at once, on time or, later than `LATE_AFTER`, marked late.
A window that starts inside the warning horizon of when it is first seen is announced as
upcoming at once.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.periods import Window

__all__ = [
    "LATE_AFTER",
    "POLICY_ANCHOR",
    "TIME_EVENT_TYPES",
    "Boundary",
    "boundaries",
    "is_late",
]

TIME_EVENT_TYPES = ("window.upcoming", "window.started", "window.ended", "policy.review_due")

# The anchor of the policy's own boundary (a window's anchor is its first election or its
# manual window's id, neither of which can be this).
POLICY_ANCHOR = "policy"

# A time event sent more than this after its instant says so (`late`): the service was down,
# or its scheduler fell behind.
LATE_AFTER = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Boundary:
    """
    One announcement to make.

    Attributes:
        kind: one of `TIME_EVENT_TYPES`.
        anchor: the window's anchor (`Window.anchor`), or `POLICY_ANCHOR`.
        boundary_at: the instant announced: the window's start (upcoming, started), its end
            (ended), or the start of the day after the review was due.
        due_at: when to send it.
    """

    kind: str
    anchor: str
    boundary_at: dt.datetime
    due_at: dt.datetime

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        """What makes it the same announcement when the schedule is worked out again."""
        return (self.kind, self.anchor, self.boundary_at)


def boundaries(
    windows: Iterable[Window],
    *,
    warning_horizon: dt.timedelta | None,
    review_due_at: dt.datetime | None,
    since: dt.datetime,
) -> list[Boundary]:
    """
    The announcements of `windows` and of the policy review at or after `since`, by due time.

    Args:
        warning_horizon: how long before a window starts to announce it as upcoming; None
            or zero announces no upcoming window (the policy could not be read, or asks none).
        review_due_at: the instant the policy's review is overdue (`Policy.review_due_at`).
        since: see the module.
    """
    found: list[Boundary] = []
    for window in windows:
        start, end = window.starts_at, window.ends_at
        if start >= since:
            if warning_horizon:
                due = max(start - warning_horizon, since)
                found.append(Boundary("window.upcoming", window.anchor, start, due))
            found.append(Boundary("window.started", window.anchor, start, start))
        if end >= since:
            found.append(Boundary("window.ended", window.anchor, end, end))
    if review_due_at is not None and review_due_at >= since:
        found.append(Boundary("policy.review_due", POLICY_ANCHOR, review_due_at, review_due_at))
    found.sort(key=lambda b: (b.due_at, b.kind, b.anchor))
    return found


def is_late(due_at: dt.datetime, sent_at: dt.datetime) -> bool:
    """Whether an announcement sent at `sent_at` is late for `due_at` (see `LATE_AFTER`)."""
    return sent_at - due_at > LATE_AFTER
