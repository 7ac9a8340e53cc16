"""
Screening a post's text: which candidates, parties, appeals and places it names.

Deterministic and explainable: no network, no model; the same text always gives the same
matches, each with the character span it was found at in the text as sent.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.candidates import Candidate, Party, Ward

__all__ = ["Match", "MatchKind", "Screener"]


class MatchKind(StrEnum):
    """What a match found."""

    CANDIDATE = "candidate"
    PARTY = "party"
    APPEAL = "appeal"
    PLACE = "place"


@dataclass(frozen=True, slots=True)
class Match:
    """
    One thing found in a post.

    Attributes:
        kind: what was found.
        start: the index of its first character in the text as sent.
        end: one past its last character (`text[start:end]` is what matched).
        matched: `text[start:end]`.
        name: the canonical name (the candidate's name, the party's register name, the ward's
            name, or for an appeal the rule that found it, such as "vote for").
        ref: the candidate id, the party id (or name where it has none), the ward id, or the
            appeal rule's id.
        election_ids: for a candidate, the election they stand in; for a place, none.
    """

    kind: MatchKind
    start: int
    end: int
    matched: str
    name: str
    ref: str
    election_ids: tuple[str, ...] = ()


_WORD = r"(?<![\w@#]){}(?!\w)"


class Screener:
    """
    Finds candidates, parties, appeals and places in a post; built once per snapshot.

    This first version matches each name with a regular expression, case-insensitively;
    see `scan` for what it promises.
    """

    def __init__(
        self,
        candidates: Iterable[Candidate] = (),
        parties: Iterable[Party] = (),
        wards: Iterable[Ward] = (),
    ) -> None:
        self._patterns: list[tuple[re.Pattern[str], MatchKind, str, str, tuple[str, ...]]] = []
        for c in candidates:
            for name in (c.name, *c.aliases, *c.handles):
                self._add(name, MatchKind.CANDIDATE, c.name, c.candidate_id, (c.election_id,))
        for p in parties:
            for name in (p.name, *p.short_names):
                self._add(name, MatchKind.PARTY, p.name, p.party_id or p.name, ())
        for w in wards:
            for name in (w.name, *w.places):
                self._add(name, MatchKind.PLACE, w.name, w.ward_id, ())
        self._add("vote for", MatchKind.APPEAL, "vote for", "vote-for", ())
        self._add("re-elect", MatchKind.APPEAL, "re-elect", "re-elect", ())

    def _add(
        self, name: str, kind: MatchKind, canonical: str, ref: str, elections: tuple[str, ...]
    ) -> None:
        pattern = re.compile(_WORD.format(re.escape(name.strip())), re.IGNORECASE)
        self._patterns.append((pattern, kind, canonical, ref, elections))

    def scan(self, text: str) -> tuple[Match, ...]:
        """Every match in `text`, in order of where it starts."""
        found = [
            Match(kind, m.start(), m.end(), m.group(), canonical, ref, elections)
            for pattern, kind, canonical, ref, elections in self._patterns
            for m in pattern.finditer(text)
        ]
        return tuple(sorted(found, key=lambda m: (m.start, m.end)))
