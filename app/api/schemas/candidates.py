"""
Candidates: who is standing in the organisation's elections, and their import from
Democracy Club.
"""

import datetime as dt
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from .common import Name, _In, _Out

_ALIAS = Annotated[str, Field(min_length=2, max_length=200)]
_HANDLE = Annotated[
    str,
    Field(
        min_length=1,
        max_length=101,
        pattern=r"^@?[A-Za-z0-9_][A-Za-z0-9_.@-]{0,99}$",
        description="A handle on any platform: `@bobsmith`, `@bob@mastodon.social`.",
    ),
]


class CandidateIn(_In):
    """A candidate, as the statement of persons nominated names them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "election_id": "parish.redruth.2029-05-03",
                    "name": "Jane Trevithick",
                    "party": "Independent",
                    "ward": "central",
                    "aliases": ["Janey Trevithick"],
                    "handles": ["@janetrevithick"],
                }
            ]
        },
    )

    election_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="One of the organisation's elections (`GET /v1/elections`), or a "
            "ballot of one (`local.cornwall.redruth-north.2029-05-03`).",
        ),
    ]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    party: Name | None = Field(default=None, description="The party's name, or none.")
    ward: Name | None = Field(default=None, description="The ward or division, if any.")
    aliases: Annotated[list[_ALIAS], Field(max_length=20)] = Field(
        default_factory=list, description="Other names the person is known by."
    )
    handles: Annotated[list[_HANDLE], Field(max_length=20)] = Field(
        default_factory=list, description="Their social media handles."
    )


class LinkIn(_In):
    """An official account the candidate holds (the Mayor's page, a member's profile)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"account_id": "facebook-mayorofredruth"}]},
    )

    account_id: Annotated[str, Field(min_length=1, max_length=80)]


class CandidateOut(_Out):
    """A candidate, and the accounts whose holder shares their name (suggested, not linked)."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "candidate_id": "cand-3f9a1c2b7d",
                    "election_id": "parish.redruth.2029-05-03",
                    "name": "Jane Trevithick",
                    "party": "Independent",
                    "party_id": None,
                    "ward": "central",
                    "aliases": ["Janey Trevithick"],
                    "handles": ["@janetrevithick"],
                    "account_ids": [],
                    "suggested_account_ids": ["facebook-mayorofredruth"],
                    "status": "standing",
                    "source": "manual",
                    "person_id": None,
                    "created_by": "Town Clerk (a1b2c3d4e5f6)",
                    "created_at": "2029-04-08T10:00:00+01:00",
                    "withdrawn_at": None,
                    "withdrawn_by": None,
                    "withdraw_reason": None,
                }
            ]
        },
    )

    candidate_id: str
    election_id: str
    name: str
    party: str | None
    party_id: str | None = Field(description="Democracy Club's party id (`PP53`), if imported.")
    ward: str | None
    aliases: list[str]
    handles: list[str]
    account_ids: list[str] = Field(
        description="The official accounts the Clerk linked to this candidate as their holder."
    )
    suggested_account_ids: list[str] = Field(
        description="Accounts whose holder (or name) shares the candidate's name: for the "
        "Clerk to confirm with `POST /v1/candidates/{id}/accounts`; never linked by themselves."
    )
    status: str = Field(description="`standing` or `withdrawn`.")
    source: str = Field(description="`manual`, or `democracy-club` for an imported candidate.")
    person_id: str | None = Field(description="Democracy Club's person id, if imported.")
    created_by: str
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    withdraw_reason: str | None


class CandidateImportItem(_Out):
    """One row of the file and what became of it."""

    model_config = ConfigDict(extra="forbid")

    where: str = Field(description="The row's line in the file (the header is line 1).")
    person_id: str
    name: str
    election_id: str = Field(description="The ballot paper id (or election id) of the row.")
    candidate_id: str | None = None
    party: str | None = None
    ward: str | None = None
    changes: dict[str, list[Any]] | None = Field(
        default=None, description="Each changed field: [before, after]."
    )
    reason: str | None = None


class CandidateImportOut(_Out):
    """What an import did, or with `dry_run=true` would do. Nothing is written on a dry run."""

    dry_run: bool
    source: str
    added: list[CandidateImportItem]
    updated: list[CandidateImportItem]
    unchanged: list[CandidateImportItem]
    skipped: list[CandidateImportItem]
