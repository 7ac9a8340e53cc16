"""
One payload of each event type, shaped as the outbox and the scheduler write them
(`app.store.outbox`; the window and policy-review events as the time-event design gives them).
Reverse-engineered from the code, not taken from a real delivery.
"""

from typing import Any

__all__ = ["EVENT_PAYLOADS"]

_ORG = {"organisation_id": "org-a", "organisation_name": "Example Town Council"}
# Reference election: local.cornwall.2025-05-01 (notice of election published 14 March 2025)
_WINDOW = {
    "window_id": "w-2025-03-14",
    "starts_at": "2025-03-14T00:00:00+00:00",
    "ends_at": "2025-05-01T22:00:00+01:00",
    "election_ids": ["local.cornwall.2025-05-01"],
    "manual_window_ids": [],
    "estimated": False,
    "description": "Cornwall Council elections",
}
_TIME_EVENT = {
    **_ORG,
    "window": _WINDOW,
    "boundary_at": "2025-03-14T00:00:00+00:00",
    "due_at": "2025-03-14T00:00:00+00:00",
    "late": True,
    "guidance": {
        "permitted": ["service-information", "emergency"],
        "referred": ["consultation"],
        "never_permitted": ["party-political"],
    },
    "link": "/v1/windows?from=2025-03-14T00:00:00%2B00:00",
}


def _event(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_, "timestamp": "2025-03-14T00:00:05+00:00", "data": data}


EVENT_PAYLOADS: dict[str, dict[str, Any]] = {
    "window.upcoming": _event("window.upcoming", _TIME_EVENT),
    "window.started": _event("window.started", _TIME_EVENT),
    "window.ended": _event("window.ended", _TIME_EVENT | {"guidance": None}),
    "window.changed": _event(
        "window.changed",
        {
            **_ORG,
            "kind": "manual",
            "window_id": "mw-1",
            "change": "changed",
            "before": {"starts_at": "2025-06-01T00:00:00+01:00", "ends_at": None},
            "after": {
                "starts_at": "2025-06-01T00:00:00+01:00",
                "ends_at": "2025-06-05T22:00:00+01:00",
                "reason": "Referendum announced late",
                "account_ids": [],
            },
            "reason": "End fixed",
            "link": "/v1/windows/mw-1",
        },
    ),
    "override.granted": _event(
        "override.granted",
        {
            **_ORG,
            "override_id": "ov-1",
            "account_id": "facebook-main",
            "starts_at": "2025-04-10T08:00:00+01:00",
            "ends_at": "2025-04-10T17:00:00+01:00",
            "categories": ["event"],
            "anchors": [],
            "confirmed_at": None,
            "revoked_at": None,
            "reason": "Street fair road closures",
            "link": "/v1/overrides/ov-1",
        },
    ),
    "override.revoked": _event(
        "override.revoked",
        {
            **_ORG,
            "override_id": "ov-1",
            "account_id": None,
            "starts_at": "2025-04-10T08:00:00+01:00",
            "ends_at": "2025-04-10T17:00:00+01:00",
            "categories": None,
            "revoked_at": "2025-04-09T12:00:00+01:00",
            "reason": "Fair cancelled",
            "link": "/v1/overrides/ov-1",
        },
    ),
    "request.created": _event(
        "request.created",
        {
            **_ORG,
            "request_id": "rq-1",
            "account_id": "x-main",
            "at": "2025-04-02T12:30:00+01:00",
            "category": "consultation",
            "requested_by": "comms scheduler",
            "status": "pending",
            "link": "/v1/requests/rq-1",
        },
    ),
    "request.decided": _event(
        "request.decided",
        {
            **_ORG,
            "request_id": "rq-1",
            "account_id": "x-main",
            "at": "2025-04-02T12:30:00+01:00",
            "category": "consultation",
            "decision": "approve",
            "decided_by": "clerk",
            "reason": "Statutory consultation",
            "link": "/v1/requests/rq-1",
        },
    ),
    "account.status_changed": _event(
        "account.status_changed",
        {
            **_ORG,
            "account_id": "x-main",
            "status": "suspended",
            "previous_status": "active",
            "action": "suspend",
            "reason": "Password leaked",
            "link": "/v1/accounts/x-main",
        },
    ),
    "policy.review_due": _event(
        "policy.review_due",
        {
            **_ORG,
            "review_due": "2025-07-01",
            "due_at": "2025-07-01T00:00:00+01:00",
            "late": False,
            "link": "/v1/policy",
        },
    ),
    "webhook.failing": _event(
        "webhook.failing",
        {
            **_ORG,
            "webhook_id": "wh-1",
            "reason": "the receiver answered 500",
            "delivery_id": "d-1",
            "event_id": "e-1",
            "link": "/v1/webhooks/wh-1/deliveries",
        },
    ),
    "webhook.test": _event(
        "webhook.test",
        {**_ORG, "webhook_id": "wh-1", "message": "A test event.", "link": "/v1/webhooks/wh-1"},
    ),
    "unknown": _event("election.certified", {**_ORG, "certified_at": "2025-05-02T03:15:00Z"}),
}
