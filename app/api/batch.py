"""
The batch (`POST /v1/decisions`): its body read without a model per check, and its answer
written with what was remembered of checks asked before (`check_memo`).

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
from collections.abc import Callable, Sequence
from typing import Annotated, Required

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from app.domain import Category, Decision, Snapshot, decide
from app.domain.clock import parse_instant
from app.domain.decision import decide_post

from .check_memo import CheckKey, CheckMemo, Written
from .decision_json import Fragments, decision_parts, instant_bytes
from .reliance import batch_override_uses, relies_on_override
from .schemas import BatchIn, CheckIn, require_offset
from .schemas.decisions import MAX_CHECKS, AccountIdIn, PostTextIn, RequestIdIn

__all__ = ["Check", "batch_answer", "checks_of", "read_checks"]

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
    instants: dict[str | None, dt.datetime | None] = {None: None}
    found: list[Check] = []
    add = found.append
    try:
        for c in _BODY.validate_json(raw)["checks"]:
            text = c.get("at")
            at = instants.get(text)
            if at is None and text is not None:
                at = instants[text] = read(text)  # each distinct `at` once
            add(
                (
                    c["account_id"],
                    at,
                    c.get("category", _DEFAULT_CATEGORY),
                    c.get("text"),
                    c.get("request_id"),
                )
            )
    except (ValidationError, ValueError):  # require_offset's PydanticCustomError is one
        return None
    return found


def checks_of(body: BatchIn) -> list[Check]:
    """The checks of a body `BatchIn` read."""
    return [(c.account_id, c.at, c.category, c.text, c.request_id) for c in body.checks]


def batch_answer(
    checks: Sequence[Check],
    snapshot: Snapshot,
    *,
    now: dt.datetime,
    ids: bytes,
    role: str,
    fragments: Fragments,
    memo: CheckMemo,
    written: Callable[[dt.datetime], bytes] = instant_bytes,
) -> tuple[bytes, tuple[dict[str, object], ...]]:
    """
    The batch's body, each check's decision against `snapshot` as `decision_parts` writes it
    (evaluated at `now`, each with its decision id from `ids`: 32 hex digits a check, as
    `os.urandom(16 * len(checks)).hex()`), and the override uses to audit
    (`batch_override_uses`). A check remembered for this snapshot (`CheckMemo`) is written
    from memory; any other is decided, and remembered where it may be.

    Raises:
        PurdahError: as `decide` and `decide_post` do (an unknown account, say).
    """
    known = memo.of(snapshot)
    remembered = known.checks
    found: list[Written | None] = []
    decided: list[Decision] = []
    for i, (account_id, at, category, text, request_id) in enumerate(checks):
        if text is None and request_id is None:
            if at is not None:
                hit = remembered.get((account_id, at, category))
                if hit is not None:
                    found.append(hit)
                    continue
            decision = decide(
                account_id,
                at or now,
                category,
                snapshot,
                now=now,
                decision_id=ids[32 * i : 32 * i + 32].decode(),
            )
        else:
            decision = decide_post(
                account_id,
                at or now,
                category,
                snapshot,
                now=now,
                text=text,
                request_id=request_id,
                decision_id=ids[32 * i : 32 * i + 32].decode(),
            )
        found.append(None)
        decided.append(decision)
    uses = batch_override_uses(decided, role)
    evaluated_at = instant_bytes(now)
    # each tail (the same object for decisions with the same reasons and windows) cut once;
    # None for one relying on an override (never remembered: its reliance is audited)
    cuts: dict[bytes, tuple[bytes, bytes] | None] = {}
    parts = iter(
        zip(decided, decision_parts(decided, fragments, role=role, written=written), strict=True)
    )
    new: list[tuple[CheckKey, Written]] = []
    body = [b'{"decisions":[']
    for i, hit in enumerate(found):
        if hit is not None:
            subject, at_json, head, end = hit
            body += (
                b'{"decision_id":"',
                ids[32 * i : 32 * i + 32],
                b'"',
                subject,
                at_json,
                head,
                evaluated_at,
                end,
                b",",
            )
            continue
        decision, (decision_id, subject, at_json, tail) = next(parts)
        body += (b'{"decision_id":', decision_id, subject, at_json, tail, b",")
        account_id, at, category, text, request_id = checks[i]
        if at is None or text is not None or request_id is not None:
            continue
        if tail in cuts:
            cut = cuts[tail]
        else:
            cut = cuts[tail] = (
                None if relies_on_override(decision) else memo.cut(known, tail, evaluated_at)
            )
        if cut is not None:
            new.append(((account_id, at, category), (subject, at_json, *cut)))
    if new:
        memo.remember(known, new)
    body[-1] = b"]}"  # the last comma (a batch has at least one check)
    return b"".join(body), uses
