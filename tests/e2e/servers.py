"""Real `purdah serve` processes for end-to-end tests."""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

PURDAH = shutil.which("purdah") or str(ROOT / ".venv" / "bin" / "purdah")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    url: str, port: int, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PURDAH_DATABASE_URL": url,
        "PURDAH_PORT": str(port),
        "PURDAH_ACCESS_LOG": "false",
        **(extra or {}),
    }
    return subprocess.Popen(
        [PURDAH, "serve"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
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


@contextmanager
def running(url: str, folder: Path, extra: dict[str, str] | None = None) -> Iterator[str]:
    """A `purdah serve` on a free port for the length of the block: its base URL."""
    port = free_port()
    log = folder / f"server-{port}.log"
    process = serve(url, port, log, extra)
    try:
        wait_ready(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
