"""ICS and election-id import and export (icalendar)."""

from app.calendars.shipped import read_election_calendar, read_shipped_calendars
from app.calendars.sources import (
    CalendarError,
    SourceEntry,
    TooLarge,
    entries_from_election_ids,
    entries_from_everyelection,
    read_ics,
    refuse_control_characters,
)

__all__ = [
    "CalendarError",
    "SourceEntry",
    "TooLarge",
    "entries_from_election_ids",
    "entries_from_everyelection",
    "read_election_calendar",
    "read_shipped_calendars",
    "read_ics",
    "refuse_control_characters",
]
