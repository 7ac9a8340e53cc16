"""
Statutory timetables. The checks against dates that councils and the Electoral Commission
published (tests/data/published_timetables.csv) read that file, so they are in
tests/integration/test_published_timetables.py; these build their cases in code.
"""

import datetime as dt

import pytest

from app.domain import (
    ContradictoryElection,
    Country,
    CountryRequired,
    ElectionKind,
    UnsupportedElection,
    compute_timetable,
    parse_election_id,
)
from app.domain.timetables import working_days_before


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
    ("election_id", "kind", "country"),
    [
        ("parish.kirkwall.2026-05-07", None, Country.SCOTLAND),
        ("ref.glasgow.2026-05-07", ElectionKind.NEIGHBOURHOOD_REFERENDUM, Country.SCOTLAND),
    ],
    ids=["parish-in-scotland", "neighbourhood-referendum-in-scotland"],
)
def test_a_poll_not_held_in_the_organisations_country_is_unsupported(
    election_id: str, kind: ElectionKind | None, country: Country
) -> None:
    with pytest.raises(UnsupportedElection):
        compute_timetable(parse_election_id(election_id, kind=kind), default_country=country)


@pytest.mark.parametrize(
    ("election_id", "kind", "country"),
    [
        ("sp.2026-05-07", None, Country.ENGLAND),
        ("nia.2027-05-06", None, Country.WALES),
        ("ref.wales.2011-03-03", None, Country.ENGLAND),
        ("ref.north-east.2004-11-04", None, Country.SCOTLAND),
        ("pcc.gwent.2024-05-02", None, Country.ENGLAND),
        ("mayor.london.2024-05-02", None, Country.SCOTLAND),
        ("ref.glasgow.2026-05-07", ElectionKind.NEIGHBOURHOOD_REFERENDUM, Country.SCOTLAND),
    ],
    ids=[
        "scottish-parliament-in-england",
        "ni-assembly-in-wales",
        "welsh-referendum-in-england",
        "north-east-referendum-in-scotland",
        "welsh-police-area-in-england",
        "london-in-scotland",
        "neighbourhood-referendum-in-scotland",
    ],
)
def test_a_stated_country_that_contradicts_the_poll_is_refused(
    election_id: str, kind: ElectionKind | None, country: Country
) -> None:
    """`--country` / `?country=` that names another part of the UK is refused, not obeyed."""
    ref = parse_election_id(election_id, kind=kind)

    with pytest.raises(ContradictoryElection, match="contradictory country"):
        compute_timetable(ref, country=country)


def test_the_organisations_country_does_not_move_a_poll_held_elsewhere() -> None:
    """An English council looking at a Scottish Parliament poll gets Scotland's timetable."""
    ref = parse_election_id("sp.c.2021-05-06")

    timetable = compute_timetable(ref, default_country=Country.ENGLAND)

    assert timetable.country is Country.SCOTLAND


# Reference election: ref.wales.2011-03-03 (the referendum on the powers of the National Assembly for Wales)
def test_a_referendum_in_one_part_of_the_uk_is_a_ppera_referendum_there() -> None:
    """
    Rule-derived, not a published date: a referendum held throughout Wales is under PPERA 2000
    Part VII, so s. 125 restricts publicity for the 28 days ending with the poll (Fri 4 Feb to
    Thu 3 March 2011); it is not a neighbourhood planning referendum.
    """
    ref = parse_election_id("ref.wales.2011-03-03")

    timetable = compute_timetable(ref, default_country=Country.ENGLAND)

    assert timetable.country is Country.WALES
    assert timetable.information_statement is None
    assert timetable.restriction_start is not None
    assert timetable.restriction_start.day == dt.date(2011, 2, 4)
    assert "s. 125" in timetable.restriction_start.rule


def test_a_general_election_ignores_the_country_for_dies_non() -> None:
    ref = parse_election_id("parl.2019-12-12")

    in_wales = compute_timetable(ref, country=Country.WALES)
    anywhere = compute_timetable(ref)

    assert in_wales.close_of_nominations == anywhere.close_of_nominations


