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
| vote-for            | vote for               | "vote for" / "voting for" + (the) name, pronoun  |
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
from app.domain.matches import Hit, Match, MatchKind, Target
from app.domain.screening_words import PRONOUNS, WHEN_POLLING

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


def find_appeals(
    text: str,
    folded: Folded,
    names: list[Hit],
    triggers: list[tuple[int, int, str]],
    hashtags: dict[str, tuple[Target, ...]],
) -> tuple[list[Match], list[Match]]:
    """
    The appeals in a post, and the names its appeal hashtags hold.

    Args:
        text: the post as sent.
        folded: the post folded (`app.domain.folding.fold_text`).
        names: the candidates and parties the screener found, on the folded text.
        triggers: where each rule's first words were found: (start, end, rule) on the folded
            text.
        hashtags: names with their spaces removed ("janesmith"), for "#VoteJaneSmith".
    """
    by_start: dict[int, list[Hit]] = {}
    for hit in names:
        if hit.target.kind in _APPEAL_TARGETS:
            by_start.setdefault(hit.start, []).append(hit)
    found: list[tuple[int, int, str, tuple[str, ...]]] = []
    padded = folded.text
    for start, end, rule in triggers:
        appeal = _appeal(padded, start, end, rule, by_start)
        if appeal is not None:
            found.append(appeal)
    appeals = [
        _match(text, folded.span(start, end), rule, elections)
        for start, end, rule, elections in _outermost(found)
    ]
    hashtag_appeals, hashtag_names = _hashtags(text, hashtags) if "#" in text else ([], [])
    return appeals + hashtag_appeals, hashtag_names


def _appeal(
    padded: str, start: int, end: int, rule: str, by_start: dict[int, list[Hit]]
) -> tuple[int, int, str, tuple[str, ...]] | None:
    """The appeal a rule's first words start, on the folded text, or None."""
    after = _skip_spaces(padded, end)
    if rule == "re-elect":
        target = _target(padded, after, by_start, article=False)
        return (start, target[0], rule, target[1]) if target else (start, end, rule, ())
    if rule in ("vote-for", "cast-vote", "elect", "vote-name"):
        target = _target(padded, after, by_start, article=rule != "vote-name")
        if target:
            return start, target[0], rule, target[1]
        if rule in ("vote-for", "cast-vote"):
            stop = padded.find(" ", after)
            if padded[after:stop] in PRONOUNS:
                return start, stop, rule, ()
        return None
    if rule == "give-vote":
        target = _target(padded, after, by_start, article=False)
        if not target:
            return None
        if padded.startswith("give your vote to ", start):
            return start, target[0], rule, target[1]
        your_vote = _YOUR_VOTE.match(padded, target[0])
        return (start, your_vote.end(), rule, target[1]) if your_vote else None
    # support-polling-day
    target = _target(padded, after, by_start, article=True)
    if not target:
        return None
    when = WHEN_POLLING.match(padded, target[0])
    return (start, when.end(), rule, target[1]) if when else None


def _target(
    padded: str, at: int, by_start: dict[int, list[Hit]], *, article: bool
) -> tuple[int, tuple[str, ...]] | None:
    """The end of the candidate or party named at folded `at` (after "the" if allowed)."""
    hits = by_start.get(at)
    if not hits and article and padded.startswith("the ", at):
        hits = by_start.get(_skip_spaces(padded, at + 3))
    if not hits:
        return None
    elections = sorted({e for hit in hits for e in hit.target.election_ids})
    return max(hit.end for hit in hits), tuple(elections)


def _skip_spaces(padded: str, at: int) -> int:
    while at < len(padded) and padded[at] == " ":
        at += 1
    return at


def _outermost(
    found: list[tuple[int, int, str, tuple[str, ...]]],
) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Appeals not inside a longer one ("elect Jane" inside "re-elect Jane")."""
    kept: list[tuple[int, int, str, tuple[str, ...]]] = []
    reach = -1
    ordered = sorted(set(found), key=lambda a: (a[0], -a[1], a[2]))
    for (_start, end), same in groupby(ordered, key=lambda a: (a[0], a[1])):
        if reach >= end:
            continue
        kept.extend(same)
        reach = max(reach, end)
    return kept


def _hashtags(
    text: str, hashtags: dict[str, tuple[Target, ...]]
) -> tuple[list[Match], list[Match]]:
    """ "#VoteJaneSmith": an appeal (the whole hashtag) and the name it holds."""
    appeals: list[Match] = []
    names: list[Match] = []
    for found in _HASHTAG.finditer(text):
        tag = found.group(1)
        key = fold_name(tag).replace(" ", "")
        for prefix in _HASHTAG_PREFIXES:
            if not key.startswith(prefix):
                continue
            targets = [t for t in hashtags.get(key[len(prefix) :], ()) if t.kind in _APPEAL_TARGETS]
            if not targets:
                continue
            elections = tuple(sorted({e for t in targets for e in t.election_ids}))
            appeals.append(_match(text, found.span(), "hashtag", elections))
            # Where folding kept the length, the name is the part after the prefix.
            name_start = found.start(1) + len(prefix) if len(key) == len(tag) else found.start()
            names.extend(
                Match(
                    kind=target.kind,
                    start=name_start,
                    end=found.end(),
                    matched=text[name_start : found.end()],
                    name=target.name,
                    ref=target.ref,
                    election_ids=target.election_ids,
                )
                for target in targets
            )
            break
    return appeals, names


def _match(text: str, span: tuple[int, int], rule: str, elections: tuple[str, ...]) -> Match:
    start, end = span
    return Match(
        kind=MatchKind.APPEAL,
        start=start,
        end=end,
        matched=text[start:end],
        name=RULE_NAMES[rule],
        ref=rule,
        election_ids=elections,
    )
