"""
Manual restriction windows, which the Clerk sets by hand.
"""

import datetime as dt
from typing import Annotated

from pydantic import ConfigDict, Field

from .common import (
    AwareDatetime,
    Slug,
    Text,
    _In,
    _Out,
)


class ManualWindowIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "starts_at": "2027-06-01T00:00:00+01:00",
                    "ends_at": "2027-06-08T00:00:00+01:00",
                    "reason": "Content under review by the Town Clerk",
                    "account_ids": ["facebook-mayorofredruth"],
                }
            ]
        },
    )

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text
    account_ids: Annotated[list[Slug], Field(min_length=1)] | None = Field(
        default=None, max_length=500, description="Null: every account."
    )


class ManualWindowOut(_Out):
    window_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    account_ids: list[str] | None
    created_by: str
    created_at: dt.datetime


class ManualWindowPatch(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"ends_at": "2027-06-05T00:00:00+01:00", "change_reason": "Review finished early"}
            ]
        },
    )

    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    reason: Text | None = None
    account_ids: Annotated[list[Slug], Field(min_length=1)] | None = None
    change_reason: Text
