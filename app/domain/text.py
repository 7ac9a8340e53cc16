"""
Control characters in text: the one rule every entry point applies.

Identifiers and single-line text (account ids, names, handles, emails, URLs, election ids,
sources, query parameters, paths) hold no control character at all (Unicode category Cc:
U+0000-U+001F and U+007F-U+009F). Multi-line free text (the reasons the Clerk gives,
descriptions) may hold line feeds and tabs, and nothing else of Cc: no NUL (PostgreSQL's
text cannot hold it), no carriage return (a bare CR rewrites a terminal line or a log line;
write line breaks as LF), no BEL or escape sequences.

Refusing, not stripping: a value that holds one is a mistake or an attack, and quietly
changing it would store something nobody wrote.
"""

import re
import unicodedata

__all__ = [
    "bidi_control",
    "control_character",
    "describe_bidi_control",
    "describe_control_character",
    "describe_format_character",
    "format_character",
]

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LF_TAB = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_character(value: str, *, multi_line: bool = False) -> str | None:
    """
    The first control character `value` may not hold, or None.

    Args:
        multi_line: free text that may hold line feeds (U+000A) and tabs (U+0009).
    """
    found = (_CONTROL_BUT_LF_TAB if multi_line else _ANY_CONTROL).search(value)
    return found.group() if found else None


def describe_control_character(character: str, *, multi_line: bool = False) -> str:
    """Why a value holding `character` is refused, for a person."""
    allowed = (
        "only line feeds and tabs are allowed in this text"
        if multi_line
        else "control characters are not allowed in this field"
    )
    return f"holds the control character U+{ord(character):04X}; {allowed}"


# The zero-width non-joiner and joiner shape letters in some scripts (Persian, Devanagari):
# a name may hold them.
_SHAPING = frozenset("\u200c\u200d")


def format_character(value: str) -> str | None:
    """
    The first invisible formatting character (Unicode category Cf) `value` holds, or None:
    a bidirectional override, embedding or isolate, a zero-width space, a word joiner, a soft
    hyphen. For values that must read as they are matched (a candidate's name): with one,
    `Jane \u202ehtimS` shows as "Jane Smith" and is screened as "Jane htimS". The zero-width
    non-joiner and joiner are allowed.
    """
    if value.isascii():
        return None
    return next((c for c in value if unicodedata.category(c) == "Cf" and c not in _SHAPING), None)


def describe_format_character(character: str) -> str:
    """Why a value holding the invisible `character` is refused, for a person."""
    return (
        f"holds the invisible formatting character U+{ord(character):04X} "
        f"({unicodedata.name(character, 'unnamed')}), which makes it read other than it is"
    )


# Bidirectional overrides, embeddings and isolates: with one, a post shows one thing ("Jane
# Smith") while its text holds another ("htimS enaJ"), so screening would read what nobody sees.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_control(value: str) -> str | None:
    """The first bidirectional override, embedding or isolate `value` holds, or None."""
    found = _BIDI_CONTROL.search(value)
    return found.group() if found else None


def describe_bidi_control(character: str) -> str:
    """Why a post holding the bidirectional control `character` is refused, for a person."""
    return (
        f"holds the bidirectional formatting character U+{ord(character):04X} "
        f"({unicodedata.name(character, 'unnamed')}), which makes a post read other than it "
        "is screened"
    )
