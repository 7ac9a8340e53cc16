"""The audit hash chain: canonical form, and what breaks it."""

import datetime as dt
import random

import pytest

from app.domain.audit import (
    GENESIS,
    RawJSON,
    _scalars_json,
    canonical_json,
    chain_hash,
    verify_chain,
)

UTC = dt.UTC


def _event(rng: random.Random, seq: int) -> dict[str, object]:
    words = [
        "Redruth",
        "café",
        'naïve "quoted"',
        "tab\tand\nnewline",
        "emoji \U0001f5f3",
        "",
        "a/b\\c",
        "\u2028",
    ]
    return {
        "seq": seq,
        "organisation_id": "redruth",
        "at": dt.datetime(2026, 1, 1, tzinfo=UTC)
        + dt.timedelta(seconds=rng.randrange(10**8), microseconds=rng.randrange(10**6)),
        "actor": rng.choice(words),
        "role": "clerk",
        "action": rng.choice(["window.create", "override.grant"]),
        "target": rng.choice(words),
        "reason": rng.choice([None, *words]),
        "request_id": rng.choice([None, "req-1"]),
        "data_version": rng.randrange(-5, 10**9),
        "before": rng.choice([None, {"b": 1, "a": [1, "x"]}]),
        "after": {"z": rng.choice(words), "a": None},
    }


@pytest.mark.parametrize("seed", range(5))
def test_the_fast_scalar_form_equals_canonical_json(seed: int) -> None:
    """Generated events with awkward text: both encodings must give identical bytes."""
    rng = random.Random(seed)
    events = [_event(rng, i) for i in range(200)]

    fast = [_scalars_json(e) for e in events]
    slow = [
        canonical_json({k: v for k, v in e.items() if k not in ("before", "after")}) for e in events
    ]

    assert fast == slow


def test_stored_canonical_text_hashes_like_the_value() -> None:
    event = _event(random.Random(1), 1)
    stored = {
        **event,
        "before": RawJSON(canonical_json(event["before"]).decode()),
        "after": RawJSON(canonical_json(event["after"]).decode()),
    }

    assert chain_hash(GENESIS, stored) == chain_hash(GENESIS, event)


def test_a_chain_of_generated_events_verifies_and_an_edit_breaks_it() -> None:
    rng = random.Random(7)
    rows = []
    previous = GENESIS
    for seq in range(1, 51):
        event = _event(rng, seq)
        digest = chain_hash(previous, event)
        rows.append((seq, previous, digest, event))
        previous = digest
    edited = list(rows)
    seq, prev, digest, event = edited[20]
    edited[20] = (seq, prev, digest, {**event, "reason": "changed afterwards"})

    assert verify_chain(rows).ok
    assert verify_chain(edited).broken_at == 21
