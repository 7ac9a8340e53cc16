"""
A server holding many councils is ready before their snapshots are built: each is built in
the background or by the first request that needs it, answers exactly as if it had been
built at start, and fails closed if it cannot be built.
"""

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api.deps import Services
from app.config import Settings
from app.domain import UTC, Category, Decision, Policy, decide
from app.main import create_app
from app.services.feeds import ensure_feed_events
from app.services.keys import create_key
from app.services.windows import add_manual_window
from app.store.keys import Role
from app.store.policy_registry import PolicyRegistry
from app.store.snapshots import SnapshotCache
from app.store.unit_of_work import Actor, UnitOfWork
from bench.scale import generate, write_policy_files
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import Clock, auth

COUNCILS = 250
# Inside the restricted period of the local and parish polls of 1 May 2025, and a quiet day.
IN_PERIOD = dt.datetime(2025, 4, 10, 11, 0, tzinfo=UTC)
QUIET = dt.datetime(2027, 1, 12, 12, 0, tzinfo=UTC)


@dataclass
class Many:
    client: TestClient
    services: Services
    folder: Path
    policies: dict[str, Policy]
    keys: dict[str, str]  # a scheduler key of a few councils

    def check(self, council: str, at: dt.datetime) -> dict[str, object]:
        account = self.policies[council].accounts[0].account_id
        answer = self.client.get(
            f"/v1/accounts/{account}/can-publish",
            params={"at": at.isoformat()},
            headers=auth(self.keys[council]),
        )
        return {"status": answer.status_code, **answer.json()}


@pytest.fixture
def many(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[Many]:
    """Redruth and 300 generated councils, each with its own policy file, none built yet."""
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", folder)
    policies = generate(engine, COUNCILS)
    write_policy_files(policies, folder, engine)
    # as a server finds a deployment after its first start (a first start publishes the
    # feeds, one write, and so one build, per council)
    ensure_feed_events(UnitOfWork(engine), Actor("tests", "system"), SEEDED_AT)
    keys = {
        council: create_key(UnitOfWork(engine), council, Actor("tests", "operator"),
            role=Role.SCHEDULER, name="tests", now=SEEDED_AT).key
        for council in ("council-0", "council-7", "council-249")
    }  # fmt: skip
    (folder / "council-7.yaml").write_text("organisation: [", encoding="utf-8")  # broken
    settings = Settings(
        database_url=database_url, policy_dir=folder, calendar_dir=ROOT / "calendars",
        gc_freeze=False,
    )  # fmt: skip
    # the start a server makes, without its background tasks: the test builds or asks
    app = create_app(
        settings, engine=engine, clock=clock, refresh_in_background=False, defer_snapshots=True
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Many(client, app.state.services, folder, policies, keys)


def test_ready_before_any_snapshot_is_built(many: Many) -> None:
    ready = many.client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json()["organisations"] == COUNCILS + 1
    assert ready.json()["organisations_pending"] == COUNCILS + 1
    assert many.services.policies.entry("council-0") is None  # no policy file parsed yet


def test_every_council_answers_as_if_built_at_start(many: Many, engine: Engine) -> None:
    """On demand, each council's snapshot is the one a full build at start makes."""
    eager = SnapshotCache(engine, PolicyRegistry(many.folder).policy_for, max_age=60)
    assert eager.refresh()
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    for council, policy in many.policies.items():
        if council == "council-7":
            continue
        built = many.services.cache.snapshot(council)  # built now, on demand
        for account in policy.accounts:
            for at in (IN_PERIOD, QUIET):
                ours = decide(account.account_id, at, Category.GENERAL, built, now=now)
                theirs = decide(
                    account.account_id, at, Category.GENERAL, eager.snapshot(council), now=now
                )
                assert _same(ours) == _same(theirs), (council, account.account_id, at)
    assert many.services.cache.pending() == 2  # Redruth and the broken council-7: not asked


def _same(decision: Decision) -> object:
    """A decision but its id: window ids and the order of elections included."""
    return (
        decision.outcome,
        decision.reasons,
        decision.windows,
        decision.valid_until,
        decision.data_version,
    )


def test_a_council_not_built_answers_over_http(many: Many) -> None:
    in_period = many.check("council-0", IN_PERIOD)
    quiet = many.check("council-249", QUIET)

    assert (in_period["status"], in_period["outcome"]) == (200, "deny")
    assert (quiet["status"], quiet["outcome"]) == (200, "allow")
    assert many.services.cache.pending() == COUNCILS - 1  # only those two were built


def test_a_council_whose_policy_is_broken_fails_closed_when_first_asked(many: Many) -> None:
    answer = many.check("council-7", QUIET)
    ready = many.client.get("/readyz")

    assert answer["status"] == 503
    assert answer["allowed"] is False
    assert answer["outcome"] == "deny"
    assert "policy of 'council-7' cannot be read" in str(answer["detail"])
    assert ready.status_code == 200  # one council's file does not make the service unready
    assert ready.json()["policies_unusable"] == 1
    assert many.check("council-0", QUIET)["outcome"] == "allow"  # the others answer


def test_a_broken_council_fails_closed_after_the_background_build(many: Many) -> None:
    while many.services.cache.build_pending(16):
        pass
    answer = many.check("council-7", QUIET)

    assert many.services.cache.pending() == 0
    assert many.services.cache.policy_problems().keys() == {"council-7"}
    assert (answer["status"], answer["allowed"]) == (503, False)
    assert many.check("council-249", IN_PERIOD)["outcome"] == "deny"


def test_a_write_to_a_council_not_built_is_seen(many: Many, engine: Engine) -> None:
    policy = many.policies["council-0"]
    add_manual_window(UnitOfWork(engine, on_commit=many.services.cache.refresh), policy,
        Actor("tests", "clerk"), starts_at=QUIET - dt.timedelta(days=1),
        ends_at=QUIET + dt.timedelta(days=1), reason="tests", account_ids=None, now=SEEDED_AT,
    )  # fmt: skip

    assert many.services.cache.pending() == COUNCILS  # council-0 built; the others wait
    assert many.check("council-0", QUIET)["outcome"] == "deny"
    assert many.check("council-249", QUIET)["outcome"] == "allow"  # its key still known


def test_a_write_by_another_replica_to_a_council_not_built_is_seen(
    many: Many, engine: Engine
) -> None:
    """The poll keeps the council pending, its keys read again; its first request reads it."""
    policy = many.policies["council-249"]
    add_manual_window(UnitOfWork(engine), policy, Actor("tests", "clerk"),
        starts_at=QUIET - dt.timedelta(days=1), ends_at=QUIET + dt.timedelta(days=1),
        reason="tests", account_ids=None, now=SEEDED_AT,
    )  # fmt: skip
    many.keys["council-249"] = create_key(UnitOfWork(engine), "council-249",
        Actor("tests", "operator"), role=Role.SCHEDULER, name="new", now=SEEDED_AT).key  # fmt: skip
    assert many.services.cache.refresh()  # the poll

    assert many.services.cache.pending() == COUNCILS + 1
    assert many.check("council-249", QUIET)["outcome"] == "deny"  # with the new key


def test_a_council_not_built_has_its_policy_read_when_asked(many: Many) -> None:
    policy = many.client.get("/v1/policy", headers=auth(many.keys["council-0"]))

    assert policy.status_code == 200, policy.text
    assert policy.json()["organisation_id"] == "council-0"
