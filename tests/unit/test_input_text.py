"""Text from outside: control characters and RFC 3339 date-times (issue 13, items 7 and 8)."""

import datetime as dt

import pytest

from app.domain import UTC
from app.domain.clock import parse_instant
from app.domain.text import control_character

# --- control characters ---


@pytest.mark.parametrize(
    ("value", "multi_line", "found"),
    [
        ("plain text, with punctuation: ok!", False, None),
        ("Café Kernow – ✓", False, None),
        ("a\u0000b", False, "\u0000"),
        ("a\u0007b", True, "\u0007"),
        ("a\nb", False, "\n"),
        ("a\nb\tc", True, None),
        ("a\r\nb", True, "\r"),
        ("a\u007fb", True, "\u007f"),
        ("a\u009bb", False, "\u009b"),
        ("a\u00a0b", False, None),
    ],
    ids=[
        "ascii",
        "unicode",
        "nul",
        "bel-in-free-text",
        "line-feed-in-a-line",
        "line-feed-and-tab-in-free-text",
        "carriage-return-in-free-text",
        "delete",
        "c1-csi",
        "no-break-space-is-text",
    ],
)
def test_control_characters_are_found_by_kind_of_text(
    value: str, multi_line: bool, found: str | None
) -> None:
    assert control_character(value, multi_line=multi_line) == found


# --- date-times: one parser, RFC 3339 only ---


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2029-04-10T09:00:00+01:00", dt.datetime(2029, 4, 10, 8, 0, tzinfo=UTC)),
        ("2029-04-10T08:00:00Z", dt.datetime(2029, 4, 10, 8, 0, tzinfo=UTC)),
        ("2029-04-10t08:00:00z", dt.datetime(2029, 4, 10, 8, 0, tzinfo=UTC)),
        ("2029-04-10 09:00+0100", dt.datetime(2029, 4, 10, 8, 0, tzinfo=UTC)),
        ("2029-04-10T08:00:00.123456789Z", dt.datetime(2029, 4, 10, 8, 0, 0, 123456, tzinfo=UTC)),
    ],
    ids=["offset", "zulu", "lower-case", "no-seconds-no-colon", "nanoseconds"],
)
def test_an_rfc_3339_datetime_is_read(text: str, instant: dt.datetime) -> None:
    assert parse_instant(text) == instant


def test_a_datetime_without_an_offset_is_read_naive_for_the_caller_to_refuse() -> None:
    assert parse_instant("2029-04-10T09:00:00").tzinfo is None


@pytest.mark.parametrize(
    "text",
    [
        "2029-04-10T09:00:00+01:00:30",
        "2029-04-10T09:00:00+01:00:30.5",
        "2029-04-10T09:00:00\u0000Z",
        "2029-04-10T09:00:00Z\u0000",
        "2029-04-10T09:00:00Z\n",
        "20290410T090000Z",
        "2029-04-10",
        "2029-04-10T09:00:00+01",
        "２０２９-04-10T09:00:00Z",
        "2016-12-31T23:59:60Z",
        "2027-02-29T12:00:00Z",
        "2029-04-10T24:00:00Z",
        "1838160000",
    ],
    ids=[
        "offset-with-seconds",
        "offset-with-fraction",
        "embedded-nul",
        "trailing-nul",
        "trailing-line-feed",
        "basic-format",
        "date-only",
        "hour-only-offset",
        "full-width-digits",
        "leap-second",
        "no-such-day",
        "hour-24",
        "epoch",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 3339|exists"):
        parse_instant(text)
