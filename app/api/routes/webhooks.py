"""Webhook subscriptions: change events POSTed to a receiver, signed per Standard Webhooks."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.domain import LONDON
from app.services import webhooks
from app.store.keys import Role
from app.store.webhooks import StoredDelivery, StoredWebhook

from ..deps import Clerk, Principal, ServicesDep, request_id, require
from ..schemas import DeliveryOut, NewWebhookOut, ReasonIn, WebhookIn, WebhookOut, london

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

ClerkOrAuditor = Annotated[Principal, Depends(require(Role.CLERK, Role.AUDITOR))]


def _fields(row: StoredWebhook) -> dict[str, object]:
    return {
        "webhook_id": row.id,
        "url": row.url,
        "events": list(row.events),
        "format": row.format,
        "created_by": row.created_by,
        "created_at": london(row.created_at),
        "revoked_at": london(row.revoked_at),
    }


def _out(row: StoredWebhook) -> WebhookOut:
    return WebhookOut.model_validate(_fields(row))


def _delivery_out(row: StoredDelivery) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=row.id,
        event_id=row.event_id,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at.astimezone(LONDON),
        next_attempt_at=london(row.next_attempt_at) if row.status == "pending" else None,
        last_attempt_at=london(row.last_attempt_at),
        last_error=row.last_error,
        response_code=row.response_code,
        delivered_at=london(row.delivered_at),
    )


@router.post(
    "",
    response_model=NewWebhookOut,
    status_code=201,
    summary="Subscribe a URL or an email address to change events (Clerk)",
)
def create_webhook(
    body: WebhookIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> NewWebhookOut:
    """
    Each change event (`override.granted`, `override.revoked`, `request.created`,
    `request.decided`, `account.status_changed`, `window.changed`) is POSTed to the URL once,
    after the change commits, as `{"type", "timestamp", "data"}` with the Standard Webhooks
    headers `webhook-id`, `webhook-timestamp` and `webhook-signature`; verify them with the
    secret returned here, which is never shown again. A receiver that fails is retried with
    exponential backoff for a day (`GET /v1/webhooks/{id}/deliveries` shows how it went).

    With `format: "email"` and `url: "mailto:person@example.org"` each event is emailed to
    that person instead, through the server's SMTP server (refused with 422 where none is set
    up), and retried and recorded the same way.
    """
    made = webhooks.subscribe(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        url=body.url,
        events=body.events,
        format=body.format,
        allow_private=services.settings.webhook_allow_private_urls,
        email_enabled=services.settings.smtp_url is not None,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/webhooks/{made.webhook.id}"
    return NewWebhookOut.model_validate({**_fields(made.webhook), "secret": made.secret})


@router.get(
    "", response_model=list[WebhookOut], summary="The webhook subscriptions (Clerk, auditor)"
)
def list_webhooks(services: ServicesDep, principal: ClerkOrAuditor) -> list[WebhookOut]:
    """
    Every subscription, revoked ones too, oldest first; the secrets are never shown again.
    A subscription whose latest finished delivery was given up says since when, and why.
    """
    organisation_id = principal.organisation_id
    failing = webhooks.failing_of(services.uow, organisation_id)
    found = []
    for row in webhooks.webhooks_of(services.uow, organisation_id):
        fields = _fields(row)
        if row.id in failing:
            fields["failing_since"] = london(failing[row.id].since)
            fields["failing_reason"] = failing[row.id].reason
        found.append(WebhookOut.model_validate(fields))
    return found


@router.post(
    "/{webhook_id}/revoke",
    response_model=WebhookOut,
    summary="Stop a webhook subscription at once, with a reason (Clerk)",
)
def revoke_webhook(
    webhook_id: str, body: ReasonIn, request: Request, services: ServicesDep, principal: Clerk
) -> WebhookOut:
    """Nothing more is sent to it, deliveries still pending included (they become `cancelled`)."""
    row = webhooks.revoke_webhook(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        webhook_id,
        reason=body.reason,
        now=services.clock(),
        request_id=request_id(request),
    )
    return _out(row)


@router.post(
    "/{webhook_id}/test",
    response_model=DeliveryOut,
    status_code=202,
    summary="Send a signed test event to one subscription (Clerk)",
)
def test_webhook(
    webhook_id: str, request: Request, services: ServicesDep, principal: Clerk
) -> DeliveryOut:
    """
    Queues a `webhook.test` event for this subscription, whatever events it asked for, signed
    like every other; the answer is its delivery, which `GET .../deliveries` follows until it
    is delivered or fails. Use it to check an endpoint and its signature check before any real
    change is announced.
    """
    row = webhooks.send_test_event(
        services.uow,
        principal.organisation_id,
        principal.actor(),
        webhook_id,
        now=services.clock(),
        request_id=request_id(request),
    )
    return _delivery_out(row)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=list[DeliveryOut],
    summary="A subscription's last 100 deliveries, newest first (Clerk, auditor)",
)
def list_webhook_deliveries(
    webhook_id: str, services: ServicesDep, principal: ClerkOrAuditor
) -> list[DeliveryOut]:
    """Each event owed to the subscription: its status, attempts, last error and response code."""
    rows = webhooks.deliveries_of(services.uow, principal.organisation_id, webhook_id)
    return [_delivery_out(row) for row in rows]
