"""`purdah policy reload`, as the installed console script: a changed file, audited."""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

PURDAH = shutil.which("purdah") or str(ROOT / ".venv" / "bin" / "purdah")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    return {
        **os.environ,
        "PURDAH_DATABASE_URL": f"sqlite:///{tmp_path / 'policy.db'}",
        "PURDAH_POLICY_DIR": str(policies),
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PURDAH, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_edited_policy_file_is_put_in_force_and_audited_with_both_hashes(
    env: dict[str, str],
) -> None:
    assert _run(env, "db", "upgrade").returncode == 0
    assert _run(env, "seed").returncode == 0
    _run(env, "policy", "reload")  # records the file's first SHA-256, if the seed did not
    policy = Path(env["PURDAH_POLICY_DIR"]) / "redruth.yaml"
    before = _sha(policy)
    policy.write_text(policy.read_text() + "\n# reviewed by the Clerk, no change of substance\n")
    after = _sha(policy)

    reloaded = _run(env, "policy", "reload")
    again = _run(env, "policy", "reload")
    exported = _run(env, "audit", "export", "--format", "jsonl")

    assert reloaded.returncode == 0, reloaded.stderr
    assert reloaded.stdout.splitlines() == [f"redruth\tredruth.yaml\t{before} -> {after}"]
    assert (again.returncode, again.stdout) == (0, "")
    assert "no policy file has changed" in again.stderr
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    reloads = [e for e in events if e["action"] == "policy.reloaded"]
    assert len(reloads) == 1
    assert reloads[0]["before"]["sha256"] == before
    assert reloads[0]["after"]["sha256"] == after
    assert reloads[0]["actor"] == "purdah policy reload"


def test_a_broken_policy_file_is_reported_and_exits_1(env: dict[str, str]) -> None:
    assert _run(env, "db", "upgrade").returncode == 0
    assert _run(env, "seed").returncode == 0
    _run(env, "policy", "reload")
    policy = Path(env["PURDAH_POLICY_DIR"]) / "redruth.yaml"
    policy.write_text("organisation: [this is not a policy\n")

    reloaded = _run(env, "policy", "reload")

    assert reloaded.returncode == 1
    assert reloaded.stdout.startswith("redruth\tredruth.yaml\t")
    assert "UNUSABLE" in reloaded.stdout


def test_an_unknown_council_is_named_and_nothing_is_reloaded(env: dict[str, str]) -> None:
    assert _run(env, "db", "upgrade").returncode == 0
    assert _run(env, "seed").returncode == 0
    _run(env, "policy", "reload")
    policy = Path(env["PURDAH_POLICY_DIR"]) / "redruth.yaml"
    policy.write_text(policy.read_text() + "\n# edited\n")

    reloaded = _run(env, "policy", "reload", "redruth", "no-such-council")
    again = _run(env, "policy", "reload", "redruth")

    assert reloaded.returncode != 0
    assert "no-such-council" in reloaded.stderr
    assert reloaded.stdout == ""
    assert again.returncode == 0
    assert again.stdout.startswith("redruth\tredruth.yaml\t")  # the first call reloaded nothing
