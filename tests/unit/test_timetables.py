"""
Statutory timetables, checked against dates that councils and the Electoral Commission
published (tests/data/published_timetables.csv, one source per row), never against our output.
"""

import csv
import datetime as dt
from pathlib import Path
from typing import NamedTuple

import pytest

from app.domain import (
    Country,
    CountryRequired,
    ElectionKind,
    UnsupportedElection,
    compute_timetable,
    parse_election_id,
)
from app.domain.timetables import working_days_before

PUBLISHED = Path(__file__).parents[1] / "data" / "published_timetables.csv"


class Published(NamedTuple):
    election_id: str
    country: str
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
    ref = parse_election_id(row.election_id)

    timetable = compute_timetable(ref, country=Country(row.country) if row.country else None)

    event = getattr(timetable, row.event)
    assert event is not None, row.source
    assert event.day == row.day, row.source
    if row.time is not None:
        assert event.time == row.time, row.source


def test_every_published_row_names_its_source() -> None:
    assert all(len(row.source) > 20 for row in ROWS)


# Reference election: parish.redruth.2029-05-03 (scheduled)
def test_bank_holidays_beyond_the_packaged_data_count_for_2029() -> None:
    """
    Good Friday (30 March) and Easter Monday (2 April 2029) are dies non, so the notice
    deadline for 3 May 2029 is Tuesday 27 March, not Thursday 29 March as uk-election-timetables
    5.0.2 computes with no 2029 holidays. Easter Sunday 2029 is 1 April; Good Friday is a dies
    non by SI 2006/3305 Sch. 2 r. 2 and Easter Monday a bank holiday in England and Wales
    (Banking and Financial Dealings Act 1971, Sch. 1).
    """
    ref = parse_election_id("parish.redruth.2029-05-03")

    timetable = compute_timetable(ref, country=Country.ENGLAND)

    assert timetable.notice_of_election is not None
    assert timetable.notice_of_election.day == dt.date(2029, 3, 27)
    assert [d.day for d in timetable.dies_non] == [dt.date(2029, 3, 30), dt.date(2029, 4, 2)]


# Reference election: parl.2019-12-12
def test_a_scottish_bank_holiday_moves_every_general_election_deadline() -> None:
    """
    RPA 1983 Sch. 1 r. 2: St Andrew's Day (Mon 2 Dec 2019, Scotland only) was disregarded
    UK-wide, so nominations closed on Thursday 14 November (UK Parliament timetable). Counting
    on England's calendar alone would give Friday 15 November.
    """
    general = compute_timetable(parse_election_id("parl.2019-12-12"), country=Country.ENGLAND)

    england_only = working_days_before(
        dt.date(2019, 12, 12), 19, [dt.date(2019, 12, 24), dt.date(2019, 12, 25)]
    )

    assert general.close_of_nominations is not None
    assert general.close_of_nominations.day == dt.date(2019, 11, 14)
    assert england_only == dt.date(2019, 11, 15)
    assert "St Andrew" in general.dies_non[0].name


def test_a_by_election_notice_is_estimated_and_says_why() -> None:
    ref = parse_election_id("parl.camborne-and-redruth.by.2026-03-05")

    timetable = compute_timetable(ref, country=Country.ENGLAND)

    assert timetable.estimated is True
    assert "writ" in timetable.notes[0]


def test_a_by_election_counts_its_own_nations_holidays_only() -> None:
    """
    Reverse-engineered from the rule, not a published timetable: a by-election in England is
    not moved by a Scottish bank holiday (St Andrew's Day, Mon 30 Nov 2026), so 19 working days
    before Thu 17 Dec 2026 is Fri 20 Nov on England's calendar and Thu 19 Nov on Scotland's.
    """
    english = compute_timetable(
        parse_election_id("parl.truro-and-falmouth.by.2026-12-17"), country=Country.ENGLAND
    )
    scottish = compute_timetable(
        parse_election_id("parl.dundee-central.by.2026-12-17"), country=Country.SCOTLAND
    )

    assert english.close_of_nominations is not None
    assert scottish.close_of_nominations is not None
    assert english.close_of_nominations.day == dt.date(2026, 11, 20)
    assert scottish.close_of_nominations.day == dt.date(2026, 11, 19)


def test_an_appointed_day_of_mourning_is_a_dies_non() -> None:
    """
    Reverse-engineered from SI 2006/3304 Sch. 2 r. 2 (a day appointed for public thanksgiving
    or mourning is disregarded), not from a published timetable: appointing Mon 31 March 2025
    moves the 25th working day before 1 May 2025 from Tue 25 March to Mon 24 March.
    """
    ref = parse_election_id("local.cornwall.2025-05-01")

    timetable = compute_timetable(
        ref,
        country=Country.ENGLAND,
        extra_dies_non=[(dt.date(2025, 3, 31), "National day of mourning")],
    )

    assert timetable.notice_of_election is not None
    assert timetable.notice_of_election.day == dt.date(2025, 3, 24)
    assert "National day of mourning" in [d.name for d in timetable.dies_non]


