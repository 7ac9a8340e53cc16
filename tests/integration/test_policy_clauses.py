"""
Every citation a person reads comes from the council's own policy file (issue 14, clauses as
data): a council whose policy numbers its clauses SM-1 to SM-10 is never told about another
council's "5.3g". The St Agnes policy is a test fixture with Redruth's rules renumbered.
"""

import datetime as dt

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.api.problems import problem_for
from app.calendars.feed import render_feed
from app.cli import app
from app.domain import (
    UTC,
    Category,
    ElectionRecord,
    build_snapshot,
    decide,
    parse_election_id,
    restricted_periods,
)
from app.domain.accounts import OfficialEmailRequired
from app.domain.feeds import PublishedWindow
from app.services.accounts import propose_account
from app.services.organisations import seed
from app.services.overrides import grant_override
from app.store import load_policy
from app.store.errors import InvalidChange
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

POLICIES = ROOT / "tests" / "data" / "policies"
POLICY = load_policy(POLICIES / "st-agnes.yaml")
CLERK = Actor("Parish Clerk", "clerk")
ACCOUNT = "facebook-stagnespc"
# A parish poll of the fixture council; its period runs from the statutory notice day to 22:00.
POLL = "parish.st-agnes.2029-05-03"
INSIDE = dt.datetime(2029, 4, 10, 9, 0, tzinfo=UTC)
AFTER_REVIEW_OUTSIDE = dt.datetime(2029, 6, 1, 9, 0, tzinfo=UTC)


def _snapshot():  # type: ignore[no-untyped-def]
    periods = restricted_periods(
        [ElectionRecord(parse_election_id(POLL))],
        rules=POLICY.period_rules,
        country=POLICY.country,
        affects=POLICY.affects,
    )
    return build_snapshot(POLICY, accounts=POLICY.accounts, periods=periods)


@pytest.mark.parametrize(
    ("at", "category", "code", "clause"),
    [
        (INSIDE, Category.GENERAL, "PRE_ELECTION_PERIOD", "SM-7"),
        (INSIDE, Category.EVENT, "REFER_TO_CLERK", "SM-7"),
        (INSIDE, Category.EMERGENCY, "PERMITTED_CATEGORY", "SM-7"),
        (INSIDE, Category.PARTY_POLITICAL, "NEVER_PERMITTED_CATEGORY", "SM-2"),
        (AFTER_REVIEW_OUTSIDE, Category.GENERAL, "POLICY_REVIEW_OVERDUE", "SM-9"),
    ],
    ids=["pre-election", "refer", "permitted", "never-permitted", "review-overdue"],
)
def test_a_decision_cites_the_councils_own_clause(
    at: dt.datetime, category: Category, code: str, clause: str, now: dt.datetime
) -> None:
    decision = decide(ACCOUNT, at, category, _snapshot(), now=now)

    cited = {str(r.code): r.clause for r in decision.reasons}
    assert cited[code] == clause


def test_the_feed_cites_the_councils_own_clauses() -> None:
    window = PublishedWindow(
        anchor=POLL, starts_at=INSIDE, ends_at=INSIDE + dt.timedelta(days=1),
        election_ids=(POLL,), manual_reasons=(), estimated=False, sequence=0, changed_at=INSIDE,
    )  # fmt: skip

    feed = render_feed(
        [window], policy=POLICY, calendar_name="St Agnes", account_id=None,
        window_url=lambda _: "https://example.invalid/w", check_url="https://example.invalid/c",
    ).decode().replace("\r\n ", "")  # fmt: skip

    assert "(policy SM-7)" in feed
    assert "policy SM-2\\; Local Government Act 1986" in feed
    assert "5.3" not in feed


@pytest.fixture
def st_agnes(engine: Engine, seeded: Keys) -> Engine:
    """The test database with St Agnes seeded beside Redruth."""
    seed(UnitOfWork(engine), POLICY, [], policy_file="st-agnes.yaml", now=SEEDED_AT)
    return engine


def test_the_official_email_refusal_cites_the_councils_own_clause(st_agnes: Engine) -> None:
    with pytest.raises(OfficialEmailRequired) as refused:
        propose_account(
            UnitOfWork(st_agnes), POLICY, CLERK, account_id="x-stagnes", platform="x", name="St Agnes on X",
            kind="profile", contact_email="clerk@gmail.com", handle=None, url=None,
            reason="proposed", now=SEEDED_AT,
        )  # fmt: skip

    status, _, body = problem_for(refused.value, "/v1/accounts")
    assert status == 422
    assert body["clause"] == "SM-6"
    assert str(body["detail"]).startswith("policy SM-6:")


def test_an_override_refusal_cites_the_councils_own_clause(st_agnes: Engine) -> None:
    with pytest.raises(InvalidChange) as refused:
        grant_override(
            UnitOfWork(st_agnes), POLICY, CLERK, account_id=ACCOUNT, starts_at=INSIDE,
            ends_at=INSIDE + dt.timedelta(days=1), categories=[Category.PARTY_POLITICAL],
            reason="x", now=SEEDED_AT,
        )  # fmt: skip

    assert "policy SM-2; Local Government Act 1986" in refused.value.problem
    assert "5.1" not in refused.value.problem


def test_purdah_status_cites_the_councils_own_review_clause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PURDAH_POLICY_DIR", str(POLICIES))
    monkeypatch.setenv("PURDAH_ORGANISATION", "st-agnes")

    result = CliRunner().invoke(app, ["status", "--at", "2026-11-24T12:00:00Z", "--offline"])

    assert result.exit_code == 0, result.stderr
    assert "Policy review OVERDUE: due by July 2025 (policy SM-9)" in result.stdout
