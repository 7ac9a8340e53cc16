"""
What the store hands out: frozen copies of stored rows, detached from any session.

Services return these (never a `table=True` row), so the API and the CLI read what was
stored without importing the tables or holding a session. Each record names its fields as
its table does; `of(row)` copies one row.
"""

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Self

from app.domain import ElectionKind, ElectionRecord, RestrictedPeriod, parse_election_id

__all__ = [
    "StoredAccount",
    "StoredCandidate",
    "StoredDiesNon",
    "StoredElection",
    "StoredFeedToken",
    "StoredKey",
    "StoredOrganisation",
    "StoredOverride",
    "StoredPeriod",
    "StoredRequest",
    "StoredSchedule",
    "StoredWindow",
]


class _Record:
    @classmethod
    def of(cls, row: Any) -> Self:
        """A copy of the row's fields that this record names."""
        return cls(**{f.name: _copy(getattr(row, f.name)) for f in fields(cls)})  # type: ignore[arg-type]


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value  # a copy: the row stays the row's


@dataclass(frozen=True, slots=True)
class StoredOrganisation(_Record):
    """A council this deployment serves."""

    id: str
    name: str
    country: str
    policy_file: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredElection(_Record):
    """An election as the Clerk recorded it (the dates set by hand, the status)."""

    organisation_id: str
    election_id: str
    kind: str
    country: str | None
    poll_date: dt.date
    notice_published: dt.date | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    end_reason: str | None
    status: str
    status_reason: str | None
    source: str | None
    source_ref: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def state(self) -> dict[str, Any]:
        """What the Clerk records of it: audited, and the basis of its version tag."""
        return {
            "election_id": self.election_id,
            "kind": self.kind,
            "poll_date": self.poll_date,
            "notice_published": self.notice_published,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "end_reason": self.end_reason,
            "status": self.status,
            "status_reason": self.status_reason,
        }

    def to_domain(self) -> ElectionRecord:
        """The domain's view of it."""
        return ElectionRecord(
            parse_election_id(self.election_id, kind=ElectionKind(self.kind)),
            notice_published=self.notice_published,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            end_reason=self.end_reason,
        )


@dataclass(frozen=True, slots=True)
class StoredPeriod(_Record):
    """An election's restricted period as last computed."""

    election_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    start_basis: str
    end_basis: str
    estimated: bool

    def to_domain(self) -> RestrictedPeriod:
        """The domain's view of it."""
        return RestrictedPeriod(
            self.election_id,
            self.starts_at,
            self.ends_at,
            self.start_basis,
            self.end_basis,
            self.estimated,
        )


@dataclass(frozen=True, slots=True)
class StoredAccount(_Record):
    """An official account and its status."""

    organisation_id: str
    id: str
    platform: str
    name: str
    handle: str | None
    url: str | None
    kind: str
    status: str
    contact_email: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def state(self) -> dict[str, Any]:
        """What the Clerk changes of it: audited, and the basis of its version tag."""
        return {
            "status": self.status,
            "name": self.name,
            "platform": self.platform,
            "contact_email": self.contact_email,
        }


@dataclass(frozen=True, slots=True)
class StoredWindow(_Record):
    """A manual window the Clerk set."""

    id: str
    organisation_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    account_ids: list[str] | None
    created_by: str
    created_at: dt.datetime

    def state(self) -> dict[str, Any]:
        """What the Clerk changes of it: audited, and the basis of its version tag."""
        return {
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "reason": self.reason,
            "account_ids": self.account_ids,
        }


@dataclass(frozen=True, slots=True)
class StoredOverride(_Record):
    """An override as granted, confirmed and revoked."""

    id: str
    organisation_id: str
    account_id: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    categories: list[str] | None
    anchors: list[str]
    reason: str
    granted_by: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmed_by: str | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revoke_reason: str | None

    def is_confirmed(self, needs_second_clerk: bool) -> bool:
        """Confirmed by a second Clerk, or the policy asks for none."""
        return self.confirmed_at is not None or not needs_second_clerk

    def in_force(self, now: dt.datetime, *, needs_second_clerk: bool) -> bool:
        """Confirmed where the policy asks, not revoked and not ended at `now`."""
        return (
            self.is_confirmed(needs_second_clerk) and self.revoked_at is None and self.ends_at > now
        )


@dataclass(frozen=True, slots=True)
class StoredKey(_Record):
    """An API key (its hash only)."""

    id: str
    organisation_id: str
    name: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    person: str | None


@dataclass(frozen=True, slots=True)
class StoredDiesNon(_Record):
    """A day of public thanksgiving or mourning the Clerk added."""

    organisation_id: str
    day: dt.date
    name: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredSchedule(_Record):
    """Recurring scheduled elections."""

    id: str
    organisation_id: str
    name: str
    election_prefix: str
    kind: str
    rrule: str
    dtstart: dt.date
    exdates: list[str]
    rdates: list[str]
    horizon_until: dt.date
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredFeedToken(_Record):
    """A secret feed URL (its hash only)."""

    id: str
    organisation_id: str
    name: str
    account_id: str | None
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None


@dataclass(frozen=True, slots=True)
class StoredCandidate(_Record):
    """A person standing in one election, as the Clerk entered or imported them."""

    id: str
    organisation_id: str
    election_id: str
    name: str
    party_name: str | None
    party_id: str | None
    ward: str | None
    aliases: list[str]
    handles: list[str]
    account_ids: list[str]
    source: str
    person_id: str | None
    status: str
    created_by: str
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    withdraw_reason: str | None


@dataclass(frozen=True, slots=True)
class StoredRequest(_Record):
    """A request that the Clerk allow one post, and what became of it."""

    id: str
    organisation_id: str
    account_id: str
    at: dt.datetime
    category: str
    text: str
    text_sha256: str
    links: list[str]
    note: str | None
    status: str
    requested_by: str
    requested_by_key: str
    created_at: dt.datetime
    asked_outcome: str
    asked_reasons: list[str]
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    anchors: list[str]
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
