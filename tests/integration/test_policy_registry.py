"""
The policy registry and `reload_policies` (what `purdah policy reload` calls) against a real
database: a change is in force only once recorded and audited, a recorded change reaches
every process's snapshot, and an unusable file fails only its own organisation closed.
"""

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.calendars import read_shipped_calendars
from app.domain import UTC, Category, decide
from app.services.organisations import seed
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.errors import PolicyUnavailable
from app.store.policy_registry import PolicyRegistry, PolicyReload, reload_policies
from app.store.snapshots import SnapshotCache
from app.store.tables import AuditEventRow, OrganisationRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SERVER = Actor("purdah serve (policy file changed)", "system")
COMMAND = Actor("purdah policy reload", "operator")
ACCOUNT = "facebook-redruthtowncouncil"
# Three days before the latest notice of the Cornwall poll (Reference election:
# local.cornwall.2029-05-03, notice by 27 March 2029): outside the period with no margin.
BEFORE_NOTICE = dt.datetime(2029, 3, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A policy folder with Redruth's and Penryn's files."""
    shutil.copy(ROOT / "policies" / "redruth.yaml", tmp_path)
    shutil.copy(ROOT / "tests" / "data" / "policies" / "penryn.yaml", tmp_path)
    return tmp_path


def _margin(folder: Path, days: int) -> str:
    """Set Redruth's caution margin; return the file's new SHA-256."""
    path = folder / "redruth.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "caution_margin_days: 0", f"caution_margin_days: {days}"
        ),
        encoding="utf-8",
    )
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outcome(cache: SnapshotCache) -> str:
    snapshot = cache.snapshot("redruth")
    return decide(ACCOUNT, BEFORE_NOTICE, Category.GENERAL, snapshot, now=NOW).outcome.value


def _policy_events(engine: Engine) -> list[tuple[str, object, object]]:
    with Session(engine) as session:
        rows = session.execute(
            select(AuditEventRow.action, AuditEventRow.before, AuditEventRow.after)
            .where(col(AuditEventRow.action).startswith("policy."))
            .order_by(col(AuditEventRow.seq))
        ).all()
    return [(action, before, after) for action, before, after in rows]


def test_the_first_look_records_the_files_without_an_audit_event(
    engine: Engine, seeded: Keys, folder: Path
) -> None:
    changes = reload_policies(engine, PolicyRegistry(folder), COMMAND, now=NOW)

    with Session(engine) as session:
        recorded = session.get(OrganisationRow, "redruth").policy_sha256  # type: ignore[union-attr]
    assert changes == []
    assert recorded == _sha256(folder / "redruth.yaml")
    assert _policy_events(engine) == []


def test_a_reload_by_another_process_reaches_a_running_cache_on_its_next_poll(
    engine: Engine, seeded: Keys, folder: Path
) -> None:
    """`purdah policy reload` records the change; the server's next poll rebuilds with it."""
    server = PolicyRegistry(folder)
    cache = SnapshotCache(engine, server.policy_for, max_age=60)
    assert cache.refresh()
    reload_policies(engine, server, SERVER, now=NOW)
    old = _sha256(folder / "redruth.yaml")
    before = _outcome(cache)
    new = _margin(folder, 7)

    changes = reload_policies(engine, PolicyRegistry(folder), COMMAND, now=NOW)
    assert cache.refresh()

    assert before == "allow"
    assert changes == [PolicyReload("redruth", "redruth.yaml", old, new, None, audited=True)]
    assert _outcome(cache) == "deny"
    assert _policy_events(engine) == [
        (
            "policy.reloaded",
            {"policy_file": "redruth.yaml", "sha256": old},
            {"policy_file": "redruth.yaml", "sha256": new},
        )
    ]


def test_a_change_nobody_recorded_does_not_take_effect_on_a_rebuild(
    engine: Engine, seeded: Keys, folder: Path
) -> None:
    """A Clerk's write rebuilds the snapshot; the edited file still waits for its audit."""
    policies = PolicyRegistry(folder)
    cache = SnapshotCache(engine, policies.policy_for, max_age=60)
    assert cache.refresh()
    reload_policies(engine, policies, SERVER, now=NOW)
    _margin(folder, 7)

    add_manual_window(UnitOfWork(engine), load_policy(folder / "redruth.yaml"), Actor("tests", "clerk"),
        starts_at=NOW, ends_at=NOW + dt.timedelta(days=1), reason="review", account_ids=None,
        now=NOW,
    )  # fmt: skip
    assert cache.refresh()

    assert _outcome(cache) == "allow"
    assert _policy_events(engine) == []


def test_a_file_giving_another_organisations_id_is_unusable(folder: Path) -> None:
    entry = PolicyRegistry(folder).read("penryn", "redruth.yaml")

    assert entry.policy is None
    assert entry.problem == "redruth.yaml: organisation.id is 'redruth', not 'penryn'"


def test_one_unusable_policy_leaves_every_other_snapshot_built(
    engine: Engine, seeded: Keys, folder: Path
) -> None:
    seed(UnitOfWork(engine), load_policy(folder / "penryn.yaml"), read_shipped_calendars(ROOT / "calendars"),
        policy_file="penryn.yaml", now=NOW,
    )  # fmt: skip
    (folder / "penryn.yaml").write_text("organisation: [", encoding="utf-8")
    cache = SnapshotCache(engine, PolicyRegistry(folder).policy_for, max_age=60)

    refreshed = cache.refresh()

    assert refreshed
    assert cache.snapshot("redruth").policy.organisation_id == "redruth"
    with pytest.raises(PolicyUnavailable) as raised:
        cache.snapshot("penryn")
    assert "not valid YAML" in raised.value.problem
    assert list(cache.policy_problems()) == ["penryn"]


def test_a_file_broken_while_the_server_was_down_is_audited_at_its_start(
    engine: Engine, seeded: Keys, folder: Path
) -> None:
    """The first refresh finds it unusable; the look that follows records that once."""
    reload_policies(engine, PolicyRegistry(folder), COMMAND, now=NOW)
    good = _sha256(folder / "redruth.yaml")
    (folder / "redruth.yaml").write_text("organisation: [", encoding="utf-8")
    policies = PolicyRegistry(folder)
    assert SnapshotCache(engine, policies.policy_for, max_age=60).refresh()

    first = reload_policies(engine, policies, SERVER, now=NOW)
    again = reload_policies(engine, policies, SERVER, now=NOW)

    assert [(c.organisation_id, c.audited) for c in first] == [("redruth", True)]
    assert again == []
    assert _policy_events(engine) == [
        (
            "policy.unreadable",
            {"policy_file": "redruth.yaml", "sha256": good},
            {"policy_file": "redruth.yaml", "sha256": _sha256(folder / "redruth.yaml")},
        )
    ]
