"""
Time in the domain: aware instants, civil days in Europe/London.

`dt.date` is a civil day of a timetable; `dt.datetime` is an instant, always aware.
The domain never reads a clock: callers pass `now`.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from app.domain.errors import NaiveDatetime

__all__ = ["LONDON", "UTC", "london_instant", "parse_instant", "require_aware"]

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def require_aware(value: dt.datetime, *, field: str = "datetime") -> dt.datetime:
    """
    Return `value` in UTC, refusing a naive datetime.

    Raises:
        NaiveDatetime: `value` has no UTC offset.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(field, value.isoformat())
    return value.astimezone(UTC)


def london_instant(day: dt.date, time: dt.time = dt.time(0, 0)) -> dt.datetime:
    """
    The instant, in UTC, at which the wall clock in Europe/London shows `day` at `time`.

    The one place where civil days become instants. Election times (00:00, 16:00,
    22:00) never fall in the 01:00-02:00 changeover hour, so `fold` never matters;
    zoneinfo would resolve a gap forwards and a repeated hour to its first occurrence.
    """
    return dt.datetime.combine(day, time, tzinfo=LONDON).astimezone(UTC)


# RFC 3339 (section 5.6) date-time, with the offset optional so that a naive time can be
# told it is naive: seconds and a fraction may be left out, the offset may lack its colon.
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)


def parse_instant(text: str) -> dt.datetime:
    """
    A date-time from RFC 3339 text; naive if the text has no offset (callers refuse that).

    The one parser of date-times from outside (bodies, query parameters, the command line),
    so every entry point gives the same answer. Stricter than `datetime.fromisoformat`,
    which also takes an offset with seconds (`+01:00:30`, which RFC 3339 does not allow:
    its offsets are whole minutes), basic format (`20250101T000000Z`) and anything after a NUL
    (`2025-01-01T00:00:00\\x00Z`).

    Raises:
        ValueError: `text` is not an RFC 3339 date-time, or names no real instant
            (29 February of a common year, a leap second, hour 24).
    """
    if not _INSTANT.fullmatch(text):
        msg = f"{text!r} is not an RFC 3339 date-time such as 2025-04-01T09:00:00+01:00"
        raise ValueError(msg)
    try:
        return dt.datetime.fromisoformat(text.upper())
    except ValueError as exc:
        msg = f"{text!r} is not a date-time that exists: {exc}"
        raise ValueError(msg) from None
