"""policies/redruth.yaml: the Redruth policy as data, and clear errors for a bad policy file."""

import datetime as dt
from pathlib import Path

import pytest

from app.domain import AccountKind, AccountStatus, Category, GeneralElectionStart
from app.store import PolicyFileError, load_policy, load_policy_text

REDRUTH = Path(__file__).parents[2] / "policies" / "redruth.yaml"


@pytest.fixture(scope="module")
def text() -> str:
    return REDRUTH.read_text(encoding="utf-8")


def test_redruth_policy_lists_every_account_of_the_appendix() -> None:
    """The appendix lists 12 accounts (X 1, Facebook 6, Instagram 2, LinkedIn 2, Spotify 1)."""
    policy = load_policy(REDRUTH)

    assert len(policy.accounts) == 12
    assert {a.platform for a in policy.accounts} == {
        "x",
        "facebook",
        "instagram",
        "linkedin",
        "spotify",
    }


def test_visit_redruth_is_not_currently_active() -> None:
    accounts = {a.account_id: a for a in load_policy(REDRUTH).accounts}

    assert accounts["x-visitredruth"].status is AccountStatus.INACTIVE
    assert accounts["x-visitredruth"].handle == "@VisitRedruth"


def test_person_profiles_are_profiles_not_pages() -> None:
    accounts = {a.account_id: a for a in load_policy(REDRUTH).accounts}

    assert accounts["facebook-red-ruth"].kind is AccountKind.PROFILE
    assert accounts["linkedin-red-ruth"].kind is AccountKind.PROFILE
    assert accounts["linkedin-redruth-town-council"].kind is AccountKind.COMPANY_PAGE
    assert accounts["spotify-redruth-recorded"].kind is AccountKind.PODCAST


def test_redruth_rules_follow_the_policy_and_guidance() -> None:
    policy = load_policy(REDRUTH)

    assert policy.period_rules.caution_margin == dt.timedelta(0)
    assert policy.period_rules.general_election_start is GeneralElectionStart.NOTICE_OF_ELECTION
    assert policy.never_permitted == {
        Category.PARTY_POLITICAL,
        Category.PERSONAL_CAMPAIGN,
        Category.PERSONAL_FINANCIAL_INTEREST,
    }
    assert policy.official_email_domains == ("redruth.gov.uk",)


def test_next_review_july_2025_is_due_by_the_end_of_july() -> None:
    """Policy 6.1: 'Next Review: July 2025'."""
    policy = load_policy(REDRUTH)

    assert policy.next_review_due == dt.date(2025, 7, 31)


def test_every_reason_cites_a_clause_of_the_policy() -> None:
    policy = load_policy(REDRUTH)

    assert set(policy.reason_clauses.values()) <= set(policy.clauses)


@pytest.mark.parametrize(
    ("old", "new", "says", "on_line_with"),
    [
        ("kind: podcast", "kind: radio", "accounts.11.kind", "kind: radio"),
        (
            "caution_margin_days: 0",
            "caution_margin_days: -1",
            "restrictions.caution_margin_days",
            "caution_margin_days",
        ),
        (
            "  never_permitted: [party-political, personal-campaign, personal-financial-interest]",
            "  never_permitted: [personal-campaign]",
            "Local Government Act 1986",
            "permitted: [service-information",
        ),
        (
            "  referred: [consultation, new-campaign, event]",
            "  referred: [consultation, emergency]",
            "one list only",
            "permitted: [service-information",
        ),
        ("next_review: 2025-07", "next_review: 2025-13", "no month 13", "next_review: 2025-13"),
        ('  ACCOUNT_CLOSED: "3.2"', '  ACCOUNT_CLOSED: "9.9"', "9.9", "ACCOUNT_CLOSED"),
        ("time_zone: Europe/London", "time_zone: UTC", "Europe/London", "time_zone: UTC"),
        (
            "  - id: x-visitredruth",
            "  - id: X Visit Redruth",
            "accounts.0.id",
            "id: X Visit Redruth",
        ),
        (
            "  - id: facebook-red-ruth",
            "  - id: x-visitredruth",
            "used twice",
            "- id: x-visitredruth\n    platform: facebook",
        ),
        (
            "official_email_domains:",
            "official_email_domain:",
            "official_email_domain",
            "official_email_domain:",
        ),
    ],
    ids=[
        "bad-kind",
        "negative-margin",
        "party-political-allowed",
        "overlapping-lists",
        "bad-month",
        "citation-to-missing-clause",
        "not-london",
        "bad-account-id",
        "duplicate-account",
        "misspelt-field",
    ],
)
def test_a_bad_policy_file_names_the_field_and_line(
    text: str, old: str, new: str, says: str, on_line_with: str
) -> None:
    assert old in text
    broken = text.replace(old, new, 1)
    anchor = broken.index(on_line_with)
    line = broken.count("\n", 0, anchor) + 1

    with pytest.raises(PolicyFileError) as caught:
        load_policy_text(broken, name="redruth.yaml")

    message = str(caught.value)
    assert says in message
    assert f"redruth.yaml:{line}:" in message


def test_malformed_yaml_names_its_line() -> None:
    with pytest.raises(PolicyFileError, match=r"redruth.yaml: line 3: not valid YAML"):
        load_policy_text("organisation:\n  id: [unclosed\n", name="redruth.yaml")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("a: " + "[" * 5000, "not"),
        ("x: " + "9" * 5000, "not a usable policy file"),
        ("organisation: 1\norganisation: 2\n", "given twice"),
    ],
    ids=["deeply-nested", "huge-integer", "duplicate-key"],
)
def test_hostile_yaml_is_a_policy_file_error(content: str, says: str) -> None:
    with pytest.raises(PolicyFileError, match=says):
        load_policy_text(content, name="x.yaml")


def test_a_review_date_may_be_a_full_date(text: str) -> None:
    policy = load_policy_text(
        text.replace("next_review: 2025-07", "next_review: 2025-07-15"), name="x.yaml"
    )

    assert policy.next_review_due == dt.date(2025, 7, 15)


def test_a_file_that_is_not_utf8_is_a_policy_file_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("organisation: Caf\xe9".encode("latin-1"))

    with pytest.raises(PolicyFileError, match="UTF-8"):
        load_policy(path)
