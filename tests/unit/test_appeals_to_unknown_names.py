"""
An appeal for a person the screener does not know yet (the Clerk has not entered the
candidates): "Vote for Jane Smith" is an appeal however few candidates are entered; a
competition in lower case is not.
"""

import pytest

from app.domain.screening import MatchKind, Screener

SCREENER = Screener()


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("On 7 May, vote for Jane Smith!", "vote for Jane Smith"),
        ("Cast your vote for Tamsin Pascoe on Thursday.", "Cast your vote for Tamsin Pascoe"),
        ("Please vote for Cllr Pascoe.", "vote for Cllr Pascoe"),
        ("Vote  for  Jane\nSmith", "Vote  for  Jane\nSmith"),
    ],
)
def test_a_vote_for_a_named_person_is_an_appeal(text: str, matched: str) -> None:
    [appeal] = [m for m in SCREENER.scan(text) if m.kind is MatchKind.APPEAL]
    assert appeal.matched == matched
    assert text[appeal.start : appeal.end] == matched


@pytest.mark.parametrize(
    "text",
    [
        "Vote for your favourite entry in Redruth in Bloom by Sunday.",
        "Bring photo ID to vote on 7 May.",
        "You can vote for one candidate on the ballot paper.",
        "Voting for the Christmas window competition closes Friday.",
    ],
)
def test_neutral_votes_are_not_appeals(text: str) -> None:
    assert [m for m in SCREENER.scan(text) if m.kind is MatchKind.APPEAL] == []
