"""
Auditing decisions that relied on an override, for the roles that publish.

Only a clerk's or a scheduler's key publishes, so only their decisions that rely on an
override are recorded (`app.store.reliance`: once per override, account, category and
planned instant; at most `PURDAH_OVERRIDE_USE_LIMIT` new ones per key a minute). A viewer's or
an auditor's answer is the same decision, marked `override_use_recorded: false`, and writes
nothing, so read-only keys cannot grow the audit log.

Per process, `RelianceMemo` remembers reliances already recorded and keys already over their
limit, so repeated checks and a flooding key cost no database work at all; the database
keeps the guarantee across workers and replicas.
"""

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence

from sqlalchemy import Engine

from app.domain import Decision, ReasonCode
from app.services.reliance import record_override_use
from app.store.errors import OverrideUseLimit
from app.store.keys import Role
from app.store.reliance import reliance_of
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = [
    "PUBLISHING_ROLES",
    "RelianceMemo",
    "batch_override_uses",
    "override_use_recorded",
    "override_uses",
    "record_uses",
    "relies_on_override",
]

log = logging.getLogger(__name__)

# The roles whose keys publish, so whose reliance on an override is audited.
PUBLISHING_ROLES = frozenset(str(r) for r in (Role.CLERK, Role.SCHEDULER))

_Use = Mapping[str, object]


_RELIED_ON = frozenset({ReasonCode.OVERRIDE_APPLIED, ReasonCode.REQUEST_APPROVED})


def relies_on_override(decision: Decision) -> bool:
    """Whether the decision relied on the Clerk's override or approval of a request."""
    return any(r.code in _RELIED_ON for r in decision.reasons)


def override_use_recorded(decision: Decision, role: str) -> bool | None:
    """
    The decision's `override_use_recorded`: None if it relied on no override; else whether
    its reliance is in the audit log (true for a publishing role: the answer is sent only
    once it is recorded).
    """
    if not relies_on_override(decision):
        return None
    return role in PUBLISHING_ROLES


def override_uses(decision: Decision, role: str) -> tuple[dict[str, object], ...]:
    """What to audit for a decision (usually nothing; never anything for a read-only role)."""
    if role not in PUBLISHING_ROLES:
        return ()
    return tuple(
        {
            ("request_id" if reason.request_id else "override_id"): (
                reason.request_id or reason.override_id
            ),
            "decision_id": decision.decision_id,
            "account_id": decision.account_id,
            "category": str(decision.category),
            "at": decision.at.isoformat(),
        }
        for reason in decision.reasons
        if reason.code in _RELIED_ON
    )


def batch_override_uses(decisions: Sequence[Decision], role: str) -> tuple[dict[str, object], ...]:
    """`override_uses` of each decision of a batch, in order (one pass, no call for most)."""
    if role not in PUBLISHING_ROLES:
        return ()
    uses: list[dict[str, object]] = []
    for decision in decisions:
        for reason in decision.reasons:
            if reason.code in _RELIED_ON:
                uses.extend(override_uses(decision, role))
                break
    return tuple(uses)


class RelianceMemo:
    """
    Per process: reliances known to be recorded (bounded; forgotten all at once when full),
    and keys known to be over their limit, until when.
    """

    def __init__(self, *, max_entries: int = 100_000) -> None:
        self._recorded: set[tuple[str, str]] = set()
        self._blocked: dict[str, dt.datetime] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def unrecorded(self, organisation_id: str, uses: Sequence[_Use]) -> list[_Use]:
        return [u for u in uses if (organisation_id, reliance_of(u)) not in self._recorded]

    def remember(self, organisation_id: str, uses: Sequence[_Use]) -> None:
        with self._lock:
            if len(self._recorded) + len(uses) > self._max_entries:
                self._recorded.clear()
            self._recorded.update((organisation_id, reliance_of(u)) for u in uses)

    def blocked_for(self, key_id: str, now: dt.datetime) -> float | None:
        """Seconds the key must still wait, if it is known to be over its limit."""
        until = self._blocked.get(key_id)
        if until is None:
            return None
        left = (until - now).total_seconds()
        if left > 0:
            return left
        with self._lock:
            self._blocked.pop(key_id, None)
        return None

    def block(self, key_id: str, until: dt.datetime) -> None:
        with self._lock:
            if len(self._blocked) >= self._max_entries:
                self._blocked.clear()
            self._blocked[key_id] = until


async def record_uses(
    memo: RelianceMemo,
    engine: Engine,
    actor: Actor,
    uses: Sequence[_Use],
    *,
    organisation_id: str,
    key_id: str,
    limit: int,
    now: dt.datetime,
) -> bool:
    """
    Record the uses not yet recorded, off the event loop. False if they could not be (the
    caller then fails closed: an override whose use is not recorded must not be used).

    Raises:
        OverrideUseLimit: the key is over its limit (429); nothing is recorded.
    """
    fresh = memo.unrecorded(organisation_id, uses)
    if not fresh:
        return True
    wait = memo.blocked_for(key_id, now)
    if wait is not None:
        raise OverrideUseLimit(
            key_id=key_id, limit=limit, recent=limit, asked=len(fresh), retry_after=wait
        )
    try:
        await asyncio.to_thread(
            record_override_use, UnitOfWork(engine), organisation_id, actor, fresh,
            key_id=key_id, limit=limit, now=now,
        )  # fmt: skip
    except OverrideUseLimit as exc:
        if exc.full:
            memo.block(key_id, now + dt.timedelta(seconds=exc.retry_after))
        raise
    except Exception:
        log.exception("could not audit an override's use; failing closed")
        return False
    memo.remember(organisation_id, fresh)
    return True
