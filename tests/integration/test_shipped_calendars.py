"""calendars/*.ics: the real elections that affect Redruth, read with icalendar."""

import datetime as dt
from pathlib import Path

import pytest

from app.calendars import CalendarError, read_election_calendar
from app.domain import PurdahError

CALENDARS = Path(__file__).parents[2] / "calendars"


def test_the_redruth_calendar_holds_past_and_scheduled_elections() -> None:
    found = {e.election.election_id: e for e in read_election_calendar(CALENDARS / "redruth.ics")}

    assert set(found) == {
        "pcc.devon-and-cornwall.2024-05-02",
        "parl.2024-07-04",
        "local.cornwall.2025-05-01",
        "parish.redruth.2025-05-01",
        "pcc.devon-and-cornwall.2028-05-04",
        "local.cornwall.2029-05-03",
        "parish.redruth.2029-05-03",
    }


def test_recorded_notice_dates_match_cornwall_councils_published_dates() -> None:
    """Cornwall Council: notices published Friday 14 March 2025 and Wednesday 20 March 2024."""
    found = {e.election.election_id: e for e in read_election_calendar(CALENDARS / "redruth.ics")}

    assert found["local.cornwall.2025-05-01"].notice_published == dt.date(2025, 3, 14)
    assert found["parish.redruth.2025-05-01"].notice_published == dt.date(2025, 3, 14)
    assert found["pcc.devon-and-cornwall.2024-05-02"].notice_published == dt.date(2024, 3, 20)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"hello", "not an iCalendar file"),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n",
            "line 4: the file ends inside the VEVENT begun at line 3",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20250501\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "no X-PURDAH-ELECTION-ID",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20250502\r\n"
            b"X-PURDAH-ELECTION-ID:local.cornwall.2025-05-01\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "is not the poll date",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20250501\r\n"
            b"X-PURDAH-ELECTION-ID:local.cornwall.2025-05-01\r\nX-PURDAH-NOTICE-PUBLISHED:2025-05-02\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n",
            "not before polling day",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20250501\r\n"
            b"X-PURDAH-ELECTION-ID:local.cornwall.2025-05-01\r\nX-PURDAH-STATUS:postponed\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n",
            "X-PURDAH-STATUS",
        ),
    ],
    ids=[
        "not-ics",
        "truncated",
        "no-election-id",
        "date-mismatch",
        "notice-after-poll",
        "bad-status",
    ],
)
def test_a_bad_calendar_file_says_what_is_wrong(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "bad.ics"
    path.write_bytes(content)

    with pytest.raises(CalendarError, match=says):
        read_election_calendar(path)


def test_a_calendar_with_a_malformed_election_id_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.ics"
    path.write_bytes(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20250501\r\n"
        b"X-PURDAH-ELECTION-ID:local.cornwall.01-05-2025\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    with pytest.raises(PurdahError, match="YYYY-MM-DD"):
        read_election_calendar(path)
