"""
A batch's checks remembered per snapshot (`app.api.check_memo`, issue 18) are answered as the
same batch decided afresh: as it is asked again, as time passes, as the Clerk writes, with
every role, for another council, and with memory bounded.

Each batch goes to an app that remembers checks and to one that forgets them before every
request, on one database and one clock; answers are compared after canonicalisation (each
decision's own random id blanked; `evaluated_at` is the shared clock's in both).
"""

import datetime as dt
import gc
import json
import random
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api import batch, check_memo
from app.api.check_memo import CheckMemo
from app.domain import UTC
from tests.conftest import Keys

from .conftest import STREET_FAIR_OVERRIDE, Clock, auth
from .test_answer_memo import across_an_override
from .test_fast_path_equivalence import both_ways
from .test_request_decisions import penryn  # noqa: F401 - fixture: Redruth and Penryn

ACCOUNTS = ("facebook-redruthtowncouncil", "x-visitredruth", "facebook-mayorofredruth")
CATEGORIES = (
    "general",
    "event",
    "emergency",
    "consultation",
    "party-political",
    "statutory-notice",
)
INSTANTS = (
    "2029-04-10T10:00:00+01:00",  # inside the 2029 window, under the street fair override
    "2029-04-10T09:00:00Z",  # the same instant, another offset
    "2029-04-01T12:30:00Z",
    "2025-04-10T12:00:00+01:00",
    "2026-01-15T09:00:00+00:00",
    "2029-05-04T23:59:59+01:00",
    "2029-05-03T22:00:00+01:00",  # close of poll: the window has ended
)
STREET_FAIR = {"account_id": ACCOUNTS[0], "at": INSTANTS[0], "category": "event"}


def _canonical(response: Any) -> tuple[int, object]:
    body = response.json()
    for decision in body.get("decisions", []) if isinstance(body, dict) else []:
        decision["decision_id"] = ""
    return response.status_code, json.dumps(body, sort_keys=True)


@pytest.fixture
def apps(
    engine: Engine, database_url: str, clock: Clock
) -> Iterator[tuple[TestClient, TestClient]]:
    """(remembering, afresh): the second forgets every check before each request."""
    remembering, afresh = both_ways(engine, database_url, clock)
    with TestClient(remembering) as one, TestClient(afresh) as other:
        yield one, other


def _same(one: TestClient, other: TestClient, checks: list[dict[str, object]], key: str) -> Any:
    afresh: FastAPI = other.app  # type: ignore[assignment]
    afresh.state.services.checks = CheckMemo()
    request = {"json": {"checks": checks}, "headers": auth(key)}
    remembered, decided = (
        one.post("/v1/decisions", **request),
        other.post("/v1/decisions", **request),
    )
    assert _canonical(remembered) == _canonical(decided), checks
    return remembered


def _check(rng: random.Random) -> dict[str, object]:
    check: dict[str, object] = {"account_id": rng.choice(ACCOUNTS)}
    if rng.random() < 0.9:
        check["at"] = rng.choice(INSTANTS)
    if rng.random() < 0.8:
        check["category"] = rng.choice(CATEGORIES)
    if rng.random() < 0.1:
        check["text"] = "Jane Trevithick opened the new play park on Fore Street."
    if rng.random() < 0.02:
        check["account_id"] = "no-such-account"
    return check


def test_batches_asked_again_are_answered_as_afresh(
    apps: tuple[TestClient, TestClient], seeded: Keys, clock: Clock
) -> None:
    """
    Random batches, each asked three times by a random role as the clock moves on, across
    the street fair override granted and revoked: every answer equals the batch decided
    afresh, and the memo answered many of them.
    """
    one, other = apps
    rng = random.Random(1818)
    keys = (seeded.clerk, seeded.scheduler, seeded.viewer, seeded.auditor)
    clock.now = dt.datetime(2029, 3, 1, 12, tzinfo=UTC)
    statuses: list[int] = []

    def rounds() -> str:
        for _ in range(8):
            checks = [_check(rng) for _ in range(rng.randint(1, 30))]
            for _ in range(3):
                answer = _same(one, other, checks, rng.choice(keys))
                assert answer.status_code != 422, answer.text
                statuses.append(answer.status_code)
                clock.now += dt.timedelta(minutes=rng.randint(0, 90))
        return str(
            _same(one, other, [STREET_FAIR], seeded.scheduler).json()["decisions"][0]["outcome"]
        )

    outcomes = across_an_override(one, other, seeded.clerk, rounds)

    assert outcomes == ("refer", "allow", "refer")
    assert set(statuses) == {200, 404}  # an unknown account fails its batch both ways
    assert len(one.app.state.services.checks) > 0  # type: ignore[attr-defined]


