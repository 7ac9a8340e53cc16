"""
The Clerk's console pages: p50 and p95 of each page, against the 50 ms p95 target (issue 17),
with 10,000 audit events and 200 restriction windows.

A seeded SQLite database gets manual windows until the snapshot holds 200 windows, 10,000
audit events of the signed-in Clerk's (the chain the service writes, inserted in bulk),
20 pending requests, 10 feed links and 10 keys; the pages are fetched through the app in
process (Starlette's TestClient: no network), signed in as the Clerk, each page `repeats`
times after a warm-up. The audit chain's verification walks every event, on demand, so it
is timed apart from the pages.

Run alone: `.venv/bin/python -m bench.console [--quick]`.
"""

import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.api.deps import Services
from app.calendars import read_election_calendar
from app.config import Settings
from app.domain import UTC
from app.main import create_app
from app.services.feeds import create_feed_token
from app.services.keys import create_key
from app.services.organisations import seed
from app.services.requests import create_request
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.engine import make_engine, upgrade
from app.store.keys import Role
from app.store.unit_of_work import Actor, UnitOfWork

from .audit import _fill

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 50.0
PERSON = "Jane Trelawny"
PAGES = {
    "now": "/console",
    "calendar": "/console/calendar",
    "accounts": "/console/accounts",
    "overrides": "/console/overrides",
    "requests": "/console/requests",
    "audit": "/console/audit",
    "audit_everyone": "/console/audit?who=all",
    "audit_filtered": "/console/audit?who=all&action=window.create&from=1/1/2027&to=31/12/2027",
    "audit_account": "/console/audit?who=all&account=facebook-redruthtowncouncil",
    "audit_page_100": "/console/audit?who=all&before=5000",
    "access": "/console/access",
}


def _seeded(folder: Path) -> tuple[str, str]:
    """A seeded database: (its URL, a named Clerk's key)."""
    url = f"sqlite:///{folder / 'console.db'}"
    upgrade(url)
    engine = make_engine(url)
    policy = load_policy(ROOT / "policies" / "redruth.yaml")
    now = dt.datetime.now(UTC).replace(microsecond=0)
    seed(UnitOfWork(engine), policy, read_election_calendar(ROOT / "calendars" / "redruth.ics"),
         policy_file="redruth.yaml", now=now)  # fmt: skip
    made = create_key(UnitOfWork(engine), "redruth", Actor("bench", "operator"), role=Role.CLERK,
                      name="bench", person=PERSON, now=now)  # fmt: skip
    engine.dispose()
    return url, made.key


def _fill_up(services: Services, key_id: str, windows: int, events: int) -> None:
    """Manual windows until the snapshot holds `windows`, requests, links, keys, and events."""
    uow, now = services.uow, services.clock()
    policy = services.policy("redruth")
    actor = Actor(f"{PERSON} ({key_id})", "clerk")
    scheduler = create_key(uow, "redruth", Actor("bench", "operator"), role=Role.SCHEDULER,
                           name="scheduler", now=now)  # fmt: skip
    have = len(services.cache.snapshot("redruth").windows)
    first = dt.datetime(2040, 1, 1, tzinfo=UTC)  # after the shipped elections; a fortnight apart
    for i in range(max(0, windows - have)):
        start = first + dt.timedelta(days=14 * i)
        add_manual_window(uow, policy, actor, starts_at=start, ends_at=start + dt.timedelta(days=7),
                          reason=f"bench window {i}", account_ids=None, now=now)  # fmt: skip
    for i in range(20):
        create_request(uow, policy, Actor(f"scheduler ({scheduler.key_id})", "scheduler"),
                       scheduler.key_id, account_id="facebook-redruthtowncouncil",
                       at=dt.datetime(2029, 4, 10, 8, tzinfo=UTC) + dt.timedelta(hours=i),
                       category="event", text=f"Street fair, stall {i}: Fore Street, 10am.",
                       now=now)  # fmt: skip
    for i in range(10):
        create_feed_token(uow, "redruth", actor, name=f"team {i}", account_id=None, now=now)
        create_key(uow, "redruth", actor, role=Role.VIEWER, name=f"reader {i}", now=now)
    _fill(services.engine, events, actor=actor.name)
    services.cache.refresh()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_console(
    windows: int = 200, events: int = 10_000, repeats: int = 200, warmup: int = 10
) -> dict[str, float]:
    """Each console page's p50 and p95 in milliseconds, and one full verification."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        url, key = _seeded(Path(folder))
        settings = Settings(
            database_url=url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars",
            gc_freeze=False,
        )  # fmt: skip
        app = create_app(settings)  # refreshed in the background, as served
        with TestClient(app) as client:
            services = app.state.services
            _fill_up(services, key.split("_")[1], windows, events)
            held = len(services.cache.snapshot("redruth").windows)
            form = client.get("/console/sign-in").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token is not None  # noqa: S101 - the benchmark checks its own set-up
            signed = client.post(
                "/console/sign-in",
                data={"key": key, "csrf_token": token.group(1)},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text  # noqa: S101
            for name, path in PAGES.items():
                for _ in range(warmup):
                    answer = client.get(path)
                    assert answer.status_code == 200, (path, answer.status_code)  # noqa: S101
                timings = []
                for _ in range(repeats):
                    began = time.perf_counter()
                    client.get(path)
                    timings.append((time.perf_counter() - began) * 1000)
                figures[f"console_{name}_p50_ms"] = _percentile(timings, 0.5)
                figures[f"console_{name}_p95_ms"] = _percentile(timings, 0.95)
            began = time.perf_counter()
            verified = client.get("/console/audit/verify")
            figures["console_audit_verify_ms"] = (time.perf_counter() - began) * 1000
            assert "The log is intact" in verified.text, verified.text[:2000]  # noqa: S101
        figures["console_windows"] = float(held)
        figures["console_audit_events"] = float(events)
    return figures


def report(figures: dict[str, float]) -> str:
    """The pages against the target, one line each."""
    lines = [
        f"console pages, {figures['console_windows']:.0f} windows, "
        f"{figures['console_audit_events']:.0f} extra audit events (target p95 < {TARGET_P95_MS:.0f} ms):"
    ]
    for name in PAGES:
        p50, p95 = figures[f"console_{name}_p50_ms"], figures[f"console_{name}_p95_ms"]
        verdict = "ok" if p95 < TARGET_P95_MS else "MISSES"
        lines.append(f"  {name:<16} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  {verdict}")
    lines.append(f"  verify the log (on demand): {figures['console_audit_verify_ms']:.0f} ms")
    return "\n".join(lines)


def main() -> int:
    quick = "--quick" in sys.argv
    figures = bench_console(events=2_000, repeats=30, warmup=3) if quick else bench_console()
    print(report(figures))
    return 0 if all(figures[f"console_{name}_p95_ms"] < TARGET_P95_MS for name in PAGES) else 1


if __name__ == "__main__":
    sys.exit(main())
