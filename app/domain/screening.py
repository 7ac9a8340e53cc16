"""
Screening a post's text: which candidates, parties, appeals and places it names.

Deterministic and explainable: no network, no model; the same text always gives the same
matches, each with the character span it was found at in the text as sent.

How (issue 15, "Who is standing"): every name is folded (`app.domain.folding`: case, accents,
quotes, dashes and punctuation) and put in one Aho-Corasick automaton (ahocorasick_rs),
with a space at each end so that only whole words match; so are the titles. A post is folded
the same way, keeping the map back to the text as sent, and read once. Then:

- a candidate's name, alias or handle matches with or without a title before it ("Cllr Jane
  Smith", span from the title); a title and the surname alone ("Councillor Smith") match too;
- a party's register name and short names match, except that a short name which is also an
  ordinary word ("Green", "Reform", "Labour") needs a capital and a party context (see
  `app.domain.screening_words.AMBIGUOUS_PARTY_WORDS`); acronyms need a capital;
- ward names and places match like candidates' names;
- where matches overlap, the longest wins ("Liberal Democrats", not also "Liberal"); matches
  of the same span are all kept (two candidates of the same name, one person standing in two
  elections);
- explicit electoral appeals are found by `app.domain.appeals` from these matches.
"""

import re
from collections.abc import Iterable
from enum import IntEnum
from itertools import groupby

import ahocorasick_rs

from app.domain.appeals import TRIGGERS, find_appeals
from app.domain.candidates import Candidate, Party, Ward
from app.domain.folding import Folded, fold_name, fold_text, squeeze
from app.domain.matches import KIND_ORDER, Hit, Match, MatchKind, Target, new_match
from app.domain.screening_words import (
    PARTY_CUES_AFTER,
    PARTY_CUES_BEFORE,
    TITLES,
    is_acronym,
    needs_party_context,
)

__all__ = ["Match", "MatchKind", "Screener"]

# The automaton as a contiguous NFA. A DFA searches ~1.3 us faster (4.5 against 6 us for
# 2,000 characters against 5,000 candidates) but holds ~8 times the memory and takes twice as
# long to build: 1.5 MB and 6 ms for the party register alone, where the NFA takes 0.2 MB and
# 3.4 ms (pyahocorasick: 0.3 MB, 3.7 ms); every organisation's snapshot has its own Screener,
# and one instance serves up to 10,000 councils (bench/scale.py).
_IMPLEMENTATION = ahocorasick_rs.Implementation.ContiguousNFA


class _Mode(IntEnum):
    """When a pattern's hit counts; also the index of its targets in a pattern's value."""

    NAMED = 0  # always; a title right before it joins the span: a candidate's name
    PLAIN = 1  # always: a party's distinctive name, a ward or a place
    TITLED = 2  # only right after a title: a candidate's surname ("Cllr Smith")
    GUARDED = 3  # only capitalised and in a party context: an ambiguous party name
    ACRONYM = 4  # only capitalised as written: "SNP", not "snp"


# What the automaton's pattern of each folded name stands for: the targets of each mode,
# then the appeal rules it starts, then whether it is a title ("cllr", "mayor").
_Value = tuple[
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[str, ...],
    bool,
]


