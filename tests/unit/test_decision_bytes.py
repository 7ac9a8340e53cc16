"""
The API writes a decision's body with `decision_bytes` (issue 18): it must be the reference,
`to_json(decision_json(...))` (the documented `DecisionOut` keys), byte for byte, for every
kind of decision: allow, refer and deny; inside and outside windows, manual ones too; with
overrides, with a post's text naming a candidate; for every role; in a batch too.
"""

import datetime as dt
import json
import random

import pytest
from pydantic_core import to_json

from app.api.batch import Check, batch_answer
from app.api.check_memo import CheckMemo
from app.api.decision_json import (
    SnapshotFragments,
    decision_bytes,
    decision_json,
    decision_parts,
)
from app.api.reliance import batch_override_uses
from app.api.schemas import DecisionOut
from app.domain import (
    UTC,
    Account,
    AccountKind,
    AccountStatus,
    Category,
    Country,
    Decision,
    ElectionRecord,
    ManualWindow,
    Outcome,
    Override,
    build_snapshot,
    parse_election_id,
    restricted_periods,
)
from app.domain.candidates import Candidate
from app.domain.decision import decide, decide_post

from .conftest import make_policy


def decisions_bytes(decisions: list[Decision], fragments: dict, *, role: str) -> bytes:  # type: ignore[type-arg]
    """A batch's body from `decision_parts`, joined as `batch.batch_answer` joins them."""
    return b"".join(
        (
            b'{"decisions":[',
            b",".join(
                b'{"decision_id":' + b"".join(parts)
                for parts in decision_parts(decisions, fragments, role=role)
            ),
            b"]}",
        )
    )


ROLES = ("clerk", "scheduler", "viewer", "auditor", "operator")
ELECTIONS = ("parish.redruth.2025-05-01", "local.cornwall.2029-05-03", "parl.2024-07-04")
TEXTS = (
    None,
    "Bins are collected on Tuesday this week.",
    "Jane Trevithick opened the new play park on Fore Street.",
    'Vote for the \u201cGreen\u201d candidate! \U0001f5f3\ufe0f caf\u00e9 \\ "quoted"',
    "Labour and the Conservatives both came to the market.",
)


def _snapshot():  # type: ignore[no-untyped-def]
    policy = make_policy()
    statuses = list(AccountStatus)
    accounts = [
        Account(
            f"acct-{i}" if i else 'odd "acct"\\1',
            "facebook",
            f"Account {i}",
            AccountKind.PAGE,
            statuses[i % len(statuses)] if i % 3 == 0 else AccountStatus.ACTIVE,
        )
        for i in range(8)
    ]
    records = [ElectionRecord(parse_election_id(e), notice_published=None) for e in ELECTIONS]
    periods = restricted_periods(
        records, rules=policy.period_rules, country=Country.ENGLAND, affects=policy.affects
    )
    manual = [
        ManualWindow(
            "mw-1",
            dt.datetime(2027, 3, 1, tzinfo=UTC),
            dt.datetime(2027, 3, 20, tzinfo=UTC),
            "flood response",
        ),
        ManualWindow(
            "mw-2",
            dt.datetime(2025, 4, 2, tzinfo=UTC),
            dt.datetime(2025, 4, 9, tzinfo=UTC),
            "review",
            account_ids=frozenset({"acct-2"}),
        ),
    ]
    overrides = [
        Override(
            "ov-1",
            "acct-1",
            dt.datetime(2025, 4, 3, tzinfo=UTC),
            dt.datetime(2025, 4, 12, tzinfo=UTC),
            "street fair",
            anchors=frozenset({"election:parish.redruth.2025-05-01"}),
        ),
        Override(
            "ov-2",
            None,
            dt.datetime(2027, 3, 5, tzinfo=UTC),
            dt.datetime(2027, 3, 8, tzinfo=UTC),
            "storm",
            categories=frozenset({Category.EVENT, Category.GENERAL}),
            anchors=frozenset({"manual:mw-1"}),
        ),
    ]
    candidates = [Candidate("cand-jane", "parish.redruth.2025-05-01", "Jane Trevithick")]
    return build_snapshot(
        policy,
        accounts=accounts,
        periods=periods,
        manual_windows=manual,
        overrides=overrides,
        candidates=candidates,
        data_version=7,
    ), [a.account_id for a in accounts]


