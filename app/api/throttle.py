"""
Failed authentications are counted per peer address and per key id; a correct key always
authenticates.

A request whose key is valid is never refused by this throttle, whatever the counts say:
keys are 256-bit random secrets, so refusing a correct one protects nothing, and counts that
others can inflate (a shared office address, a key id read from the audit log) must not lock
out a Town Clerk. A failed authentication is counted against the peer it came from and, when
it named a key id that exists (`pdh_<key id>_<secret>`, the non-secret part), against that
key id. After `limit` failures within `window` seconds from one peer, or against one key id,
further failures are answered 429 with Retry-After (until the oldest failure ages out)
instead of 401, and are not counted again, so a client that keeps failing is not locked
out for longer. This tells a brute-forcing or misconfigured client to back off; it never
makes a guess any likelier to succeed.

The peer is the TCP peer, or the address a trusted proxy forwarded: `purdah serve` honours
`X-Forwarded-For` only from `PURDAH_FORWARDED_ALLOW_IPS` (default none), so a client cannot
pick a new address for each attempt nor charge its failures to someone else's address.

Across workers and replicas: the counts are per process. With W workers on each of R
replicas a peer can fail up to about `limit` x W x R times per window before every process
answers 429. That a valid key always authenticates holds everywhere, since it depends on no
shared state.

Successful requests cost nothing here. Memory is bounded: at most `max_clients` peers and
`max_clients` key ids are tracked, and a table is cleared when it is full.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from app.domain import PurdahError

__all__ = ["FailedAuthThrottle", "TooManyFailures"]


class TooManyFailures(PurdahError):
    """A peer, or a key id, over the limit of failed authentications (429)."""

    def __init__(self, retry_after: float, *, what: str = "from this address") -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"too many failed authentications {what}: try again in {self.retry_after} s"
        )


class _Counts:
    """Recent failure times per name (a peer address or a key id), bounded in size."""

    def __init__(self, limit: int, window: float, max_names: int) -> None:
        self._limit = limit
        self._window = window
        self._max_names = max_names
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, name: str, now: float) -> float | None:
        """Seconds until `name` is under the limit again, or None if it is under it now."""
        failures = self._failures.get(name)
        if failures is None or len(failures) < self._limit:
            return None
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if len(failures) < self._limit:
            return None
        return failures[0] + self._window - now

    def add(self, name: str, now: float) -> None:
        if name not in self._failures and len(self._failures) >= self._max_names:
            self._failures.clear()
        self._failures.setdefault(name, deque(maxlen=self._limit)).append(now)


class FailedAuthThrottle:
    """Counts failed authentications per peer and per key id (see the module docstring)."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._peers = _Counts(limit, window, max_clients)
        self._key_ids = _Counts(limit, window, max_clients)
        self._clock = clock
        self._lock = threading.Lock()

    def failed(self, peer: str | None, *, key_id: str | None = None) -> None:
        """
        Count one failed authentication from `peer`, naming the existing key `key_id` (None
        when the key was missing, malformed or named no key).

        Raises:
            TooManyFailures: the peer, or the key id, was already over the limit; this
                failure is then not counted.
        """
        now = self._clock()
        with self._lock:
            waits = []
            if peer:
                waits.append((self._peers.retry_after(peer, now), "from this address"))
            if key_id:
                waits.append((self._key_ids.retry_after(key_id, now), "with this key id"))
            over = [(wait, what) for wait, what in waits if wait is not None]
            if over:
                wait, what = max(over)
                raise TooManyFailures(wait, what=what)
            if peer:
                self._peers.add(peer, now)
            if key_id:
                self._key_ids.add(key_id, now)
