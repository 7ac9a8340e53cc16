"""
The hot path in one process, without a server: what the app itself costs per request.

`python -m bench.hot_path` builds the app on a seeded SQLite database (as the HTTP benchmark
does, with 1,000 candidates), then calls it as uvicorn would (`await app(scope, receive,
send)`) and reports microseconds per request: can-publish by GET (200), with `If-None-Match`
(304), by POST with a 600-character post, and the 1,000-check batch per decision; and
`answer_can_publish` alone. Less noisy than wrk on a shared machine: no sockets, no
second process. `--profile NAME` runs one of them under cProfile and prints the top entries.
"""

import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bench.http import CAN_PUBLISH, CAN_PUBLISH_POST, POST_TEXT, PURDAH
from bench.screening import _candidates

__all__ = ["App", "hot_path"]

_Message = dict[str, Any]


class App:
    """Calls an ASGI app in process, as a server would, and keeps the answer."""

    def __init__(self, app: Any, key: str) -> None:
        self.app = app
        self.auth = (b"authorization", f"Bearer {key}".encode())

    async def call(
        self,
        method: str,
        target: str,
        headers: tuple[tuple[bytes, bytes], ...] = (),
        body: bytes = b"",
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        path, _, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1"),
                self.auth,
                *headers,
                *(((b"content-length", str(len(body)).encode()),) if body else ()),
            ],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent: list[_Message] = []

        async def receive() -> _Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: _Message) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        start = sent[0]
        return (
            start["status"],
            {k.lower(): v for k, v in start["headers"]},
            b"".join(m.get("body", b"") for m in sent[1:]),
        )


def _seeded(folder: Path) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "PURDAH_DATABASE_URL": url}
    subprocess.run([PURDAH, "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run(
        [PURDAH, "seed"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    return url, key


def _checks(texts: bool) -> bytes:
    return json.dumps(
        {
            "checks": [
                {
                    "account_id": "facebook-redruthtowncouncil",
                    "at": f"2029-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+01:00",
                    "category": ("general", "event", "emergency", "consultation")[i % 4],
                    **({"text": f"{POST_TEXT} (#{i})"} if texts else {}),
                }
                for i in range(1000)
            ]
        }
    ).encode()


async def _run(app: Any, key: str, rounds: dict[str, int], profile: str | None) -> dict[str, float]:
    from app.api.routes.decisions import answer_can_publish

    client = App(app, key)
    rows = ["person_id,person_name,election_id,party_name"]
    rows += [
        f"{i + 1},{c.name},parish.redruth.2025-05-01," for i, c in enumerate(_candidates(1_000))
    ]
    status, _, text = await client.call(
        "POST",
        "/v1/candidates/import",
        ((b"content-type", b"text/csv"),),
        "\n".join(rows).encode(),
    )
    assert status == 200, text[:300]  # noqa: S101 - the texts are screened against them
    status, headers, _ = await client.call("GET", CAN_PUBLISH)
    assert status == 200  # noqa: S101 - times a real answer
    etag = headers[b"etag"]
    post = json.dumps(
        {"at": "2025-04-10T12:00:00+01:00", "category": "event", "text": POST_TEXT}
    ).encode()
    json_type = (b"content-type", b"application/json")
    services = app.state.services
    _, _, query = CAN_PUBLISH.partition("?")
    at = query.removeprefix("at=").replace("%2B", "+")
    account = CAN_PUBLISH.split("/")[3]
    batch, batch_text = _checks(texts=False), _checks(texts=True)

    def in_process() -> None:
        answer_can_publish(
            services,
            account,
            authorization=f"Bearer {key}",
            if_none_match=None,
            at=at,
            category=None,
            client="127.0.0.1",
        )

    cases: dict[
        str, tuple[Callable[[], Coroutine[Any, Any, Any]] | Callable[[], None], int, int]
    ] = {
        # name: (one request, its expected status, decisions it makes)
        "can_publish": (lambda: client.call("GET", CAN_PUBLISH), 200, 1),
        "can_publish_304": (
            lambda: client.call("GET", CAN_PUBLISH, ((b"if-none-match", etag),)),
            304,
            1,
        ),
        "can_publish_post_text": (
            lambda: client.call("POST", CAN_PUBLISH_POST, (json_type,), post),
            200,
            1,
        ),
        "batch_1000": (
            lambda: client.call("POST", "/v1/decisions", (json_type,), batch),
            200,
            1000,
        ),
        "batch_1000_text": (
            lambda: client.call("POST", "/v1/decisions", (json_type,), batch_text),
            200,
            1000,
        ),
        "answer_can_publish": (in_process, 0, 1),
    }
    figures: dict[str, float] = {}
    for name, (one, expected, decisions) in cases.items():
        if profile is not None and name != profile:
            continue
        count = rounds[name]

        async def loop(one: Any = one, expected: int = expected, count: int = count) -> None:
            for _ in range(count):
                answer = one()
                if answer is not None:
                    status, _, body = await answer
                    assert status == expected, body[:300]  # noqa: S101 - times real answers

        await loop(count=max(1, count // 10))  # warm-up
        samples = []
        for _ in range(5):
            if profile is not None:
                profiler = cProfile.Profile()
                profiler.enable()
                await loop()
                profiler.disable()
                stats = pstats.Stats(profiler).strip_dirs().sort_stats("tottime")
                stats.print_stats(25)
                stats.sort_stats("cumulative").print_stats(30)
                return {}
            began = time.thread_time()
            await loop()
            samples.append((time.thread_time() - began) / count / decisions * 1e6)
        figures[f"hot_{name}_us"] = min(samples)
    return figures


def hot_path(quick: bool = False, profile: str | None = None) -> dict[str, float]:
    """
    Microseconds per request (the batch: per decision), the least of five loops, in CPU time
    of this thread: on a shared machine, time the other processes take is not counted.
    """
    from app.config import Settings
    from app.main import create_app

    scale = 5 if quick else 1
    rounds = {
        "can_publish": 4000 // scale,
        "can_publish_304": 4000 // scale,
        "can_publish_post_text": 2000 // scale,
        "batch_1000": 20 // scale,
        "batch_1000_text": 8 // scale,
        "answer_can_publish": 10000 // scale,
    }
    with tempfile.TemporaryDirectory() as folder:
        url, key = _seeded(Path(folder))
        app = create_app(
            Settings(database_url=url, access_log=False, snapshot_max_age=3600),
            refresh_in_background=False,
        )

        async def main() -> dict[str, float]:
            async with app.router.lifespan_context(app):
                return await _run(app, key, rounds, profile)

        return asyncio.run(main())


if __name__ == "__main__":
    from bench.__main__ import print_figures

    chosen = sys.argv[sys.argv.index("--profile") + 1] if "--profile" in sys.argv else None
    found = hot_path(quick="--quick" in sys.argv, profile=chosen)
    if found:
        print_figures(found)
