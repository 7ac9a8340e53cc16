"""
The one serialiser of a decision: can-publish, each item of the batch and `purdah check
--json` all write `decision_json`, whose keys are `DecisionOut`'s (the documented schema,
never instantiated on the hot path; tests/e2e/test_decision_shape.py holds them equal).

Reasons and windows belong to a snapshot and are shared by every decision made from it, so
their JSON is built once per snapshot, in a `Fragments` dict that `SnapshotFragments` (held in
the app's state) keeps for each organisation's current snapshot only.

The API writes a decision's body with `decision_bytes`: the bytes `to_json(decision_json(...))`
gives, written from each reason's and window's serialised JSON, kept with its fragment, rather
than serialised again for every answer (tests/unit/test_decision_bytes.py holds the two equal,
byte for byte, over thousands of random decisions).
"""

import datetime as dt
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic_core import to_json

from app.domain import LONDON, Decision, Outcome, Reason, ReasonCode, Snapshot, Window

from .reliance import override_use_recorded
from .schemas import ReasonOut, WindowOut

__all__ = [
    "MAX_FRAGMENTS",
    "Fragments",
    "SnapshotFragments",
    "decision_bytes",
    "decision_json",
    "decision_parts",
    "instant_bytes",
]

# A snapshot's reasons and windows as JSON, by the id of the domain value: the plain value
# and its serialised bytes. Each entry holds its value, so the value outlives the entry and
# its id names no other object meanwhile.
Fragments = dict[int, tuple[object, dict[str, object], bytes]]


@dataclass
class SnapshotFragments:
    """
    The `Fragments` of each organisation's current snapshot, built as decisions use them.
    A new snapshot (after any write) starts afresh, so fragments of old snapshots never pile
    up (they did, to 50,000 entries, in the soak). The snapshot is held weakly: a council
    written to and not asked about again does not keep its replaced snapshot alive.
    """

    _current: dict[str, tuple[weakref.ref[Snapshot], Fragments]] = field(default_factory=dict)

    def of(self, snapshot: Snapshot) -> Fragments:
        """The fragments of `snapshot` (an empty set if it replaced its organisation's last)."""
        organisation_id = snapshot.policy.organisation_id
        entry = self._current.get(organisation_id)
        if entry is None or entry[0]() is not snapshot:
            entry = (weakref.ref(snapshot), {})
            self._current[organisation_id] = entry
        return entry[1]


# Reasons a decision builds for one post (what its text says, the approval it names): never
# the snapshot's, so never kept with its fragments.
_PER_POST = frozenset(
    {
        ReasonCode.CANDIDATE_MENTIONED,
        ReasonCode.PARTY_MENTIONED,
        ReasonCode.ELECTORAL_APPEAL,
        ReasonCode.REQUEST_APPROVED,
        ReasonCode.REQUEST_NOT_APPLICABLE,
        ReasonCode.BY_ELECTION_WARD_MENTIONED,
        ReasonCode.BY_ELECTION_ELSEWHERE,
    }
)
# A snapshot's own reasons and windows number in the hundreds; past this many entries nothing
# more is kept (the reasons an approval turns into warnings are new objects each time).
MAX_FRAGMENTS = 20_000


def _entry(value: Reason | Window, fragments: Fragments) -> tuple[object, dict[str, object], bytes]:
    entry = fragments.get(id(value))
    if entry is not None and entry[0] is value:
        return entry
    is_reason = isinstance(value, Reason)
    model = ReasonOut.of(value) if is_reason else WindowOut.of(value)  # type: ignore[arg-type]
    plain = model.model_dump(mode="json")
    entry = (value, plain, to_json(plain))
    if len(fragments) < MAX_FRAGMENTS and not (is_reason and value.code in _PER_POST):  # type: ignore[union-attr]
        fragments[id(value)] = entry
    return entry


def _fragment(value: Reason | Window, fragments: Fragments) -> dict[str, object]:
    return _entry(value, fragments)[1]


def _london(value: dt.datetime) -> str:
    """An instant as RFC 3339 text in Europe/London, with its offset."""
    return value.astimezone(LONDON).isoformat()


def _iso(value: dt.datetime | None, times: dict[dt.datetime, str]) -> str | None:
    if value is None:
        return None
    text = times.get(value)
    if text is None:
        text = times[value] = _london(value)
    return text


def decision_json(
    decision: Decision,
    fragments: Fragments | None = None,
    times: dict[dt.datetime, str] | None = None,
    *,
    role: str,
) -> dict[str, object]:
    """
    A decision as plain JSON values, with `DecisionOut`'s keys.

    `fragments` is `SnapshotFragments.of(snapshot)` for the snapshot the decision came from
    (or a new dict for a one-off); `times`, shared across a batch, remembers instants already
    written in London time (a batch's decisions share `evaluated_at` and mostly a few
    `valid_until`s). `role` is the caller's: it says whether a reliance on an override is
    recorded (`reliance.override_use_recorded`).
    """
    fragments = {} if fragments is None else fragments
    times = {} if times is None else times
    return {
        "decision_id": decision.decision_id,
        "account_id": decision.account_id,
        "category": str(decision.category),
        "at": _iso(decision.at, times),
        "allowed": decision.outcome is Outcome.ALLOW,
        "outcome": decision.outcome.value,
        "reasons": [_fragment(r, fragments) for r in decision.reasons],
        "windows": [_fragment(w, fragments) for w in decision.windows],
        "valid_until": _iso(decision.valid_until, times),
        "data_version": decision.data_version,
        "evaluated_at": _iso(decision.evaluated_at, times),
        "override_use_recorded": override_use_recorded(decision, role),
    }


