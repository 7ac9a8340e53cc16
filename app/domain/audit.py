"""
The audit log's hash chain.

Each event's hash is SHA-256 over the previous event's hash and the event's canonical JSON
(sorted keys, no whitespace, UTF-8, instants as RFC 3339 UTC). Editing, deleting or
reordering any event breaks every hash after it.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GENESIS", "ChainCheck", "canonical_json", "chain_hash", "verify_chain"]

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            msg = f"audit events hold aware instants only: {value.isoformat()}"
            raise ValueError(msg)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple):
        return sorted(value) if isinstance(value, frozenset | set) else list(value)
    msg = f"cannot put {type(value).__name__} in an audit event"
    raise TypeError(msg)


def canonical_json(event: Mapping[str, Any]) -> bytes:
    """The event as canonical JSON bytes."""
    return json.dumps(
        event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode()


def chain_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the event's canonical JSON, hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_json(event)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of walking a chain: `ok`, or the first broken sequence number and why."""

    ok: bool
    events: int
    broken_at: int | None = None
    problem: str | None = None


def verify_chain(events: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> ChainCheck:
    """
    Walk `(seq, prev_hash, hash, event)` in sequence order.

    Reports the first event whose stored link or hash does not match: an edited event
    (its hash no longer matches its content), a deleted or reordered one (its `prev_hash`
    is not the previous event's hash).
    """
    previous = GENESIS
    count = 0
    for seq, prev_hash, stored, event in events:
        count += 1
        if prev_hash != previous:
            return ChainCheck(
                False,
                count,
                seq,
                "its prev_hash is not the hash of the event before it (deleted or reordered)",
            )
        if chain_hash(prev_hash, event) != stored:
            return ChainCheck(False, count, seq, "its content no longer matches its hash (edited)")
        previous = stored
    return ChainCheck(True, count)
