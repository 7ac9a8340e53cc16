"""
The election calendars shipped in `calendars/`: ICS files read with `icalendar`.

Each VEVENT is one election: `X-PURDAH-ELECTION-ID` names it, `DTSTART` (a date) is polling
day, `X-PURDAH-NOTICE-PUBLISHED` records the day the notice of election was actually
published, and `X-PURDAH-STATUS` is scheduled, held, uncontested, countermanded or cancelled.
The full import (uploads, URLs, other feeds' shapes) builds on this.
"""

import datetime as dt
from pathlib import Path

import icalendar

from app.domain import ElectionStatus, ListedElection, PurdahError, parse_election_id

__all__ = ["CalendarError", "read_election_calendar"]

STATUSES = tuple(s.value for s in ElectionStatus)


class CalendarError(PurdahError):
    """An election calendar that cannot be read; the message says which event and why."""


def read_election_calendar(path: Path) -> tuple[ListedElection, ...]:
    """
    Read one shipped calendar.

    Raises:
        CalendarError: the file is not a calendar, or an event is inconsistent.
    """
    text = path.read_bytes()
    if not text.lstrip().startswith(b"BEGIN:VCALENDAR") or b"END:VCALENDAR" not in text:
        msg = f"{path}: not an iCalendar file (BEGIN:VCALENDAR ... END:VCALENDAR)"
        raise CalendarError(msg)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        msg = f"{path}: malformed iCalendar: {exc}"
        raise CalendarError(msg) from None
    found = []
    for event in calendar.walk("VEVENT"):
        found.append(_election(path, event))
    return tuple(found)


def _election(path: Path, event: icalendar.cal.Component) -> ListedElection:
    uid = str(event.get("UID", "?"))
    election_id = str(event.get("X-PURDAH-ELECTION-ID", "")).strip()
    if not election_id:
        msg = f"{path}: event {uid}: no X-PURDAH-ELECTION-ID"
        raise CalendarError(msg)
    ref = parse_election_id(election_id)
    if "DTSTART" not in event:
        msg = f"{path}: event {uid}: no DTSTART (polling day)"
        raise CalendarError(msg)
    start = event.decoded("DTSTART")
    poll = start.date() if isinstance(start, dt.datetime) else start
    if poll != ref.poll_date:
        msg = f"{path}: event {uid}: DTSTART {poll} is not the poll date in {election_id}"
        raise CalendarError(msg)
    status = str(event.get("X-PURDAH-STATUS", "scheduled")).strip().lower()
    if status not in STATUSES:
        msg = f"{path}: event {uid}: X-PURDAH-STATUS {status!r} is not one of {', '.join(STATUSES)}"
        raise CalendarError(msg)
    notice_text = event.get("X-PURDAH-NOTICE-PUBLISHED")
    notice = None
    if notice_text is not None:
        try:
            notice = dt.date.fromisoformat(str(notice_text).strip())
        except ValueError:
            msg = f"{path}: event {uid}: X-PURDAH-NOTICE-PUBLISHED {notice_text!s} is not a date"
            raise CalendarError(msg) from None
        if notice >= poll:
            msg = f"{path}: event {uid}: notice published {notice} is not before polling day {poll}"
            raise CalendarError(msg)
    return ListedElection(
        election=ref,
        summary=str(event.get("SUMMARY", election_id)),
        status=ElectionStatus(status),
        notice_published=notice,
        description=str(event.get("DESCRIPTION", "")),
    )
