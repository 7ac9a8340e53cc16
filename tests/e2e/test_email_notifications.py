"""
Email subscriptions through the API: `format: "email"` with one `mailto:` address, refused
where no SMTP server is set up, refused for anything but one bare address, and delivered (or
given up, with the server's refusal shown) through `GET /v1/webhooks/{id}/deliveries`. The
server is a real one in the test process (`tests.smtp`).
"""

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.domain import UTC
from app.main import create_app, delivery_policy
from app.services.webhook_delivery import deliver_due
from tests.conftest import ROOT, Keys
from tests.smtp import Mailbox, smtp_server

from .conftest import STREET_FAIR_OVERRIDE, Clock, Ticker, auth, started

CLERK_EMAIL = {"url": "mailto:clerk@redruth-tc.gov.uk", "events": ["override.granted"]}


def _settings(database_url: str, box: Mailbox | None, **more: object) -> Settings:
    mail: dict[str, object] = {}
    if box is not None:
        mail = {"smtp_url": box.url(), "smtp_from": "purdah@redruth-tc.gov.uk"}
    return Settings(
        database_url=database_url,
        policy_dir=ROOT / "policies",
        calendar_dir=ROOT / "calendars",
        **mail,
        **more,  # type: ignore[arg-type]
    )


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def mail_client(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    ticker: Ticker,
    apps: dict[tuple[str, Engine], FastAPI],
    mailbox: Mailbox,
) -> Iterator[TestClient]:
    """The app of a deployment with an SMTP server (the test one), retrying for 5 minutes."""
    settings = _settings(database_url, mailbox, webhook_retry_hours=5 / 60)
    with started(apps, settings, engine, clock, ticker) as test_client:
        yield test_client


def _policy_of(client: TestClient):  # type: ignore[no-untyped-def]
    return delivery_policy(client.app.state.services.settings)  # type: ignore[attr-defined]


def test_without_an_smtp_server_an_email_subscription_is_refused(
    client: TestClient, seeded: Keys
) -> None:
    response = client.post(
        "/v1/webhooks", json={**CLERK_EMAIL, "format": "email"}, headers=auth(seeded.clerk)
    )
    listed = client.get("/v1/webhooks", headers=auth(seeded.clerk))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "format"
    assert "PURDAH_SMTP_URL" in response.json()["detail"]
    assert listed.json() == []


def test_a_clerk_subscribes_an_address_to_every_event(
    mail_client: TestClient, seeded: Keys
) -> None:
    events = [
        "override.granted",
        "override.revoked",
        "request.created",
        "request.decided",
        "account.status_changed",
        "window.changed",
        "webhook.failing",
    ]

    made = mail_client.post(
        "/v1/webhooks",
        json={"url": "mailto:Clerk@Redruth-TC.gov.uk", "events": events, "format": "email"},
        headers=auth(seeded.clerk),
    )

    assert made.status_code == 201, made.text
    assert made.json()["format"] == "email"
    assert made.json()["url"] == "mailto:Clerk@redruth-tc.gov.uk"
    assert made.json()["events"] == events


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mailto:clerk@redruth-tc.gov.uk\r\nBcc: all@example.org", "control character"),
        ("mailto:clerk@redruth-tc.gov.uk%0d%0aBcc:all@example.org", "percent-encoding"),
        ("mailto:clerk@redruth-tc.gov.uk,mayor@redruth-tc.gov.uk", "second address"),
        ("mailto:clerk@redruth-tc.gov.uk;mayor@redruth-tc.gov.uk", "second address"),
        ("mailto:Town Clerk <clerk@redruth-tc.gov.uk>", "display name"),
        ("mailto:clerk@redruth-tc.gov.uk?cc=mayor@redruth-tc.gov.uk", "`?` fields"),
        ("mailto:" + "c" * 250 + "@redruth-tc.gov.uk", "at most 254 characters"),
        ("mailto:clerk", "not an email address"),
        ("mailto:clerk@[127.0.0.1]", "'[' at character 7"),
        ("mailto:clérk@redruth-tc.gov.uk", "not an email address"),
        ("https://93.184.215.14/purdah", "`mailto:` and one address"),
    ],
    ids=[
        "crlf-header",
        "encoded-crlf",
        "two-addresses-comma",
        "two-addresses-semicolon",
        "display-name",
        "query-fields",
        "too-long",
        "no-domain",
        "address-literal",
        "non-ascii-local-part",
        "not-mailto",
    ],
)
def test_anything_but_one_bare_address_is_refused_and_nothing_stored(
    mail_client: TestClient, seeded: Keys, url: str, says: str
) -> None:
    response = mail_client.post(
        "/v1/webhooks",
        json={"url": url, "events": ["window.changed"], "format": "email"},
        headers=auth(seeded.clerk),
    )
    listed = mail_client.get("/v1/webhooks", headers=auth(seeded.clerk))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "url"
    assert says in response.json()["detail"]
    assert "\r" not in response.text
    assert listed.json() == []


