"""The console's "restricted now, and when next" in words (app/domain/status.py)."""

import datetime as dt

from app.domain import UTC, london_instant
from app.domain.periods import Window
from app.domain.status import restriction_status

REDRUTH = "Redruth Town Council"
# 7 May 2026: Cornwall Council and Redruth Town Council polls, notice by 27 March.
MAY_2026 = Window(
    "w1",
    london_instant(dt.date(2026, 3, 27)),
    london_instant(dt.date(2026, 5, 7), dt.time(22)),
    ("local.cornwall.2026-05-07", "parish.redruth.2026-05-07"),
)
MARCH_2029 = Window(
    "w2",
    london_instant(dt.date(2029, 3, 27)),
    london_instant(dt.date(2029, 5, 3), dt.time(22)),
    ("local.cornwall.2029-05-03",),
)


def test_inside_a_window_it_says_until_when_and_for_which_elections() -> None:
    status = restriction_status((MAY_2026, MARCH_2029), dt.datetime(2026, 4, 1, tzinfo=UTC))
    assert status.words(REDRUTH) == (
        "Restricted until 22:00 on Thursday 7 May 2026 "
        "(Cornwall Council and Redruth Town Council elections)"
    )


def test_between_windows_it_names_the_next_start_not_the_warning_horizon() -> None:
    status = restriction_status((MAY_2026, MARCH_2029), dt.datetime(2026, 11, 29, tzinfo=UTC))
    assert status.words(REDRUTH) == (
        "Not restricted. Next: from 00:00 on Tuesday 27 March 2029 (Cornwall Council election)"
    )


def test_close_of_poll_is_outside_the_window_half_open() -> None:
    at = london_instant(dt.date(2026, 5, 7), dt.time(22))
    assert restriction_status((MAY_2026, MARCH_2029), at).current is None
    just_before = at - dt.timedelta(seconds=1)
    assert restriction_status((MAY_2026, MARCH_2029), just_before).current is MAY_2026


def test_a_clerks_window_says_why_and_nothing_ahead_says_so() -> None:
    manual = Window(
        "m1",
        dt.datetime(2026, 12, 1, tzinfo=UTC),
        dt.datetime(2026, 12, 2, 11, tzinfo=UTC),
        manual_window_ids=("mw-1",),
        manual_reasons=("a referendum announced late",),
    )
    inside = restriction_status((manual,), dt.datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert inside.words(REDRUTH) == (
        "Restricted until 11:00 on Wednesday 2 December 2026 "
        "(restricted by the Clerk: a referendum announced late)"
    )
    after = restriction_status((manual,), dt.datetime(2026, 12, 3, tzinfo=UTC))
    assert after.words(REDRUTH) == "Not restricted. No restriction is known ahead."
