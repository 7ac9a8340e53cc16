"""Reading Democracy Club's candidate CSV (app/calendars/candidate_csv.py); the files are in the tests."""

import pytest

from app.calendars import CalendarError, TooLarge
from app.calendars.candidate_csv import read_candidate_csv

NEW = (
    b"person_id,person_name,election_id,ballot_paper_id,election_date,party_name,party_id,"
    b"post_label,statement_to_voters\n"
)
OLD = b"id,name,election,ballot_paper_id,party_id,party_name,party_ec_id,twitter_username\n"


def test_the_data_exports_columns_are_read() -> None:
    data = NEW + (
        b"70412,Tamsin Pascoe,local.cornwall.2029-05-03,local.cornwall.redruth-north.2029-05-03,"
        b"2029-05-03,Labour Party,PP53,Redruth North,\n"
    )

    (entry,) = read_candidate_csv(data, max_rows=10)

    assert (entry.line, entry.person_id, entry.name, entry.election_id, entry.group_id) == (
        2,
        "70412",
        "Tamsin Pascoe",
        "local.cornwall.redruth-north.2029-05-03",
        "local.cornwall.2029-05-03",
    )
    assert (entry.party_name, entry.party_id, entry.post_label) == (
        "Labour Party",
        "PP53",
        "Redruth North",
    )


def test_the_older_columns_are_read_and_the_ec_party_id_is_kept() -> None:
    data = OLD + (
        b"70419,Hedra Curnow,local.cornwall.2029-05-03,local.cornwall.redruth-south.2029-05-03,"
        b"party:90,Liberal Democrats,PP90,hedracurnow\n"
    )

    (entry,) = read_candidate_csv(data, max_rows=10)

    assert (entry.person_id, entry.name, entry.party_id, entry.handles) == (
        "70419",
        "Hedra Curnow",
        "PP90",
        ("hedracurnow",),
    )


def test_a_row_spanning_lines_keeps_the_next_rows_line_number() -> None:
    data = NEW + (
        b'70413,Jory Trevithick,local.cornwall.2029-05-03,,,,,,"Thirty years here.\n'
        b'Keep the library open."\n'
        b"70414,Demelza Rowe,local.cornwall.2029-05-03,,,,,,\n"
    )

    entries = read_candidate_csv(data, max_rows=10)

    assert [(e.line, e.election_id) for e in entries] == [
        (2, "local.cornwall.2029-05-03"),
        (4, "local.cornwall.2029-05-03"),
    ]


def test_a_byte_order_mark_and_blank_rows_are_passed_over() -> None:
    data = b"\xef\xbb\xbf" + NEW + b"\n70412,Tamsin Pascoe,local.cornwall.2029-05-03,,,,,,\n\n"

    entries = read_candidate_csv(data, max_rows=10)

    assert [(e.line, e.name) for e in entries] == [(3, "Tamsin Pascoe")]


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (b"70412,,local.cornwall.2029-05-03,,,,,,\n", "no name"),
        (b"x1,Tamsin Pascoe,local.cornwall.2029-05-03,,,,,,\n", "person id"),
        (b"70412,Tamsin Pascoe,,,,,,,\n", "ballot_paper_id"),
        (b"70412,Tamsin Pascoe,,Cornwall 2029,,,,,\n", "ballot_paper_id"),
        (b"70412,Tamsin\x00Pascoe,local.cornwall.2029-05-03,,,,,,\n", "U+0000"),
        (b"70412,Tamsin Pascoe,local.cornwall.2029-05-03,,,,PP 53,,\n", "party_id"),
    ],
    ids=["no-name", "bad-person-id", "no-election", "bad-ballot", "nul", "bad-party-id"],
)
def test_a_malformed_row_is_refused_naming_its_line(row: bytes, says: str) -> None:
    with pytest.raises(CalendarError) as refused:
        read_candidate_csv(NEW + row, max_rows=10)

    assert refused.value.where == "line 2"
    assert says in refused.value.problem


def test_a_control_character_in_an_ignored_column_is_ignored() -> None:
    data = NEW + b'70412,Tamsin Pascoe,local.cornwall.2029-05-03,,,,,,"a\x07b"\n'

    assert len(read_candidate_csv(data, max_rows=10)) == 1


def test_a_header_without_the_columns_is_refused() -> None:
    with pytest.raises(CalendarError) as refused:
        read_candidate_csv(b"name,party\nTamsin Pascoe,Labour\n", max_rows=10)

    assert refused.value.where == "line 1"


def test_more_rows_than_the_limit_is_too_large() -> None:
    row = b"70412,Tamsin Pascoe,local.cornwall.2029-05-03,,,,,,\n"

    with pytest.raises(TooLarge):
        read_candidate_csv(NEW + row * 3, max_rows=2)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(CalendarError):
        read_candidate_csv(b"", max_rows=10)
