"""Reading election sources: the ICS shapes councils meet, and the faults that must be errors."""

import datetime as dt
from pathlib import Path

import pytest

from app.calendars import (
    CalendarError,
    TooLarge,
    entries_from_election_ids,
    entries_from_everyelection,
    read_ics,
)
from app.calendars.recurrence import RecurrenceError, poll_dates

ICS = Path(__file__).resolve().parents[1] / "data" / "ics"


def _read(name: str) -> list:  # type: ignore[type-arg]
    return list(read_ics((ICS / name).read_bytes(), max_events=100))


def test_a_whocanivotefor_feed_gives_its_elections_and_skips_the_hustings() -> None:
    entries = _read("wcivf-tr15-1aa.ics")

    elections = [(e.election_id, e.poll_date, e.how) for e in entries if e.election_id]
    skipped = [e.summary for e in entries if e.skip]

    assert elections == [
        ("parl.2024-07-04", dt.date(2024, 7, 4), "UID (WhoCanIVoteFor)"),
        ("local.cornwall.2025-05-01", dt.date(2025, 5, 1), "UID (WhoCanIVoteFor)"),
        ("pcc.devon-and-cornwall.2024-05-02", dt.date(2024, 5, 2), "UID (WhoCanIVoteFor)"),
    ]
    assert skipped == [
        "Camborne and Redruth General Election Hustings",
        "Churches Together in Redruth: meet the candidates",
    ]


def test_the_address_picker_is_skipped_with_what_to_do_instead() -> None:
    entries = _read("wcivf-address-picker.ics")

    assert len(entries) == 1
    assert entries[0].election_id is None
    assert "import the feed for the council's address" in (entries[0].skip or "")


def test_an_election_id_is_found_in_its_property_categories_or_description() -> None:
    entries = _read("purdah-ids.ics")

    found = [(e.election_id, e.how, e.notice_published) for e in entries if e.election_id]

    assert found == [
        ("local.cornwall.2025-05-01", "X-PURDAH-ELECTION-ID", dt.date(2025, 3, 14)),
        ("parish.redruth.central.by.2026-02-12", "CATEGORIES", None),
        ("pcc.devon-and-cornwall.2024-05-02", "DESCRIPTION", None),
    ]


def test_plain_polling_days_are_polls_without_an_id() -> None:
    entries = _read("plain-polling-days.ics")

    polls = [(e.poll_date, e.how) for e in entries if not e.skip]

    assert polls == [
        (dt.date(2029, 5, 3), "says polling day"),
        (dt.date(2026, 2, 12), "says polling day"),
    ]
    assert all(e.election_id is None for e in entries)


def test_a_cancelled_event_is_read_as_a_cancellation_with_its_reason() -> None:
    entries = _read("cancelled.ics")

    cancelled = [e for e in entries if e.cancelled]

    assert [e.election_id for e in cancelled] == ["parish.redruth.central.by.2026-02-12"]
    assert cancelled[0].cancellation_reason


@pytest.mark.parametrize(
    ("name", "where", "says"),
    [
        ("not-a-calendar.ics", "line 1", "not an iCalendar file"),
        ("truncated.ics", "line 40", "ends inside the VEVENT begun at line 35"),
        ("unterminated-vevent.ics", "line 20", "the VEVENT begun at line 13 is not ended"),
        ("unknown-tzid.ics", "line 32", "unknown TZID 'Europe/Redruth'"),
        ("bad-date.ics", "line 17", "DTSTART is not valid"),
    ],
    ids=["not-ics", "truncated", "unterminated-vevent", "unknown-tzid", "bad-date"],
)
def test_a_broken_calendar_is_an_error_naming_the_line(name: str, where: str, says: str) -> None:
    with pytest.raises(CalendarError) as raised:
        read_ics((ICS / name).read_bytes(), max_events=100)

    assert raised.value.where == where
    assert says in raised.value.problem


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\n", "content after END:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nSUMMARY:x\rEND:VCALENDAR\r\n", "bare carriage return"),
        (b"BEGIN:VCALENDAR\r\nSUMMARY:caf\xe9\r\nEND:VCALENDAR\r\n", "not UTF-8"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", "END:VTODO"),
    ],
    ids=["empty", "after-end", "bare-cr", "latin-1", "mismatched-end"],
)
def test_malformed_text_is_an_error_not_an_empty_calendar(data: bytes, says: str) -> None:
    with pytest.raises(CalendarError, match=says):
        read_ics(data, max_events=100)


