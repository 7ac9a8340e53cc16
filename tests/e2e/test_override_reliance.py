"""
Decisions that rely on an override are audited once per planned post, only for keys that
publish, and at most PURDAH_OVERRIDE_USE_LIMIT new ones per key a minute (issue 13, item 5).
"""

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app.config import Settings
from app.main import create_app
from app.services.reliance import record_override_use
from app.store.errors import OverrideUseLimit
from app.store.tables import AuditEventRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

from .conftest import STREET_FAIR_OVERRIDE, Clock, auth

TOWN = "facebook-redruthtowncouncil"
CAN_PUBLISH = f"/v1/accounts/{TOWN}/can-publish"
# Reference election: local.cornwall.2029-05-03, notice by 27 March 2029 (statutory), close of
# poll 22:00 on 3 May 2029: 9-12 April 2029 is inside its restricted period.
INSIDE_2029 = "2029-04-10T12:00:00+01:00"


def _at(minute: int) -> str:
    """A planned time inside the override, `minute` minutes after 10:00 on 10 April 2029."""
    when = dt.datetime.fromisoformat("2029-04-10T10:00:00+01:00") + dt.timedelta(minutes=minute)
    return when.isoformat()


def _batch(minutes: range) -> dict[str, object]:
    return {"checks": [{"account_id": TOWN, "at": _at(m), "category": "event"} for m in minutes]}


def _recorded(engine: Engine) -> int:
    with Session(engine) as session:
        return int(
            session.execute(
                select(func.count()).where(col(AuditEventRow.action) == "decision.override")
            ).scalar_one()
        )


def _app(engine: Engine, database_url: str, clock: Clock, **settings: object) -> FastAPI:
    chosen = Settings(database_url=database_url, policy_dir=ROOT / "policies", **settings)  # type: ignore[arg-type]
    return create_app(chosen, engine=engine, clock=clock, refresh_in_background=False)


@pytest.fixture
def granted(client: TestClient, seeded: Keys) -> str:
    response = client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
    assert response.status_code == 201, response.text
    return str(response.json()["override_id"])


