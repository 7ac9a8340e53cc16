"""
The Clerk's approval of one post: the same account and category, the same text (by the
SHA-256 of its normalised form), published between `not_before` and `not_after`.
"""

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from app.domain.reasons import _check_interval

__all__ = ["Approval", "normalise_post", "post_sha256"]

_SPACE = re.compile(r"\s+")


def normalise_post(text: str) -> str:
    """
    A post's text as compared: Unicode NFC, every run of white space (line breaks included)
    as one space, no leading or trailing space. Case, words and punctuation are kept: a post
    that differs in any of them is a different post.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def post_sha256(text: str) -> str:
    """The SHA-256 (hex) of a post's normalised text: what a check keeps of a post."""
    return hashlib.sha256(normalise_post(text).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Approval:
    """
    An approved request, as the decision reads it: it allows exactly that post, for the
    restrictions in force when it was approved (`anchors`, as an override's).
    """

    request_id: str
    account_id: str
    category: str
    text_sha256: str
    not_before: dt.datetime
    not_after: dt.datetime
    anchors: frozenset[str] = frozenset()
    approved_by: str = ""

    def __post_init__(self) -> None:
        _check_interval(self.not_before, self.not_after, f"approval of {self.request_id}")
