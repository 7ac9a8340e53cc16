"""
Failed authentications are limited per client address: after `limit` failures within
`window` seconds, the client gets 429 with Retry-After until the oldest failure ages out,
whatever key it sends. Guessing keys is hopeless anyway (256-bit secrets); this keeps a
misconfigured or hostile client from flooding the logs and the hash checks.

Successful requests cost one dictionary lookup. Memory is bounded: at most `max_clients`
addresses are tracked, and the table is cleared when it is full.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from app.domain import PurdahError

__all__ = ["FailedAuthThrottle", "TooManyFailures"]


class TooManyFailures(PurdahError):
    """A client over the limit of failed authentications (429)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"too many failed authentications from this address: try again in {self.retry_after} s"
        )


class FailedAuthThrottle:
    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._max_clients = max_clients
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str | None) -> None:
        """Raise TooManyFailures if the client is over the limit."""
        if client is None:
            return
        failures = self._failures.get(client)
        if failures is None or len(failures) < self._limit:
            return
        now = self._clock()
        with self._lock:
            while failures and failures[0] <= now - self._window:
                failures.popleft()
            if len(failures) >= self._limit:
                raise TooManyFailures(failures[0] + self._window - now)

    def failed(self, client: str | None) -> None:
        """Record one failed authentication."""
        if client is None:
            return
        now = self._clock()
        with self._lock:
            if client not in self._failures and len(self._failures) >= self._max_clients:
                self._failures.clear()
            failures = self._failures.setdefault(client, deque(maxlen=self._limit))
            failures.append(now)
