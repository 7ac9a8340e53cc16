"""
Post screening (issue 15, "Who is standing"): council posts both ways, spans, party words
and appeals.

The posts are written like the ones town councils publish (bin collections, road closures,
polling station notices, the Mayor's charity events) and like campaign posts that must not
go out on a council account; they are not quotations of real posts. The candidates, parties
and wards are in `tests/unit/screening_data.py`.
"""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.folding import fold_character, fold_text
from app.domain.screening import Match, MatchKind, Screener
from tests.unit.screening_data import (
    CANDIDATES,
    COUNTY,
    PARISH,
    PARTIES,
    SCREENER,
    WARDS,
    A,
    C,
    P,
    W,
    expect,
    found,
    jane,
)

# --- posts councils publish, and posts they must not: the table (issue 15) ---

NEUTRAL = {
    "bin-collections": "Bank holiday bin collections: green bins will be collected one day "
    "later than usual. Please put your bins out by 7am.",
    "road-closure": "Penryn Street will be closed from 8am to 6pm on Sunday 4 May for "
    "resurfacing. Diversions are signed via Clinton Road.",
    "polling-stations-open": "Polling stations are open from 7am to 10pm on Thursday 7 May. "
    "Remember to bring photo ID to vote.",
    "photo-id": "Bring photo ID to vote on 7 May: a passport, a driving licence or a free Voter "
    "Authority Certificate.",
    "register-to-vote": "Not registered? Register to vote by 16 April at gov.uk/register-to-vote.",
    "postal-votes": "How to vote by post: apply to the electoral registration officer by 5pm on "
    "17 April.",
    "notice-of-election": "The notice of election is published today on our noticeboards and "
    "website.",
    "vote-at-your-polling-station": "You can vote at your polling station from 7am to 10pm; your "
    "poll card tells you where it is.",
    "in-bloom-competition": "Vote for your favourite entry in Redruth in Bloom! Voting closes on "
    "Sunday.",
    "best-kept-garden": "Voting for the best-kept garden closes on Friday.",
    "green-spaces-and-planning-reform": "Our green spaces team has planted 400 trees, and "
    "responses to the planning reform consultation are due by Friday.",
    "labour-day-and-labour-costs": "The museum is open on Labour Day. Labour costs for the play "
    "park came in under budget.",
    "green-flag-award": "Victoria Park has kept its Green Flag Award for the fifth year running.",
    "bowls-alliance": "Thanks to the Cornwall Alliance of Bowling Clubs for hosting the finals.",
    "mayors-charity-quiz": "The Mayor\u2019s charity quiz raised \u00a31,240 for the food bank "
    "\u2013 thank you! \U0001f389",
    "annual-meeting": "Annual town meeting: Thursday 20 March at 7pm in the council chamber.",
    "milton-keynes": "MK Dons play at home on Saturday: expect traffic on the A5.",
    "support-the-food-bank": "Please support the food bank on 7 May by bringing tins to the "
    "library.",
}


@pytest.mark.parametrize("text", list(NEUTRAL.values()), ids=list(NEUTRAL))
def test_neutral_council_posts_name_nobody_and_appeal_for_nothing(text: str) -> None:
    """Election information, competitions and ordinary words are not matches."""
    assert found(text) == []


