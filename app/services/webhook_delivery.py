"""
Sending the outbox's events to webhook subscribers, signed per Standard Webhooks.

`deliver_due` claims the deliveries due now (`store.webhooks.claim_due`: exactly one replica
takes each), POSTs each event's JSON (or, to a `teams` subscription, the event's notice as
a Teams Workflows message with an Adaptive Card: `domain.teams_cards`) with the `webhook-id` (the event's id, the same on every
retry, so a receiver can drop a repeat), `webhook-timestamp` and `webhook-signature` headers
(signed by `standardwebhooks.Webhook`, the specification's reference implementation), and
records how it went. A 2xx answer delivers it; anything else (another status, a redirect, a
timeout, a refused address) is retried with exponential backoff and jitter until `retry_for`
has passed since the event, then given up (`failed`), with the last error kept for the Clerk.

A subscription of format `email` gets the event as an email instead, through the same
claims, retries and record (`_send_email`): to the `mailto:` address of its URL, through
`policy.mail` (`PURDAH_SMTP_URL`, `services.mail`), made by `services.notification_email`.
A server that accepts it delivers it; a refusal, a connection or TLS failure or a timeout is
a failed attempt, retried and given up like a webhook's. Where no SMTP server is set up, the
delivery stays pending (retried with backoff, never given up: nothing is wrong with the
recipient) with an error that says so.

The clock and the randomness are parameters: the app's background task passes the real
ones; tests pass their own.
"""

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import httpx
from sqlalchemy import Engine
from standardwebhooks import Webhook

from app.calendars.fetch import SourceUnavailable, check_url
from app.domain.errors import InvalidChange
from app.domain.notices import notice_of
from app.domain.recipients import email_recipient
from app.domain.teams_cards import teams_message
from app.services.mail import MailServer, send_mail
from app.services.notification_email import message_of, window_of
from app.store.feed_events import published_anchor
from app.store.unit_of_work import Actor, UnitOfWork
from app.store.webhooks import (
    PURGE_AFTER,
    Attempt,
    Claimed,
    claim_due,
    purge_finished,
    record_attempts,
    release_claims,
)

