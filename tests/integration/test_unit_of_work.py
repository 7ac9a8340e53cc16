"""The unit of work: after commit it runs its hook (the snapshot refresh); after a rollback, never."""

import datetime as dt

import pytest
from sqlalchemy import Engine

from app.domain import UTC
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.errors import InvalidChange
from app.store.snapshots import SnapshotCache
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
CLERK = Actor("Town Clerk", "clerk")
NOW = dt.datetime(2029, 1, 10, 9, 0, tzinfo=UTC)


def _window(uow: UnitOfWork, reason: str) -> str:
    return add_manual_window(
        uow, POLICY, CLERK, starts_at=NOW, ends_at=NOW + dt.timedelta(days=1), reason=reason,
        account_ids=None, now=NOW,
    ).id  # fmt: skip


def test_a_committed_write_calls_the_hook_with_its_organisation(
    engine: Engine, seeded: Keys
) -> None:
    committed: list[str] = []

    _window(UnitOfWork(engine, on_commit=committed.append), "under review")

    assert committed == ["redruth"]


def test_a_write_that_fails_calls_no_hook(engine: Engine, seeded: Keys) -> None:
    committed: list[str] = []

    with pytest.raises(InvalidChange):
        _window(UnitOfWork(engine, on_commit=committed.append), " ")

    assert committed == []


def test_an_audit_only_write_calls_no_hook(engine: Engine, seeded: Keys) -> None:
    committed: list[str] = []
    uow = UnitOfWork(engine, on_commit=committed.append)

    with uow.write("redruth", CLERK, now=NOW, bump=False) as change:
        change.audit("test.note", "redruth")

    assert committed == []


def test_the_snapshot_shows_a_write_as_soon_as_it_returns(engine: Engine, seeded: Keys) -> None:
    """The API's wiring: the cache's refresh as the hook, so no route refreshes by hand."""
    cache = SnapshotCache(engine, lambda _row: POLICY, max_age=30)
    assert cache.refresh()
    uow = UnitOfWork(engine, on_commit=cache.refresh)

    window_id = _window(uow, "under review")

    assert any(window_id in w.manual_window_ids for w in cache.snapshot("redruth").windows)
