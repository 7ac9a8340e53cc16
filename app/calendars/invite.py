"""
One restriction window as a calendar attachment of a notification email (RFC 5545, built with
`icalendar`).

`METHOD:PUBLISH`, so a calendar app offers to add it rather than to answer an invitation; one
VEVENT in Europe/London with its VTIMEZONE, `TRANSP:TRANSPARENT` like the feed's (a
pre-election period never shows staff as busy), and the UID the caller gives: the feed's UID
of the window (`domain.feeds.feed_uid`), so an app that has both sees one window.
"""

import datetime as dt

import icalendar

from app.domain import LONDON

__all__ = ["window_invite"]

PRODID = "-//purdah-controller//Notification//EN"
_TZID = "Europe/London"


def window_invite(
    *,
    uid: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    summary: str,
    description: str,
    stamp: dt.datetime,
    url: str | None = None,
) -> bytes:
    """
    The calendar, as bytes with CRLF line endings.

    Args:
        stamp: when the notice was made (DTSTAMP, in UTC).
        url: the window in the service, if absolute.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    first = starts_at.astimezone(LONDON).date()
    last = ends_at.astimezone(LONDON).date()
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            _TZID,
            first_date=dt.date(first.year, 1, 1),
            last_date=dt.date(last.year + 1, 1, 1),
        )
    )
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", starts_at.astimezone(LONDON))
    event.add("dtend", ends_at.astimezone(LONDON))
    event.add("summary", summary)
    event.add("description", description)
    if url is not None and url.startswith(("https://", "http://")):
        event.add("url", url)
    event.add("categories", ["Pre-election period"])
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