@pytest.fixture
def limited(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> Iterator[tuple[TestClient, Clock]]:
    """A client of an app whose keys may each record 3 override uses a minute; one override."""
    app = _app(engine, database_url, clock, override_use_limit=3)
    with TestClient(app, raise_server_exceptions=False) as client:
        granted = client.post(
            "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
        )
        assert granted.status_code == 201, granted.text
        yield client, clock


def test_checking_one_planned_post_again_records_its_reliance_once(
    client: TestClient, seeded: Keys, engine: Engine, granted: str
) -> None:
    """The same post, asked three ways (twice in one batch, once in London and once in UTC)."""
    params = {"at": INSIDE_2029, "category": "event"}
    first = client.get(CAN_PUBLISH, params=params, headers=auth(seeded.scheduler))
    again = client.get(CAN_PUBLISH, params=params, headers=auth(seeded.clerk))
    check = {"account_id": TOWN, "at": "2029-04-10T11:00:00Z", "category": "event"}
    batch = client.post(
        "/v1/decisions", json={"checks": [check, check]}, headers=auth(seeded.scheduler)
    )

    assert [first.status_code, again.status_code, batch.status_code] == [200, 200, 200]
    assert first.json()["override_use_recorded"] is True
    assert [d["override_use_recorded"] for d in batch.json()["decisions"]] == [True, True]
    assert _recorded(engine) == 1
    events = client.get(
        "/v1/audit", params={"action": "decision.override"}, headers=auth(seeded.auditor)
    ).json()["events"]
    assert [e["after"]["decision_id"] for e in events] == [first.json()["decision_id"]]


@pytest.mark.parametrize(
    ("role", "recorded", "events"),
    [("scheduler", True, 2), ("clerk", True, 2), ("viewer", False, 0), ("auditor", False, 0)],
    ids=["scheduler-recorded", "clerk-recorded", "viewer-not-recorded", "auditor-not-recorded"],
)
def test_only_the_roles_that_publish_have_their_reliance_recorded_and_the_answer_says_so(
    client: TestClient,
    seeded: Keys,
    engine: Engine,
    granted: str,
    role: str,
    recorded: bool,
    events: int,
) -> None:
    single = client.get(
        CAN_PUBLISH, params={"at": _at(0), "category": "event"}, headers=auth(seeded.of(role))
    )
    batch = client.post("/v1/decisions", json=_batch(range(1, 2)), headers=auth(seeded.of(role)))

    assert single.json()["outcome"] == "allow"
    assert single.json()["reasons"][0]["override_id"] == granted
    assert single.json()["override_use_recorded"] is recorded
    assert batch.json()["decisions"][0]["override_use_recorded"] is recorded
    assert _recorded(engine) == events


def test_a_decision_that_relies_on_no_override_says_nothing_was_to_be_recorded(
    client: TestClient, seeded: Keys
) -> None:
    response = client.get(CAN_PUBLISH, params={"at": INSIDE_2029}, headers=auth(seeded.viewer))

    assert response.json()["outcome"] == "deny"
    assert response.json()["override_use_recorded"] is None


@pytest.mark.parametrize("role", ["scheduler", "viewer"], ids=["scheduler", "viewer"])
def test_the_fast_path_and_the_documented_route_give_the_same_answer(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, role: str
) -> None:
    """The route answers when the app runs without the fast path middleware."""
    app, plain = _app(engine, database_url, clock), _app(engine, database_url, clock)
    plain.fast_path = False
    params = {"at": INSIDE_2029, "category": "event"}
    with TestClient(app) as fast:
        fast.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
        by_fast_path = fast.get(CAN_PUBLISH, params=params, headers=auth(seeded.of(role)))
    with TestClient(plain) as routed:  # started after the grant, so its snapshot holds it
        by_route = routed.get(CAN_PUBLISH, params=params, headers=auth(seeded.of(role)))

    assert by_fast_path.status_code == by_route.status_code == 200
    assert {**by_fast_path.json(), "decision_id": ""} == {**by_route.json(), "decision_id": ""}
    assert by_fast_path.headers["etag"] == by_route.headers["etag"]
    assert by_route.json()["override_use_recorded"] is (role == "scheduler")


def test_a_key_past_its_limit_of_recorded_reliances_a_minute_gets_429_with_retry_after(
    limited: tuple[TestClient, Clock], seeded: Keys, engine: Engine
) -> None:
    client, clock = limited
    key = auth(seeded.scheduler)
    too_big = client.post("/v1/decisions", json=_batch(range(4)), headers=key)
    filled = client.post("/v1/decisions", json=_batch(range(3)), headers=key)
    clock.now += dt.timedelta(seconds=20)
    one_more = client.get(CAN_PUBLISH, params={"at": _at(3), "category": "event"}, headers=key)
    same_again = client.post("/v1/decisions", json=_batch(range(3)), headers=key)
    other_key = client.get(
        CAN_PUBLISH, params={"at": _at(3), "category": "event"}, headers=auth(seeded.clerk)
    )
    clock.now += dt.timedelta(seconds=41)
    a_minute_later = client.get(
        CAN_PUBLISH, params={"at": _at(4), "category": "event"}, headers=key
    )

    assert too_big.status_code == 429
    assert "at most 3 a minute" in too_big.json()["detail"]
    assert filled.status_code == 200
    assert one_more.status_code == 429
    assert one_more.json()["type"] == "/problems/too-many-requests"
    assert one_more.headers["retry-after"] == "40"  # the first three leave the minute at 60 s
    assert same_again.status_code == 200  # already recorded: nothing new to count
    assert other_key.status_code == 200  # the limit is per key
    assert a_minute_later.status_code == 200
    assert _recorded(engine) == 5


def test_a_reliance_recorded_by_one_process_is_not_recorded_again_by_another(
    engine: Engine, seeded: Keys, granted: str, clock: Clock
) -> None:
    """Two threads standing for two workers (no shared memory): one event, whoever wins."""
    use = {
        "override_id": granted,
        "decision_id": "0" * 32,
        "account_id": TOWN,
        "category": "event",
        "at": INSIDE_2029,
    }

    def record(name: str) -> int:
        return record_override_use(
            UnitOfWork(engine), "redruth", Actor(name, "scheduler"), [use],
            key_id=name, limit=10, now=clock.now,
        )  # fmt: skip

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(record, ["worker-1", "worker-2"]))

    assert sorted(counts) == [0, 1]
    assert _recorded(engine) == 1


def test_the_store_refuses_a_key_past_its_limit_and_records_nothing(
    engine: Engine, seeded: Keys, granted: str, clock: Clock
) -> None:
    uses = [
        {"override_id": granted, "decision_id": str(m), "account_id": TOWN,
         "category": "event", "at": _at(m)}
        for m in range(3)
    ]  # fmt: skip

    with pytest.raises(OverrideUseLimit) as refused:
        record_override_use(
            UnitOfWork(engine),
            "redruth",
            Actor("t", "scheduler"),
            uses,
            key_id="k",
            limit=2,
            now=clock.now,
        )

    assert refused.value.retry_after == 60
    assert _recorded(engine) == 0
