"""
The can-publish fast path answers as the documented route does (issue 18): a few thousand
random requests, by GET (with and without If-None-Match), HEAD, and POST with a post's text,
good and bad (unknown accounts and categories, naive or malformed instants, bad keys, other media
types, repeated or unknown query parameters, bodies that do not validate), each sent to an app
that answers can-publish ahead of the framework and to one that routes it to the documented
route. Status, headers and body must be equal, after canonicalisation: header names in lower
case and sorted, JSON with sorted keys, and each decision's own random id blanked.
"""

import json
import random
from collections import Counter

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT, Keys

from .conftest import STREET_FAIR_OVERRIDE, Clock, auth

ACCOUNTS = (
    "facebook-redruthtowncouncil",
    "x-visitredruth",
    "facebook-mayorofredruth",
    "no-such-account",
    "Facebook-RedruthTownCouncil",
)
CATEGORIES = ("general", "event", "emergency", "consultation", "party_political", "nonsense")
INSTANTS = (
    "2029-04-10T10:00:00+01:00",  # inside the 2029 window, under the street fair override
    "2029-04-01T12:30:00Z",
    "2025-04-10T12:00:00+01:00",
    "2026-01-15T09:00:00+00:00",
    "2029-05-04T23:59:59+01:00",
    "2029-04-10T10:00:00",  # no offset: refused
    "yesterday",
    "",
)
TEXTS = (
    "Bins are collected on Tuesday this week.",
    "Jane Trevithick opened the new play park on Fore Street.",
    "Vote Labour! \u201cQuoted\u201d caf\u00e9 \U0001f5f3\ufe0f",
    "",
    "x" * 3000,
)


def _canonical(response) -> tuple[int, list[tuple[str, str]], object]:  # type: ignore[no-untyped-def]
    if response.request.method == "HEAD":
        assert response.content == b""
    headers = sorted((k.lower(), v) for k, v in response.headers.items())
    try:
        body: object = json.loads(response.content)
    except ValueError:
        return response.status_code, headers, response.content
    if isinstance(body, dict) and "decision_id" in body:
        body["decision_id"] = ""
    return response.status_code, headers, json.dumps(body, sort_keys=True)


def both_ways(engine: Engine, database_url: str, clock: Clock) -> tuple[FastAPI, FastAPI]:
    """
    Two apps on one database and one clock: one answers can-publish ahead of the framework,
    the other routes it to the documented route. Limits on failed keys and recorded
    reliances are lifted, so that thousands of requests are answered, not throttled.
    """
    settings = Settings(
        database_url=database_url,
        policy_dir=ROOT / "policies",
        override_use_limit=100_000,
        auth_failure_limit=100_000,
    )
    fast = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    routed = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    routed.fast_path = False
    return fast, routed


def _request(rng: random.Random, keys: Keys, etags: list[str]) -> dict[str, object]:
    key = rng.choice(
        [keys.clerk, keys.scheduler, keys.viewer, keys.auditor] * 6
        + ["pdh_000000000000_wrong", keys.viewer[:-1] + "x", "", "Basic abc"]
    )
    headers = {"Authorization": f"Bearer {key}"} if key and key != "Basic abc" else {}
    if key == "Basic abc":
        headers["Authorization"] = key
    account = rng.choice(ACCOUNTS)
    path = f"/v1/accounts/{account}/can-publish"
    if rng.random() < 0.5:
        params: list[tuple[str, str]] = []
        if rng.random() < 0.9:
            params.append(("at", rng.choice(INSTANTS)))
        if rng.random() < 0.7:
            params.append(("category", rng.choice(CATEGORIES)))
        if rng.random() < 0.05:
            params.append(("time", "2029-04-10T10:00:00Z"))
        if rng.random() < 0.03:
            params.append(("at", "2029-04-10T10:00:00Z"))
        if etags and rng.random() < 0.3:
            headers["If-None-Match"] = rng.choice(etags)
        method = "HEAD" if rng.random() < 0.1 else "GET"
        return {"method": method, "url": path, "params": params, "headers": headers}
    body: dict[str, object] = {}
    if rng.random() < 0.9:
        body["at"] = rng.choice(INSTANTS)
    if rng.random() < 0.8:
        body["category"] = rng.choice(CATEGORIES)
    if rng.random() < 0.9:
        body["text"] = rng.choice(TEXTS)
    if rng.random() < 0.05:
        body["colour"] = "blue"
    content = json.dumps(body).encode()
    headers["Content-Type"] = rng.choice(
        ["application/json"] * 8 + ["text/plain", "application/merge-patch+json"]
    )
    query = [("category", "event")] if rng.random() < 0.03 else []
    return {"method": "POST", "url": path, "params": query, "headers": headers, "content": content}


@pytest.mark.parametrize("seed", [18, 19])
def test_the_fast_path_answers_as_the_documented_route(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, seed: int
) -> None:
    fast, routed = both_ways(engine, database_url, clock)
    rng = random.Random(seed)
    kinds: Counter[tuple[str, int]] = Counter()
    with TestClient(fast) as by_fast, TestClient(routed) as by_route:
        granted = by_fast.post(
            "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
        )
        assert granted.status_code == 201, granted.text
        by_route.app.state.services.cache.refresh()  # type: ignore[attr-defined]
        etags = ["*", 'W/"0-0"']
        for _ in range(1500):
            request = _request(rng, seeded, etags)
            one, other = by_fast.request(**request), by_route.request(**request)  # type: ignore[arg-type]
            assert _canonical(one) == _canonical(other), request
            if "etag" in one.headers and len(etags) < 40:
                etags.append(one.headers["etag"])
            kinds[(str(request["method"]), one.status_code)] += 1
    # the requests reached every kind of answer, by each method
    assert {("GET", 200), ("GET", 304), ("POST", 200), ("GET", 404), ("POST", 404)} <= set(kinds)
    assert {("HEAD", 200), ("HEAD", 404)} <= set(kinds)
    assert {("GET", 401), ("POST", 401), ("GET", 422), ("POST", 422), ("POST", 415)} <= set(kinds)
