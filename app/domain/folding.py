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
characters of a post. ASCII text is folded by one `bytes.translate` (C). Other text is folded
character by distinct character: the few non-ASCII characters a post holds (curly quotes,
accents, emoji) are found by deleting every ASCII byte of its UTF-8 form, and one regular
expression tells whether each folds to one character that C can give: accented Latin-1
letters to one ASCII letter, curly quotes, dashes and emoji to a space, all of which
`encode("latin-1", "replace")` and one `bytes.translate` do. The folded text then has one
character for each character sent and the map back is the identity.
A character that folds to none or to several (a combining accent sent on its own, "ß", a
ligature) shifts what follows: each place it occurs is found by `str.find`, its folding
spliced in, and the map back is a short list of segments, looked up by bisection.
"""

import functools
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["Folded", "Squeezed", "fold_character", "fold_name", "fold_text", "squeeze"]

# ASCII: letters lower-cased, digits, `_` and `@` kept, everything else a space.
_ASCII_TABLE = str.maketrans(
    {chr(c): chr(c).lower() if chr(c).isalnum() or chr(c) in "_@" else " " for c in range(128)}
)
_ASCII_BYTES = bytes(range(128))
_CHARACTER_CACHE_SIZE = 65_536


# Cyrillic and Greek letters that read as Latin ones (after case folding; a letter whose
# capital reads as a Latin capital, such as Cyrillic capital en, folds to that letter): "Jane"
# written with a Cyrillic small a must be screened as "Jane". From Unicode's confusables
# (UTS #39), the letters that are the same shape in the fonts posts are read in.
_LOOK_ALIKES = str.maketrans(
    "аеорсухѕіјԁԛԝһӏвкмнтοιακνρτχυεημβζ",
    "aeopcyxsijdqwhlbkmhtoiakvptxuehmbz",
)


@functools.lru_cache(maxsize=_CHARACTER_CACHE_SIZE)
def fold_character(character: str) -> str:
    """One character folded: none, one or several characters, each a word character or a space."""
    if character.isascii():
        return character.translate(_ASCII_TABLE)
    decomposed = unicodedata.normalize("NFKD", character)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    bare = bare.translate(_LOOK_ALIKES)
    return "".join(c if c.isalnum() or c in "_@" else " " for c in bare)


@dataclass(frozen=True, slots=True)
class Folded:
    """
    A text folded for matching, and the way back to the text as sent.

    Attributes:
        text: the folded text, with one space added at each end so that every whole word in
            it is surrounded by spaces.
        segments: None when the character at folded index `i` (not counting the added space)
            came from index `i` of the text sent. Otherwise three tuples of equal length, one
            entry for each character sent that folded to none or several, in order: where its
            folding starts in the folded text, its index in the text sent, and where its
            folding ends. Between two of them, the folded text runs alongside the text sent.
    """

    text: str
    segments: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None

    def origin(self, index: int) -> int:
        """The index in the text sent of the character at folded `index` (padding excluded)."""
        if self.segments is None:
            return index
        starts, origins, ends = self.segments
        k = bisect_right(starts, index) - 1
        if k < 0:
            return index
        if index < ends[k]:
            return origins[k]
        return origins[k] + 1 + index - ends[k]

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

# Unicode blocks whose characters mostly fold to a space: general punctuation (curly quotes,
# dashes, zero-width joiner), currency, arrows, symbols, dingbats, CJK and full-width
# punctuation, variation selectors, emoji, and the tags of flags such as England's.
_SPACE_BLOCKS = (
    (0x2000, 0x2C00),
    (0x3000, 0x3040),
    (0xFE00, 0xFE10),
    (0xFE30, 0xFE50),
    (0xFF00, 0xFF66),
    (0x1F000, 0x1FB00),
    (0xE0000, 0xE0080),
)


@functools.cache
def _folded_in_c() -> tuple[re.Pattern[str], frozenset[str]]:
    """
    The non-ASCII characters `_fold_latin1` folds (in C, one ASCII character each): those of
    `_LATIN1_SIMPLE`, and those of `_SPACE_BLOCKS` that fold to a space, which
    `encode("latin-1", "replace")` makes a "?", folded to a space too. Also a pattern that
    finds any other non-ASCII character: one search of the few non-ASCII characters of a post
    instead of a set of them. Built on first use (about 10 ms), never changed.
    """
    spaces = {
        chr(code)
        for first, stop in _SPACE_BLOCKS
        for code in range(first, stop)
        if fold_character(chr(code)) == " "
    }
    known = _LATIN1_SIMPLE | spaces
    runs: list[list[int]] = []  # [first, last] code points
    for code in sorted(map(ord, known)):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    ranges = "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in runs)
    return re.compile(f"[^\\x00-\\x7f{ranges}]"), known


def fold_text(text: str) -> Folded:
    """Fold `text` (see the module docstring); deterministic, no locale involved."""
    if text.isascii():
        return Folded(f" {text.encode('ascii').translate(_LATIN1_TABLE).decode('ascii')} ")
    # The non-ASCII characters: the UTF-8 bytes of the text less every ASCII byte.
    beyond_ascii = text.encode("utf-8").translate(None, _ASCII_BYTES).decode("utf-8")
    unknown_character, known = _folded_in_c()
    if unknown_character.search(beyond_ascii) is None:
        return Folded(f" {_fold_latin1(text)} ")
    others = set(beyond_ascii)
    odd: list[str] = []  # characters that fold to none or several
    other: dict[str, str] = {}  # to one character that the Latin-1 table does not give
    for character in others.difference(known):
        folded = fold_character(character)
        if len(folded) != 1:
            odd.append(character)
        elif folded != " " or character <= "\xff":  # else "?" from encoding: a space too
            other[character] = folded
    if not other or all(folded.isascii() for folded in other.values()):
        # A letter such as "ś" folds to one ASCII letter: put it in the text first.
        for character, folded in other.items():
            text = text.replace(character, folded)
        base = _fold_latin1(text)
    else:
        # Letters that stay non-ASCII ("æ", Greek, Cyrillic): each distinct character replaced
        # everywhere at once. Odd characters are left, and spliced below.
        base = text
        for character in others.difference(odd):
            base = base.replace(character, fold_character(character))
        base = base.translate(_ASCII_TABLE)
    if not odd:
        return Folded(f" {base} ")
    return _fold_shifting(text, base, odd)


def _fold_latin1(text: str) -> str:
    """
    Fold a text whose characters are ASCII, in `_LATIN1_SIMPLE`, or fold to a space: in C,
    one ASCII character for each character.
    """
    return text.encode("latin-1", "replace").translate(_LATIN1_TABLE).decode("ascii")


def _fold_shifting(text: str, base: str, odd: list[str]) -> Folded:
    """
    Splice the folding of each `odd` character (none or several characters) into `base`, the
    text folded one character for one; segments map the result back.
    """
    places: list[tuple[int, str]] = []
    for character in odd:
        replacement = fold_character(character)
        index = text.find(character)
        while index >= 0:
            places.append((index, replacement))
            index = text.find(character, index + 1)
    places.sort()
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    ends: list[int] = []
    at = shift = 0
    for index, replacement in places:
        parts.append(base[at:index])
        parts.append(replacement)
        start = index + shift
        starts.append(start)
        origins.append(index)
        ends.append(start + len(replacement))
        shift += len(replacement) - 1
        at = index + 1
    parts.append(base[at:])
    return Folded(f" {''.join(parts)} ", (tuple(starts), tuple(origins), tuple(ends)))


def fold_name(name: str) -> str:
    """A name (candidate, alias, party, place) folded as a text is, spaces collapsed."""
    return " ".join(fold_text(name).text.split())


@dataclass(frozen=True, slots=True)
class Squeezed:
    """
    A post's text as it reads: each run of white space one space, invisible characters gone;
    and the way back. From squeezed index `starts[k]` on, add `deltas[k]` for the index sent.
    """

    text: str
    starts: tuple[int, ...]
    deltas: tuple[int, ...]

    def origin(self, index: int) -> int:
        """The index in the text sent of the character at squeezed `index`."""
        k = bisect_right(self.starts, index) - 1
        return index if k < 0 else index + self.deltas[k]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the text sent of the squeezed text's non-empty `[start, end)`."""
        return self.origin(start), self.origin(end - 1) + 1


