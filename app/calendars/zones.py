"""
The time zones a calendar defines for itself (VTIMEZONE), read here and bounded before
anything is expanded, so that no file can make the server do more than a fixed amount of
work, or keep anything once it has been read.

Why not icalendar's: icalendar 7 turns each VTIMEZONE it parses into a python-dateutil
`tzical` and keeps it for the life of the process in its module-wide provider
(`icalendar.timezone.tzp`, keyed by TZID: the first definition of a name wins), and a
`tzical` expands its rules from the zone's DTSTART up to the instant it is asked about,
caching every transition. Two 1 KB zones of 96 changes a year from year 1 to 9998 so cost
7 s of CPU and 210 MB that were never returned, in the process that serves every council;
and one council's definition of "GMT Standard Time" would have been used for the next
council's file. `read_ics` therefore never lets icalendar see a VTIMEZONE or a TZID.

Before anything is expanded:

* a file defines at most `MOST_ZONES` zones, each TZID once, each with a STANDARD or
  DAYLIGHT observance (RFC 5545 3.6.5);
* an observance's RRULE has the shape real time zones use: YEARLY, in named months, on days
  of the month and/or weekdays of the month, at named times (RFC 5545 3.3.10), at most
  `MOST_CHANGES_A_YEAR` a year;
* every zone's transitions are counted, each observance as the changes its rules can make a
  year times the years from its DTSTART to the last year that any time in that zone reaches
  (or its UNTIL), plus its DTSTART and RDATEs; the file's total is at most `MOST_CHANGES`.
  A real zone needs a few hundred (Outlook's start in 1601: two a year since then).

Then a zone that an event uses is expanded once, up to that last year, into a list that
belongs to this one read, and each time is found in it by bisection. A TZID that is in the
tz database is read with zoneinfo whatever the file says of it, as icalendar does.
"""

import bisect
import calendar
import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from app.calendars.errors import CalendarError

__all__ = [
    "MOST_CHANGES",
    "MOST_CHANGES_A_YEAR",
    "MOST_ZONES",
    "ObservanceText",
    "ZoneText",
    "Zones",
    "known_zones",
    "read_zones",
]

MOST_ZONES = 20
MOST_CHANGES = 20_000
MOST_CHANGES_A_YEAR = 100

_RULE_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "UNTIL",
        "COUNT",
        "WKST",
        "BYMONTH",
        "BYMONTHDAY",
        "BYDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
        "BYSETPOS",
    }
)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_LOCAL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")
_OFFSET = re.compile(r"^([+-])(\d{2})(\d{2})(\d{2})?$")


@functools.cache
def known_zones() -> frozenset[str]:
    """The TZIDs of the tz database (`tzdata`), read with zoneinfo."""
    return frozenset(zoneinfo.available_timezones())


@dataclass
class ObservanceText:
    """A STANDARD or DAYLIGHT as the scan met it: (line, name, value) of each property."""

    kind: str
    line: int
    properties: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class ZoneText:
    """A VTIMEZONE as the scan met it."""

    line: int
    tzid: str = ""
    tzid_line: int = 0
    observances: list[ObservanceText] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Rule:
    """An observance's RRULE, in the shape real time zones use."""

    months: tuple[int, ...]
    monthdays: tuple[int, ...]
    weekdays: tuple[tuple[int, int], ...]  # (nth in the month, 0 for every; Monday 0)
    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    seconds: tuple[int, ...]
    setpos: tuple[int, ...]
    interval: int
    count: int | None
    until: dt.datetime | None
    until_is_utc: bool

    def most_a_year(self) -> int:
        """An upper bound of the changes the rule makes in one year (before BYSETPOS)."""
        if self.monthdays:
            days = len(self.monthdays)
        elif self.weekdays:
            days = sum(1 if nth else 5 for nth, _ in self.weekdays)
        else:
            days = 1
        times = len(self.hours or (0,)) * len(self.minutes or (0,)) * len(self.seconds or (0,))
        return len(self.months or (0,)) * days * times


@dataclass(frozen=True, slots=True)
class _Observance:
    line: int
    start: dt.datetime  # local time, in the offset before the change (TZOFFSETFROM)
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    rules: tuple[_Rule, ...]
    rdates: tuple[dt.datetime, ...]


