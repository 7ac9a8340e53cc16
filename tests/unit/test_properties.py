"""Properties that must hold for any input (hypothesis): window merging, decide(), working days."""

import datetime as dt
import itertools

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain import (
    LONDON,
    UTC,
    Account,
    AccountKind,
    AccountStatus,
    Category,
    Country,
    ManualWindow,
    Override,
    ReasonCode,
    build_snapshot,
    compute_timetable,
    decide,
    parse_election_id,
)
from app.domain.periods import RestrictedPeriod, merge_windows

from .conftest import make_policy

# Redruth's rules, built in code (tests/integration/test_unit_policy.py checks them against the file)
POLICY = make_policy()
BASE = dt.datetime(2030, 1, 1, tzinfo=UTC)
ACCOUNTS = tuple(
    Account(f"a{i}", "facebook", f"Account {i}", AccountKind.PAGE, status)
    for i, status in enumerate(
        (AccountStatus.ACTIVE, AccountStatus.ACTIVE, AccountStatus.SUSPENDED, AccountStatus.PENDING)
    )
)
NEVER = sorted(POLICY.never_permitted)

minutes = st.integers(min_value=0, max_value=60 * 24 * 120)
lengths = st.integers(min_value=1, max_value=60 * 24 * 30)


def _at(minute: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minute)


@st.composite
def periods(draw: st.DrawFn) -> list[RestrictedPeriod]:
    found = []
    for i in range(draw(st.integers(min_value=0, max_value=8))):
        start = draw(minutes)
        found.append(
            RestrictedPeriod(
                f"parish.redruth.w{i}.by.2030-05-02",
                _at(start),
                _at(start + draw(lengths)),
                "s",
                "e",
            )
        )
    return found


def _covered(intervals: list[tuple[dt.datetime, dt.datetime]], instant: dt.datetime) -> bool:
    return any(start <= instant < end for start, end in intervals)


@given(periods(), st.lists(minutes, min_size=1, max_size=40))
def test_merged_windows_cover_exactly_the_periods(
    given_periods: list[RestrictedPeriod], probes: list[int]
) -> None:
    windows = merge_windows(given_periods)

    inputs = [(p.starts_at, p.ends_at) for p in given_periods]
    merged = [(w.starts_at, w.ends_at) for w in windows]
    edges = [p.starts_at for p in given_periods] + [p.ends_at for p in given_periods]
    for instant in [_at(m) for m in probes] + edges:
        assert _covered(inputs, instant) == _covered(merged, instant)


@given(periods())
def test_merged_windows_never_overlap_or_touch_and_keep_every_election(
    given_periods: list[RestrictedPeriod],
) -> None:
    windows = merge_windows(given_periods)

    assert all(a.ends_at < b.starts_at for a, b in itertools.pairwise(windows))
    kept = [e for w in windows for e in w.election_ids]
    assert sorted(kept) == sorted({p.election_id for p in given_periods})


@st.composite
def snapshots(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    manual = []
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        start = draw(minutes)
        accounts = draw(
            st.one_of(st.none(), st.frozensets(st.sampled_from(["a0", "a1"]), min_size=1))
        )
        manual.append(
            ManualWindow(f"mw{i}", _at(start), _at(start + draw(lengths)), "hand", accounts)
        )
    drawn_periods = draw(periods())
    restrictions = sorted(
        {f"election:{p.election_id}" for p in drawn_periods}
        | {f"manual:{m.window_id}" for m in manual}
    )
    overrides = []
    for i in range(draw(st.integers(min_value=0, max_value=4))):
        start = draw(minutes)
        categories = draw(
            st.one_of(
                st.none(),
                st.frozensets(
                    st.sampled_from(sorted(POLICY.referred | {Category.GENERAL})), min_size=1
                ),
            )
        )
        overrides.append(
            Override(
                f"o{i}",
                draw(st.sampled_from([None, "a0", "a1"])),
                _at(start),
                _at(start + draw(st.integers(min_value=1, max_value=60 * 24 * 7))),
                "override",
                categories,
                draw(st.frozensets(st.sampled_from(restrictions))) if restrictions else frozenset(),
            )
        )
    return build_snapshot(
        POLICY,
        accounts=ACCOUNTS,
        periods=drawn_periods,
        manual_windows=manual,
        overrides=overrides,
    ), overrides


categories = st.sampled_from(list(Category))
accounts = st.sampled_from([a.account_id for a in ACCOUNTS])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    snapshots(),
    accounts,
    categories,
    minutes,
    st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=8),
)
def test_valid_until_is_honest(
    built, account: str, category: Category, minute: int, fractions: list[float]
) -> None:  # type: ignore[no-untyped-def]
    snapshot, _ = built
    at = _at(minute)

    decision = decide(account, at, category, snapshot, now=at)

    end = decision.valid_until or at + dt.timedelta(days=400)
    for fraction in fractions:
        later = at + (end - at) * fraction
        if later >= end:
            continue
        assert decide(account, later, category, snapshot, now=later).outcome == decision.outcome