CAMPAIGN = {
    "vote-labour": (
        "Vote Labour on 7 May!",
        [(A, "vote-name", "Vote Labour"), (P, "PP53", "Labour")],
    ),
    "re-elect-cllr": (
        "Re-elect Cllr Jane Smith for Redruth North \U0001f339",
        [
            (A, "re-elect", "Re-elect Cllr Jane Smith"),
            *jane("Cllr Jane Smith"),
            (W, "redruth-north", "Redruth North"),
        ],
    ),
    "vote-for-me": (
        "Please vote for me on Thursday \u2013 Jane",
        [(A, "vote-for", "vote for me")],
    ),
    "cast-your-vote": (
        "Cast your vote for the Green Party on 7 May.",
        [(A, "cast-vote", "Cast your vote for the Green Party"), (P, "PP63", "Green Party")],
    ),
    "give-your-vote": (
        "Give Jane Smith your vote on 7 May!",
        [(A, "give-vote", "Give Jane Smith your vote"), *jane("Jane Smith")],
    ),
    "support-on-polling-day": (
        "Support José Álvarez on polling day.",
        [
            (A, "support-polling-day", "Support José Álvarez on polling day"),
            (C, "cand-3", "José Álvarez"),
        ],
    ),
    "hashtag": (
        "Out on the doorstep again tonight #VoteReform #Redruth",
        [(A, "hashtag", "#VoteReform"), (P, "PP7931", "Reform")],
    ),
    "elect": (
        "Elect Peter Hocking \u2013 a strong voice for Treleigh",
        [
            (A, "elect", "Elect Peter Hocking"),
            (C, "cand-6", "Peter Hocking"),
            (W, "redruth-north", "Treleigh"),
        ],
    ),
    "mayor-opens-play-park": (
        "The Mayor, Cllr Jane Smith, opened the new play park at Plain-an-Gwarry today.",
        [*jane("Cllr Jane Smith"), (W, "redruth-north", "Plain-an-Gwarry")],
    ),
    "councillor-judges-scarecrows": (
        "Thanks to Councillor Hocking for judging the scarecrow competition.",
        [(C, "cand-6", "Councillor Hocking")],
    ),
    "hustings": (
        "The Liberal Democrats and the Green candidate both spoke at the hustings.",
        [(P, "PP90", "Liberal Democrats"), (P, "PP63", "Green")],
    ),
    "statement-of-persons-nominated": (
        "Jane Smith (Labour) and Bob Green are standing in Redruth North.",
        [
            *jane("Jane Smith"),
            (P, "PP53", "Labour"),
            (C, "cand-5", "Bob Green"),
            (W, "redruth-north", "Redruth North"),
        ],
    ),
    "handle": (
        "Follow @janesmith for updates from the count",
        [*jane("@janesmith")],
    ),
    "mk-street-stall": (
        "The MK candidate held a street stall on Fore Street.",
        [(P, "PP58", "MK"), (W, "redruth-central", "Fore Street")],
    ),
    "lib-dem-team": (
        "Your Lib Dem team: working hard for you all year round",
        [(P, "PP90", "Lib Dem")],
    ),
    "support-labour-on-polling-day": (
        "Support Labour on Thursday 7 May",
        [(A, "support-polling-day", "Support Labour on Thursday 7 May"), (P, "PP53", "Labour")],
    ),
    "give-labour-your-vote": (
        "Give Labour your vote!",
        [(A, "give-vote", "Give Labour your vote"), (P, "PP53", "Labour")],
    ),
    "tories-and-reform-uk": (
        "The Tories and Reform UK were neck and neck in the poll.",
        [(P, "PP52", "Tories"), (P, "PP7931", "Reform UK")],
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(CAMPAIGN.values()), ids=list(CAMPAIGN))
def test_campaign_posts_give_exactly_their_candidates_parties_places_and_appeals(
    text: str, expected: list[tuple[MatchKind, str, str]]
) -> None:
    assert found(text) == expect(text, *expected)


# --- spans refer to the text as sent ---


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        (
            "\U0001f389\U0001f389 Caf\u00e9 opening: Cllr Jos\u00e9 \u00c1lvarez cut the ribbon",
            "Cllr Jos\u00e9 \u00c1lvarez",
        ),
        ("Jose\u0301 A\u0301lvarez opened it", "Jose\u0301 A\u0301lvarez"),
        ("Stra\u00dfe and \ufb01ne: Jos\u00e9 Alvarez", "Jos\u00e9 Alvarez"),
        ("\u201cThanks\u201d \u2013 JOS\u00c9 \u00c1LVAREZ\u2019s team", "JOS\u00c9 \u00c1LVAREZ"),
        ("a\u0301\u0301\u0301 \U0001f44d jose alvarez", "jose alvarez"),
    ],
    ids=[
        "emoji-and-accents-before",
        "combining-accents-in-the-name",
        "sharp-s-and-ligature-before",
        "curly-quotes-and-capitals",
        "combining-marks-alone-before",
    ],
)
def test_spans_are_in_the_text_as_sent_whatever_comes_before(text: str, matched: str) -> None:
    """Accents, emoji, ß and ligatures before a name do not shift its span."""
    (match,) = SCREENER.scan(text)

    assert (match.ref, match.start, match.end) == (
        "cand-3",
        text.index(matched),
        text.index(matched) + len(matched),
    )
    assert match.matched == matched


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_folding_matches_folding_each_character_and_maps_back(text: str) -> None:
    """Property: the fast fold equals the character-by-character fold, with the same origins."""
    parts = [fold_character(c) for c in text]
    origins = [i for i, part in enumerate(parts) for _ in part]

    folded = fold_text(text)

    assert folded.text == f" {''.join(parts)} "
    assert [folded.origin(j) for j in range(len(origins))] == origins


def test_the_same_text_always_gives_the_same_matches() -> None:
    """Deterministic: twice, and with the names given in another order."""
    text = "Re-elect Cllr Jane Smith and vote Green \u2013 Reform UK, Lib Dems, @cllrhocking"
    reordered = Screener(reversed(CANDIDATES), reversed(PARTIES), reversed(WARDS))

    assert SCREENER.scan(text) == SCREENER.scan(text) == reordered.scan(text)


