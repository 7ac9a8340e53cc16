"""
Audit benchmarks: a full chain verify over 100,000 events, and the cost of one audited write.

Events are generated with the same hash chain the service writes, then inserted in bulk;
the verify is the one `purdah audit verify` runs.
"""

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, update
from sqlmodel import col

from app.calendars import read_election_calendar
from app.domain import UTC
from app.domain.audit import chain_hash
from app.services.organisations import seed
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.audit import verify_organisation
from app.store.engine import make_engine, upgrade
from app.store.tables import AuditEventRow, OrganisationRow
from app.store.unit_of_work import Actor, UnitOfWork

ROOT = Path(__file__).resolve().parents[1]


def _fill(engine, count: int, actor: str = "bench (clerk)") -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        last = connection.execute(
            AuditEventRow.__table__.select().order_by(AuditEventRow.__table__.c.seq.desc()).limit(1)  # type: ignore[attr-defined]
        ).first()
        previous, seq = last.hash, last.seq
        start = dt.datetime(2027, 1, 1, tzinfo=UTC)
        rows = []
        for i in range(count):
            seq += 1
            at = start + dt.timedelta(seconds=i)
            event = {
                "seq": seq, "organisation_id": "redruth", "at": at, "actor": actor, "role": "clerk",
                "action": "window.create", "target": f"mw-{i:06d}", "reason": "benchmark",
                "before": None, "after": {"starts_at": at.isoformat(), "n": i}, "request_id": None, "data_version": i,
            }  # fmt: skip
            event_hash = chain_hash(previous, event)
            rows.append({**event, "prev_hash": previous, "hash": event_hash})
            previous = event_hash
            if len(rows) == 5000:
                connection.execute(insert(AuditEventRow), rows)
                rows = []
        if rows:
            connection.execute(insert(AuditEventRow), rows)
        connection.execute(
            update(OrganisationRow)
            .where(col(OrganisationRow.id) == "redruth")
            .values(audit_head=previous, audit_events=col(OrganisationRow.audit_events) + count)
        )


def bench_audit(events: int = 100_000, writes: int = 200) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'audit.db'}"
        upgrade(url)
        engine = make_engine(url)
        policy = load_policy(ROOT / "policies" / "redruth.yaml")
        seed(UnitOfWork(engine), policy, read_election_calendar(ROOT / "calendars" / "redruth.ics"), policy_file="redruth.yaml",
             now=dt.datetime.now(UTC))  # fmt: skip
        timings = []
        for i in range(writes):
            start = dt.datetime(2031, 1, 1, tzinfo=UTC) + dt.timedelta(days=2 * i)
            began = time.perf_counter()
            add_manual_window(UnitOfWork(engine), policy, Actor("bench", "clerk"), starts_at=start, ends_at=start + dt.timedelta(days=1),
                              reason="bench", account_ids=None, now=start)  # fmt: skip
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        _fill(engine, events)
        verifies = []
        for _ in range(3):
            began = time.perf_counter()
            result = verify_organisation(engine, "redruth")
            verifies.append(time.perf_counter() - began)
            assert result.ok, result.problem  # noqa: S101 - the benchmark checks what it timed
        engine.dispose()
    return {
        "audited_write_p50_ms": timings[len(timings) // 2],
        "audited_write_p99_ms": timings[int(len(timings) * 0.99)],
        "audit_verify_100k_s": statistics.median(verifies),
    }
