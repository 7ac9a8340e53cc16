"""The feed's own writer: escaping that stops calendar-property injection, and folding by octets."""

import datetime as dt

import icalendar

from app.calendars.feed import render_feed
from app.domain import UTC
from app.domain.feeds import PublishedWindow
from app.store import load_policy
from tests.conftest import ROOT

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
START = dt.datetime(2027, 1, 10, 9, tzinfo=UTC)


def _render(reason: str) -> bytes:
    window = PublishedWindow(
        "mw-1", START, START + dt.timedelta(days=2), (), (reason,), False, 0, START
    )
    return render_feed(
        [window],
        policy=POLICY,
        calendar_name="Redruth Town Council: pre-election periods",
        account_id=None,
        window_url=lambda w: "http://127.0.0.1/v1/windows",
        check_url="http://127.0.0.1/v1/accounts/{account_id}/can-publish",
    )


def test_a_reason_with_line_breaks_cannot_add_calendar_properties() -> None:
    body = _render("Under review\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT")

    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]

    assert "ATTENDEE" not in event
    assert b"\r\nATTENDEE" not in body
    assert str(event["SUMMARY"]).startswith("Publishing restricted by the Clerk: Under review")
    lines = body.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == 1


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    reason = "Cyfnod cyn etholiad: ŵ ŷ â ê î ô û " * 12

    body = _render(reason)

    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    body.decode("utf-8")  # every physical line is whole UTF-8
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert reason.strip() in str(event["SUMMARY"])
