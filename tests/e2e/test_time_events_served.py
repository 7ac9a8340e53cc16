"""
Time events from real servers (`purdah serve` processes) on the real clock: a window's start
announced once by two replicas sharing one database, and a start passed while the only server
was stopped announced when it comes back. The receiver is a real HTTP server.
"""

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.conftest import seed_shipped
from tests.receivers import Receiver, receiver

from .servers import running

pytestmark = pytest.mark.server

FAST = {
    "PURDAH_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "PURDAH_WEBHOOK_DELIVERY_INTERVAL": "0.2",
    "PURDAH_TIME_EVENTS_INTERVAL": "0.2",
}


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as got:
        yield got


def _setup(base: str, headers: dict[str, str], url: str, starts_in: float) -> str:
    made = httpx.post(
        f"{base}/v1/webhooks",
        json={"url": url, "events": ["window.started"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=starts_in)
    window = httpx.post(
        f"{base}/v1/windows",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "reason": "a sudden poll",
        },
        headers=headers,
    )
    assert window.status_code == 201, window.text
    return str(window.json()["window_id"])


def _started(hook: Receiver, window_id: str) -> list[dict]:
    bodies = [json.loads(got.body) for got in list(hook.received)]
    return [
        b
        for b in bodies
        if b["type"] == "window.started" and window_id in b["data"]["window"]["manual_window_ids"]
    ]


def _wait_for(hook: Receiver, window_id: str, seconds: float) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not _started(hook, window_id):
        time.sleep(0.05)
    return _started(hook, window_id)


def test_two_replicas_announce_a_start_once(
    shared_url: str, tmp_path: Path, hook: Receiver
) -> None:
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    with ExitStack() as stack:
        bases = [stack.enter_context(running(shared_url, tmp_path, FAST)) for _ in range(2)]
        window_id = _setup(bases[0], headers, hook.url, starts_in=2.0)

        first = _wait_for(hook, window_id, 20)
        time.sleep(1.5)  # rounds of both replicas go by: nothing more may come
        finally_got = _started(hook, window_id)

    assert len(first) == 1
    assert len(finally_got) == 1
    assert finally_got[0]["data"]["late"] is False
    ids = [got.headers["webhook-id"] for got in hook.received]
    assert len(ids) == len(set(ids))


def test_a_start_passed_while_the_server_was_down_is_announced_when_it_returns(
    shared_url: str, tmp_path: Path, hook: Receiver
) -> None:
    headers = {"Authorization": f"Bearer {seed_shipped(shared_url)}"}
    with running(shared_url, tmp_path, FAST) as base:
        window_id = _setup(base, headers, hook.url, starts_in=1.5)
    # stopped before the window started
    stopped_with = len(_started(hook, window_id))
    time.sleep(2.0)
    restarted_at = dt.datetime.now(dt.UTC)

    with running(shared_url, tmp_path, FAST):
        got = _wait_for(hook, window_id, 20)

    assert stopped_with == 0
    assert len(got) == 1
    # it fell due while no server ran
    assert dt.datetime.fromisoformat(got[0]["data"]["due_at"]) < restarted_at
