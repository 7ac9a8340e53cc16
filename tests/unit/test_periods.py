"""Restricted periods: where they start and end, and how they merge into windows."""

import datetime as dt

import pytest

from app.domain import (
    UTC,
    Country,
    ElectionRecord,
    GeneralElectionStart,
    InvalidNoticeDate,
    ManualWindow,
    NaiveDatetime,
    PeriodRules,
    check_notice_published,
    compute_timetable,
    merge_windows,
    notice_window,
    parse_election_id,
    restricted_period,
    restricted_periods,
)

from .conftest import make_policy


def _period(election_id: str, rules: PeriodRules | None = None, **recorded: object):
    timetable = compute_timetable(parse_election_id(election_id), country=Country.ENGLAND)
    return restricted_period(timetable, rules or PeriodRules(), **recorded)  # type: ignore[arg-type]


# Reference election: local.cornwall.2025-05-01 (notices published Friday 14 March 2025, Cornwall Council)
def test_period_starts_at_london_midnight_on_the_recorded_notice_day_in_gmt() -> None:
    period = _period("local.cornwall.2025-05-01", notice_published=dt.date(2025, 3, 14))

    assert period.starts_at == dt.datetime(2025, 3, 14, 0, 0, tzinfo=UTC)


def test_period_ends_at_22_00_london_on_polling_day_in_bst() -> None:
    """The window starts in GMT and ends in BST: 22:00 BST is 21:00 UTC."""
    period = _period("local.cornwall.2025-05-01", notice_published=dt.date(2025, 3, 14))

    assert period.ends_at == dt.datetime(2025, 5, 1, 21, 0, tzinfo=UTC)


def test_without_a_recorded_notice_the_statutory_latest_day_starts_the_period() -> None:
    """Statutory latest notice day for 1 May 2025: Tuesday 25 March (ALDC / Electoral Commission)."""
    period = _period("local.cornwall.2025-05-01")

    assert period.starts_at == dt.datetime(2025, 3, 25, 0, 0, tzinfo=UTC)
    assert "statutory latest day" in period.start_basis


def test_a_start_in_bst_is_london_midnight_not_utc_midnight() -> None:
    """Reference election: parl.2024-07-04, notice by Tuesday 4 June 2024: 00:00 BST is 23:00 UTC."""
    period = _period("parl.2024-07-04")

    assert period.starts_at == dt.datetime(2024, 6, 3, 23, 0, tzinfo=UTC)


def test_a_general_election_can_start_at_dissolution_by_policy() -> None:
    """Reference election: parl.2024-07-04, dissolved Thursday 30 May 2024."""
    rules = PeriodRules(general_election_start=GeneralElectionStart.DISSOLUTION)

    period = _period("parl.2024-07-04", rules)

    assert period.starts_at == dt.datetime(2024, 5, 29, 23, 0, tzinfo=UTC)


def test_the_eu_referendum_was_restricted_from_27_may_2016() -> None:
    """Electoral Commission: s. 125 PPERA restrictions ran 'from 27 May to 23 June 2016'."""
    period = _period("ref.2016-06-23")

    assert period.starts_at == dt.datetime(2016, 5, 26, 23, 0, tzinfo=UTC)


def test_the_caution_margin_moves_the_start_earlier_by_calendar_days() -> None:
    period = _period("local.cornwall.2025-05-01", PeriodRules(caution_margin=dt.timedelta(days=3)))

    assert period.starts_at == dt.datetime(2025, 3, 22, 0, 0, tzinfo=UTC)


def test_the_policy_may_extend_the_end_past_close_of_poll() -> None:
    period = _period("local.cornwall.2025-05-01", PeriodRules(end_extension=dt.timedelta(hours=18)))

    assert period.ends_at == dt.datetime(2025, 5, 2, 15, 0, tzinfo=UTC)


