"""
Accounts, overrides, API keys, organisations and the policy as applied.
"""

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from app.domain import (
    AccountKind,
    AccountStatus,
    Category,
)

from .common import (
    AwareDatetime,
    Name,
    Slug,
    Text,
    _In,
    _Out,
)


class AccountOut(_Out):
    account_id: str
    platform: str
    name: str
    handle: str | None
    url: str | None
    kind: AccountKind
    status: AccountStatus
    updated_at: dt.datetime


class PolicyOut(_Out):
    organisation_id: str
    organisation_name: str
    country: str
    election_scopes: list[str]
    clauses: dict[str, str]
    categories: dict[str, list[str]]
    reason_clauses: dict[str, str]
    caution_margin_days: int
    general_election_start: str
    end_extension_hours: float
    warning_horizon_days: float
    official_email_domains: list[str]
    next_review_due: dt.date | None
    review_overdue: bool
    max_override_days: float
    override_needs_second_clerk: bool


def _not_all(value: str) -> str:
    if value == "all":
        msg = "'all' is reserved: an override for `all` covers every account"
        raise ValueError(msg)
    return value


class AccountIn(_In):
    """A proposed account: it is `pending` until the Town Clerk approves it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "tiktok-redruth",
                    "platform": "tiktok",
                    "name": "Redruth Town Council on TikTok",
                    "kind": "profile",
                    "contact_email": "comms@redruth.gov.uk",
                    "url": "https://www.tiktok.com/@redruthtc",
                    "reason": "Proposed by the communications officer to reach younger residents",
                }
            ]
        },
    )

    account_id: Annotated[Slug, AfterValidator(_not_all)]
    platform: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["page", "profile", "company-page", "podcast"]
    contact_email: Annotated[
        str,
        Field(
            min_length=3,
            max_length=320,
            description="On one of the policy's official email domains.",
        ),
    ]
    handle: Annotated[str, Field(max_length=200)] | None = None
    url: Annotated[str, Field(max_length=500, pattern=r"^https://")] | None = None
    reason: Text


class ReasonIn(_In):
    """Every move of the Clerk's carries a reason, kept in the audit log."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Approved at the Clerk's weekly review"}]},
    )

    reason: Text


class OverrideIn(_In):
    """The Clerk's written permission to publish inside a window; it must end."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "facebook-redruthtowncouncil",
                    "starts_at": "2029-04-10T09:00:00+01:00",
                    "ends_at": "2029-04-12T17:00:00+01:00",
                    "categories": ["event"],
                    "reason": "Murdoch Day street fair: factual event notice, approved by the Town Clerk",
                }
            ]
        },
    )

    account_id: Annotated[
        str,
        Field(
            min_length=1, max_length=80, description="An account id, or `all` for every account."
        ),
    ]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    categories: Annotated[list[Category], Field(min_length=1)] | None = Field(
        default=None, description="Null: every category but the never-permitted ones."
    )
    reason: Text


class OverrideOut(_Out):
    override_id: str
    account_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    categories: list[str] | None
    anchors: list[str] = Field(
        description="The restrictions it was granted against (`election:<id>`, `manual:<window id>`): "
        "it lifts only these, so a window added later needs an override of its own."
    )
    reason: str
    granted_by: str
    created_at: dt.datetime
    confirmed: bool
    revoked_at: dt.datetime | None
    revoke_reason: str | None
    in_force: bool = Field(description="Confirmed where required, not revoked, and not yet ended.")


class KeyOut(_Out):
    """An API key as the Clerk sees it: never its secret."""

    key_id: str = Field(description="The part after `pdh_`; `purdah keys revoke <key_id>`.")
    name: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = Field(
        default=None, description="The latest successful authentication, to within a minute."
    )
    person: str | None = Field(
        default=None,
        description="The person who holds the key, if it was made for one: the console signs "
        "them in by it without asking their name, and the audit log names them.",
    )


class KeyIn(_In):
    """A key for a scheduling tool, a reader or an auditor, minted by the Clerk."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"role": "scheduler", "name": "Hootsuite"},
                {"role": "auditor", "name": "Internal audit, 2029 review"},
                {"role": "viewer", "name": "Deputy Clerk", "person": "Jane Trelawny"},
            ]
        },
    )

    role: Literal["scheduler", "viewer", "auditor"] = Field(
        description="A Clerk mints scheduler, viewer and auditor keys; Clerk and operator keys "
        "come from `purdah keys create`."
    )
    name: Name = Field(description="Who or what uses the key (1-200 characters).")
    person: str | None = Field(
        default=None,
        max_length=200,
        description="The person who will hold the key (1-100 characters, no control "
        "characters), for a key of one person's: the console signs them in by it without "
        "asking their name, and the audit log names them for what they do with it.",
    )


class NewKeyOut(KeyOut):
    """The key is shown once, now: only the hash of its secret is kept."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "key_id": "3f9a1c02b7e4",
                    "name": "Hootsuite",
                    "role": "scheduler",
                    "created_at": "2029-03-02T10:15:00+00:00",
                    "revoked_at": None,
                    "last_used_at": None,
                    "person": None,
                    "key": "pdh_3f9a1c02b7e4_...",
                }
            ]
        },
    )

    key: str = Field(
        description="The whole key, for `Authorization: Bearer <key>`: shown this once, never "
        "again (not in `GET /v1/keys`, not in the audit log)."
    )


class OrganisationIn(_In):
    """A council to add: its policy file, in the policy folder, names it and its accounts."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"policy_file": "penryn.yaml"}]}
    )

    policy_file: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,78}\.ya?ml$")]


class OrganisationOut(_Out):
    organisation_id: str
    name: str
    country: str
    policy_file: str
    created_at: dt.datetime | None = None
    accounts: int | None = Field(
        default=None, description="Accounts seeded from the policy's appendix."
    )
    elections: int | None = Field(default=None, description="Shipped elections that affect it.")
    first_clerk_key: str | None = Field(
        default=None,
        description="The new council's first Clerk key, shown once: hand it to the Town Clerk.",
    )
