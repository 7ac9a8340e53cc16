"""
Email notifications through the webhook machinery (`webhook_delivery._send_email`): claimed,
sent, retried and given up like a webhook, to a real SMTP server in the test process
(`tests.smtp`, aiosmtpd), never a mock of smtplib.
"""

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
from sqlalchemy import Engine

from app.domain import UTC
from app.domain.feeds import feed_uid, window_summary
from app.services.elections import add_election
from app.services.mail import MailServer, Security
from app.services.overrides import grant_override
from app.services.webhook_delivery import NO_MAIL_SERVER, DeliveryPolicy, deliver_due
from app.services.webhooks import deliveries_of, subscribe
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.feed_events import ORGANISATION_SCOPE, feed_events
from app.store.outbox import ChangeEvent, write_outbox
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys
from tests.smtp import Mailbox, smtp_server

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
CLERK = Actor("Town Clerk", "clerk")
NOW = dt.datetime(2029, 1, 10, 9, 0, tzinfo=UTC)
STAFF = "comms.officer@redruth-tc.gov.uk"
# the test server's login, and one it refuses
LOGIN = ("purdah", "s3cret-pw")
WRONG_PASSWORD = "wrong-pw"  # noqa: S105 - a test login the test server refuses


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _policy(box: Mailbox | None, **mail: Any) -> DeliveryPolicy:
    server = None
    if box is not None:
        server = MailServer(
            host=box.host,
            port=box.port,
            security=mail.pop("security", Security.NONE),
            sender="purdah@redruth-tc.gov.uk",
            timeout=5.0,
            **mail,
        )
    return DeliveryPolicy(
        timeout=5.0,
        first_retry=dt.timedelta(seconds=30),
        max_wait=dt.timedelta(minutes=10),
        retry_for=dt.timedelta(minutes=5),
        mail=server,
        public_url="https://purdah.redruth-tc.gov.uk",
    )


def _subscribe(uow: UnitOfWork, events: list[str], now: dt.datetime = NOW) -> str:
    made = subscribe(
        uow, "redruth", CLERK, url=f"mailto:{STAFF}", events=events, format="email",
        allow_private=False, email_enabled=True, now=now,
    )  # fmt: skip
    return made.webhook.id


def _grant(uow: UnitOfWork, reason: str = "street fair") -> str:
    return grant_override(
        uow, POLICY, CLERK, account_id="facebook-redruthtowncouncil",
        starts_at=dt.datetime(2029, 4, 9, 8, 0, tzinfo=UTC),
        ends_at=dt.datetime(2029, 4, 12, 16, 0, tzinfo=UTC),
        categories=None, reason=reason, now=NOW,
    ).id  # fmt: skip


def _parts(message: EmailMessage) -> dict[str, str]:
    """Each text part's content, by content type."""
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }


def test_an_override_granted_is_emailed_with_a_text_and_an_html_part(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    with smtp_server() as box:
        webhook_id = _subscribe(uow, ["override.granted"])
        override_id = _grant(uow)

        sent = deliver_due(engine, now=Clock(NOW), policy=_policy(box))
        again = deliver_due(engine, now=Clock(NOW + dt.timedelta(hours=1)), policy=_policy(box))

    assert [o.status for o in sent] == ["delivered"]
    assert again == []
    (got,) = box.received
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert (got.mail_from, got.rcpt_tos) == ("purdah@redruth-tc.gov.uk", [STAFF])
    assert got.message["To"] == STAFF
    assert got.message["Message-ID"] == f"<{delivery.event_id}@redruth-tc.gov.uk>"
    assert got.message["Auto-Submitted"] == "auto-generated"
    assert got.message["Subject"] == "Override granted for account facebook-redruthtowncouncil"
    parts = _parts(got.message)
    assert set(parts) == {"text/plain", "text/html"}
    assert "The Clerk allowed account facebook-redruthtowncouncil to publish" in parts["text/plain"]
    assert "<h1>Override granted for account facebook-redruthtowncouncil</h1>" in parts["text/html"]
    link = f"https://purdah.redruth-tc.gov.uk/v1/overrides/{override_id}"
    assert link in parts["text/plain"]
    assert f'href="{link}"' in parts["text/html"]
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 250)


