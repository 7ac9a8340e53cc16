"""
Which announcements a window's instants make (`app.domain.time_events.boundaries`), worked
out by hand from the window's times and the policy's warning horizon.
"""

import datetime as dt

from app.domain import UTC, Window
from app.domain.time_events import POLICY_ANCHOR, boundaries, is_late

START = dt.datetime(2029, 3, 26, 23, 0, tzinfo=UTC)  # 00:00 on 27 March 2029, BST
END = dt.datetime(2029, 5, 3, 21, 0, tzinfo=UTC)  # 22:00 on polling day, BST
WINDOW = Window("w-2029-03-27-x", START, END, election_ids=("local.cornwall.2029-05-03",))
FORTNIGHT = dt.timedelta(days=14)


def _kinds(found: list) -> list[tuple[str, dt.datetime, dt.datetime]]:
    return [(b.kind, b.boundary_at, b.due_at) for b in found]


def test_a_future_window_is_announced_a_fortnight_ahead_at_its_start_and_at_its_end() -> None:
    since = dt.datetime(2029, 1, 1, tzinfo=UTC)

    found = boundaries([WINDOW], warning_horizon=FORTNIGHT, review_due_at=None, since=since)

    assert _kinds(found) == [
        ("window.upcoming", START, dt.datetime(2029, 3, 12, 23, 0, tzinfo=UTC)),
        ("window.started", START, START),
        ("window.ended", END, END),
    ]
    assert {b.anchor for b in found} == {"local.cornwall.2029-05-03"}


def test_a_window_first_seen_inside_its_horizon_is_announced_upcoming_at_once() -> None:
    since = dt.datetime(2029, 3, 20, 10, 0, tzinfo=UTC)

    found = boundaries([WINDOW], warning_horizon=FORTNIGHT, review_due_at=None, since=since)

    assert found[0].kind == "window.upcoming"
    assert found[0].due_at == since


def test_a_window_already_in_force_is_announced_only_when_it_ends() -> None:
    since = dt.datetime(2029, 4, 1, tzinfo=UTC)

    found = boundaries([WINDOW], warning_horizon=FORTNIGHT, review_due_at=None, since=since)

    assert _kinds(found) == [("window.ended", END, END)]


def test_a_window_over_before_the_schedule_is_not_announced() -> None:
    since = dt.datetime(2029, 6, 1, tzinfo=UTC)

    assert boundaries([WINDOW], warning_horizon=FORTNIGHT, review_due_at=None, since=since) == []


def test_without_a_horizon_no_window_is_announced_as_upcoming() -> None:
    since = dt.datetime(2029, 1, 1, tzinfo=UTC)

    found = boundaries([WINDOW], warning_horizon=None, review_due_at=None, since=since)

    assert [b.kind for b in found] == ["window.started", "window.ended"]


def test_a_review_due_is_announced_at_its_instant_unless_it_passed_before() -> None:
    due = dt.datetime(2029, 7, 31, 23, 0, tzinfo=UTC)
    before = dt.datetime(2029, 7, 1, tzinfo=UTC)
    after = dt.datetime(2029, 8, 2, tzinfo=UTC)

    found = boundaries([], warning_horizon=FORTNIGHT, review_due_at=due, since=before)
    passed = boundaries([], warning_horizon=FORTNIGHT, review_due_at=due, since=after)

    assert _kinds(found) == [("policy.review_due", due, due)]
    assert found[0].anchor == POLICY_ANCHOR
    assert passed == []


def test_an_announcement_more_than_a_minute_after_its_instant_is_late() -> None:
    assert not is_late(START, START + dt.timedelta(seconds=59))
    assert is_late(START, START + dt.timedelta(seconds=61))