def test_a_local_referendum_is_timed_with_the_kind_it_is_given() -> None:
    """Reference election: ref.wiltshire.2025-02-27 (information statement 20 January 2025)."""
    ref = parse_election_id("ref.wiltshire.2025-02-27", kind=ElectionKind.NEIGHBOURHOOD_REFERENDUM)

    timetable = compute_timetable(ref, default_country=Country.ENGLAND)

    assert timetable.restriction_start is not None
    assert timetable.restriction_start.day == dt.date(2025, 1, 20)
    assert "not supported" in timetable.notes[0]


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


# Reference election: ref.2011-05-05 (the UK-wide alternative vote referendum, under PPERA, before GOV.UK's bank holiday data, which starts in 2012)
def test_bank_holidays_before_the_packaged_data_count_too() -> None:
    """
    The royal wedding of Friday 29 April 2011 was a bank holiday in England (ALDC's 2011
    timetable: Good Friday 22 April, Easter Monday 25 April, the royal wedding 29 April and May
    Day 2 May), so all four are dies non inside the AV referendum's period (from 8 April 2011,
    PPERA s. 125).
    """
    timetable = compute_timetable(parse_election_id("ref.2011-05-05"))

    days = {d.day for d in timetable.dies_non}
    assert {
        dt.date(2011, 4, 22),
        dt.date(2011, 4, 25),
        dt.date(2011, 4, 29),
        dt.date(2011, 5, 2),
    } <= days


# --- rules that changed over time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("election_id", "says"),
    [
        ("parl.2010-05-06", "25-working-day"),
        ("parl.2005-05-05", "25-working-day"),
        ("parl.eastleigh.by.2013-02-28", "25-working-day"),
        ("local.cornwall.2013-05-02", "2014 local election rules"),
        ("local.cornwall.2011-05-05", "2014 local election rules"),
        ("parish.redruth.2013-05-02", "2014 local election rules"),
        ("local.cardiff.2012-05-03", "2014 local election rules"),
        ("local.cornwall.2014-05-21", "2014 local election rules"),
    ],
    ids=[
        "general-2010",
        "general-2005",
        "by-election-2013",
        "cornwall-2013",
        "cornwall-2011",
        "parish-2013",
        "cardiff-2012",
        "last-day-of-the-old-rules",
    ],
)
def test_a_poll_under_earlier_timetable_rules_is_refused_not_timed_with_todays(
    election_id: str, says: str
) -> None:
    """
    ERAA 2013 s. 14 (in force 6 April 2014) brought the 25-working-day parliamentary
    timetable; SI 2014/494 r. 1(2) and SI 2014/492 govern local polls after 21 May 2014.
    """
    country = Country.WALES if "cardiff" in election_id else Country.ENGLAND

    with pytest.raises(UnsupportedElection, match="not supported") as caught:
        compute_timetable(parse_election_id(election_id), country=country)

    assert says in str(caught.value)


# Reference election: local.2014-05-22 (the first poll under SI 2014/494)
def test_local_polls_after_21_may_2014_are_timed_under_the_2014_rules() -> None:
    """
    Rule-derived from SI 2014/494 (nominations by 4pm on the 19th working day before the poll),
    counted by hand: before Thu 22 May 2014 the 19th working day skips the bank holidays of
    5 May and 21 April and Good Friday 18 April, giving Thu 24 April 2014.
    """
    timetable = compute_timetable(
        parse_election_id("local.cornwall.2014-05-22"), country=Country.ENGLAND
    )

    assert timetable.close_of_nominations is not None
    assert timetable.close_of_nominations.day == dt.date(2014, 4, 24)
    assert timetable.close_of_nominations.time == dt.time(16, 0)