@dataclass(frozen=True, slots=True)
class _Zone:
    tzid: str
    line: int
    observances: tuple[_Observance, ...]
    last_year: int  # the latest year any time in this zone reaches in the file


def _local(value: str, where: str, name: str) -> dt.datetime:
    match = _LOCAL.match(value.strip())
    if match is None:
        raise CalendarError(where=where, problem=f"{name} {value.strip()!r} is not a date-time")
    year, month, day, hour, minute, second, _ = match.groups()
    try:
        return dt.datetime.combine(
            dt.date(int(year), int(month), int(day)),
            dt.time(int(hour or 0), int(minute or 0), int(second or 0)),
        )
    except ValueError:
        raise CalendarError(
            where=where, problem=f"{name} {value.strip()!r} is not a date-time"
        ) from None


def _offset(value: str, where: str, name: str) -> dt.timedelta:
    match = _OFFSET.match(value.strip())
    if match is None or int(match[2]) > 23 or int(match[3]) > 59 or int(match[4] or 0) > 59:
        raise CalendarError(
            where=where, problem=f"{name} {value.strip()!r} is not a UTC offset (+HHMM)"
        )
    size = dt.timedelta(hours=int(match[2]), minutes=int(match[3]), seconds=int(match[4] or 0))
    return -size if match[1] == "-" else size


def _numbers(
    parts: Mapping[str, str], name: str, low: int, high: int, where: str
) -> tuple[int, ...]:
    if name not in parts:
        return ()
    try:
        values = tuple(int(v) for v in parts[name].split(","))
    except ValueError:
        values = ()
    if not values or any(not low <= v <= high or (low < 0 and v == 0) for v in values):
        raise CalendarError(
            where=where, problem=f"a time zone's RRULE has {name}={parts[name]!r}, out of range"
        )
    return values


def _rule(value: str, where: str) -> _Rule:
    parts = dict(p.split("=", 1) for p in value.strip().upper().split(";") if "=" in p)
    if parts.get("FREQ") != "YEARLY":
        raise CalendarError(
            where=where,
            problem=f"a time zone's RRULE must recur YEARLY, not "
            f"{parts.get('FREQ', 'without a FREQ')!r} (RFC 5545 3.6.5): anything more often "
            "cannot be a real time zone",
        )
    unknown = sorted(set(parts) - _RULE_PARTS)
    if unknown:
        raise CalendarError(
            where=where,
            problem=f"a time zone's RRULE with {unknown[0]} is not read: real time zones change "
            "on a day of a named month (BYMONTH with BYDAY or BYMONTHDAY)",
        )
    if ("BYDAY" in parts or "BYMONTHDAY" in parts) and "BYMONTH" not in parts:
        raise CalendarError(
            where=where,
            problem="a time zone's RRULE with BYDAY or BYMONTHDAY must name its BYMONTH",
        )
    weekdays = []
    for item in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        match = _BYDAY.match(item)
        if match is None or abs(int(match[1] or 0)) > 5:
            raise CalendarError(
                where=where,
                problem=f"a time zone's RRULE has BYDAY={parts['BYDAY']!r}: a weekday, or the "
                "1st to 5th (or -1st to -5th) weekday of the month",
            )
        weekdays.append((int(match[1] or 0), _WEEKDAYS.index(match[2])))
    interval = _numbers(parts, "INTERVAL", 1, 9999, where) or (1,)
    count = _numbers(parts, "COUNT", 1, 10**9, where) or (None,)
    if len(interval) > 1 or len(count) > 1:
        raise CalendarError(
            where=where, problem="a time zone's RRULE has a list for INTERVAL or COUNT"
        )
    until = _local(parts["UNTIL"], where, "UNTIL") if "UNTIL" in parts else None
    if until is not None and "T" not in parts["UNTIL"]:
        until = until.replace(hour=23, minute=59, second=59)  # a date: all of that day
    rule = _Rule(
        months=_numbers(parts, "BYMONTH", 1, 12, where),
        monthdays=_numbers(parts, "BYMONTHDAY", -31, 31, where),
        weekdays=tuple(weekdays),
        hours=_numbers(parts, "BYHOUR", 0, 23, where),
        minutes=_numbers(parts, "BYMINUTE", 0, 59, where),
        seconds=_numbers(parts, "BYSECOND", 0, 59, where),
        setpos=_numbers(parts, "BYSETPOS", -366, 366, where),
        interval=interval[0],
        count=count[0],
        until=until,
        until_is_utc=parts.get("UNTIL", "").endswith("Z"),
    )
    if rule.most_a_year() > MOST_CHANGES_A_YEAR:
        raise CalendarError(
            where=where,
            problem=f"a time zone's RRULE names up to {rule.most_a_year()} changes a year; a "
            f"real time zone has one or two (at most {MOST_CHANGES_A_YEAR} are read)",
        )
    return rule


