"""
The JavaScript example (clients/javascript/can-publish.mjs) run by Node against a real server.

Its exit status is the answer: 0 allowed, 1 do not post (refused, or any failure: it fails
closed), 2 used wrongly. Node 18 or later (for `fetch`) is the `nodejs` package of the
machine's apt sources (Debian bookworm's is 18); .ci/run installs it where it is missing.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT

from .integrator_server import (
    INSIDE_2029,
    OUTSIDE,
    TOWN,
    Served,
    canned_server,
    dead_url,
    served,
    silent_server,
)

pytestmark = [pytest.mark.server]

SCRIPT = ROOT / "clients" / "javascript" / "can-publish.mjs"
NODE = shutil.which("node")


def _node_major() -> int:
    if NODE is None:
        return 0
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=True)
    return int(version.stdout.strip().lstrip("v").split(".")[0])


def test_node_18_or_later_is_here_to_run_the_example() -> None:
    """Not a skip: CI installs Node (Debian's nodejs), so its absence is a failure to see."""
    assert _node_major() >= 18, f"node 18+ is needed to run {SCRIPT.name}; found {NODE}"


def _run(base_url: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    env = {**os.environ, "PURDAH_URL": base_url, "PURDAH_KEY": key, "PURDAH_TIMEOUT_MS": "1000"}
    return subprocess.run(
        [NODE, str(SCRIPT), *args], check=False, env=env, capture_output=True, text=True, timeout=30
    )


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with served("sqlite", tmp_path_factory.mktemp("js"), request) as running:
        yield running


def test_an_allowed_answer_exits_0(server: Served) -> None:
    ran = _run(server.base_url, server.scheduler, TOWN, OUTSIDE)
    assert (ran.returncode, ran.stdout.strip()) == (0, "allowed"), ran.stderr


def test_a_denied_and_a_referred_answer_exit_1(server: Served) -> None:
    denied = _run(server.base_url, server.scheduler, TOWN, INSIDE_2029)
    referred = _run(server.base_url, server.scheduler, TOWN, INSIDE_2029, "event")
    assert (denied.returncode, denied.stdout.strip()) == (1, "do not post (deny)"), denied.stderr
    assert (referred.returncode, referred.stdout.strip()) == (1, "do not post (refer)")


def test_a_wrong_key_exits_1(server: Served) -> None:
    ran = _run(server.base_url, "not-a-key", TOWN, OUTSIDE)
    assert (ran.returncode, ran.stdout.strip()) == (1, "do not post (status 401)")


def test_a_dead_port_a_silent_server_and_a_503_exit_1() -> None:
    dead = _run(dead_url(), "any-key", TOWN, OUTSIDE)
    with silent_server() as url:
        silent = _run(url, "any-key", TOWN, OUTSIDE)
    with canned_server(503, b'{"allowed": true}') as url:
        unavailable = _run(url, "any-key", TOWN, OUTSIDE)
    with canned_server(200, b"<html>captive portal</html>") as url:
        html = _run(url, "any-key", TOWN, OUTSIDE)
    assert [r.returncode for r in (dead, silent, unavailable, html)] == [1, 1, 1, 1]
    assert silent.stdout.startswith("do not post (TimeoutError")
    assert unavailable.stdout.strip() == "do not post (status 503)"


def test_a_time_without_an_offset_or_no_key_exits_2() -> None:
    naive = _run(dead_url(), "any-key", TOWN, "2029-04-10T12:00:00")
    keyless = _run(dead_url(), "", TOWN)
    assert (naive.returncode, keyless.returncode) == (2, 2)
    assert "UTC offset" in naive.stderr