@pytest.mark.parametrize(
    ("election_id", "country", "cites"),
    [
        ("local.cardiff.2022-05-05", Country.WALES, "WSI 2021/1459"),
        ("parish.llandaff.2022-05-05", Country.WALES, "WSI 2021/1460"),
        ("local.cardiff.2017-05-04", Country.WALES, "SI 2006/3304"),
        ("parish.llandaff.2017-05-04", Country.WALES, "SI 2006/3305"),
        ("local.cornwall.2025-05-01", Country.ENGLAND, "SI 2006/3304"),
        (
            "senedd.2026-05-07",
            Country.WALES,
            "Senedd Cymru (Representation of the People) Order 2025",
        ),
        ("senedd.2021-05-06", Country.WALES, "SI 2007/236"),
    ],
    ids=[
        "welsh-council-2022",
        "welsh-community-2022",
        "welsh-council-2017",
        "welsh-community-2017",
        "english-council-2025",
        "senedd-2026",
        "senedd-2021",
    ],
)
def test_a_timetable_cites_the_rules_in_force_for_its_poll(
    election_id: str, country: Country, cites: str
) -> None:
    """
    The Welsh Ministers' rules govern Welsh council polls on or after 5 May 2022 (WSI
    2021/1459 r. 2; communities: WSI 2021/1460); the Senedd Cymru (Representation of the
    People) Order 2025 governs Senedd polls after 6 April 2026.
    """
    timetable = compute_timetable(parse_election_id(election_id), country=country)

    assert timetable.notice_of_election is not None
    assert cites in timetable.notice_of_election.rule


# --- the statement of persons nominated, and polling day itself ---------------------------


@pytest.mark.parametrize(
    ("election_id", "country", "same"),
    [
        ("parl.2024-07-04", None, False),
        ("local.cornwall.2025-05-01", Country.ENGLAND, True),
        ("pcc.devon-and-cornwall.2024-05-02", None, True),
        ("mayor.london.2024-05-02", None, True),
        ("mayor.west-midlands.2024-05-02", None, True),
        ("parish.redruth.2025-05-01", Country.ENGLAND, True),
    ],
    ids=["parliament", "principal", "pcc", "gla", "mayor", "parish"],
)
def test_every_kind_gives_the_statement_if_no_objections_and_the_latest_if_any(
    election_id: str, country: Country | None, same: bool
) -> None:
    """
    Parliament: 5pm on the last day for nominations if no objections, by 4pm the next working
    day if there are (published: Fri 7 June 5pm and Mon 10 June 4pm 2024); English local, PCC,
    mayoral and GLA rules set one deadline for both.
    """
    timetable = compute_timetable(parse_election_id(election_id), country=country)

    assert timetable.sopn_publish is not None
    assert timetable.sopn_publish_latest is not None
    assert (timetable.sopn_publish == timetable.sopn_publish_latest) is same
    assert timetable.sopn_publish.day <= timetable.sopn_publish_latest.day


@pytest.mark.parametrize(
    ("election_id", "says"),
    [
        ("local.cornwall.redruth-north.by.2026-12-25", "Christmas Day"),
        ("parish.redruth.2027-03-26", "Good Friday"),
        ("local.cornwall.redruth-north.by.2026-06-13", "Saturday"),
    ],
    ids=["christmas-day", "good-friday", "saturday"],
)
def test_a_poll_on_a_dies_non_is_timed_with_a_warning(election_id: str, says: str) -> None:
    """SI 2006/3304 Sch. 2 r. 2: these days are disregarded; a poll on one is likely a typo."""
    timetable = compute_timetable(parse_election_id(election_id), country=Country.ENGLAND)

    warnings = [note for note in timetable.notes if note.startswith("warning: polling day")]
    assert len(warnings) == 1
    assert says in warnings[0]


def test_a_poll_on_a_working_day_has_no_polling_day_warning() -> None:
    timetable = compute_timetable(
        parse_election_id("local.cornwall.2025-05-01"), country=Country.ENGLAND
    )

    assert not [note for note in timetable.notes if note.startswith("warning")]


@pytest.mark.parametrize(
    "kind",
    [
        ElectionKind.BUSINESS_NEIGHBOURHOOD_REFERENDUM,
        ElectionKind.COUNCIL_TAX_REFERENDUM,
        ElectionKind.GOVERNANCE_REFERENDUM,
    ],
    ids=["business-neighbourhood", "council-tax", "governance"],
)
def test_an_unsupported_referendum_kind_has_no_timetable(kind: ElectionKind) -> None:
    """Even a ref built by hand with one of these kinds is refused, never timed as another."""
    ref = parse_election_id("ref.cornwall.2026-06-04", kind=ElectionKind.NEIGHBOURHOOD_REFERENDUM)

    with pytest.raises(UnsupportedElection, match="not supported"):
        compute_timetable(
            type(ref)(election_id=ref.election_id, kind=kind, poll_date=ref.poll_date),
            country=Country.ENGLAND,
        )
