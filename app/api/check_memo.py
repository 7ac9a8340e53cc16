"""
A batch's checks remembered per snapshot, so that a queue of posts checked again costs a
lookup per post.

A scheduling tool sends its queue (`POST /v1/decisions`) before every run: the same accounts,
instants and categories, again and again until the posts go out. A check that names its
instant (`at`) and carries no text or request is decided by `decide` from the snapshot
alone: `now` gives only `evaluated_at`. So, for as long as its organisation's snapshot is the
same object, its answer is the same but for the decision's id and `evaluated_at`, and the
batch remembers it as the bytes `decision_parts` wrote, cut where those two go
(`Written`). Nothing is decided twice, so nothing can be decided differently;
tests/e2e/test_batch_memo.py holds batches answered from memory equal to the same batches
answered afresh, byte for byte after the ids and `evaluated_at`.

What is never remembered: a check for "now" (its `at` moves), one with a text or a request
(the register of candidates and the approvals are read each time), and a decision that
relies on an override (its reliance is audited every time, as the route does). A write
makes a new snapshot, and its organisation's checks start afresh; a snapshot that is not
fresh fails the batch closed before anything remembered is read.

Memory is bounded: past `MAX_CHECKS` checks, across organisations, all are forgotten at
once (a client sending ever new instants costs the long way, never memory).
"""

import datetime as dt
import weakref
from dataclasses import dataclass, field

from app.domain import Category, Snapshot

__all__ = ["MAX_CHECKS", "CheckKey", "CheckMemo", "Known", "Written"]

MAX_CHECKS = 100_000

CheckKey = tuple[str, dt.datetime, Category]


# A check's decision as the batch writes it, but for its id and `evaluated_at`:
# `{"decision_id":<id>` + subject + at + head + `<evaluated_at>` + end. The pieces are
# shared: by every check of the account and category (subject), of the instant (at), and of
# the same reasons and windows (head, end). A plain tuple: one is made for each check
# remembered, and a named tuple costs several times as much to make (measured in process).
Written = tuple[bytes, bytes, bytes, bytes]


# what comes before the value of `evaluated_at` in a decision's JSON (after `data_version`);
# a JSON string holds no bare quote, so it can only be the key
EVALUATED_AT = b',"evaluated_at":'


@dataclass(slots=True)
class Known:
    """
    What is remembered for one snapshot (held weakly: what is remembered never keeps a
    replaced snapshot alive): its checks, and the pieces they share.
    """

    snapshot: weakref.ref[Snapshot]
    checks: dict[CheckKey, Written] = field(default_factory=dict)
    # each `head` and `end` once, by value
    pieces: dict[bytes, bytes] = field(default_factory=dict)


@dataclass
class CheckMemo:
    """Per process: each organisation's checks, for its current snapshot only."""

    _current: dict[str, Known] = field(default_factory=dict)
    _count: int = 0

    def of(self, snapshot: Snapshot) -> Known:
        """What is remembered for `snapshot` (nothing if it replaced its organisation's last)."""
        organisation_id = snapshot.policy.organisation_id
        known = self._current.get(organisation_id)
        if known is None or known.snapshot() is not snapshot:
            if known is not None:
                self._count -= len(known.checks)
            known = self._current[organisation_id] = Known(weakref.ref(snapshot))
        return known

    def cut(self, known: Known, tail: bytes, evaluated_at: bytes) -> tuple[bytes, bytes] | None:
        """
        A decision's JSON from `"allowed"` on (`tail`, as `decision_parts` wrote it with
        `evaluated_at`), cut around the value of `evaluated_at`: (`head`, `end`), each the
        same object as any equal piece of `known`; None if it is not there.
        """
        head, found, end = tail.partition(EVALUATED_AT + evaluated_at)
        if not found:
            return None
        head += EVALUATED_AT
        pieces = known.pieces
        return pieces.setdefault(head, head), pieces.setdefault(end, end)

    def remember(self, known: Known, checks: list[tuple[CheckKey, Written]]) -> None:
        """Remember, for `known`'s snapshot, each check's key and how it is written."""
        if self._count + len(checks) > MAX_CHECKS:
            for each in self._current.values():
                each.checks.clear()
                each.pieces.clear()
            self._count = 0
            if len(checks) > MAX_CHECKS:
                return
        before = len(known.checks)
        known.checks.update(checks)
        self._count += len(known.checks) - before

    def __len__(self) -> int:
        return self._count
