"""
What an election source says, read into `SourceEntry` values: ICS calendars, lists of
Democracy Club election ids, and EveryElection's election objects.

An ICS calendar is checked line by line before `icalendar` reads it, because `icalendar` is
lenient where an import must not be: a truncated file or an unterminated VEVENT must be an
error (not an empty calendar), an unknown TZID must not become a floating time, and a date
that is not a date must not be kept as text. Every error names the line. Time zones the file
defines (VTIMEZONE) are read by `app.calendars.zones`, bounded before anything is expanded;
icalendar never sees them, because it keeps every zone it parses for the life of the process.

Which events are elections, in this order:
1. `X-PURDAH-ELECTION-ID` (our own calendars, `calendars/*.ics`);
2. a WhoCanIVoteFor postcode feed's UID, `<post id>-<election id>`
   (DemocracyClub/WhoCanIVoteFor, `PostcodeiCalView`); its "address picker" event means the
   postcode is split between areas, and its hustings are not elections;
3. an election id in `CATEGORIES`, then anywhere in `DESCRIPTION` or `SUMMARY`;
4. an event that only says "polling day": a poll, but the source does not say which; the
   Clerk confirms it with a kind.
Anything else is skipped, with the reason.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import icalendar

from app.calendars.errors import CalendarError, TooLarge
from app.calendars.zones import MOST_ZONES, ObservanceText, Zones, ZoneText, known_zones, read_zones
from app.domain import LONDON
from app.domain.sources import SourceEntry
from app.domain.text import control_character, describe_control_character

__all__ = [
    "CalendarError",
    "SourceEntry",
    "TooLarge",
    "entries_from_election_ids",
    "entries_from_everyelection",
    "read_ics",
]

_ID = (
    r"(?:local|parl|pcc|mayor|gla|sp|senedd|naw|nia|ref|parish)"
    r"\.(?:[a-z0-9-]+\.)*\d{4}-\d{2}-\d{2}"
)
ELECTION_ID = re.compile(rf"(?<![\w.-])({_ID})(?![\w-])")
_WCIVF_UID = re.compile(rf"^.+?-({_ID})$")
_POLLING_DAY = re.compile(r"\bpolling[ -]day\b|\bday of (?:the )?poll\b|\belection day\b", re.I)
_HOLDS_ID = ("X-PURDAH-ELECTION-ID", "CATEGORIES", "DESCRIPTION", "SUMMARY")


# --- ICS --------------------------------------------------------------------------------------


@dataclass
class _Component:
    name: str
    line: int
    properties: dict[str, int] = field(default_factory=dict)
    tzids: dict[str, str] = field(default_factory=dict)


@dataclass
class _Scan:
    """What the line-by-line check found, and the text icalendar is given."""

    events: list[_Component]
    zones: list[ZoneText]
    last_years: dict[str, int]  # the latest year of a time given in each TZID
    text: str  # without VTIMEZONEs or TZID parameters: icalendar caches zones process-wide


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CalendarError(
            where=f"line {line}",
            problem="not UTF-8 text (iCalendar files are UTF-8, RFC 5545 section 3.1.4)",
        ) from None
    return text


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfolded content lines with the number of the physical line each starts on."""
    lines: list[tuple[int, str]] = []
    physical = text.split("\n")
    for number, raw in enumerate(physical, start=1):
        line = raw.removesuffix("\r")
        if "\r" in line:
            raise CalendarError(
                where=f"line {number}", problem="a bare carriage return inside a line"
            )
        if line[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + line[1:])
        elif line.strip():
            lines.append((number, line))
    return lines


_TZID_PARAM = re.compile(r";TZID=(\"[^\"]*\"|[^;:]*)", re.I)
_NAME = re.compile(r'(?:[^":]|"[^"]*")*')
_YEAR = re.compile(r"(\d{4})\d{4}")


def _split(line: str) -> tuple[str, str]:
    """A content line's name with its parameters, and its value: at the first colon outside
    quotes (a parameter such as ALTREP="https://..." holds colons)."""
    end = _NAME.match(line).end()  # type: ignore[union-attr] # the pattern matches ""
    if end < len(line) and line[end] == ":":
        return line[:end], line[end + 1 :]
    name, _, value = line.partition(":")
    return name, value