def test_more_events_than_the_limit_is_too_large() -> None:
    event = b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20290503\r\nEND:VEVENT\r\n"
    data = b"BEGIN:VCALENDAR\r\n" + event * 11 + b"END:VCALENDAR\r\n"

    with pytest.raises(TooLarge, match="more than 10 events"):
        read_ics(data, max_events=10)


def test_an_empty_calendar_is_read_as_no_entries() -> None:
    assert read_ics(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", max_events=10) == ()


def test_election_ids_take_their_poll_date_from_the_id() -> None:
    entries = entries_from_election_ids(["local.cornwall.2029-05-03"])

    assert (entries[0].election_id, entries[0].where) == (
        "local.cornwall.2029-05-03",
        "election_ids[0]",
    )


def test_everyelection_objects_are_read_as_that_api_gives_them() -> None:
    entries = entries_from_everyelection(
        [
            {
                "election_id": "local.cornwall.redruth-north.by.2026-04-16",
                "poll_open_date": "2026-04-16",
                "election_type": {"election_type": "local", "name": "Local elections"},
                "cancelled": True,
                "cancellation_reason": "CANDIDATE_DEATH",
                "replaced_by": "local.cornwall.redruth-north.by.2026-05-28",
                "group": "local.2026-04-16",
            }
        ]
    )

    assert entries[0].cancelled
    assert entries[0].replaced_by == "local.cornwall.redruth-north.by.2026-05-28"
    assert entries[0].kind_hint == "local"


def test_an_everyelection_object_without_an_id_names_the_field() -> None:
    with pytest.raises(CalendarError) as raised:
        entries_from_everyelection([{"poll_open_date": "2026-04-16"}])

    assert raised.value.where == "elections[0].election_id"


# Reference: the ordinary day of local elections in England is the first Thursday in May
# (Representation of the People Act 1983 s. 37); parish councillors every four years.
def test_town_council_elections_recur_every_four_years_on_the_first_thursday_in_may() -> None:
    days = poll_dates(
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH;COUNT=4",
        dtstart=dt.date(2029, 5, 3),
        until=dt.date(2045, 1, 1),
    )

    assert days == (
        dt.date(2029, 5, 3),
        dt.date(2033, 5, 5),
        dt.date(2037, 5, 7),
        dt.date(2041, 5, 2),
    )


# Reference election: local.belfast.2023-05-18, moved from 4 May 2023 for the coronation
# (Electoral Office for Northern Ireland); the cycle's 2019 and 2027 polls are ordinary.
def test_a_moved_poll_is_an_exception_date_and_a_one_off_date() -> None:
    days = poll_dates(
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH;UNTIL=20280101",
        dtstart=dt.date(2019, 5, 2),
        exdates=[dt.date(2023, 5, 4)],
        rdates=[dt.date(2023, 5, 18)],
        until=dt.date(2036, 1, 1),
    )

    assert days == (dt.date(2019, 5, 2), dt.date(2023, 5, 18), dt.date(2027, 5, 6))


def test_polls_beyond_the_horizon_are_not_made() -> None:
    days = poll_dates(
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH;UNTIL=20990101",
        dtstart=dt.date(2029, 5, 3),
        until=dt.date(2036, 11, 24),
    )

    assert days == (dt.date(2029, 5, 3), dt.date(2033, 5, 5))


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH", "no end"),
        ("FREQ=DAILY;COUNT=100000", "FREQ=DAILY"),
        ("FREQ=MONTHLY;COUNT=1000", "more than 60 elections"),
        ("FREQ=YEARLY;BYDAY=1XX;COUNT=2", "not a valid RRULE"),
        ("DTSTART:20290503\nRRULE:FREQ=YEARLY", "not an RFC 5545 RRULE value"),
    ],
    ids=["endless", "daily", "too-many", "bad-day", "injected-lines"],
)
def test_a_rule_that_cannot_be_used_is_refused(rule: str, says: str) -> None:
    with pytest.raises(RecurrenceError, match=says):
        poll_dates(rule, dtstart=dt.date(2029, 5, 3), until=dt.date(2036, 11, 24))


def test_a_calendar_of_100000_events_is_refused_by_its_count() -> None:
    """Beyond the event limit the parser stops counting, before icalendar builds anything."""
    event = (
        "BEGIN:VEVENT\r\nUID:{n}@x\r\nDTSTART;VALUE=DATE:20290503\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
    )
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        + "".join(event.format(n=n) for n in range(100_000))
        + "END:VCALENDAR\r\n"
    ).encode()

    with pytest.raises(TooLarge, match="more than 10000 events"):
        read_ics(data, max_events=10_000)
