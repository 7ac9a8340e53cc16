"""
Calendar benchmarks: building the ICS feed for ten years of windows, answering a calendar's
repeat fetch with 304 on a real server, and importing a 5,000-event ICS file.

Ten years of windows: Redruth as seeded, plus a by-election in one of its wards every quarter
from 2027 to 2036 (40 more windows), as a busy council would see.
"""

import datetime as dt
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from app.calendars import read_election_calendar, read_ics
from app.calendars.feed import render_feed
from app.domain import LONDON, UTC
from app.services.feeds import create_feed_token
from app.services.imports import import_elections
from app.services.organisations import seed
from app.store import load_policy
from app.store.engine import make_engine, upgrade
from app.store.feed_events import ORGANISATION_SCOPE, feed_events
from app.store.unit_of_work import Actor, UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 24, 12, tzinfo=UTC)
ACTOR = Actor("bench (clerk)", "clerk")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _quarterly_by_elections() -> list[str]:
    ids = []
    day = dt.date(2027, 2, 4)  # a Thursday
    for i in range(40):
        ids.append(f"parish.redruth.ward-{i % 6}.by.{day.isoformat()}")
        day += dt.timedelta(weeks=13)
    return ids


def _ics(ids: list[str], meetings: int) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for i, election_id in enumerate(ids):
        day = election_id[-10:].replace("-", "")
        lines += [
            "BEGIN:VEVENT", f"UID:election-{i}@bench", "DTSTAMP:20261124T120000Z",
            f"DTSTART;VALUE=DATE:{day}", f"SUMMARY:By-election {i}",
            f"X-PURDAH-ELECTION-ID:{election_id}", "END:VEVENT",
        ]  # fmt: skip
    start = dt.datetime(2027, 1, 4, 19, 0, tzinfo=LONDON)
    for i in range(meetings):
        when = start + dt.timedelta(days=i // 3, hours=i % 3)
        lines += [
            "BEGIN:VEVENT", f"UID:meeting-{i}@bench", "DTSTAMP:20261124T120000Z",
            f"DTSTART;TZID=Europe/London:{when:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/London:{when + dt.timedelta(hours=1):%Y%m%dT%H%M%S}",
            f"SUMMARY:Committee meeting {i}", "LOCATION:Council Chamber\\, Alma Place", "END:VEVENT",
        ]  # fmt: skip
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _seeded(folder: Path) -> tuple[str, object]:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    policy = load_policy(ROOT / "policies" / "redruth.yaml")
    seed(UnitOfWork(engine), policy, read_election_calendar(ROOT / "calendars" / "redruth.ics"),
         policy_file="redruth.yaml", now=NOW)  # fmt: skip
    return url, engine


def bench_feed_render(repeats: int = 200) -> dict[str, float]:
    """Building the feed's bytes from its events, uncached, as the first fetch after a change does."""
    with tempfile.TemporaryDirectory() as folder:
        _url, engine = _seeded(Path(folder))
        policy = load_policy(ROOT / "policies" / "redruth.yaml")
        entries = read_ics(_ics(_quarterly_by_elections(), 0), max_events=10_000)
        import_elections(
            UnitOfWork(engine), policy, ACTOR, entries, source="bench", kind=None, now=NOW
        )  # type: ignore[arg-type]
        events = feed_events(engine, "redruth", ORGANISATION_SCOPE)  # type: ignore[arg-type]
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            body = render_feed(
                events,
                policy=policy,
                calendar_name="Redruth Town Council: pre-election periods",
                account_id=None,
                window_url=lambda w: f"http://127.0.0.1/v1/windows?from={w.starts_at.isoformat()}",
                check_url="http://127.0.0.1/v1/accounts/{account_id}/can-publish",
                companions=True,
            )
            timings.append((time.perf_counter() - start) * 1000)
        engine.dispose()  # type: ignore[attr-defined]
    return {
        "feed_windows": float(len(events)),
        "feed_bytes": float(len(body)),
        "feed_render_p50_ms": statistics.median(timings),
        "feed_render_p99_ms": _percentile(timings, 0.99),
    }


def bench_feed_http(requests: int = 2000) -> dict[str, float]:
    """A real `purdah serve`: a calendar's fetch of the token URL, full and with If-None-Match."""
    with tempfile.TemporaryDirectory() as folder:
        url, engine = _seeded(Path(folder))
        policy = load_policy(ROOT / "policies" / "redruth.yaml")
        entries = read_ics(_ics(_quarterly_by_elections(), 0), max_events=10_000)
        import_elections(
            UnitOfWork(engine), policy, ACTOR, entries, source="bench", kind=None, now=NOW
        )  # type: ignore[arg-type]
        token = create_feed_token(
            UnitOfWork(engine), "redruth", ACTOR, name="bench", account_id=None, now=NOW
        )  # type: ignore[arg-type]
        engine.dispose()  # type: ignore[attr-defined]
        port = 18_731
        env = {
            **os.environ,
            "PURDAH_DATABASE_URL": url,
            "PURDAH_PORT": str(port),
            "PURDAH_ACCESS_LOG": "false",
        }
        log = Path(folder) / "server.log"
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "purdah"), "serve"],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(timeout=5) as client:
                for _ in range(100):
                    try:
                        if client.get(f"{base}/readyz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                feed_url = f"{base}/v1/feeds/{token.token}.ics"
                first = client.get(feed_url)
                etag = first.headers["etag"]
                full, cached = [], []
                for _ in range(200):  # warm-up
                    client.get(feed_url, headers={"If-None-Match": etag})
                for _ in range(requests):
                    start = time.perf_counter()
                    response = client.get(feed_url)
                    full.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200  # noqa: S101 - a benchmark of the right answer
                    start = time.perf_counter()
                    response = client.get(feed_url, headers={"If-None-Match": etag})
                    cached.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 304  # noqa: S101 - a benchmark of the right answer
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {
        "feed_http_200_p50_ms": statistics.median(full),
        "feed_http_200_p99_ms": _percentile(full, 0.99),
        "feed_http_304_p50_ms": statistics.median(cached),
        "feed_http_304_p99_ms": _percentile(cached, 0.99),
    }


def bench_import(events: int = 5000, elections: int = 40) -> dict[str, float]:
    """Importing a 5,000-event ICS file (a council's year of meetings with its elections), committed."""
    ids = _quarterly_by_elections()[:elections]
    data = _ics(ids, events - len(ids))
    with tempfile.TemporaryDirectory() as folder:
        _, engine = _seeded(Path(folder))
        policy = load_policy(ROOT / "policies" / "redruth.yaml")
        start = time.perf_counter()
        entries = read_ics(data, max_events=10_000)
        parsed = time.perf_counter()
        report = import_elections(
            UnitOfWork(engine), policy, ACTOR, entries, source="bench", kind=None, now=NOW
        )  # type: ignore[arg-type]
        done = time.perf_counter()
        assert len(report.created) == len(ids), report.rejected[:3]  # noqa: S101 - checks the fixture
        engine.dispose()  # type: ignore[attr-defined]
    return {
        "import_events": float(events),
        "import_bytes": float(len(data)),
        "import_parse_s": parsed - start,
        "import_total_s": done - start,
    }
