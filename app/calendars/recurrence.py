"""
Recurring scheduled elections: an RFC 5545 recurrence rule (RRULE, with EXDATE and RDATE)
expanded with python-dateutil into polling days, up to a horizon.

Ordinary elections recur on a fixed cycle: English parish and town councillors are elected
every four years (Local Government Act 1972 s. 16(3)) on the ordinary day of local elections,
the first Thursday in May (Representation of the People Act 1983 s. 37), so
`FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH` from the first such poll. A poll moved by order
(Northern Ireland's 2023 council elections, Belfast's among them, moved from 4 to 18 May
because of the coronation) is an EXDATE for the day it left plus an RDATE (or a one-off
election) for the day it moved to.

A rule must end (COUNT or UNTIL): a rule without an end would make elections for ever.
"""

import datetime as dt
import re
from collections.abc import Sequence

from dateutil.rrule import rrulestr

from app.domain import PurdahError

__all__ = ["MAX_OCCURRENCES", "RecurrenceError", "poll_dates"]

MAX_OCCURRENCES = 60
_RULE = re.compile(r"^[A-Z0-9=;,+\-]+$")


class RecurrenceError(PurdahError):
    """A recurrence that cannot be used; names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def poll_dates(
    rule: str,
    *,
    dtstart: dt.date,
    exdates: Sequence[dt.date] = (),
    rdates: Sequence[dt.date] = (),
    until: dt.date,
) -> tuple[dt.date, ...]:
    """
    The polling days of a schedule from `dtstart` up to and including `until` (the horizon).

    Raises:
        RecurrenceError: the rule does not parse, has no end, or makes more than
            MAX_OCCURRENCES polls within the horizon.
    """
    text = rule.strip().removeprefix("RRULE:").upper()
    if not text or not _RULE.match(text):
        raise RecurrenceError(field="rrule", problem=f"{rule!r} is not an RFC 5545 RRULE value")
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise RecurrenceError(
            field="rrule",
            problem="the rule has no end: give COUNT or UNTIL (a schedule cannot make elections for ever)",
        )
    if parts.get("FREQ") not in ("YEARLY", "MONTHLY"):
        raise RecurrenceError(
            field="rrule",
            problem=f"FREQ={parts.get('FREQ')}: scheduled elections recur YEARLY (or MONTHLY at most)",
        )
    start = dt.datetime.combine(dtstart, dt.time(0, 0))
    try:
        recurrence = rrulestr(text, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(field="rrule", problem=f"not a valid RRULE: {exc}") from None
    if parts.get("INTERVAL", "1") in ("0", ""):
        raise RecurrenceError(field="rrule", problem="INTERVAL must be at least 1")
    horizon = dt.datetime.combine(until, dt.time(23, 59))
    days: set[dt.date] = set()
    try:
        for occurrence in recurrence.xafter(start, count=MAX_OCCURRENCES + 1, inc=True):
            if occurrence > horizon:
                break
            days.add(occurrence.date())
            if len(days) > MAX_OCCURRENCES:
                raise RecurrenceError(
                    field="rrule",
                    problem=f"the rule makes more than {MAX_OCCURRENCES} elections within the horizon",
                )
    except (ValueError, IndexError, OverflowError) as exc:
        raise RecurrenceError(field="rrule", problem=f"not a usable RRULE: {exc}") from None
    days -= set(exdates)
    days |= {d for d in rdates if d <= until}
    return tuple(sorted(days))
