"""
Policy files change without a restart, audited with their SHA-256, and one council's broken
policy fails only that council closed: the others answer, and /readyz tells an operator why.
"""

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api.deps import Services
from app.config import Settings
from app.main import check_policies, create_app
from app.services.keys import create_key
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import ROOT, SEEDED_AT, Keys

from .conftest import Clock, auth

REDRUTH_ACCOUNT = "facebook-redruthtowncouncil"
PENRYN_ACCOUNT = "facebook-penryntowncouncil"
# Inside the restricted period of the Cornwall and parish polls of 3 May 2029
# (Reference election: local.cornwall.2029-05-03), where a general post is denied.
IN_PERIOD = "2029-04-10T12:00:00+01:00"
# A day with no restriction for either council.
QUIET = "2027-01-12T12:00:00+00:00"
PERMITTED = "  permitted: [service-information, emergency, election-information, statutory-notice]"


@dataclass
class Platform:
    client: TestClient
    folder: Path
    operator: str
    penryn: str  # Penryn's first Clerk key
    services: Services

    def check(self, key: str, account: str, at: str, category: str = "general") -> httpx.Response:
        return self.client.get(
            f"/v1/accounts/{account}/can-publish",
            params={"at": at, "category": category},
            headers=auth(key),
        )

    def edit(self, name: str, old: str, new: str) -> str:
        """Replace `old` by `new` in a policy file; return the new file's SHA-256."""
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        return sha256_of(path)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def platform(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[Platform]:
    """The app serving Redruth and Penryn from a policy folder of their own."""
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(ROOT / "policies" / "redruth.yaml", folder)
    shutil.copy(ROOT / "tests" / "data" / "policies" / "penryn.yaml", folder)
    operator = create_key(UnitOfWork(engine), "redruth", Actor("tests", "operator"), role=Role.OPERATOR, name="platform",
        now=SEEDED_AT,
    ).key  # fmt: skip
    settings = Settings(
        database_url=database_url, policy_dir=folder, calendar_dir=ROOT / "calendars",
        gc_freeze=False,
    )  # fmt: skip
    app = create_app(settings, engine=engine, clock=clock, refresh_in_background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        made = client.post(
            "/v1/organisations", json={"policy_file": "penryn.yaml"}, headers=auth(operator)
        )
        assert made.status_code == 201, made.text
        penryn = str(made.json()["first_clerk_key"])
        yield Platform(client, folder, operator, penryn, app.state.services)


def _policy_events(platform: Platform, key: str) -> list[dict[str, object]]:
    events = platform.client.get("/v1/audit", headers=auth(key)).json()["events"]
    return [e for e in events if str(e["action"]).startswith("policy.")]


def test_an_edited_policy_file_takes_effect_without_a_restart(
    platform: Platform, seeded: Keys
) -> None:
    """General posts made permitted in the file are allowed inside the period after one look."""
    before = platform.check(seeded.scheduler, REDRUTH_ACCOUNT, IN_PERIOD)
    platform.edit("redruth.yaml", PERMITTED, PERMITTED.replace("emergency", "emergency, general"))

    changed = check_policies(platform.services)
    after = platform.check(seeded.scheduler, REDRUTH_ACCOUNT, IN_PERIOD)

    assert before.json()["outcome"] == "deny"
    assert changed == ["redruth"]
    assert after.status_code == 200
    assert after.json()["outcome"] == "allow"
    assert after.json()["reasons"][0]["code"] == "PERMITTED_CATEGORY"


def test_a_reloaded_policy_is_audited_with_the_old_and_new_sha256(
    platform: Platform, seeded: Keys
) -> None:
    old = sha256_of(platform.folder / "redruth.yaml")
    new = platform.edit(
        "redruth.yaml", PERMITTED, PERMITTED.replace("emergency", "emergency, controversial")
    )

    check_policies(platform.services)
    events = _policy_events(platform, seeded.auditor)

    assert [(e["action"], e["target"], e["before"], e["after"]) for e in events] == [
        (
            "policy.reloaded",
            "redruth.yaml",
            {"policy_file": "redruth.yaml", "sha256": old},
            {"policy_file": "redruth.yaml", "sha256": new},
        )
    ]


def test_a_file_touched_but_unchanged_is_not_a_reload(platform: Platform, seeded: Keys) -> None:
    path = platform.folder / "redruth.yaml"
    path.write_bytes(path.read_bytes())

    changed = check_policies(platform.services)

    assert changed == []
    assert _policy_events(platform, seeded.auditor) == []


def test_a_broken_policy_fails_only_its_own_council_closed(
    platform: Platform, seeded: Keys
) -> None:
    """Penryn's broken file: Penryn's checks are 503 deny; Redruth allows and denies as before."""
    platform.edit("penryn.yaml", "categories:", "categories: [")

    check_policies(platform.services)
    penryn = platform.check(platform.penryn, PENRYN_ACCOUNT, QUIET)
    redruth_quiet = platform.check(seeded.scheduler, REDRUTH_ACCOUNT, QUIET)
    redruth_in_period = platform.check(seeded.scheduler, REDRUTH_ACCOUNT, IN_PERIOD)

    assert penryn.status_code == 503
    assert penryn.json()["allowed"] is False
    assert penryn.json()["outcome"] == "deny"
    assert penryn.json()["reasons"][0]["code"] == "SERVICE_UNAVAILABLE"
    assert "policy of 'penryn' cannot be read" in penryn.json()["detail"]
    assert "penryn.yaml" not in penryn.json()["detail"]
    assert redruth_quiet.status_code == 200
    assert redruth_quiet.json()["outcome"] == "allow"
    assert redruth_in_period.status_code == 200
    assert redruth_in_period.json()["outcome"] == "deny"


def test_a_council_with_a_broken_policy_fails_its_other_requests_closed(
    platform: Platform,
) -> None:
    """Operations that need the policy (the policy itself, windows) are 503, not the old one."""
    platform.edit("penryn.yaml", "categories:", "categories: [")

    check_policies(platform.services)
    policy = platform.client.get("/v1/policy", headers=auth(platform.penryn))
    windows = platform.client.get("/v1/windows", headers=auth(platform.penryn))

    assert policy.status_code == 503
    assert policy.json()["type"] == "/problems/service-unavailable"
    assert windows.status_code == 503


def test_a_broken_policy_is_audited_once_and_its_fix_puts_the_council_back(
    platform: Platform,
) -> None:
    good = sha256_of(platform.folder / "penryn.yaml")
    broken = platform.edit("penryn.yaml", "categories:", "categories: [")
    services = platform.services
    check_policies(services)
    check_policies(services)
    platform.edit("penryn.yaml", "categories: [", "categories:")

    check_policies(services)
    answer = platform.check(platform.penryn, PENRYN_ACCOUNT, QUIET)
    events = _policy_events(platform, platform.penryn)

    assert answer.status_code == 200
    assert [(e["action"], e["before"], e["after"]) for e in events] == [
        (
            "policy.unreadable",
            {"policy_file": "penryn.yaml", "sha256": good},
            {"policy_file": "penryn.yaml", "sha256": broken},
        ),
        (
            "policy.reloaded",
            {"policy_file": "penryn.yaml", "sha256": good},
            {"policy_file": "penryn.yaml", "sha256": good},
        ),
    ]
    assert "penryn.yaml" in str(events[0]["reason"])


def test_readyz_names_a_broken_policy_to_an_operator(platform: Platform) -> None:
    (platform.folder / "penryn.yaml").unlink()

    check_policies(platform.services)
    ready = platform.client.get("/readyz", headers=auth(platform.operator))

    assert ready.status_code == 200
    assert ready.json()["policies_unusable"] == 1
    assert ready.json()["policy_problems"] == {
        "penryn": "penryn.yaml: no such file in the policy folder"
    }


@pytest.mark.parametrize("who", ["anonymous", "penryn clerk", "redruth clerk", "bad key"])
def test_readyz_hides_which_policy_is_broken_from_everyone_else(
    platform: Platform, seeded: Keys, who: str
) -> None:
    headers = {
        "anonymous": {},
        "penryn clerk": auth(platform.penryn),
        "redruth clerk": auth(seeded.clerk),
        "bad key": auth("pdh_nosuchkey_secret"),
    }[who]
    (platform.folder / "penryn.yaml").unlink()

    check_policies(platform.services)
    ready = platform.client.get("/readyz", headers=headers)

    assert ready.status_code == 200
    assert ready.json()["policies_unusable"] == 1
    assert "policy_problems" not in ready.json()
    assert "penryn" not in ready.text


def test_a_broken_policy_fails_its_councils_batch_closed(platform: Platform) -> None:
    platform.edit("penryn.yaml", "categories:", "categories: [")

    check_policies(platform.services)
    batch = platform.client.post(
        "/v1/decisions",
        json={"checks": [{"account_id": PENRYN_ACCOUNT, "at": QUIET}]},
        headers=auth(platform.penryn),
    )

    assert batch.status_code == 503
    assert batch.json()["outcome"] == "deny"
    assert batch.json()["allowed"] is False
