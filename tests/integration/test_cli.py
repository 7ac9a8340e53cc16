"""The purdah command, in process (Typer's runner) and once as the installed console script."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import app
from app.domain import UTC
from app.domain.accounts import AccountAction
from app.services.accounts import move_account
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

POLICY = load_policy(ROOT / "policies" / "redruth.yaml")
CLERK = Actor("Town Clerk", "clerk")

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The law-only cases see no database (not a developer's ./var/purdah.db); tests of the
    live answers point PURDAH_DATABASE_URL at a seeded one."""
    monkeypatch.setenv("PURDAH_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")


TIMETABLE_KEYS = {
    "election_id",
    "kind",
    "country",
    "poll_date",
    "notice_of_election_deadline",
    "notice_of_election_earliest",
    "close_of_nominations",
    "sopn_publish_deadline",
    "sopn_publish_latest",
    "estimated",
    "notes",
    "dies_non",
    "restricted_period",
}


def test_timetable_json_has_exactly_the_documented_keys() -> None:
    result = runner.invoke(
        app, ["timetable", "parish.redruth.2029-05-03", "--country", "england", "--json"]
    )

    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == TIMETABLE_KEYS


# Reference election: local.cornwall.2025-05-01 (Cornwall Council published the notice on 14 March 2025)
def test_timetable_json_gives_the_period_with_offsets() -> None:
    result = runner.invoke(
        app,
        [
            "timetable",
            "local.cornwall.2025-05-01",
            "--country",
            "england",
            "--notice-published",
            "2025-03-14",
            "--json",
        ],
    )

    body = json.loads(result.stdout)
    assert body["notice_of_election_deadline"] == "2025-03-25"
    assert body["close_of_nominations"] == "2025-04-02"
    assert body["restricted_period"] == {
        "starts_at": "2025-03-14T00:00:00+00:00",
        "ends_at": "2025-05-01T22:00:00+01:00",
    }
    assert body["dies_non"] == [
        {"date": "2025-04-18", "name": "Good Friday"},
        {"date": "2025-04-21", "name": "Easter Monday"},
    ]


def test_timetable_table_names_the_rules() -> None:
    result = runner.invoke(app, ["timetable", "pcc.devon-and-cornwall.2024-05-02"])

    assert result.exit_code == 0
    assert "Fri 05 Apr 2024 16:00" in result.stdout
    assert "SI 2012/1917" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["timetable", "local.cornwall.2025-13-01"], "not a calendar date"),
        (["timetable", "local.leeds.2025-05-01"], "give a country"),
        (
            [
                "timetable",
                "local.cornwall.2025-05-01",
                "--country",
                "england",
                "--notice-published",
                "14/03/2025",
            ],
            "YYYY-MM-DD",
        ),
        (
            [
                "timetable",
                "local.cornwall.2025-05-01",
                "--country",
                "england",
                "--notice-published",
                "2025-03-26",
            ],
            "outside the days the law allows",
        ),
        (["check", "facebook-redruthtowncouncil", "--at", "2025-04-01T09:00:00"], "no UTC offset"),
        (["check", "facebook-redruthtowncouncil", "--at", "next tuesday"], "RFC 3339"),
        (
            ["check", "no-such-account", "--at", "2025-04-01T09:00:00+01:00", "--offline"],
            "unknown account",
        ),
        (
            [
                "check",
                "facebook-redruthtowncouncil",
                "--at",
                "2025-04-01T09:00:00+01:00",
                "--category",
                "gossip",
            ],
            "unknown category",
        ),
        (
            ["check", "facebook-redruthtowncouncil", "--at", "0001-01-01T00:00:00+01:00"],
            "outside the years",
        ),
        (
            ["timetable", "local.cornwall.2025-05-01", "--country", "england", "--kind", "sp"],
            "contradictory kind",
        ),
        (["timetable", "sp.2026-05-07", "--country", "england"], "contradictory country"),
        (["timetable", "pcc.police-scotland.2024-05-02"], "no police and crime commissioners"),
        (["timetable", "ref.cornwall.2026-06-04"], "needs an explicit kind"),
        (["timetable", "parl.2010-05-06"], "timetables before the 25-working-day"),
    ],
    ids=[
        "bad-date",
        "no-country",
        "bad-notice-date",
        "notice-after-latest-day",
        "naive-at",
        "not-a-time",
        "unknown-account",
        "unknown-category",
        "year-1",
        "kind-contradicts-id",
        "country-contradicts-kind",
        "pcc-in-scotland",
        "local-referendum-without-kind",
        "general-election-before-2014",
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], says: str) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 2
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_denies_a_general_post_in_the_2025_window() -> None:
    result = runner.invoke(
        app,
        [
            "check",
            "facebook-redruthtowncouncil",
            "--at",
            "2025-04-01T09:00:00+01:00",
            "--json",
            "--offline",
        ],
    )

    body = json.loads(result.stdout)
    assert body["outcome"] == "deny"
    assert body["reasons"][0]["code"] == "PRE_ELECTION_PERIOD"
    assert body["valid_until"] == "2025-05-01T22:00:00+01:00"


def test_check_against_given_elections_only() -> None:
    result = runner.invoke(
        app,
        [
            "check",
            "facebook-redruthtowncouncil",
            "--at",
            "2025-04-01T09:00:00+01:00",
            "--election",
            "parl.2024-07-04",
            "--json",
            "--offline",
        ],
    )

    assert json.loads(result.stdout)["outcome"] == "allow"


