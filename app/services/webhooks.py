"""
Webhook subscriptions (Clerk): where to POST which change events, signed per Standard Webhooks,
or to whom to email them.

The signing secret (`whsec_` and the base64 of 32 random bytes, as the Standard Webhooks
specification writes it) is returned once, when the subscription is made; the list never
shows it. A URL must be http(s) on a public address, by the same checks as a calendar URL
(`calendars.fetch.check_url`), unless `PURDAH_WEBHOOK_ALLOW_PRIVATE_URLS`.

A subscription of format `email` is one recipient, `mailto:` and one bare address
(`domain.recipients.email_recipient`), sent through the server's SMTP server
(`services.mail`); it can be made only where one is set up (`PURDAH_SMTP_URL`). Its secret is
made all the same, and unused.
"""

import base64
import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import col

from app.calendars.fetch import SourceUnavailable, check_url
from app.domain.changes import require_text
from app.domain.recipients import MAILTO, email_recipient
from app.store.errors import InvalidChange, NotFound
from app.store.outbox import EVENT_TYPES, ChangeEvent, write_outbox
from app.store.tables import WebhookDeliveryRow, WebhookRow
from app.store.unit_of_work import Actor, UnitOfWork
from app.store.webhooks import (
    Failing,
    StoredDelivery,
    StoredWebhook,
    failing_webhooks,
    list_deliveries,
    list_webhooks,
)

__all__ = [
    "TEST_EVENT",
    "send_test_event",
    "FORMATS",
    "NO_EMAIL",
    "NewWebhook",
    "deliveries_of",
    "failing_of",
    "revoke_webhook",
    "subscribe",
    "webhooks_of",
]

FORMATS = ("standard", "teams", "email")
NO_EMAIL = (
    "email notifications are not set up on this server: its administrator sets "
    "PURDAH_SMTP_URL and PURDAH_SMTP_FROM"
)
_MAX_URL = 2000


@dataclass(frozen=True, slots=True)
class NewWebhook:
    """A subscription just made, and its signing secret: the only time it is shown."""

    webhook: StoredWebhook
    secret: str


def _new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _checked_events(events: Sequence[str]) -> list[str]:
    known = ", ".join(EVENT_TYPES)
    if not events:
        raise InvalidChange(field="events", problem=f"name at least one event of: {known}")
    unknown = sorted({e for e in events if e not in EVENT_TYPES})
    if unknown:
        raise InvalidChange(
            field="events",
            problem=f"unknown event {', '.join(map(repr, unknown))}; the events are: {known}",
        )
    return [e for e in EVENT_TYPES if e in events]


def _checked_url(url: str, *, format: str, allow_private: bool, email_enabled: bool) -> str:  # noqa: A002 - the field's name in the API
    if format == "email":
        if not email_enabled:
            raise InvalidChange(field="format", problem=NO_EMAIL)
        return MAILTO + email_recipient(url)
    if url[: len(MAILTO)].lower() == MAILTO:
        raise InvalidChange(field="url", problem='a mailto: address needs "format": "email"')
    if len(url) > _MAX_URL:
        raise InvalidChange(field="url", problem=f"longer than {_MAX_URL} characters")
    try:
        check_url(url, allow_private=allow_private, purpose="sends webhooks to")
    except SourceUnavailable as exc:
        raise InvalidChange(field="url", problem=exc.problem) from None
    return url


def subscribe(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    *,
    url: str,
    events: Sequence[str],
    format: str,  # noqa: A002 - the field's name in the API
    allow_private: bool,
    now: dt.datetime,
    email_enabled: bool = False,
    request_id: str | None = None,
) -> NewWebhook:
    """
    Subscribe `url` to `events`; the secret is in the result only.

    Args:
        email_enabled: the server can send email (`PURDAH_SMTP_URL`): format `email` may be
            chosen.

    Raises:
        InvalidChange: an unknown event or format, a URL the server must not reach, a
            `mailto:` that is not one bare address, or email where it is not set up.
    """
    chosen = _checked_events(events)
    if format not in FORMATS:
        raise InvalidChange(field="format", problem=f"one of: {', '.join(FORMATS)}")
    checked = _checked_url(
        url, format=format, allow_private=allow_private, email_enabled=email_enabled
    )
    secret = _new_secret()
    with uow.write(organisation_id, actor, now=now, request_id=request_id, bump=False) as change:
        row = WebhookRow(
            id=f"wh-{secrets.token_hex(6)}",
            organisation_id=organisation_id,
            url=checked,
            events=chosen,
            format=format,
            secret=secret,
            created_by=actor.name,
            created_at=now,
        )
        change.session.add(row)
        change.session.flush()
        change.audit(
            "webhook.create", row.id, after={"url": checked, "events": chosen, "format": format}
        )
        return NewWebhook(StoredWebhook.of(row), secret)


