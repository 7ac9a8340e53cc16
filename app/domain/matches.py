"""
The values post screening returns: what was found, where, and what it stands for.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

__all__ = ["KIND_ORDER", "Hit", "Match", "MatchKind", "Target", "new_match"]


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
        election_ids: for a candidate, the election they stand in; for an appeal naming
            candidates, their elections; for a party or a place, none.
    """

    kind: MatchKind
    start: int
    end: int
    matched: str
    name: str
    ref: str
    election_ids: tuple[str, ...] = ()


KIND_ORDER = {kind: i for i, kind in enumerate(MatchKind)}


@dataclass(frozen=True, slots=True)
class Target:
    """What a name stands for: the Match it gives, less its span."""

    kind: MatchKind
    name: str
    ref: str
    election_ids: tuple[str, ...] = ()


class Hit(NamedTuple):
    """A name found, on the folded (padded) text: `folded.text[start:end]`."""

    start: int
    end: int
    target: Target


# The slots of Match, set one by one: a frozen dataclass's __init__ sets each field through
# object.__setattr__, about twice the cost (~1.1 us a Match against ~0.5 us).
_new = object.__new__
_set_kind, _set_start, _set_end, _set_matched, _set_name, _set_ref, _set_elections = (
    vars(Match)[field].__set__ for field in Match.__slots__
)


def new_match(
    kind: MatchKind,
    start: int,
    end: int,
    matched: str,
    name: str,
    ref: str,
    election_ids: tuple[str, ...] = (),
) -> Match:
    """`Match(kind, start, end, matched, name, ref, election_ids)`, made faster (see above)."""
    match: Match = _new(Match)
    _set_kind(match, kind)
    _set_start(match, start)
    _set_end(match, end)
    _set_matched(match, matched)
    _set_name(match, name)
    _set_ref(match, ref)
    _set_elections(match, election_ids)
    return match
