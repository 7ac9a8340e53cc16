"""
Statutory timetables, checked against dates that councils and the Electoral Commission
published (tests/data/published_timetables.csv, one source per row), never against our output.
(An integration test because it reads that file; the rest of the timetable tests are in
tests/unit/test_timetables.py.)
"""

import csv
import datetime as dt
from pathlib import Path
from typing import NamedTuple

import pytest

from app.domain import Country, ElectionKind, compute_timetable, parse_election_id

PUBLISHED = Path(__file__).parents[1] / "data" / "published_timetables.csv"


class Published(NamedTuple):
    election_id: str
    country: str
    kind: str
    event: str
    day: dt.date
    time: dt.time | None
    source: str


def _published() -> list[Published]:
    with PUBLISHED.open(encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    return [
        Published(
            row["election_id"],
            row["country"],
            row["kind"],
            row["event"],
            dt.date.fromisoformat(row["date"]),
            dt.time.fromisoformat(row["time"]) if row["time"] else None,
            row["source"],
        )
        for row in csv.DictReader(rows)
    ]


ROWS = _published()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.election_id}:{r.event}" for r in ROWS])
def test_timetable_matches_the_published_date(row: Published) -> None:
    """Every row has a source; the day (and time, where published) must match it."""
    ref = parse_election_id(row.election_id, kind=ElectionKind(row.kind) if row.kind else None)

    timetable = compute_timetable(ref, country=Country(row.country) if row.country else None)

    event = getattr(timetable, row.event)
    assert event is not None, row.source
    assert event.day == row.day, row.source
    if row.time is not None:
        assert event.time == row.time, row.source


def test_every_published_row_names_its_source() -> None:
    assert all(len(row.source) > 20 for row in ROWS)
