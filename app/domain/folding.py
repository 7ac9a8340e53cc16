"""
Folding a post's text for screening, keeping the way back to the text as sent.

The folded text is case-folded, has its accents removed (NFKD, then combining marks
dropped), and has every character that is not a letter, a digit, `_` or `@` turned into a
space: curly and straight quotes, apostrophes, every dash and hyphen, punctuation, emoji and
line breaks all become the same separator, so "Cllr O'Brien's" (with a straight or a
curly apostrophe), "cllr o brien s" and "CLLR O-BRIEN, S" fold alike, and a name is a whole
word exactly when it is surrounded by spaces. `@` stays so that a handle (`@janesmith`) is
matched with it.

Speed (issue 15: p99 under 50 us for 2,000 characters): Python never loops over the
characters of a post. ASCII text is folded by one `str.translate` (C, with an ASCII fast
path). Other text is folded character by distinct character: the few non-ASCII characters a
post holds (curly quotes, accents, emoji) are found by deleting every ASCII byte of its UTF-8
form, and each is replaced everywhere at once; most fold to one character, so the folded text
has one character for each character sent and the map back is the identity. A character that
folds to none or to several (a combining accent sent on its own, "ß", a ligature) shifts what
follows: the map back is then a short list of segments, looked up by bisection.
"""

import functools
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["Folded", "fold_character", "fold_name", "fold_text"]

# ASCII: letters lower-cased, digits, `_` and `@` kept, everything else a space.
_ASCII_TABLE = str.maketrans(
    {chr(c): chr(c).lower() if chr(c).isalnum() or chr(c) in "_@" else " " for c in range(128)}
)
_ASCII_BYTES = bytes(range(128))
_CHARACTER_CACHE_SIZE = 65_536


@functools.lru_cache(maxsize=_CHARACTER_CACHE_SIZE)
def fold_character(character: str) -> str:
    """One character folded: none, one or several characters, each a word character or a space."""
    if character.isascii():
        return character.translate(_ASCII_TABLE)
    decomposed = unicodedata.normalize("NFKD", character)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() or c in "_@" else " " for c in bare)


@dataclass(frozen=True, slots=True)
class Folded:
    """
    A text folded for matching, and the way back to the text as sent.

    Attributes:
        text: the folded text, with one space added at each end so that every whole word in
            it is surrounded by spaces.
        segments: None when the character at folded index `i` (not counting the added space)
            came from index `i` of the text sent. Otherwise three tuples of equal length, by
            folded start: where each segment starts in the folded text, where it comes from in
            the text sent, and whether it runs alongside it (1) or is the folding of a single
            character (0).
    """

    text: str
    segments: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None

    def origin(self, index: int) -> int:
        """The index in the text sent of the character at folded `index` (padding excluded)."""
        if self.segments is None:
            return index
        starts, origins, linear = self.segments
        k = bisect_right(starts, index) - 1
        return origins[k] + (index - starts[k]) * linear[k]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the text sent of the padded folded text's non-empty `[start, end)`."""
        return self.origin(start - 1), self.origin(end - 2) + 1


def _latin1_table() -> tuple[bytes, frozenset[str]]:
    """Bytes of Latin-1 folded to one ASCII byte each, and the characters that allows."""
    table = bytearray(_ASCII_TABLE_BYTES)
    simple = set()
    for code in range(128, 256):
        folded = fold_character(chr(code))
        if len(folded) == 1 and folded.isascii():
            table.append(ord(folded))
            simple.add(chr(code))
        else:
            table.append(ord(" "))
    return bytes(table), frozenset(simple)


_ASCII_TABLE_BYTES = bytes(ord(chr(c).translate(_ASCII_TABLE)) for c in range(128))
_LATIN1_TABLE, _LATIN1_SIMPLE = _latin1_table()


def fold_text(text: str) -> Folded:
    """Fold `text` (see the module docstring); deterministic, no locale involved."""
    if text.isascii():
        return Folded(f" {text.translate(_ASCII_TABLE)} ")
    others = set(text.encode("utf-8").translate(None, _ASCII_BYTES).decode("utf-8"))
    if all(c in _LATIN1_SIMPLE if c <= "\xff" else fold_character(c) == " " for c in others):
        # Accented Latin-1 letters fold to one ASCII letter, and every other character
        # (curly quotes, dashes, emoji) to a space: encoding replaces each of those with one
        # "?", which folds to a space too. All in C.
        latin1 = text.encode("latin-1", "replace").translate(_LATIN1_TABLE)
        return Folded(f" {latin1.decode('ascii')} ")
    odd: list[str] = []
    folded = text
    for character in others:
        replacement = fold_character(character)
        if len(replacement) == 1:
            folded = folded.replace(character, replacement)
        else:
            odd.append(character)
    if not odd:
        return Folded(f" {folded.translate(_ASCII_TABLE)} ")
    return _fold_shifting(folded, frozenset(odd))


@functools.lru_cache(maxsize=256)
def _pattern(characters: frozenset[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(c) for c in sorted(characters)))


def _fold_shifting(partly: str, odd: frozenset[str]) -> Folded:
    """Fold a text where `odd` characters fold to none or several: segments map it back."""
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    linear: list[int] = []
    at = shift = 0
    for found in _pattern(odd).finditer(partly):
        index = found.start()
        if index > at:
            parts.append(partly[at:index])
            starts.append(at + shift)
            origins.append(at)
            linear.append(1)
        replacement = fold_character(found.group())
        parts.append(replacement)
        if replacement:
            starts.append(index + shift)
            origins.append(index)
            linear.append(0)
        shift += len(replacement) - 1
        at = index + 1
    if at < len(partly):
        parts.append(partly[at:])
        starts.append(at + shift)
        origins.append(at)
        linear.append(1)
    if not starts:  # everything folded to nothing: any index maps to the start
        starts, origins, linear = [0], [0], [0]
    text = "".join(parts).translate(_ASCII_TABLE)
    return Folded(f" {text} ", (tuple(starts), tuple(origins), tuple(linear)))


def fold_name(name: str) -> str:
    """A name (candidate, alias, party, place) folded as a text is, spaces collapsed."""
    return " ".join(fold_text(name).text.split())
