"""
The bodies of approval requests: asking the Clerk to allow one post, and the Clerk's answer.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from app.domain import Category
from app.domain.requests import LINK_MAX, LINKS_MAX, NOTE_MAX, TEXT_MAX

from .common import MULTI_LINE, AwareDatetime, Text, _In, _Out
from .decisions import DecisionOut

__all__ = ["ApproveIn", "AskedOut", "RequestIn", "RequestOut"]

# The text of a post: line feeds and tabs allowed, no other control character.
PostText = Annotated[str, Field(min_length=1, max_length=TEXT_MAX), MULTI_LINE]
# An http(s) URL with a host and no white space (the domain checks it again).
Link = Annotated[str, Field(max_length=LINK_MAX, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+\S*$")]
Note = Annotated[str, Field(max_length=NOTE_MAX), MULTI_LINE]

_EXAMPLE_TEXT = (
    "Murdoch Day street fair on Fore Street this Saturday, 10am to 4pm.\n"
    "Road closures from 8am: details on our website."
)


_REQUEST_EXAMPLE: dict[str, Any] = {
    "request_id": "rq-3f9a1c02b7",
    "account_id": "facebook-redruthtowncouncil",
    "at": "2029-04-10T09:00:00+01:00",
    "category": "event",
    "text": _EXAMPLE_TEXT,
    "text_sha256": "5b2c0e4f...",
    "links": ["https://www.redruth-tc.gov.uk/murdoch-day"],
    "note": "Annual event, same wording as last year",
    "status": "approved",
    "allowed_moves": ["withdraw"],
    "requested_by": "Hootsuite (k1a2b3c4d5e6)",
    "requested_at": "2029-04-08T15:12:00+01:00",
    "asked_outcome": "refer",
    "asked_reasons": ["REFER_TO_CLERK"],
    "decided_by": "Town Clerk (k9f8e7d6c5b4)",
    "decided_at": "2029-04-09T10:02:00+01:00",
    "decision_reason": "Factual notice of a council event; no candidate named",
    "not_before": "2029-04-10T07:00:00+01:00",
    "not_after": "2029-04-10T11:00:00+01:00",
    "anchors": ["election:local.cornwall.2029-05-03"],
    "confirmed_by": "Town Clerk (k9f8e7d6c5b4)",
    "confirmed_at": "2029-04-09T10:02:00+01:00",
    "withdrawn_at": None,
}

_PENDING_EXAMPLE: dict[str, Any] = {
    **_REQUEST_EXAMPLE,
    "status": "pending",
    "allowed_moves": ["approve", "reject", "withdraw"],
    **dict.fromkeys(
        (
            "decided_by",
            "decided_at",
            "decision_reason",
            "not_before",
            "not_after",
            "confirmed_by",
            "confirmed_at",
        ),
    ),
    "anchors": [],
}


class RequestIn(_In):
    """A request that the Clerk allow one post: the account, when, what kind, and its text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "facebook-redruthtowncouncil",
                    "at": "2029-04-10T09:00:00+01:00",
                    "category": "event",
                    "text": _EXAMPLE_TEXT,
                    "links": ["https://www.redruth-tc.gov.uk/murdoch-day"],
                    "note": "Annual event, same wording as last year",
                }
            ]
        },
    )

    account_id: Annotated[str, Field(min_length=1, max_length=80)]
    at: AwareDatetime = Field(description="When the post is to go out, with an offset.")
    category: Category
    text: PostText = Field(
        description=f"The post's text, as it will be published (1-{TEXT_MAX:,} characters; "
        "line feeds and tabs allowed). An approval covers exactly this text."
    )
    links: Annotated[list[Link], Field(max_length=LINKS_MAX)] = Field(
        default_factory=list,
        description=f"At most {LINKS_MAX} http(s) links the post carries, for the Clerk to check.",
    )
    note: Note | None = Field(
        default=None, description="A word to the Clerk (not published); empty: none."
    )


