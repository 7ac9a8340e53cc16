"""
SQLModel tables. The only place `table=True` classes live; never returned from a route.

Every instant is stored in UTC (`UTCDateTime`); civil days (poll date, notice date,
dies non) are `Date`. Everything a council owns carries its `organisation_id`.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "AccountRow",
    "ApiKeyRow",
    "AuditEventRow",
    "ConsoleSessionRow",
    "DiesNonRow",
    "ElectionRow",
    "ElectionScheduleRow",
    "FeedEventRow",
    "FeedTokenRow",
    "ManualWindowRow",
    "OrganisationRow",
    "OverrideRelianceRow",
    "OutboxEventRow",
    "OverrideRow",
    "RestrictedPeriodRow",
    "UTCDateTime",
    "WebhookDeliveryRow",
    "WebhookRow",
]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """
    An aware datetime stored as UTC.

    PostgreSQL keeps `timestamptz`; SQLite keeps the UTC wall time, and the offset is put
    back on read. A naive value never reaches the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"refusing to store a naive datetime: {value.isoformat()}"
            raise ValueError(msg)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _instant(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class OrganisationRow(SQLModel, table=True):
    """A council. `data_version` is bumped by every write, in the writing transaction."""

    __tablename__ = "organisation"

    id: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=200)
    country: str = Field(max_length=20)
    policy_file: str = Field(max_length=200)
    # The SHA-256 of the policy file in force, as last recorded (`policy_registry`); a change
    # is audited as `policy.reloaded`. None until a server or `purdah policy reload` reads it.
    policy_sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    data_version: int = Field(default=0)
    created_at: dt.datetime = _instant()
    # The hash of the latest audit event and how many there are: deleting the newest events
    # (which no later event links to) shows as a mismatch here.
    audit_head: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    audit_events: int = Field(default=0)


class ElectionRow(SQLModel, table=True):
    """One election as this organisation knows it, with what the Clerk recorded."""

    __tablename__ = "election"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=80)
    election_id: str = Field(primary_key=True, max_length=200)
    kind: str = Field(max_length=40)
    country: str | None = Field(default=None, max_length=20)
    poll_date: dt.date = Field(sa_column=Column(Date, nullable=False, index=True))
    notice_published: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    starts_at: dt.datetime | None = _instant(nullable=True)
    ends_at: dt.datetime | None = _instant(nullable=True)
    end_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="scheduled", max_length=20)
    status_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    source: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What produced it, so importing the same source again finds it: `ics:<UID>`,
    # `everyelection:<id>`, `schedule:<schedule id>`; null for one added by hand.
    source_ref: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: dt.datetime = _instant()
    updated_at: dt.datetime = _instant()


class RestrictedPeriodRow(SQLModel, table=True):
    """The computed restricted period of one election, recomputed whenever its inputs change."""

    __tablename__ = "restricted_period"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organisation_id", "election_id"],
            ["election.organisation_id", "election.election_id"],
            ondelete="CASCADE",
        ),
    )

    organisation_id: str = Field(primary_key=True, max_length=80)
    election_id: str = Field(primary_key=True, max_length=200)
    starts_at: dt.datetime = _instant()
    ends_at: dt.datetime = _instant()
    start_basis: str = Field(sa_column=Column(Text, nullable=False))
    end_basis: str = Field(sa_column=Column(Text, nullable=False))
    estimated: bool = Field(default=False)


class AccountRow(SQLModel, table=True):
    """An official social media account."""

    __tablename__ = "account"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=80)
    id: str = Field(primary_key=True, max_length=80)
    platform: str = Field(max_length=40)
    name: str = Field(max_length=200)
    handle: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=500)
    kind: str = Field(max_length=20)
    status: str = Field(max_length=20)
    contact_email: str | None = Field(default=None, max_length=320)
    created_at: dt.datetime = _instant()
    updated_at: dt.datetime = _instant()


class ManualWindowRow(SQLModel, table=True):
    """A restriction the Clerk set by hand; `account_ids` null means every account."""

    __tablename__ = "manual_window"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    starts_at: dt.datetime = _instant()
    ends_at: dt.datetime = _instant()
    reason: str = Field(sa_column=Column(Text, nullable=False))
    account_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = _instant()


