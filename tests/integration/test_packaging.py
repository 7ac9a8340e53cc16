"""
One version number; `make audit` (tools/audit.py) telling a clean audit, a vulnerable
dependency and an unreachable vulnerability service apart; the commit-msg hook.
"""

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT
from tools import audit, commit_msg

REQUIREMENTS = Path("requirements.txt")


def test_the_api_reports_the_version_written_in_pyproject(tmp_path: Path) -> None:
    """The OpenAPI document's version is the package's, from pyproject.toml alone."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}"))
    assert app.openapi()["info"]["version"] == project["version"]
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert document["info"]["version"] == project["version"]


def pip_audit_answers(
    monkeypatch: pytest.MonkeyPatch, *, stdout: str = "", stderr: str = "", returncode: int = 0
) -> None:
    """Make pip-audit, as tools/audit.py runs it, print `stdout` and `stderr`."""

    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, returncode, stdout, stderr)

    monkeypatch.setattr(audit.subprocess, "run", run)


def report(dependencies: list[dict[str, Any]]) -> str:
    return json.dumps({"dependencies": dependencies, "fixes": []})


def test_no_known_vulnerability_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every dependency looked up, none vulnerable: exit 0 and say how many were audited."""
    pip_audit_answers(monkeypatch, stdout=report([{"name": "a", "version": "1", "vulns": []}]))
    assert audit.main(REQUIREMENTS) == 0
    assert "audited 1 dependencies" in capsys.readouterr().out


def test_a_known_vulnerability_fails_even_when_the_audit_is_optional(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A vulnerable dependency fails `make audit` and names the advisory and the fix."""
    monkeypatch.delenv("PURDAH_AUDIT_REQUIRED", raising=False)
    vuln = {"id": "PYSEC-1", "fix_versions": ["2.0"], "aliases": [], "description": ""}
    ok = {"name": "a", "version": "1", "vulns": []}
    bad = {"name": "b", "version": "1.0", "vulns": [vuln]}
    pip_audit_answers(monkeypatch, stdout=report([ok, bad]), returncode=1)
    assert audit.main(REQUIREMENTS) == 1
    assert "b 1.0: PYSEC-1 (fixed in 2.0)" in capsys.readouterr().err


def test_a_service_that_answers_for_nothing_is_not_audited(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index that answers no per-release query: NOT AUDITED, a failure only if required."""
    skipped = [
        {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"} for name in "ab"
    ]
    pip_audit_answers(monkeypatch, stdout=report(skipped))
    monkeypatch.delenv("PURDAH_AUDIT_REQUIRED", raising=False)
    assert audit.main(REQUIREMENTS) == 0
    assert "NOT AUDITED" in capsys.readouterr().err
    monkeypatch.setenv("PURDAH_AUDIT_REQUIRED", "1")
    assert audit.main(REQUIREMENTS) == 1
    assert "NOT AUDITED" in capsys.readouterr().err


def test_one_dependency_the_service_cannot_find_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some dependencies audited and one not: that is a failure, not NOT AUDITED."""
    ok = {"name": "a", "version": "1", "vulns": []}
    missing = {"name": "b", "skip_reason": "Dependency not found on PyPI: b"}
    pip_audit_answers(monkeypatch, stdout=report([ok, missing]))
    monkeypatch.delenv("PURDAH_AUDIT_REQUIRED", raising=False)
    assert audit.main(REQUIREMENTS) == 1
    assert "1 dependencies could not be audited" in capsys.readouterr().err


def test_no_connection_is_not_audited(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pip-audit stopped by a connection error (no JSON): NOT AUDITED, naming the error."""
    error = "requests.exceptions.ConnectionError: Max retries exceeded with url: /pypi/a/1/json"
    pip_audit_answers(monkeypatch, stderr=f"Traceback ...\n{error}\n", returncode=1)
    monkeypatch.delenv("PURDAH_AUDIT_REQUIRED", raising=False)
    assert audit.main(REQUIREMENTS) == 0
    assert f"NOT AUDITED: pip-audit cannot reach its vulnerability service ({error})" in (
        capsys.readouterr().err
    )


def test_any_other_pip_audit_failure_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pip-audit failing for another reason (a bad requirements file) is a failure."""
    pip_audit_answers(monkeypatch, stderr="ERROR: invalid requirement\n", returncode=1)
    monkeypatch.delenv("PURDAH_AUDIT_REQUIRED", raising=False)
    assert audit.main(REQUIREMENTS) == 1
    assert "without a result" in capsys.readouterr().err


def test_a_subject_of_72_characters_passes_and_73_fails() -> None:
    """The commit-msg hook allows 72 characters in the subject and refuses 73."""
    assert commit_msg.problems("x" * 72 + "\n\nWhy.\n") == []
    assert commit_msg.problems("x" * 73 + "\n") == ["the subject is 73 characters; at most 72"]


def test_git_comments_and_a_missing_blank_line() -> None:
    """git's comment lines are not the subject; a body must be set off by a blank line."""
    assert commit_msg.problems("# Please enter the message\nFix it\n") == []
    assert commit_msg.problems("Fix it\nbecause\n") == ["a blank line must follow the subject"]
    assert commit_msg.problems("# only comments\n\n") == ["the message is empty"]
