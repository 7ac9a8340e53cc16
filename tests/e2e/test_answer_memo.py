"""
can-publish answers remembered by the fast path (`app.api.answer_memo`, issue 18) are the
documented route's answers, as time passes and as the Clerk writes, and never outlive what
they were worked out from: a revoked key, a revoked override, a new snapshot, a boundary.

Each request goes to an app that answers from the memo and to one that routes can-publish to
the documented route (no memo), on one database and one clock; answers are compared after
canonicalisation (tests/e2e/test_fast_path_equivalence.py).
"""

import datetime as dt
import gc
import random
import weakref
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api import answer_memo
from app.domain import UTC
from app.store.keys import parse_key
from tests.conftest import Keys

from .conftest import STREET_FAIR_OVERRIDE, Clock, auth
from .test_fast_path_equivalence import _canonical, both_ways
from .test_request_decisions import penryn  # noqa: F401 - fixture: Redruth and Penryn

ACCOUNT = "facebook-redruthtowncouncil"
PATH = f"/v1/accounts/{ACCOUNT}/can-publish"


def _same(by_fast: TestClient, by_route: TestClient, **request: object):  # type: ignore[no-untyped-def]
    one, other = by_fast.request(**request), by_route.request(**request)  # type: ignore[arg-type]
    assert _canonical(one) == _canonical(other), request
    return one


def test_answers_for_now_follow_the_clock_across_every_boundary(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """
    "Now" questions asked again and again while the clock moves forward through the 2029
    elections' warning, window and the street fair override: each answer is the route's, and
    the answers change where the route's do (the memo holds none past its `valid_until`).
    """
    fast, routed = both_ways(engine, database_url, clock)
    rng = random.Random(2029)
    clock.now = dt.datetime(2029, 2, 1, 12, tzinfo=UTC)
    seen: set[tuple[str, str]] = set()
    etags: dict[tuple[str, str], str] = {}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        granted = by_fast.post(
            "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
        )
        assert granted.status_code == 201, granted.text
        by_route.app.state.services.cache.refresh()  # type: ignore[attr-defined]
        rounds = 0
        while clock.now < dt.datetime(2029, 5, 10, tzinfo=UTC):
            changes: list[dt.datetime] = []
            for category in ("general", "event"):
                for key in (seeded.viewer, seeded.auditor, seeded.scheduler):
                    headers = auth(key)
                    if (category, key) in etags and rng.random() < 0.5:
                        headers["If-None-Match"] = etags[(category, key)]
                    answer = _same(
                        by_fast, by_route, method="GET", url=PATH,
                        params={"category": category}, headers=headers,
                    )  # fmt: skip
                    assert answer.status_code in (200, 304), answer.text
                    etags[(category, key)] = answer.headers["etag"]
                    if answer.status_code == 200:
                        seen.add((category, answer.json()["outcome"]))
                        if answer.json()["valid_until"]:
                            changes.append(dt.datetime.fromisoformat(answer.json()["valid_until"]))
            # small steps (answers from the memo), a day or more, or to just before, at and
            # just after the next instant an answer said it would change
            change = min(changes, default=clock.now + dt.timedelta(days=1))
            rounds += 1
            if rounds % 3 == 0:
                step = rng.choice([1, 7, 59, 61, 600, 3_600, 86_400])
                clock.now += dt.timedelta(seconds=step * rng.random() + 1)
            else:  # 2 s before the change, then at it (or 1 s after)
                offset = -2 if rounds % 3 == 1 else rng.choice([0, 1])
                clock.now = max(clock.now, change + dt.timedelta(seconds=offset))
    # the walk went through the window (deny, refer) and the override (allow) and out again
    assert {
        ("general", "allow"),
        ("general", "deny"),
        ("event", "refer"),
        ("event", "allow"),
    } <= seen


def across_an_override(
    by_fast: TestClient, by_route: TestClient, clerk: str, outcome: Callable[[], str]
) -> tuple[str, str, str]:
    """`outcome()` before the street fair override, while it is granted, and once revoked."""
    before = outcome()
    granted = by_fast.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(clerk))
    assert granted.status_code == 201, granted.text
    by_route.app.state.services.cache.refresh()  # type: ignore[attr-defined]
    during = outcome()
    revoked = by_fast.post(
        f"/v1/overrides/{granted.json()['override_id']}/revoke",
        json={"reason": "fair cancelled"},
        headers=auth(clerk),
    )
    assert revoked.status_code == 200, revoked.text
    by_route.app.state.services.cache.refresh()  # type: ignore[attr-defined]
    return before, during, outcome()


