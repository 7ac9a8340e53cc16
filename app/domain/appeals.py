"""
Explicit electoral appeals in a post: "vote for ...", "Vote Labour", "re-elect ...".

An appeal asks the reader to vote a certain way: it names who to vote for (a candidate or a
party found by the screener, or "me", "us", "him", "her", "them"), except "re-elect", which is
an appeal on its own. Neutral election information names nobody after its verb and is not an
appeal: "bring photo ID to vote on 7 May", "register to vote by 16 April", "how to vote by
post", "vote at your polling station", "vote for your favourite entry in Redruth in Bloom".

Source: Code of Recommended Practice on Local Authority Publicity (2011), paras. 33-35 and
LGA 1986 s. 2 (material which appears designed to affect support for a political party);
LGA, "Purdah: a short guide to publicity during the pre-election period".

Each rule has an id (the Match's `ref`) and a phrase family (its `name`):

| ref                 | name                   | finds                                           |
|---------------------|------------------------|-------------------------------------------------|
| vote-for            | vote for               | "vote for" / "voting for" + (the) name, pronoun, |
|                     |                        | or a slogan ("vote for a greener Redruth")       |
| vote-name           | vote                   | "vote" / "voting" + name ("Vote Labour")         |
| re-elect            | re-elect               | "re-elect", "reelect", "re elect" (+ name)       |
| elect               | elect                  | "elect" + (the) name                             |
| give-vote           | give your vote         | "give <name> your vote", "give your vote to"     |
| cast-vote           | cast your vote for     | "cast your vote for" + (the) name, pronoun       |
| support-polling-day | support on polling day | "support <name> on polling day / on 7 May"       |
| hashtag             | #vote                  | "#Vote<name>", "#VoteFor<name>", "#Elect<name>"  |
"""

import re
from itertools import groupby

from app.domain.folding import Folded, fold_name
from app.domain.matches import Hit, Match, MatchKind, Target, new_match
from app.domain.screening_words import PRONOUNS, SLOGAN, TITLES, WHEN_POLLING

__all__ = ["RULE_NAMES", "TRIGGERS", "find_appeals"]

RULE_NAMES = {
    "vote-for": "vote for",
    "vote-name": "vote",
    "re-elect": "re-elect",
    "elect": "elect",
    "give-vote": "give your vote",
    "cast-vote": "cast your vote for",
    "support-polling-day": "support on polling day",
    "hashtag": "#vote",
}

# The words each rule starts with, as written (folded when the screener is built).
TRIGGERS: tuple[tuple[str, str], ...] = (
    ("vote for", "vote-for"),
    ("voting for", "vote-for"),
    ("vote", "vote-name"),
    ("voting", "vote-name"),
    ("re-elect", "re-elect"),
    ("reelect", "re-elect"),
    ("elect", "elect"),
    ("give", "give-vote"),
    ("give your vote to", "give-vote"),
    ("cast your vote for", "cast-vote"),
    ("cast your votes for", "cast-vote"),
    ("support", "support-polling-day"),
)

_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_HASHTAG_PREFIXES = ("votefor", "reelect", "vote", "elect")
_YOUR_VOTE = re.compile(r" +your +votes?(?= )")
_APPEAL_TARGETS = (MatchKind.CANDIDATE, MatchKind.PARTY)
# The rules that are an appeal only with a candidate or a party right after their words
# ("the" between them allowed for some).
_NAME_NEEDED = frozenset({"vote-name", "elect", "give-vote", "support-polling-day"})


_Appeal = tuple[int, int, str, tuple[Hit, ...]]  # folded start, end, rule, names it names


