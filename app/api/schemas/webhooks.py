"""
Webhook subscriptions: change events POSTed to a URL, signed per Standard Webhooks, or emailed
to one address.
"""

import datetime as dt

from pydantic import ConfigDict, Field

from .common import _In, _Out


class WebhookIn(_In):
    """
    Where to send which change events. The events are named in `GET /v1/webhooks`' docs.

    `format: "email"` with `url: "mailto:person@example.org"` emails each event to that one
    person instead (a plain-text and an HTML part; window events with the window as a
    calendar attachment), where the server has an SMTP server set up.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.org/purdah",
                    "events": ["override.granted", "override.revoked", "window.changed"],
                    "format": "standard",
                },
                {
                    "url": "mailto:communications@redruth-tc.gov.uk",
                    "events": ["window.changed"],
                    "format": "email",
                },
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="`standard`: an http(s) URL on a public address (loopback and private "
        "addresses are refused unless the deployment allows them). `email`: `mailto:` and one "
        "bare address (no display name, no second address, no `?` fields), at most 254 "
        "characters.",
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
        '"When a Teams webhook request is received" trigger; signed with the same headers. '
        "`email`: an email to the `mailto:` address (refused where the server has no SMTP "
        "server set up); its secret is made but unused.",
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
    response_code: int | None = Field(
        description="The receiver's HTTP status; for an email, the SMTP server's reply code "
        "(250 accepted, 550 refused...). Null when no answer came."
    )
    delivered_at: dt.datetime | None
