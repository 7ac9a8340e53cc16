"""
No row is written holding a control character, whoever writes it (the command line,
imports, seeding: not only the API), on SQLite and PostgreSQL (issue 13, item 7).
"""

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from app.domain import UTC
from app.domain.accounts import AccountAction
from app.services.accounts import move_account
from app.services.keys import create_key
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.errors import InvalidChange
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, Keys

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OPERATOR = Actor("tests", "operator")


@pytest.mark.parametrize(
    "name",
    ["Hootsuite\u0000", "bell\u0007", "two\r\nlines", "tab\tbed", "escape\u001b[2J", "c1\u0085c2"],
    ids=["nul", "bel", "crlf", "tab", "escape", "c1-next-line"],
)
def test_a_name_holding_a_control_character_is_never_stored(
    engine: Engine, seeded: Keys, name: str
) -> None:
    """The command line (`purdah keys create --name`) writes without the API's checks."""
    with pytest.raises(InvalidChange, match="holds the control character") as refused:
        create_key(UnitOfWork(engine), "redruth", OPERATOR, role=Role.VIEWER, name=name, now=NOW)

    assert refused.value.field == "name"
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name FROM api_key")).scalars().all()
    assert name not in names


def test_a_reason_may_hold_line_feeds_and_tabs_but_not_a_nul(engine: Engine, seeded: Keys) -> None:
    start = dt.datetime(2030, 1, 1, tzinfo=UTC)
    window = {"starts_at": start, "ends_at": start + dt.timedelta(days=1), "account_ids": None}

    kept = add_manual_window(
        UnitOfWork(engine), POLICY, OPERATOR, reason="one\n\ttwo", now=NOW, **window
    )
    with pytest.raises(InvalidChange, match="U\\+0000") as refused:
        add_manual_window(
            UnitOfWork(engine), POLICY, OPERATOR, reason="one\u0000two", now=NOW, **window
        )

    assert kept.reason == "one\n\ttwo"
    assert refused.value.field == "reason"


def test_an_account_stored_before_the_check_can_still_be_suspended(
    engine: Engine, seeded: Keys
) -> None:
    """Only changed values are checked: old bad data must never block a suspension."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE account SET name = :name WHERE id = 'facebook-redruthtowncouncil'"),
            {"name": "Redruth\u0007"},
        )

    moved = move_account(UnitOfWork(engine), POLICY, Actor("Town Clerk (k1)", "clerk"), "facebook-redruthtowncouncil",
        AccountAction.SUSPEND, reason="under review", now=NOW,
    )  # fmt: skip

    assert moved.status == "suspended"
