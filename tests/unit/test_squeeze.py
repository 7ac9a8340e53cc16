"""
Screening reads a post as a reader sees it: a run of white space is one space, an invisible
character is none, a Cyrillic or Greek letter shaped like a Latin one is that letter; every
span still points into the text as sent.
"""

import pytest

from app.domain.candidates import Candidate
from app.domain.folding import fold_name, squeeze
from app.domain.screening import MatchKind, Screener

JANE = Candidate("cand-jane", "parish.redruth.2029-05-03", "Jane Trevithick")


@pytest.mark.parametrize(
    "written",
    [
        "Jane  Trevithick",
        "Jane \n\n Trevithick",
        "Jane\u00a0\u00a0Trevithick",
        "Ja\u200bne Trevithick",
        "Jane Trevi\u00adthick",
        "\ufeffJane\u2060 Trevithick",
        "J\u0430ne Trevithick",
        "\u0408ane \u0422revithick",
    ],
)
def test_a_name_is_found_however_it_is_spaced_or_spelt_to_hide(written: str) -> None:
    text = f"Thanks to {written}, for the litter pick.  See you\n\nnext week."
    [match] = Screener([JANE]).scan(text)
    assert match.kind is MatchKind.CANDIDATE
    assert text[match.start : match.end] == match.matched
    assert match.matched[0] in "J\u0408"  # Latin or Cyrillic capital J
    assert match.matched.endswith("thick")


def test_plain_text_is_left_as_it_is() -> None:
    assert squeeze("Bins are collected on Monday. Thank you, Redruth!") is None


def test_the_map_back_points_at_each_character_sent() -> None:
    text = "a  b\u200bc \n d"
    squeezed = squeeze(text)
    assert squeezed is not None
    assert squeezed.text == "a bc d"
    back = [text[squeezed.origin(i)] for i in range(len(squeezed.text))]
    assert back == ["a", " ", "b", "c", " ", "d"]
    assert squeezed.span(2, 4) == (3, 6)  # "b\u200bc"


def test_look_alike_letters_fold_as_the_latin_ones() -> None:
    assert fold_name("J\u0430ne") == fold_name("Jane")
    assert fold_name("\u039c\u0391\u03a4\u0395") == fold_name("mate")  # Greek capitals
