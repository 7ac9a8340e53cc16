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
from sqlalchemy import create_engine, text

from tests.conftest import seed_shipped

from .servers import free_port, serve, wait_ready

pytestmark = pytest.mark.server

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


def _write_and_wait(ports: tuple[int, int], headers: dict[str, str], week: int) -> float:
    """Write a window through the first replica; seconds until the second enforces it."""
    at = f"2028-0{1 + week}-03T12:00:00Z"
    ask = f"http://127.0.0.1:{ports[1]}/v1/accounts/facebook-redruthtowncouncil/can-publish"
    assert httpx.get(ask, params={"at": at}, headers=headers).json()["outcome"] == "allow"
    written = httpx.post(
        f"http://127.0.0.1:{ports[0]}/v1/windows",
        json={
            "starts_at": f"2028-0{1 + week}-01T00:00:00Z",
            "ends_at": f"2028-0{1 + week}-05T00:00:00Z",
            "reason": "listener test",
        },
        headers=headers,
    )
    assert written.status_code == 201, written.text
    started = time.monotonic()
    while time.monotonic() - started < 10:
        if httpx.get(ask, params={"at": at}, headers=headers).json()["outcome"] == "deny":
            return time.monotonic() - started
        time.sleep(0.01)
    return float("inf")


@pytest.fixture
def listening_replicas(
    postgres_server: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[tuple[int, int], dict[str, str], str]]:
    """Two servers on PostgreSQL that poll only every 5 s: only LISTEN/NOTIFY is faster."""
    from tests.conftest import migrated_database

    with migrated_database("postgres", tmp_path, request) as url:
        headers = {"Authorization": f"Bearer {seed_shipped(url)}"}
        ports = (free_port(), free_port())
        slow_poll = {"PURDAH_SNAPSHOT_POLL_INTERVAL": "5"}
        servers = [serve(url, port, tmp_path / f"{port}.log", slow_poll) for port in ports]
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_ready(port, server, tmp_path / f"{port}.log")
            time.sleep(0.5)  # the listeners connect
            yield ports, headers, url
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=10)


def test_a_notification_wakes_the_other_replica_long_before_its_poll(
    listening_replicas: tuple[tuple[int, int], dict[str, str], str],
) -> None:
    ports, headers, _ = listening_replicas

    elapsed = _write_and_wait(ports, headers, 0)

    assert elapsed < 1.0, f"the other replica took {elapsed:.2f} s with a 5 s poll"


def test_a_lost_listener_connection_costs_at_most_a_poll_and_reconnects(
    listening_replicas: tuple[tuple[int, int], dict[str, str], str],
) -> None:
    ports, headers, url = listening_replicas
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        dropped = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query = 'LISTEN purdah_changes'"
            )
        ).all()
    engine.dispose()

    during = _write_and_wait(ports, headers, 1)  # the poll (5 s) or the reconnected listener
    time.sleep(1.5)  # the listener reconnects after a second
    after = _write_and_wait(ports, headers, 2)

    assert len(dropped) == 2
    assert during < 6.0, f"the fallback took {during:.2f} s"
    assert after < 1.0, f"after reconnecting the other replica took {after:.2f} s"


def test_two_clerks_through_two_replicas_with_one_etag_get_one_success_and_one_412(
    replicas: tuple[tuple[int, int], dict[str, str]],
) -> None:
    ports, headers = replicas
    path = "/v1/elections/local.cornwall.2029-05-03"
    etag = httpx.get(f"http://127.0.0.1:{ports[0]}{path}", headers=headers).headers["etag"]

    def patch(port: int, day: str) -> int:
        return httpx.patch(
            f"http://127.0.0.1:{port}{path}",
            json={"notice_published": day, "notice_reason": "published by the returning officer"},
            headers=headers | {"If-Match": etag},
        ).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(patch, ports, ["2029-03-16", "2029-03-20"]))
    verified = httpx.get(f"http://127.0.0.1:{ports[1]}/v1/audit/verify", headers=headers).json()

    assert statuses == [200, 412]
    assert verified["ok"] is True
