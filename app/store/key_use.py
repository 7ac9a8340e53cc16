"""
When each API key was last used.

Authenticating must stay a dictionary lookup, so a use is noted in memory and written to
`api_key.last_used_at` by `flush`, which the server runs once a minute
(`PURDAH_KEY_USE_INTERVAL`) and when it stops. The time is therefore right to within that
interval. It is usage, not a change: it is not audited and does not bump `data_version`.
"""

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import Engine, bindparam, or_, update

from .tables import ApiKeyRow

__all__ = ["KeyUse"]

_KEYS = ApiKeyRow.__table__  # type: ignore[attr-defined]
_RECORD = (
    update(_KEYS)
    .where(_KEYS.c.id == bindparam("key_id"))
    .where(or_(_KEYS.c.last_used_at.is_(None), _KEYS.c.last_used_at < bindparam("used_at")))
    .values(last_used_at=bindparam("used_at"))
)


class KeyUse:
    """The keys used since the last flush, each with the time of its latest use."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self._pending: dict[str, float] = {}

    def seen(self, key_id: str) -> None:
        """Note a successful authentication (a dictionary store; called on every request)."""
        self._pending[key_id] = self.clock()

    def latest(self, key_id: str) -> dt.datetime | None:
        """This process's use of the key not yet written, if any."""
        used = self._pending.get(key_id)
        return dt.datetime.fromtimestamp(used, dt.UTC) if used is not None else None

    def flush(self) -> int:
        """
        Write the noted uses (never moving a time backwards); return how many keys.

        On a database error the uses are kept for the next flush, and the error is raised.
        """
        pending, self._pending = self._pending, {}
        if not pending:
            return 0
        rows = [
            {"key_id": key_id, "used_at": dt.datetime.fromtimestamp(used, dt.UTC)}
            for key_id, used in pending.items()
        ]
        try:
            with self.engine.begin() as connection:
                connection.execute(_RECORD, rows)
        except Exception:
            for key_id, used in pending.items():
                if used > self._pending.get(key_id, 0.0):
                    self._pending[key_id] = used
            raise
        return len(rows)