def _observance(text: ObservanceText) -> _Observance:
    start = offset_from = offset_to = None
    rules: list[_Rule] = []
    rdates: list[dt.datetime] = []
    for line, name, value in text.properties:
        where = f"line {line}"
        key = name.split(";", 1)[0].strip().upper()
        if key == "DTSTART":
            start = _local(value, where, "DTSTART")
        elif key == "TZOFFSETFROM":
            offset_from = _offset(value, where, key)
        elif key == "TZOFFSETTO":
            offset_to = _offset(value, where, key)
        elif key == "RRULE":
            rules.append(_rule(value, where))
        elif key == "RDATE":
            rdates += (_local(v.split("/", 1)[0], where, "RDATE") for v in value.split(","))
    if start is None or offset_from is None or offset_to is None:
        raise CalendarError(
            where=f"line {text.line}",
            problem=f"a time zone's {text.kind} needs DTSTART, TZOFFSETFROM and TZOFFSETTO",
        )
    return _Observance(text.line, start, offset_from, offset_to, tuple(rules), tuple(rdates))


def _years(rule: _Rule, start: dt.datetime, last_year: int) -> range:
    """The years a rule is expanded over: from its start to the last year needed."""
    if rule.until is not None:
        last_year = min(last_year, rule.until.year + 1)  # UTC may be next year locally
    return range(start.year, last_year + 1, rule.interval)


def _changes(zone: _Zone) -> int:
    """An upper bound of the transitions expanding `zone` makes (and of the work it takes)."""
    return sum(
        1
        + len(observance.rdates)
        + sum(
            rule.most_a_year() * len(_years(rule, observance.start, zone.last_year))
            for rule in observance.rules
        )
        for observance in zone.observances
    )


def read_zones(texts: Sequence[ZoneText], last_years: Mapping[str, int]) -> "Zones":
    """
    Check and count the zones a calendar defines, expanding nothing.

    Args:
        texts: the file's VTIMEZONEs.
        last_years: for each TZID, the latest year of any time given in it in the file.

    Raises:
        CalendarError: a zone without a TZID, defined twice, without observances, with a
            property or rule that cannot be read, or zones whose transitions number more than
            `MOST_CHANGES`; the error names the line.
    """
    zones: dict[str, _Zone] = {}
    for text in texts:
        if not text.tzid:
            raise CalendarError(where=f"line {text.line}", problem="a VTIMEZONE without a TZID")
        if text.tzid in zones:
            raise CalendarError(
                where=f"line {text.tzid_line}",
                problem=f"TZID {text.tzid!r} is defined twice (first at line "
                f"{zones[text.tzid].line})",
            )
        if not text.observances:
            raise CalendarError(
                where=f"line {text.line}",
                problem=f"the VTIMEZONE {text.tzid!r} has no STANDARD or DAYLIGHT",
            )
        zones[text.tzid] = _Zone(
            tzid=text.tzid,
            line=text.line,
            observances=tuple(_observance(o) for o in text.observances),
            last_year=last_years.get(text.tzid, 0),
        )
    changes = {tzid: _changes(zone) for tzid, zone in zones.items()}
    total = sum(changes.values())
    if total > MOST_CHANGES:
        worst = max(changes, key=changes.__getitem__)
        raise CalendarError(
            where=f"line {zones[worst].line}",
            problem=f"the calendar's time zones would take {total:,} changes to work out, more "
            f"than the {MOST_CHANGES:,} read from one file ({worst!r} alone: "
            f"{changes[worst]:,}); a real time zone changes once or twice a year",
        )
    return Zones(zones)


