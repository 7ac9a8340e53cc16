"""
can-publish by POST answered from the answer memo (`fast_answers._serve_post_remembered`, issue
18): a question (account, instant, category) asked again, with a text that adds nothing to its
answer, is the documented route's answer, as the Clerk writes and as keys are revoked; a text
that adds a reason, or a question asked once, is answered the long way.

Each request goes to an app with the fast path and to one that routes can-publish to the
documented route, on one database and one clock (tests/e2e/test_answer_memo.py).
"""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api import answer_memo, fast_answers
from app.domain import UTC
from app.store.keys import parse_key
from tests.conftest import Keys

from .conftest import Clock, auth
from .test_answer_memo import PATH, _same, across_an_override
from .test_fast_path_equivalence import both_ways

INSIDE = "2029-04-10T10:00:00+01:00"  # inside the 2029 window, under the street fair override
NEUTRAL = "The library opens at 9am on Saturday."
APPEAL = "Polls open at 7am on 1 May: vote for a greener Redruth!"
NAMED = "Morwenna Pascoe will open the library on Saturday."


def _post(by_fast: TestClient, by_route: TestClient, key: str, body: dict[str, str]):  # type: ignore[no-untyped-def]
    return _same(by_fast, by_route, method="POST", url=PATH, json=body, headers=auth(key))


def test_a_post_asked_again_is_answered_from_the_memo_as_the_route_answers(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, routed = both_ways(engine, database_url, clock)
    body = {"at": INSIDE, "category": "event", "text": NEUTRAL}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        answers = [_post(by_fast, by_route, seeded.scheduler, body) for _ in range(2)]
        [question] = fast.state.services.answers._posts.values()
        remembered = list(question.answers.values())  # asked again: remembered
        answers.append(_post(by_fast, by_route, seeded.scheduler, body))

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.json()["decision_id"] for a in answers}) == 3  # each its own id
    [again] = question.answers.values()
    assert remembered == [again]
    assert again is remembered[0]  # the third answered from the memo, not worked out again
    assert answers[-1].headers["cache-control"] == "no-store"
    assert "etag" not in answers[-1].headers


def test_a_text_that_adds_a_reason_is_answered_the_long_way(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, routed = both_ways(engine, database_url, clock)
    neutral = {"at": INSIDE, "category": "service-information", "text": NEUTRAL}
    appeal = {**neutral, "text": APPEAL}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        outcomes = [
            _post(by_fast, by_route, seeded.viewer, body).json()["outcome"]
            for body in (neutral, neutral, appeal, appeal, neutral)
        ]

    assert outcomes == ["allow", "allow", "refer", "refer", "allow"]


def test_a_write_is_answered_at_once_not_from_the_remembered_post(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """An override granted, then revoked: the answers to a post asked again change with each."""
    fast, routed = both_ways(engine, database_url, clock)
    body = {"at": INSIDE, "category": "event", "text": NEUTRAL}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:

        def outcome() -> str:
            answers = [_post(by_fast, by_route, seeded.viewer, body) for _ in range(3)]
            return str(answers[-1].json()["outcome"])

        outcomes = across_an_override(by_fast, by_route, seeded.clerk, outcome)
    assert outcomes == ("refer", "allow", "refer")


def test_one_instant_written_with_two_offsets_is_one_question_answered_alike(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, routed = both_ways(engine, database_url, clock)
    in_bst = {"at": INSIDE, "category": "event", "text": NEUTRAL}
    in_utc = {**in_bst, "at": "2029-04-10T09:00:00Z"}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        answers = [_post(by_fast, by_route, seeded.scheduler, b) for b in (in_bst, in_utc) * 2]

    assert len(fast.state.services.answers._posts) == 1
    assert {a.json()["at"] for a in answers} == {INSIDE}


def test_a_revoked_key_is_refused_though_its_post_was_remembered(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    fast, _ = both_ways(engine, database_url, clock)
    body = {"at": INSIDE, "category": "event", "text": NEUTRAL}
    with TestClient(fast) as client:
        remembered = [client.post(PATH, json=body, headers=auth(seeded.auditor)) for _ in range(2)]
        key_id = str(parse_key(seeded.auditor)[0])  # type: ignore[index]
        revoked = client.post(
            f"/v1/keys/{key_id}/revoke", json={"reason": "left"}, headers=auth(seeded.clerk)
        )
        assert revoked.status_code == 200, revoked.text
        refused = client.post(PATH, json=body, headers=auth(seeded.auditor))

    assert [r.status_code for r in remembered] == [200, 200]
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


def test_posts_about_ever_new_instants_cost_no_memory(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer_memo, "MAX_REQUESTS", 50)
    fast, routed = both_ways(engine, database_url, clock)
    memo = fast.state.services.answers
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        for minute in range(200):
            at = dt.datetime(2029, 4, 1, tzinfo=UTC) + dt.timedelta(minutes=7 * minute)
            body = {"at": at.isoformat(), "category": "event", "text": NEUTRAL}
            _post(by_fast, by_route, seeded.scheduler, body)
            assert len(memo._posts) <= 50


def test_a_post_checked_again_is_not_screened_again(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its text was screened against this very decision and snapshot, and added nothing."""
    screened: list[str] = []
    original = fast_answers.post_decision

    def counting(decision: Any, snapshot: Any, *, text: str | None, request_id: str | None) -> Any:
        screened.append(str(text))
        return original(decision, snapshot, text=text, request_id=request_id)

    monkeypatch.setattr(fast_answers, "post_decision", counting)
    fast, routed = both_ways(engine, database_url, clock)
    neutral = {"at": INSIDE, "category": "event", "text": NEUTRAL}
    appeal = {**neutral, "text": APPEAL}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        answers = [_post(by_fast, by_route, seeded.scheduler, neutral) for _ in range(5)]
        appeals = [_post(by_fast, by_route, seeded.scheduler, appeal) for _ in range(3)]

    # the first ask goes the long way; the second is screened and remembered; then not again.
    # A text that adds a reason is screened (and answered the long way) every time.
    assert screened == [NEUTRAL, APPEAL, APPEAL, APPEAL]
    assert {a.json()["outcome"] for a in answers} == {"refer"}
    assert {"ELECTORAL_APPEAL"} <= {r["code"] for r in appeals[-1].json()["reasons"]}


def test_a_text_remembered_as_adding_nothing_is_screened_again_after_a_write(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """A candidate added by the Clerk: the same post, checked again, now names a candidate."""
    fast, routed = both_ways(engine, database_url, clock)
    body = {"at": INSIDE, "category": "service-information", "text": NAMED}
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        before = [_post(by_fast, by_route, seeded.scheduler, body) for _ in range(3)]
        added = by_fast.post(
            "/v1/candidates",
            json={"election_id": "parish.redruth.2029-05-03", "name": "Morwenna Pascoe"},
            headers=auth(seeded.clerk),
        )
        assert added.status_code == 201, added.text
        by_route.app.state.services.cache.refresh()  # type: ignore[attr-defined]
        after = [_post(by_fast, by_route, seeded.scheduler, body) for _ in range(3)]

    assert {a.json()["outcome"] for a in before} == {"allow"}
    assert {a.json()["outcome"] for a in after} == {"refer"}
    assert "CANDIDATE_MENTIONED" in {r["code"] for r in after[-1].json()["reasons"]}
