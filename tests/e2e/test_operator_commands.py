"""purdah db upgrade, seed, keys create/revoke and serve, as the installed console script."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.store.engine import make_engine
from app.store.key_use import KeyUse
from tests.conftest import ROOT

PURDAH = shutil.which("purdah") or str(ROOT / ".venv" / "bin" / "purdah")


def _run(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PURDAH_DATABASE_URL": url}
    return subprocess.run(
        [PURDAH, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ops.db'}"


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A database the console script migrated and seeded, once: (its file, the Clerk key)."""
    path = tmp_path_factory.mktemp("seeded") / "ops.db"
    assert _run("db", "upgrade", url=f"sqlite:///{path}").returncode == 0
    seeded = _run("seed", url=f"sqlite:///{path}")
    assert seeded.returncode == 0, seeded.stderr
    return path, seeded.stdout.strip()


@pytest.fixture
def seeded_url(url: str, tmp_path: Path, seeded_file: tuple[Path, str]) -> str:
    """`url` holding a copy of what `purdah db upgrade` and `purdah seed` made."""
    source, _ = seeded_file
    for suffix in ("", "-wal", "-shm"):  # the processes closed it, but copy a WAL if any
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", tmp_path / f"ops.db{suffix}")
    return url


def test_the_first_seed_prints_one_clerk_key_and_never_again(url: str) -> None:
    assert _run("db", "upgrade", url=url).returncode == 0

    first = _run("seed", url=url)
    second = _run("seed", url=url)

    assert first.returncode == 0
    assert first.stdout.strip().startswith("pdh_")
    assert len(first.stdout.strip().splitlines()) == 1
    assert "shown once" in first.stderr
    assert (second.returncode, second.stdout) == (0, "")
    assert "nothing to do" in second.stderr


def test_keys_create_prints_only_the_key_on_stdout(seeded_url: str) -> None:
    url = seeded_url

    made = _run("keys", "create", "--role", "scheduler", "--name", "Hootsuite", url=url)

    assert made.returncode == 0
    assert made.stdout.count("\n") == 1
    assert made.stdout.startswith("pdh_")
    assert "scheduler" in made.stderr


def test_keys_revoke_revokes_once(seeded_url: str) -> None:
    url = seeded_url
    key_id = _run("keys", "create", "--role", "viewer", "--name", "x", url=url).stdout.split("_")[1]

    first = _run("keys", "revoke", key_id, "--reason", "lost laptop", url=url)
    second = _run("keys", "revoke", key_id, url=url)

    assert first.returncode == 0
    assert second.returncode == 2
    assert "was revoked" in second.stderr


def test_keys_list_shows_each_key_its_last_use_and_no_secret(
    seeded_url: str, seeded_file: tuple[Path, str]
) -> None:
    clerk = seeded_file[1]
    url = seeded_url
    viewer = _run("keys", "create", "--role", "viewer", "--name", "Members", url=url).stdout.strip()
    _run("keys", "revoke", viewer.split("_")[1], url=url)
    engine = make_engine(url)
    uses = KeyUse(engine, clock=lambda: 1_800_000_000.0)  # 2027-01-15 08:00 UTC
    uses.seen(clerk.split("_")[1])
    uses.flush()
    engine.dispose()

    listed = _run("keys", "list", url=url)

    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert listed.returncode == 0
    assert "2027-01-15 08:00" in lines[clerk.split("_")[1]]
    assert "never" in lines[viewer.split("_")[1]]
    assert "Members" in lines[viewer.split("_")[1]]
    assert clerk.split("_", 2)[2] not in listed.stdout
    assert viewer.split("_", 2)[2] not in listed.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("keys", "create", "--role", "emperor", "--name", "x"), "emperor"),
        (("keys", "revoke", "nosuchkey"), "no key"),
        (("serve",), "purdah db upgrade"),
        (("seed",), "purdah db upgrade"),
    ],
    ids=["bad-role", "unknown-key", "serve-unmigrated", "seed-unmigrated"],
)
def test_bad_operator_input_exits_2_with_a_clear_line(
    url: str, args: tuple[str, ...], says: str, request: pytest.FixtureRequest
) -> None:
    if args[0] == "keys" and args[1] == "revoke":
        url = request.getfixturevalue("seeded_url")

    result = _run(*args, url=url)

    assert result.returncode == 2
    assert says in result.stderr


def test_audit_verify_says_ok_then_finds_an_edit(seeded_url: str, tmp_path: Path) -> None:
    import sqlite3

    url = seeded_url
    ok = _run("audit", "verify", url=url)
    with sqlite3.connect(str(tmp_path / "ops.db")) as connection:
        connection.execute("UPDATE audit_event SET reason = 'x' WHERE seq = 3")
    broken = _run("audit", "verify", url=url)

    assert (ok.returncode, ok.stdout.startswith("ok:")) == (0, True)
    assert broken.returncode == 1
    assert "BROKEN at event 3" in broken.stdout


