"""
Two replicas (`purdah serve` processes) on one PostgreSQL database: how long after a write
through one is it enforced by the other? With LISTEN/NOTIFY, and with the poll alone.
"""

import datetime as dt
import statistics
import subprocess
import time
from pathlib import Path

import httpx

from app.calendars import read_shipped_calendars
from app.services.organisations import seed
from app.store import load_policy
from app.store.engine import make_engine
from app.store.unit_of_work import UnitOfWork
from bench.http import serve
from bench.scale import _database

ROOT = Path(__file__).resolve().parents[1]
PURDAH = str(ROOT / ".venv" / "bin" / "purdah")
ACCOUNT = "facebook-redruthtowncouncil"


def _start(url: str, port: int, poll: float, listen: bool) -> subprocess.Popen[bytes]:
    return serve(
        {"PURDAH_DATABASE_URL": url, "PURDAH_SNAPSHOT_POLL_INTERVAL": str(poll),
         "PURDAH_LISTEN": str(listen).lower()},
        port,
    )  # fmt: skip


def _latencies(url: str, key: str, poll: float, writes: int, *, listen: bool) -> list[float]:
    ports = (18_741, 18_742)
    servers = [_start(url, port, poll, listen) for port in ports]
    headers = {"Authorization": f"Bearer {key}"}
    seen = []
    try:
        time.sleep(1)
        with httpx.Client(headers=headers, timeout=5) as client:
            for i in range(writes):
                day = dt.date(2031, 1, 1) + dt.timedelta(days=3 * i + (0 if poll < 1 else 1500))
                at = f"{day.isoformat()}T12:00:00Z"
                ask = f"http://127.0.0.1:{ports[1]}/v1/accounts/{ACCOUNT}/can-publish"
                client.post(
                    f"http://127.0.0.1:{ports[0]}/v1/windows",
                    json={"starts_at": f"{day.isoformat()}T00:00:00Z",
                          "ends_at": f"{(day + dt.timedelta(days=1)).isoformat()}T00:00:00Z", "reason": "bench"},
                )  # fmt: skip
                began = time.perf_counter()
                while client.get(ask, params={"at": at}).json()["outcome"] != "deny":
                    if time.perf_counter() - began > 15:
                        break
                seen.append((time.perf_counter() - began) * 1000)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return sorted(seen)


def bench_replicas(writes: int = 30) -> dict[str, float]:
    with _database() as (url, backend):
        if backend != "postgresql":
            return {}
        engine = make_engine(url)
        report = seed(UnitOfWork(engine), load_policy(ROOT / "policies" / "redruth.yaml"),
                      read_shipped_calendars(ROOT / "calendars"), policy_file="redruth.yaml",
                      now=dt.datetime.now(dt.UTC))  # fmt: skip
        engine.dispose()
        assert report.first_clerk_key is not None  # noqa: S101 - a fresh database
        key = report.first_clerk_key.key
        notified = _latencies(url, key, poll=5.0, writes=writes, listen=True)
        polled = _latencies(url, key, poll=0.5, writes=writes, listen=False)
    p99 = lambda values: values[min(len(values) - 1, int(0.99 * len(values)))]  # noqa: E731 - local shorthand
    return {
        "replica_enforced_notify_p50_ms": statistics.median(notified),
        "replica_enforced_notify_p99_ms": p99(notified),
        "replica_enforced_poll_only_p50_ms": statistics.median(polled),
        "replica_enforced_poll_only_p99_ms": p99(polled),
    }


if __name__ == "__main__":
    for name, value in bench_replicas().items():
        print(f"{name:<40} {value:12.3f}")