def _zone_property(
    zone: ZoneText, stack: list[_Component], key: str, line: tuple[int, str, str]
) -> None:
    if stack[-1].name == "VTIMEZONE" and key == "TZID" and not zone.tzid:
        zone.tzid, zone.tzid_line = line[2].strip(), line[0]
    elif stack[-1].name in ("STANDARD", "DAYLIGHT") and stack[-2].name == "VTIMEZONE":
        zone.observances[-1].properties.append(line)


def _structure(lines: list[tuple[int, str]], max_events: int) -> _Scan:
    """Check BEGIN/END nesting and TZIDs; find the VEVENTs and VTIMEZONEs."""
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        first = lines[0][1][:60] if lines else ""
        where = f"line {lines[0][0]}" if lines else "line 1"
        raise CalendarError(
            where=where, problem=f"not an iCalendar file: it starts {first!r}, not BEGIN:VCALENDAR"
        )
    stack: list[_Component] = []
    events: list[_Component] = []
    zones: list[ZoneText] = []
    zones_used: list[tuple[int, str]] = []
    last_years: dict[str, int] = {}
    kept: list[str] = []
    ended = False
    for number, line in lines:
        name, value = _split(line)
        key = name.split(";", 1)[0].strip().upper()
        if ended:
            raise CalendarError(where=f"line {number}", problem="content after END:VCALENDAR")
        in_zone = len(stack) > 1 and stack[1].name == "VTIMEZONE"  # only ever there
        if key == "BEGIN":
            component = _Component(value.strip().upper(), number)
            if component.name == "VTIMEZONE":
                if len(stack) != 1:
                    raise CalendarError(
                        where=f"line {number}",
                        problem="a VTIMEZONE must be directly inside the VCALENDAR "
                        "(RFC 5545 3.6.5)",
                    )
                zones.append(ZoneText(number))
                if len(zones) > MOST_ZONES:
                    raise CalendarError(
                        where=f"line {number}",
                        problem=f"more than {MOST_ZONES} time zones (VTIMEZONE) in one calendar",
                    )
                in_zone = True
            elif component.name in ("STANDARD", "DAYLIGHT") and stack[-1].name == "VTIMEZONE":
                zones[-1].observances.append(ObservanceText(component.name, number))
            stack.append(component)
            if component.name == "VEVENT":
                events.append(component)
                if len(events) > max_events:
                    msg = f"the calendar has more than {max_events} events, the import limit"
                    raise TooLarge(msg)
        elif key == "END":
            closing = value.strip().upper()
            if not stack or stack[-1].name != closing:
                open_part = (
                    f"the {stack[-1].name} begun at line {stack[-1].line} is not ended"
                    if stack
                    else "nothing is open"
                )
                raise CalendarError(
                    where=f"line {number}", problem=f"END:{closing}, but {open_part}"
                )
            stack.pop()
            ended = not stack
        elif not stack:
            raise CalendarError(
                where=f"line {number}", problem="a property outside BEGIN:VCALENDAR"
            )
        else:
            stack[-1].properties.setdefault(key, number)
            if in_zone:
                _zone_property(zones[-1], stack, key, (number, name, value))
            for match in _TZID_PARAM.finditer(name):
                tzid = match.group(1).strip('"')
                zones_used.append((number, tzid))
                stack[-1].tzids.setdefault(key, tzid)
                years = [int(year) for year in _YEAR.findall(value)]
                last_years[tzid] = max([last_years.get(tzid, 0), *years])
            bare = _TZID_PARAM.sub("", name)
            if bare != name:
                line = f"{bare}:{value}"
        if not in_zone:
            kept.append(line)
    if stack:
        raise CalendarError(
            where=f"line {lines[-1][0]}",
            problem=f"the file ends inside the {stack[-1].name} begun at line {stack[-1].line} "
            "(truncated? no END:" + stack[-1].name + ")",
        )
    zones_defined = {zone.tzid for zone in zones}
    for number, tzid in zones_used:
        if tzid not in zones_defined and tzid not in known_zones():
            raise CalendarError(
                where=f"line {number}",
                problem=f"unknown TZID {tzid!r}: no VTIMEZONE in the file defines it and it is not "
                "in the tz database",
            )
    return _Scan(events, zones, last_years, "\r\n".join(kept) + "\r\n")


