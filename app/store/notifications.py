"""
PostgreSQL LISTEN/NOTIFY: replicas hear of each other's writes at once.

Every write that changes data sends `NOTIFY purdah_changes, '<organisation id>'` in its own
transaction (PostgreSQL delivers it on commit, never for a rolled-back write). A listener
thread in each replica keeps one connection LISTENing and refreshes that organisation's
snapshot when a notification arrives. The `data_version` poll (`PURDAH_SNAPSHOT_POLL_INTERVAL`)
stays as the fallback: a lost connection or a missed notification costs at most one poll
interval, and the listener reconnects by itself.
"""

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

__all__ = ["CHANNEL", "ChangeListener", "notify_change"]

CHANNEL = "purdah_changes"
log = logging.getLogger(__name__)


def notify_change(session: Session, organisation_id: str) -> None:
    """Queue the notification of a write (PostgreSQL only; sent when the transaction commits)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :org)"), {"channel": CHANNEL, "org": organisation_id}
        )


class ChangeListener:
    """A thread that LISTENs for writes and calls `on_change(organisation_id)`."""

    def __init__(self, engine: Engine, on_change: Callable[[str], object]) -> None:
        url = engine.url.set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="purdah-listener", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=1.0):
                            self._on_change(notice.payload)
            except Exception as exc:  # noqa: BLE001 - the poll covers the gap; try again
                self.connected.clear()
                log.warning(
                    "change listener lost its connection (%s); reconnecting", type(exc).__name__
                )
                self._stop.wait(1.0)
