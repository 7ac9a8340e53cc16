"""data/parties.csv: the Electoral Commission's registered parties, and screening with them."""

import datetime as dt
from pathlib import Path

import pytest

from app.domain.screening import MatchKind, Screener
from app.store.parties import PARTIES_FILE, PartyFileInvalid, read_party_file, shipped_parties

DATA = Path(__file__).parents[2] / "data"

HEADER = "party_id,name,register,short_names"
COMMENTS = (
    "# source: Electoral Commission, https://search.electoralcommission.org.uk/\n"
    "# data-date: 2021-11-11\n"
)


def test_the_file_names_its_source_and_the_date_of_its_data() -> None:
    """The source is the Commission's register; SOURCES.md says how it was taken and when."""
    party_file = read_party_file(PARTIES_FILE)

    assert "https://search.electoralcommission.org.uk/" in party_file.source
    assert party_file.data_date == dt.date(2021, 11, 11)
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "## `parties.csv`" in sources
    assert "2021-11-11" in sources
    assert "search.electoralcommission.org.uk" in sources


@pytest.mark.parametrize(
    ("party_id", "name", "short_name"),
    [
        ("PP53", "Labour Party", "Labour"),
        ("joint-party:53-119", "Labour and Co-operative Party", "Labour and Co-op"),
        ("PP119", "Co-operative Party", "Co-op Party"),
        ("PP52", "Conservative and Unionist Party", "Tories"),
        ("PP90", "Liberal Democrats", "Lib Dems"),
        ("PP63", "Green Party", "Greens"),
        ("PP130", "Scottish Green Party", "Scottish Greens"),
        ("PP102", "Scottish National Party (SNP)", "SNP"),
        ("PP77", "Plaid Cymru - The Party of Wales", "Plaid"),
        ("PP7931", "Reform UK", "Reform"),
        ("PP85", "UK Independence Party (UKIP)", "UKIP"),
        ("PP12700", "Alba Party", "Alba"),
        ("PP39", "Sinn Féin", "SF"),
        ("PP70", "Democratic Unionist Party - D.U.P.", "DUP"),
        ("PP55", "SDLP (Social Democratic & Labour Party)", "SDLP"),
        ("PP83", "Ulster Unionist Party", "UUP"),
        ("PP103", "Alliance - Alliance Party of Northern Ireland", "Alliance"),
        ("PP680", "Traditional Unionist Voice - TUV", "TUV"),
        ("PP773", "People Before Profit Alliance", "People Before Profit"),
        ("PP58", "Mebyon Kernow - The Party for Cornwall", "MK"),
        ("PP11382", "Workers Party of Britain", "Workers Party"),
        ("PP243", "Social Democratic Party", "SDP"),
        ("PP54", "The Liberal Party", "Liberal Party"),
    ],
)
def test_the_main_parties_are_there_with_their_register_ids(
    party_id: str, name: str, short_name: str
) -> None:
    by_id = {p.party_id: p for p in shipped_parties()}

    assert by_id[party_id].name == name
    assert short_name in by_id[party_id].short_names


def test_ids_are_unique_and_unverified_ones_are_empty_not_invented() -> None:
    """Aontú's register id was not found in any copy of the register: it is left empty."""
    parties = shipped_parties()
    ids = [p.party_id for p in parties if p.party_id]

    assert len(ids) == len(set(ids))
    assert [p.name for p in parties if p.party_id is None] == ["Aontú"]


def test_the_file_is_read_once() -> None:
    assert shipped_parties() is shipped_parties()


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        (f"{COMMENTS}{HEADER}\nPP1,A,GB,\nPP2,B,XX,\n", 5, "register 'XX' is not GB or NI"),
        (f"{COMMENTS}{HEADER}\nPP1,A,GB,\nPP1,B,GB,\n", 5, "party id PP1 appears twice"),
        (f"{COMMENTS}{HEADER}\nPP1,A,GB\n", 4, "expected 4 columns, found 3"),
        (f"{COMMENTS}{HEADER}\n12,A,GB,\n", 4, "party id '12' is not PP<number>"),
        (f"{COMMENTS}{HEADER}\nPP1,,GB,\n", 4, "the name is empty"),
        (f"{COMMENTS}id,name\n", 3, "the header must be"),
        (f"# data-date: 2021-11-11\n{HEADER}\nPP1,A,GB,\n", 2, "no '# source:' comment"),
        (f"# source: x\n{HEADER}\nPP1,A,GB,\n", 2, "no '# data-date: YYYY-MM-DD' comment"),
        (f"{COMMENTS}{HEADER}\n", 4, "no parties"),
    ],
    ids=[
        "register",
        "duplicate-id",
        "columns",
        "id",
        "empty-name",
        "header",
        "no-source",
        "no-date",
        "empty",
    ],
)
def test_a_malformed_file_is_refused_naming_the_line(
    tmp_path: Path, body: str, line: int, problem: str
) -> None:
    path = tmp_path / "parties.csv"
    path.write_text(body, encoding="utf-8")

    with pytest.raises(PartyFileInvalid) as refused:
        read_party_file(path)

    assert refused.value.line == line
    assert problem in str(refused.value)
    assert str(refused.value).startswith(f"parties.csv, line {line}: ")


# --- screening with every shipped party: no party in ordinary council news ---

SCREENER = Screener(parties=shipped_parties())

COUNCIL_NEWS = [
    "Bank holiday bin collections: green bins will be collected one day later than usual.",
    "Our green spaces team planted 400 trees; the planning reform consultation closes Friday.",
    "The museum is open on Labour Day. Labour costs for the play park came in under budget.",
    "Victoria Park has kept its Green Flag Award. Thanks to the Cornwall Alliance of Bowls Clubs.",
    "Thanks to our community first responders and the residents' association for the litter pick.",
    "The Co-op has donated prizes for the Mayor\u2019s charity quiz \U0001f389",
    "Free parking in December: life is easier for shoppers when the town is busy.",
    "MK Dons fans: expect traffic on the A5. Heritage open days start on Saturday.",
    "Our independent review of the leisure centre is published. We want to renew the lease.",
    "Forward plan: the cabinet meets on Tuesday. Unity in the community event at the hall.",
    "Bring photo ID to vote on 7 May; register to vote by 16 April; vote at your polling station.",
]


@pytest.mark.parametrize("text", COUNCIL_NEWS)
def test_ordinary_council_news_names_no_shipped_party(text: str) -> None:
    assert [m.matched for m in SCREENER.scan(text)] == []


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("Vote Labour on 7 May", ["vote-name", "PP53"]),
        ("The Lib Dems and the Tories", ["PP90", "PP52"]),
        ("Labour and Co-operative Party candidate", ["joint-party:53-119"]),
        ("Mebyon Kernow stall on Fore Street", ["PP58"]),
        ("Cast your vote for the Green Party", ["cast-vote", "PP63"]),
        ("The Scottish Greens and the SNP", ["PP130", "PP102"]),
        ("Sinn Fein, the DUP and the Alliance Party", ["PP39", "PP70", "PP103"]),
        ("#VoteReform", ["hashtag", "PP7931"]),
    ],
)
def test_party_posts_name_the_shipped_party(text: str, refs: list[str]) -> None:
    found = SCREENER.scan(text)

    assert [m.ref for m in found] == refs
    assert {m.kind for m in found} <= {MatchKind.PARTY, MatchKind.APPEAL}