def test_what_the_clerk_typed_is_escaped_in_the_html_part(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    with smtp_server() as box:
        _subscribe(uow, ["override.granted"])
        _grant(uow, reason='<script>alert("x")</script> & <b>fair</b>')

        deliver_due(engine, now=Clock(NOW), policy=_policy(box))

    html = _parts(box.received[0].message)["text/html"]
    assert "<script>" not in html
    assert "<b>fair</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;fair&lt;/b&gt;" in html


# The shape of the scheduler's window events (window.upcoming/started/ended); the times are
# chosen to straddle the change to BST on 25 March 2029, not taken from a timetable.
WINDOW_STARTED = {
    "organisation_name": "Redruth Town Council",
    "window": {
        "window_id": "w-2029-03-23-abc123",
        "starts_at": "2029-03-23T00:00:00+00:00",
        "ends_at": "2029-05-03T22:00:00+01:00",
        "election_ids": ["parish.redruth.2029-05-03", "local.cornwall.2029-05-03"],
        "manual_window_ids": [],
        "estimated": False,
        "description": "Pre-election period for the Cornwall Council and Redruth Town "
        "Council elections",
    },
    "boundary_at": "2029-03-23T00:00:00+00:00",
    "due_at": "2029-03-23T00:00:00+00:00",
    "late": False,
    "guidance": {
        "permitted": ["service-information", "emergency"],
        "referred": ["consultation", "event"],
        "never_permitted": ["party-political"],
    },
    "link": "/v1/windows",
}


def _write_window_started(uow: UnitOfWork) -> None:
    """As the scheduler writes it: to every subscription that asked for window.started."""
    with uow.write("redruth", CLERK, now=NOW, bump=False) as change:
        event = ChangeEvent("window.started", WINDOW_STARTED)
        write_outbox(change.session, "redruth", [event], now=NOW)


def _calendar(message: EmailMessage) -> tuple[EmailMessage, icalendar.Calendar]:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, icalendar.Calendar.from_ical(part.get_content())


def test_a_window_event_carries_the_window_as_a_calendar_attachment(
    engine: Engine, seeded: Keys
) -> None:
    """One VEVENT with the window's instants and the feed's UID for it (its first election)."""
    uow = UnitOfWork(engine)
    with smtp_server() as box:
        _subscribe(uow, ["window.started"])
        _write_window_started(uow)

        sent = deliver_due(engine, now=Clock(NOW), policy=_policy(box))

    assert [o.status for o in sent] == ["delivered"]
    part, calendar = _calendar(box.received[0].message)
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "restriction.ics"
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == dt.datetime(2029, 3, 23, 0, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == dt.datetime(2029, 5, 3, 21, 0, tzinfo=UTC)
    assert event.decoded("DTEND").tzinfo.key == "Europe/London"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(event["UID"]) == feed_uid("redruth", "local.cornwall.2029-05-03")
    assert set(_parts(box.received[0].message)) == {"text/plain", "text/html", "text/calendar"}


def test_a_manual_window_set_by_the_clerk_is_emailed_with_its_times(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    starts_at = dt.datetime(2029, 2, 1, 0, 0, tzinfo=UTC)
    ends_at = dt.datetime(2029, 2, 8, 0, 0, tzinfo=UTC)
    with smtp_server() as box:
        _subscribe(uow, ["window.changed"])
        window = add_manual_window(
            uow, POLICY, CLERK, starts_at=starts_at, ends_at=ends_at,
            reason="Neighbourhood plan referendum announced", account_ids=None, now=NOW,
        )  # fmt: skip

        deliver_due(engine, now=Clock(NOW), policy=_policy(box))

    _, calendar = _calendar(box.received[0].message)
    (event,) = calendar.walk("VEVENT")
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (starts_at, ends_at)
    assert str(event["UID"]) == feed_uid("redruth", window.id)
    assert "Neighbourhood plan referendum announced" in str(event["SUMMARY"])


def test_starttls_and_a_login_deliver_and_the_password_is_never_shown(
    engine: Engine, seeded: Keys, tmp_path: Path
) -> None:
    uow = UnitOfWork(engine)
    with smtp_server(starttls=True, login=LOGIN, tmp_path=tmp_path) as box:
        webhook_id = _subscribe(uow, ["override.granted"])
        _grant(uow)
        policy = _policy(
            box, security=Security.STARTTLS, username=LOGIN[0], password=LOGIN[1],
            ca_file=box.ca_file,
        )  # fmt: skip

        sent = deliver_due(engine, now=Clock(NOW), policy=policy)

    assert [o.status for o in sent] == ["delivered"]
    assert box.logins == ["purdah"]
    assert len(box.received) == 1
    assert LOGIN[1] not in repr(policy)
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert delivery.status == "delivered"


def test_a_wrong_password_is_a_failed_attempt_that_does_not_repeat_it(
    engine: Engine, seeded: Keys, tmp_path: Path
) -> None:
    uow = UnitOfWork(engine)
    with smtp_server(starttls=True, login=LOGIN, tmp_path=tmp_path) as box:
        webhook_id = _subscribe(uow, ["override.granted"])
        _grant(uow)
        policy = _policy(
            box, security=Security.STARTTLS, username=LOGIN[0], password=WRONG_PASSWORD,
            ca_file=box.ca_file,
        )  # fmt: skip

        sent = deliver_due(engine, now=Clock(NOW), policy=policy)

    assert [o.status for o in sent] == ["pending"]
    assert box.received == []
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert delivery.last_error is not None
    assert "refused the login" in delivery.last_error
    assert WRONG_PASSWORD not in delivery.last_error
    assert delivery.response_code == 535


def test_a_certificate_from_an_unknown_authority_is_refused(
    engine: Engine, seeded: Keys, tmp_path: Path
) -> None:
    """STARTTLS checks the certificate: the system's authorities do not know the test one."""
    uow = UnitOfWork(engine)
    with smtp_server(starttls=True, tmp_path=tmp_path) as box:
        webhook_id = _subscribe(uow, ["override.granted"])
        _grant(uow)

        deliver_due(engine, now=Clock(NOW), policy=_policy(box, security=Security.STARTTLS))

    assert box.received == []
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert delivery.status == "pending"
    assert "certificate that is not trusted" in (delivery.last_error or "")


def test_a_server_without_starttls_gets_nothing_when_starttls_is_required(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    with smtp_server() as box:
        webhook_id = _subscribe(uow, ["override.granted"])
        _grant(uow)

        deliver_due(engine, now=Clock(NOW), policy=_policy(box, security=Security.STARTTLS))

    assert box.received == []
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert "does not support" in (delivery.last_error or "")


def test_a_refused_recipient_is_retried_then_given_up(engine: Engine, seeded: Keys) -> None:
    """The webhook backoff with no jitter: 15 s, 30 s, 60 s...; after 5 minutes, failed."""
    uow, clock = UnitOfWork(engine), Clock(NOW)
    with smtp_server() as box:
        box.refuse_with = "550 5.1.1 <comms.officer@redruth-tc.gov.uk>: no such user"
        webhook_id = _subscribe(uow, ["override.granted"])
        _grant(uow)
        seen = []
        for seconds in (0, 10, 15, 45, 105, 225, 465):
            clock.now = NOW + dt.timedelta(seconds=seconds)
            outcomes = deliver_due(engine, now=clock, policy=_policy(box), jitter=lambda: 0.0)
            seen.append((seconds, [o.status for o in outcomes]))

    assert seen == [
        (0, ["pending"]),
        (10, []),
        (15, ["pending"]),
        (45, ["pending"]),
        (105, ["pending"]),
        (225, ["pending"]),
        (465, ["failed"]),
    ]
    assert box.received == []
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 6, 550)
    assert delivery.last_error == (
        "the mail server refused the recipient: "
        "550 5.1.1 <comms.officer@redruth-tc.gov.uk>: no such user"
    )


def test_a_server_that_cannot_be_reached_is_a_failed_attempt(engine: Engine, seeded: Keys) -> None:
    uow = UnitOfWork(engine)
    with smtp_server() as box:
        pass  # stopped: nothing listens on its port any more
    webhook_id = _subscribe(uow, ["override.granted"])
    _grant(uow)

    (outcome,) = deliver_due(engine, now=Clock(NOW), policy=_policy(box))

    assert outcome.status == "pending"
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert delivery.last_error == (
        f"could not reach the mail server 127.0.0.1:{box.port} (none) (ConnectionRefusedError)"
    )


def test_without_a_mail_server_an_email_waits_and_is_never_given_up(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    webhook_id = _subscribe(uow, ["override.granted"])
    _grant(uow)

    first = deliver_due(engine, now=Clock(NOW), policy=_policy(None), jitter=lambda: 0.0)
    later = deliver_due(
        engine, now=Clock(NOW + dt.timedelta(days=2)), policy=_policy(None), jitter=lambda: 0.0
    )

    assert [o.status for o in first] == ["pending"]
    assert [o.status for o in later] == ["pending"]
    (delivery,) = deliveries_of(uow, "redruth", webhook_id)
    assert (delivery.status, delivery.last_error) == ("pending", NO_MAIL_SERVER)


# Reference election: local.cornwall.2029-05-03; the by-election is made up for this test
BY_ELECTION = "local.cornwall.redruth-north.by.2029-04-26"


def test_a_window_an_earlier_poll_joined_keeps_the_feeds_uid(engine: Engine, seeded: Keys) -> None:
    """
    A by-election polling a week earlier joins the 3 May 2029 window, whose anchor (its
    first poll) becomes the by-election; the feed goes on publishing the window under the
    event it already had, and the email's attachment carries that UID, not a new one.
    """
    uow = UnitOfWork(engine)
    add_election(uow, POLICY, CLERK, election_id=BY_ELECTION, now=NOW)
    (joined,) = [
        w
        for w in feed_events(engine, "redruth", ORGANISATION_SCOPE)
        if BY_ELECTION in w.election_ids and w.cancelled_at is None
    ]
    payload = {
        **WINDOW_STARTED,
        "window": {
            **WINDOW_STARTED["window"],  # type: ignore[dict-item]
            "starts_at": joined.starts_at.isoformat(),
            "ends_at": joined.ends_at.isoformat(),
            "election_ids": list(joined.election_ids),
        },
    }
    with smtp_server() as box:
        _subscribe(uow, ["window.started"])
        with uow.write("redruth", CLERK, now=NOW, bump=False) as change:
            write_outbox(
                change.session, "redruth", [ChangeEvent("window.started", payload)], now=NOW
            )

        deliver_due(engine, now=Clock(NOW), policy=_policy(box))

    _, calendar = _calendar(box.received[0].message)
    (event,) = calendar.walk("VEVENT")
    assert joined.anchor != BY_ELECTION
    assert str(event["UID"]) == feed_uid("redruth", joined.anchor)
    assert str(event["SUMMARY"]) == window_summary(joined, POLICY.organisation_name)


def test_an_election_added_is_emailed_with_the_window_it_joins(
    engine: Engine, seeded: Keys
) -> None:
    uow = UnitOfWork(engine)
    with smtp_server() as box:
        _subscribe(uow, ["window.changed"])
        # Reference election: local.cornwall.2033-05-05 (the scheduled ordinary election)
        add_election(uow, POLICY, CLERK, election_id="local.cornwall.2033-05-05", now=NOW)
        deliver_due(engine, now=Clock(NOW), policy=_policy(box))

    (mail,) = box.received
    _, calendar = _calendar(mail.message)
    (event,) = calendar.walk("VEVENT")
    # close of poll, 22:00 BST on polling day
    assert event.decoded("DTEND").astimezone(UTC) == dt.datetime(2033, 5, 5, 21, 0, tzinfo=UTC)
    assert str(event["UID"]) == feed_uid("redruth", "local.cornwall.2033-05-05")
