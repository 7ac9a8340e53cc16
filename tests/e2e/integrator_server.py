"""
A real `purdah serve`, seeded as `make run` seeds it, for the integrators' client and examples
(tests/e2e/test_python_client.py, tests/e2e/test_js_example.py).
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import migrated_database, seed_shipped

from .conftest import auth
from .servers import free_port, running

TOWN = "facebook-redruthtowncouncil"
# Before the first restricted period of the shipped calendar: a general post is allowed.
OUTSIDE = "2026-12-01T10:00:00+00:00"
# Inside the restricted period of the 3 May 2029 polls (local.cornwall.2029-05-03).
INSIDE_2029 = "2029-04-10T12:00:00+01:00"


@dataclass(frozen=True)
class Served:
    base_url: str
    clerk: str
    scheduler: str


@contextmanager
def served(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    """A seeded server on a fresh database, with a Clerk key and a scheduler key minted by it."""
    with migrated_database(backend, folder, request) as url:
        clerk = seed_shipped(url)
        with running(url, folder) as base:
            minted = httpx.post(
                f"{base}/v1/keys",
                json={"role": "scheduler", "name": "integrator tests"},
                headers=auth(clerk),
                timeout=10,
            )
            assert minted.status_code == 201, minted.text
            yield Served(base, clerk, str(minted.json()["key"]))


def dead_url() -> str:
    """A URL of a port that nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def silent_server() -> Iterator[str]:
    """A socket that takes connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def canned_server(status: int, body: bytes) -> Iterator[str]:
    """An HTTP server that gives every request the same status and body."""

    class Canned(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's names

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
