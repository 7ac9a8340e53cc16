"""
A `teams` webhook subscription: the change is delivered to a real receiver as a Microsoft
Teams Workflows message carrying an Adaptive Card 1.5, valid against that version's JSON
schema, signed with the same Standard Webhooks headers as a `standard` delivery (verified
with `standardwebhooks`, the specification's reference package).
"""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft6Validator
from sqlalchemy import Engine
from standardwebhooks import Webhook

from app.config import Settings
from app.domain import UTC
from app.main import delivery_policy
from app.services.webhook_delivery import deliver_due
from tests.conftest import ROOT, Keys
from tests.receivers import Received, receiver

from .conftest import STREET_FAIR_OVERRIDE, Clock, Ticker, auth, started

PUBLIC_URL = "https://purdah.example.org/council"
SCHEMA = json.loads((ROOT / "tests/data/adaptive-cards/adaptive-card-1.5.json").read_text())
VALIDATOR = Draft6Validator(SCHEMA, format_checker=Draft6Validator.FORMAT_CHECKER)


@pytest.fixture
def teams_client(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    ticker: Ticker,
    apps: dict[tuple[str, Engine], FastAPI],
) -> Iterator[TestClient]:
    """An on-premises deployment (receivers on loopback) that knows its public address."""
    settings = Settings(
        database_url=database_url,
        policy_dir=ROOT / "policies",
        calendar_dir=ROOT / "calendars",
        webhook_allow_private_urls=True,
        public_url=PUBLIC_URL,
    )
    with started(apps, settings, engine, clock, ticker) as test_client:
        yield test_client


def _subscribe(client: TestClient, seeded: Keys, url: str, format_: str) -> dict[str, Any]:
    made = client.post(
        "/v1/webhooks",
        json={"url": url, "events": ["override.granted"], "format": format_},
        headers=auth(seeded.clerk),
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _card(message: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = message["attachments"]
    card: dict[str, Any] = attachment["content"]
    return card


def test_an_override_granted_reaches_teams_as_a_valid_signed_card(
    teams_client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    """Signed at the real time: `Webhook.verify` checks the timestamp against its own clock."""
    clock.now = dt.datetime.now(UTC)
    client = teams_client
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    with receiver(status=202) as hook:
        made = _subscribe(client, seeded, hook.url, "teams")
        granted = client.post(
            "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
        )

        sent = deliver_due(engine, now=clock, policy=delivery_policy(settings))

    assert granted.status_code == 201, granted.text
    assert [o.status for o in sent] == ["delivered"]
    assert made["format"] == "teams"
    (got,) = hook.received
    message = Webhook(made["secret"]).verify(got.body, got.headers)
    assert got.headers["content-type"] == "application/json"
    assert message["type"] == "message"
    assert message["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = _card(message)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(card)] == []
    assert card["body"][0]["text"] == (
        f"Override granted for account {STREET_FAIR_OVERRIDE['account_id']}"
    )
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["From"] == "Monday 9 April 2029 at 09:00"
    assert facts["Until"] == "Thursday 12 April 2029 at 17:00"
    assert facts["Reason"] == "street fair"
    override_id = granted.json()["override_id"]
    assert card["actions"][0]["url"] == f"{PUBLIC_URL}/v1/overrides/{override_id}"


def test_a_standard_subscription_to_the_same_event_still_gets_the_event_json(
    teams_client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    """Each subscription gets its own format of one event, with the same `webhook-id`."""
    clock.now = dt.datetime.now(UTC)
    client = teams_client
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    with receiver() as standard_hook, receiver() as teams_hook:
        standard = _subscribe(client, seeded, standard_hook.url, "standard")
        teams = _subscribe(client, seeded, teams_hook.url, "teams")
        client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))

        sent = deliver_due(engine, now=clock, policy=delivery_policy(settings))

    assert sorted(o.status for o in sent) == ["delivered", "delivered"]
    (plain,) = standard_hook.received
    (card,) = teams_hook.received
    event = Webhook(standard["secret"]).verify(plain.body, plain.headers)
    Webhook(teams["secret"]).verify(card.body, card.headers)
    assert sorted(event) == ["data", "timestamp", "type"]
    assert event["type"] == "override.granted"
    assert plain.body == _compact(event)
    assert plain.headers["webhook-id"] == card.headers["webhook-id"]


def _compact(value: Any) -> bytes:
    """The standard body's own encoding: compact JSON, UTF-8 as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_test_event_reaches_a_teams_subscription_as_a_card(
    teams_client: TestClient, seeded: Keys, clock: Clock, engine: Engine
) -> None:
    clock.now = dt.datetime.now(UTC)
    client = teams_client
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    with receiver() as hook:
        made = _subscribe(client, seeded, hook.url, "teams")
        queued = client.post(f"/v1/webhooks/{made['webhook_id']}/test", headers=auth(seeded.clerk))

        sent = deliver_due(engine, now=clock, policy=delivery_policy(settings))

    assert queued.status_code == 202, queued.text
    assert [o.status for o in sent] == ["delivered"]
    got: Received = hook.received[0]
    card = _card(Webhook(made["secret"]).verify(got.body, got.headers))
    assert list(VALIDATOR.iter_errors(card)) == []
    assert card["body"][0]["text"] == "Test event"
    assert card["actions"][0]["url"] == f"{PUBLIC_URL}/v1/webhooks/{made['webhook_id']}"