def test_the_clerk_can_set_the_start_and_end_by_hand() -> None:
    start = dt.datetime(2024, 5, 25, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    end = dt.datetime(2024, 7, 4, 23, 0, tzinfo=UTC)

    period = _period("parl.2024-07-04", starts_at=start, ends_at=end, end_reason="declaration")

    assert (period.starts_at, period.ends_at) == (start, end)
    assert "declaration" in period.end_basis


def test_a_naive_start_set_by_hand_is_rejected() -> None:
    with pytest.raises(NaiveDatetime):
        _period("parl.2024-07-04", starts_at=dt.datetime(2024, 5, 25))  # noqa: DTZ001 - the point of the test


def test_a_by_election_period_is_marked_estimated_until_the_notice_is_recorded() -> None:
    estimated = _period("parl.camborne-and-redruth.by.2026-03-05")
    recorded = _period(
        "parl.camborne-and-redruth.by.2026-03-05", notice_published=dt.date(2026, 2, 2)
    )

    assert (estimated.estimated, recorded.estimated) == (True, False)


def _at(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_overlapping_periods_merge_into_one_window_keeping_every_election() -> None:
    """A council affected by several polls on one day is restricted from the earliest notice."""
    cornwall = _period("local.cornwall.2025-05-01", notice_published=dt.date(2025, 3, 14))
    town = _period("parish.redruth.2025-05-01")

    windows = merge_windows([town, cornwall])

    assert len(windows) == 1
    assert windows[0].starts_at == cornwall.starts_at
    assert windows[0].election_ids == ("local.cornwall.2025-05-01", "parish.redruth.2025-05-01")


def test_touching_periods_merge() -> None:
    first = ManualWindow("m1", _at("2026-01-01"), _at("2026-01-05"), "first")
    second = ManualWindow("m2", _at("2026-01-05"), _at("2026-01-09"), "second")

    windows = merge_windows([], [first, second])

    assert [(w.starts_at, w.ends_at) for w in windows] == [(_at("2026-01-01"), _at("2026-01-09"))]


def test_separate_periods_stay_separate_and_in_time_order() -> None:
    later = ManualWindow("m2", _at("2026-02-01"), _at("2026-02-05"), "later")
    earlier = ManualWindow("m1", _at("2026-01-01"), _at("2026-01-05"), "earlier")

    windows = merge_windows([], [later, earlier])

    assert [w.manual_window_ids for w in windows] == [("m1",), ("m2",)]


def test_a_period_ended_before_it_began_restricts_nothing() -> None:
    period = _period("local.cornwall.2025-05-01", ends_at=_at("2025-03-01"))

    assert merge_windows([period]) == ()


def test_only_elections_in_scope_restrict_an_organisation() -> None:
    policy = make_policy()
    records = [
        ElectionRecord(parse_election_id(i))
        for i in (
            "local.cornwall.2025-05-01",
            "local.devon.2025-05-01",
            "parl.2024-07-04",
            "parl.bristol-east.by.2026-03-05",
        )
    ]

    periods = restricted_periods(
        records, rules=policy.period_rules, country=policy.country, affects=policy.affects
    )

    assert [p.election_id for p in periods] == ["local.cornwall.2025-05-01", "parl.2024-07-04"]


def test_window_contains_is_half_open() -> None:
    window = merge_windows([_period("local.cornwall.2025-05-01")])[0]

    assert window.contains(window.starts_at)
    assert not window.contains(window.ends_at)


@pytest.mark.parametrize(
    ("election_id", "affects"),
    [
        ("local.cornwall.2025-05-01", True),
        ("local.cornwall.bodmin-st-petroc.by.2026-01-15", False),
        ("local.cornwall.redruth-north.by.2026-01-15", True),
        ("parish.redruth.central.by.2026-06-11", True),
        ("parish.camborne.2029-05-03", False),
        ("pcc.devon-and-cornwall.by.2026-01-15", True),
        ("parl.st-ives.by.2026-01-15", False),
        ("parl.camborne-and-redruth.by.2026-01-15", True),
        ("ref.2016-06-23", True),
        ("ref.england.2026-06-04", True),
        ("ref.wales.2011-03-03", False),
        ("ref.scotland.2014-09-18", False),
        ("ref.north-east.2004-11-04", False),
        ("ref.south-west.2026-06-04", True),
    ],
    ids=[
        "whole-council",
        "other-division-by-election",
        "own-division-by-election",
        "own-ward-by-election",
        "other-parish",
        "pcc-by-election",
        "other-constituency",
        "own-constituency",
        "uk-referendum",
        "referendum-throughout-england",
        "welsh-referendum",
        "scottish-referendum",
        "other-english-region",
        "own-english-region",
    ],
)
def test_a_by_election_restricts_only_the_councils_it_names(
    election_id: str, affects: bool
) -> None:
    policy = make_policy(
        election_scopes=(
            "parl.",
            "parl.camborne-and-redruth.",
            "pcc.devon-and-cornwall.",
            "local.cornwall.",
            "local.cornwall.redruth-north.",
            "parish.redruth.",
            "ref.",
            "ref.south-west.",
        )
    )

    assert policy.affects(parse_election_id(election_id)) is affects


# --- a recorded notice date never shortens a period (issue 13, item 1) ---


def _timetable(election_id: str, country: Country = Country.ENGLAND):  # type: ignore[no-untyped-def]
    return compute_timetable(parse_election_id(election_id), country=country)


# Reference election: local.cornwall.2025-05-01 (latest notice: Tuesday 25 March 2025, ALDC / Electoral Commission)
@pytest.mark.parametrize(
    ("notice", "allowed"),
    [
        (dt.date(2025, 3, 14), True),
        (dt.date(2025, 3, 25), True),
        (dt.date(2025, 3, 26), False),
        (dt.date(2025, 4, 30), False),
        (dt.date(2025, 5, 1), False),
    ],
    ids=["cornwall-actual", "latest-day", "day-after-latest", "eve-of-poll", "polling-day"],
)
def test_a_notice_is_accepted_only_on_or_before_the_statutory_latest_day(
    notice: dt.date, allowed: bool
) -> None:
    timetable = _timetable("local.cornwall.2025-05-01")

    if allowed:
        check_notice_published(timetable, notice)
    else:
        with pytest.raises(InvalidNoticeDate, match="2025-03-25"):
            check_notice_published(timetable, notice)


# Reference election: sp.c.2016-05-05 (Electoral Commission: "Between Monday 14 March and Wednesday 23 March")
@pytest.mark.parametrize(
    ("notice", "allowed"),
    [
        (dt.date(2016, 3, 11), False),
        (dt.date(2016, 3, 14), True),
        (dt.date(2016, 3, 23), True),
        (dt.date(2016, 3, 24), False),
    ],
    ids=["before-earliest", "earliest", "latest", "after-latest"],
)
def test_a_scottish_notice_must_fall_between_the_earliest_and_latest_days(
    notice: dt.date, allowed: bool
) -> None:
    timetable = _timetable("sp.c.2016-05-05", Country.SCOTLAND)

    window = notice_window(timetable)

    assert (window.earliest, window.latest) == (dt.date(2016, 3, 14), dt.date(2016, 3, 23))
    assert window.contains(notice) is allowed


def test_the_refusal_names_the_legal_window_and_its_rule() -> None:
    """Reference election: pcc.devon-and-cornwall.2028-05-04, given a notice the day before the poll."""
    timetable = _timetable("pcc.devon-and-cornwall.2028-05-04")

    with pytest.raises(InvalidNoticeDate) as refused:
        check_notice_published(timetable, dt.date(2028, 5, 3))

    assert refused.value.latest == notice_window(timetable).latest.isoformat()
    assert "Police and Crime Commissioner" in refused.value.rule


def test_a_stored_notice_after_the_latest_day_does_not_move_the_start() -> None:
    """Defence in depth: whatever is stored, the period starts no later than 25 March 2025."""
    period = _period("local.cornwall.2025-05-01", notice_published=dt.date(2025, 4, 20))

    assert period.starts_at == dt.datetime(2025, 3, 25, 0, 0, tzinfo=UTC)
    assert "not used" in period.start_basis


def test_a_notice_recorded_after_a_referendums_statutory_start_does_not_move_it() -> None:
    """Reference election: ref.2016-06-23, restricted from 27 May 2016 (PPERA s. 125)."""
    timetable = _timetable("ref.2016-06-23")

    period = restricted_period(timetable, PeriodRules(), notice_published=dt.date(2016, 6, 1))

    assert period.starts_at == dt.datetime(2016, 5, 26, 23, 0, tzinfo=UTC)
    assert notice_window(timetable).latest == dt.date(2016, 5, 27)


def test_a_by_election_notice_may_be_recorded_up_to_the_19th_working_day() -> None:
    """
    Derived from the rule, not a published timetable: for a poll on Thursday 5 March 2026 the
    writ arrives by the 21st working day before (Tuesday 3 February) and the notice follows
    within two working days, so Friday 6 February 2026 is the latest lawful notice day.
    """
    timetable = _timetable("parl.camborne-and-redruth.by.2026-03-05")

    window = notice_window(timetable)

    assert window.latest == dt.date(2026, 2, 6)
    assert window.latest > timetable.notice_of_election.day  # type: ignore[union-attr]
