"""
PATCH bodies: what the caller sent, field by field, and what it left out.

A partial update distinguishes a field not sent (`UNSET`: leave it) from one sent as null
(clear it). `changes_sent` builds the domain's change record from a body by the record's own
field names, so a field the body carries is never dropped by a misspelt name.
"""

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

from app.domain.changes import UNSET

__all__ = ["changes_sent"]

_Changes = TypeVar("_Changes")


def changes_sent(body: BaseModel, changes: type[_Changes], **always: Any) -> _Changes:
    """
    `changes` (a dataclass) with each of its fields the body sent, `UNSET` for the others,
    and the `always` fields as given.
    """
    sent = body.model_fields_set
    values = {
        field.name: getattr(body, field.name) if field.name in sent else UNSET
        for field in dataclasses.fields(changes)  # type: ignore[arg-type]
        if field.name not in always
    }
    return changes(**values, **always)
