"""
Webhook subscriptions through the API: subscribe, list, revoke, deliveries; the address checks
(the calendar import's); and an override granted through the API, delivered once to a real
receiver and verified with `standardwebhooks`, the specification's reference package.
"""

import base64
import datetime as dt
import json
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from standardwebhooks import Webhook

from app.config import Settings
from app.domain import UTC
from app.main import create_app, delivery_policy
from app.services.webhook_delivery import deliver_due
from tests.conftest import ROOT, Keys
from tests.receivers import receiver

from .approval_requests import act, made
from .conftest import STREET_FAIR_OVERRIDE, Clock, Ticker, auth, started

HOOK = {"url": "https://93.184.215.14/purdah", "events": ["override.granted"]}
EVENTS = (
    "override.granted, override.revoked, request.created, request.decided, "
    "account.status_changed, window.changed, webhook.failing, window.upcoming, "
    "window.started, window.ended, policy.review_due"
)


@pytest.fixture
def private_client(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    ticker: Ticker,
    apps: dict[tuple[str, Engine], FastAPI],
) -> Iterator[TestClient]:
    """The app of an on-premises deployment: webhooks may go to loopback and private addresses."""
    settings = Settings(
        database_url=database_url,
        policy_dir=ROOT / "policies",
        calendar_dir=ROOT / "calendars",
        webhook_allow_private_urls=True,
    )
    with started(apps, settings, engine, clock, ticker) as test_client:
        yield test_client


def test_a_clerk_subscribes_and_gets_the_signing_secret_once(
    client: TestClient, seeded: Keys
) -> None:
    made = client.post("/v1/webhooks", json=HOOK, headers=auth(seeded.clerk))

    listed = client.get("/v1/webhooks", headers=auth(seeded.clerk))

    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert made.json()["format"] == "standard"
    assert made.headers["Location"] == f"/v1/webhooks/{made.json()['webhook_id']}"
    assert [w["webhook_id"] for w in listed.json()] == [made.json()["webhook_id"]]
    assert "secret" not in listed.json()[0]
    assert secret not in listed.text


def test_an_auditor_lists_the_subscriptions_without_their_secrets(
    client: TestClient, seeded: Keys
) -> None:
    secret = client.post("/v1/webhooks", json=HOOK, headers=auth(seeded.clerk)).json()["secret"]

    listed = client.get("/v1/webhooks", headers=auth(seeded.auditor))

    assert listed.status_code == 200
    assert len(listed.json()) == 1
    assert secret not in listed.text


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_a_clerk_may_subscribe(client: TestClient, seeded: Keys, role: str) -> None:
    response = client.post("/v1/webhooks", json=HOOK, headers=auth(seeded.of(role)))

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_a_clerk_may_revoke(client: TestClient, seeded: Keys, role: str) -> None:
    hook = client.post("/v1/webhooks", json=HOOK, headers=auth(seeded.clerk)).json()

    response = client.post(
        f"/v1/webhooks/{hook['webhook_id']}/revoke",
        json={"reason": "no"},
        headers=auth(seeded.of(role)),
    )

    assert response.status_code == 403


def test_a_revoked_subscription_shows_when_and_is_audited(
    client: TestClient, seeded: Keys, clock: Clock
) -> None:
    hook = client.post("/v1/webhooks", json=HOOK, headers=auth(seeded.clerk)).json()

    revoked = client.post(
        f"/v1/webhooks/{hook['webhook_id']}/revoke",
        json={"reason": "tool retired"},
        headers=auth(seeded.clerk),
    )
    again = client.post(
        f"/v1/webhooks/{hook['webhook_id']}/revoke",
        json={"reason": "twice"},
        headers=auth(seeded.clerk),
    )
    audit = client.get("/v1/audit", headers=auth(seeded.auditor)).json()

    assert revoked.status_code == 200
    assert dt.datetime.fromisoformat(revoked.json()["revoked_at"]) == clock.now
    assert again.status_code == 422
    actions = [(e["action"], e["target"]) for e in audit["events"]]
    assert ("webhook.create", hook["webhook_id"]) in actions
    assert ("webhook.revoke", hook["webhook_id"]) in actions


