"""
Two real servers (`purdah serve`, separate processes and ports) sharing one database:
a window written through one is enforced by the other within a second, and parallel
writes through both keep one audit chain.
"""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import seed_shipped

from .servers import free_port, serve, wait_ready

AT = "2027-06-03T12:00:00+01:00"


@pytest.fixture
def replicas(shared_url: str, tmp_path: Path) -> Iterator[tuple[tuple[int, int], dict[str, str]]]:
    """Two servers on one seeded database: their ports, and a Clerk's headers."""
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    ports = (free_port(), free_port())
    servers = [serve(shared_url, port, tmp_path / f"{port}.log") for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_ready(port, server, tmp_path / f"{port}.log")
        yield ports, headers
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def test_a_window_written_through_one_replica_is_enforced_by_the_other_within_a_second(
    replicas: tuple[tuple[int, int], dict[str, str]],
) -> None:
    ports, headers = replicas
    ask = f"http://127.0.0.1:{ports[1]}/v1/accounts/facebook-redruthtowncouncil/can-publish"
    assert httpx.get(ask, params={"at": AT}, headers=headers).json()["outcome"] == "allow"

    written = httpx.post(
        f"http://127.0.0.1:{ports[0]}/v1/windows",
        json={
            "starts_at": "2027-06-01T00:00:00+01:00",
            "ends_at": "2027-06-08T00:00:00+01:00",
            "reason": "replica test",
        },
        headers=headers,
    )
    started = time.monotonic()
    outcome = "allow"
    while outcome == "allow" and time.monotonic() - started < 5:
        outcome = httpx.get(ask, params={"at": AT}, headers=headers).json()["outcome"]
        time.sleep(0.02)
    elapsed = time.monotonic() - started

    assert written.status_code == 201
    assert outcome == "deny"
    assert elapsed < 1.0, f"the other replica took {elapsed:.2f} s"


def test_parallel_writes_through_two_replicas_keep_one_audit_chain(
    replicas: tuple[tuple[int, int], dict[str, str]],
) -> None:
    """Sixteen Clerk requests at once, split across two server processes: one unbroken chain."""
    ports, headers = replicas

    def post(n: int) -> int:
        day = 1 + n
        body = {
            "starts_at": f"2031-03-{day:02d}T00:00:00Z",
            "ends_at": f"2031-03-{day:02d}T12:00:00Z",
            "reason": f"parallel {n}",
        }
        return httpx.post(
            f"http://127.0.0.1:{ports[n % 2]}/v1/windows", json=body, headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(post, range(16)))
    verified = httpx.get(f"http://127.0.0.1:{ports[0]}/v1/audit/verify", headers=headers).json()

    assert statuses == [201] * 16
    assert verified["ok"] is True, verified
