"""A real HTTP receiver of webhooks in the test process: a server thread on 127.0.0.1."""

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Received", "Receiver", "receiver"]


@dataclass(frozen=True)
class Received:
    """One POST as the receiver read it."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Where it listens, what it got, and the status it answers (tests change it)."""

    url: str
    status: int = 204
    delay: float = 0.0  # seconds before answering
    received: list[Received] = field(default_factory=list)


@contextmanager
def receiver(status: int = 204, delay: float = 0.0) -> Iterator[Receiver]:
    """A receiver answering `status` to every POST after `delay`, stopped when the block ends."""
    state = Receiver(url="", status=status, delay=delay)
    lock = threading.Lock()

    class _Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            with lock:
                state.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/purdah"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