def test_revoking_an_unknown_subscription_is_404(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        "/v1/webhooks/wh-000000000000/revoke", json={"reason": "r"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_event_is_refused_with_the_list_of_events(
    client: TestClient, seeded: Keys
) -> None:
    response = client.post(
        "/v1/webhooks",
        json={**HOOK, "events": ["override.granted", "window.begun"]},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "'window.begun'" in response.text
    assert EVENTS in response.text


def test_a_format_other_than_standard_or_teams_is_refused(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        "/v1/webhooks", json={**HOOK, "format": "slack"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert "one of: standard, teams" in response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://93.184.215.14/hook",
        "https://user:pass@93.184.215.14/hook",
    ],
    ids=[
        "loopback",
        "loopback-v6",
        "private-10",
        "private-192",
        "private-172",
        "metadata",
        "link-local-v6",
        "mapped-loopback",
        "unspecified",
        "not-http",
        "credentials",
    ],
)
def test_a_url_the_server_must_not_reach_is_refused(
    client: TestClient, seeded: Keys, url: str
) -> None:
    response = client.post("/v1/webhooks", json={**HOOK, "url": url}, headers=auth(seeded.clerk))
    listed = client.get("/v1/webhooks", headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/invalid-change")
    assert response.json()["errors"][0]["field"] == "url"
    assert listed.json() == []


def test_an_override_granted_through_the_api_is_delivered_once_and_verifies(
    private_client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    """Signed at the real time: `Webhook.verify` checks the timestamp against its own clock."""
    clock.now = dt.datetime.now(UTC)
    client = private_client
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    with receiver() as hook:
        made = client.post(
            "/v1/webhooks",
            json={"url": hook.url, "events": ["override.granted"], "format": "standard"},
            headers=auth(seeded.clerk),
        ).json()
        granted = client.post(
            "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
        )

        sent = deliver_due(engine, now=clock, policy=delivery_policy(settings))
        again = deliver_due(engine, now=clock, policy=delivery_policy(settings))
    deliveries = client.get(
        f"/v1/webhooks/{made['webhook_id']}/deliveries", headers=auth(seeded.auditor)
    )

    assert granted.status_code == 201, granted.text
    assert [o.status for o in sent] == ["delivered"]
    assert again == []
    (got,) = hook.received
    event = Webhook(made["secret"]).verify(got.body, got.headers)
    assert event["type"] == "override.granted"
    assert event["data"]["override_id"] == granted.json()["override_id"]
    assert event["data"]["starts_at"] == STREET_FAIR_OVERRIDE["starts_at"]
    assert event["data"]["link"] == f"/v1/overrides/{granted.json()['override_id']}"
    assert [(d["status"], d["attempts"], d["response_code"]) for d in deliveries.json()] == [
        ("delivered", 1, 204)
    ]


def test_the_link_of_an_override_event_is_the_override_in_the_api(
    client: TestClient, seeded: Keys
) -> None:
    granted = client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))

    linked = client.get(granted.headers["Location"], headers=auth(seeded.viewer))
    unknown = client.get("/v1/overrides/ov-0000000000", headers=auth(seeded.viewer))

    assert linked.status_code == 200
    assert linked.json() == granted.json()
    assert unknown.status_code == 404


def test_the_server_sends_due_deliveries_by_itself(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> None:
    """The background sender (`PURDAH_WEBHOOK_DELIVERY`) delivers without anyone calling it."""
    clock.now = dt.datetime.now(UTC)
    settings = Settings(
        database_url=database_url,
        policy_dir=ROOT / "policies",
        calendar_dir=ROOT / "calendars",
        webhook_allow_private_urls=True,
        webhook_delivery_interval=0.05,
        gc_freeze=False,
    )
    app = create_app(settings, engine=engine, clock=clock)
    with receiver() as hook, TestClient(app, raise_server_exceptions=False) as client:
        client.post(
            "/v1/webhooks",
            json={"url": hook.url, "events": ["override.granted"]},
            headers=auth(seeded.clerk),
        )
        client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
        deadline = time.monotonic() + 10
        while not hook.received and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # several more rounds of the sender: nothing is sent twice

    assert len(hook.received) == 1
    assert json.loads(hook.received[0].body)["type"] == "override.granted"


def test_a_request_made_and_rejected_is_announced_twice_in_order(
    private_client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    """The scheduler asks, the Clerk rejects: request.created, then request.decided."""
    client = private_client
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    with receiver() as hook:
        client.post(
            "/v1/webhooks",
            json={"url": hook.url, "events": ["request.created", "request.decided"]},
            headers=auth(seeded.clerk),
        )
        request_id = made(client, seeded.scheduler)
        rejected = act(client, seeded.clerk, request_id, "reject")

        deliver_due(engine, now=clock, policy=delivery_policy(settings))

    events = [json.loads(r.body) for r in hook.received]
    assert rejected.status_code == 200, rejected.text
    assert [e["type"] for e in events] == ["request.created", "request.decided"]
    assert events[1]["data"]["decision"] == "reject"
    assert events[1]["data"]["link"] == f"/v1/requests/{request_id}"
    assert "text" not in events[0]["data"]  # the post's text stays in the service


def test_a_test_event_reaches_the_endpoint_signed_whatever_it_asked_for(
    private_client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    clock.now = dt.datetime.now(UTC)
    client = private_client
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    with receiver() as hook:
        made = client.post(
            "/v1/webhooks",
            json={"url": hook.url, "events": ["override.granted"], "format": "standard"},
            headers=auth(seeded.clerk),
        ).json()
        queued = client.post(f"/v1/webhooks/{made['webhook_id']}/test", headers=auth(seeded.clerk))
        sent = deliver_due(engine, now=clock, policy=delivery_policy(settings))
    deliveries = client.get(
        f"/v1/webhooks/{made['webhook_id']}/deliveries", headers=auth(seeded.clerk)
    ).json()
    trail = client.get(
        "/v1/audit", params={"action": "webhook.test"}, headers=auth(seeded.auditor)
    ).json()["events"]

    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "pending"
    assert [o.status for o in sent] == ["delivered"]
    (got,) = hook.received
    event = Webhook(made["secret"]).verify(got.body, got.headers)
    assert (event["type"], event["data"]["webhook_id"]) == ("webhook.test", made["webhook_id"])
    assert [d["delivery_id"] for d in deliveries] == [queued.json()["delivery_id"]]
    assert [e["target"] for e in trail] == [made["webhook_id"]]


def test_a_revoked_or_unknown_subscription_gets_no_test_event(
    client: TestClient, seeded: Keys
) -> None:
    made = client.post("/v1/webhooks", json=HOOK, headers=auth(seeded.clerk)).json()
    revoked = client.post(
        f"/v1/webhooks/{made['webhook_id']}/revoke",
        json={"reason": "the tool was replaced"},
        headers=auth(seeded.clerk),
    )

    after = client.post(f"/v1/webhooks/{made['webhook_id']}/test", headers=auth(seeded.clerk))
    unknown = client.post("/v1/webhooks/wh-000000000000/test", headers=auth(seeded.clerk))
    scheduler = client.post(
        f"/v1/webhooks/{made['webhook_id']}/test", headers=auth(seeded.scheduler)
    )

    assert revoked.status_code == 200
    assert after.status_code == 422
    assert "revoked" in after.json()["detail"]
    assert unknown.status_code == 404
    assert scheduler.status_code == 403
