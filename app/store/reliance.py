"""
Decisions that relied on an override, in the audit log: once each, and a bounded number
per key a minute.

A reliance is one (override, account, category, planned instant). The first decision that
relies on it is audited (`decision.override`, with its decision id); checking the same
planned post again, from any key, worker or replica, records nothing new. So a scheduling
tool that checks its queue every minute adds one event per post, not one per check.

Once, across workers and replicas: each recorded reliance is a row of `override_reliance`
whose primary key is the reliance. The write that records it holds the organisation's lock
(`unit_of_work.write`), so writers queue; inside it the reliances already there are skipped,
and the primary key would refuse a duplicate even so. A read before the write skips the lock
altogether when nothing is new, so repeated checks cost one indexed read and no write.

Bounded: a key may record at most `limit` new reliances in any 60 seconds, counted from
the same rows inside the same lock, so the bound holds across workers and replicas too.
Beyond it the request is refused whole (429 with Retry-After), nothing is recorded, and the
decision is not given: an unrecorded reliance must not be used.

The write is `app.services.reliance.record_override_use`; these are its queries.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.domain import UTC
from app.store.errors import OverrideUseLimit
from app.store.tables import OverrideRelianceRow
from app.store.unit_of_work import Write

__all__ = [
    "LIMIT_WINDOW",
    "add_reliances",
    "check_limit",
    "reliance_of",
    "unrecorded",
]

LIMIT_WINDOW = dt.timedelta(seconds=60)
_CHUNK = 500  # reliances per IN (...) query: well inside every database's parameter limit


def reliance_of(use: Mapping[str, Any]) -> str:
    """
    The reliance a use names: override, account, category and the planned instant in UTC;
    or, for a decision that relied on an approved request, the request (once per request).
    """
    if use.get("request_id") is not None:
        return f"request|{use['request_id']}"
    at = use["at"]
    instant = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
    utc = instant.astimezone(UTC).isoformat()
    return f"{use['override_id']}|{use['account_id']}|{use['category']}|{utc}"


def add_reliances(
    change: Write, fresh: Mapping[str, Mapping[str, Any]], *, key_id: str, now: dt.datetime
) -> None:
    """Store each new reliance (its key, for the limit) and audit it (`decision.override`)."""
    for reliance, use in fresh.items():
        change.session.add(
            OverrideRelianceRow(
                organisation_id=change.organisation_id,
                reliance=reliance,
                key_id=key_id,
                recorded_at=now,
            )
        )
        if use.get("request_id") is not None:
            change.audit("decision.request", str(use["request_id"]), after=dict(use))
        else:
            change.audit("decision.override", str(use["override_id"]), after=dict(use))


def unrecorded(
    session: Session, organisation_id: str, asked: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    known: set[str] = set()
    for chunk in _chunks(list(asked)):
        known.update(
            session.execute(
                select(col(OverrideRelianceRow.reliance)).where(
                    col(OverrideRelianceRow.organisation_id) == organisation_id,
                    col(OverrideRelianceRow.reliance).in_(chunk),
                )
            ).scalars()
        )
    return {reliance: use for reliance, use in asked.items() if reliance not in known}


def _chunks(items: list[str]) -> Iterable[list[str]]:
    return (items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK))


def check_limit(
    session: Session, organisation_id: str, key_id: str, asked: int, limit: int, now: dt.datetime
) -> None:
    recent, oldest = session.execute(
        select(func.count(), func.min(col(OverrideRelianceRow.recorded_at))).where(
            col(OverrideRelianceRow.organisation_id) == organisation_id,
            col(OverrideRelianceRow.key_id) == key_id,
            col(OverrideRelianceRow.recorded_at) > now - LIMIT_WINDOW,
        )
    ).one()
    if recent + asked <= limit:
        return
    wait = (oldest + LIMIT_WINDOW - now).total_seconds() if oldest is not None else 60.0
    raise OverrideUseLimit(
        key_id=key_id,
        limit=limit,
        recent=int(recent),
        asked=asked,
        retry_after=wait if asked <= limit else LIMIT_WINDOW.total_seconds(),
    )
