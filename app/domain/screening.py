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
from dataclasses import dataclass
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
    """When a pattern's hit counts."""

    PLAIN = 0  # always (a title before a candidate's name joins the span)
    TITLED = 1  # only right after a title: a candidate's surname
    GUARDED = 2  # only capitalised and in a party context: an ambiguous party name
    ACRONYM = 3  # only capitalised as written: "SNP", not "snp"


@dataclass(frozen=True, slots=True)
class Trigger:
    """The words an appeal rule starts with ("vote for"), found by the same automaton."""

    rule: str


_Entry = tuple[_Mode, Target | Trigger]


class Screener:
    """
    Finds candidates, parties, appeals and places in a post; built once per snapshot.

    Building folds every name and makes the automaton (about 0.1 s for 5,000 candidates);
    `scan` reads the post once and is safe to call from several threads.
    """

    def __init__(
        self,
        candidates: Iterable[Candidate] = (),
        parties: Iterable[Party] = (),
        wards: Iterable[Ward] = (),
    ) -> None:
        patterns: dict[str, list[_Entry]] = {}
        hashtags: dict[str, list[Target]] = {}

        def add(name: str, mode: _Mode, item: Target | Trigger) -> None:
            folded = fold_name(name)
            if not folded:
                return
            entries = patterns.setdefault(folded, [])
            if (mode, item) not in entries:
                entries.append((mode, item))
            if isinstance(item, Target):
                key = folded.replace(" ", "").lstrip("@")
                hashtag = hashtags.setdefault(key, [])
                if item not in hashtag:
                    hashtag.append(item)

        for c in candidates:
            target = Target(MatchKind.CANDIDATE, c.name, c.candidate_id, (c.election_id,))
            for name in (c.name, *c.aliases):
                add(name, _Mode.PLAIN, target)
                words = fold_name(name).split()
                if len(words) > 1:
                    add(words[-1], _Mode.TITLED, target)
            for handle in c.handles:
                add(handle if handle.startswith("@") else f"@{handle}", _Mode.PLAIN, target)
        for p in parties:
            target = Target(MatchKind.PARTY, p.name, p.party_id or p.name)
            for name in (p.name, *p.short_names):
                folded = fold_name(name)
                if needs_party_context(folded, name):
                    add(name, _Mode.GUARDED, target)
                elif is_acronym(name):
                    add(name, _Mode.ACRONYM, target)
                else:
                    add(name, _Mode.PLAIN, target)
        for w in wards:
            target = Target(MatchKind.PLACE, w.name, w.ward_id)
            for name in (w.name, *w.places):
                add(name, _Mode.PLAIN, target)
        for phrase, rule in TRIGGERS:
            add(phrase, _Mode.PLAIN, Trigger(rule))

        self._automaton: Any = ahocorasick.Automaton()
        for folded, entries in sorted(patterns.items()):
            key = f" {folded} "
            self._automaton.add_word(key, (len(key), tuple(entries)))
        self._automaton.make_automaton()
        self._hashtags = {key: tuple(found) for key, found in hashtags.items()}

    def scan(self, text: str) -> tuple[Match, ...]:
        """Every match in `text`, ordered by start, end, kind and ref."""
        folded = fold_text(text)
        hits: list[Hit] = []
        triggers: list[tuple[int, int, str]] = []
        padded = folded.text
        for last, (length, entries) in self._automaton.iter(padded):
            start, end = last - length + 2, last
            for mode, item in entries:
                if isinstance(item, Trigger):
                    triggers.append((start, end, item.rule))
                    continue
                found = self._accept(mode, item, start, end, text, folded)
                if found is not None:
                    hits.append(Hit(found, end, item))
        names = _longest(hits)
        appeals, hashtag_names = find_appeals(text, folded, names, triggers, self._hashtags)
        matches = {_to_match(text, folded, hit) for hit in names}
        matches.update(appeals)
        matches.update(hashtag_names)
        return tuple(sorted(matches, key=_order))

    def _accept(
        self, mode: _Mode, target: Target, start: int, end: int, text: str, folded: Folded
    ) -> int | None:
        """The folded start of a hit that counts (earlier with a title), or None."""
        if mode is _Mode.PLAIN:
            if target.kind is MatchKind.CANDIDATE:
                titled = _title_start(folded.text, start)
                return start if titled is None else titled
            return start
        if mode is _Mode.TITLED:
            return _title_start(folded.text, start)
        first = folded.span(start, end)[0]
        if not text[first].isupper():
            return None
        if mode is _Mode.ACRONYM:
            return start
        return start if _party_context(text, folded, start, end) else None


def _title_start(padded: str, start: int) -> int | None:
    """Where the title right before folded `start` begins, if there is one."""
    before = padded[:start].rstrip()
    if not before:
        return None
    word_start = before.rfind(" ") + 1
    return word_start if before[word_start:] in TITLES else None


def _party_context(text: str, folded: Folded, start: int, end: int) -> bool:
    """Whether an ambiguous party name at folded [start, end) is in a party context."""
    padded = folded.text
    after = padded[end:].lstrip()
    next_word = after[: after.find(" ")] if after else ""
    if next_word in PARTY_CUES_AFTER:
        return True
    before = padded[:start].split()[-2:]
    if before and (before[-1] in PARTY_CUES_BEFORE or " ".join(before) in PARTY_CUES_BEFORE):
        return True
    first, last = folded.span(start, end)
    written_before = text[:first].rstrip()
    if written_before.endswith("#"):
        return True
    return written_before.endswith("(") and text[last:].lstrip().startswith(")")


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


def _to_match(text: str, folded: Folded, hit: Hit) -> Match:
    start, end = folded.span(hit.start, hit.end)
    target = hit.target
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