# --- ambiguous party words: a party only where the context says so ---


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("the Green Party candidate", "Green Party"),
        ("the Green candidate", "Green"),
        ("Vote Green!", "Green"),
        ("VOTE GREEN", "GREEN"),
        ("Labour councillors voted against", "Labour"),
        ("#Labour", "Labour"),
        ("Jane Smith (Labour)", "Labour"),
        ("the Reform group leader", "Reform"),
        ("vote for Reform", "Reform"),
        ("Plaid MS", "Plaid"),
        ("the SF candidate", "SF"),
        ("Alliance Party", "Alliance Party"),
    ],
    ids=[
        "green-party",
        "green-candidate",
        "vote-green",
        "capitals",
        "labour-councillors",
        "hashtag",
        "in-brackets-after-a-name",
        "reform-group",
        "vote-for-reform",
        "plaid-ms",
        "sf-candidate",
        "alliance-party",
    ],
)
def test_ambiguous_party_words_match_in_a_party_context(text: str, matched: str) -> None:
    parties = [m.matched for m in SCREENER.scan(text) if m.kind is MatchKind.PARTY]

    assert parties == [matched]


@pytest.mark.parametrize(
    "text",
    [
        "our green spaces",
        "Green Spaces Week",
        "planning reform",
        "Reform of the allotment rules",
        "Labour Day",
        "labour costs",
        "vote green",
        "the Alliance of Bowling Clubs",
        "a plaid blanket",
        "Conservative estimates",
        "liberal opening hours",
        "MK Dons",
        "sf",
        "snp",
    ],
)
def test_ambiguous_party_words_are_ordinary_words_elsewhere(text: str) -> None:
    assert SCREENER.scan(text) == ()


# --- appeals: explicit, both ways ---


@pytest.mark.parametrize(
    ("text", "rule", "matched"),
    [
        ("vote for Jane Smith", "vote-for", "vote for Jane Smith"),
        ("Voting for Reform UK", "vote-for", "Voting for Reform UK"),
        ("vote for us", "vote-for", "vote for us"),
        ("please vote for them", "vote-for", "vote for them"),
        ("On 1 May, vote for change!", "vote-for", "vote for change"),
        ("Vote for a fresh start", "vote-for", "Vote for a fresh start"),
        ("vote for a greener Redruth!", "vote-for", "vote for a greener Redruth"),
        ("Vote Plaid Cymru", "vote-name", "Vote Plaid Cymru"),
        ("reelect Jane Smith", "re-elect", "reelect Jane Smith"),
        ("Re elect our councillor", "re-elect", "Re elect"),
        ("RE-ELECT", "re-elect", "RE-ELECT"),
        ("elect the Green Party", "elect", "elect the Green Party"),
        ("#VoteJaneSmith", "hashtag", "#VoteJaneSmith"),
        ("#VoteForLabour", "hashtag", "#VoteForLabour"),
        ("give your vote to Bob Green", "give-vote", "give your vote to Bob Green"),
        ("support Bob Green on 7 May", "support-polling-day", "support Bob Green on 7 May"),
        ("Support Labour on Thursday", "support-polling-day", "Support Labour on Thursday"),
    ],
)
def test_explicit_appeals_are_found_with_their_rule(text: str, rule: str, matched: str) -> None:
    appeals = [(m.ref, m.matched) for m in SCREENER.scan(text) if m.kind is MatchKind.APPEAL]

    assert appeals == [(rule, matched)]


@pytest.mark.parametrize(
    "text",
    [
        "bring photo ID to vote on 7 May",
        "register to vote by 16 April",
        "how to vote by post",
        "vote at your polling station",
        "vote for your favourite entry",
        "you can vote from 7am to 10pm",
        "Jane Smith was re-elected Mayor at the annual meeting",
        "the council elected a new chair",
        "councillors voted for the budget",
        "vote for changes to the bus timetable",
        "vote for a changing places toilet",
        "vote for a new name for the bridge",
        "#VoteForYourFavourite",
        "support Bob Green's charity walk",
        "give Bob Green a wave",
    ],
)
def test_election_information_and_news_are_not_appeals(text: str) -> None:
    assert [m for m in SCREENER.scan(text) if m.kind is MatchKind.APPEAL] == []


def test_an_appeal_names_the_elections_of_the_candidates_it_names() -> None:
    (appeal,) = (m for m in SCREENER.scan("Vote for Jane Smith") if m.kind is MatchKind.APPEAL)

    assert appeal == Match(
        MatchKind.APPEAL, 0, 19, "Vote for Jane Smith", "vote for", "vote-for", (COUNTY, PARISH)
    )


def test_a_text_of_nothing_but_marks_and_spaces_finds_nothing() -> None:
    text = "\u0301\u0301 \u200d\ufe0f \u00a0"

    assert unicodedata.combining(text[0])
    assert SCREENER.scan(text) == ()
