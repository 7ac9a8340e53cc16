"""
The rules a candidate's record meets, and how names are compared.

A candidate is entered by the Clerk from the statement of persons nominated, or imported from
Democracy Club; either way the record holds a name (2-200 characters), an election the
organisation has recorded (or a ballot of one), at most `MAX_LIST` aliases and handles, and
no control character (app/domain/text.py). A person is entered once an election.

Names are compared without case, accents, punctuation or titles ("Cllr", "Mrs"), so
"Cllr Zoë O'Neill" is the same name as "zoe oneill". An account is suggested as a
candidate's (the Mayor's page, a member's profile) when its holder, or failing a holder its
name, shares the candidate's surname and a first name or its initial; a suggestion is never
a link: the Clerk links a candidate to an account explicitly.
"""

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from app.domain.elections import election_group_id, parse_election_id
from app.domain.errors import CandidateWithdrawn, InvalidChange, PurdahError
from app.domain.text import (
    control_character,
    describe_control_character,
    describe_format_character,
    format_character,
)

__all__ = [
    "MAX_LIST",
    "CandidateFields",
    "check_election",
    "check_fields",
    "check_handle",
    "check_name",
    "check_standing",
    "name_key",
    "name_tokens",
    "same_election",
    "suggest_accounts",
]

MAX_LIST = 20
_NAME_MIN, _NAME_MAX = 2, 200
_PARTY_MAX = 200
# A handle on any platform: `@name`, `name.bsky.social`, `@name@mastodon.social`.
_HANDLE = re.compile(r"^@?([A-Za-z0-9_][A-Za-z0-9_.@-]{0,99})$")
# Words that say who someone is, not what they are called.
_TITLES = frozenset(
    {
        "cllr", "councillor", "mayor", "deputy", "mr", "mrs", "ms", "miss", "mx", "dr",
        "sir", "dame", "lord", "lady", "rev", "revd", "reverend", "prof", "professor",
        "the", "of", "obe", "mbe", "cbe", "dbe", "jp", "mp", "kc", "qc",
    }
)  # fmt: skip
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`")


@dataclass(frozen=True, slots=True)
class CandidateFields:
    """A candidate's fields as checked and tidied (whitespace collapsed, handles with `@`)."""

    name: str
    party: str | None
    ward: str | None
    aliases: tuple[str, ...]
    handles: tuple[str, ...]


def _single_line(value: str, field: str) -> str:
    found = control_character(value)
    if found is not None:
        raise InvalidChange(field=field, problem=describe_control_character(found))
    return " ".join(value.split())


def check_name(value: str, *, field: str = "name") -> str:
    """
    A person's name, its whitespace collapsed.

    Raises:
        InvalidChange: shorter than 2 or longer than 200 characters, or holding a control
            character or an invisible formatting character (`format_character`).
    """
    name = _single_line(value, field)
    hidden = format_character(name)
    if hidden is not None:
        # a name is screened as it is stored: it must read so (no bidi override, no
        # zero-width space), or the Clerk reads one name and posts are screened for another
        raise InvalidChange(field=field, problem=describe_format_character(hidden))
    if not _NAME_MIN <= len(name) <= _NAME_MAX:
        raise InvalidChange(
            field=field,
            problem=f"a name has {_NAME_MIN} to {_NAME_MAX} characters; this has {len(name)}",
        )
    if not any(ch.isalpha() for ch in name):
        raise InvalidChange(field=field, problem="a name has at least one letter")
    return name


def check_handle(value: str, *, field: str = "handles") -> str:
    """
    A social media handle, written with its `@` (`@bobsmith`, `@bob@mastodon.social`).

    Raises:
        InvalidChange: not 1-100 letters, digits, `_`, `.`, `-` or `@` after an optional `@`.
    """
    handle = _single_line(value, field)
    found = _HANDLE.match(handle)
    if found is None:
        raise InvalidChange(
            field=field,
            problem=f"{handle!r} is not a handle: 1 to 100 letters, digits, '_', '.', '-' or "
            "'@' after an optional '@' (such as @bobsmith)",
        )
    return f"@{found.group(1)}"


def _optional(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    text = _single_line(value, field)
    if len(text) > limit:
        raise InvalidChange(field=field, problem=f"at most {limit} characters")
    return text or None


def _unique(values: Iterable[str], key: object = None) -> tuple[str, ...]:
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        marker = value.casefold() if key is None else name_key(value)
        if marker not in seen:
            seen.add(marker)
            kept.append(value)
    return tuple(kept)


def check_fields(
    *,
    name: str,
    party: str | None = None,
    ward: str | None = None,
    aliases: Sequence[str] = (),
    handles: Sequence[str] = (),
) -> CandidateFields:
    """
    A candidate's fields checked and tidied; repeated aliases and handles are kept once.

    Raises:
        InvalidChange: naming the field (a name out of 2-200 characters, a bad handle, more
            than 20 aliases or handles, a control character anywhere).
    """
    for field, values in (("aliases", aliases), ("handles", handles)):
        if len(values) > MAX_LIST:
            raise InvalidChange(
                field=field, problem=f"at most {MAX_LIST}; {len(values)} were given"
            )
    clean = check_name(name)
    return CandidateFields(
        name=clean,
        party=_optional(party, "party", _PARTY_MAX),
        ward=_optional(ward, "ward", _PARTY_MAX),
        aliases=tuple(
            a
            for a in _unique(
                (check_name(a, field=f"aliases[{i}]") for i, a in enumerate(aliases)),
                key=name_key,
            )
            if name_key(a) != name_key(clean)
        ),
        handles=_unique(check_handle(h, field=f"handles[{i}]") for i, h in enumerate(handles)),
    )


@functools.lru_cache(maxsize=8192)
def name_tokens(name: str) -> tuple[str, ...]:
    """
    The words of a name without case, accents, punctuation or titles:
    "Cllr Zoë O'Neill-Smith" gives ("zoe", "oneill", "smith").
    """
    plain = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    words = re.findall(r"[^\W_]+", plain)
    return tuple(w for w in words if w not in _TITLES)


def name_key(name: str) -> str:
    """The form two names are compared in: equal keys are the same name."""
    return " ".join(name_tokens(name))


def same_election(a: str, b: str) -> bool:
    """
    Whether two election ids are the same poll: equal, or one the ballot of the other
    (`local.cornwall.redruth-north.2029-05-03` is a ballot of `local.cornwall.2029-05-03`).
    Two ballots of one election are not the same poll.
    """
    if a == b:
        return True
    return _group(a) == b or _group(b) == a


def _group(election_id: str) -> str:
    try:
        return election_group_id(parse_election_id(election_id))
    except PurdahError:  # an id we cannot parse is its own group
        return election_id


def check_election(election_id: str, recorded: Collection[str], *, organisation: str) -> str:
    """
    The election a candidate stands in: one the organisation has recorded, or a ballot of one
    (`app.domain.election_group_id`).

    Raises:
        InvalidElectionId, UnsupportedElection: the id is malformed, or names a poll not timed.
        InvalidChange: the organisation has not recorded the election.
    """
    ref = parse_election_id(election_id)
    if election_id in recorded or election_group_id(ref) in recorded:
        return election_id
    raise InvalidChange(
        field="election_id",
        problem=f"{election_id} is not one of {organisation}'s elections (nor a ballot of one): "
        "record the election first (POST /v1/elections)",
    )


def check_standing(candidate_id: str, status: str, *, action: str) -> None:
    """
    Raises:
        CandidateWithdrawn: the candidate was withdrawn: nothing more is done to them.
    """
    if status != "standing":
        raise CandidateWithdrawn(candidate_id, action)


def _initial(word: str) -> bool:
    return len(word) == 1


def _names_match(candidate: Sequence[str], holder: Sequence[str]) -> bool:
    """Surname (the candidate's last word) and a first name or initial, in any order."""
    if len(candidate) < 2 or len(holder) < 2:
        return False
    surname, firsts = candidate[-1], candidate[:-1]
    if surname not in holder:
        return False
    others = list(holder)
    others.remove(surname)
    for first in firsts:
        for word in others:
            if word == first:
                return True
            if (_initial(word) or _initial(first)) and word[0] == first[0]:
                return True
    return False


def suggest_accounts(
    names: Sequence[str], accounts: Sequence[tuple[str, str]], *, linked: Collection[str] = ()
) -> tuple[str, ...]:
    """
    The accounts that may be this candidate's, by name: never linked by this alone.

    Args:
        names: the candidate's name and aliases.
        accounts: `(account_id, holder)` pairs, the holder being the policy's `holder` of the
            account or, failing one, the account's name.
        linked: accounts linked already (not suggested again).

    Returns:
        Account ids in the order given.
    """
    wanted = [name_tokens(n) for n in names]
    found: list[str] = []
    for account_id, holder in accounts:
        if account_id in linked or account_id in found:
            continue
        words = name_tokens(holder)
        if any(_names_match(w, words) for w in wanted):
            found.append(account_id)
    return tuple(found)
