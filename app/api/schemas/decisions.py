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
    AwareDatetime,
    _HotIn,
    _Out,
    london,
)


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
            "Whether this decision's reliance on an override is in the audit log: true for a "
            "clerk's or scheduler's key (recorded once per override, account, category and "
            "planned time), false for a viewer's or auditor's key, whose checks are not "
            "recorded because it does not publish; null when no override was relied on."
        )
    )


class CheckIn(_HotIn):
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

    account_id: Annotated[str, Field(min_length=1, max_length=80, pattern=_NO_CONTROL)]
    at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    category: Category = Category.GENERAL


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
        min_length=1, max_length=1000, description="At most 1,000 checks, answered in order."
    )


class BatchOut(_Out):
    decisions: list[DecisionOut]
