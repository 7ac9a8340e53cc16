"""
The snapshot's JSON fragments keep only the snapshot's own reasons and windows: the reasons a
post's text gives are new each time, and keeping them would grow the cache with every check.
"""

import datetime as dt

from app.api.decision_json import MAX_FRAGMENTS, SnapshotFragments, decision_json
from app.domain import (
    UTC,
    Category,
    Country,
    ElectionRecord,
    ReasonCode,
    build_snapshot,
    parse_election_id,
    restricted_periods,
)
from app.domain.candidates import Candidate
from app.domain.decision import decide_post

from .conftest import make_policy

TOWN = "facebook-redruthtowncouncil"
INSIDE = dt.datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def _snapshot():  # type: ignore[no-untyped-def]
    policy = make_policy()
    record = ElectionRecord(
        parse_election_id("parish.redruth.2025-05-01"), notice_published=dt.date(2025, 3, 14)
    )
    periods = restricted_periods(
        [record], rules=policy.period_rules, country=Country.ENGLAND, affects=policy.affects
    )
    jane = Candidate("cand-jane", "parish.redruth.2025-05-01", "Jane Trevithick")
    return build_snapshot(policy, accounts=policy.accounts, periods=periods, candidates=[jane])


def test_a_texts_reasons_are_not_kept_but_the_snapshots_are() -> None:
    snapshot = _snapshot()
    fragments = SnapshotFragments().of(snapshot)
    now = dt.datetime(2025, 3, 20, tzinfo=UTC)
    for i in range(200):
        text = f"Jane Trevithick opened stall {i} at the market."
        decision = decide_post(TOWN, INSIDE, Category.EVENT, snapshot, now=now, text=text)
        body = decision_json(decision, fragments, role="scheduler")
        assert ReasonCode.CANDIDATE_MENTIONED in [r["code"] for r in body["reasons"]]  # type: ignore[index]
    # the window's refer reason and the window itself, nothing per post
    assert len(fragments) == 2
    assert len(fragments) < MAX_FRAGMENTS
