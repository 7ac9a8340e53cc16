"""
The outbox: change events written in the transaction of the change they announce.

The unit of work (`unit_of_work.write`) calls `write_outbox` just before it commits, with the
audit events of the write and, where the write recomputed the restricted periods, each
election's period before it. This module is the one place that turns those into change
events (`events_of`) and builds their payloads: a write that rolls back leaves no event, and
a write that commits always leaves its events, each with one pending delivery per live
webhook subscription that asked for its type (`webhook_delivery`).

A payload has the Standard Webhooks shape, `{"type", "timestamp", "data"}`; `data` carries the
organisation, the object with its times in Europe/London with their offsets (as the API shows
them) and `link`, the object's path in the API.
"""

import datetime as dt
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.domain import LONDON, Window
from app.domain.time_events import TIME_EVENT_TYPES
from app.store.tables import (
    OutboxEventRow,
    RestrictedPeriodRow,
    WebhookDeliveryRow,
    WebhookRow,
)

__all__ = [
    "EVENT_TYPES",
    "AuditedChange",
    "ChangeEvent",
    "events_of",
    "live_subscriptions",
    "periods_of",
    "window_data",
    "write_outbox",
    "write_outbox_many",
]

EVENT_TYPES = (
    "override.granted",
    "override.revoked",
    "request.created",
    "request.decided",
    "account.status_changed",
    "window.changed",
    "webhook.failing",
    # sent by the scheduler at their instants (`app.services.time_events`), not by a write
    *TIME_EVENT_TYPES,
)

# {election id: (start, end)} of the organisation's stored restricted periods
Periods = dict[str, tuple[dt.datetime, dt.datetime]]


@dataclass(frozen=True, slots=True)
class AuditedChange:
    """One audit event of a write, with its values as they were (datetimes still datetimes)."""

    action: str
    target: str
    reason: str | None
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A change event before it is stored: its type and the object it announces."""

    type: str
    data: dict[str, Any]


def _shown(value: Any) -> Any:
    """JSON-native form with instants in Europe/London with their offset, days as ISO dates."""
    if isinstance(value, dt.datetime):
        return value.astimezone(LONDON).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_shown(v) for v in value]
    return json.loads(json.dumps(value, default=str))


def _override(change: AuditedChange, type_: str) -> ChangeEvent:
    return ChangeEvent(
        type_,
        {
            "override_id": change.target,
            **dict(change.after or {}),
            "reason": change.reason,
            "link": f"/v1/overrides/{change.target}",
        },
    )


# the actions that decide a request, each announced as `request.decided` with its verb
_DECISIONS = ("request.approve", "request.confirm", "request.reject", "request.withdraw")


def _request(change: AuditedChange, type_: str) -> ChangeEvent:
    decision = change.action.removeprefix("request.")
    data: dict[str, Any] = {**dict(change.after or {}), "request_id": change.target}
    if type_ == "request.decided":
        data["decision"] = decision
        data["reason"] = change.reason
    data["link"] = f"/v1/requests/{change.target}"
    return ChangeEvent(type_, data)


def _account(change: AuditedChange) -> ChangeEvent | None:
    """An account whose status moved; a proposed one moves from no status at all."""
    before = (change.before or {}).get("status")
    after = (change.after or {}).get("status")
    if before == after:
        return None
    return ChangeEvent(
        "account.status_changed",
        {
            "account_id": change.target,
            "status": after,
            "previous_status": before,
            "action": change.action.removeprefix("account."),
            "reason": change.reason,
            "link": f"/v1/accounts/{change.target}",
        },
    )


def _manual_window(change: AuditedChange, now: dt.datetime) -> ChangeEvent:
    before, after = change.before, dict(change.after or {})
    if before is None:
        what = "created"
    elif after.get("ends_at") == now and before.get("ends_at") != now:
        what = "ended"
    else:
        what = "changed"
    return ChangeEvent(
        "window.changed",
        {
            "kind": "manual",
            "window_id": change.target,
            "change": what,
            "before": before,
            "after": after,
            "reason": change.reason,
            "link": f"/v1/windows/{change.target}",
        },
    )


def _span(period: tuple[dt.datetime, dt.datetime] | None) -> dict[str, dt.datetime] | None:
    return None if period is None else {"starts_at": period[0], "ends_at": period[1]}


def window_data(window: Window) -> dict[str, Any]:
    """A window as `GET /v1/windows` shows it (times still datetimes: `_shown` writes them)."""
    return {
        "window_id": window.window_id,
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "election_ids": list(window.election_ids),
        "manual_window_ids": list(window.manual_window_ids),
        "estimated": window.estimated,
        "description": window.describe(),
    }


def _moved_periods(
    before: Periods, after: Periods, windows: Sequence[Window] = ()
) -> list[ChangeEvent]:
    """
    A `window.changed` for each election whose restricted period appeared, moved or went,
    with the window it is part of now (None when it went).
    """
    events = []
    for election_id in sorted(before.keys() | after.keys()):
        old, new = before.get(election_id), after.get(election_id)
        if old == new:
            continue
        what = "created" if old is None else "removed" if new is None else "moved"
        events.append(
            ChangeEvent(
                "window.changed",
                {
                    "kind": "election",
                    "election_id": election_id,
                    "change": what,
                    "before": _span(old),
                    "after": _span(new),
                    "window": next(
                        (window_data(w) for w in windows if election_id in w.election_ids),
                        None,
                    ),
                    "link": f"/v1/elections/{election_id}",
                },
            )
        )
    return events


def events_of(
    changes: Sequence[AuditedChange],
    *,
    now: dt.datetime,
    periods_before: Periods | None = None,
    periods_after: Periods | None = None,
    windows_after: Sequence[Window] = (),
) -> list[ChangeEvent]:
    """
    The change events of a write, from its audit actions (the one mapping): an override
    granted or revoked; a request created, or decided (approved, confirmed, rejected); an
    account whose status moved; a manual window created, changed or ended; a subscription
    given up on (`webhook.failing`, to the subscriptions that asked for it); and, when the
    write recomputed the periods, each election whose restricted period moved.
    """
    events: list[ChangeEvent] = []
    for change in changes:
        action = change.action
        if action == "override.grant":
            events.append(_override(change, "override.granted"))
        elif action == "override.revoke":
            events.append(_override(change, "override.revoked"))
        elif action == "request.create":
            events.append(_request(change, "request.created"))
        elif action in _DECISIONS:
            events.append(_request(change, "request.decided"))
        elif action.startswith("account.") and (
            change.before is not None or action == "account.propose"
        ):
            event = _account(change)
            if event is not None:
                events.append(event)
        elif action in ("window.create", "window.change"):
            events.append(_manual_window(change, now))
        elif action == "webhook.failing":
            events.append(
                ChangeEvent(
                    "webhook.failing",
                    {
                        "webhook_id": change.target,
                        "reason": change.reason,
                        **(change.after or {}),
                        "link": f"/v1/webhooks/{change.target}/deliveries",
                    },
                )
            )
    if periods_before is not None and periods_after is not None:
        events += _moved_periods(periods_before, periods_after, windows_after)
    return events


def periods_of(session: Session, organisation_id: str) -> Periods:
    """The organisation's stored restricted periods, by election."""
    rows = session.execute(
        select(RestrictedPeriodRow).where(
            col(RestrictedPeriodRow.organisation_id) == organisation_id
        )
    ).scalars()
    return {row.election_id: (row.starts_at, row.ends_at) for row in rows}


