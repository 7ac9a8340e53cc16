"""A real `purdah serve` puts an edited policy file in force by itself, without a restart."""

import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, seed_shipped

from .servers import running

pytestmark = pytest.mark.server

# Inside the restricted period of the polls of 3 May 2029 (Reference election:
# local.cornwall.2029-05-03), where a general post is denied by Redruth's policy as shipped.
IN_PERIOD = "2029-04-10T12:00:00+01:00"
PERMITTED = "  permitted: [service-information, emergency, election-information, statutory-notice]"


def test_a_server_takes_an_edited_policy_file_on_its_next_look(
    shared_url: str, tmp_path: Path
) -> None:
    """PURDAH_POLICY_CHECK_INTERVAL=0.5: general posts permitted in the file are allowed soon."""
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", folder)
    extra = {"PURDAH_POLICY_DIR": str(folder), "PURDAH_POLICY_CHECK_INTERVAL": "0.5"}
    with running(shared_url, tmp_path, extra) as base:
        ask = f"{base}/v1/accounts/facebook-redruthtowncouncil/can-publish"
        before = httpx.get(ask, params={"at": IN_PERIOD}, headers=headers).json()["outcome"]
        path = folder / "redruth.yaml"
        text = path.read_text(encoding="utf-8")
        edited = text.replace(PERMITTED, PERMITTED.replace("emergency", "emergency, general"))
        (folder / "redruth.yaml.new").write_text(edited, encoding="utf-8")
        (folder / "redruth.yaml.new").replace(path)  # replaced atomically, as README advises

        started = time.monotonic()
        outcome = before
        while outcome == "deny" and time.monotonic() - started < 10:
            time.sleep(0.1)
            outcome = httpx.get(ask, params={"at": IN_PERIOD}, headers=headers).json()["outcome"]
        audit = httpx.get(f"{base}/v1/audit", headers=headers).json()["events"]

    assert before == "deny"
    assert outcome == "allow"
    assert [e["action"] for e in audit if e["action"].startswith("policy.")] == ["policy.reloaded"]
