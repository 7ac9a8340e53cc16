"""ICS and election-id import and export (icalendar)."""

from app.calendars.shipped import CalendarError, ShippedElection, read_election_calendar

__all__ = ["CalendarError", "ShippedElection", "read_election_calendar"]