def _counting_decide(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The accounts `app.api.batch` decides for, as it calls `decide`."""
    decided: list[str] = []
    original = batch.decide

    def counting(account_id: str, *args: Any, **kwargs: Any) -> Any:
        decided.append(account_id)
        return original(account_id, *args, **kwargs)

    monkeypatch.setattr(batch, "decide", counting)
    return decided


def test_a_check_asked_again_is_not_decided_again_but_now_and_texts_are(
    apps: tuple[TestClient, TestClient], seeded: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, other = apps
    named = [{"account_id": a, "at": INSTANTS[2], "category": "general"} for a in ACCOUNTS]
    now = [{"account_id": ACCOUNTS[0]}]
    texts = [{**named[0], "text": "Bins are collected on Tuesday."}]
    _same(one, other, named + now + texts, seeded.viewer)
    decided = _counting_decide(monkeypatch)

    again = [_same(one, other, named + now + texts, seeded.viewer) for _ in range(2)]

    # each time: "now" by decide in both apps; all three named checks only in the app that forgets
    assert decided == [ACCOUNTS[0], *ACCOUNTS, ACCOUNTS[0]] * 2
    assert len({d["decision_id"] for a in again for d in a.json()["decisions"]}) == 10
    assert len(one.app.state.services.checks) == 3  # type: ignore[attr-defined]


def test_a_decision_relying_on_an_override_is_decided_and_audited_every_time(
    apps: tuple[TestClient, TestClient], seeded: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, other = apps
    granted = one.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
    assert granted.status_code == 201, granted.text
    other.app.state.services.cache.refresh()  # type: ignore[attr-defined]
    decided = _counting_decide(monkeypatch)

    answers = [_same(one, other, [STREET_FAIR], seeded.scheduler) for _ in range(3)]

    assert decided == [ACCOUNTS[0]] * 6  # both apps, every time
    assert [a.json()["decisions"][0]["override_use_recorded"] for a in answers] == [True] * 3
    assert len(one.app.state.services.checks) == 0  # type: ignore[attr-defined]


def test_the_memo_forgets_rather_than_grows(
    apps: tuple[TestClient, TestClient], seeded: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client asking about ever new instants costs the long way, never memory."""
    monkeypatch.setattr(check_memo, "MAX_CHECKS", 30)
    one, other = apps
    start = dt.datetime(2029, 4, 1, tzinfo=UTC)
    for step in range(12):
        checks = [
            {
                "account_id": ACCOUNTS[0],
                "at": (start + dt.timedelta(minutes=7 * (step * 9 + i))).isoformat(),
            }
            for i in range(9)
        ]
        for _ in range(2):
            _same(one, other, checks, seeded.scheduler)
            assert len(one.app.state.services.checks) <= 30  # type: ignore[attr-defined]


def test_what_is_remembered_does_not_keep_a_replaced_snapshot_alive(
    apps: tuple[TestClient, TestClient], seeded: Keys
) -> None:
    one, _ = apps
    services = one.app.state.services  # type: ignore[attr-defined]
    checks = [{"account_id": ACCOUNTS[0], "at": INSTANTS[2]}]
    assert (
        one.post("/v1/decisions", json={"checks": checks}, headers=auth(seeded.viewer)).status_code
        == 200
    )
    assert len(services.checks) == 1
    old = weakref.ref(services.cache.snapshot("redruth"))
    granted = one.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
    assert granted.status_code == 201, granted.text
    gc.collect()

    assert old() is None
    asked = one.post("/v1/decisions", json={"checks": checks}, headers=auth(seeded.viewer))
    assert asked.status_code == 200
    assert len(services.checks) == 1  # the replaced snapshot's check is forgotten, this one kept


def test_another_councils_key_is_not_answered_from_redruths_memo(
    penryn: tuple[TestClient, str],  # noqa: F811 - the fixture imported above
    seeded: Keys,
) -> None:
    client, penryn_clerk = penryn
    checks = {"checks": [{"account_id": ACCOUNTS[0], "at": INSTANTS[2]}]}
    ours = [client.post("/v1/decisions", json=checks, headers=auth(seeded.clerk)) for _ in range(2)]
    theirs = client.post("/v1/decisions", json=checks, headers=auth(penryn_clerk))

    assert [a.status_code for a in ours] == [200, 200]
    assert theirs.status_code == 404, theirs.text
    assert theirs.headers["content-type"] == "application/problem+json"