@given(snapshots(), accounts, st.sampled_from(NEVER), minutes)
def test_a_never_permitted_category_is_never_allowed(
    built, account: str, category: Category, minute: int
) -> None:  # type: ignore[no-untyped-def]
    snapshot, _ = built

    decision = decide(account, _at(minute), category, snapshot, now=_at(minute))

    assert not decision.allowed


@given(snapshots(), accounts, categories, minutes)
def test_no_override_allows_outside_its_own_interval(
    built, account: str, category: Category, minute: int
) -> None:  # type: ignore[no-untyped-def]
    snapshot, overrides = built
    at = _at(minute)

    decision = decide(account, at, category, snapshot, now=at)

    used = [r.override_id for r in decision.reasons if r.code == ReasonCode.OVERRIDE_APPLIED]
    for override in overrides:
        if override.override_id in used:
            assert override.starts_at <= at < override.ends_at
            assert override.account_id in (None, account)


@given(snapshots(), accounts, categories, minutes)
def test_an_override_applies_only_where_everything_in_force_is_one_of_its_anchors(
    built, account: str, category: Category, minute: int
) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: an override never lifts a restriction it was not granted against."""
    snapshot, overrides = built
    at = _at(minute)

    decision = decide(account, at, category, snapshot, now=at)

    used = {r.override_id for r in decision.reasons if r.code == ReasonCode.OVERRIDE_APPLIED}
    in_force = snapshot.restrictions_overlapping(account, at, at + dt.timedelta(microseconds=1))
    assert all(in_force <= o.anchors for o in overrides if o.override_id in used)


@given(snapshots(), accounts, categories, minutes)
def test_the_same_instant_in_utc_and_in_london_gets_the_same_decision(
    built, account: str, category: Category, minute: int
) -> None:  # type: ignore[no-untyped-def]
    snapshot, _ = built
    at = _at(minute)

    in_utc = decide(account, at, category, snapshot, now=at)
    in_london = decide(account, at.astimezone(LONDON), category, snapshot, now=at)

    assert (in_utc.outcome, in_utc.valid_until, [r.code for r in in_utc.reasons]) == (
        in_london.outcome,
        in_london.valid_until,
        [r.code for r in in_london.reasons],
    )


# The latest day for the notice of election, in working days before the poll (dies non, the
# part of the UK's bank holidays, not counted), as each part's election rules set it:
STATUTORY_NOTICE_DAYS = [
    # SI 2006/3304 Sch. 2 r. 1 (principal areas) and SI 2006/3305 Sch. 2 r. 1 (parishes and
    # communities): not later than the twenty-fifth day before the poll (days: r. 2).
    ("local.cornwall", Country.ENGLAND, 25),
    ("parish.redruth", Country.ENGLAND, 25),
    ("local.cardiff", Country.WALES, 25),
    ("parish.llandaff", Country.WALES, 25),
    # SSI 2011/399 Sch. 1 r. 1: not earlier than the 35th and not later than the 28th day
    # (Electoral Commission, council elections in Scotland, 5 May 2022; Easter Monday counts
    # as a holiday in Scotland).
    ("local.glasgow", Country.SCOTLAND, 28),
    # Electoral Law Act (Northern Ireland) 1962 Sch. 5 r. 1, as amended: not later than the
    # 25th day (Electoral Commission: "not later than 11 April" for the poll of 18 May 2023).
    ("local.belfast", Country.NORTHERN_IRELAND, 25),
]


SUBDIVISION = {
    Country.ENGLAND: "ENG",
    Country.WALES: "WLS",
    Country.SCOTLAND: "SCT",
    Country.NORTHERN_IRELAND: "NIR",
}


@settings(max_examples=300)
@given(
    # from the first polls under the 2014 local rules (SI 2014/494 r. 1(2)); earlier are refused
    st.dates(min_value=dt.date(2014, 5, 22), max_value=dt.date(2040, 12, 31)),
    st.sampled_from(STATUTORY_NOTICE_DAYS),
)
def test_the_notice_deadline_is_a_working_day_the_statutory_number_before_the_poll(
    poll: dt.date, case: tuple[str, Country, int]
) -> None:
    prefix, country, days = case
    ref = parse_election_id(f"{prefix}.{poll.isoformat()}")

    timetable = compute_timetable(ref, country=country)

    assert timetable.notice_of_election is not None
    notice = timetable.notice_of_election.day
    dies_non = {d.day for d in timetable.dies_non}

    def working(day: dt.date) -> bool:
        return day.weekday() < 5 and day not in dies_non

    between = [notice + dt.timedelta(days=n) for n in range(1, (poll - notice).days)]
    assert working(notice)
    assert sum(working(day) for day in between) == days - 1  # the notice is the Nth working day
    # and every bank holiday of that part of the UK (the holidays package's own tables), and
    # Christmas Eve, was left out of the count
    bank = holidays.country_holidays("GB", subdiv=SUBDIVISION[country], years=poll.year)
    for day in [notice, *between]:
        if day in bank or (day.month, day.day) == (12, 24):
            assert not working(day), f"{day} ({bank.get(day, 'Christmas Eve')}) was counted"
