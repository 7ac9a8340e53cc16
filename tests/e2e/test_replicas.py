"""
Two real servers (`purdah serve`, separate processes and ports) sharing one database:
a window written through one is enforced by the other within a second.
"""

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from app.calendars import read_election_calendar
from app.domain import UTC
from app.store import load_policy
from app.store.commands import seed
from app.store.engine import make_engine
from tests.conftest import ROOT

PURDAH = shutil.which("purdah") or str(ROOT / ".venv" / "bin" / "purdah")
AT = "2027-06-03T12:00:00+01:00"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PURDAH_DATABASE_URL": url,
        "PURDAH_PORT": str(port),
        "PURDAH_ACCESS_LOG": "false",
    }
    return subprocess.Popen(
        [PURDAH, "serve"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server on {port} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server on {port} not ready in 30 s: {log.read_text()[-2000:]}")


def test_a_window_written_through_one_replica_is_enforced_by_the_other_within_a_second(
    shared_url: str, tmp_path: Path
) -> None:
    engine = make_engine(shared_url)
    report = seed(
        engine,
        load_policy(ROOT / "policies" / "redruth.yaml"),
        read_election_calendar(ROOT / "calendars" / "redruth.ics"),
        policy_file="redruth.yaml",
        now=dt.datetime.now(UTC),
    )
    engine.dispose()
    assert report.first_clerk_key is not None
    headers = {"Authorization": f"Bearer {report.first_clerk_key.key}"}
    ports = (_free_port(), _free_port())
    servers = [_serve(shared_url, port, tmp_path / f"{port}.log") for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_ready(port, server, tmp_path / f"{port}.log")
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
        assert written.status_code == 201
        started = time.monotonic()
        outcome = "allow"
        while outcome == "allow" and time.monotonic() - started < 5:
            outcome = httpx.get(ask, params={"at": AT}, headers=headers).json()["outcome"]
            time.sleep(0.02)
        elapsed = time.monotonic() - started

        assert outcome == "deny"
        assert elapsed < 1.0, f"the other replica took {elapsed:.2f} s"
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
