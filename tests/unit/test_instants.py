"""
Instants remembered as text (`app.api.instants`, issue 18): the same answers as reading
and writing each one afresh, errors never remembered, and memory bounded.
"""

import datetime as dt

import pytest
from pydantic_core import PydanticCustomError

from app.api import instants as module
from app.api.decision_json import instant_bytes
from app.api.instants import Instants
from app.api.schemas import require_offset
from app.domain.clock import parse_instant

TEXTS = [
    "2029-04-10T09:00:00+01:00",
    "2029-04-10T08:00:00Z",
    "2029-04-10t08:00:00z",
    "2029-04-10 08:00:00+01:00",
    "2029-04-10T08:00:00.123456-05:00",
    "2029-10-28T01:30:00+00:00",  # the hour London repeats
    "2029-10-28T00:30:00Z",
    "1950-01-01T00:30:00Z",
    "2199-12-31T23:00:00Z",
]
REFUSED = [
    "2029-04-10T09:00:00",
    "2029-02-29T09:00:00Z",
    "2029-04-10T09:00:00+01:00:30",
    "1949-12-31T23:30:00-01:00",
    "1950-01-01T00:30:00+01:00",  # 1949 in UTC
    "2199-12-31T23:00:00-05:00",
    "1893456000",
]


@pytest.mark.parametrize("text", TEXTS)
def test_an_instant_reads_and_writes_as_afresh(text: str) -> None:
    instants = Instants()
    for _ in range(2):  # the first time, then remembered
        value = instants.read(text)
        assert value == require_offset(parse_instant(text))
        assert value.utcoffset() == parse_instant(text).utcoffset()
        assert instants.json(value) == instant_bytes(value)


def test_equal_instants_with_other_offsets_share_their_london_text() -> None:
    instants = Instants()
    summer = instants.read("2029-04-10T09:00:00+01:00")
    same = instants.read("2029-04-10T08:00:00Z")

    assert instants.json(summer) == instants.json(same) == b'"2029-04-10T09:00:00+01:00"'


@pytest.mark.parametrize("text", REFUSED)
def test_a_refused_text_is_refused_every_time_and_not_kept(text: str) -> None:
    instants = Instants()
    for _ in range(2):
        with pytest.raises((ValueError, PydanticCustomError)):
            instants.read(text)
    assert len(instants) == 0


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_INSTANTS", 5)
    instants = Instants()
    start = dt.datetime(2029, 4, 1, tzinfo=dt.UTC)
    for minute in range(23):
        value = instants.read((start + dt.timedelta(minutes=minute)).isoformat())
        instants.json(value)
        assert len(instants) <= 10
    # forgetting changes no answer
    assert instants.read(start.isoformat()) == start
    assert instants.json(start) == instant_bytes(start)