def test_a_write_is_answered_at_once_not_from_the_memo(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """An override granted, then revoked: the remembered answers change with each write."""
    fast, routed = both_ways(engine, database_url, clock)
    question = {"at": "2029-04-10T10:00:00+01:00", "category": "event"}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:

        def outcome() -> str:
            answers = [
                _same(by_fast, by_route, method="GET", url=PATH, params=question,
                      headers=auth(seeded.viewer))
                for _ in range(3)
            ]  # fmt: skip
            assert len({a.json()["decision_id"] for a in answers}) == 3  # each its own id
            return str(answers[-1].json()["outcome"])

        outcomes = across_an_override(by_fast, by_route, seeded.clerk, outcome)
    assert outcomes == ("refer", "allow", "refer")


def test_a_revoked_or_mistyped_key_is_refused_though_it_was_remembered(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, _ = both_ways(engine, database_url, clock)
    with TestClient(fast) as client:
        assert client.get(PATH, headers=auth(seeded.auditor)).status_code == 200
        assert client.get(PATH, headers=auth(seeded.auditor)).status_code == 200
        # the same key id with another secret is not the remembered header
        wrong = seeded.auditor[:-1] + ("A" if seeded.auditor[-1] != "A" else "B")
        assert client.get(PATH, headers=auth(wrong)).status_code == 401
        key_id = str(parse_key(seeded.auditor)[0])  # type: ignore[index]
        revoked = client.post(
            f"/v1/keys/{key_id}/revoke", json={"reason": "left"}, headers=auth(seeded.clerk)
        )
        assert revoked.status_code == 200, revoked.text
        refused = client.get(PATH, headers=auth(seeded.auditor))
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_memo_forgets_rather_than_grows(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client asking about ever new instants costs the long way, never memory."""
    monkeypatch.setattr(answer_memo, "MAX_REQUESTS", 50)
    fast, routed = both_ways(engine, database_url, clock)
    memo = fast.state.services.answers
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        for minute in range(400):
            at = (
                dt.datetime(2029, 4, 1, tzinfo=UTC) + dt.timedelta(minutes=7 * minute)
            ).isoformat()
            _same(by_fast, by_route, method="GET", url=PATH, params={"at": at},
                  headers=auth(seeded.scheduler))  # fmt: skip
            assert len(memo._questions) <= 50


def test_a_remembered_answer_does_not_keep_a_replaced_snapshot_alive(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, _ = both_ways(engine, database_url, clock)
    services = fast.state.services
    with TestClient(fast) as client:
        for category in ("general", "event"):  # two questions remembered
            asked = client.get(PATH, params={"category": category}, headers=auth(seeded.viewer))
            assert asked.status_code == 200
        old = weakref.ref(services.cache.snapshot("redruth"))
        granted = client.post(
            "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
        )
        assert granted.status_code == 201, granted.text
        # one asked again after the write; the other is not
        asked = client.get(PATH, params={"category": "general"}, headers=auth(seeded.viewer))
        assert asked.status_code == 200
        gc.collect()
        assert services.cache.snapshot("redruth") is not None
    assert old() is None


def test_another_councils_key_is_not_answered_from_redruths_memo(
    penryn: tuple[TestClient, str],  # noqa: F811 - the fixture imported above
    seeded: Keys,
) -> None:
    """Redruth's answer, remembered, is never Penryn's: its key asks the long way, and gets 404."""
    client, penryn_clerk = penryn
    question = {"at": "2029-04-10T10:00:00+01:00", "category": "event"}
    ours = [client.get(PATH, params=question, headers=auth(seeded.clerk)) for _ in range(2)]
    theirs = client.get(PATH, params=question, headers=auth(penryn_clerk))
    text = {**question, "text": "Bins are collected on Tuesday."}
    posted = [client.post(PATH, json=text, headers=auth(k)) for k in (seeded.clerk, penryn_clerk)]

    assert [a.status_code for a in ours] == [200, 200]
    assert theirs.status_code == 404, theirs.text
    assert theirs.headers["content-type"] == "application/problem+json"
    assert [p.status_code for p in posted] == [200, 404]
