"""
The soak (`make soak`, not in CI): ten minutes of mixed traffic against `purdah serve` with two
uvicorn workers on PostgreSQL, then every decision checked against a reference recomputed from
the audit log.

Traffic, from an asyncio + httpx generator on loopback: 95% reads (can-publish, and batches of
ten checks) and 5% Clerk writes through one writer (moving manual windows, granting and
revoking overrides), so that answers keep changing while they are asked.

Afterwards the audit log alone is replayed: starting from the snapshot taken before the load,
each `window.create`, `window.change`, `override.grant` and `override.revoke` event is applied
in sequence order, and every recorded decision is recomputed with `decide()` on the state as it
stood when it was asked. A write through one worker reaches the other within `LAG` seconds
(LISTEN/NOTIFY, with the poll behind it), so a decision counts as agreeing if it matches the
state after any event between `LAG` seconds before it was sent and when its answer arrived.

Prints throughput, latency percentiles, errors (must be 0), each worker's memory at the start
and the end (growth must stay under 10%), and disagreements (must be 0); exits non-zero if any
of those fails. Figures go to var/bench/soak.json.

    python -m bench.soak [--minutes N]
"""

import asyncio
import bisect
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import Session, col

from app.calendars import read_shipped_calendars
from app.domain import (
    Account,
    AccountKind,
    AccountStatus,
    Category,
    ManualWindow,
    Override,
    build_snapshot,
    decide,
)
from app.services.keys import create_key
from app.services.organisations import seed
from app.store import load_policy
from app.store.engine import make_engine
from app.store.keys import Role
from app.store.snapshots import period_of
from app.store.tables import AccountRow, AuditEventRow, RestrictedPeriodRow
from app.store.unit_of_work import Actor, UnitOfWork
from bench.http import serve
from bench.scale import _database

ROOT = Path(__file__).resolve().parents[1]
PURDAH = str(ROOT / ".venv" / "bin" / "purdah")
PORT = 18_791
LAG = 2.0  # seconds a write may take to reach the other worker (the target is 1 s at p99)
CONNECTIONS = 12
ACCOUNTS = (
    "facebook-redruthtowncouncil",
    "x-visitredruth",
    "instagram-redruthlibrary",
    "facebook-mayorofredruth",
)
POOL = 12  # manual windows the writer keeps moving
FIRST_DAY = dt.date(2031, 1, 6)
DAYS = 60
CATEGORIES = ("general", "general", "general", "event", "emergency", "consultation")


@dataclass
class Asked:
    """One answer: when it was sent and received, what was asked, and what came back."""

    sent: float
    received: float
    account_id: str
    at: dt.datetime
    category: str
    outcome: str


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: list[Asked] = field(default_factory=list)
    reads: int = 0
    writes: int = 0


def _instant(day: dt.date, hour: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC).isoformat()


def _random_at(rng: random.Random) -> str | None:
    if rng.random() < 0.15:
        return None  # now: outside the pool's days, inside whatever is real
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS + 5))
    return _instant(day, rng.randrange(24))


def _record(tally: Tally, sent: float, received: float, body: dict[str, Any]) -> None:
    tally.answers.append(
        Asked(
            sent,
            received,
            body["account_id"],
            dt.datetime.fromisoformat(body["at"]),
            body["category"],
            body["outcome"],
        )
    )


