"""
"Are we restricted now, and when next?" in words, for the Clerk's console.

Reads the merged windows a snapshot already holds (`Snapshot.windows`, `windows_for`), so the
answer is the one `decide()` gives: the window in force at `at` (half-open, `[starts_at,
ends_at)`) and the first one starting after it.
"""

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.clock import LONDON
from app.domain.feeds import elections_phrase
from app.domain.periods import Window

__all__ = ["RestrictionStatus", "local_time", "restriction_status", "what_restricts"]


def local_time(instant: dt.datetime) -> str:
    """ "22:00 on Thursday 7 May 2026", in Europe/London time."""
    return instant.astimezone(LONDON).strftime("%H:%M on %A %-d %B %Y")


def what_restricts(window: Window, organisation_name: str) -> str:
    """
    What a window is for, as a person says it: "Cornwall Council and Redruth Town Council
    elections", "restricted by the Clerk: a referendum announced late", or both.
    """
    parts = []
    if window.election_ids:
        parts.append(elections_phrase(window.election_ids, organisation_name))
    if window.manual_reasons:
        parts.append("restricted by the Clerk: " + "; ".join(window.manual_reasons))
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class RestrictionStatus:
    """The window in force at an instant, if any, and the next one to start after it."""

    at: dt.datetime
    current: Window | None
    upcoming: Window | None

    def words(self, organisation_name: str) -> str:
        """
        "Restricted until 22:00 on Thursday 7 May 2026 (Cornwall Council elections)" or "Not
        restricted. Next: from 00:00 on Tuesday 27 March 2029 (...)".
        """
        if self.current is not None:
            why = what_restricts(self.current, organisation_name)
            return f"Restricted until {local_time(self.current.ends_at)} ({why})"
        if self.upcoming is None:
            return "Not restricted. No restriction is known ahead."
        why = what_restricts(self.upcoming, organisation_name)
        estimated = ", start estimated" if self.upcoming.estimated else ""
        return (
            f"Not restricted. Next: from {local_time(self.upcoming.starts_at)} ({why}{estimated})"
        )


def restriction_status(windows: Sequence[Window], at: dt.datetime) -> RestrictionStatus:
    """
    The window in force at `at` and the next to start after it, from merged windows in time
    order (no two overlap or touch: `merge_windows`).
    """
    starts = [w.starts_at for w in windows]
    i = bisect_right(starts, at) - 1
    current = windows[i] if i >= 0 and windows[i].contains(at) else None
    upcoming = windows[i + 1] if i + 1 < len(windows) else None
    return RestrictionStatus(at=at, current=current, upcoming=upcoming)
