"""
Secret feed URLs for calendar apps.
"""

import datetime as dt

from pydantic import ConfigDict, Field

from .common import (
    Name,
    Slug,
    _In,
    _Out,
)


class FeedTokenIn(_In):
    """A secret feed URL for one person or calendar, for the council's feed or one account's."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Office shared Outlook calendar"},
                {"name": "Library team (Google)", "account_id": "library-facebook"},
            ]
        },
    )

    name: Name
    account_id: Slug | None = Field(
        default=None, description="Only this account's windows (its own manual windows too)."
    )


class FeedTokenOut(_Out):
    token_id: str
    name: str
    account_id: str | None
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class NewFeedTokenOut(FeedTokenOut):
    """The token and its URL are shown once, now; only a hash is kept."""

    token: str
    url: str = Field(description="Subscribe to this URL in Outlook, Google or Apple Calendar.")