def _days(rule: _Rule, start: dt.datetime, year: int, month: int) -> list[int]:
    first_weekday, length = calendar.monthrange(year, month)
    days: set[int] | None = None
    if rule.monthdays:
        days = {d if d > 0 else length + 1 + d for d in rule.monthdays} & set(range(1, length + 1))
    if rule.weekdays:
        matching: set[int] = set()
        for nth, weekday in rule.weekdays:
            every = range(1 + (weekday - first_weekday) % 7, length + 1, 7)
            if nth == 0:
                matching.update(every)
            elif abs(nth) <= len(every):
                matching.add(every[nth - 1] if nth > 0 else every[nth])
        days = matching if days is None else days & matching
    if days is None:
        days = {start.day} if start.day <= length else set()
    return sorted(days)


def _in_year(rule: _Rule, start: dt.datetime, year: int) -> list[dt.datetime]:
    times = [
        dt.time(hour, minute, second)
        for hour in rule.hours or (start.hour,)
        for minute in rule.minutes or (start.minute,)
        for second in rule.seconds or (start.second,)
    ]
    found = sorted(
        dt.datetime.combine(dt.date(year, month, day), time)
        for month in rule.months or (start.month,)
        for day in _days(rule, start, year, month)
        for time in times
    )
    if rule.setpos:
        found = sorted(
            {found[p - 1 if p > 0 else p] for p in rule.setpos if -len(found) <= p <= len(found)}
        )
    return found


def _onsets(rule: _Rule, observance: _Observance, last_year: int) -> Iterator[dt.datetime]:
    until = rule.until
    if until is not None and rule.until_is_utc:  # onsets are local times, in TZOFFSETFROM
        try:
            until += observance.offset_from
        except OverflowError:  # beyond year 9999 locally (no limit), or before year 1 (none)
            if observance.offset_from < dt.timedelta(0):
                return
            until = None
    made = 0
    for year in _years(rule, observance.start, last_year):
        for onset in _in_year(rule, observance.start, year):
            if onset < observance.start:
                continue
            if until is not None and onset > until:
                return
            yield onset
            made += 1
            if rule.count is not None and made >= rule.count:
                return


@dataclass(frozen=True, slots=True)
class _Transitions:
    onsets: list[dt.datetime]
    offsets: list[dt.timedelta]
    before: dt.timedelta


class Zones:
    """The zones of one calendar, expanded on first use; nothing outlives the read."""

    def __init__(self, zones: Mapping[str, _Zone]) -> None:
        self._zones = dict(zones)
        self._expanded: dict[str, _Transitions] = {}

    def localise(self, tzid: str, wall: dt.datetime, *, where: str) -> dt.datetime:
        """
        The aware datetime of a wall time given with `TZID=tzid`.

        Raises:
            CalendarError: a TZID neither in the tz database nor defined in the file, or a
                time later than the years the file's zones were counted for.
        """
        if tzid in known_zones():
            return wall.replace(tzinfo=zoneinfo.ZoneInfo(tzid))
        zone = self._zones.get(tzid)
        if zone is None or wall.year > zone.last_year:
            raise CalendarError(where=where, problem=f"TZID {tzid!r} cannot be read here")
        transitions = self._expanded.get(tzid) or self._expand(zone)
        index = bisect.bisect_right(transitions.onsets, wall)
        offset = transitions.offsets[index - 1] if index else transitions.before
        return wall.replace(tzinfo=dt.timezone(offset))

    def _expand(self, zone: _Zone) -> _Transitions:
        changes: list[tuple[dt.datetime, dt.timedelta]] = []
        for observance in zone.observances:
            onsets = {observance.start, *observance.rdates}
            for rule in observance.rules:
                onsets.update(_onsets(rule, observance, zone.last_year))
            changes += ((onset, observance.offset_to) for onset in onsets)
        changes.sort(key=lambda change: change[0])
        first = min(zone.observances, key=lambda o: o.start)
        transitions = _Transitions(
            onsets=[onset for onset, _ in changes],
            offsets=[offset for _, offset in changes],
            before=first.offset_from,
        )
        self._expanded[zone.tzid] = transitions
        return transitions