class OverrideRow(SQLModel, table=True):
    """The Clerk's permission to publish inside a window; `account_id` null means every account."""

    __tablename__ = "override"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    account_id: str | None = Field(default=None, max_length=80)
    starts_at: dt.datetime = _instant()
    ends_at: dt.datetime = _instant()
    categories: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # the restrictions it was granted against (`election:<id>`, `manual:<id>`): it lifts no other
    anchors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    granted_by: str = Field(max_length=200)
    created_at: dt.datetime = _instant()
    confirmed_at: dt.datetime | None = _instant(nullable=True)
    confirmed_by: str | None = Field(default=None, max_length=200)
    revoked_at: dt.datetime | None = _instant(nullable=True)
    revoked_by: str | None = Field(default=None, max_length=200)
    revoke_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OverrideRelianceRow(SQLModel, table=True):
    """
    A decision's reliance on an override, recorded once: `reliance` is the override, account,
    category and planned instant (UTC) it was for, so checking the same post again audits
    nothing new. The row also counts towards the key's limit of recorded reliances a minute.
    Its audit event (`decision.override`) holds the details.
    """

    __tablename__ = "override_reliance"
    __table_args__ = (
        Index("ix_override_reliance_key_time", "organisation_id", "key_id", "recorded_at"),
    )

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=80)
    reliance: str = Field(sa_column=Column(String(250), primary_key=True))
    key_id: str = Field(max_length=40)
    recorded_at: dt.datetime = _instant()


class ApiKeyRow(SQLModel, table=True):
    """An API key: only the SHA-256 of its secret is stored."""

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    # the person who holds the key (a named Clerk's key): the console signs them in by it
    person: str | None = Field(default=None, max_length=200)
    secret_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: dt.datetime = _instant()
    revoked_at: dt.datetime | None = _instant(nullable=True)
    # when a request last authenticated with it (to within a minute); not audited
    last_used_at: dt.datetime | None = _instant(nullable=True)


class ConsoleSessionRow(SQLModel, table=True):
    """
    A person signed in to the Clerk's console with an API key (`app.services.console`).

    The cookie holds a random token; only its SHA-256 is stored, as for keys. The CSRF token
    is per session and compared in constant time. Not audited: signing in changes no data.
    """

    __tablename__ = "console_session"

    token_sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    key_id: str = Field(max_length=40)
    person: str = Field(max_length=200)
    csrf_token: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: dt.datetime = _instant()
    last_seen_at: dt.datetime = _instant()
    ended_at: dt.datetime | None = _instant(nullable=True)


class DiesNonRow(SQLModel, table=True):
    """A day of public thanksgiving or mourning the Clerk added."""

    __tablename__ = "dies_non"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=80)
    day: dt.date = Field(sa_column=Column(Date, primary_key=True))
    name: str = Field(max_length=200)
    created_at: dt.datetime = _instant()