def test_christmas_eve_is_a_dies_non_though_not_a_bank_holiday() -> None:
    """
    Rule-derived (SI 2006/3304 Sch. 2 r. 2 names Christmas Eve), counted by hand, not a
    published timetable: for a by-election on Thu 28 January 2027 the 25th working day back
    skips 1 Jan, 28 Dec (Boxing Day substitute), 25 Dec and Thu 24 Dec 2026, giving Fri 18 Dec.
    """
    ref = parse_election_id("local.cornwall.redruth-north.by.2027-01-28")

    timetable = compute_timetable(ref, country=Country.ENGLAND)

    assert timetable.notice_of_election is not None
    assert timetable.notice_of_election.day == dt.date(2026, 12, 18)
    assert dt.date(2026, 12, 24) in [d.day for d in timetable.dies_non]


def test_national_referendum_has_no_notice_but_a_statutory_start() -> None:
    timetable = compute_timetable(parse_election_id("ref.2016-06-23"))

    assert timetable.notice_of_election is None
    assert timetable.close_of_nominations is None
    assert timetable.restriction_start is not None
    assert "s. 125" in timetable.restriction_start.rule


@pytest.mark.parametrize(
    ("election_id", "country"),
    [
        ("local.cornwall.2025-05-01", None),
        ("parish.redruth.2025-05-01", None),
        ("parl.x.by.2026-03-05", None),
    ],
    ids=["principal", "parish", "by-election"],
)
def test_a_poll_whose_rules_differ_by_country_needs_a_country(
    election_id: str, country: Country | None
) -> None:
    with pytest.raises(CountryRequired, match="give a country"):
        compute_timetable(parse_election_id(election_id), country=country)


@pytest.mark.parametrize(
    ("election_id", "country"),
    [
        ("parish.kirkwall.2026-05-07", Country.SCOTLAND),
        ("ref.glasgow.2026-05-07", Country.SCOTLAND),
    ],
    ids=["parish-in-scotland", "neighbourhood-referendum-in-scotland"],
)
def test_a_poll_not_held_in_that_country_is_unsupported(election_id: str, country: Country) -> None:
    with pytest.raises(UnsupportedElection):
        compute_timetable(parse_election_id(election_id), country=country)


def test_a_general_election_ignores_the_country_for_dies_non() -> None:
    ref = parse_election_id("parl.2019-12-12")

    in_wales = compute_timetable(ref, country=Country.WALES)
    anywhere = compute_timetable(ref)

    assert in_wales.close_of_nominations == anywhere.close_of_nominations


def test_the_kind_can_be_given_explicitly() -> None:
    ref = parse_election_id("ref.cornwall.2026-06-04", kind=ElectionKind.NATIONAL_REFERENDUM)

    timetable = compute_timetable(ref, country=Country.ENGLAND)

    assert timetable.restriction_start is not None
    assert timetable.restriction_start.day == dt.date(2026, 5, 8)


def test_voter_authority_certificates_exist_only_where_voter_id_applies() -> None:
    """Elections Act 2022: voter ID at English local polls, not at Scottish ones."""
    english = compute_timetable(
        parse_election_id("local.cornwall.2025-05-01"), country=Country.ENGLAND
    )
    scottish = compute_timetable(
        parse_election_id("local.glasgow.2022-05-05"), country=Country.SCOTLAND
    )

    assert english.vac_deadline is not None
    assert scottish.vac_deadline is None


# Reference election: local.cornwall.2011-05-05 (before GOV.UK's bank holiday data, which starts in 2012)
def test_bank_holidays_before_the_packaged_data_count_too() -> None:
    """
    The royal wedding of Friday 29 April 2011 was a bank holiday in England (ALDC's 2011
    timetable: Good Friday 22 April, Easter Monday 25 April, the royal wedding 29 April and May
    Day 2 May), so all four are dies non for the poll of 5 May 2011.
    """
    timetable = compute_timetable(
        parse_election_id("local.cornwall.2011-05-05"), country=Country.ENGLAND
    )

    days = {d.day for d in timetable.dies_non}
    assert {
        dt.date(2011, 4, 22),
        dt.date(2011, 4, 25),
        dt.date(2011, 4, 29),
        dt.date(2011, 5, 2),
    } <= days