def _decisions(count: int, seed: int) -> list[Decision]:
    snapshot, accounts = _snapshot()
    rng = random.Random(seed)
    low = dt.datetime(2024, 5, 1, tzinfo=UTC).timestamp()
    high = dt.datetime(2029, 6, 1, tzinfo=UTC).timestamp()
    hot = [dt.datetime(2025, 4, 5, tzinfo=UTC), dt.datetime(2027, 3, 6, tzinfo=UTC)]
    zones = [UTC, dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=-5))]
    found = []
    for i in range(count):
        base = (
            rng.choice(hot) + dt.timedelta(hours=rng.randrange(200))
            if rng.random() < 0.4
            else dt.datetime.fromtimestamp(rng.uniform(low, high), tz=UTC)
        )
        at = base.astimezone(rng.choice(zones))
        now = dt.datetime.fromtimestamp(rng.uniform(low, high), tz=UTC)
        category = rng.choice(list(Category))
        account = rng.choice(accounts)
        text = rng.choice(TEXTS)
        if text is None:
            found.append(decide(account, at, category, snapshot, now=now, decision_id=f"{i:032x}"))
        else:
            found.append(
                decide_post(
                    account, at, category, snapshot, now=now, text=text, decision_id=f"{i:032x}"
                )
            )
    return found


def test_decision_bytes_are_the_reference_json_byte_for_byte() -> None:
    decisions = _decisions(4000, seed=18)
    fragments = SnapshotFragments()._current.setdefault("x", (lambda: None, {}))[1]  # type: ignore[arg-type]
    rng = random.Random(1)
    outcomes = set()
    for decision in decisions:
        role = rng.choice(ROLES)
        reference = to_json(decision_json(decision, {}, role=role))
        # with fragments kept across decisions (as the API does) and without
        assert decision_bytes(decision, fragments, role=role) == reference
        assert decision_bytes(decision, role=role) == reference
        outcomes.add(decision.outcome.value)
    # every outcome, every kind of reason was written
    assert outcomes == {"allow", "refer", "deny"}
    codes = {r.code for d in decisions for r in d.reasons}
    assert {"OVERRIDE_APPLIED", "CANDIDATE_MENTIONED"} <= {str(c) for c in codes}
    assert len(codes) >= 8, codes


def test_a_batch_is_the_reference_json_and_the_documented_shape() -> None:
    decisions = _decisions(1000, seed=19)
    for role in ROLES:
        written = decisions_bytes(decisions, {}, role=role)
        reference = to_json({"decisions": [decision_json(d, {}, {}, role=role) for d in decisions]})
        assert written == reference
    first = json.loads(written)["decisions"][0]
    assert DecisionOut.model_validate(first).decision_id == first["decision_id"]


def _route_batch(count: int, seed: int) -> list[Decision]:
    """
    Decisions as the batch route makes them: one `now`, and instants, accounts and
    categories repeated (each instant one object, as `app.api.batch` parses it once), so
    that `decisions_bytes` writes most of each decision from pieces it wrote already.
    """
    snapshot, accounts = _snapshot()
    rng = random.Random(seed)
    now = dt.datetime(2025, 4, 6, 10, tzinfo=UTC)
    zones = [UTC, dt.timezone(dt.timedelta(hours=1))]
    instants = [
        (dt.datetime(2025, 4, 5, tzinfo=UTC) + dt.timedelta(hours=7 * i)).astimezone(zones[i % 2])
        for i in range(40)
    ]
    checks = [
        (rng.choice(accounts), rng.choice(instants), rng.choice(list(Category)), rng.choice(TEXTS))
        for _ in range(count)
    ]
    return [
        decide(account, at, category, snapshot, now=now, decision_id=f"{i:032x}")
        if text is None
        else decide_post(
            account, at, category, snapshot, now=now, text=text, decision_id=f"{i:032x}"
        )
        for i, (account, at, category, text) in enumerate(checks)
    ]