# White space a post may hold; and characters that show nothing (the soft hyphen, the
# zero-width space, non-joiner and joiner, direction marks, the word joiner and invisible
# operators, bidirectional controls, the byte-order mark), which inside a word hide it from a
# match ("Ja\u200bne"), so are removed there.
_WHITE_CHARS = frozenset(
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
)
_INVISIBLE_CHARS = frozenset(
    "\u00ad\u061c\u180e\ufeff"
    + "".join(chr(c) for c in [*range(0x200B, 0x2010), *range(0x202A, 0x202F)])
    + "".join(chr(c) for c in [*range(0x2060, 0x2065), *range(0x2066, 0x2070)])
)
_RUN_CHARS = _WHITE_CHARS | _INVISIBLE_CHARS
# Where a run can start: two ASCII white spaces in a row (found as bytes, with ASCII white
# space made spaces), or any character of a run beyond ASCII.
_ASCII_WHITE = bytes.maketrans(b"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", b" " * 9)
_SEEDS_BEYOND = frozenset(c for c in _RUN_CHARS if not c.isascii())
_ASCII = bytes(range(128))


def squeeze(text: str) -> Squeezed | None:
    """
    `text` as a reader sees it (see `Squeezed`), or None when it is that already: so that a
    run of spaces, a line break between spaces or a zero-width character does not hide a name
    or an appeal from screening.

    Speed: no regular expression runs over the characters of a post (one over a text of many
    spaces costs tens of microseconds): the few places a run can start are found with
    `str.find`, and only their neighbours are looked at.
    """
    seeds: list[int] = []
    is_ascii = text.isascii()
    data = text.encode("utf-8")
    # two ASCII white spaces in a row (a space, a line feed, a tab): a run to squeeze
    spaced = data.translate(_ASCII_WHITE)
    at = spaced.find(b"  ")
    chars = done = 0  # for a wide text: characters in data[:done]
    while at >= 0:
        if is_ascii:
            seeds.append(at)
        else:
            chars += len(data[done:at].decode("utf-8"))
            done = at
            seeds.append(chars)
        at = spaced.find(b"  ", at + 2)
    if not is_ascii:
        # white space beyond ASCII (a no-break space) and invisible characters, each rare
        beyond = data.translate(None, _ASCII).decode("utf-8")
        for character in _SEEDS_BEYOND.intersection(beyond):
            at = text.find(character)
            while at >= 0:
                seeds.append(at)
                at = text.find(character, at + 1)
    if not seeds:
        return None
    seeds.sort()
    runs: list[tuple[int, int, str]] = []
    size = len(text)
    reach = -1
    for seed in seeds:
        if seed < reach:
            continue
        first = seed
        while first > 0 and text[first - 1] in _RUN_CHARS:
            first -= 1
        end = seed + 1
        while end < size and text[end] in _RUN_CHARS:
            end += 1
        reach = end
        run = text[first:end]
        if _INVISIBLE_CHARS.isdisjoint(run):
            if end - first >= 2:
                runs.append((first, end, " "))  # white space only: one space
        elif _WHITE_CHARS.isdisjoint(run):
            # invisible only: inside a word it is nothing ("Ja\u200bne"); elsewhere (a joiner
            # between emoji) it folds to a space beside a space, and changes no match
            if first > 0 and end < size and text[first - 1].isalnum() and text[end].isalnum():
                runs.append((first, end, ""))
        else:
            runs.append((first, end, " "))
    return _squeezed(text, runs) if runs else None


def _squeezed(text: str, runs: list[tuple[int, int, str]]) -> Squeezed:
    """The text with each run `(first, last, replacement)` replaced, and the way back."""
    parts: list[str] = []
    starts: list[int] = []
    deltas: list[int] = []
    at = removed = 0
    for first, last, replacement in runs:
        parts.append(text[at:first])
        parts.append(replacement)
        before = removed
        removed += last - first - len(replacement)
        starts.append(first - before + len(replacement))
        deltas.append(removed)
        at = last
    parts.append(text[at:])
    return Squeezed("".join(parts), tuple(starts), tuple(deltas))
