"""
A change to one council rebuilds only that council's snapshot, and never blocks decisions:
the old snapshot answers until the new one is swapped in, and other councils are untouched.
"""

import datetime as dt
import threading
import time

from sqlalchemy import Engine

from app.calendars import read_shipped_calendars
from app.domain import UTC, Category, decide
from app.services.organisations import seed
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.snapshots import SnapshotCache
from app.store.tables import OrganisationRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

REDRUTH = load_policy(ROOT / "policies" / "redruth.yaml")
PENRYN = load_policy(ROOT / "tests" / "data" / "policies" / "penryn.yaml")
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
AT = dt.datetime(2027, 6, 3, 12, 0, tzinfo=UTC)


def test_a_rebuild_blocks_no_decision_and_touches_no_other_council(
    engine: Engine, seeded: Keys
) -> None:
    seed(
        UnitOfWork(engine),
        PENRYN,
        read_shipped_calendars(ROOT / "calendars"),
        policy_file="penryn.yaml",
        now=NOW,
    )
    building = threading.Event()
    release = threading.Event()
    hold = {"on": False}

    def policy_for(row: OrganisationRow):  # type: ignore[no-untyped-def]
        if hold["on"] and row.id == "redruth":
            building.set()
            assert release.wait(30)  # the rebuild stalls here, half done
        return REDRUTH if row.id == "redruth" else PENRYN

    cache = SnapshotCache(engine, policy_for, max_age=60)
    assert cache.refresh()
    old_redruth, old_penryn = cache.snapshot("redruth"), cache.snapshot("penryn")
    add_manual_window(UnitOfWork(engine), REDRUTH, Actor("tests", "clerk"), starts_at=AT - dt.timedelta(days=1),
        ends_at=AT + dt.timedelta(days=1), reason="review", account_ids=None, now=NOW,
    )  # fmt: skip
    hold["on"] = True
    rebuild = threading.Thread(target=cache.refresh, args=("redruth",))
    rebuild.start()
    assert building.wait(10)

    began = time.perf_counter()
    during_redruth = cache.snapshot("redruth")
    during_penryn = cache.snapshot("penryn")
    answer = decide("facebook-redruthtowncouncil", AT, Category.GENERAL, during_redruth, now=NOW)
    waited = time.perf_counter() - began
    release.set()
    rebuild.join(10)
    after = cache.snapshot("redruth")

    assert waited < 0.05  # answered while the rebuild was stalled
    assert during_redruth is old_redruth  # the old snapshot served
    assert answer.outcome.value == "allow"  # as it stood before the write
    assert during_penryn is old_penryn
    assert after.data_version > old_redruth.data_version  # then the new one was swapped in
    assert (
        decide("facebook-redruthtowncouncil", AT, Category.GENERAL, after, now=NOW).outcome.value
        == "deny"
    )
    assert cache.snapshot("penryn") is old_penryn  # the other council was never rebuilt
    assert cache.key(seeded.clerk.split("_")[1]) is not None  # nor its keys dropped