def test_audit_export_writes_jsonl(seeded_url: str) -> None:
    import json

    url = seeded_url

    out = _run("audit", "export", "--format", "jsonl", url=url)

    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert events[0]["action"] == "organisation.create"
    assert all(e["hash"] for e in events)


def test_feeds_create_prints_only_the_url_on_stdout(seeded_url: str) -> None:
    url = seeded_url

    made = _run("feeds", "create", "--name", "Office Outlook", url=url)

    assert made.returncode == 0, made.stderr
    assert made.stdout.count("\n") == 1
    assert made.stdout.startswith("http://127.0.0.1:8000/v1/feeds/pft_")
    assert made.stdout.strip().endswith(".ics")


def test_feeds_revoke_an_unknown_token_exits_2(seeded_url: str) -> None:
    url = seeded_url

    revoked = _run("feeds", "revoke", "000000000000", url=url)

    assert revoked.returncode == 2
    assert "no feed token" in revoked.stderr


def test_import_a_dry_run_prints_the_report_and_writes_nothing(seeded_url: str) -> None:
    url = seeded_url
    ics = str(ROOT / "tests" / "data" / "ics" / "purdah-ids.ics")

    preview = _run("import", ics, "--dry-run", url=url)
    done = _run("import", ics, url=url)
    again = _run("import", ics, url=url)

    assert preview.returncode == 0, preview.stderr
    assert '"election_id": "parish.redruth.central.by.2026-02-12"' in preview.stdout
    assert '"dry_run": true' in preview.stdout
    assert '"created": [\n    {' in done.stdout
    assert '"created": []' in again.stdout


def test_candidates_import_dry_runs_imports_and_changes_nothing_the_second_time(
    seeded_url: str,
) -> None:
    url = seeded_url
    csv = str(ROOT / "tests" / "data" / "candidates" / "dc-candidates-cornwall-2029.csv")

    preview = _run("candidates", "import", csv, "--dry-run", url=url)
    done = _run("candidates", "import", csv, url=url)
    again = _run("candidates", "import", csv, url=url)

    assert preview.returncode == 0, preview.stderr
    assert '"dry_run": true' in preview.stdout
    assert '"person_id": "70412"' in preview.stdout
    assert '"added": [\n    {' in done.stdout
    assert '"added": []' in again.stdout
    assert '"updated": []' in again.stdout


def test_candidates_import_of_a_bad_row_exits_2_naming_the_line(
    seeded_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("person_id,person_name,election_id\n70412,,local.cornwall.2029-05-03\n")

    refused = _run("candidates", "import", str(bad), url=seeded_url)

    assert refused.returncode == 2
    assert "line 2" in refused.stderr


def test_import_a_broken_file_exits_2_naming_the_line(seeded_url: str) -> None:
    url = seeded_url

    broken = _run("import", str(ROOT / "tests" / "data" / "ics" / "truncated.ics"), url=url)

    assert broken.returncode == 2
    assert "line 40: the file ends inside the VEVENT begun at line 35" in broken.stderr


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_import_of_a_calendar_holding_a_control_character_exits_2(
    seeded_url: str, tmp_path: Path, dry_run: bool
) -> None:
    """Issue 13: a BEL in a SUMMARY is refused by `purdah import`, in its dry run as in the API's."""
    url = seeded_url
    ics = tmp_path / "bel.ics"
    ics.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:bel@redruth\r\n"
        b"DTSTART;VALUE=DATE:20290503\r\nSUMMARY:Polling day\x07\r\n"
        b"CATEGORIES:parish.redruth.north.by.2029-05-03\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    refused = _run("import", str(ics), *(["--dry-run"] if dry_run else []), url=url)

    assert refused.returncode == 2
    assert "summary" in refused.stderr
    assert refused.stdout == ""


def test_orgs_create_adds_a_council_and_prints_its_first_clerk_key(
    url: str, tmp_path: Path
) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", policies)
    shutil.copy(ROOT / "tests" / "data" / "policies" / "penryn.yaml", policies)
    env = {**os.environ, "PURDAH_DATABASE_URL": url, "PURDAH_POLICY_DIR": str(policies)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PURDAH, *args], capture_output=True, text=True, env=env, check=False, timeout=120
        )

    run("db", "upgrade")
    made = run("orgs", "create", "--policy", "penryn.yaml")
    again = run("orgs", "create", "--policy", "penryn.yaml")

    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("pdh_")
    assert "Penryn Town Council: added with 2 accounts" in made.stderr
    assert (again.returncode, again.stdout) == (2, "")
    assert "exists already" in again.stderr
