"""
Candidates, parties and wards for the screening tests, built in code (unit tests read no
files): the parties carry the ids of the shipped register (`data/parties.csv`).
"""

from app.domain.candidates import Candidate, Party, Ward
from app.domain.screening import MatchKind, Screener

PARISH = "parish.redruth.2027-05-06"
COUNTY = "local.cornwall.2027-05-06"

CANDIDATES = (
    # One person standing in two elections: two Candidate values.
    Candidate(
        candidate_id="cand-1",
        election_id=PARISH,
        name="Jane Smith",
        party="Labour Party",
        aliases=("Janey Smith",),
        handles=("@janesmith",),
    ),
    Candidate(
        candidate_id="cand-2",
        election_id=COUNTY,
        name="Jane Smith",
        party="Labour Party",
        aliases=("Janey Smith",),
        handles=("janesmith",),
    ),
    Candidate(candidate_id="cand-3", election_id=PARISH, name="José Álvarez"),
    Candidate(candidate_id="cand-4", election_id=PARISH, name="Ann"),
    Candidate(candidate_id="cand-5", election_id=PARISH, name="Bob Green"),
    Candidate(
        candidate_id="cand-6", election_id=COUNTY, name="Peter Hocking", handles=("@cllrhocking",)
    ),
)
PARTIES = (
    Party("PP53", "Labour Party", ("Labour", "Labour Party", "Welsh Labour")),
    Party("joint-party:53-119", "Labour and Co-operative Party", ("Labour and Co-op",)),
    Party("PP52", "Conservative and Unionist Party", ("Conservative", "Conservatives", "Tories")),
    Party("PP90", "Liberal Democrats", ("Liberal Democrat", "Lib Dem", "Lib Dems")),
    Party("PP54", "The Liberal Party", ("Liberal Party", "Liberals")),
    Party("PP63", "Green Party", ("Green", "Greens", "Green Party")),
    Party("PP7931", "Reform UK", ("Reform", "Reform UK")),
    Party("PP102", "Scottish National Party (SNP)", ("SNP", "Scottish National Party")),
    Party("PP77", "Plaid Cymru - The Party of Wales", ("Plaid Cymru", "Plaid")),
    Party("PP39", "Sinn Féin", ("Sinn Féin", "SF")),
    Party("PP58", "Mebyon Kernow - The Party for Cornwall", ("Mebyon Kernow", "MK")),
    Party("PP103", "Alliance - Alliance Party of Northern Ireland", ("Alliance", "Alliance Party")),
)
WARDS = (
    Ward("redruth-north", "Redruth North", ("Plain-an-Gwarry", "Treleigh")),
    Ward("redruth-central", "Redruth Central", ("Fore Street",)),
)
SCREENER = Screener(CANDIDATES, PARTIES, WARDS)

C, P, A, W = MatchKind.CANDIDATE, MatchKind.PARTY, MatchKind.APPEAL, MatchKind.PLACE
JANE = [(C, "cand-1"), (C, "cand-2")]  # both of Jane Smith's candidacies


def found(text: str) -> list[tuple[MatchKind, str, str]]:
    """(kind, ref, text as sent at the span) for every match, checking each span's text."""
    matches = SCREENER.scan(text)
    for m in matches:
        assert text[m.start : m.end] == m.matched
    return [(m.kind, m.ref, m.matched) for m in matches]


def expect(text: str, *items: tuple[MatchKind, str, str]) -> list[tuple[MatchKind, str, str]]:
    """The expected matches, in scan order (start, end, kind, ref)."""
    order = list(MatchKind)

    def key(item: tuple[MatchKind, str, str]) -> tuple[int, int, int, str]:
        kind, ref, matched = item
        start = text.index(matched)
        return start, start + len(matched), order.index(kind), ref

    return sorted(items, key=key)


def jane(matched: str) -> tuple[tuple[MatchKind, str, str], ...]:
    return tuple((kind, ref, matched) for kind, ref in JANE)
