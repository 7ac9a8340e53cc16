"""
Folding a post's text for screening, keeping the way back to the text as sent.

The folded text is case-folded, has its accents removed (NFKD, then combining marks
dropped), and has every character that is not a letter, a digit, `_` or `@` turned into a
space: curly and straight quotes, apostrophes, every dash and hyphen, punctuation, emoji and
line breaks all become the same separator, so "Cllr O'Brien's" (with a straight or a
curly apostrophe), "cllr o brien s" and "CLLR O-BRIEN, S" fold alike, and a name is a whole word exactly when it is surrounded by
spaces. `@` stays so that a handle (`@janesmith`) is matched with it.

Most posts are ASCII, or ASCII with a few curly quotes, accents and emoji: for them the folded
text has one character for each character sent and the map back is the identity, found with
C-speed string operations only. A character that folds to none or several (a combining mark
sent on its own, `ß`, a ligature) takes the slow path, which builds the map one character at
a time.
"""

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Folded", "fold_name", "fold_text"]

# ASCII: letters lower-cased, digits, `_` and `@` kept, everything else a space.
_ASCII = {c: (chr(c).lower() if chr(c).isalnum() or chr(c) in "_@" else " ") for c in range(128)}
_ASCII_TABLE = str.maketrans({chr(c): v for c, v in _ASCII.items()})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CHAR_CACHE: dict[str, str] = {}


def _fold_char(character: str) -> str:
    """One character folded: zero, one or several characters, each a word character or a space."""
    cached = _CHAR_CACHE.get(character)
    if cached is not None:
        return cached
    decomposed = unicodedata.normalize("NFKD", character)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    folded = "".join(c if c.isalnum() or c in "_@" else " " for c in bare)
    if not folded and not decomposed:
        folded = " "
    if len(_CHAR_CACHE) < 65_536:  # bounded: a post full of rare characters cannot grow it for ever
        _CHAR_CACHE[character] = folded
    return folded


@dataclass(frozen=True, slots=True)
class Folded:
    """
    A text folded for matching, and the way back to the text as sent.

    Attributes:
        text: the folded text, with one space added at each end so that every whole word in
            it is surrounded by spaces.
        origin: None when folded index `i` (without the padding) is index `i` of the text
            sent; otherwise `origin[i]` is the index in the text sent of the character
            folded index `i` came from.
    """

    text: str
    origin: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the text as sent of folded (padded) `text[start:end]`, non-empty."""
        if self.origin is None:
            return start - 1, end - 1
        return self.origin[start - 1], self.origin[end - 2] + 1


def fold_text(text: str) -> Folded:
    """Fold `text` (see the module docstring); deterministic, no locale involved."""
    if text.isascii():
        return Folded(f" {text.translate(_ASCII_TABLE)} ", None)
    lowered = text.lower()
    if len(lowered) == len(text):
        for character in set(_NON_ASCII.findall(lowered)):
            folded = _fold_char(character)
            if len(folded) != 1:
                break
            lowered = lowered.replace(character, folded)
        else:
            return Folded(f" {lowered.translate(_ASCII_TABLE)} ", None)
    return _fold_slowly(text)


def _fold_slowly(text: str) -> Folded:
    """Character by character, recording where each folded character came from."""
    parts: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        folded = _ASCII[ord(character)] if character.isascii() else _fold_char(character)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return Folded(f" {''.join(parts)} ", tuple(origin))


def fold_name(name: str) -> str:
    """A name (candidate, alias, party, place) folded as a text is, spaces collapsed."""
    return " ".join(fold_text(name).text.split())
