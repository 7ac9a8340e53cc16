"""
Helpers for the Clerk's changes: version tags (what an If-Match compares), "not sent" in a
typed change, and the written reasons every audited change needs.
"""

import hashlib
from collections.abc import Collection, Mapping
from enum import Enum
from typing import Any, Final

from app.domain.audit import canonical_json
from app.domain.errors import InvalidChange, PreconditionFailed

__all__ = ["UNSET", "Unset", "check_version", "require_text", "version_tag"]


class Unset(Enum):
    """A field of a change that was not sent (as opposed to one sent as null)."""

    UNSET = "unset"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET


def version_tag(state: Mapping[str, Any]) -> str:
    """A short hash of a stored thing's state: it changes whenever the state does."""
    return hashlib.sha256(canonical_json(state)).hexdigest()[:20]


def check_version(
    expected: Collection[str] | None, current: str, *, what: str, identifier: str
) -> None:
    """
    Refuse a change made against another version than the current one.

    Called under the organisation's write lock, so two Clerks cannot both pass it.

    Args:
        expected: the versions the caller read (any of them will do); None: no condition.

    Raises:
        PreconditionFailed: `current` is not among `expected`.
    """
    if expected is not None and current not in expected:
        raise PreconditionFailed(what=what, identifier=identifier, current=current)


def require_text(value: str, *, field: str, problem: str) -> str:
    """`value` stripped; refused (InvalidChange) when nothing is left."""
    text = value.strip()
    if not text:
        raise InvalidChange(field=field, problem=problem)
    return text