def test_status_reports_the_policy_review_as_overdue() -> None:
    result = runner.invoke(app, ["status", "--at", "2026-11-24T12:00:00Z", "--offline"])

    assert result.exit_code == 0
    assert "Policy review OVERDUE" in result.stdout
    assert "pcc.devon-and-cornwall.2028-05-04" in result.stdout


def test_a_broken_policy_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "redruth.yaml").write_text("organisation: {}\n", encoding="utf-8")

    result = runner.invoke(app, ["status"], env={"PURDAH_POLICY_DIR": str(tmp_path)})

    assert result.exit_code == 2
    assert "organisation.id" in result.stderr


def test_the_installed_console_script_runs() -> None:
    purdah = shutil.which("purdah") or str(Path(__file__).parents[2] / ".venv" / "bin" / "purdah")

    completed = subprocess.run(
        [purdah, "timetable", "parl.2024-07-04", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["close_of_nominations"] == "2024-06-07"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["timetable", "local.cornwall.2025-05-01", "--country", "narnia"], "narnia"),
        (["--bogus"], "No such option"),
        (["timetable"], "Missing argument"),
    ],
    ids=["bad-choice", "unknown-option", "missing-argument"],
)
def test_usage_errors_from_the_console_script_are_one_line(args: list[str], says: str) -> None:
    purdah = shutil.which("purdah") or str(Path(__file__).parents[2] / ".venv" / "bin" / "purdah")

    completed = subprocess.run([purdah, *args], capture_output=True, text=True, check=False)

    assert completed.returncode == 2
    assert says in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


# --- the command line answers from the live database (issue 13, item 9) ---

LIVE_AT = "2026-12-10T10:00:00+00:00"  # outside every shipped window


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, database_url: str, seeded: Keys) -> Keys:
    """The CLI pointed at a database seeded as `make run` seeds it."""
    monkeypatch.setenv("PURDAH_DATABASE_URL", database_url)
    return seeded


def test_check_answers_from_the_database_after_the_clerk_suspends_an_account(
    live: Keys, engine: Engine
) -> None:
    move_account(UnitOfWork(engine), POLICY, CLERK, "facebook-redruthtowncouncil", AccountAction.SUSPEND,
        reason="breach of policy 3.1", now=SEEDED_AT,
    )  # fmt: skip

    result = runner.invoke(app, ["check", "facebook-redruthtowncouncil", "--at", LIVE_AT, "--json"])

    body = json.loads(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert body["outcome"] == "deny"
    assert body["reasons"][0]["code"] == "ACCOUNT_SUSPENDED"


def test_offline_answers_from_the_shipped_files_and_says_so(live: Keys, engine: Engine) -> None:
    move_account(UnitOfWork(engine), POLICY, CLERK, "facebook-redruthtowncouncil", AccountAction.SUSPEND,
        reason="breach of policy 3.1", now=SEEDED_AT,
    )  # fmt: skip

    result = runner.invoke(
        app, ["check", "facebook-redruthtowncouncil", "--at", LIVE_AT, "--json", "--offline"]
    )

    assert json.loads(result.stdout)["outcome"] == "allow"
    assert "offline" in result.stderr
    assert "not the live database" in result.stderr


def test_status_reports_a_window_the_clerk_added(live: Keys, engine: Engine) -> None:
    add_manual_window(UnitOfWork(engine), POLICY, CLERK, starts_at=dt.datetime(2026, 12, 9, tzinfo=UTC),
        ends_at=dt.datetime(2026, 12, 12, tzinfo=UTC), reason="all accounts under review",
        account_ids=None, now=SEEDED_AT,
    )  # fmt: skip

    result = runner.invoke(app, ["status", "--at", LIVE_AT])

    assert result.exit_code == 0, result.stderr
    assert "Restricted now:" in result.stdout
    assert "all accounts under review" in result.stdout
    assert "live database" in result.stdout


def test_check_at_defaults_to_now(live: Keys) -> None:
    result = runner.invoke(app, ["check", "facebook-redruthtowncouncil", "--json"])

    body = json.loads(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert body["at"] == body["evaluated_at"]


def test_check_speaks_of_an_event_post(live: Keys) -> None:
    result = runner.invoke(
        app, ["check", "facebook-redruthtowncouncil", "--at", LIVE_AT, "--category", "event"]
    )

    assert "may publish an event post" in result.stdout


def test_timetable_takes_the_organisations_country_and_its_recorded_notice(live: Keys) -> None:
    """The seed records Cornwall's notice of 14 March 2025 (shipped calendar, Cornwall Council)."""
    result = runner.invoke(app, ["timetable", "local.cornwall.2025-05-01", "--json"])

    body = json.loads(result.stdout)
    assert result.exit_code == 0, result.stderr
    assert body["country"] == "england"
    assert body["restricted_period"]["starts_at"] == "2025-03-14T00:00:00+00:00"
    assert "database read" in result.stderr


def test_timetable_counts_a_day_of_mourning_given_on_the_command_line() -> None:
    """
    Derived from the rule, not a published timetable: a dies non on Thursday 27 March 2025,
    after the latest notice day of 25 March, moves that day back to Monday 24 March.
    """
    result = runner.invoke(
        app, ["timetable", "local.cornwall.2025-05-01", "--dies-non", "2025-03-27", "--json"]
    )

    body = json.loads(result.stdout)
    assert body["notice_of_election_deadline"] == "2025-03-24"
    assert {"date": "2025-03-27", "name": "appointed day (--dies-non)"} in body["dies_non"]
