"""
The batch's body is read quickly (`app.api.batch.read_checks`, issue 18) and must read as
`BatchIn` reads it: the same checks for every body `BatchIn` takes, and nothing (so that the
route lets `BatchIn` say why) for every body it refuses. Hand-picked bodies, then thousands of
random ones built from good and bad values for each field, and the two schemas field by field.
"""

import datetime as dt
import json
import random
from typing import Any

import pytest
from pydantic import ValidationError

from app.api.batch import _BODY, Check, checks_of, read_checks
from app.api.schemas import BatchIn

_GOOD = {"account_id": "facebook-redruthtowncouncil", "at": "2029-04-10T09:00:00+01:00"}


def _reference(raw: bytes) -> list[Check] | None:
    try:
        return checks_of(BatchIn.model_validate_json(raw))
    except ValidationError:
        return None


def _plain(checks: list[Check] | None) -> object:
    """Checks with each instant's offset beside it: equal datetimes may differ in offset."""
    if checks is None:
        return None
    return [(*c, c[1].utcoffset() if c[1] is not None else None) for c in checks]


def _body(*checks: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"checks": list(checks), **extra}).encode()


BODIES = {
    "one check": _body(_GOOD),
    "every field": _body(
        {**_GOOD, "category": "event", "text": "Fore Street\tfair\n6pm", "request_id": "rq-1"}
    ),
    "nulls": _body({**_GOOD, "at": None, "text": None, "request_id": None}),
    "no at": _body({"account_id": "a"}),
    "utc as Z": _body({**_GOOD, "at": "2029-04-10T08:00:00Z"}),
    "lower case t and z": _body({**_GOOD, "at": "2029-04-10t08:00:00z"}),
    "space for T": _body({**_GOOD, "at": "2029-04-10 08:00:00+01:00"}),
    "fraction": _body({**_GOOD, "at": "2029-04-10T08:00:00.123456789-05:00"}),
    "no seconds": _body({**_GOOD, "at": "2029-04-10T08:00+01:00"}),
    "offset without colon": _body({**_GOOD, "at": "2029-04-10T08:00:00+0100"}),
    "one instant, two offsets": _body(
        {**_GOOD, "at": "2029-04-10T08:00:00Z"}, {**_GOOD, "at": "2029-04-10T09:00:00+01:00"}
    ),
    "the same at twice": _body(_GOOD, {**_GOOD, "category": "emergency"}),
    "1,000 checks": _body(*([_GOOD] * 1000)),
    "unicode": _body({"account_id": "caf\u00e9-\U0001f5f3", "text": "\u201cquoted\u201d"}),
    "duplicate key": b'{"checks": [{"account_id": "a", "account_id": "b"}]}',
    "naive at": _body({**_GOOD, "at": "2029-04-10T09:00:00"}),
    "offset with seconds": _body({**_GOOD, "at": "2029-04-10T09:00:00+01:00:30"}),
    "no such day": _body({**_GOOD, "at": "2029-02-29T09:00:00Z"}),
    "hour 24": _body({**_GOOD, "at": "2029-04-10T24:00:00Z"}),
    "year 1900": _body({**_GOOD, "at": "1900-04-10T09:00:00Z"}),
    "year 2200 in UTC": _body({**_GOOD, "at": "2199-12-31T23:00:00-05:00"}),
    "at as a number": _body({**_GOOD, "at": 1893456000}),
    "at as digits": _body({**_GOOD, "at": "1893456000"}),
    "at as a date": _body({**_GOOD, "at": "2029-04-10"}),
    "at with a NUL": _body({**_GOOD, "at": "2029-04-10T09:00:00Z\u0000"}),
    "no checks": _body(),
    "1,001 checks": _body(*([_GOOD] * 1001)),
    "no account": _body({"at": _GOOD["at"]}),
    "empty account": _body({**_GOOD, "account_id": ""}),
    "long account": _body({**_GOOD, "account_id": "a" * 81}),
    "account with a control character": _body({**_GOOD, "account_id": "a\u0085b"}),
    "account as a number": _body({**_GOOD, "account_id": 7}),
    "unknown category": _body({**_GOOD, "category": "gossip"}),
    "category in capitals": _body({**_GOOD, "category": "EVENT"}),
    "empty text": _body({**_GOOD, "text": ""}),
    "text with a bidirectional override": _body({**_GOOD, "text": "a\u202eb"}),
    "text with a carriage return": _body({**_GOOD, "text": "a\rb"}),
    "long request id": _body({**_GOOD, "request_id": "r" * 41}),
    "unknown field in a check": _body({**_GOOD, "when": "now"}),
    "unknown field beside the checks": _body(_GOOD, extra=1),
    "checks as an object": json.dumps({"checks": _GOOD}).encode(),
    "check as a list": _body(["a"]),  # type: ignore[arg-type]
    "a list for a body": b"[]",
    "not JSON": b'{"checks": [',
    "empty body": b"",
}