class Screener:
    """
    Finds candidates, parties, appeals and places in a post; built once per snapshot.

    Building folds every name and makes the automaton (about 0.12 s for 5,000 candidates);
    `scan` reads the post once and keeps no state, so one Screener serves every thread.
    """

    def __init__(
        self,
        candidates: Iterable[Candidate] = (),
        parties: Iterable[Party] = (),
        wards: Iterable[Ward] = (),
    ) -> None:
        # folded name -> five lists of targets (by _Mode)
        patterns: dict[str, tuple[list[Target], ...]] = {}
        # "#JaneSmith": names without their spaces; [0] full names, [1] surnames alone
        hashtags: dict[str, tuple[list[Target], list[Target]]] = {}

        folds: dict[str, str] = {}  # names repeat: first names, surnames, party words

        def folded_name(name: str) -> str:
            folded = folds.get(name)
            if folded is None:
                folded = folds[name] = fold_name(name)
            return folded

        def slots(name: str) -> tuple[list[Target], ...] | None:
            folded = folded_name(name)
            if not folded:
                return None
            return patterns.setdefault(folded, ([], [], [], [], []))

        def add(name: str, mode: _Mode, target: Target) -> None:
            found = slots(name)
            if found is None:
                return
            if target not in found[mode]:
                found[mode].append(target)
            key = folded_name(name).replace(" ", "").lstrip("@")
            hashtag = hashtags.setdefault(key, ([], []))[mode is _Mode.TITLED]
            if target not in hashtag:
                hashtag.append(target)

        for c in candidates:
            target = Target(MatchKind.CANDIDATE, c.name, c.candidate_id, (c.election_id,))
            for name in (c.name, *c.aliases):
                add(name, _Mode.NAMED, target)
                words = folded_name(name).split()
                if len(words) > 2:  # "Jane Mary Smith" is written "Jane Smith"
                    add(f"{words[0]} {words[-1]}", _Mode.NAMED, target)
                if len(words) > 1:
                    add(words[-1], _Mode.TITLED, target)
            for handle in c.handles:
                add(handle if handle.startswith("@") else f"@{handle}", _Mode.NAMED, target)
        for p in parties:
            target = Target(MatchKind.PARTY, p.name, p.party_id or p.name)
            for name in (p.name, *p.short_names):
                if needs_party_context(folded_name(name), name):
                    add(name, _Mode.GUARDED, target)
                elif is_acronym(name):
                    add(name, _Mode.ACRONYM, target)
                else:
                    add(name, _Mode.PLAIN, target)
        for w in wards:
            target = Target(MatchKind.PLACE, w.name, w.ward_id)
            for name in (w.name, *w.places):
                add(name, _Mode.PLAIN, target)
        rules: dict[str, list[str]] = {}
        for phrase, rule in TRIGGERS:
            if slots(phrase) is not None:
                rules.setdefault(folded_name(phrase), []).append(rule)
        for title in TITLES:  # found by the automaton too: where a title is, for surnames
            slots(title)

        keys: list[bytes] = []
        values: list[_Value] = []
        for folded, targets in sorted(patterns.items()):
            named, plain, titled, guarded, acronym = (tuple(group) for group in targets)
            keys.append(f" {folded} ".encode())
            values.append(
                (
                    named,
                    plain,
                    titled,
                    guarded,
                    acronym,
                    tuple(rules.get(folded, ())),
                    folded in TITLES,
                )
            )
        self._automaton = ahocorasick_rs.BytesAhoCorasick(keys, implementation=_IMPLEMENTATION)
        self._values = values
        self._hashtags = {
            key: (tuple(full), tuple(surname)) for key, (full, surname) in hashtags.items()
        }

    def scan(self, text: str) -> tuple[Match, ...]:
        """
        Every match in `text`, ordered by start, end, kind and ref. The text is read as a
        reader sees it (`folding.squeeze`: a run of white space is one space, an invisible
        character none), and every span is in the text as sent.
        """
        squeezed = squeeze(text)
        if squeezed is None:
            return self._scan(text)
        found = []
        for match in self._scan(squeezed.text):
            start, end = squeezed.span(match.start, match.end)
            found.append(
                new_match(
                    match.kind,
                    start,
                    end,
                    text[start:end],
                    match.name,
                    match.ref,
                    match.election_ids,
                )
            )
        return tuple(found)

    def _scan(self, text: str) -> tuple[Match, ...]:
        folded = fold_text(text)
        padded = folded.text
        if padded.isascii():
            found = self._automaton.find_matches_as_indexes(padded.encode("ascii"), True)
        else:
            found = _in_characters(padded, self._automaton)
        values = self._values
        shifted = folded.segments is not None  # else folded index i is index i of `text`
        hits: list[Hit] = []
        weak: list[Hit] = []  # ambiguous party words, capitalised, with no context yet
        triggers: list[tuple[int, int, str]] = []
        titles: list[tuple[int, int]] = []  # where each title found starts, and ends
        # Loops that append, not comprehensions (PERF401): a hit has one target or two, and a
        # comprehension costs a function call each time (~0.2 us).
        for index, first, last in found:
            # `first` is the key's opening space, `last` one past its closing space.
            named, plain, titled, guarded, acronym, rules, is_title = values[index]
            start = first + 1
            end = last - 1
            if named:
                at = _title_start(padded, start, titles)
                at = start if at < 0 else at
                for target in named:
                    hits.append(Hit(at, end, target))  # noqa: PERF401 - see above
            if plain:
                for target in plain:
                    hits.append(Hit(start, end, target))  # noqa: PERF401 - see above
            if titled and titles:
                at = _title_start(padded, start, titles)
                if at >= 0:
                    for target in titled:
                        hits.append(Hit(at, end, target))  # noqa: PERF401 - see above
            if (guarded or acronym) and text[folded.origin(first) if shifted else first].isupper():
                for target in acronym:
                    hits.append(Hit(start, end, target))  # noqa: PERF401 - see above
                if guarded:
                    kept = hits if _party_context(text, folded, start, end) else weak
                    for target in guarded:
                        kept.append(Hit(start, end, target))
            for rule in rules:
                triggers.append((start, end, rule))  # noqa: PERF401 - see above
            if is_title:
                titles.append((start, end))
        if not hits and not weak and not triggers and "#" not in text:
            return ()
        names = _longest(hits)
        appeals, more_names = find_appeals(text, folded, names, weak, triggers, self._hashtags)
        if not names and not appeals and not more_names:
            return ()
        # One Match for each span in the text as sent and target (two folded spans can map to
        # one: the "1" and the "4" of "¼").
        spans = {(*folded.span(hit.start, hit.end), hit.target) for hit in names}
        matches = [_to_match(text, start, end, target) for start, end, target in spans]
        if appeals or more_names:
            return tuple(sorted({*matches, *appeals, *more_names}, key=_order))
        return tuple(sorted(matches, key=_order))


