"""
Real calendar clients subscribed to a real server's token URL: vdirsyncer syncs the feed into
a folder, khal lists it in Europe/London local time, across the change from GMT to BST, and
shows a window's new times after it is moved through the API and synced again.

vdirsyncer replaces UIDs with content hashes, so UID stability is tested with `icalendar`
in test_feeds.py instead.
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import seed_shipped

from .calendar_clients import ensure_calendar_clients, khal_list, sync_with_vdirsyncer
from .servers import PURDAH, free_port, serve, wait_ready

pytestmark = pytest.mark.server

SUMMARY = "Pre-election period: Cornwall Council and Redruth Town Council elections"


@pytest.fixture
def server(shared_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A real `purdah serve` on a seeded database: its address and a Clerk's headers."""
    missing = ensure_calendar_clients()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"calendar clients are required in CI: {missing}")
        pytest.skip(f"calendar clients not installed ({missing}); `make install` installs them")
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    port = free_port()
    log = tmp_path / "server.log"
    process = serve(shared_url, port, log)
    try:
        wait_ready(port, process, log)
        yield f"http://127.0.0.1:{port}", headers
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_khal_shows_a_window_in_local_time_across_the_change_to_bst_and_after_a_move(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, clerk = server
    made = httpx.post(f"{base}/v1/feeds/tokens", json={"name": "khal"}, headers=clerk)
    url = made.json()["url"]

    # Reference election: local.cornwall.2025-05-01, notice published 14 March 2025 (GMT),
    # close of poll 22:00 on 1 May 2025 (BST).
    folder = sync_with_vdirsyncer(url, tmp_path / "sync")
    listed_2025 = khal_list(folder, tmp_path / "khal", "2025-03-01", 90)
    # Reference election: local.cornwall.2029-05-03, notice by 27 March 2029 (statutory); the
    # Clerk records that Cornwall published it on Friday 16 March, before BST began (25 March).
    before = khal_list(folder, tmp_path / "khal", "2029-03-01", 90)
    moved = httpx.patch(
        f"{base}/v1/elections/local.cornwall.2029-05-03",
        json={
            "notice_published": "2029-03-16",
            "notice_reason": "published by the returning officer",
        },
        headers=clerk,
    )
    sync_with_vdirsyncer(url, tmp_path / "sync")
    after = khal_list(folder, tmp_path / "khal", "2029-03-01", 90)

    assert made.status_code == 201, made.text
    assert [(e.start, e.end) for e in listed_2025 if e.title == SUMMARY] == [
        ("2025-03-14 00:00", "2025-05-01 22:00")
    ]
    assert [(e.start, e.end) for e in before if e.title == SUMMARY] == [
        ("2029-03-27 00:00", "2029-05-03 22:00")
    ]
    assert moved.status_code == 200, moved.text
    assert [(e.start, e.end) for e in after if e.title == SUMMARY] == [
        ("2029-03-16 00:00", "2029-05-03 22:00")
    ]


def test_vdirsyncer_gets_an_error_for_a_revoked_feed_url(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, clerk = server
    made = httpx.post(f"{base}/v1/feeds/tokens", json={"name": "leaver"}, headers=clerk).json()
    httpx.post(
        f"{base}/v1/feeds/tokens/{made['token_id']}/revoke",
        json={"reason": "left the council"},
        headers=clerk,
    )

    with pytest.raises(RuntimeError, match="vdirsyncer"):
        sync_with_vdirsyncer(made["url"], tmp_path / "sync")


def test_the_access_log_never_shows_a_feed_tokens_secret(shared_url: str, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PURDAH_DATABASE_URL": shared_url, "PURDAH_PORT": str(port)}
    process = subprocess.Popen(
        [PURDAH, "serve"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        wait_ready(port, process, log)
        base = f"http://127.0.0.1:{port}"
        made = httpx.post(f"{base}/v1/feeds/tokens", json={"name": "log"}, headers=headers).json()
        fetched = httpx.get(made["url"])
    finally:
        process.terminate()
        process.wait(timeout=10)

    text = log.read_text()
    secret = made["token"].split("_", 2)[2]
    assert fetched.status_code == 200
    assert f"/v1/feeds/pft_{made['token_id']}_…" in text  # the request is logged, redacted
    assert secret not in text
