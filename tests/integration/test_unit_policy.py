"""The policy the unit tests build in code decides as the shipped policy file does."""

import dataclasses
from pathlib import Path

from app.store import load_policy
from tests.unit.conftest import make_policy

REDRUTH = Path(__file__).resolve().parents[2] / "policies" / "redruth.yaml"


def test_the_unit_tests_policy_differs_from_redruths_file_only_in_what_decisions_do_not_read() -> (
    None
):
    """
    tests/unit reads no files, so its property tests (test_properties.py) run on `make_policy()`;
    they hold for Redruth's policy because every rule a decision applies (categories, period
    rules, warning horizon, override bounds, review date) is the same as in the file.
    """
    shipped = load_policy(REDRUTH)
    built = make_policy()

    # citations, clause texts, scopes, email domains and accounts: not what the properties test
    assert (
        dataclasses.replace(
            built,
            election_scopes=shipped.election_scopes,
            clauses=shipped.clauses,
            reason_clauses=shipped.reason_clauses,
            official_email_domains=shipped.official_email_domains,
            accounts=shipped.accounts,
        )
        == shipped
    )
    # and the elections the properties draw restrict both
    assert set(built.election_scopes) <= set(shipped.election_scopes)
    assert "parish.redruth." in built.election_scopes