class AuditEventRow(SQLModel, table=True):
    """
    One audited change. Each event's `hash` is the SHA-256 of its canonical JSON together
    with the previous event's hash of the same organisation (a hash chain).
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_org_seq", "organisation_id", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=80)
    at: dt.datetime = _instant()
    actor: str = Field(max_length=200)
    role: str = Field(max_length=20)
    action: str = Field(max_length=80)
    target: str = Field(max_length=300)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    request_id: str | None = Field(default=None, max_length=100)
    data_version: int = Field(default=0)
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class ElectionScheduleRow(SQLModel, table=True):
    """
    Recurring scheduled elections: an RFC 5545 RRULE from `dtstart`, with exception dates
    (`exdates`) and one-off dates (`rdates`). Each occurrence is an ordinary election row.
    """

    __tablename__ = "election_schedule"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    name: str = Field(max_length=200)
    election_prefix: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    rrule: str = Field(sa_column=Column(Text, nullable=False))
    dtstart: dt.date = Field(sa_column=Column(Date, nullable=False))
    exdates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rdates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    horizon_until: dt.date = Field(sa_column=Column(Date, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = _instant()


class FeedTokenRow(SQLModel, table=True):
    """A secret feed URL for calendar apps, which cannot send headers; only its SHA-256 is stored."""

    __tablename__ = "feed_token"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    name: str = Field(max_length=200)
    account_id: str | None = Field(default=None, max_length=80)
    secret_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = _instant()
    revoked_at: dt.datetime | None = _instant(nullable=True)
    revoked_by: str | None = Field(default=None, max_length=200)


class FeedEventRow(SQLModel, table=True):
    """
    One restriction window as the ICS feed has published it, kept so that a window keeps its
    UID when it moves (with a higher `sequence`) and stays, cancelled, when it is withdrawn.

    `scope` is `*` for the organisation's feed, or an account id. `anchor` is the window's
    identity: its first election (by polling day, then id), or its manual window's id.
    """

    __tablename__ = "feed_event"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=80)
    scope: str = Field(primary_key=True, max_length=80)
    anchor: str = Field(primary_key=True, max_length=200)
    starts_at: dt.datetime = _instant()
    ends_at: dt.datetime = _instant()
    election_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    manual_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    estimated: bool = Field(default=False)
    sequence: int = Field(default=0)
    changed_at: dt.datetime = _instant()
    cancelled_at: dt.datetime | None = _instant(nullable=True)


class CandidateRow(SQLModel, table=True):
    """
    A person standing in one election, typed in by the Clerk from the statement of persons
    nominated or imported from Democracy Club's candidate CSV.
    """

    __tablename__ = "candidate"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    election_id: str = Field(max_length=200)
    name: str = Field(max_length=200)
    party_name: str | None = Field(default=None, max_length=200)
    # the Electoral Commission's id as Democracy Club writes it (`party:53`, `PP53`, `joint-party:53-119`)
    party_id: str | None = Field(default=None, max_length=80)
    ward: str | None = Field(default=None, max_length=200)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    handles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the official accounts whose holder this candidate is, linked by the Clerk
    account_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="manual", max_length=40)
    # Democracy Club's person id, for an imported candidate
    person_id: str | None = Field(default=None, max_length=40)
    status: str = Field(default="standing", max_length=20)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = _instant()
    withdrawn_at: dt.datetime | None = _instant(nullable=True)
    withdrawn_by: str | None = Field(default=None, max_length=200)
    withdraw_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ApprovalRequestRow(SQLModel, table=True):
    """
    A request that the Clerk allow one post; the text is kept because the Clerk must read it.
    `status` is one of pending, awaiting-confirmation, approved, rejected, withdrawn (expiry is
    worked out from the times, not stored).
    """

    __tablename__ = "approval_request"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    account_id: str = Field(max_length=80)
    at: dt.datetime = _instant()
    category: str = Field(max_length=40)
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", max_length=30)
    requested_by: str = Field(max_length=200)
    requested_by_key: str = Field(max_length=40, index=True)
    created_at: dt.datetime = _instant()
    # the decision the post got when it was asked for (outcome and reason codes)
    asked_outcome: str = Field(max_length=10)
    asked_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: dt.datetime | None = _instant(nullable=True)
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    not_before: dt.datetime | None = _instant(nullable=True)
    not_after: dt.datetime | None = _instant(nullable=True)
    # the restrictions in force when approved (`election:<id>`, `manual:<id>`): it lifts no other
    anchors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confirmed_by: str | None = Field(default=None, max_length=200)
    confirmed_at: dt.datetime | None = _instant(nullable=True)
    withdrawn_at: dt.datetime | None = _instant(nullable=True)


class OutboxEventRow(SQLModel, table=True):
    """
    A change event (`override.granted`, `window.changed`, ...), written by the unit of work in
    the transaction of the change it announces: a write that rolls back leaves none.
    """

    __tablename__ = "outbox_event"

    # the order the events were written in (one write's events, and writes one after another)
    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    type: str = Field(max_length=40)
    created_at: dt.datetime = _instant()
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class WebhookRow(SQLModel, table=True):
    """
    A webhook subscription: where to POST which events. The signing secret is kept as it is
    (an HMAC key must be known to sign); it is shown to the Clerk once, when made.
    """

    __tablename__ = "webhook"

    id: str = Field(primary_key=True, max_length=40)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    url: str = Field(sa_column=Column(Text, nullable=False))
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    format: str = Field(max_length=20)
    secret: str = Field(max_length=100)
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = _instant()
    revoked_at: dt.datetime | None = _instant(nullable=True)
    revoked_by: str | None = Field(default=None, max_length=200)


class WebhookDeliveryRow(SQLModel, table=True):
    """
    One outbox event owed to one subscription. `status` is pending, delivered or failed (given
    up); a pending delivery is due at `next_attempt_at`, which a claim moves on by a lease so
    that no other replica takes it while it is being sent.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    webhook_id: str = Field(foreign_key="webhook.id", index=True, max_length=40)
    event_id: str = Field(foreign_key="outbox_event.id", max_length=36)
    status: str = Field(default="pending", max_length=20)
    attempts: int = Field(default=0)
    created_at: dt.datetime = _instant()
    next_attempt_at: dt.datetime = _instant()
    last_attempt_at: dt.datetime | None = _instant(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response_code: int | None = Field(default=None)
    delivered_at: dt.datetime | None = _instant(nullable=True)


class TimeScheduleRow(SQLModel, table=True):
    """
    How far an organisation's time events are worked out: from its data at `data_version`,
    at `synced_at`. The scheduler works them out again when the organisation's
    `data_version` has moved on (`app.services.time_events`).
    """

    __tablename__ = "time_schedule"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=80)
    data_version: int
    synced_at: dt.datetime = _instant()


class TimeEventRow(SQLModel, table=True):
    """
    One announcement at an instant (`app.domain.time_events`): a window upcoming, started or
    ended, or a policy review due. Sent once, at `due_at` or as soon after as the service
    runs: `fired_at` is set in the transaction that writes its outbox event (`event_id`). An
    unsent one whose window moved is deleted; a sent one stays, so it is never sent again.
    """

    __tablename__ = "time_event"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "kind", "anchor", "boundary_at", name="uq_time_event_boundary"
        ),
        Index("ix_time_event_due", "fired_at", "due_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=80)
    kind: str = Field(max_length=40)
    anchor: str = Field(max_length=200)
    boundary_at: dt.datetime = _instant()
    due_at: dt.datetime = _instant()
    fired_at: dt.datetime | None = _instant(nullable=True)
    event_id: str | None = Field(default=None, max_length=36)
