"""
Webhook subscriptions and their deliveries, as stored.

A delivery is claimed before it is sent (`claim_due`): in one short transaction the due
pending rows are locked (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so two replicas
never take the same row), their attempt is counted and their `next_attempt_at` moved on by a
lease with a compare-and-set update (on SQLite, whose select locks nothing, two uvicorn
workers may select the same row: only one update matches it), and the transaction commits
before anything is sent. Another replica sees the row as not due until the lease runs out, so an
event goes out once; only a replica that dies between sending and `record_attempts` leaves it
to be sent again when the lease ends (the receiver deduplicates by `webhook-id`).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from app.store.errors import NotFound
from app.store.records import _Record
from app.store.tables import OutboxEventRow, WebhookDeliveryRow, WebhookRow

__all__ = [
    "Claimed",
    "StoredDelivery",
    "StoredWebhook",
    "claim_due",
    "PURGE_AFTER",
    "Failing",
    "failing_webhooks",
    "list_deliveries",
    "purge_finished",
    "list_webhooks",
    "Attempt",
    "record_attempts",
    "release_claims",
]


@dataclass(frozen=True, slots=True)
class StoredWebhook(_Record):
    """A webhook subscription (its secret is not part of it: shown once, when made)."""

    id: str
    organisation_id: str
    url: str
    events: list[str]
    format: str
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None


@dataclass(frozen=True, slots=True)
class StoredDelivery(_Record):
    """One event owed to one subscription, and how sending it went."""

    id: str
    webhook_id: str
    event_id: str
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    last_attempt_at: dt.datetime | None
    last_error: str | None
    response_code: int | None
    delivered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """
    A delivery claimed for one attempt: what to send, where, signed with what; `format` says
    how (`standard`: the event POSTed to `url`; `teams`: its card POSTed there; `email`: a
    message to the `mailto:` address of `url`).
    """

    delivery_id: str
    organisation_id: str
    webhook_id: str
    event_id: str
    event_type: str
    payload: dict[str, Any]
    url: str
    format: str  # the subscription's format: `standard`, `teams` or `email`
    secret: str
    attempt: int
    created_at: dt.datetime


def list_webhooks(engine: Engine, organisation_id: str) -> list[StoredWebhook]:
    """The organisation's subscriptions, revoked ones too, oldest first."""
    with Session(engine) as session:
        rows = session.execute(
            select(WebhookRow)
            .where(col(WebhookRow.organisation_id) == organisation_id)
            .order_by(col(WebhookRow.created_at), col(WebhookRow.id))
        ).scalars()
        return [StoredWebhook.of(row) for row in rows]


# Finished deliveries (and the events left with none) are kept this long, for the Clerk's
# `GET /v1/webhooks/{id}/deliveries` and `failing_since`, then deleted.
PURGE_AFTER = dt.timedelta(days=90)
_FINISHED = ("delivered", "failed", "cancelled")


def purge_finished(engine: Engine, *, before: dt.datetime) -> int:
    """
    Delete the deliveries made before `before` that are finished (delivered, given up or
    cancelled; a pending one is never deleted), then the events made before it that no
    delivery refers to any more. Returns the number of deliveries deleted.
    """
    with Session(engine) as session, session.begin():
        deleted = session.execute(
            delete(WebhookDeliveryRow).where(
                col(WebhookDeliveryRow.status).in_(_FINISHED),
                col(WebhookDeliveryRow.created_at) < before,
            )
        )
        owed = select(col(WebhookDeliveryRow.id)).where(
            col(WebhookDeliveryRow.event_id) == col(OutboxEventRow.id)
        )
        session.execute(
            delete(OutboxEventRow).where(col(OutboxEventRow.created_at) < before, ~owed.exists())
        )
        return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Failing:
    """A subscription whose last finished delivery was given up: since when, and why."""

    since: dt.datetime
    reason: str | None


def failing_webhooks(engine: Engine, organisation_id: str) -> dict[str, Failing]:
    """
    The organisation's subscriptions failing now: those whose latest finished delivery
    (delivered or given up) was given up. A later delivery that arrives clears it.
    """
    with Session(engine) as session:
        rows = session.execute(
            select(
                col(WebhookDeliveryRow.webhook_id),
                col(WebhookDeliveryRow.status),
                col(WebhookDeliveryRow.last_attempt_at),
                col(WebhookDeliveryRow.last_error),
            )
            .where(
                col(WebhookDeliveryRow.organisation_id) == organisation_id,
                col(WebhookDeliveryRow.status).in_(["delivered", "failed"]),
                col(WebhookDeliveryRow.last_attempt_at).is_not(None),
            )
            .order_by(col(WebhookDeliveryRow.last_attempt_at))
        ).all()
    latest: dict[str, tuple[str, dt.datetime, str | None]] = {}
    for webhook_id, status, at, error in rows:
        latest[webhook_id] = (status, at, error)
    return {
        webhook_id: Failing(at, error)
        for webhook_id, (status, at, error) in latest.items()
        if status == "failed"
    }


