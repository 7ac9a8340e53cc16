"""
Screening a post's text: which candidates, parties, appeals and places it names.

Deterministic and explainable: no network, no model; the same text always gives the same
matches, each with the character span it was found at in the text as sent.

How (issue 15, "Who is standing"): every name is folded (`app.domain.folding`: case, accents,
quotes, dashes and punctuation) and put in one Aho-Corasick automaton (pyahocorasick), with a
space at each end so that only whole words match. A post is folded the same way, keeping the
map back to the text as sent, and read once. Then:

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

from collections.abc import Iterable
from enum import IntEnum
from itertools import groupby
from typing import Any

import ahocorasick  # type: ignore[import-not-found]  # C extension without type information

from app.domain.appeals import TRIGGERS, find_appeals
from app.domain.candidates import Candidate, Party, Ward
from app.domain.folding import Folded, fold_name, fold_text
from app.domain.matches import KIND_ORDER, Hit, Match, MatchKind, Target
from app.domain.screening_words import (
    PARTY_CUES_AFTER,
    PARTY_CUES_BEFORE,
    TITLES,
    is_acronym,
    needs_party_context,
)

__all__ = ["Match", "MatchKind", "Screener"]


class _Mode(IntEnum):
    """When a pattern's hit counts; also the index of its targets in a pattern's value."""

    NAMED = 0  # always; a title right before it joins the span: a candidate's name
    PLAIN = 1  # always: a party's distinctive name, a ward or a place
    TITLED = 2  # only right after a title: a candidate's surname ("Cllr Smith")
    GUARDED = 3  # only capitalised and in a party context: an ambiguous party name
    ACRONYM = 4  # only capitalised as written: "SNP", not "snp"


_RULES = 5  # index of the appeal rules a pattern starts, after the five modes

# What the automaton holds for each folded name: its length with the padding, then the
# targets of each mode, then the appeal rules it starts.
_Value = tuple[
    int,
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[Target, ...],
    tuple[str, ...],
]


class Screener:
    """
    Finds candidates, parties, appeals and places in a post; built once per snapshot.

    Building folds every name and makes the automaton (about 0.1 s for 5,000 candidates);
    `scan` reads the post once and keeps no state, so one Screener serves every thread.
    """

    def __init__(
        self,
        candidates: Iterable[Candidate] = (),
        parties: Iterable[Party] = (),
        wards: Iterable[Ward] = (),
    ) -> None:
        # folded name -> five lists of targets (by _Mode) and a list of rules
        patterns: dict[str, tuple[list[Target], ...]] = {}
        # "#JaneSmith": names without their spaces; [0] full names, [1] surnames alone
        hashtags: dict[str, tuple[list[Target], list[Target]]] = {}

        def slots(name: str) -> tuple[list[Target], ...] | None:
            folded = fold_name(name)
            if not folded:
                return None
            return patterns.setdefault(folded, ([], [], [], [], []))

        def add(name: str, mode: _Mode, target: Target) -> None:
            found = slots(name)
            if found is None:
                return
            if target not in found[mode]:
                found[mode].append(target)
            key = fold_name(name).replace(" ", "").lstrip("@")
            hashtag = hashtags.setdefault(key, ([], []))[mode is _Mode.TITLED]
            if target not in hashtag:
                hashtag.append(target)

        for c in candidates:
            target = Target(MatchKind.CANDIDATE, c.name, c.candidate_id, (c.election_id,))
            for name in (c.name, *c.aliases):
                add(name, _Mode.NAMED, target)
                words = fold_name(name).split()
                if len(words) > 2:  # "Jane Mary Smith" is written "Jane Smith"
                    add(f"{words[0]} {words[-1]}", _Mode.NAMED, target)
                if len(words) > 1:
                    add(words[-1], _Mode.TITLED, target)
            for handle in c.handles:
                add(handle if handle.startswith("@") else f"@{handle}", _Mode.NAMED, target)
        for p in parties:
            target = Target(MatchKind.PARTY, p.name, p.party_id or p.name)
            for name in (p.name, *p.short_names):
                if needs_party_context(fold_name(name), name):
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
                rules.setdefault(fold_name(phrase), []).append(rule)

        self._automaton: Any = ahocorasick.Automaton()
        for folded, targets in sorted(patterns.items()):
            key = f" {folded} "
            named, plain, titled, guarded, acronym = (tuple(group) for group in targets)
            value: _Value = (
                len(key),
                named,
                plain,
                titled,
                guarded,
                acronym,
                tuple(rules.get(folded, ())),
            )
            self._automaton.add_word(key, value)
        self._automaton.make_automaton()
        self._hashtags = {
            key: (tuple(full), tuple(surname)) for key, (full, surname) in hashtags.items()
        }

    def scan(self, text: str) -> tuple[Match, ...]:
        """Every match in `text`, ordered by start, end, kind and ref."""
        folded = fold_text(text)
        padded = folded.text
        hits: list[Hit] = []
        weak: list[Hit] = []  # ambiguous party words, capitalised, with no context yet
        triggers: list[tuple[int, int, str]] = []
        length: int
        named: tuple[Target, ...]
        plain: tuple[Target, ...]
        titled: tuple[Target, ...]
        guarded: tuple[Target, ...]
        acronym: tuple[Target, ...]
        rules: tuple[str, ...]
        for end, (length, named, plain, titled, guarded, acronym, rules) in self._automaton.iter(
            padded
        ):
            # `end` is the index of the key's closing space: one past the name's last letter.
            start = end - length + 2
            if named:
                at = _title_start(padded, start)
                at = start if at is None else at
                hits += [Hit(at, end, target) for target in named]
            if plain:
                hits += [Hit(start, end, target) for target in plain]
            if titled:
                at = _title_start(padded, start)
                if at is not None:
                    hits += [Hit(at, end, target) for target in titled]
            if (guarded or acronym) and text[folded.origin(start - 1)].isupper():
                if acronym:
                    hits += [Hit(start, end, target) for target in acronym]
                if guarded:
                    found = hits if _party_context(text, folded, start, end) else weak
                    found += [Hit(start, end, target) for target in guarded]
            if rules:
                triggers += [(start, end, rule) for rule in rules]
        names = _longest(hits)
        appeals, more_names = find_appeals(text, folded, names, weak, triggers, self._hashtags)
        spans = {(hit.start, hit.end, hit.target) for hit in names}
        matches = [_to_match(text, folded, start, end, target) for start, end, target in spans]
        return tuple(sorted({*matches, *appeals, *more_names}, key=_order))


def _word_before(padded: str, start: int) -> tuple[int, str]:
    """The folded word that ends before `start` (spaces skipped) and where it starts."""
    end = start - 1
    while end > 0 and padded[end] == " ":
        end -= 1
    if end <= 0:
        return 0, ""
    begin = padded.rfind(" ", 0, end) + 1
    return begin, padded[begin : end + 1]


def _word_after(padded: str, end: int) -> str:
    """The folded word that starts after `end` (spaces skipped)."""
    size = len(padded)
    while end < size and padded[end] == " ":
        end += 1
    stop = padded.find(" ", end)
    return padded[end:stop] if stop > end else ""


def _title_start(padded: str, start: int) -> int | None:
    """Where the title right before folded `start` begins, if there is one ("Cllr J. Smith")."""
    begin, word = _word_before(padded, start)
    for _ in range(2):  # initials between the title and the name
        if len(word) != 1 or not word.isalpha():
            break
        begin, word = _word_before(padded, begin)
    return begin if word in TITLES else None


def _party_context(text: str, folded: Folded, start: int, end: int) -> bool:
    """Whether an ambiguous party name at folded [start, end) is in a party context."""
    padded = folded.text
    if _word_after(padded, end) in PARTY_CUES_AFTER:
        return True
    begin, word = _word_before(padded, start)
    if word in PARTY_CUES_BEFORE or f"{_word_before(padded, begin)[1]} {word}" in PARTY_CUES_BEFORE:
        return True
    first, last = folded.span(start, end)
    written_before = text[max(0, first - 8) : first].rstrip()
    if written_before.endswith("#"):
        return True
    return written_before.endswith("(") and text[last : last + 8].lstrip().startswith(")")


def _longest(hits: list[Hit]) -> list[Hit]:
    """The hits not inside a longer one; hits of the same span are all kept."""
    kept: list[Hit] = []
    reach = -1
    ordered = sorted(hits, key=lambda h: (h.start, -h.end, KIND_ORDER[h.target.kind]))
    for (_start, end), same in groupby(ordered, key=lambda h: (h.start, h.end)):
        if reach >= end:
            continue
        kept.extend(same)
        reach = max(reach, end)
    return kept


def _to_match(text: str, folded: Folded, start: int, end: int, target: Target) -> Match:
    start, end = folded.span(start, end)
    return Match(
        kind=target.kind,
        start=start,
        end=end,
        matched=text[start:end],
        name=target.name,
        ref=target.ref,
        election_ids=target.election_ids,
    )


def _order(match: Match) -> tuple[int, int, int, str, tuple[str, ...]]:
    return (match.start, match.end, KIND_ORDER[match.kind], match.ref, match.election_ids)
