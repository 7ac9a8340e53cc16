"""
Time in the domain: aware instants, civil days in Europe/London.

`dt.date` is a civil day of a timetable; `dt.datetime` is an instant, always aware.
The domain never reads a clock: callers pass `now`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from app.domain.errors import NaiveDatetime

__all__ = ["LONDON", "UTC", "london_instant", "require_aware"]

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
