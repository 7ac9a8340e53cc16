"""
`make bench`: time decide() and timetable computation, print a table, save the figures.

decide() is timed call by call with perf_counter_ns, less the timer's own cost (measured
in the same run), for an organisation with 200 windows, 20 accounts and 50 overrides, and
for 5 to 2,000 windows to show that the cost does not grow with them (a bisect, not a scan).
"""

import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from app.domain import (
    UTC,
    Account,
    AccountKind,
    AccountStatus,
    Category,
    ElectionRecord,
    ManualWindow,
    Override,
    build_snapshot,
    compute_timetable,
    decide,
    parse_election_id,
    restricted_periods,
)
from app.store import load_policy

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 200_000
SEED = 20261124


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def _timer_overhead_ns() -> float:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(50_000):
        start = clock()
        samples.append(clock() - start)
    return statistics.median(samples)


def _organisation(windows: int, accounts: int, overrides: int):  # type: ignore[no-untyped-def]
    base = load_policy(ROOT / "policies" / "redruth.yaml")
    people = tuple(
        Account(
            f"account-{i:02d}", "facebook", f"Account {i}", AccountKind.PAGE, AccountStatus.ACTIVE
        )
        for i in range(accounts)
    )
    first_poll = dt.date(2020, 1, 2)  # a Thursday; by-elections eight weeks apart never merge
    records = [
        ElectionRecord(
            parse_election_id(
                f"parish.redruth.ward-{i}.by.{first_poll + dt.timedelta(weeks=8 * i)}"
            )
        )
        for i in range(windows)
    ]
    periods = restricted_periods(
        records, rules=base.period_rules, country=base.country, affects=base.affects
    )
    rng = random.Random(SEED)
    grants = []
    for i in range(overrides):
        period = periods[rng.randrange(len(periods))]
        start = period.starts_at + dt.timedelta(days=rng.randrange(20))
        grants.append(
            Override(
                f"o-{i}",
                people[i % accounts].account_id,
                start,
                start + dt.timedelta(days=3),
                "bench",
                anchors=frozenset({f"election:{period.election_id}"}),
            )
        )
    snapshot = build_snapshot(base, accounts=people, periods=periods, overrides=grants)
    span = (
        periods[0].starts_at - dt.timedelta(days=30),
        periods[-1].ends_at + dt.timedelta(days=30),
    )
    return snapshot, people, span


def bench_decide(windows: int = 50, accounts: int = 20, overrides: int = 10) -> dict[str, float]:
    snapshot, people, (lo, hi) = _organisation(windows, accounts, overrides)
    assert len(snapshot.windows) == windows, len(snapshot.windows)  # noqa: S101 - checks the fixture, not the code
    rng = random.Random(SEED)
    seconds = (hi - lo).total_seconds()
    categories = list(Category)
    queries = [
        (
            people[rng.randrange(accounts)].account_id,
            lo + dt.timedelta(seconds=rng.random() * seconds),
            categories[rng.randrange(len(categories))],
        )
        for _ in range(SAMPLES)
    ]
    now = dt.datetime.now(UTC)
    clock = time.perf_counter_ns
    for account_id, at, category in queries[:20_000]:  # warm-up
        decide(account_id, at, category, snapshot, now=now)
    overhead = _timer_overhead_ns()
    timings = []
    for account_id, at, category in queries:
        start = clock()
        decide(account_id, at, category, snapshot, now=now)
        timings.append(clock() - start - overhead)
    timings.sort()
    return {
        "decide_p50_us": _percentile(timings, 0.50) / 1000,
        "decide_p99_us": _percentile(timings, 0.99) / 1000,
        "decide_mean_us": statistics.fmean(timings) / 1000,
        "timer_overhead_ns": overhead,
    }


def _decide_percentiles_us(
    snapshot: Any, queries: list[tuple[str, dt.datetime]], overhead: float
) -> tuple[float, float]:
    """p50 and p99 of decide() over `queries`, one timing each, less the timer's own cost."""
    now = dt.datetime.now(UTC)
    clock = time.perf_counter_ns
    timings = []
    for account_id, at in queries:
        began = clock()
        decide(account_id, at, Category.GENERAL, snapshot, now=now)
        timings.append(clock() - began - overhead)
    timings.sort()
    return _percentile(timings, 0.50) / 1000, _percentile(timings, 0.99) / 1000


