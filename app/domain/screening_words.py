"""
The fixed vocabulary of post screening: titles, party words that are also ordinary English,
and the words around a party name that say it is the party.

All of it is folded (`app.domain.folding`): lower case, no accents, punctuation as spaces.
Nothing here belongs to one council; a policy adds its own parties, wards and places.

Ambiguous party words (`AMBIGUOUS_PARTY_WORDS`): party names and short names that are also
ordinary words or the names of other things: green spaces, planning reform, labour costs,
Labour Day, a tartan plaid, BBC Alba. Written alone, such a name is the party only when

1. it is capitalised as written in the post ("Green", "GREEN"; never "green"), and
2. its context says so: a party word right after it (`PARTY_CUES_AFTER`: "the Green
   candidate", "Labour councillors", "Reform group"), an appeal verb right before it
   (`PARTY_CUES_BEFORE`: "Vote Green", "vote for Reform"), a hashtag ("#Labour"), or
   parentheses round it ("Jane Smith (Labour)").

Longer names ("Green Party", "Reform UK", "Labour Party", "Lib Dems") are never ambiguous.
Acronyms written in capitals in the data ("SNP", "DUP") match only where the post
capitalises them; two-letter ones ("SF", "MK": also Milton Keynes) also need the context.
"""

import re

__all__ = [
    "AMBIGUOUS_PARTY_WORDS",
    "PARTY_CUES_AFTER",
    "PARTY_CUES_BEFORE",
    "PRONOUNS",
    "SLOGAN",
    "TITLES",
    "WHEN_POLLING",
    "is_acronym",
    "needs_party_context",
]

# A title before a candidate's name ("Cllr Jane Smith"); with one, the surname alone names
# them ("Councillor Smith").
TITLES = frozenset(
    {
        "cllr",
        "councillor",
        "cllrs",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "doctor",
        "mayor",
        "sir",
        "dame",
        "lord",
        "lady",
        "prof",
        "professor",
        "rev",
        "revd",
        "reverend",
        "alderman",
    }
)

# Ambiguous party words: see the module docstring.
AMBIGUOUS_PARTY_WORDS = frozenset(
    {
        "alba",
        "alliance",
        "aspire",
        "conservative",
        "conservatives",
        "co op",
        "cooperative",
        "co operative",
        "forward",
        "green",
        "greens",
        "heritage",
        "independent",
        "independents",
        "labour",
        "liberal",
        "liberals",
        "life",
        "plaid",
        "propel",
        "reform",
        "renew",
        "unity",
        "volt",
    }
)

PARTY_CUES_AFTER = frozenset(
    {
        "activist",
        "activists",
        "administration",
        "candidate",
        "candidates",
        "cllr",
        "cllrs",
        "controlled",
        "councillor",
        "councillors",
        "gain",
        "government",
        "group",
        "leader",
        "leadership",
        "led",
        "majority",
        "manifesto",
        "member",
        "members",
        "mla",
        "mlas",
        "mp",
        "mps",
        "ms",
        "mss",
        "msp",
        "msps",
        "opposition",
        "party",
        "parties",
        "politician",
        "politicians",
        "spokesperson",
        "supporter",
        "supporters",
        "voter",
        "voters",
        "whip",
    }
)

# The word, or two words, right before: "vote Green", "vote for Reform", "voting Labour".
PARTY_CUES_BEFORE = frozenset({"vote", "voting", "elect", "vote for", "voting for"})

# "vote for me", "vote for us" (issue 15: an explicit appeal).
PRONOUNS = frozenset({"me", "us", "him", "her", "them"})

# Campaign slogans that follow "vote for" in place of a name ("Vote for change!", "vote for a
# greener Redruth"), on folded text; an ordinary object ("vote for your favourite entry",
# "vote for changes to the timetable", "vote for a new name for the bridge") is not one.
SLOGAN = re.compile(
    r"(?:(?:a +)?(?:real +)?change|a +(?:fresh|new) +start"
    r"|a +(?:better|greener|fairer|stronger|brighter|safer|bolder) +[^ ]+)(?= )"
)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# After "support <name>": when the support is asked for ("on polling day", "on 7 May",
# "on Thursday 7 May", "at the ballot box"), on folded text.
WHEN_POLLING = re.compile(
    r" +(?:on +(?:polling +day|election +day|the +day +of +the +(?:election|poll)"
    rf"|(?:(?:{_DAYS}) +)?(?:the +)?\d{{1,2}}(?:st|nd|rd|th)? +(?:of +)?(?:{_MONTHS})"
    rf"|(?:{_DAYS})|(?:{_MONTHS}) +\d{{1,2}}(?:st|nd|rd|th)?)"
    r"|at +the +(?:ballot +box|polls?|polling +station)"
    r"|in +the +(?:election|by +election|poll))(?= )"
)

_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,5}")


def is_acronym(name: str) -> bool:
    """A party short name written in capitals in the data ("SNP", "DUP", "SF")."""
    return _ACRONYM.fullmatch(name.strip()) is not None


def needs_party_context(folded: str, written: str) -> bool:
    """Whether a party name matches only with a party context (see AMBIGUOUS_PARTY_WORDS)."""
    return folded in AMBIGUOUS_PARTY_WORDS or (is_acronym(written) and len(folded) <= 2)
