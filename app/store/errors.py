"""
Errors the store raises on requests it cannot carry out; each maps to one problem type.

`NotFound`, `AlreadyExists`, `PreconditionFailed` and `InvalidChange` are the domain's
(`app.domain.errors`), re-exported here for the callers that catch them from the store.
"""

import math

from app.domain import PurdahError
from app.domain.errors import AlreadyExists, InvalidChange, NotFound, PreconditionFailed

__all__ = [
    "AlreadyExists",
    "AuditUnreadable",
    "InvalidChange",
    "NotFound",
    "OverrideUseLimit",
    "PolicyUnavailable",
    "PreconditionFailed",
    "SnapshotUnavailable",
]


class SnapshotUnavailable(PurdahError):
    """The decision snapshot could not be confirmed against the database recently enough."""

    def __init__(self, organisation_id: str, age: float | None) -> None:
        self.organisation_id = organisation_id
        self.age = age
        when = "never loaded" if age is None else f"last confirmed {age:.1f} s ago"
        msg = f"decision data for {organisation_id!r} is unavailable ({when}): do not publish"
        super().__init__(msg)


class PolicyUnavailable(SnapshotUnavailable):
    """
    The organisation's policy file cannot be read or is invalid: its decisions fail closed.

    A `SnapshotUnavailable`, so every caller that fails closed on stale data (503 with a deny
    body) fails closed on this too. `problem` says why, naming the file but not the folder; it
    is shown to a platform operator in `/readyz`, not to the council's callers.
    """

    def __init__(self, organisation_id: str, problem: str) -> None:
        self.organisation_id = organisation_id
        self.age = None
        self.problem = problem
        msg = (
            f"the policy of {organisation_id!r} cannot be read, so its decisions fail closed: "
            "do not publish (a platform operator sees why in /readyz)"
        )
        PurdahError.__init__(self, msg)


class OverrideUseLimit(PurdahError):
    """
    A key would record more decisions that rely on an override than its limit a minute (429).

    `full` says the key has used its whole minute already, so any such decision it asks for
    is refused until `retry_after` seconds have passed.
    """

    def __init__(
        self, *, key_id: str, limit: int, recent: int, asked: int, retry_after: float
    ) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        self.full = recent >= limit
        if asked > limit:
            msg = (
                f"this request would record {asked} decisions that rely on an override; a key "
                f"may record at most {limit} a minute (PURDAH_OVERRIDE_USE_LIMIT): check fewer "
                "planned posts at once"
            )
        else:
            msg = (
                f"key {key_id} recorded {recent} decisions that rely on an override in the last "
                f"minute and asks for {asked} more; the limit is {limit} a minute "
                f"(PURDAH_OVERRIDE_USE_LIMIT): try again in {self.retry_after} s"
            )
        super().__init__(msg)


class AuditUnreadable(PurdahError):
    """An audit event whose stored fields cannot be read: the log was altered in the database."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        msg = (
            f"audit event {seq} cannot be read (a stored field was altered in the database): the "
            "chain is broken there; GET /v1/audit/verify or `purdah audit verify` says more. The "
            "events around it can still be listed: before it with a smaller `limit`, after it "
            f"with `after_seq={seq}`"
        )
        super().__init__(msg)