def test_a_batch_made_as_the_route_makes_it_is_the_reference_json() -> None:
    decisions = _route_batch(2000, seed=20)

    written = {role: decisions_bytes(decisions, {}, role=role) for role in ROLES}

    assert written == {
        role: to_json({"decisions": [decision_json(d, {}, {}, role=role) for d in decisions]})
        for role in ROLES
    }
    assert {d.outcome.value for d in decisions} == {"allow", "refer", "deny"}
    assert {"OVERRIDE_APPLIED", "CANDIDATE_MENTIONED"} <= {
        str(r.code) for d in decisions for r in d.reasons
    }


def test_an_empty_batch_is_the_reference_json() -> None:
    assert decisions_bytes([], {}, role="clerk") == to_json({"decisions": []})


_ONE_HOUR = dt.timedelta(hours=1)
# For each field of a decision, another value: a decision differing only there is written
# as itself, never as its twin's JSON (`decisions_bytes` reuses what it wrote before).
_OTHER_VALUES = {
    "decision_id": lambda d: "f" * 32,
    "account_id": lambda d: "acct-2",
    "category": lambda d: Category.EMERGENCY,
    "at": lambda d: d.at + _ONE_HOUR,
    "outcome": lambda d: Outcome.REFER,
    "reasons": lambda d: d.reasons[:1],
    "windows": lambda d: (),
    "valid_until": lambda d: d.valid_until + _ONE_HOUR,
    "data_version": lambda d: d.data_version + 1,
    "evaluated_at": lambda d: d.evaluated_at + _ONE_HOUR,
}


@pytest.mark.parametrize("field", _OTHER_VALUES, ids=_OTHER_VALUES)
def test_a_batch_writes_a_decision_differing_from_the_last_in_one_field_as_itself(
    field: str,
) -> None:
    snapshot, _ = _snapshot()
    # inside mw-1, before ov-2 lifts it: a deny with two reasons, a window, a valid_until
    at = dt.datetime(2027, 3, 2, 9, tzinfo=UTC)
    now = dt.datetime(2027, 3, 1, tzinfo=UTC)
    first = decide("acct-1", at, Category.GENERAL, snapshot, now=now, decision_id="0" * 32)
    twin = first._replace(**{field: _OTHER_VALUES[field](first)})

    written = decisions_bytes([first, twin, first], {}, role="clerk")

    assert written == to_json(
        {"decisions": [decision_json(d, role="clerk") for d in (first, twin, first)]}
    )
    assert (len(first.reasons), len(first.windows), first.outcome) == (2, 1, Outcome.DENY)
    assert getattr(twin, field) != getattr(first, field)


def test_a_batch_answered_from_memory_is_the_reference_json() -> None:
    """
    `batch.batch_answer`, asked the same checks again and again as the clock moves (the
    checks it remembers written from memory, `app.api.check_memo`), for every role: the
    reference JSON of the same checks decided afresh, byte for byte, and the same reliances.
    """
    snapshot, accounts = _snapshot()
    rng = random.Random(21)
    instants = [dt.datetime(2025, 4, 5, tzinfo=UTC) + dt.timedelta(hours=7 * i) for i in range(40)]
    checks: list[Check] = [
        (rng.choice(accounts), rng.choice([*instants, None]), rng.choice(list(Category)),
         rng.choice(TEXTS), None)
        for _ in range(1500)
    ]  # fmt: skip
    memo = CheckMemo()
    now = dt.datetime(2025, 4, 6, 10, tzinfo=UTC)
    for asked in range(3):
        for role in ROLES:
            now += dt.timedelta(seconds=61, microseconds=asked)
            ids = "".join(f"{rng.getrandbits(128):032x}" for _ in checks)
            decided = [
                decide_post(account, at or now, category, snapshot, now=now, text=text,
                            decision_id=ids[32 * i : 32 * i + 32])
                for i, (account, at, category, text, _) in enumerate(checks)
            ]  # fmt: skip

            body, uses = batch_answer(checks, snapshot, now=now, ids=ids.encode(), role=role,
                                      fragments={}, memo=memo)  # fmt: skip

            assert body == to_json({"decisions": [decision_json(d, role=role) for d in decided]})
            assert uses == batch_override_uses(decided, role)
    assert 0 < len(memo) < len(checks)  # some remembered; "now", texts, overrides never
    assert any(u for role in ROLES for u in batch_override_uses(decided, role))