def find_appeals(
    text: str,
    folded: Folded,
    names: list[Hit],
    weak: list[Hit],
    triggers: list[tuple[int, int, str]],
    hashtags: dict[str, tuple[tuple[Target, ...], tuple[Target, ...]]],
) -> tuple[list[Match], list[Match]]:
    """
    The appeals in a post, and the names they make certain.

    Args:
        text: the post as sent.
        folded: the post folded (`app.domain.folding.fold_text`).
        names: the candidates, parties and places the screener found, on the folded text.
        weak: ambiguous party words written with a capital but with no party context
            ("Labour" in "Support Labour on Thursday"): an appeal rule is that context, and
            the names an appeal uses are returned with it.
        triggers: where each rule's first words were found: (start, end, rule) on the folded
            text.
        hashtags: names with their spaces removed ("janesmith"), for "#VoteJaneSmith" and
            "#JaneSmith": full names, and surnames alone.

    Returns:
        The appeals, and the names that only an appeal found (weak words it used, names
        inside an appeal hashtag).
    """
    appeals: list[Match] = []
    certain: list[Match] = []
    found: list[_Appeal] = []
    if triggers:
        strong = _by_start(names) if names else {}
        ambiguous = _by_start(weak) if weak else {}
        padded = folded.text
        for start, end, rule in triggers:
            # `end` is the space after the rule's words; the next word usually starts after it
            after = end + 1 if padded[end + 1 : end + 2] != " " else _skip_spaces(padded, end)
            if (
                rule in _NAME_NEEDED
                and after not in strong
                and after not in ambiguous
                and not padded.startswith("the ", after)
            ):
                continue  # the common case: "vote" in "how to vote by post"
            appeal = _appeal(padded, start, end, after, rule, (strong, ambiguous))
            if appeal is None and rule in _PERSON_RULES:
                appeal = _person(text, folded, start, after, rule)
            if appeal is not None:
                found.append(appeal)
    if found:
        known = set(names)
        for start, end, rule, used in _outermost(found):
            elections = tuple(sorted({e for hit in used for e in hit.target.election_ids}))
            appeals.append(_match(text, folded.span(start, end), rule, elections))
            certain.extend(_name(text, folded, hit) for hit in used if hit not in known)
    if "#" in text:
        hashtag_appeals, hashtag_names = _hashtags(text, hashtags)
        appeals.extend(hashtag_appeals)
        certain.extend(hashtag_names)
    return appeals, certain


def _by_start(hits: list[Hit]) -> dict[int, list[Hit]]:
    found: dict[int, list[Hit]] = {}
    for hit in hits:
        if hit.target.kind in _APPEAL_TARGETS:
            found.setdefault(hit.start, []).append(hit)
    return found


# "vote for" and "cast your vote for" followed by a person's name the screener does not know
# (candidates not yet entered): two capitalised words, or a title and one ("Vote for Jane
# Smith", "vote for Cllr Pascoe"). A competition entry in lower case stays neutral ("vote for
# your favourite entry"); one named in capitals ("Vote for Redruth Bloom") is referred: fail safe.
_PERSON_RULES = frozenset({"vote-for", "cast-vote"})


def _person(text: str, folded: Folded, start: int, after: int, rule: str) -> _Appeal | None:
    padded = folded.text
    first_end = padded.find(" ", after)
    if first_end < 0 or not padded[after:first_end].isalpha():
        return None
    second = (
        _skip_spaces(padded, first_end)
        if padded[first_end + 1 : first_end + 2] == " "
        else first_end + 1
    )
    second_end = padded.find(" ", second)
    if second_end < 0 or not padded[second:second_end].isalpha():
        return None
    titled = padded[after:first_end] in TITLES
    if not (titled or text[folded.origin(after - 1)].isupper()):
        return None
    if not text[folded.origin(second - 1)].isupper():
        return None
    return start, second_end, rule, ()


