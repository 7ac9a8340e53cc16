"""ICS and election-id import and export (icalendar)."""

from app.calendars.shipped import CalendarError, read_election_calendar

__all__ = ["CalendarError", "read_election_calendar"]
