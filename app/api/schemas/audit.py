"""
The audit log and its verification.
"""

import datetime as dt
from typing import Any

from pydantic import Field

from .common import (
    _Out,
)


class AuditEventOut(_Out):
    seq: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    target: str
    reason: str | None
    before: Any
    after: Any
    request_id: str | None
    prev_hash: str
    hash: str


class AuditPage(_Out):
    events: list[AuditEventOut]
    next_after_seq: int | None = Field(
        description="Pass as `after_seq` for the next page; null at the end."
    )


class AuditVerifyOut(_Out):
    ok: bool
    events: int
    broken_at_seq: int | None
    problem: str | None