def _in_characters(
    padded: str, automaton: ahocorasick_rs.BytesAhoCorasick
) -> list[tuple[int, int, int]]:
    """
    The automaton's matches in a folded text that is not ASCII (Greek, "æ"), in characters
    rather than bytes: each piece between two offsets is decoded once.
    """
    encoded = padded.encode("utf-8")
    found = automaton.find_matches_as_indexes(encoded, True)
    characters: dict[int, int] = {}
    byte = character = 0
    for offset in sorted({offset for _, first, last in found for offset in (first, last)}):
        character += len(encoded[byte:offset].decode("utf-8"))
        characters[offset] = character
        byte = offset
    return [(index, characters[first], characters[last]) for index, first, last in found]


# The second words of the two-word cues before a party name ("for" of "vote for").
_CUES_SECOND_WORDS = frozenset(cue.split(" ")[1] for cue in PARTY_CUES_BEFORE if " " in cue)
# The folded word after a place (spaces skipped); every word of a folded text ends at a space.
_NEXT_WORD = re.compile(" *([^ ]*)")


def _word_before(padded: str, start: int) -> tuple[int, str]:
    """The folded word that ends before `start` (spaces skipped) and where it starts."""
    end = start - 2
    if end > 0 and padded[end] != " ":  # one space before `start`: the usual case
        begin = padded.rfind(" ", 0, end) + 1
        return begin, padded[begin : end + 1]
    end = start - 1
    while end > 0 and padded[end] == " ":
        end -= 1
    if end <= 0:
        return 0, ""
    begin = padded.rfind(" ", 0, end) + 1
    return begin, padded[begin : end + 1]


def _word_after(padded: str, end: int) -> str:
    """The folded word that starts after `end` (spaces skipped)."""
    found = _NEXT_WORD.match(padded, end)
    return found.group(1) if found else ""


def _title_start(padded: str, start: int, titles: list[tuple[int, int]]) -> int:
    """
    Where the title right before folded `start` begins ("Cllr J. Smith"), or -1.

    `titles` holds the start and end of each title found so far, in order. A title is right
    before a name when it is the last to end before it, and nothing but spaces and up to two
    initials (single letters) stand between them.
    """
    for begin, close in reversed(titles):
        if close < start:
            if close == start - 1:  # "cllr smith"
                return begin
            if padded[start - 2] != " " and padded[start - 3] != " ":
                return -1  # a word of two letters or more right before the name
            between = padded[close:start].split(None, 2)  # a third word: too far
            if len(between) > 2 or not all(len(w) == 1 and w.isalpha() for w in between):
                return -1
            return begin
    return -1


def _party_context(text: str, folded: Folded, start: int, end: int) -> bool:
    """Whether an ambiguous party name at folded [start, end) is in a party context."""
    padded = folded.text
    if _word_after(padded, end) in PARTY_CUES_AFTER:
        return True
    begin, word = _word_before(padded, start)
    if word in PARTY_CUES_BEFORE:
        return True
    if (
        word in _CUES_SECOND_WORDS
        and f"{_word_before(padded, begin)[1]} {word}" in PARTY_CUES_BEFORE
    ):
        return True
    first, last = folded.span(start, end)
    written_before = text[max(0, first - 8) : first].rstrip()
    if written_before.endswith("#"):
        return True
    return written_before.endswith("(") and text[last : last + 8].lstrip().startswith(")")


def _longest(hits: list[Hit]) -> list[Hit]:
    """The hits not inside a longer one; hits of the same span are all kept."""
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    reach = -1
    ordered = sorted(hits, key=lambda h: (h.start, -h.end, KIND_ORDER[h.target.kind]))
    for (_start, end), same in groupby(ordered, key=lambda h: (h.start, h.end)):
        if reach >= end:
            continue
        kept.extend(same)
        reach = max(reach, end)
    return kept


def _to_match(text: str, start: int, end: int, target: Target) -> Match:
    return new_match(
        target.kind, start, end, text[start:end], target.name, target.ref, target.election_ids
    )


def _order(match: Match) -> tuple[int, int, int, str, tuple[str, ...]]:
    return (match.start, match.end, KIND_ORDER[match.kind], match.ref, match.election_ids)
