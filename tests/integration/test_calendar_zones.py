"""
Time zones a calendar defines for itself (VTIMEZONE): read with their own offsets, bounded
before anything is expanded, and kept by nothing once the file has been read.
"""

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from app.calendars import CalendarError, read_ics
from app.domain import LONDON

ICS = Path(__file__).resolve().parents[1] / "data" / "ics"

# Outlook's definition of US Eastern time, under the Windows name, which is not in the tz
# database: daylight time from the second Sunday of March to the first Sunday of November
# (15 U.S.C. 260a, as amended by the Energy Policy Act of 2005 s. 110).
EASTERN = [
    "BEGIN:VTIMEZONE", "TZID:Eastern Standard Time",
    "BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500",
    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400",
    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT",
    "END:VTIMEZONE",
]  # fmt: skip


def _council_time(offset: str) -> list[str]:
    return [
        "BEGIN:VTIMEZONE", "TZID:Council Time",
        "BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}", "END:STANDARD",
        "END:VTIMEZONE",
    ]  # fmt: skip


def _calendar(zones: list[str], start: str) -> bytes:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *zones,
        "BEGIN:VEVENT", "UID:1@test", start, "SUMMARY:Polling day", "END:VEVENT",
        "END:VCALENDAR", "",
    ]  # fmt: skip
    return "\r\n".join(lines).encode()


def _rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize(
    "name", ["bomb-2-zones.ics", "bomb-8-zones.ics"], ids=["2-zones", "8-zones"]
)
def test_a_time_zone_bomb_is_refused_at_once_and_keeps_no_memory(name: str) -> None:
    """Issue 13 item 4: the 2-zone file took 7 s and kept 210 MB; 8 zones, 43 s and 860 MB."""
    data = (ICS / name).read_bytes()
    before = _rss_bytes()
    began = time.perf_counter()

    with pytest.raises(CalendarError) as raised:
        read_ics(data, max_events=100)

    assert time.perf_counter() - began < 1.0
    assert _rss_bytes() - before < 20 * 2**20
    assert raised.value.where == "line 4"
    assert "changes to work out" in raised.value.problem


@pytest.mark.parametrize(
    "wall",
    [
        "20290502T183000",
        "20290502T193000",
        "20290310T193000",
        "20290311T193000",
        "20291103T193000",
        "20291104T193000",
    ],
    ids=[
        "daylight-before-london-midnight",
        "daylight-after-london-midnight",
        "day-before-daylight-time",
        "first-day-of-daylight-time",
        "last-day-of-daylight-time",
        "first-day-of-standard-time",
    ],
)
def test_a_time_in_a_zone_the_file_defines_is_read_as_the_tz_database_reads_it(
    wall: str,
) -> None:
    """
    Reverse-engineered, not an election: evening times in New York fall on the next day in
    London when the offset is right, so a zone read without its daylight time (or not at all)
    moves the poll a day. The oracle is the tz database's America/New_York.
    """
    expected = (
        dt.datetime.fromisoformat(wall)
        .replace(tzinfo=ZoneInfo("America/New_York"))
        .astimezone(LONDON)
        .date()
    )

    entries = read_ics(
        _calendar(EASTERN, f"DTSTART;TZID=Eastern Standard Time:{wall}"), max_events=10
    )

    assert entries[0].poll_date == expected


def test_a_zone_one_file_defines_is_not_used_for_the_next_file() -> None:
    """icalendar kept the first definition of a TZID for the life of the process."""
    read_ics(
        _calendar(_council_time("+1400"), "DTSTART;TZID=Council Time:20290503T090000"),
        max_events=10,
    )

    entries = read_ics(
        _calendar(_council_time("-1000"), "DTSTART;TZID=Council Time:20290503T090000"),
        max_events=10,
    )

    assert entries[0].poll_date == dt.date(2029, 5, 3)  # 19:00 UTC, not 19:00 the day before


def test_icalendar_keeps_no_zone_that_a_file_defines() -> None:
    read_ics(
        _calendar(_council_time("+0530"), "DTSTART;TZID=Council Time:20290503T090000"),
        max_events=10,
    )

    assert icalendar.timezone.tzp.timezone("Council Time") is None


def test_a_tzid_after_a_quoted_colon_is_still_read_with_its_zone() -> None:
    start = 'DTSTART;X-NOTE="see: below";TZID=Council Time:20290503T090000'

    entries = read_ics(_calendar(_council_time("+1400"), start), max_events=10)

    assert entries[0].poll_date == dt.date(2029, 5, 2)  # 19:00 UTC on 2 May


def _zone_with(*observance: str) -> list[str]:
    return [
        "BEGIN:VTIMEZONE", "TZID:Council Time",
        "BEGIN:STANDARD", *observance, "END:STANDARD",
        "END:VTIMEZONE",
    ]  # fmt: skip


_OFFSETS = ("TZOFFSETFROM:+0100", "TZOFFSETTO:+0000")


def _zones(count: int) -> list[str]:
    """`count` zones named Z0, Z1, ...: 8 lines each."""
    one = _council_time("+0100")
    return [line for n in range(count) for line in [one[0], f"TZID:Z{n}", *one[2:]]]


@pytest.mark.parametrize(
    ("zones", "where", "says"),
    [
        (
            _zones(21),
            "line 164",
            "more than 20 time zones",
        ),
        (
            _zone_with("DTSTART:19700101T000000", "RRULE:FREQ=YEARLY;BYWEEKNO=1,2", *_OFFSETS),
            "line 8",
            "BYWEEKNO is not read",
        ),
        (
            _zone_with("DTSTART:19700101T000000", "RRULE:FREQ=YEARLY;BYDAY=SU", *_OFFSETS),
            "line 8",
            "must name its BYMONTH",
        ),
        (
            _zone_with("DTSTART:19700101T000000", "RRULE:FREQ=MONTHLY", *_OFFSETS),
            "line 8",
            "must recur YEARLY",
        ),
        (_council_time("+0100") + _council_time("+0200"), "line 13", "defined twice"),
        (_zone_with("DTSTART:19700101T000000", "TZOFFSETFROM:+0100"), "line 6", "TZOFFSETTO"),
        (
            _zone_with("DTSTART:19700101T000000", "TZOFFSETFROM:+2500", "TZOFFSETTO:+0000"),
            "line 8",
            "not a UTC offset",
        ),
        (_zone_with("DTSTART:1970", *_OFFSETS), "line 7", "not a date-time"),
    ],
    ids=[
        "21-zones",
        "by-week-number",
        "weekday-without-month",
        "monthly",
        "tzid-twice",
        "no-offset-to",
        "offset-out-of-range",
        "bad-start",
    ],
)
def test_a_zone_that_cannot_be_read_is_refused_naming_the_line(
    zones: list[str], where: str, says: str
) -> None:
    data = _calendar(zones, "DTSTART;TZID=Council Time:20290503T090000")

    with pytest.raises(CalendarError) as raised:
        read_ics(data, max_events=10)

    assert raised.value.where == where
    assert says in raised.value.problem


def test_a_zone_inside_an_event_is_refused() -> None:
    """icalendar would still cache it: it caches every VTIMEZONE, wherever it is."""
    data = _calendar([], "DTSTART;VALUE=DATE:20290503").replace(
        b"SUMMARY:Polling day\r\n",
        b"SUMMARY:Polling day\r\n" + "\r\n".join(_council_time("+0100")).encode() + b"\r\n",
    )

    with pytest.raises(CalendarError, match="directly inside the VCALENDAR"):
        read_ics(data, max_events=10)
