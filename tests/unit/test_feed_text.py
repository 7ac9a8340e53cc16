"""The words and identities of the feed: window anchors, UIDs, summaries, ballots and titles."""

import datetime as dt
import itertools

import pytest

from app.domain import UTC, election_group_id, election_title, parse_election_id
from app.domain.feeds import PublishedWindow, feed_uid, window_summary
from app.domain.periods import ManualWindow, RestrictedPeriod, merge_windows

TOWN = "Redruth Town Council"


def _period(election_id: str, start: dt.datetime, end: dt.datetime) -> RestrictedPeriod:
    return RestrictedPeriod(election_id, start, end, "notice", "close of poll")


def _published(*elections: str, manual: tuple[str, ...] = ()) -> PublishedWindow:
    start = dt.datetime(2029, 3, 27, tzinfo=UTC)
    return PublishedWindow(
        "a", start, start + dt.timedelta(days=37), elections, manual, False, 0, start
    )


def test_a_window_keeps_its_anchor_when_its_times_change() -> None:
    start = dt.datetime(2029, 3, 26, 23, tzinfo=UTC)
    end = dt.datetime(2029, 5, 3, 21, tzinfo=UTC)
    before = merge_windows(
        [
            _period("parish.redruth.2029-05-03", start, end),
            _period("local.cornwall.2029-05-03", start, end),
        ]
    )
    after = merge_windows(
        [
            _period("parish.redruth.2029-05-03", start, end),
            _period("local.cornwall.2029-05-03", start - dt.timedelta(days=11), end),
        ]
    )

    assert before[0].anchor == after[0].anchor == "local.cornwall.2029-05-03"
    assert before[0].window_id != after[0].window_id


def test_the_anchor_is_the_earliest_poll_then_the_id() -> None:
    start = dt.datetime(2029, 3, 1, tzinfo=UTC)
    windows = merge_windows(
        [
            _period("parl.2029-05-10", start, dt.datetime(2029, 5, 10, 21, tzinfo=UTC)),
            _period("parish.redruth.2029-05-03", start, dt.datetime(2029, 5, 3, 21, tzinfo=UTC)),
        ]
    )

    assert windows[0].anchor == "parish.redruth.2029-05-03"


def test_a_manual_window_is_anchored_by_its_own_id() -> None:
    start = dt.datetime(2027, 1, 10, tzinfo=UTC)
    windows = merge_windows(
        [], [ManualWindow("mw-1", start, start + dt.timedelta(days=2), "review")]
    )

    assert windows[0].anchor == "mw-1"


def test_uids_name_the_organisation_the_window_and_the_account() -> None:
    assert feed_uid("redruth", "local.cornwall.2029-05-03") == (
        "restriction.local.cornwall.2029-05-03@redruth.purdah-controller"
    )
    assert feed_uid("redruth", "mw-1", "x-visitredruth") == (
        "restriction.mw-1.x-visitredruth@redruth.purdah-controller"
    )


@pytest.mark.parametrize(
    ("elections", "manual", "summary"),
    [
        (
            ("local.cornwall.2029-05-03", "parish.redruth.2029-05-03"),
            (),
            "Pre-election period: Cornwall Council and Redruth Town Council elections",
        ),
        (("parl.2024-07-04",), (), "Pre-election period: UK Parliament general election"),
        (
            ("pcc.devon-and-cornwall.2028-05-04",),
            (),
            "Pre-election period: Devon and Cornwall Police and Crime Commissioner election",
        ),
        (
            (),
            ("Library page under review",),
            "Publishing restricted by the Clerk: Library page under review",
        ),
        (
            ("parish.redruth.2029-05-03",),
            ("extra caution",),
            "Pre-election period: Redruth Town Council election (and restricted by the Clerk)",
        ),
    ],
    ids=["two-councils", "general", "pcc", "manual", "both"],
)
def test_a_summary_reads_as_a_person_would_say_it(
    elections: tuple[str, ...], manual: tuple[str, ...], summary: str
) -> None:
    assert window_summary(_published(*elections, manual=manual), TOWN) == summary


@pytest.mark.parametrize(
    ("ballot", "election"),
    [
        ("local.cornwall.redruth-north.2025-05-01", "local.cornwall.2025-05-01"),
        ("parl.camborne-and-redruth.2024-07-04", "parl.2024-07-04"),
        ("parish.redruth.central.2029-05-03", "parish.redruth.2029-05-03"),
        (
            "local.cornwall.redruth-north.by.2026-04-16",
            "local.cornwall.redruth-north.by.2026-04-16",
        ),
        ("pcc.devon-and-cornwall.2024-05-02", "pcc.devon-and-cornwall.2024-05-02"),
    ],
    ids=["division", "constituency", "parish-ward", "by-election-kept", "no-division"],
)
def test_a_ballot_belongs_to_its_election(ballot: str, election: str) -> None:
    assert election_group_id(parse_election_id(ballot)) == election


def test_a_town_councils_own_election_is_called_by_its_name() -> None:
    ref = parse_election_id("parish.redruth.central.by.2026-02-12")

    assert (
        election_title(ref, parish_council=TOWN)
        == "Redruth Town Council (Central ward) by-election"
    )


def test_the_same_periods_in_any_order_make_the_same_windows() -> None:
    """
    A council's rows come back in whatever order the database gives (a council built alone,
    or with every other): elections and manual windows with the same times must make the
    same windows, ids and order of elections whichever comes first.
    """
    start = dt.datetime(2029, 3, 26, 23, tzinfo=UTC)
    end = dt.datetime(2029, 5, 3, 21, tzinfo=UTC)
    periods = [
        _period(election, start, end)
        for election in ("pcc.devon-and-cornwall.2029-05-03", "local.cornwall.2029-05-03",
                         "parish.redruth.2029-05-03")
    ]  # fmt: skip
    manual = [ManualWindow(f"m-{i}", start, end, "by-election") for i in (2, 1)]
    made = {
        merge_windows(list(order), list(manuals))
        for order in itertools.permutations(periods)
        for manuals in (manual, manual[::-1])
    }

    assert len(made) == 1
    (window,) = made.pop()
    assert window.election_ids == tuple(sorted(p.election_id for p in periods))
    assert window.manual_window_ids == ("m-1", "m-2")
