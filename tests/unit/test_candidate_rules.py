"""How candidates' names, handles and elections are checked and compared (app/domain/candidate_rules.py)."""

import pytest

from app.domain.candidate_rules import (
    check_election,
    check_fields,
    check_handle,
    check_standing,
    name_key,
    same_election,
    suggest_accounts,
)
from app.domain.errors import CandidateWithdrawn, InvalidChange, InvalidElectionId

# Reference elections: parish.redruth.2029-05-03 and local.cornwall.2029-05-03.
RECORDED = frozenset({"parish.redruth.2029-05-03", "local.cornwall.2029-05-03"})


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zoë O'Neill", "zoe oneill"),
        ("Cllr Jane Trevithick", "JANE TREVITHICK"),
        ("Mrs  Jane   Trevithick OBE", "Jane Trevithick"),
        ("Jory Trevithick", "Jory Trevithick"),
    ],
    ids=["accent-and-apostrophe", "title-and-case", "titles-and-spaces", "same"],
)
def test_names_compare_without_case_accents_punctuation_or_titles(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_different_first_names_are_different_names() -> None:
    assert name_key("Jane Trevithick") != name_key("Jory Trevithick")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("bobsmith", "@bobsmith"),
        ("@bobsmith", "@bobsmith"),
        ("@bob@mastodon.social", "@bob@mastodon.social"),
        ("bob.bsky.social", "@bob.bsky.social"),
    ],
    ids=["bare", "with-at", "mastodon", "bluesky"],
)
def test_a_handle_is_stored_with_its_at(given: str, stored: str) -> None:
    assert check_handle(given) == stored


@pytest.mark.parametrize(
    "handle",
    ["@", "", "@bob smith", "@" + "b" * 101, "@bob\x00"],
    ids=["at-only", "empty", "space", "too-long", "nul"],
)
def test_a_handle_that_is_not_one_is_refused(handle: str) -> None:
    with pytest.raises(InvalidChange):
        check_handle(handle)


def test_a_hundred_characters_after_the_at_is_a_handle() -> None:
    assert check_handle("@" + "b" * 100) == "@" + "b" * 100


def test_fields_keep_repeated_aliases_and_handles_once_and_drop_an_alias_that_is_the_name() -> None:
    fields = check_fields(
        name=" Zoë  O'Neill ",
        aliases=["Zoe Oneill", "Zo O'Neill", "zo oneill"],
        handles=["zoe", "@ZOE", "@zoe@mastodon.social"],
    )

    assert fields.name == "Zoë O'Neill"
    assert fields.aliases == ("Zo O'Neill",)
    assert fields.handles == ("@zoe", "@zoe@mastodon.social")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "J"}, "name"),
        ({"name": "J" * 201}, "name"),
        ({"name": "Jane\tTrevithick"}, "name"),
        ({"name": "12"}, "name"),
        ({"name": "Jane Trevithick", "aliases": ["Jane"] * 21}, "aliases"),
        ({"name": "Jane Trevithick", "handles": ["@j"] * 21}, "handles"),
        ({"name": "Jane Trevithick", "handles": ["@ok", "not ok"]}, "handles[1]"),
        ({"name": "Jane Trevithick", "party": "P" * 201}, "party"),
    ],
    ids=[
        "one-letter",
        "too-long",
        "tab",
        "no-letter",
        "21-aliases",
        "21-handles",
        "bad-handle",
        "long-party",
    ],
)
def test_fields_that_break_the_rules_are_refused_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidChange) as refused:
        check_fields(**kwargs)  # type: ignore[arg-type]

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("local.cornwall.redruth-north.2029-05-03", "local.cornwall.2029-05-03", True),
        ("local.cornwall.2029-05-03", "local.cornwall.redruth-north.2029-05-03", True),
        (
            "local.cornwall.redruth-north.2029-05-03",
            "local.cornwall.redruth-south.2029-05-03",
            False,
        ),
        ("parish.redruth.2029-05-03", "local.cornwall.2029-05-03", False),
        ("parish.redruth.2029-05-03", "parish.redruth.2029-05-03", True),
    ],
    ids=["ballot-of-election", "election-of-ballot", "two-ballots", "two-elections", "equal"],
)
def test_a_ballot_is_the_same_poll_as_its_election(a: str, b: str, same: bool) -> None:
    assert same_election(a, b) is same


def test_a_ballot_of_a_recorded_election_is_accepted() -> None:
    ballot = "local.cornwall.redruth-north.2029-05-03"

    assert check_election(ballot, RECORDED, organisation="Redruth Town Council") == ballot


def test_an_election_not_recorded_is_refused_naming_it() -> None:
    with pytest.raises(InvalidChange) as refused:
        check_election("local.devon.2029-05-03", RECORDED, organisation="Redruth Town Council")

    assert "local.devon.2029-05-03" in str(refused.value)
    assert refused.value.field == "election_id"


def test_a_malformed_election_id_is_refused() -> None:
    with pytest.raises(InvalidElectionId):
        check_election("redruth 2029", RECORDED, organisation="Redruth Town Council")


def test_a_withdrawn_candidate_is_not_moved() -> None:
    with pytest.raises(CandidateWithdrawn):
        check_standing("cand-1", "withdrawn", action="linked to an account")


ACCOUNTS = (
    ("facebook-mayorofredruth", "Cllr J. Trevithick"),
    ("facebook-redruthtowncouncil", "Redruth Town Council"),
    ("x-jory", "Jory Trevithick"),
    ("x-surname-only", "Trevithick"),
    ("x-jane", "Jane Trevithick"),
)


@pytest.mark.parametrize(
    ("names", "linked", "suggested"),
    [
        (("Jane Trevithick",), (), ("facebook-mayorofredruth", "x-jane")),
        (("Jory Trevithick",), (), ("facebook-mayorofredruth", "x-jory")),
        (("Jane Trevithick",), ("x-jane",), ("facebook-mayorofredruth",)),
        (("Bob Angove",), (), ()),
        (("Janey Bray", "Jane Trevithick"), (), ("facebook-mayorofredruth", "x-jane")),
        (("Trevithick",), (), ()),
    ],
    ids=[
        "initial-and-name",
        "another-first-name",
        "linked-not-again",
        "no-match",
        "by-alias",
        "surname-alone",
    ],
)
def test_accounts_are_suggested_by_surname_and_a_first_name_or_initial(
    names: tuple[str, ...], linked: tuple[str, ...], suggested: tuple[str, ...]
) -> None:
    assert suggest_accounts(names, ACCOUNTS, linked=linked) == suggested
