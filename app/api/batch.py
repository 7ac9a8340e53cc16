"""
The batch's body (`POST /v1/decisions`), read without a model per check.

`BatchIn` is the documented body and the reference: validating it makes a `CheckIn` for each
of up to 1,000 checks and parses each `at` through two Python validators, which together cost
more than the decisions. `read_checks` asks pydantic-core for the same body as plain dicts
(`_BatchBody`: the same fields, with the same types and constraints, but `at` as text), then
parses each distinct `at` once, with the functions `AwareDatetime` calls (`parse_instant`,
`require_offset`). Whatever it refuses, the route reads with `BatchIn`, so a bad body gets
exactly the problem it always got; tests/unit/test_batch_body.py holds the two readings
equal, check for check, and the two schemas equal, field for field.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Required

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from app.domain import Category
from app.domain.clock import parse_instant

from .schemas import BatchIn, CheckIn, require_offset
from .schemas.decisions import MAX_CHECKS, AccountIdIn, PostTextIn, RequestIdIn

__all__ = ["Check", "checks_of", "read_checks"]

# A check as the batch decides it: account_id, at (None: now), category, text, request_id,
# as `CheckIn` gives them. Plain tuples, built only here (`read_checks`, `checks_of`): a
# named tuple per check would add 0.3 ms to 1,000 checks (measured in process).
Check = tuple[str, dt.datetime | None, Category, str | None, str | None]

# `CheckIn`'s default category, for a check that names none
_DEFAULT_CATEGORY: Category = CheckIn.model_fields["category"].default


@with_config(ConfigDict(extra="forbid"))
class _CheckBody(TypedDict, total=False):
    """`CheckIn`, with `at` as the text it came as."""

    account_id: Required[AccountIdIn]
    at: str | None
    category: Category
    text: PostTextIn | None
    request_id: RequestIdIn | None


@with_config(ConfigDict(extra="forbid"))
class _BatchBody(TypedDict):
    """`BatchIn`, with `_CheckBody`s."""

    checks: Annotated[list[_CheckBody], Field(min_length=1, max_length=MAX_CHECKS)]


_BODY = TypeAdapter(_BatchBody)


def _read(text: str) -> dt.datetime:
    return require_offset(parse_instant(text))


def read_checks(raw: bytes, read: Callable[[str], dt.datetime] = _read) -> list[Check] | None:
    """
    The checks of the batch's body `raw`, as `checks_of(BatchIn.model_validate_json(raw))`
    gives them; None for a body this reading refuses (read it with `BatchIn`, which says why).
    `read` reads each distinct `at`: `require_offset(parse_instant(text))`, or the same
    remembered (`instants.Instants.read`).
    """
    try:
        checks = _BODY.validate_json(raw)["checks"]
        instants = {text: read(text) for text in {c.get("at") for c in checks} if text is not None}
    except (ValidationError, ValueError):  # require_offset's PydanticCustomError is one
        return None
    return [
        (
            c["account_id"],
            instants.get(c.get("at")),  # type: ignore[arg-type]
            c.get("category", _DEFAULT_CATEGORY),
            c.get("text"),
            c.get("request_id"),
        )
        for c in checks
    ]


def checks_of(body: BatchIn) -> list[Check]:
    """The checks of a body `BatchIn` read."""
    return [(c.account_id, c.at, c.category, c.text, c.request_id) for c in body.checks]