def revoke_webhook(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    webhook_id: str,
    *,
    reason: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredWebhook:
    """
    Stop a subscription at once: nothing more is sent to it, pending deliveries included
    (they are marked `cancelled`).

    Raises:
        NotFound: no such subscription of the organisation.
        InvalidChange: no reason, or revoked already.
    """
    with uow.write(organisation_id, actor, now=now, request_id=request_id, bump=False) as change:
        text = require_text(reason, field="reason", problem="revoking a webhook needs a reason")
        row = change.session.get(WebhookRow, webhook_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="webhook", identifier=webhook_id)
        if row.revoked_at is not None:
            raise InvalidChange(
                field="webhook_id",
                problem=f"webhook {webhook_id} was revoked at {row.revoked_at.isoformat()}",
            )
        row.revoked_at = now
        row.revoked_by = actor.name
        change.session.add(row)
        change.session.execute(
            update(WebhookDeliveryRow)
            .where(
                col(WebhookDeliveryRow.webhook_id) == webhook_id,
                col(WebhookDeliveryRow.status) == "pending",
            )
            .values(status="cancelled")
        )
        change.audit(
            "webhook.revoke",
            webhook_id,
            reason=text,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
        change.session.flush()
        return StoredWebhook.of(row)


def webhooks_of(uow: UnitOfWork, organisation_id: str) -> list[StoredWebhook]:
    """The organisation's subscriptions, revoked ones too, oldest first; never a secret."""
    return list_webhooks(uow.engine, organisation_id)


def failing_of(uow: UnitOfWork, organisation_id: str) -> dict[str, Failing]:
    """The organisation's subscriptions whose latest finished delivery was given up."""
    return failing_webhooks(uow.engine, organisation_id)


def deliveries_of(uow: UnitOfWork, organisation_id: str, webhook_id: str) -> list[StoredDelivery]:
    """A subscription's last 100 deliveries, newest first. Raises NotFound."""
    return list_deliveries(uow.engine, organisation_id, webhook_id)


TEST_EVENT = "webhook.test"


def send_test_event(
    uow: UnitOfWork,
    organisation_id: str,
    actor: Actor,
    webhook_id: str,
    *,
    now: dt.datetime,
    request_id: str | None = None,
) -> StoredDelivery:
    """
    Queue a `webhook.test` event for one subscription, whatever events it asked for: the
    integrator sees a signed delivery arrive (and `GET .../deliveries` says how it went)
    before any real change. Audited as `webhook.test`; it changes no decision.

    Raises:
        NotFound: no such subscription of the organisation.
        InvalidChange: the subscription was revoked.
    """
    with uow.write(organisation_id, actor, now=now, request_id=request_id, bump=False) as change:
        row = change.session.get(WebhookRow, webhook_id)
        if row is None or row.organisation_id != organisation_id:
            raise NotFound(what="webhook", identifier=webhook_id)
        if row.revoked_at is not None:
            raise InvalidChange(
                field="webhook_id",
                problem=f"webhook {webhook_id} was revoked at {row.revoked_at.isoformat()}",
            )
        event = ChangeEvent(
            TEST_EVENT,
            {
                "webhook_id": webhook_id,
                "message": "A test event: your endpoint received it, and can verify its "
                "signature with the subscription's secret.",
                "link": f"/v1/webhooks/{webhook_id}",
            },
        )
        (stored,) = write_outbox(change.session, organisation_id, [event], now=now, to=row)
        delivery = change.session.execute(
            select(WebhookDeliveryRow).where(col(WebhookDeliveryRow.event_id) == stored.id)
        ).scalar_one()
        change.audit("webhook.test", webhook_id, after={"event_id": stored.id})
        return StoredDelivery.of(delivery)
