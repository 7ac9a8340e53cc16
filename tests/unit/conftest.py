"""Domain fixtures built in code: unit tests read no files."""

import datetime as dt

import pytest

from app.domain import (
    Account,
    AccountKind,
    AccountStatus,
    Category,
    Clause,
    Country,
    PeriodRules,
    Policy,
    ReasonCode,
)

CITATIONS = {
    ReasonCode.ACCOUNT_PENDING_APPROVAL: "4.1",
    ReasonCode.ACCOUNT_INACTIVE: "4.1",
    ReasonCode.ACCOUNT_SUSPENDED: "3.1",
    ReasonCode.ACCOUNT_CLOSED: "3.2",
    ReasonCode.NEVER_PERMITTED_CATEGORY: "5.1",
    ReasonCode.PERMITTED_CATEGORY: "5.3g",
    ReasonCode.OVERRIDE_APPLIED: "5.3g",
    ReasonCode.REFER_TO_CLERK: "5.3g",
    ReasonCode.PRE_ELECTION_PERIOD: "5.3g",
    ReasonCode.MANUAL_RESTRICTION: "3.2",
    ReasonCode.NO_RESTRICTION: "5.3g",
    ReasonCode.UPCOMING_RESTRICTION: "5.3g",
    ReasonCode.POLICY_REVIEW_OVERDUE: "6.1",
    ReasonCode.CANDIDATE_MENTIONED: "5.1",
    ReasonCode.PARTY_MENTIONED: "5.1",
    ReasonCode.ELECTORAL_APPEAL: "5.1",
    ReasonCode.ACCOUNT_HOLDER_STANDING: "5.3g",
    ReasonCode.REQUEST_APPROVED: "5.3g",
    ReasonCode.REQUEST_NOT_APPLICABLE: "5.3g",
    ReasonCode.BY_ELECTION_WARD_MENTIONED: "5.3g",
    ReasonCode.BY_ELECTION_ELSEWHERE: "5.3g",
}


def make_policy(**changes: object) -> Policy:
    """A Redruth-like policy; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "organisation_id": "redruth",
        "organisation_name": "Redruth Town Council",
        "country": Country.ENGLAND,
        "election_scopes": (
            "parl.",
            "ref.",
            "pcc.devon-and-cornwall.",
            "local.cornwall.",
            "parish.redruth.",
        ),
        "clauses": {cid: Clause(cid, f"clause {cid}") for cid in set(CITATIONS.values())},
        "permitted": frozenset(
            {
                Category.SERVICE_INFORMATION,
                Category.EMERGENCY,
                Category.ELECTION_INFORMATION,
                Category.STATUTORY_NOTICE,
            }
        ),
        "referred": frozenset({Category.CONSULTATION, Category.NEW_CAMPAIGN, Category.EVENT}),
        "never_permitted": frozenset(
            {
                Category.PARTY_POLITICAL,
                Category.PERSONAL_CAMPAIGN,
                Category.PERSONAL_FINANCIAL_INTEREST,
            }
        ),
        "reason_clauses": {str(k): v for k, v in CITATIONS.items()},
        "period_rules": PeriodRules(),
        "warning_horizon": dt.timedelta(days=14),
        "next_review_due": dt.date(2025, 7, 31),
        "accounts": (
            Account(
                "facebook-redruthtowncouncil",
                "facebook",
                "Redruth Town Council",
                AccountKind.PAGE,
                AccountStatus.ACTIVE,
            ),
            Account(
                "facebook-mayorofredruth",
                "facebook",
                "Mayor of Redruth",
                AccountKind.PAGE,
                AccountStatus.ACTIVE,
            ),
            Account(
                "x-visitredruth", "x", "Visit Redruth", AccountKind.PROFILE, AccountStatus.INACTIVE
            ),
            Account(
                "new-tiktok",
                "tiktok",
                "Redruth on TikTok",
                AccountKind.PROFILE,
                AccountStatus.PENDING,
            ),
            Account(
                "facebook-suspended",
                "facebook",
                "Suspended page",
                AccountKind.PAGE,
                AccountStatus.SUSPENDED,
            ),
            Account(
                "facebook-closed", "facebook", "Closed page", AccountKind.PAGE, AccountStatus.CLOSED
            ),
        ),
    }
    fields.update(changes)
    return Policy(**fields)  # type: ignore[arg-type]


@pytest.fixture
def policy() -> Policy:
    return make_policy()
