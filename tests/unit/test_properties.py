"""Properties that must hold for any input (hypothesis): window merging, decide(), working days."""

import datetime as dt
from pathlib import Path

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
from app.store import load_policy

POLICY = load_policy(Path(__file__).resolve().parents[2] / "policies" / "redruth.yaml")
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

    assert all(a.ends_at < b.starts_at for a, b in zip(windows, windows[1:], strict=False))
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
            )
        )
    return build_snapshot(
        POLICY,
        accounts=ACCOUNTS,
        periods=draw(periods()),
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


# SI 2006/3304 Sch. 2 r. 1 and SI 2006/3305 Sch. 2 r. 1: the notice of election is published
# not later than the twenty-fifth day before the poll, dies non not counted (r. 2).
@settings(max_examples=150)
@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)),
    st.sampled_from(["local.cornwall", "parish.redruth"]),
    st.sampled_from([Country.ENGLAND, Country.WALES]),
)
def test_the_notice_deadline_is_a_working_day_25_working_days_before_the_poll(
    poll: dt.date, prefix: str, country: Country
) -> None:
    ref = parse_election_id(f"{prefix}.{poll.isoformat()}")

    timetable = compute_timetable(ref, country=country)

    assert timetable.notice_of_election is not None
    notice = timetable.notice_of_election.day
    dies_non = {d.day for d in timetable.dies_non}

    def working(day: dt.date) -> bool:
        return day.weekday() < 5 and day not in dies_non

    between = [notice + dt.timedelta(days=n) for n in range(1, (poll - notice).days)]
    assert working(notice)
    assert sum(working(day) for day in between) == 24  # the notice is the 25th working day before
