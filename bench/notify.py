"""
The national poll case: N councils' windows start at the same instant, one webhook each.

`bench_notify` writes N generated councils (`bench.scale.generate`), gives each a window
starting at one instant T and one `window.started` subscription to a local receiver, works
out every council's schedule before T (timed apart), then runs what one replica runs, on a
clock that reaches T when timing starts: the time-event scheduler's rounds in one thread and
the webhook sender's in another (as `app.main` runs them). It prints the time from T until
the receiver has the last delivery, the deliveries per second, and the duplicates (by
`webhook-id`): the target is all N within 60 s with none twice.

Run alone: `python -m bench.notify [N]` (10,000 by default).
"""

import base64
import datetime as dt
import http.server
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, insert

from app.domain import UTC, Policy
from app.services.time_events import ROUND_LIMIT, run_time_events
from app.services.webhook_delivery import DeliveryPolicy, deliver_due
from app.store.engine import make_engine
from app.store.tables import ManualWindowRow, WebhookRow
from bench.scale import _database, generate

T = dt.datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
TARGET_S = 60.0


@contextmanager
def _receiver() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP receiver: its URL, and the `webhook-id` of every POST it got."""
    got: list[str] = []
    lock = threading.Lock()

    class _Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                got.append(self.headers.get("webhook-id", ""))
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
            pass

    class _Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # the default 5 resets connections a sender opens at once

    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()
        server.server_close()


def _windows_and_hooks(engine: Engine, councils: list[str], url: str) -> None:
    """One manual window from T and one `window.started` subscription per council."""
    made = dt.datetime(2027, 2, 1, tzinfo=UTC)
    windows = [
        {"id": f"mw-{i:06d}", "organisation_id": c, "starts_at": T, "ends_at": T + dt.timedelta(days=2),
         "reason": "national poll", "account_ids": None, "created_by": "bench", "created_at": made}
        for i, c in enumerate(councils)
    ]  # fmt: skip
    hooks = [
        {"id": f"wh-{uuid.uuid4().hex[:12]}", "organisation_id": c, "url": url,
         "events": ["window.started"], "format": "standard",
         "secret": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(), "created_by": "bench", "created_at": made}
        for c in councils
    ]  # fmt: skip
    with engine.begin() as connection:
        for table, rows in ((ManualWindowRow, windows), (WebhookRow, hooks)):
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[start : start + 5000])


def _until_quiet(step: Callable[[], int], limit: int) -> None:
    while step() >= limit:
        pass


def bench_notify(n: int = 10_000) -> dict[str, float]:
    """Time the announcement of N windows starting at one instant (see the module)."""
    figures: dict[str, float] = {}
    with _database() as (url, backend), _receiver() as (hook_url, got):
        engine = make_engine(url)
        policies: dict[str, Policy] = generate(engine, n)
        _windows_and_hooks(engine, list(policies), hook_url)

        def policy_of(organisation_id: str) -> Policy | None:
            return policies.get(organisation_id)

        began = time.perf_counter()
        before = T - dt.timedelta(hours=1)
        _until_quiet(lambda: run_time_events(engine, policy_of, now=before).scheduled, ROUND_LIMIT)
        figures[f"notify_schedule_s_n{n}"] = time.perf_counter() - began

        # from here the clock reaches T as timing starts, and runs on in real time
        t0 = time.perf_counter()

        def clock() -> dt.datetime:
            return T + dt.timedelta(seconds=time.perf_counter() - t0)

        policy = DeliveryPolicy(timeout=5.0, allow_private=True)
        done = threading.Event()
        last: list[float] = []

        def scheduler() -> None:
            while not done.is_set():
                if run_time_events(engine, policy_of, now=clock()).sent < ROUND_LIMIT:
                    time.sleep(0.05)

        def sender() -> None:
            while not done.is_set():
                if len(deliver_due(engine, now=clock, policy=policy)) < policy.batch:
                    time.sleep(0.05)
                if len(got) >= n and not last:
                    last.append(time.perf_counter() - t0)
                    done.set()

        threads = [threading.Thread(target=scheduler), threading.Thread(target=sender)]
        for thread in threads:
            thread.start()
        done.wait(timeout=300)
        done.set()
        for thread in threads:
            thread.join(timeout=60)
        engine.dispose()
        elapsed = last[0] if last else float("inf")
        figures[f"notify_last_delivery_s_n{n}"] = elapsed
        figures[f"notify_deliveries_per_s_n{n}"] = len(got) / elapsed if last else 0.0
        figures[f"notify_duplicates_n{n}"] = float(len(got) - len(set(got)))
        figures[f"notify_delivered_n{n}"] = float(len(got))
        print(
            f"notify ({backend}): {len(got):,} of {n:,} delivered, the last "
            f"{elapsed:.1f} s after the instant (target {TARGET_S:.0f} s), "
            f"{figures[f'notify_deliveries_per_s_n{n}']:.0f}/s, "
            f"{len(got) - len(set(got))} duplicates; schedules worked out in "
            f"{figures[f'notify_schedule_s_n{n}']:.1f} s beforehand"
        )
    return figures


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for name, value in bench_notify(count).items():
        print(f"{name}  {value:.3f}")