async def _reader(client: httpx.AsyncClient, tally: Tally, rng: random.Random, stop: float) -> None:
    while time.time() < stop:
        sent = time.time()
        began = time.perf_counter()
        try:
            if rng.random() < 0.9:
                params = {"category": rng.choice(CATEGORIES)}
                at = _random_at(rng)
                if at is not None:
                    params["at"] = at
                response = await client.get(
                    f"/v1/accounts/{rng.choice(ACCOUNTS)}/can-publish", params=params
                )
                answers = [response.json()] if response.status_code == 200 else []
            else:
                checks = []
                for _ in range(10):
                    check = {"account_id": rng.choice(ACCOUNTS), "category": rng.choice(CATEGORIES)}
                    at = _random_at(rng)
                    if at is not None:
                        check["at"] = at
                    checks.append(check)
                response = await client.post("/v1/decisions", json={"checks": checks})
                answers = response.json()["decisions"] if response.status_code == 200 else []
        except httpx.HTTPError as exc:
            tally.errors.append(f"read: {type(exc).__name__}: {exc}")
            continue
        received = time.time()
        tally.latencies.append((time.perf_counter() - began) * 1000)
        tally.reads += 1
        if response.status_code != 200:
            tally.errors.append(f"read {response.status_code}: {response.text[:200]}")
            continue
        for body in answers:
            _record(tally, sent, received, body)


@dataclass
class Pool:
    """What the single writer knows of its windows and overrides."""

    windows: dict[str, tuple[dt.date, int, str]] = field(default_factory=dict)
    overrides: list[str] = field(default_factory=list)


