"""
Instants that requests name, remembered as text: each read once, and written once in London
time, per process.

A scheduling tool checks the same queue of scheduled posts again and again (a batch before
every run, the same instants on the hour), and reading an instant is most of what a batch
costs apart from its decisions: RFC 3339 checked by `parse_instant`, the range by
`require_offset`, and the answer's `at` written in Europe/London (`instant_bytes`), about
2 µs for each distinct instant against 1.7 µs for its decision (issue 18, measured in
process). Both are pure functions of their input, so remembering them cannot change an
answer: a text that fails is never remembered (it fails again, with the same problem), and
an instant's London text depends on the instant alone (equal instants written with different
offsets share it, as they share their answer).

Memory is bounded: past `MAX_INSTANTS` texts (or instants) each map forgets all it holds at
once, so a client sending ever new instants costs the reading, never memory.
"""

import datetime as dt
from dataclasses import dataclass, field

from app.domain.clock import parse_instant

from .decision_json import instant_bytes
from .schemas import require_offset

__all__ = ["MAX_INSTANTS", "Instants"]

MAX_INSTANTS = 20_000


@dataclass(slots=True)
class Instants:
    """The instants a process has read, and their London JSON; held by the app's services."""

    _read: dict[str, dt.datetime] = field(default_factory=dict)
    _written: dict[dt.datetime, bytes] = field(default_factory=dict)

    def read(self, text: str) -> dt.datetime:
        """
        `require_offset(parse_instant(text))`, remembered.

        Raises:
            ValueError: as `parse_instant` and `require_offset` do (a PydanticCustomError
                for a naive instant is one).
        """
        value = self._read.get(text)
        if value is None:
            value = require_offset(parse_instant(text))
            if len(self._read) >= MAX_INSTANTS:
                self._read.clear()
            self._read[text] = value
        return value

    def json(self, value: dt.datetime) -> bytes:
        """`instant_bytes(value)`: the instant as a decision's JSON writes it, remembered."""
        written = self._written.get(value)
        if written is None:
            written = instant_bytes(value)
            if len(self._written) >= MAX_INSTANTS:
                self._written.clear()
            self._written[value] = written
        return written

    def __len__(self) -> int:
        return len(self._read) + len(self._written)
