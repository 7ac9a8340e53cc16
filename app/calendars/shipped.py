"""
The election calendars shipped in `calendars/`, read strictly with `read_ics`.

Each VEVENT is one election: `X-PURDAH-ELECTION-ID` names it, `DTSTART` (a date) is polling
day, `X-PURDAH-NOTICE-PUBLISHED` records the day the notice of election was actually
published, and `X-PURDAH-STATUS` is scheduled, held, uncontested, countermanded or cancelled.
"""

from pathlib import Path

from app.calendars.sources import CalendarError, read_ics
from app.domain import ElectionStatus, ListedElection, parse_election_id

__all__ = ["read_election_calendar", "read_shipped_calendars"]

STATUSES = tuple(s.value for s in ElectionStatus)
_MAX_EVENTS = 10_000


def read_election_calendar(path: Path) -> tuple[ListedElection, ...]:
    """
    Read one shipped calendar.

    Raises:
        CalendarError: the file is not a calendar, or an event is not a consistent election.
    """
    try:
        entries = read_ics(path.read_bytes(), max_events=_MAX_EVENTS)
    except CalendarError as exc:
        raise CalendarError(where=f"{path}: {exc.where}", problem=exc.problem) from None
    found = []
    for entry in entries:
        where = f"{path}: event at {entry.where} ({entry.uid or 'no UID'})"
        if entry.how != "X-PURDAH-ELECTION-ID" or entry.election_id is None:
            raise CalendarError(where=where, problem="no X-PURDAH-ELECTION-ID")
        ref = parse_election_id(entry.election_id)
        if entry.poll_date != ref.poll_date:
            raise CalendarError(
                where=where,
                problem=f"DTSTART {entry.poll_date} is not the poll date in {entry.election_id}",
            )
        status = entry.status or "scheduled"
        if status not in STATUSES:
            raise CalendarError(
                where=where,
                problem=f"X-PURDAH-STATUS {status!r} is not one of {', '.join(STATUSES)}",
            )
        notice = entry.notice_published
        if notice is not None and notice >= ref.poll_date:
            raise CalendarError(
                where=where,
                problem=f"notice published {notice} is not before polling day {ref.poll_date}",
            )
        found.append(
            ListedElection(
                election=ref,
                summary=entry.summary or entry.election_id,
                status=ElectionStatus(status),
                notice_published=notice,
                description=entry.description,
            )
        )
    return tuple(found)


def read_shipped_calendars(folder: Path) -> tuple[ListedElection, ...]:
    """Every election of the `*.ics` calendars in a folder, one per id (later files win)."""
    found: dict[str, ListedElection] = {}
    for path in sorted(folder.glob("*.ics")):
        for entry in read_election_calendar(path):
            found[entry.election.election_id] = entry
    return tuple(found.values())