def _day(value: Any, where: str, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            try:
                return value.astimezone(LONDON).date()
            except OverflowError:
                raise CalendarError(
                    where=where, problem=f"{name} {value!s} is out of range"
                ) from None
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise CalendarError(where=where, problem=f"{name} {value!s} is not a date")


def read_ics(data: bytes, *, max_events: int) -> tuple[SourceEntry, ...]:
    """
    Read an ICS calendar into source entries.

    Raises:
        CalendarError: not a calendar, truncated, badly nested, an unknown TZID, or a date
            that is not a date; the error names the line.
        TooLarge: more events than `max_events`.
    """
    lines = _logical_lines(_decode(data))
    scan = _structure(lines, max_events)
    zones = read_zones(scan.zones, scan.last_years)
    components = scan.events
    try:
        calendar = icalendar.Calendar.from_ical(scan.text)
    except ValueError as exc:
        raise CalendarError(
            where="file", problem=f"malformed iCalendar: {str(exc)[:200]}"
        ) from None
    events = list(calendar.walk("VEVENT"))
    if len(events) != len(components):
        raise CalendarError(
            where="file", problem="malformed iCalendar: the events could not all be read"
        )
    return tuple(
        _entry(event, component, zones) for event, component in zip(events, components, strict=True)
    )


def _property_error(event: icalendar.cal.Component, component: _Component) -> None:
    for name, problem in getattr(event, "errors", ()):
        key = str(name).upper()
        line = component.properties.get(key, component.line)
        raw = str(problem).splitlines()[0][:120]
        raise CalendarError(where=f"line {line}", problem=f"{key} is not valid: {raw}")


def _text(event: icalendar.cal.Component, name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if hasattr(value, "cats"):
        return " ".join(str(c) for c in value.cats)
    return str(value)


def _entry(event: icalendar.cal.Component, component: _Component, zones: Zones) -> SourceEntry:
    where = f"line {component.line}"
    _property_error(event, component)
    uid = _text(event, "UID").strip() or None
    summary = _text(event, "SUMMARY").strip()
    if uid and uid.endswith("-address-picker"):
        return SourceEntry(
            where,
            summary,
            uid=uid,
            skip="WhoCanIVoteFor needs an address: this postcode is split between areas; "
            "import the feed for the council's address instead",
        )
    if "DTSTART" not in event:
        return SourceEntry(where, summary, uid=uid, skip="no DTSTART, so no polling day")
    start_line = f"line {component.properties.get('DTSTART', component.line)}"
    start = event.decoded("DTSTART")
    tzid = component.tzids.get("DTSTART")
    if tzid and isinstance(start, dt.datetime):  # TZID wins over a trailing Z, as before
        start = zones.localise(tzid, start.replace(tzinfo=None), where=start_line)
    poll = _day(start, start_line, "DTSTART")
    status = _text(event, "STATUS").strip().upper()
    purdah_status = _text(event, "X-PURDAH-STATUS").strip().lower()
    cancelled = status == "CANCELLED" or purdah_status in ("cancelled", "countermanded")
    description = _text(event, "DESCRIPTION").strip()
    reason = (description.splitlines()[0][:300] if description else None) if cancelled else None
    notice = None
    notice_value = event.get("X-PURDAH-NOTICE-PUBLISHED")
    notice_text = (
        notice_value.dt.isoformat()
        if isinstance(getattr(notice_value, "dt", None), dt.date)
        else _text(event, "X-PURDAH-NOTICE-PUBLISHED").strip()
    )
    if notice_text:
        try:
            notice = dt.date.fromisoformat(notice_text)  # 2025-03-14 or 20250314
        except ValueError:
            line = component.properties.get("X-PURDAH-NOTICE-PUBLISHED", component.line)
            raise CalendarError(
                where=f"line {line}",
                problem=f"X-PURDAH-NOTICE-PUBLISHED {notice_text!r} is not a date",
            ) from None
    common: dict[str, Any] = {
        "where": where,
        "summary": summary,
        "description": description,
        "poll_date": poll,
        "notice_published": notice,
        "cancelled": cancelled,
        "cancellation_reason": reason
        or ("cancelled in the source calendar" if cancelled else None),
        "uid": uid,
        "status": purdah_status or None,
    }
    found = _text(event, "X-PURDAH-ELECTION-ID").strip()
    if found:
        return SourceEntry(election_id=found, how="X-PURDAH-ELECTION-ID", **common)
    wcivf = _WCIVF_UID.match(uid or "")
    if wcivf:
        return SourceEntry(election_id=wcivf.group(1), how="UID (WhoCanIVoteFor)", **common)
    for name in _HOLDS_ID[1:]:
        match = ELECTION_ID.search(_text(event, name))
        if match:
            return SourceEntry(election_id=match.group(1), how=name, **common)
    if _POLLING_DAY.search(summary) or _POLLING_DAY.search(description):
        return SourceEntry(how="says polling day", **common)
    return SourceEntry(
        where,
        summary,
        uid=uid,
        skip="not an election: no election id, and it does not say polling day",
    )


# --- election ids and EveryElection -------------------------------------------------------


def entries_from_election_ids(ids: Sequence[str]) -> tuple[SourceEntry, ...]:
    """A list of Democracy Club election ids: the poll date is the one in each id."""
    return tuple(
        SourceEntry(f"election_ids[{i}]", election_id=e.strip(), how="election id")
        for i, e in enumerate(ids)
    )


def _optional_text(item: Mapping[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 2000:
        raise CalendarError(
            where=f"{where}.{name}", problem="must be text (at most 2,000 characters) or null"
        )
    return value.strip() or None


def entries_from_everyelection(objects: Iterable[Mapping[str, Any]]) -> tuple[SourceEntry, ...]:
    """
    EveryElection's election objects (https://elections.democracyclub.org.uk/api/elections/),
    as a council pastes them: `election_id`, `poll_open_date`, `election_type` (a string or
    EveryElection's `{"election_type": "local", ...}` object), `cancelled`,
    `cancellation_reason`, `replaced_by`. Other fields are ignored.

    Raises:
        CalendarError: a field of the wrong type, naming it (`elections[2].cancelled`).
    """
    entries = []
    for i, item in enumerate(objects):
        where = f"elections[{i}]"
        election_id = _optional_text(item, "election_id", where)
        if election_id is None:
            raise CalendarError(
                where=f"{where}.election_id", problem="every election object needs its election_id"
            )
        election_type = item.get("election_type")
        if isinstance(election_type, Mapping):
            election_type = election_type.get("election_type")
        if election_type is not None and not isinstance(election_type, str):
            raise CalendarError(
                where=f"{where}.election_type",
                problem='must be text, or an object with "election_type" text',
            )
        cancelled = item.get("cancelled", False)
        if not isinstance(cancelled, bool):
            raise CalendarError(where=f"{where}.cancelled", problem="must be true or false")
        poll = item.get("poll_open_date")
        poll_date = None
        if poll is not None:
            try:
                poll_date = dt.date.fromisoformat(str(poll)) if isinstance(poll, str) else None
            except ValueError:
                poll_date = None
            if poll_date is None:
                raise CalendarError(
                    where=f"{where}.poll_open_date", problem=f"{poll!r} is not a date (YYYY-MM-DD)"
                )
        entries.append(
            SourceEntry(
                where,
                _optional_text(item, "election_title", where) or "",
                election_id=election_id,
                poll_date=poll_date,
                cancelled=cancelled,
                cancellation_reason=_optional_text(item, "cancellation_reason", where),
                replaced_by=_optional_text(item, "replaced_by", where),
                kind_hint=election_type or None,
                how="EveryElection",
                uid=election_id,
            )
        )
    return tuple(entries)


# Free text of an entry: a calendar's DESCRIPTION may hold line breaks; nothing else may.
_MULTI_LINE_FIELDS = frozenset({"description", "cancellation_reason"})


def refuse_control_characters(source: str, entries: Sequence[SourceEntry]) -> None:
    """
    Refuse a source whose text holds control characters (app/domain/text.py), in the dry run
    as in the real one: a NUL or BEL in a SUMMARY would be stored in the election's source. The API and
    `purdah import` both call it.

    Raises:
        CalendarError: naming the entry (its line) and the field.
    """
    found = control_character(source)
    if found is not None:
        raise CalendarError(where="file", problem=f"its name {describe_control_character(found)}")
    for entry in entries:
        for entry_field in fields(entry):
            value = getattr(entry, entry_field.name)
            multi_line = entry_field.name in _MULTI_LINE_FIELDS
            found = (
                control_character(value, multi_line=multi_line) if isinstance(value, str) else None
            )
            if found is not None:
                why = describe_control_character(found, multi_line=multi_line)
                raise CalendarError(where=entry.where, problem=f"{entry_field.name} {why}")
