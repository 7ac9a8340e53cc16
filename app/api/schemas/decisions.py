"""
The bodies of can-publish and the batch: a decision, its reasons and windows.
"""

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.domain import (
    Category,
    Reason,
    ReasonCode,
    Window,
)

from .common import (
    _NO_CONTROL,
    _NO_CONTROL_BUT_LF_TAB,
    POST_TEXT_MAX,
    AwareDatetime,
    _HotIn,
    _Out,
    london,
)


class MatchOut(_Out):
    kind: Literal["candidate", "party", "appeal", "place"] = Field(
        description="What was found: a candidate, a party, an electoral appeal, a ward's place."
    )
    start: int = Field(description="Where it starts in the text as sent (Unicode code points).")
    end: int = Field(description="One past where it ends: text[start:end] is `matched`.")
    matched: str = Field(description="The words as written in the post.")
    name: str = Field(
        description="The candidate's or party's name, the ward's, or the appeal's rule."
    )
    ref: str = Field(description="The candidate id, party id, ward id or appeal rule id.")
    election_ids: list[str] = Field(default=[], description="For a candidate: their election.")


class ReasonOut(_Out):
    code: ReasonCode = Field(description="Machine-readable reason code.")
    effect: Literal["allow", "refer", "deny", "warn"]
    message: str
    clause: str | None = Field(description="The clause of the council's policy this reason cites.")
    rule: str | None = Field(description="The statute or guidance, where one applies.")
    window_id: str | None = None
    election_ids: list[str] = []
    manual_window_ids: list[str] = []
    override_id: str | None = None
    request_id: str | None = Field(
        default=None, description="The approval request this reason is about, if any."
    )
    matches: list[MatchOut] = Field(
        default=[], description="What in the post's text gave this reason, and where."
    )

    @classmethod
    def of(cls, reason: Reason) -> "ReasonOut":
        return cls(
            code=reason.code,
            effect=reason.effect.value,
            message=reason.message,
            clause=reason.clause,
            rule=reason.rule,
            window_id=reason.window_id,
            election_ids=list(reason.election_ids),
            manual_window_ids=list(reason.manual_window_ids),
            override_id=reason.override_id,
            request_id=reason.request_id,
            matches=[
                MatchOut(
                    kind=m.kind.value,
                    start=m.start,
                    end=m.end,
                    matched=m.matched,
                    name=m.name,
                    ref=m.ref,
                    election_ids=list(m.election_ids),
                )
                for m in reason.matches
            ],
        )


class WindowOut(_Out):
    window_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime = Field(description="Exclusive: the window is [starts_at, ends_at).")
    election_ids: list[str]
    manual_window_ids: list[str]
    estimated: bool
    description: str

    @classmethod
    def of(cls, window: Window) -> "WindowOut":
        return cls(
            window_id=window.window_id,
            starts_at=london(window.starts_at),
            ends_at=london(window.ends_at),
            election_ids=list(window.election_ids),
            manual_window_ids=list(window.manual_window_ids),
            estimated=window.estimated,
            description=window.describe(),
        )


class DecisionOut(_Out):
    decision_id: str
    account_id: str
    category: str
    at: dt.datetime
    allowed: bool = Field(
        description="True only when outcome is allow. Anything else: do not post."
    )
    outcome: Literal["allow", "refer", "deny"]
    reasons: list[ReasonOut]
    windows: list[WindowOut]
    valid_until: dt.datetime | None = Field(
        description="When the answer for this account and category next changes as time passes; null if never."
    )
    data_version: int
    evaluated_at: dt.datetime
    override_use_recorded: bool | None = Field(
        description=(
            "Whether this decision's reliance on an override or an approved request is in "
            "the audit log: true for a clerk's or scheduler's key (recorded once per override, "
            "account, category and planned time, or once per request), false for a viewer's "
            "or auditor's key, whose checks are not recorded because it does not publish; null "
            "when neither was relied on."
        )
    )


PostTextIn = Annotated[
    str, Field(min_length=1, max_length=POST_TEXT_MAX, pattern=_NO_CONTROL_BUT_LF_TAB)
]
RequestIdIn = Annotated[str, Field(min_length=1, max_length=40, pattern=_NO_CONTROL)]
AccountIdIn = Annotated[str, Field(min_length=1, max_length=80, pattern=_NO_CONTROL)]
# The most checks one batch may carry.
MAX_CHECKS = 1000


class PostCheckIn(_HotIn):
    """The body of can-publish by POST: what GET asks, and the post's text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "at": "2029-04-10T09:00:00+01:00",
                    "category": "event",
                    "text": "Join the Mayor at the Christmas lights switch-on, Fore Street, 6pm.",
                },
                {
                    "category": "event",
                    "text": "Join the Mayor at the Christmas lights switch-on, Fore Street, 6pm.",
                    "request_id": "rq-3f2a9c1b7e",
                },
            ]
        },
    )

    at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    category: Category = Category.GENERAL
    text: PostTextIn | None = Field(
        default=None,
        description=(
            "The post's text, to screen for candidates, parties and electoral appeals; only "
            "its SHA-256 is kept."
        ),
    )
    request_id: RequestIdIn | None = Field(
        default=None, description="An approved request for exactly this post (send its text too)."
    )


class CheckIn(PostCheckIn):
    """One check of a batch: a post's question, for one account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "facebook-redruthtowncouncil",
                    "at": "2029-04-10T09:00:00+01:00",
                    "category": "event",
                }
            ]
        },
    )

    account_id: AccountIdIn


class BatchIn(_HotIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "checks": [
                        {
                            "account_id": "facebook-redruthtowncouncil",
                            "at": "2029-04-10T09:00:00+01:00",
                            "category": "general",
                        },
                        {
                            "account_id": "facebook-mayorofredruth",
                            "at": "2029-04-10T09:00:00+01:00",
                            "category": "emergency",
                        },
                    ]
                }
            ]
        },
    )

    checks: list[CheckIn] = Field(
        min_length=1, max_length=MAX_CHECKS, description="At most 1,000 checks, answered in order."
    )


class BatchOut(_Out):
    decisions: list[DecisionOut]