def test_three_thousand_characters_are_refused_before_they_are_read(
    mail_client: TestClient, seeded: Keys
) -> None:
    url = "mailto:" + "c" * 2980 + "@redruth-tc.gov.uk"

    response = mail_client.post(
        "/v1/webhooks",
        json={"url": url, "events": ["window.changed"], "format": "email"},
        headers=auth(seeded.clerk),
    )
    listed = mail_client.get("/v1/webhooks", headers=auth(seeded.clerk))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert len(response.content) < 2000  # the input is not echoed back
    assert listed.json() == []


def test_a_mailto_address_with_format_standard_is_refused_with_a_hint(
    mail_client: TestClient, seeded: Keys
) -> None:
    response = mail_client.post(
        "/v1/webhooks", json={**CLERK_EMAIL, "format": "standard"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert '"format": "email"' in response.json()["detail"]


def test_an_override_granted_through_the_api_is_emailed_once(
    mail_client: TestClient, seeded: Keys, clock: Clock, engine: Engine, mailbox: Mailbox
) -> None:
    made = mail_client.post(
        "/v1/webhooks", json={**CLERK_EMAIL, "format": "email"}, headers=auth(seeded.clerk)
    ).json()
    granted = mail_client.post(
        "/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk)
    )

    sent = deliver_due(engine, now=clock, policy=_policy_of(mail_client))
    again = deliver_due(engine, now=clock, policy=_policy_of(mail_client))
    deliveries = mail_client.get(
        f"/v1/webhooks/{made['webhook_id']}/deliveries", headers=auth(seeded.auditor)
    ).json()

    assert granted.status_code == 201, granted.text
    assert [o.status for o in sent] == ["delivered"]
    assert again == []
    (got,) = mailbox.received
    assert got.rcpt_tos == ["clerk@redruth-tc.gov.uk"]
    assert granted.json()["override_id"] in got.message.get_body(("plain",)).get_content()
    assert [(d["status"], d["attempts"], d["response_code"]) for d in deliveries] == [
        ("delivered", 1, 250)
    ]


def test_a_refused_address_is_retried_then_failed_with_the_servers_answer_shown(
    mail_client: TestClient, seeded: Keys, clock: Clock, engine: Engine, mailbox: Mailbox
) -> None:
    """`webhook_retry_hours` is 5 minutes here; the first retry is 15 to 30 s later."""
    mailbox.refuse_with = "550 5.1.1 clerk@redruth-tc.gov.uk: mailbox unavailable"
    made = mail_client.post(
        "/v1/webhooks", json={**CLERK_EMAIL, "format": "email"}, headers=auth(seeded.clerk)
    ).json()
    mail_client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
    start = clock.now

    first = deliver_due(engine, now=clock, policy=_policy_of(mail_client))
    clock.now = start + dt.timedelta(seconds=31)
    second = deliver_due(engine, now=clock, policy=_policy_of(mail_client))
    clock.now = start + dt.timedelta(minutes=30)
    last = deliver_due(engine, now=clock, policy=_policy_of(mail_client))
    deliveries = mail_client.get(
        f"/v1/webhooks/{made['webhook_id']}/deliveries", headers=auth(seeded.clerk)
    ).json()
    listed = mail_client.get("/v1/webhooks", headers=auth(seeded.clerk)).json()

    assert [o.status for o in first + second + last] == ["pending", "pending", "failed"]
    assert mailbox.received == []
    (delivery,) = deliveries
    assert (delivery["status"], delivery["attempts"], delivery["response_code"]) == (
        "failed",
        3,
        550,
    )
    assert delivery["last_error"] == (
        "the mail server refused the recipient: "
        "550 5.1.1 clerk@redruth-tc.gov.uk: mailbox unavailable"
    )
    assert listed[0]["failing_reason"] == delivery["last_error"]


def test_the_server_emails_by_itself(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, mailbox: Mailbox
) -> None:
    """The background sender reads `PURDAH_SMTP_*` from the settings: nobody calls it here."""
    clock.now = dt.datetime.now(UTC)
    settings = _settings(database_url, mailbox, webhook_delivery_interval=0.05, gc_freeze=False)
    app = create_app(settings, engine=engine, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post(
            "/v1/webhooks", json={**CLERK_EMAIL, "format": "email"}, headers=auth(seeded.clerk)
        )
        client.post("/v1/overrides", json=STREET_FAIR_OVERRIDE, headers=auth(seeded.clerk))
        deadline = time.monotonic() + 10
        while not mailbox.received and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # several more rounds of the sender: nothing is sent twice

    assert len(mailbox.received) == 1
    assert mailbox.received[0].message["X-Purdah-Event"] == "override.granted"