@pytest.mark.parametrize("raw", BODIES.values(), ids=BODIES.keys())
def test_the_quick_reading_is_batch_ins(raw: bytes) -> None:
    """The same checks as `BatchIn` gives, or None where `BatchIn` refuses the body."""
    assert _plain(read_checks(raw)) == _plain(_reference(raw))


def test_the_bodies_cover_taken_and_refused() -> None:
    taken = [name for name, raw in BODIES.items() if _reference(raw) is not None]

    assert 10 < len(taken) < len(BODIES) - 20


# What each field of a check may hold in a random body: good values, then bad ones.
_VALUES: dict[str, tuple[list[object], list[object]]] = {
    "account_id": (["a", "facebook-redruthtowncouncil", "x" * 80], ["", "x" * 81, "a\tb", 3, None]),
    "at": (
        [
            None,
            "2029-04-10T09:00:00+01:00",
            "2029-04-10T08:00:00Z",
            "2025-03-30T01:30:00+00:00",
            "2025-10-26T01:30:00+01:00",
            "2029-04-10T09:00:00.5+05:30",
        ],
        [
            "2029-04-10T09:00:00",
            "1949-12-31T23:59:59Z",
            "2029-13-10T09:00:00Z",
            "2029-04-10T09:00:00+25:00",
            "soon",
            12,
            True,
        ],
    ),
    "category": (["general", "event", "emergency", "party-political"], ["gossip", None, 1]),
    "text": ([None, "Bins on Tuesday.", "Vote \u201cGreen\u201d!\n"], ["", "a\u0000b", ["a"]]),
    "request_id": ([None, "rq-3f2a9c1b7e", "r" * 40], ["", "r" * 41, "a\u007fb"]),
    "when": ([], ["now"]),
}


def _random_body(rng: random.Random) -> bytes:
    """Up to 8 checks, each field present or not, each present one now and then bad."""
    checks = [
        {
            name: rng.choice(bad if not good or rng.random() < 0.04 else good)
            for name, (good, bad) in _VALUES.items()
            if rng.random() < (0.98 if name == "account_id" else 0.02 if name == "when" else 0.5)
        }
        for _ in range(rng.choice((0, 1, 1, 2, 3, 8)))
    ]
    return _body(*checks)


def test_random_bodies_read_as_batch_in_reads_them() -> None:
    rng = random.Random(18)
    bodies = [_random_body(rng) for _ in range(3000)]

    found = [(_plain(read_checks(raw)), _plain(_reference(raw))) for raw in bodies]

    assert [quick for quick, _ in found] == [reference for _, reference in found]
    taken = sum(reference is not None for _, reference in found)
    assert 300 < taken < 2700, taken


def _shape(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """A JSON schema's constraints: no titles, descriptions, examples, defaults or references."""
    docs = {"title", "description", "examples", "default", "$defs", "$ref"}
    if name in schema.get("$defs", {}):
        schema = schema["$defs"][name]

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in docs}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(schema)  # type: ignore[no-any-return]


def test_the_quick_body_has_batch_ins_fields_and_constraints_but_at_as_text() -> None:
    quick, reference = _BODY.json_schema(), BatchIn.model_json_schema()
    documented_at = reference["$defs"]["CheckIn"]["properties"]["at"]

    assert documented_at["anyOf"][0].pop("format") == "date-time"
    assert _shape(quick, "_CheckBody") == _shape(reference, "CheckIn")
    assert _shape(quick, "_BatchBody") == _shape(reference, "BatchIn")
    assert quick["$defs"]["Category"] == reference["$defs"]["Category"]


def test_each_distinct_at_is_parsed_once() -> None:
    """Checks asking about the same instant in the same words share one datetime."""
    checks = read_checks(_body(_GOOD, {**_GOOD, "category": "event"}))

    assert checks is not None
    assert checks[0][1] is checks[1][1]
    assert checks[0][1] == dt.datetime(2029, 4, 10, 8, tzinfo=dt.UTC)