class ApproveIn(_In):
    """The Clerk's approval of one request: a reason, and optionally when the post may go out."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "Factual notice of a council event; no candidate named"},
                {
                    "reason": "Approved for the morning only",
                    "not_before": "2029-04-10T08:00:00+01:00",
                    "not_after": "2029-04-10T12:00:00+01:00",
                },
            ]
        },
    )

    reason: Text
    not_before: AwareDatetime | None = Field(
        default=None,
        description="From when the post may go out. Default: 2 hours before the requested time, "
        "within its restriction window.",
    )
    not_after: AwareDatetime | None = Field(
        default=None,
        description="Until when (exclusive). Default: 2 hours after the requested time, within "
        "its restriction window; never longer than the policy's longest override.",
    )


StatusName = Literal[
    "pending", "awaiting-confirmation", "approved", "rejected", "withdrawn", "expired"
]
MoveName = Literal["approve", "confirm", "reject", "withdraw"]


class RequestOut(_Out):
    """A request as the Clerk reads it: the post, who asked, who decided, and what may follow."""

    model_config = ConfigDict(frozen=True, json_schema_extra={"examples": [_REQUEST_EXAMPLE]})

    request_id: str
    account_id: str
    at: dt.datetime
    category: str
    text: str
    text_sha256: str = Field(
        description="SHA-256 of the normalised text: what an approval matches."
    )
    links: list[str]
    note: str | None
    status: StatusName = Field(
        description="As it stands now: `expired` once the requested time passed undecided, or "
        "once an approval's `not_after` passed."
    )
    allowed_moves: list[MoveName] = Field(
        description="The moves the request's status allows (approve and confirm are the "
        "Clerk's, never the requester's own key; withdraw is the requester's)."
    )
    requested_by: str
    requested_at: dt.datetime
    asked_outcome: Literal["allow", "refer", "deny"] = Field(
        description="The outcome the post got when it was asked for."
    )
    asked_reasons: list[str]
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    not_before: dt.datetime | None
    not_after: dt.datetime | None = Field(description="Exclusive: [not_before, not_after).")
    anchors: list[str] = Field(
        description=(
            "What the approval lifts, as the Clerk saw it: the restrictions in force "
            "(`election:<id>`, `manual:<window id>`) and what the post met (`candidate:<id>`, "
            "`party:<id>`, `appeal:<rule>`, `place:<ward>`, `holder:<election id>`); anything "
            "new since means the post is referred again."
        )
    )
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


class AskedOut(_Out):
    """What asking gave: the request queued for the Clerk, or `not-needed` and why."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "request_id": "rq-3f9a1c02b7",
                    "status": "pending",
                    "decision": {
                        "decision_id": "9d3c5e0b6a4f4d27b1c8e2f7a0d1b3c5",
                        "account_id": "facebook-redruthtowncouncil",
                        "category": "event",
                        "at": "2029-04-10T09:00:00+01:00",
                        "allowed": False,
                        "outcome": "refer",
                        "reasons": [
                            {
                                "code": "REFER_TO_CLERK",
                                "effect": "refer",
                                "message": "This category is referred to the Town Clerk inside "
                                "the window: not allowed until the Clerk grants an override "
                                "or approves a request for this post.",
                                "clause": None,
                                "rule": None,
                            }
                        ],
                        "windows": [],
                        "valid_until": "2029-05-03T22:00:00+01:00",
                        "data_version": 12,
                        "evaluated_at": "2029-04-08T15:12:00+01:00",
                        "override_use_recorded": None,
                    },
                    "request": _PENDING_EXAMPLE,
                }
            ]
        },
    )

    request_id: str | None = Field(description="Null when the post needs no approval.")
    status: Literal["pending", "not-needed"]
    decision: DecisionOut = Field(
        description="The decision the post gets now, as can-publish gives it."
    )
    request: RequestOut | None = Field(description="The request as stored; null when not needed.")