def live_subscriptions(
    session: Session, organisation_ids: Collection[str]
) -> dict[str, list[WebhookRow]]:
    """The organisations' subscriptions not revoked, in one query."""
    found: dict[str, list[WebhookRow]] = {}
    for row in session.execute(
        select(WebhookRow).where(
            col(WebhookRow.organisation_id).in_(list(organisation_ids)),
            col(WebhookRow.revoked_at).is_(None),
        )
    ).scalars():
        found.setdefault(row.organisation_id, []).append(row)
    return found


def write_outbox(
    session: Session,
    organisation_id: str,
    events: Sequence[ChangeEvent],
    *,
    now: dt.datetime,
    to: WebhookRow | None = None,
) -> list[OutboxEventRow]:
    """
    Store the events, and a pending delivery of each to every live subscription of the
    organisation that asked for its type, in the caller's transaction; or, with `to`, to that
    one subscription whatever it asked for (a test event).
    """
    if not events:
        return []
    if to is not None:
        return _write(session, [(organisation_id, e) for e in events], now, {}, to=to)
    subscribers = live_subscriptions(session, [organisation_id])
    return _write(session, [(organisation_id, e) for e in events], now, subscribers)


def write_outbox_many(
    session: Session,
    events: Sequence[tuple[str, ChangeEvent]],
    *,
    now: dt.datetime,
    subscribers: Mapping[str, Sequence[WebhookRow]],
) -> list[OutboxEventRow]:
    """
    `write_outbox` for the events of many organisations at once, each `(organisation id,
    event)`, with their live subscriptions read already (`live_subscriptions`): two inserts
    of many rows, however many organisations.
    """
    return _write(session, events, now, subscribers)


def _write(
    session: Session,
    events: Sequence[tuple[str, ChangeEvent]],
    now: dt.datetime,
    subscribers: Mapping[str, Sequence[WebhookRow]],
    *,
    to: WebhookRow | None = None,
) -> list[OutboxEventRow]:
    rows = []
    for organisation_id, event in events:
        row = OutboxEventRow(
            id=str(uuid.uuid4()),
            organisation_id=organisation_id,
            type=event.type,
            created_at=now,
            payload={
                "type": event.type,
                "timestamp": _shown(now),
                "data": _shown({"organisation_id": organisation_id, **event.data}),
            },
        )
        rows.append(row)
    session.add_all(rows)
    session.flush()  # the events before the deliveries that refer to them
    deliveries = []
    for row in rows:
        webhooks = [to] if to is not None else subscribers.get(row.organisation_id, ())
        for webhook in webhooks:
            if to is None and (
                row.type not in webhook.events
                # a subscription given up on is not told so itself: it would fail again
                or (
                    row.type == "webhook.failing"
                    and row.payload["data"]["webhook_id"] == webhook.id
                )
            ):
                continue
            deliveries.append(
                WebhookDeliveryRow(
                    id=str(uuid.uuid4()),
                    organisation_id=row.organisation_id,
                    webhook_id=webhook.id,
                    event_id=row.id,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    session.add_all(deliveries)
    session.flush()
    return rows
