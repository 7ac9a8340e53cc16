"""
One app per test session, started afresh for each test (tests/e2e/conftest.py: `started`):
nothing one test did to the database or to the app's state reaches the next.
"""

import datetime as dt

from fastapi import FastAPI
from sqlalchemy import Engine

from app.config import Settings
from app.domain import UTC
from tests.conftest import ROOT, Keys, SeededRows

from .conftest import Clock, Ticker, auth, started

WINDOW = {
    "starts_at": "2026-11-20T00:00:00Z",
    "ends_at": "2026-12-20T00:00:00Z",
    "reason": "written by the first test",
}
CAN_PUBLISH = "/v1/accounts/facebook-redruthtowncouncil/can-publish"


def test_a_second_test_on_the_same_app_sees_nothing_of_the_first(
    engine: Engine,
    database_url: str,
    seeded_rows: tuple[Keys, SeededRows],
    apps: dict[tuple[str, Engine], FastAPI],
) -> None:
    keys, kept = seeded_rows
    settings = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    kept.restore()
    with started(apps, settings, engine, Clock(), Ticker()) as first:
        written = first.post("/v1/windows", json=WINDOW, headers=auth(keys.clerk))
        during = first.get(CAN_PUBLISH, headers=auth(keys.scheduler)).json()
        for _ in range(settings.auth_failure_limit + 1):  # trips the throttle for this address
            throttled = first.get(CAN_PUBLISH, headers=auth("purdah_nokey_nosecret"))
        first_services = first.app.state.services  # type: ignore[attr-defined]

    kept.restore()  # what `seeded` does before the next test
    later = Clock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    with started(apps, settings, engine, later, Ticker()) as second:
        after = second.get(CAN_PUBLISH, headers=auth(keys.scheduler))
        refused = second.get(CAN_PUBLISH, headers=auth("purdah_nokey_nosecret"))
        windows = second.get("/v1/windows", headers=auth(keys.clerk)).json()
        second_services = second.app.state.services  # type: ignore[attr-defined]

    assert written.status_code == 201, written.text
    assert during["allowed"] is False  # the first test's window was in force for it
    assert first.app is second.app  # one app ...
    assert second_services is not first_services  # ... with fresh state
    assert throttled.status_code == 429
    assert refused.status_code == 401  # a new throttle: the first test's failures are forgotten
    assert after.status_code == 200, after.text
    assert after.json()["allowed"] is True  # its window is gone, from database and snapshot
    assert after.json()["evaluated_at"].startswith("2026-11-25T12:00:00")  # its own clock
    assert not any("written by the first test" in str(w) for w in windows)
