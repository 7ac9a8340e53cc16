"""
The ICS feed of restriction windows (RFC 5545), written with `icalendar`.

One VEVENT per window, in Europe/London with its VTIMEZONE; `TRANSP:TRANSPARENT`, so a
seven-week pre-election period never shows staff as busy. UIDs come from the organisation
and the window's identity (`feed_uid`); SEQUENCE, DTSTAMP and LAST-MODIFIED come from what the
feed remembers of each window (`PublishedWindow`), never from the fetch, so two fetches of
unchanged data are byte-for-byte equal. Optional all-day companion events mark the notice
(the day the window begins) and each polling day, so the feed reads well in month view.
"""

import datetime as dt
import functools
from collections.abc import Callable, Sequence

import icalendar

from app.domain import LONDON, Policy
from app.domain.feeds import (
    PublishedWindow,
    feed_uid,
    poll_name,
    window_description,
    window_summary,
)

__all__ = ["PRODID", "REFRESH", "render_feed"]

PRODID = "-//purdah-controller//Restricted periods//EN"
REFRESH = dt.timedelta(hours=1)
_TZID = "Europe/London"


@functools.lru_cache(maxsize=32)
def _vtimezone(first_year: int, last_year: int) -> icalendar.Timezone:
    """Europe/London from the tz database, for the years the events need (built once)."""
    return icalendar.Timezone.from_tzid(
        _TZID, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1)
    )


def _local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(LONDON)


def _utc(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(dt.UTC)


def render_feed(
    windows: Sequence[PublishedWindow],
    *,
    policy: Policy,
    calendar_name: str,
    account_id: str | None,
    window_url: Callable[[PublishedWindow], str],
    check_url: str,
    companions: bool = False,
) -> bytes:
    """
    The feed as bytes: CRLF line endings, lines folded at 75 octets (icalendar does both).

    Args:
        windows: the windows to publish, cancelled ones included (they get STATUS:CANCELLED).
        account_id: the account whose feed this is, or None for the organisation's.
        window_url: each window's URL in the API.
        check_url: where a scheduling tool or a person checks a post.
        companions: add all-day events for the notice (start) day and each polling day.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", _TZID)
    calendar.add(
        "x-wr-caldesc",
        f"When {policy.organisation_name}'s official social media must stay quiet before "
        "elections (policy 5.3g), and what is still allowed.",
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # a DURATION value, as Outlook reads it
    if windows:
        years = [y for w in windows for y in (_local(w.starts_at).year, _local(w.ends_at).year)]
        calendar.add_component(_vtimezone(min(years), max(years)))
    for window in windows:
        calendar.add_component(_event(window, policy, account_id, window_url(window), check_url))
        if companions:
            for event in _companions(window, policy, account_id):
                calendar.add_component(event)
    return calendar.to_ical()


def _event(
    window: PublishedWindow, policy: Policy, account_id: str | None, url: str, check_url: str
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", feed_uid(policy.organisation_id, window.anchor, account_id))
    event.add("dtstamp", _utc(window.changed_at))
    event.add("last-modified", _utc(window.changed_at))
    event.add("sequence", window.sequence)
    event.add("summary", window_summary(window, policy.organisation_name))
    event.add("description", window_description(window, policy, check_url=check_url))
    event.add("dtstart", _local(window.starts_at))
    event.add("dtend", _local(window.ends_at))
    event.add("url", url)
    event.add("categories", ["Pre-election period"])
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    event.add("status", "CANCELLED" if window.cancelled_at is not None else "CONFIRMED")
    return event


def _all_day(uid: str, day: dt.date, summary: str, window: PublishedWindow) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(window.changed_at))
    event.add("last-modified", _utc(window.changed_at))
    event.add("sequence", window.sequence)
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if window.cancelled_at is not None else "CONFIRMED")
    return event


def _companions(
    window: PublishedWindow, policy: Policy, account_id: str | None
) -> list[icalendar.Event]:
    org = policy.organisation_id
    events = [
        _all_day(
            feed_uid(org, f"{window.anchor}.begins", account_id),
            _local(window.starts_at).date(),
            "Pre-election period begins (notice of election)"
            if window.election_ids
            else "Publishing restriction begins",
            window,
        )
    ]
    for ref in window.elections():
        events.append(
            _all_day(
                feed_uid(org, f"{ref.election_id}.polling-day", account_id),
                ref.poll_date,
                f"Polling day: {poll_name(ref, policy.organisation_name)}",
                window,
            )
        )
    return events
