"""
Post screening (issue 15): names as whole words, case and accents, titles, initials,
handles, aliases, hashtags and overlapping names.
"""

import pytest

from app.domain.candidates import Candidate
from app.domain.screening import Screener
from tests.unit.screening_data import COUNTY, PARISH, SCREENER

# --- names: whole words, case, accents, titles, handles, aliases, overlaps ---


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("Ann opened the fete", ["cand-4"]),
        ("Annual report", []),
        ("Anne and Joanna", []),
        ("Jane Smithson", []),
        ("ann-marie", ["cand-4"]),
        ("JANE SMITH", ["cand-1", "cand-2"]),
        ("jose alvarez", ["cand-3"]),
        ("Jos\u00e9 \u00c1lvarez", ["cand-3"]),
    ],
    ids=[
        "name",
        "prefix-of-a-word",
        "inside-words",
        "longer-surname",
        "hyphen-is-a-boundary",
        "upper-case",
        "without-accents",
        "with-accents",
    ],
)
def test_names_match_whole_words_ignoring_case_and_accents(text: str, refs: list[str]) -> None:
    assert [m.ref for m in SCREENER.scan(text)] == refs


@pytest.mark.parametrize(
    "title",
    ["Cllr", "Councillor", "Mr", "Mrs", "Ms", "Miss", "Dr", "Mayor", "Sir", "Dame", "Cllr."],
)
def test_a_title_before_a_name_joins_its_span(title: str) -> None:
    text = f"Thanks to {title} Jane Smith today"

    matches = SCREENER.scan(text)

    assert [(m.ref, m.matched) for m in matches] == [
        ("cand-1", f"{title} Jane Smith"),
        ("cand-2", f"{title} Jane Smith"),
    ]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Cllr Smith said", "Cllr Smith"),
        ("Councillor Smith's report", "Councillor Smith"),
        ("Mrs. Smith", "Mrs. Smith"),
        ("Smith said", None),
        ("The smith and the farrier", None),
        ("Cllr Smithson", None),
        ("Cllr J. Smith", "Cllr J. Smith"),
        ("Cllr J M Smith", "Cllr J M Smith"),
        ("J. Smith", None),
    ],
    ids=[
        "cllr",
        "councillor-possessive",
        "title-with-a-full-stop",
        "surname-alone",
        "ordinary-word",
        "other-surname",
        "title-and-initial",
        "title-and-initials",
        "initial-without-a-title",
    ],
)
def test_a_title_and_the_surname_alone_name_the_candidate(text: str, matched: str | None) -> None:
    """ "Councillor Smith" names Jane Smith (both candidacies); "Smith" alone names nobody."""
    expected = [] if matched is None else [("cand-1", matched), ("cand-2", matched)]

    assert [(m.ref, m.matched) for m in SCREENER.scan(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Follow @janesmith", [("cand-1", "@janesmith"), ("cand-2", "@janesmith")]),
        ("(@cllrhocking)", [("cand-6", "@cllrhocking")]),
        ("janesmith on every platform", []),
        ("write to jane@janesmith.example", []),
        ("@janesmith2027", []),
        ("Janey Smith says thank you", [("cand-1", "Janey Smith"), ("cand-2", "Janey Smith")]),
    ],
    ids=[
        "handle",
        "handle-in-brackets",
        "handle-without-at",
        "email-address",
        "longer-handle",
        "alias",
    ],
)
def test_handles_match_with_their_at_and_aliases_like_names(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(m.ref, m.matched) for m in SCREENER.scan(text)] == expected


def test_a_candidate_in_two_elections_gives_one_match_per_candidacy() -> None:
    matches = SCREENER.scan("Jane Smith")

    assert [(m.ref, m.election_ids) for m in matches] == [
        ("cand-1", (PARISH,)),
        ("cand-2", (COUNTY,)),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Liberal Democrats", [("PP90", "Liberal Democrats")]),
        ("a Liberal Democrat councillor", [("PP90", "Liberal Democrat")]),
        ("Redruth North", [("redruth-north", "Redruth North")]),
        ("Labour and Co-op", [("joint-party:53-119", "Labour and Co-op")]),
        ("Bob Green", [("cand-5", "Bob Green")]),
        ("Cllr Bob Green", [("cand-5", "Cllr Bob Green")]),
    ],
    ids=[
        "party-not-also-a-shorter-name",
        "shorter-name-when-alone",
        "ward-not-also-a-place",
        "joint-description-not-also-labour",
        "candidate-not-also-a-party",
        "titled-name-not-also-titled-surname",
    ],
)
def test_overlapping_matches_keep_the_longest(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.ref, m.matched) for m in SCREENER.scan(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#JaneSmith at the count", [("cand-1", "JaneSmith"), ("cand-2", "JaneSmith")]),
        ("#RedruthNorth", [("redruth-north", "RedruthNorth")]),
        ("#Smith", []),
        ("#VoteSmith", [("hashtag", "#VoteSmith"), ("cand-1", "Smith"), ("cand-2", "Smith")]),
    ],
    ids=["full-name", "ward", "surname-alone-is-nobody", "surname-after-vote"],
)
def test_hashtags_name_candidates_and_places_without_their_spaces(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(m.ref, m.matched) for m in SCREENER.scan(text)] == expected


def test_a_name_with_a_middle_name_matches_without_it() -> None:
    """The statement of persons nominated says "Jane Mary Smith"; posts say "Jane Smith"."""
    screener = Screener([Candidate(candidate_id="c", election_id=PARISH, name="Jane Mary Smith")])

    matches = screener.scan("Jane Smith and Jane Mary Smith")

    assert [m.matched for m in matches] == ["Jane Smith", "Jane Mary Smith"]
