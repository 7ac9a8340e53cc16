"""
Webhook subscriptions: change events POSTed to a URL, signed per Standard Webhooks.
"""

import datetime as dt

from pydantic import ConfigDict, Field

from .common import _In, _Out


class WebhookIn(_In):
    """Where to send which change events. The events are named in `GET /v1/webhooks`' docs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.org/purdah",
                    "events": ["override.granted", "override.revoked", "window.changed"],
                    "format": "standard",
                }
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="An http(s) URL on a public address (loopback and private addresses are "
        "refused unless the deployment allows them).",
    )
    events: list[str] = Field(
        max_length=20,
        description="The events to send. Changes, sent when they are made: override.granted, "
        "override.revoked, request.created, request.decided, account.status_changed, "
        "window.changed, webhook.failing. Instants, sent when they come: window.upcoming (the "
        "policy's warning horizon before a window starts), window.started, window.ended, "
        "policy.review_due.",
    )
    format: str = Field(
        default="standard",
        max_length=20,
        description="`standard`: the JSON event, signed per the Standard Webhooks specification. "
        "`teams`: a Microsoft Teams Workflows webhook body (a `message` carrying an Adaptive "
        "Card 1.5: the event in words, its facts in London time, what is still allowed, and a "
        "button to the object when the service's public URL is set), for a Workflow's "
        '"When a Teams webhook request is received" trigger; signed with the same headers.',
    )


class WebhookOut(_Out):
    webhook_id: str
    url: str
    events: list[str]
    format: str
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    failing_since: dt.datetime | None = Field(
        default=None,
        description=(
            "Set while the latest finished delivery was given up after its retries: the "
            "endpoint needs fixing (see `failing_reason` and the deliveries)."
        ),
    )
    failing_reason: str | None = None


class NewWebhookOut(WebhookOut):
    """The signing secret is shown once, now; keep it where the receiver can read it."""

    secret: str = Field(
        description="`whsec_` and base64: verify each delivery's `webhook-signature` with it "
        "(any Standard Webhooks library does)."
    )


class DeliveryOut(_Out):
    delivery_id: str
    event_id: str
    status: str = Field(description="pending, delivered, failed (given up) or cancelled.")
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str | None
    response_code: int | None
    delivered_at: dt.datetime | None
