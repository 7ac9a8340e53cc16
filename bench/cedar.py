"""
The same question asked of Cedar (cedarpy), in the same run, every answer compared with ours.

The organisation: 200 one-to-six-week windows, 20 accounts (some not active), 50 overrides
of the accounts. In Cedar the windows and each account's overrides are attributes of the
account entity (`w0` ... `w199`, `o0` ... as `{s, e}` records of epoch seconds), with one
permit for active accounts, one forbid for never-permitted categories, and one forbid for
the windows with the override exception. Cedar has no quantifier over a set, so the forbid
lists each window slot. Both are given everything parsed in advance (a PolicySet and an
Entities object for Cedar, a snapshot for us); each call is timed alone.
"""

import datetime as dt
import json
import random
import statistics
import time
from pathlib import Path

import cedarpy

from app.domain import (
    UTC,
    Account,
    AccountKind,
    AccountStatus,
    Category,
    ManualWindow,
    Override,
    build_snapshot,
    decide,
)
from app.store import load_policy

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261124


def _organisation(windows: int, accounts: int, overrides: int):  # type: ignore[no-untyped-def]
    policy = load_policy(ROOT / "policies" / "redruth.yaml")
    rng = random.Random(SEED)
    statuses = [AccountStatus.ACTIVE] * 4 + [AccountStatus.SUSPENDED, AccountStatus.INACTIVE]
    people = [
        Account(
            f"account-{i:02d}",
            "facebook",
            f"Account {i}",
            AccountKind.PAGE,
            statuses[i % len(statuses)],
        )
        for i in range(accounts)
    ]
    start = dt.datetime(2027, 1, 1, tzinfo=UTC)
    manual, cursor = [], start
    for i in range(windows):
        cursor += dt.timedelta(hours=rng.randrange(24, 24 * 30))
        length = dt.timedelta(hours=rng.randrange(24 * 7, 24 * 42))
        manual.append(ManualWindow(f"w{i}", cursor, cursor + length, "bench"))
        cursor += length
    grants = []
    for i in range(overrides):
        window = manual[rng.randrange(windows)]
        begins = window.starts_at + dt.timedelta(hours=rng.randrange(0, 24 * 5))
        grants.append(
            Override(
                f"o{i}",
                people[rng.randrange(accounts)].account_id,
                begins,
                begins + dt.timedelta(days=3),
                "bench",
                anchors=frozenset({f"manual:{window.window_id}"}),
            )
        )
    snapshot = build_snapshot(
        policy, accounts=people, periods=(), manual_windows=manual, overrides=grants
    )
    return policy, people, manual, grants, snapshot, (start, cursor + dt.timedelta(days=30))


def _cedar(policy, people, manual, grants):  # type: ignore[no-untyped-def]
    per_account: dict[str, list[Override]] = {p.account_id: [] for p in people}
    for grant in grants:
        per_account[str(grant.account_id)].append(grant)
    slots = max(len(v) for v in per_account.values())
    never = ", ".join(f'"{c}"' for c in sorted(policy.never_permitted))
    permitted = ", ".join(f'"{c}"' for c in sorted(policy.permitted))
    in_window = " || ".join(
        f"(context.t >= resource.w{i}.s && context.t < resource.w{i}.e)" for i in range(len(manual))
    )
    in_override = " || ".join(
        f"(context.t >= resource.o{i}.s && context.t < resource.o{i}.e)" for i in range(slots)
    )
    text = f"""
permit(principal, action == Action::"publish", resource) when {{ resource.status == "active" }};
forbid(principal, action == Action::"publish", resource) when {{ [{never}].contains(context.category) }};
forbid(principal, action == Action::"publish", resource)
  when {{ {in_window} }}
  unless {{ [{permitted}].contains(context.category) || {in_override} }};
"""
    windows = {
        f"w{i}": {"s": int(w.starts_at.timestamp()), "e": int(w.ends_at.timestamp())}
        for i, w in enumerate(manual)
    }
    entities = []
    for person in people:
        grants_here = per_account[person.account_id]
        attributes = {"status": str(person.status), **windows}
        for i in range(slots):
            if i < len(grants_here):
                attributes[f"o{i}"] = {
                    "s": int(grants_here[i].starts_at.timestamp()),
                    "e": int(grants_here[i].ends_at.timestamp()),
                }
            else:
                attributes[f"o{i}"] = {"s": 0, "e": 0}
        entities.append(
            {
                "uid": {"type": "Account", "id": person.account_id},
                "attrs": attributes,
                "parents": [],
            }
        )
    entities.append({"uid": {"type": "Publisher", "id": "scheduler"}, "attrs": {}, "parents": []})
    return cedarpy.PolicySet.from_str(text), cedarpy.Entities.from_json_str(json.dumps(entities))


def bench_cedar(cases: int = 20_000) -> dict[str, float]:
    policy, people, manual, grants, snapshot, (lo, hi) = _organisation(200, 20, 50)
    policies, entities = _cedar(policy, people, manual, grants)
    rng = random.Random(SEED + 1)
    categories = list(Category)
    span = (hi - lo).total_seconds()
    queries = [
        (
            people[rng.randrange(len(people))].account_id,
            lo + dt.timedelta(seconds=int(rng.random() * span)),
            categories[rng.randrange(len(categories))],
        )
        for _ in range(cases)
    ]
    now = dt.datetime.now(UTC)
    ours, theirs, disagreements, allowed = [], [], 0, 0
    clock = time.perf_counter_ns
    for account_id, at, category in queries:
        began = clock()
        decision = decide(account_id, at, category, snapshot, now=now)
        ours.append(clock() - began)
        request = {
            "principal": 'Publisher::"scheduler"',
            "action": 'Action::"publish"',
            "resource": f'Account::"{account_id}"',
            "context": {"t": int(at.timestamp()), "category": str(category)},
        }
        began = clock()
        answer = cedarpy.is_authorized(request, policies, entities)
        theirs.append(clock() - began)
        cedar_allows = answer.decision == cedarpy.Decision.Allow
        disagreements += cedar_allows != decision.allowed
        allowed += decision.allowed
    ours.sort()
    theirs.sort()
    p = lambda v, f: v[min(len(v) - 1, int(f * len(v)))] / 1000  # noqa: E731 - local shorthand
    return {
        "cedar_cases": float(cases),
        "cedar_cases_allowed": float(allowed),
        "cedar_disagreements": float(disagreements),
        "cedar_p50_us": p(theirs, 0.5),
        "cedar_p99_us": p(theirs, 0.99),
        "ours_vs_cedar_decide_p50_us": p(ours, 0.5),
        "ours_vs_cedar_decide_p99_us": p(ours, 0.99),
        "ratio_cedar_to_ours_p50": statistics.median(theirs) / statistics.median(ours),
    }


if __name__ == "__main__":
    for name, value in bench_cedar().items():
        print(f"{name:<36} {value:12.3f}")