async def _writer(
    client: httpx.AsyncClient, tally: Tally, rng: random.Random, stop: float, pool: Pool
) -> None:
    while time.time() < stop:
        if tally.writes * 19 >= tally.reads:
            await asyncio.sleep(0.002)
            continue
        choice = rng.random()
        began = time.perf_counter()
        try:
            if choice < 0.6 or not pool.windows:
                window_id = rng.choice(list(pool.windows))
                start = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
                length = rng.randrange(1, 4)
                account = pool.windows[window_id][2]
                response = await client.patch(
                    f"/v1/windows/{window_id}",
                    json={"starts_at": _instant(start),
                          "ends_at": _instant(start + dt.timedelta(days=length)),
                          "change_reason": "soak: moved"},
                )  # fmt: skip
                pool.windows[window_id] = (start, length, account)
                expected = 200
            elif choice < 0.8 or not pool.overrides:
                start, _length, account = rng.choice(list(pool.windows.values()))
                response = await client.post(
                    "/v1/overrides",
                    json={"account_id": account, "starts_at": _instant(start, 6),
                          "ends_at": _instant(start, 18), "categories": ["event"],
                          "reason": "soak: permitted"},
                )  # fmt: skip
                if response.status_code == 201:
                    pool.overrides.append(response.json()["override_id"])
                expected = 201
            else:
                override_id = pool.overrides.pop(rng.randrange(len(pool.overrides)))
                response = await client.post(
                    f"/v1/overrides/{override_id}/revoke", json={"reason": "soak: withdrawn"}
                )
                expected = 200
        except httpx.HTTPError as exc:
            tally.errors.append(f"write: {type(exc).__name__}: {exc}")
            continue
        tally.latencies.append((time.perf_counter() - began) * 1000)
        tally.writes += 1
        if response.status_code != expected:
            tally.errors.append(f"write {response.status_code}: {response.text[:200]}")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _workers(server: int) -> list[int]:
    """The uvicorn worker processes under `purdah serve` (not multiprocessing's helpers)."""
    found = []
    for task in Path(f"/proc/{server}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"spawn_main" in cmdline or b"purdah" in cmdline:
                found.append(int(child))
    return sorted(found)


def _start(url: str) -> subprocess.Popen[bytes]:
    log = ROOT / "var" / "bench" / "soak-server.log"
    return serve({"PURDAH_DATABASE_URL": url, "PURDAH_WORKERS": "2"}, PORT, log=log)


async def _load(base: str, key: str, seconds: float, pool: Pool, seed_: int) -> Tally:
    tally = Tally()
    stop = time.time() + seconds
    limits = httpx.Limits(
        max_connections=CONNECTIONS + 1, max_keepalive_connections=CONNECTIONS + 1
    )
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as client:
        tasks = [
            _reader(client, tally, random.Random(seed_ * 100 + i), stop) for i in range(CONNECTIONS)
        ]
        tasks.append(_writer(client, tally, random.Random(seed_), stop, pool))
        await asyncio.gather(*tasks)
    return tally


# --- the reference: the audit log replayed over the snapshot from before the load ----------


def _accounts(session: Session) -> list[Account]:
    return [
        Account(account_id=row.id, platform=row.platform, name=row.name,
                kind=AccountKind(row.kind), status=AccountStatus(row.status),
                handle=row.handle, url=row.url)
        for row in session.execute(select(AccountRow)).scalars()
    ]  # fmt: skip


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _replay(engine: Any, policy: Any, after_seq: int, tally: Tally) -> tuple[int, int, int]:
    """(decisions checked, disagreements, events replayed)."""
    with Session(engine) as session:
        accounts = _accounts(session)
        periods = [period_of(r) for r in session.execute(select(RestrictedPeriodRow)).scalars()]
        windows: dict[str, ManualWindow] = {}
        events = list(
            session.execute(
                select(AuditEventRow)
                .where(col(AuditEventRow.seq) > after_seq)
                .order_by(col(AuditEventRow.seq))
            ).scalars()
        )
        before = session.execute(
            select(AuditEventRow)
            .where(col(AuditEventRow.seq) <= after_seq)
            .order_by(col(AuditEventRow.seq))
        ).scalars()
        for row in before:  # the pool's windows were made before the load began
            if row.action == "window.create":
                made = row.after or {}
                ids = made["account_ids"]
                windows[row.target] = ManualWindow(
                    row.target, _when(made["starts_at"]), _when(made["ends_at"]), row.reason or "",
                    frozenset(ids) if ids is not None else None,
                )  # fmt: skip
    overrides: dict[str, Override] = {}
    states: list[tuple[dt.datetime, dict[str, ManualWindow], dict[str, Override]]] = [
        (dt.datetime.min.replace(tzinfo=dt.UTC), dict(windows), dict(overrides))
    ]
    for event in events:
        after = event.after or {}
        if event.action == "window.change":
            windows[event.target] = ManualWindow(
                event.target, _when(after["starts_at"]), _when(after["ends_at"]), after["reason"],
                frozenset(after["account_ids"]) if after["account_ids"] is not None else None,
            )  # fmt: skip
        elif event.action == "override.grant":
            overrides[event.target] = Override(
                event.target, after["account_id"], _when(after["starts_at"]),
                _when(after["ends_at"]), event.reason or "",
                frozenset(Category(c) for c in after["categories"]) if after["categories"] else None,
                frozenset(after["anchors"]),
            )  # fmt: skip
        elif event.action == "override.revoke":
            overrides.pop(event.target, None)
        elif event.action == "decision.override":
            continue  # a decision that relied on an override: it changes nothing
        else:
            msg = f"the soak did not expect {event.action} in the audit log"
            raise RuntimeError(msg)
        states.append((event.at, dict(windows), dict(overrides)))
    times = [s[0].timestamp() for s in states]
    built: dict[int, Any] = {}

    def snapshot(index: int) -> Any:
        if index not in built:
            _, w, o = states[index]
            built[index] = build_snapshot(policy, accounts=accounts, periods=periods,
                                          manual_windows=w.values(), overrides=o.values())  # fmt: skip
        return built[index]

    disagreements = 0
    for asked in tally.answers:
        low = max(0, bisect.bisect_right(times, asked.sent - LAG) - 1)
        high = max(0, bisect.bisect_right(times, asked.received) - 1)
        now = dt.datetime.fromtimestamp(asked.sent, dt.UTC)
        if not any(
            decide(
                asked.account_id, asked.at, Category(asked.category), snapshot(i), now=now
            ).outcome.value
            == asked.outcome
            for i in range(low, high + 1)
        ):
            disagreements += 1
    return len(tally.answers), disagreements, len(events)


def main() -> int:
    minutes = float(sys.argv[sys.argv.index("--minutes") + 1]) if "--minutes" in sys.argv else 10.0
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    with _database() as (url, backend):
        if backend != "postgresql":
            print("the soak needs PostgreSQL (PURDAH_BENCH_POSTGRES_URL)", file=sys.stderr)
            return 2
        engine = make_engine(url)
        policy = load_policy(ROOT / "policies" / "redruth.yaml")
        now = dt.datetime.now(dt.UTC)
        report = seed(UnitOfWork(engine), policy, read_shipped_calendars(ROOT / "calendars"),
                      policy_file="redruth.yaml", now=now)  # fmt: skip
        if report.first_clerk_key is None:
            msg = "the seed made no Clerk key"
            raise RuntimeError(msg)
        clerk = report.first_clerk_key.key
        create_key(UnitOfWork(engine), policy.organisation_id, Actor("soak", "operator"), role=Role.SCHEDULER,
                   name="soak", now=now)  # fmt: skip
        server = _start(url)
        base = f"http://127.0.0.1:{PORT}"
        pool = Pool()
        try:
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {clerk}"}
            ) as client:
                for i in range(POOL):
                    start = FIRST_DAY + dt.timedelta(days=5 * i)
                    account = ACCOUNTS[i % len(ACCOUNTS)]
                    made = client.post("/v1/windows", json={
                        "starts_at": _instant(start), "ends_at": _instant(start + dt.timedelta(days=2)),
                        "reason": "soak", "account_ids": [account]})  # fmt: skip
                    made.raise_for_status()
                    pool.windows[made.json()["window_id"]] = (start, 2, account)
            with Session(engine) as session:
                start_seq = session.execute(
                    select(AuditEventRow.seq).order_by(col(AuditEventRow.seq).desc()).limit(1)
                ).scalar_one()
            asyncio.run(_load(base, clerk, 10, pool, seed_=1))  # warm-up
            # the warm-up's writes are part of the history the reference replays
            workers = _workers(server.pid)
            rss_start = {pid: _rss_kib(pid) for pid in workers}
            began = time.time()
            tally = asyncio.run(_load(base, clerk, minutes * 60, pool, seed_=2))
            elapsed = time.time() - began
            rss_end = {pid: _rss_kib(pid) for pid in workers}
        finally:
            server.terminate()
            server.wait(timeout=30)
        checked, disagreements, replayed = _replay(engine, policy, start_seq, tally)
        engine.dispose()
    latencies = sorted(tally.latencies)
    figures = {
        "soak_seconds": round(elapsed, 1),
        "soak_requests": len(latencies),
        "soak_rps": round(len(latencies) / elapsed, 1),
        "soak_writes": tally.writes,
        "soak_p50_ms": round(statistics.quantiles(latencies, n=100)[49], 2),
        "soak_p99_ms": round(statistics.quantiles(latencies, n=100)[98], 2),
        "soak_p999_ms": round(statistics.quantiles(latencies, n=1000)[998], 2),
        "soak_errors": len(tally.errors),
        "soak_decisions_checked": checked,
        "soak_audit_events_replayed": replayed,
        "soak_disagreements": disagreements,
    }
    for n, pid in enumerate(workers, 1):
        figures[f"soak_worker{n}_rss_start_mib"] = round(rss_start[pid] / 1024, 1)
        figures[f"soak_worker{n}_rss_end_mib"] = round(rss_end[pid] / 1024, 1)
        figures[f"soak_worker{n}_rss_growth_pct"] = round(
            100 * (rss_end[pid] / rss_start[pid] - 1), 2
        )
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    for error in tally.errors[:10]:
        print("error:", error)
    (ROOT / "var" / "bench" / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
    failed = (
        tally.errors
        or disagreements
        or len(workers) != 2
        or any(figures[f"soak_worker{n}_rss_growth_pct"] >= 10 for n in (1, 2))
    )
    print("soak:", "FAILED" if failed else "passed", "(figures in var/bench/soak.json)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