__all__ = [
    "NO_MAIL_SERVER",
    "DeliveryPolicy",
    "Outcome",
    "backoff",
    "deliver_due",
    "purge_old_deliveries",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """
    How hard to try.

    Attributes:
        timeout: seconds one attempt may take, connecting and answering included.
        first_retry: the wait after the first failure; each further failure doubles it.
        max_wait: the longest wait between two attempts.
        retry_for: how long after the event to keep trying before giving up.
        allow_private: send to loopback and private addresses (tests; on-premises receivers).
        batch: the most deliveries one call claims.
        concurrency: the most subscriptions sent to at once (each one's deliveries still go
            one after another, in order).
        mail: the SMTP server of email subscriptions (None: email is not set up).
        public_url: the service's public address, to make the links of Teams cards and
            emails absolute (`PURDAH_PUBLIC_URL`); without it a card has no button.
    """

    timeout: float = 10.0
    first_retry: dt.timedelta = dt.timedelta(seconds=30)
    max_wait: dt.timedelta = dt.timedelta(hours=2)
    retry_for: dt.timedelta = dt.timedelta(hours=26)
    allow_private: bool = False
    batch: int = 200
    concurrency: int = 16
    mail: MailServer | None = None
    public_url: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt of one delivery came to."""

    delivery_id: str
    status: str  # delivered, pending (to retry) or failed (given up)
    response_code: int | None
    error: str | None


def backoff(attempt: int, policy: DeliveryPolicy, jitter: float) -> dt.timedelta:
    """
    The wait after failed attempt number `attempt` (1, 2, ...): `first_retry` doubled for each
    earlier failure, at most `max_wait`, scaled by `jitter` in [0, 1) to between half and all
    of it, so that receivers that failed together are not retried together.
    """
    full = min(policy.first_retry * (2 ** (attempt - 1)), policy.max_wait)
    return full * (0.5 + jitter / 2)


def _body(claimed: Claimed, policy: DeliveryPolicy) -> dict[str, Any]:
    """
    What to POST, in the subscription's format: the event as stored (`standard`), or a Teams
    Workflows message carrying the event's notice as an Adaptive Card (`teams`), rendered now
    so that a card always has the wording of the running release.
    """
    if claimed.format == "teams":
        return teams_message(notice_of(claimed.payload), base_url=policy.public_url)
    return claimed.payload


def _send(
    claimed: Claimed, client: httpx.Client, policy: DeliveryPolicy, now: dt.datetime
) -> tuple[int | None, str | None]:
    """POST one signed event: the status code, and an error (None when it was delivered)."""
    try:
        check_url(claimed.url, allow_private=policy.allow_private, purpose="sends webhooks to")
    except SourceUnavailable as exc:
        return None, exc.problem
    body = json.dumps(_body(claimed, policy), ensure_ascii=False, separators=(",", ":"))
    # `sign` reads the timestamp's wall time as UTC (it replaces the zone): give it UTC
    at = now.astimezone(dt.UTC)
    msg_id = f"msg_{claimed.event_id}"
    headers = {
        "content-type": "application/json",
        "user-agent": "purdah-controller webhooks",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(claimed.secret).sign(msg_id, at, body),
    }
    try:
        # the answer's status is all that counts: its body is never read (nor held in memory)
        with client.stream("POST", claimed.url, content=body.encode(), headers=headers) as answer:
            code = answer.status_code
    except httpx.TimeoutException:
        return None, f"no answer within {policy.timeout:g} s"
    except httpx.HTTPError as exc:
        return None, f"could not be sent ({type(exc).__name__})"
    if 200 <= code < 300:
        return code, None
    return code, f"the receiver answered {code}"


NO_MAIL_SERVER = (
    "email is not set up on this server (PURDAH_SMTP_URL and PURDAH_SMTP_FROM): the message "
    "waits, and goes once it is"
)


def _send_email(
    engine: Engine, claimed: Claimed, policy: DeliveryPolicy, now: dt.datetime
) -> tuple[int | None, str | None]:
    """
    Email one event: the SMTP reply code, and an error (None when the server took it). A
    window event's calendar attachment gets the UID the feed publishes the window under.
    """
    if policy.mail is None:
        return None, NO_MAIL_SERVER
    try:
        recipient = email_recipient(claimed.url)
    except InvalidChange as exc:
        return None, f"the recipient cannot be used: {exc.problem}"
    invite = window_of(claimed.payload)
    if invite is not None:
        anchor = published_anchor(
            engine,
            claimed.organisation_id,
            anchor=invite.anchor,
            election_ids=invite.election_ids,
        )
        invite = replace(invite, anchor=anchor)
    try:
        message = message_of(
            claimed.payload,
            event_id=claimed.event_id,
            recipient=recipient,
            sender=policy.mail.sender,
            now=now,
            invite=invite,
            public_url=policy.public_url,
        )
    except (ValueError, TypeError) as exc:  # an event the message cannot hold
        return None, f"the message could not be made ({type(exc).__name__})"
    return send_mail(policy.mail, message, recipient=recipient)


SENDER = Actor("webhook sender", "system")


def _mark_failing(engine: Engine, item: Claimed, error: str | None, *, now: dt.datetime) -> None:
    """
    Record that a delivery was given up: audited as `webhook.failing` (the Clerk sees it in
    the trail and on `GET /v1/webhooks`), which announces `webhook.failing` to the other
    subscriptions that asked for it.
    """
    with UnitOfWork(engine).write(item.organisation_id, SENDER, now=now, bump=False) as change:
        change.audit(
            "webhook.failing",
            item.webhook_id,
            reason=error or "the delivery was given up",
            after={"delivery_id": item.delivery_id, "event_id": item.event_id},
        )


def deliver_due(
    engine: Engine,
    *,
    now: Callable[[], dt.datetime],
    policy: DeliveryPolicy,
    jitter: Callable[[], float] = random.random,
    transport: httpx.BaseTransport | None = None,
) -> list[Outcome]:
    """
    Send every delivery due at `now()` (up to `policy.batch`), and record each outcome.

    Args:
        now: the clock; read when claiming, and again after each attempt.
        jitter: a number in [0, 1) per retry (`backoff`).
        transport: httpx's transport (tests); the network by default.
    """
    # an SMTP exchange is several round trips, each within the mail server's timeout
    mail_timeout = policy.mail.timeout * 10 if policy.mail is not None else 0.0
    lease = dt.timedelta(seconds=max(policy.timeout * 3, mail_timeout) + 30)
    claimed = claim_due(engine, now=now(), lease=lease, limit=policy.batch)
    if not claimed:
        return []
    # one subscription's deliveries go one after another, in the order claimed; different
    # subscriptions' go side by side, so one slow receiver does not hold up the rest
    queues: dict[str, list[Claimed]] = {}
    for item in claimed:
        queues.setdefault(item.webhook_id, []).append(item)
    with (
        httpx.Client(
            timeout=policy.timeout,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            limits=httpx.Limits(max_connections=policy.concurrency),
        ) as client,
        ThreadPoolExecutor(
            max_workers=min(policy.concurrency, len(queues)), thread_name_prefix="webhooks"
        ) as pool,
    ):
        # nothing starts after half the lease, so no claim runs out while it is being sent
        # (another replica would send it again): what is left is released, due at once
        stop_at = time.monotonic() + lease.total_seconds() / 2
        left: list[Claimed] = []

        def send_queue(queue: list[Claimed]) -> list[tuple[Claimed, Attempt]]:
            sent = []
            for n, item in enumerate(queue):
                if time.monotonic() > stop_at:
                    left.extend(queue[n:])
                    break
                sent.append((item, _attempt(engine, item, client, policy, now, jitter)))
            return sent

        tried = [pair for done in pool.map(send_queue, queues.values()) for pair in done]
    record_attempts(engine, [attempt for _, attempt in tried])
    release_claims(engine, [item.delivery_id for item in left], now=now())
    outcomes = []
    for item, attempt in tried:
        if attempt.status == "failed":
            log.warning("gave up on webhook delivery %s: %s", item.delivery_id, attempt.error)
            _mark_failing(engine, item, attempt.error, now=attempt.at)
        outcomes.append(
            Outcome(item.delivery_id, attempt.status, attempt.response_code, attempt.error)
        )
    return outcomes


def _attempt(
    engine: Engine,
    item: Claimed,
    client: httpx.Client,
    policy: DeliveryPolicy,
    now: Callable[[], dt.datetime],
    jitter: Callable[[], float],
) -> Attempt:
    """Send one delivery, and say what became of it (recorded by the caller)."""
    if item.format == "email":
        code, error = _send_email(engine, item, policy, now())
    else:
        code, error = _send(item, client, policy, now())
    after = now()
    # email not set up: nothing is wrong with the recipient, so never give up on it
    waits = item.format == "email" and policy.mail is None
    if error is None:
        status, next_at = "delivered", None
    elif after - item.created_at >= policy.retry_for and not waits:
        status, next_at = "failed", None
    else:
        status, next_at = "pending", after + backoff(item.attempt, policy, jitter())
    return Attempt(item.delivery_id, after, status, next_at, code, error)


def purge_old_deliveries(engine: Engine, *, now: dt.datetime) -> int:
    """Delete finished deliveries (and events left with none) older than `PURGE_AFTER`."""
    return purge_finished(engine, before=now - PURGE_AFTER)
