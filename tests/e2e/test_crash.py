"""
Crash mid-write: kill -9 a real server during a burst of audited writes, on SQLite and on
PostgreSQL. After a restart every acknowledged write is there, nothing half-written is, and
`purdah audit verify` passes.
"""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import seed_shipped

from .servers import PURDAH, free_port, serve, wait_ready

pytestmark = pytest.mark.server


def _burst(
    base: str, headers: dict[str, str], acknowledged: list[str], stop: threading.Event
) -> None:
    with httpx.Client(headers=headers, timeout=5) as client:
        for i in range(10_000):
            if stop.is_set():
                return
            day = 1 + i % 28
            try:
                response = client.post(
                    f"{base}/v1/windows",
                    json={
                        "starts_at": f"2031-{1 + (i // 28) % 12:02d}-{day:02d}T09:00:00Z",
                        "ends_at": f"2031-{1 + (i // 28) % 12:02d}-{day:02d}T10:00:00Z",
                        "reason": f"crash test {i}",
                    },
                )
            except httpx.HTTPError:
                return  # the server died under us: this write was never acknowledged
            if response.status_code == 201:
                acknowledged.append(response.json()["window_id"])


def test_a_server_killed_mid_write_loses_no_acknowledged_write_and_the_chain_verifies(
    shared_url: str, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    port = free_port()
    log = tmp_path / "server.log"
    server = serve(shared_url, port, log)
    wait_ready(port, server, log)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    stop = threading.Event()
    writer = threading.Thread(target=_burst, args=(base, headers, acknowledged, stop))

    writer.start()
    # a burst of writes is under way: wait for some acknowledged ones (a fixed sleep wrote too
    # few on a busy machine), then kill the server while the writer keeps writing
    deadline = time.monotonic() + 30
    while len(acknowledged) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    writer.join(timeout=30)
    restarted = serve(shared_url, port, tmp_path / "restarted.log")
    try:
        wait_ready(port, restarted, tmp_path / "restarted.log")
        windows = httpx.get(f"{base}/v1/windows", headers=headers).json()
        verified = httpx.get(f"{base}/v1/audit/verify", headers=headers).json()
        created = httpx.get(
            f"{base}/v1/audit", params={"action": "window.create", "limit": 1000}, headers=headers
        ).json()["events"]
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
    cli = subprocess.run(
        [PURDAH, "audit", "verify"],
        env={**os.environ, "PURDAH_DATABASE_URL": shared_url},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    present = {m for w in windows for m in w["manual_window_ids"]}
    audited = {e["target"] for e in created}
    assert len(acknowledged) > 5, "the burst wrote too little before the kill to test anything"
    assert set(acknowledged) <= present  # every acknowledged write survived
    assert present == audited  # nothing without its audit event, no audit event without its row
    assert verified["ok"] is True
    assert cli.returncode == 0, cli.stdout + cli.stderr