def _appeal(
    padded: str,
    start: int,
    end: int,
    after: int,
    rule: str,
    names: tuple[dict[int, list[Hit]], dict[int, list[Hit]]],
) -> _Appeal | None:
    """
    The appeal a rule's first words start, on the folded text, or None: the words run from
    `start` to `end`, and the next word starts at `after`.
    """
    if rule == "re-elect":
        target = _target(padded, after, names, article=False)
        return (start, target[0], rule, target[1]) if target else (start, end, rule, ())
    if rule in ("vote-for", "cast-vote", "elect", "vote-name"):
        target = _target(padded, after, names, article=rule != "vote-name")
        if target:
            return start, target[0], rule, target[1]
        if rule in ("vote-for", "cast-vote"):
            stop = padded.find(" ", after)
            if padded[after:stop] in PRONOUNS:
                return start, stop, rule, ()
            slogan = SLOGAN.match(padded, after)
            if slogan:
                return start, slogan.end(), rule, ()
        return None
    if rule == "give-vote":
        target = _target(padded, after, names, article=False)
        if not target:
            return None
        if padded.startswith("give your vote to ", start):
            return start, target[0], rule, target[1]
        your_vote = _YOUR_VOTE.match(padded, target[0])
        return (start, your_vote.end(), rule, target[1]) if your_vote else None
    # support-polling-day
    target = _target(padded, after, names, article=True)
    if not target:
        return None
    when = WHEN_POLLING.match(padded, target[0])
    return (start, when.end(), rule, target[1]) if when else None


def _target(
    padded: str,
    at: int,
    names: tuple[dict[int, list[Hit]], dict[int, list[Hit]]],
    *,
    article: bool,
) -> tuple[int, tuple[Hit, ...]] | None:
    """The end of the candidates or party named at folded `at` (after "the" if allowed)."""
    strong, weak = names
    # a name found for certain before an ambiguous word
    hits = strong.get(at) or weak.get(at)
    if not hits and article and padded.startswith("the ", at):
        place = _skip_spaces(padded, at + 3)
        hits = strong.get(place) or weak.get(place)
    if hits:
        return max(hit.end for hit in hits), tuple(hits)
    return None


def _skip_spaces(padded: str, at: int) -> int:
    size = len(padded)
    while at < size and padded[at] == " ":
        at += 1
    return at


def _outermost(found: list[_Appeal]) -> list[_Appeal]:
    """Appeals not inside a longer one ("elect Jane" inside "re-elect Jane")."""
    kept: list[_Appeal] = []
    reach = -1
    ordered = sorted(set(found), key=lambda a: (a[0], -a[1], a[2]))
    for (_start, end), same in groupby(ordered, key=lambda a: (a[0], a[1])):
        if reach >= end:
            continue
        kept.extend(same)
        reach = max(reach, end)
    return kept


def _hashtags(
    text: str, hashtags: dict[str, tuple[tuple[Target, ...], tuple[Target, ...]]]
) -> tuple[list[Match], list[Match]]:
    """
    "#VoteJaneSmith": an appeal (the whole hashtag) and the name it holds; "#JaneSmith" and
    "#RedruthNorth": the name alone (a surname alone is a name only after "#Vote").
    """
    appeals: list[Match] = []
    names: list[Match] = []
    for found in _HASHTAG.finditer(text):
        tag = found.group(1)
        key = fold_name(tag).replace(" ", "")
        # Where folding kept the length, the name is the part after the prefix.
        same_length = len(key) == len(tag)
        for prefix in _HASHTAG_PREFIXES:
            if not key.startswith(prefix):
                continue
            full, surname = hashtags.get(key[len(prefix) :], ((), ()))
            targets = [t for t in (*full, *surname) if t.kind in _APPEAL_TARGETS]
            if not targets:
                continue
            elections = tuple(sorted({e for t in targets for e in t.election_ids}))
            appeals.append(_match(text, found.span(), "hashtag", elections))
            start = found.start(1) + len(prefix) if same_length else found.start()
            names.extend(_named(text, start, found.end(), target) for target in targets)
            break
        else:
            full, _surname = hashtags.get(key, ((), ()))
            names.extend(_named(text, found.start(1), found.end(), target) for target in full)
    return appeals, names


def _named(text: str, start: int, end: int, target: Target) -> Match:
    return new_match(
        target.kind, start, end, text[start:end], target.name, target.ref, target.election_ids
    )


def _name(text: str, folded: Folded, hit: Hit) -> Match:
    start, end = folded.span(hit.start, hit.end)
    return _named(text, start, end, hit.target)


def _match(text: str, span: tuple[int, int], rule: str, elections: tuple[str, ...]) -> Match:
    start, end = span
    return new_match(
        MatchKind.APPEAL, start, end, text[start:end], RULE_NAMES[rule], rule, elections
    )