def list_deliveries(
    engine: Engine, organisation_id: str, webhook_id: str, *, limit: int = 100
) -> list[StoredDelivery]:
    """
    A subscription's deliveries, newest first.

    Raises:
        NotFound: no such subscription of the organisation.
    """
    with Session(engine) as session:
        webhook = session.get(WebhookRow, webhook_id)
        if webhook is None or webhook.organisation_id != organisation_id:
            raise NotFound(what="webhook", identifier=webhook_id)
        rows = session.execute(
            select(WebhookDeliveryRow)
            .join(OutboxEventRow, col(OutboxEventRow.id) == col(WebhookDeliveryRow.event_id))
            .where(col(WebhookDeliveryRow.webhook_id) == webhook_id)
            .order_by(col(OutboxEventRow.seq).desc())
            .limit(limit)
        ).scalars()
        return [StoredDelivery.of(row) for row in rows]


def claim_due(
    engine: Engine, *, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[Claimed]:
    """
    Claim up to `limit` pending deliveries due at `now`, oldest due first (see the module):
    each gets its attempt counted and is not due again until `now + lease`.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        query = (
            select(WebhookDeliveryRow, OutboxEventRow, WebhookRow)
            .join(OutboxEventRow, col(OutboxEventRow.id) == col(WebhookDeliveryRow.event_id))
            .join(WebhookRow, col(WebhookRow.id) == col(WebhookDeliveryRow.webhook_id))
            .where(
                col(WebhookDeliveryRow.status) == "pending",
                col(WebhookDeliveryRow.next_attempt_at) <= now,
                col(WebhookRow.revoked_at).is_(None),
            )
            # first attempts go out in the order the events were written
            .order_by(col(WebhookDeliveryRow.next_attempt_at), col(OutboxEventRow.seq))
            .limit(limit)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=WebhookDeliveryRow)
        found = session.execute(query).all()
        if not found:
            return []
        # compare and set, for all at once: on SQLite the select above locks nothing, so a
        # second process (uvicorn workers) may have selected the same rows; a row another
        # claimed is no longer due, so only one update matches it
        taken = {
            delivery_id
            for (delivery_id,) in session.execute(
                update(WebhookDeliveryRow)
                .where(
                    col(WebhookDeliveryRow.id).in_([d.id for d, _, _ in found]),
                    col(WebhookDeliveryRow.status) == "pending",
                    col(WebhookDeliveryRow.next_attempt_at) <= now,
                )
                .values(attempts=col(WebhookDeliveryRow.attempts) + 1, next_attempt_at=now + lease)
                .returning(col(WebhookDeliveryRow.id))
                .execution_options(synchronize_session=False)
            ).all()
        }
        return [
            Claimed(
                delivery_id=delivery.id,
                organisation_id=delivery.organisation_id,
                webhook_id=webhook.id,
                event_id=event.id,
                event_type=event.type,
                payload=dict(event.payload),
                url=webhook.url,
                secret=webhook.secret,
                format=webhook.format,
                attempt=delivery.attempts + 1,
                created_at=delivery.created_at,
            )
            for delivery, event, webhook in found
            if delivery.id in taken
        ]


@dataclass(frozen=True, slots=True)
class Attempt:
    """
    How one attempt went: `status` delivered, failed (given up) or pending until
    `next_attempt_at`; the receiver's status code (or SMTP reply code) and the error.
    """

    delivery_id: str
    at: dt.datetime
    status: str
    next_attempt_at: dt.datetime | None
    response_code: int | None
    error: str | None


def release_claims(engine: Engine, delivery_ids: Sequence[str], *, now: dt.datetime) -> None:
    """Give back claimed deliveries that were not tried: due at `now`, their attempt uncounted."""
    if not delivery_ids:
        return
    with Session(engine) as session, session.begin():
        session.execute(
            update(WebhookDeliveryRow)
            .where(
                col(WebhookDeliveryRow.id).in_(list(delivery_ids)),
                col(WebhookDeliveryRow.status) == "pending",
            )
            .values(next_attempt_at=now, attempts=col(WebhookDeliveryRow.attempts) - 1)
        )


def record_attempts(engine: Engine, attempts: Sequence[Attempt]) -> None:
    """Record how each attempt went, in one transaction (updates of one shape batched)."""
    if not attempts:
        return
    shapes: dict[frozenset[str], list[dict[str, Any]]] = {}
    for attempt in attempts:
        values: dict[str, Any] = {
            "id": attempt.delivery_id,
            "status": attempt.status,
            "last_attempt_at": attempt.at,
            "response_code": attempt.response_code,
            "last_error": attempt.error,
        }
        if attempt.next_attempt_at is not None:
            values["next_attempt_at"] = attempt.next_attempt_at
        if attempt.status == "delivered":
            values["delivered_at"] = attempt.at
        shapes.setdefault(frozenset(values), []).append(values)
    with Session(engine) as session, session.begin():
        for rows in shapes.values():
            session.execute(update(WebhookDeliveryRow), rows)