_OUTCOMES = {outcome: to_json(outcome.value) for outcome in Outcome}
_RECORDED = {None: b"null", True: b"true", False: b"false"}


def instant_bytes(value: dt.datetime) -> bytes:
    """An instant as a decision's JSON writes it: a string, in London time (`_london`)."""
    return to_json(_london(value))


def _iso_bytes(value: dt.datetime | None, times: dict[dt.datetime, bytes]) -> bytes:
    """An instant as the decision writes it (a JSON string in London time); None as null."""
    if value is None:
        return b"null"
    text = times.get(value)
    if text is None:
        text = times[value] = instant_bytes(value)
    return text


def _subject(account_id: str, category: str) -> bytes:
    """The keys between `decision_id` and the value of `at`: who asks, about what kind of post."""
    return b"".join(
        (b',"account_id":', to_json(account_id), b',"category":', to_json(str(category)), b',"at":')
    )


def _tail(
    decision: Decision, fragments: Fragments, times: dict[dt.datetime, bytes], role: str
) -> bytes:
    """The keys after `at`, from `allowed` to `override_use_recorded`, and the closing brace."""
    return b"".join(
        (
            b',"allowed":',
            b"true" if decision.outcome is Outcome.ALLOW else b"false",
            b',"outcome":',
            _OUTCOMES[decision.outcome],
            b',"reasons":[',
            b",".join([_entry(r, fragments)[2] for r in decision.reasons]),
            b'],"windows":[',
            b",".join([_entry(w, fragments)[2] for w in decision.windows]),
            b'],"valid_until":',
            _iso_bytes(decision.valid_until, times),
            b',"data_version":',
            to_json(decision.data_version),
            b',"evaluated_at":',
            _iso_bytes(decision.evaluated_at, times),
            b',"override_use_recorded":',
            _RECORDED[override_use_recorded(decision, role)],
            b"}",
        )
    )


def decision_bytes(
    decision: Decision,
    fragments: Fragments | None = None,
    times: dict[dt.datetime, bytes] | None = None,
    *,
    role: str,
) -> bytes:
    """
    `to_json(decision_json(decision, fragments, role=role))`, byte for byte, from the
    fragments' serialised JSON. `times`, shared across a batch, remembers instants written.
    """
    fragments = {} if fragments is None else fragments
    times = {} if times is None else times
    return b"".join(
        (
            b'{"decision_id":',
            to_json(decision.decision_id),
            _subject(decision.account_id, decision.category),
            _iso_bytes(decision.at, times),
            _tail(decision, fragments, times, role),
        )
    )


def decision_parts(
    decisions: Sequence[Decision],
    fragments: Fragments | None = None,
    *,
    role: str,
    written: Callable[[dt.datetime], bytes] = instant_bytes,
) -> list[tuple[bytes, bytes, bytes, bytes]]:
    """
    Each decision as `decision_bytes` writes it, in four parts: its `decision_id` (the JSON
    after `{"decision_id":`), its subject (`account_id` and `category`, up to the value of
    `at`), `at`, and the rest (from `"allowed"`). The decisions of a batch share most of
    their JSON: every key after `at` (`_tail`) follows from the outcome, the reasons and
    windows (the same objects, by identity, while `decisions` holds them), `valid_until`,
    `data_version`, `evaluated_at` and the role; `account_id` and `category` repeat, and so
    do instants: each is written once, and the parts of decisions that share it are the same
    bytes object. `written` writes each decision's `at`: `instant_bytes`, or the same
    remembered (`instants.Instants.json`).
    """
    fragments = {} if fragments is None else fragments
    times: dict[dt.datetime, bytes] = {}
    subjects: dict[tuple[str, int], bytes] = {}
    instants: dict[int, bytes] = {}
    tails: dict[tuple[object, ...], bytes] = {}
    parts: list[tuple[bytes, bytes, bytes, bytes]] = []
    add = parts.append
    for d in decisions:
        subject = subjects.get((d.account_id, id(d.category)))
        if subject is None:
            subject = subjects[d.account_id, id(d.category)] = _subject(d.account_id, d.category)
        at = instants.get(id(d.at))
        if at is None:
            at = instants[id(d.at)] = written(d.at)
        # ids name objects `decisions` keeps alive; 0 (no object's id) ends the reasons
        key = (
            id(d.outcome),
            d.valid_until,
            d.data_version,
            d.evaluated_at,
            *map(id, d.reasons),
            0,
            *map(id, d.windows),
        )
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = _tail(d, fragments, times, role)
        add((to_json(d.decision_id), subject, at, tail))
    return parts
