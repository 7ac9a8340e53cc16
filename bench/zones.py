"""
The import bomb (issue 13, item 4): `tests/data/ics/bomb-2-zones.ics` (1 KB) and
`bomb-8-zones.ics`, whose VTIMEZONE rules change 96 times a year from year 1 to 9998. Before
the fix, reading them took 7 s and 43 s of CPU and kept 210 MB and 860 MB of resident memory
for good; now they are refused before anything is expanded.

Prints, for each file, the median time `read_ics` takes to refuse it and how much this
process's resident memory grew over all the reads; and, for scale, the time to read the
largest calendar the limits accept (one zone of 100 changes a year over 199 years: 19,901
changes, just under the 20,000 a file may need).
"""

import statistics
import time
from pathlib import Path

from app.calendars import CalendarError, read_ics
from app.calendars.zones import MOST_CHANGES

ROOT = Path(__file__).resolve().parents[1]
BOMBS = {
    "2": ROOT / "tests/data/ics/bomb-2-zones.ics",
    "8": ROOT / "tests/data/ics/bomb-8-zones.ics",
}


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _largest_accepted() -> bytes:
    rule = "FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN",
        "BEGIN:VTIMEZONE", "TZID:Largest",
        "BEGIN:STANDARD", "DTSTART:18310101T000000", f"RRULE:{rule}",
        "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:1@bench", "DTSTART;TZID=Largest:20290503T070000",
        "SUMMARY:Polling day", "END:VEVENT", "END:VCALENDAR", "",
    ]  # fmt: skip
    return "\r\n".join(lines).encode()


def _refusal_s(data: bytes) -> float:
    began = time.perf_counter()
    try:
        read_ics(data, max_events=10_000)
    except CalendarError:
        return time.perf_counter() - began
    msg = "the import bomb was read, not refused"
    raise AssertionError(msg)


def bench_import_bomb(repeats: int = 50) -> dict[str, float]:
    """Time to refuse each bomb (median) and resident memory growth over all the reads."""
    figures: dict[str, float] = {}
    for zones, path in BOMBS.items():
        data = path.read_bytes()
        before = _rss_mib()
        timings = [_refusal_s(data) for _ in range(repeats)]
        figures[f"import_bomb_{zones}_zones_refused_ms"] = statistics.median(timings) * 1000
        figures[f"import_bomb_{zones}_zones_rss_growth_mib"] = _rss_mib() - before
    largest = _largest_accepted()
    before = _rss_mib()
    timings = []
    for _ in range(max(1, repeats // 10)):
        began = time.perf_counter()
        read_ics(largest, max_events=10_000)
        timings.append(time.perf_counter() - began)
    figures["import_zone_largest_accepted_ms"] = statistics.median(timings) * 1000
    figures["import_zone_largest_accepted_rss_growth_mib"] = _rss_mib() - before
    figures["import_zone_most_changes"] = float(MOST_CHANGES)
    return figures


if __name__ == "__main__":
    for name, value in bench_import_bomb().items():
        print(f"{name:<48}  {value:12.3f}")
