"""
can-publish answers remembered, so that the same question asked again costs a few lookups.

Scheduling tools ask the same question again and again: the same account, category and
instant (or "now"), with the same key, before every post and on every poll. The can-publish
fast path (`fast_answers.serve_remembered`) remembers, per process, what the one
implementation (`decide`, `decision_bytes`, `decision_etag`) worked out for such a request,
and for the next one fills in only what differs from request to request: the decision's id,
`evaluated_at` (and `at`, for "now"), and `max-age`. Nothing else is decided twice, so
nothing can be decided differently; tests/e2e/test_fast_path_equivalence.py holds its
answers equal to the documented route's.

What keeps a remembered answer honest:
- it belongs to one snapshot object, held weakly (a remembered answer never keeps a replaced
  snapshot alive): any write (a new snapshot) or a snapshot that is no longer fresh sends
  the request the long way, which fails closed as before;
- an answer for "now" holds only from when it was worked out until its `valid_until`, and
  never longer than `CACHE_CAP_SECONDS` (what a client's cache may keep it anyway);
- a key is remembered by the whole `Authorization` value that was verified against it (one
  dictionary lookup, by Python's keyed hash), and only while the snapshot cache holds that
  very key entry: a revoked or replaced key is verified again, and fails;
- a decision that relies on an override or approval is never remembered: its use must be
  audited every time, as the route does;
- only requests the route would answer 200 or 304 are remembered; errors go the long way,
  where failed keys are counted.

Memory is bounded: past `MAX_REQUESTS` questions or `MAX_KEYS` keys the memo forgets all of
them at once (a client sending ever new instants costs the long way, never memory); only a
request with a valid key of a reading role is remembered, and none whose path and query, or
whose `Authorization` value, is longer than `MAX_REMEMBERED_BYTES` (a real one is a tenth of
that): 10,000 padded 64 KB paths would have held most of a gigabyte.
"""

import datetime as dt
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain import Category, Decision, Snapshot

if TYPE_CHECKING:
    from .deps import Principal

__all__ = [
    "MAX_KEYS",
    "MAX_PLAIN_TEXTS",
    "MAX_REMEMBERED_BYTES",
    "MAX_REQUESTS",
    "AnswerMemo",
    "Question",
    "Remembered",
]

MAX_REQUESTS = 10_000
MAX_KEYS = 10_000
# texts remembered as adding nothing, per remembered answer (32 bytes each)
MAX_PLAIN_TEXTS = 16
# the longest path and query (together), account id or `Authorization` value remembered
MAX_REMEMBERED_BYTES = 1024


@dataclass(slots=True)
class Remembered:
    """
    One answer: the decision's body in pieces around what each request fills in, and what
    its headers need.

    `body` is `decision_bytes` of the decision, split where the decision id (after the
    first piece), and then `at` (for "now" only) and `evaluated_at`, go.
    """

    snapshot: weakref.ref[Snapshot]
    decision: Decision
    body: tuple[bytes, ...]
    etag: str
    etag_header: bytes
    # for "now": the timestamps between which the decision is the one worked out
    since: float
    until: float
    # the decision's `valid_until` as a timestamp (infinity for none)
    valid_until: float
    # posts' texts (their SHA-256) screened against this very decision and snapshot and found
    # to add nothing to it (`post_decision`): a post checked again is not screened again
    plain_texts: set[bytes] = field(default_factory=set)


@dataclass(slots=True)
class Question:
    """A can-publish request's path and query, read and checked once."""

    account_id: str
    at: dt.datetime | None
    category: Category
    # the answer, by organisation and role (an account id may be two councils')
    answers: dict[tuple[str, str], Remembered] = field(default_factory=dict)


@dataclass
class AnswerMemo:
    """Per process: questions by path and query string, and verified keys by header."""

    _questions: dict[tuple[str, bytes], Question] = field(default_factory=dict)
    _keys: dict[bytes, tuple[object, "Principal"]] = field(default_factory=dict)
    # can-publish by POST: what it asks besides its text, by account, instant and category
    _posts: dict[tuple[str, dt.datetime, Category], Question] = field(default_factory=dict)

    def question(self, path: str, query: bytes) -> Question | None:
        return self._questions.get((path, query))

    def remember_question(self, path: str, query: bytes, question: Question) -> None:
        if len(path) + len(query) > MAX_REMEMBERED_BYTES:
            return
        if len(self._questions) >= MAX_REQUESTS:
            self._questions = {}
        self._questions[(path, query)] = question

    def key(self, authorization: bytes) -> tuple[object, "Principal"] | None:
        """The key entry and principal an `Authorization` value was verified as, if any."""
        return self._keys.get(authorization)

    def remember_key(self, authorization: bytes, entry: object, principal: "Principal") -> None:
        if len(authorization) > MAX_REMEMBERED_BYTES:
            return
        if len(self._keys) >= MAX_KEYS:
            self._keys = {}
        self._keys[authorization] = (entry, principal)

    def post_question(
        self, account_id: str, at: dt.datetime, category: Category
    ) -> Question | None:
        """
        The question a POST asks besides its text (`fast_answers.serve_post_fast`), if it was
        asked before; the first time, None, and it is noted: a post checked once (each post
        has its own instant) is answered the long way, without the cost of remembering.
        """
        key = (account_id, at, category)
        question = self._posts.get(key)
        if question is None and len(account_id) <= MAX_REMEMBERED_BYTES:
            if len(self._posts) >= MAX_REQUESTS:
                self._posts = {}
            self._posts[key] = Question(account_id, at, category)
        return question
