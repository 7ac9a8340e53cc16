"""
The database goes away under a real server, and comes back.

This test stops this machine's own PostgreSQL (`pg_ctlcluster ... stop`) and starts it again at
the end, whatever happens. It shows that:
- under a steady load of can-publish, every answer is 200 or 503, and every one says deny;
- can-publish keeps answering from the snapshot until `PURDAH_SNAPSHOT_MAX_AGE`, then answers
  503 with a deny body;
- a write answers a 503 problem and writes nothing;
- `/readyz` goes red;
- when PostgreSQL returns, the server recovers by itself, with no restart, and nothing written
  before the fault is lost.
"""

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import migrated_database, seed_shipped

from .servers import free_port, serve, wait_ready

pytestmark = [pytest.mark.server, pytest.mark.destructive]

CAN_PUBLISH = "/v1/accounts/facebook-redruthtowncouncil/can-publish"
AT = "2027-06-03T12:00:00+01:00"


def _cluster(action: str) -> None:
    version = max(folder.name for folder in Path("/etc/postgresql").iterdir())
    subprocess.run(
        [
            shutil.which("pg_ctlcluster") or "/usr/bin/pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            "main",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _can_control_postgres() -> str | None:
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return "pg_ctlcluster is not here (Debian's postgresql-common)"
    if os.geteuid() != 0:
        return "stopping PostgreSQL needs root"
    return None


class Load:
    """Can-publish asked over and over from a thread, every answer kept: a load under the fault."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base, self.headers = base, headers
        self.answers: list[tuple[int, bool | None]] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    response = client.get(CAN_PUBLISH, params={"at": AT})
                except httpx.HTTPError as exc:  # a connection the server dropped: not an answer
                    self.failures.append(type(exc).__name__)
                    continue
                self.answers.append((response.status_code, response.json().get("allowed")))

    def __enter__(self) -> "Load":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _until(check, seconds: float) -> float:  # type: ignore[no-untyped-def]
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if check():
            return time.monotonic() - began
        time.sleep(0.1)
    return float("inf")


@pytest.fixture
def server_on_postgres(
    postgres_server: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, dict[str, str]]]:
    why = _can_control_postgres()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the database fault test must run in CI: {why}")
        pytest.skip(why)
    with migrated_database("postgres", tmp_path, request) as url:
        headers = {"Authorization": f"Bearer {seed_shipped(url)}"}
        port = free_port()
        log = tmp_path / "server.log"
        settings = {"PURDAH_SNAPSHOT_MAX_AGE": "3", "PURDAH_SNAPSHOT_POLL_INTERVAL": "0.2"}
        process = serve(url, port, log, settings)
        try:
            wait_ready(port, process, log)
            yield f"http://127.0.0.1:{port}", headers
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_service_fails_closed_without_its_database_and_recovers_by_itself(
    server_on_postgres: tuple[str, dict[str, str]],
) -> None:
    base, headers = server_on_postgres
    written = httpx.post(
        f"{base}/v1/windows",
        json={
            "starts_at": "2027-06-01T00:00:00+01:00",
            "ends_at": "2027-06-08T00:00:00+01:00",
            "reason": "before the fault",
        },
        headers=headers,
    )
    assert written.status_code == 201, written.text
    window_id = written.json()["window_id"]

    with Load(base, headers) as load:
        time.sleep(0.5)
        _cluster("stop")
        try:
            still = httpx.get(f"{base}{CAN_PUBLISH}", params={"at": AT}, headers=headers)
            closed_after = _until(
                lambda: (
                    httpx.get(
                        f"{base}{CAN_PUBLISH}", params={"at": AT}, headers=headers
                    ).status_code
                    == 503
                ),
                15,
            )
            closed = httpx.get(f"{base}{CAN_PUBLISH}", params={"at": AT}, headers=headers)
            ready = httpx.get(f"{base}/readyz", timeout=10)
            refused = httpx.post(
                f"{base}/v1/windows",
                json={
                    "starts_at": "2027-07-01T00:00:00+01:00",
                    "ends_at": "2027-07-02T00:00:00+01:00",
                    "reason": "during the fault",
                },
                headers=headers,
                timeout=30,
            )
        finally:
            _cluster("start")
        recovered_after = _until(
            lambda: httpx.get(f"{base}/readyz", timeout=5).status_code == 200,
            30,
        )
        time.sleep(1)
    after = httpx.get(f"{base}{CAN_PUBLISH}", params={"at": AT}, headers=headers)
    windows = httpx.get(f"{base}/v1/windows", headers=headers).json()
    verified = httpx.get(f"{base}/v1/audit/verify", headers=headers).json()

    assert (still.status_code, still.json()["outcome"]) == (200, "deny")  # the snapshot answers
    assert closed_after < 15
    assert closed.status_code == 503
    assert closed.json()["allowed"] is False
    assert ready.status_code == 503
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert recovered_after < 30
    assert after.status_code == 200
    assert any(window_id in w["manual_window_ids"] for w in windows)
    assert not any("during the fault" in " ".join(w.get("manual_reasons", [])) for w in windows)
    assert verified["ok"] is True
    # under the load, through the fault and back: only 200 deny or 503 deny, never allow
    statuses = {status for status, _ in load.answers}
    assert len(load.answers) > 100, load.answers[:5]
    assert statuses <= {200, 503}, statuses
    assert {200, 503} <= statuses  # it served from the snapshot, then failed closed
    assert all(allowed is False for _, allowed in load.answers)
    assert load.failures == []
    assert load.answers[-1][0] == 200  # and recovered under the load