def bench_decide_flat(
    sizes: tuple[int, ...] = (5, 200, 2000), samples: int = 100_000
) -> dict[str, float]:
    """decide() p99 as the number of windows grows: one-day manual windows two days apart."""
    base = load_policy(ROOT / "policies" / "redruth.yaml")
    people = tuple(
        Account(
            f"account-{i:02d}", "facebook", f"Account {i}", AccountKind.PAGE, AccountStatus.ACTIVE
        )
        for i in range(20)
    )
    figures: dict[str, float] = {}
    start = dt.datetime(2030, 1, 1, tzinfo=UTC)
    overhead = _timer_overhead_ns()
    for size in sizes:
        manual = [
            ManualWindow(
                f"mw-{i}",
                start + dt.timedelta(days=2 * i),
                start + dt.timedelta(days=2 * i + 1),
                "bench",
            )
            for i in range(size)
        ]
        snapshot = build_snapshot(base, accounts=people, periods=(), manual_windows=manual)
        rng = random.Random(SEED)
        span = (2 * size + 2) * 86_400
        queries = [
            (
                people[rng.randrange(20)].account_id,
                start + dt.timedelta(seconds=rng.random() * span),
            )
            for _ in range(samples)
        ]
        for account_id, at in queries[:10_000]:  # warm-up
            decide(account_id, at, Category.GENERAL, snapshot, now=start)
        p50, p99 = _decide_percentiles_us(snapshot, queries, overhead)
        figures[f"decide_p50_us_w{size}"], figures[f"decide_p99_us_w{size}"] = p50, p99
        if size == sizes[-1]:
            # The same snapshot asked only about a stretch of 5 windows (10 days), as a council's
            # scheduler asks about the coming days: the data stays in the CPU's caches. If this
            # matches w5, what grows with random instants is memory latency, not the lookup.
            middle = start + dt.timedelta(days=size)
            hot = [
                (a, middle + dt.timedelta(seconds=rng.random() * 10 * 86_400)) for a, _ in queries
            ]
            p50, p99 = _decide_percentiles_us(snapshot, hot, overhead)
            figures[f"decide_p50_us_w{size}_recent"] = p50
            figures[f"decide_p99_us_w{size}_recent"] = p99
    figures["ratio_decide_p99_w2000_to_w5"] = (
        figures[f"decide_p99_us_w{sizes[-1]}"] / figures[f"decide_p99_us_w{sizes[0]}"]
    )
    figures["ratio_decide_p99_w2000_recent_to_w5"] = (
        figures[f"decide_p99_us_w{sizes[-1]}_recent"] / figures[f"decide_p99_us_w{sizes[0]}"]
    )
    return figures


def bench_timetable(repeats: int = 2000) -> dict[str, float]:
    ids = [
        "parish.redruth.2029-05-03",
        "local.cornwall.2025-05-01",
        "parl.2024-07-04",
        "pcc.devon-and-cornwall.2024-05-02",
    ]
    refs = [parse_election_id(i) for i in ids]
    timings = []
    from app.domain import Country

    for i in range(repeats):
        ref = refs[i % len(refs)]
        start = time.perf_counter_ns()
        compute_timetable(ref, country=Country.ENGLAND)
        timings.append(time.perf_counter_ns() - start)
    timings.sort()
    return {
        "timetable_p50_us": _percentile(timings, 0.50) / 1000,
        "timetable_p99_us": _percentile(timings, 0.99) / 1000,
    }


def targets() -> dict[str, str]:
    """The target of each figure that has one (issue 18's and the earlier ones)."""
    from bench.http import TARGETS as HTTP
    from bench.scale import TARGETS as SCALE

    return {**HTTP, **SCALE}


def print_figures(figures: dict[str, float]) -> None:
    """The figures as a table, each with its target where it has one."""
    wanted = targets()
    width = max(len(k) for k in figures)
    print(f"{'figure':<{width}}  {'value':>12}  target")
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:12.3f}  {wanted.get(name, '')}".rstrip())


def main() -> int:
    quick = "--quick" in sys.argv
    figures: dict[str, float] = {}
    # the organisation: 200 windows, 20 accounts, 50 overrides
    figures.update(bench_decide(windows=200, accounts=20, overrides=50))
    figures.update(bench_decide_flat(samples=20_000 if quick else 100_000))
    from bench.cedar import bench_cedar

    figures.update(bench_cedar(cases=20_000))
    figures.update(bench_timetable())
    from bench.screening import bench_screening

    figures.update(bench_screening(samples=6_000 if quick else 30_000))
    from bench.audit import bench_audit
    from bench.http import bench_http

    figures.update(bench_audit(events=20_000, writes=50) if quick else bench_audit())

    figures.update(bench_http(duration=3, repeats=1, warmup=1) if quick else bench_http())
    from bench.feeds import bench_feed_http, bench_feed_render, bench_import

    figures.update(bench_feed_render(repeats=50 if quick else 200))
    figures.update(bench_feed_http(requests=300 if quick else 2000))
    figures.update(bench_import())
    from bench.zones import bench_import_bomb

    figures.update(bench_import_bomb(repeats=10 if quick else 50))
    from bench.scale import bench_scale

    figures.update(bench_scale(sizes=(1, 100) if quick else (1, 100, 1_000, 10_000)))
    from bench.scale import bench_scale_http

    figures.update(
        bench_scale_http(sizes=(1, 100), seconds=2, repeats=1)
        if quick
        else bench_scale_http(sizes=(1, 10_000), seconds=10, repeats=3)
    )
    from bench.notify import bench_notify

    figures.update(bench_notify(1_000 if quick else 10_000))
    from bench.replicas import bench_replicas

    figures.update(bench_replicas(writes=10 if quick else 30))
    from bench.console import bench_console, report

    # the Clerk's console, each page (issue 17: p95 < 50 ms with 10,000 events, 200 windows)
    console = bench_console(events=2_000, repeats=30, warmup=3) if quick else bench_console()
    figures.update(console)
    print(report(console))
    print_figures(figures)
    out = ROOT / "var" / "bench" / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
