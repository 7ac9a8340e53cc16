"""
Ten thousand councils on one instance: a generator, and what the snapshot costs as N grows.

`generate(engine, n)` writes N realistic organisations straight into a migrated database:
principal areas of about 40 town and parish councils each, every council with its country,
its election scopes, 1 to 15 accounts, and the elections of 2021 to 2029 that affect it
(its own parish polls, its principal area's, its police area's PCC, the general election of
2024), so that windows overlap as they do in life. It is a benchmark fixture, not an audited
write: no audit events are made.

`bench_scale` measures, for N = 1, 100, 1,000 and 10,000 on PostgreSQL (SQLite if none):
the full snapshot build, the resident memory it adds, decide() p99 over random councils
(and the p99 of its first two reads alone: the council's snapshot and the account in it),
and the rebuild after one council's write.
"""

import dataclasses
import datetime as dt
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml
from sqlalchemy import Engine, create_engine, insert, text, update
from sqlalchemy.engine import make_url
from sqlmodel import col

from app.domain import (
    UTC,
    Account,
    AccountKind,
    AccountStatus,
    Category,
    ElectionRecord,
    Policy,
    decide,
    parse_election_id,
    restricted_periods,
)
from app.services.feeds import ensure_feed_events
from app.services.keys import create_key
from app.services.time_events import ROUND_LIMIT, run_time_events
from app.services.windows import add_manual_window
from app.store import load_policy
from app.store.engine import make_engine, upgrade
from app.store.keys import Role
from app.store.snapshots import SnapshotCache
from app.store.tables import AccountRow, ElectionRow, OrganisationRow, RestrictedPeriodRow
from app.store.unit_of_work import Actor, UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261124
COUNCILS_PER_AREA = 40
POLLS = (dt.date(2021, 5, 6), dt.date(2025, 5, 1), dt.date(2029, 5, 3))
PCC_POLLS = (dt.date(2021, 5, 6), dt.date(2024, 5, 2), dt.date(2028, 5, 4))
PASSES = 3  # timing passes of decide() p99, of which the median is printed
PLATFORMS = ("facebook", "x", "instagram", "linkedin", "youtube", "tiktok")


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _election_ids(council: str, area: str, police: str) -> list[str]:
    ids = ["parl.2024-07-04"]
    ids += [f"parish.{council}.{d}" for d in POLLS]
    ids += [f"local.{area}.{d}" for d in POLLS]
    ids += [f"pcc.{police}.{d}" for d in PCC_POLLS]
    return ids


def generate(engine: Engine, n: int) -> dict[str, Policy]:
    """Write N councils; return their policies (in memory: one template, N organisations)."""
    template = load_policy(ROOT / "policies" / "redruth.yaml")
    rng = random.Random(SEED + n)
    now = dt.datetime(2026, 11, 24, 12, tzinfo=UTC)
    periods_by_kind: dict[tuple[str, str], tuple[dt.datetime, dt.datetime, str, str]] = {}
    policies: dict[str, Policy] = {}
    organisations, accounts, elections, periods = [], [], [], []
    for i in range(n):
        area_number = i // COUNCILS_PER_AREA
        area, police = f"area-{area_number}", f"police-{area_number // 3}"
        council = f"council-{i}"
        people = tuple(
            Account(
                f"{PLATFORMS[j % len(PLATFORMS)]}-{council}-{j}",
                PLATFORMS[j % len(PLATFORMS)],
                f"Council {i} account {j}",
                AccountKind.PAGE,
                AccountStatus.ACTIVE,
            )
            for j in range(rng.randint(1, 15))
        )
        policy = dataclasses.replace(
            template,
            organisation_id=council,
            organisation_name=f"Council {i} Town Council",
            election_scopes=(
                "parl.",
                "ref.",
                f"pcc.{police}.",
                f"local.{area}.",
                f"parish.{council}.",
            ),
            accounts=people,
        )
        policies[council] = policy
        organisations.append(
            {"id": council, "name": policy.organisation_name, "country": "england",
             "policy_file": "generated", "data_version": 1, "created_at": now, "audit_events": 0}
        )  # fmt: skip
        accounts += [
            {"organisation_id": council, "id": a.account_id, "platform": a.platform, "name": a.name,
             "kind": str(a.kind), "status": str(a.status), "created_at": now, "updated_at": now}
            for a in people
        ]  # fmt: skip
        for election_id in _election_ids(council, area, police):
            ref = parse_election_id(election_id)
            key = (str(ref.kind), ref.poll_date.isoformat())
            if key not in periods_by_kind:
                (period,) = restricted_periods(
                    [ElectionRecord(ref)], rules=template.period_rules, country=template.country
                )
                periods_by_kind[key] = (
                    period.starts_at,
                    period.ends_at,
                    period.start_basis,
                    period.end_basis,
                )
            start, end, start_basis, end_basis = periods_by_kind[key]
            elections.append(
                {"organisation_id": council, "election_id": election_id, "kind": str(ref.kind),
                 "country": "england", "poll_date": ref.poll_date, "status": "scheduled",
                 "created_at": now, "updated_at": now}
            )  # fmt: skip
            periods.append(
                {"organisation_id": council, "election_id": election_id, "starts_at": start,
                 "ends_at": end, "start_basis": start_basis, "end_basis": end_basis, "estimated": False}
            )  # fmt: skip
    with engine.begin() as connection:
        for table, rows in (
            (OrganisationRow, organisations),
            (AccountRow, accounts),
            (ElectionRow, elections),
            (RestrictedPeriodRow, periods),
        ):
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[start : start + 5000])
    return policies


def write_policy_files(policies: dict[str, Policy], folder: Path, engine: Engine) -> None:
    """
    Give every generated council its own policy file, as a real deployment has (the server
    loads each council's policy from `PURDAH_POLICY_DIR`): Redruth's file with the council's
    id, name, election scopes and accounts.
    """
    template = yaml.safe_load((ROOT / "policies" / "redruth.yaml").read_text(encoding="utf-8"))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for council, policy in policies.items():
        document = dict(template)
        document["organisation"] = {
            **template["organisation"],
            "id": council,
            "name": policy.organisation_name,
            "election_scopes": list(policy.election_scopes),
        }
        document["accounts"] = [
            {"id": a.account_id, "platform": a.platform, "name": a.name, "kind": str(a.kind),
             "status": str(a.status)}
            for a in policy.accounts
        ]  # fmt: skip
        (folder / f"{council}.yaml").write_text(
            yaml.dump(document, Dumper=dumper), encoding="utf-8"
        )
    with engine.begin() as connection:
        connection.execute(
            # `||`, not concat(): SQLite has no concat() before 3.44 (tests use this too)
            update(OrganisationRow).values(policy_file=col(OrganisationRow.id) + ".yaml")
        )


# What issue 18 asks with 10,000 councils held, printed beside each figure (`bench.__main__`).
TARGETS = {
    "server_start_s_n10000": "<= 5",
    "ratio_decide_p99_n10000_to_n1": "<= 1.5",
    "ratio_can_publish_rps_n10000_to_n1": ">= 0.9",
}


def bench_scale_http(
    sizes: tuple[int, ...] = (1, 10_000), seconds: int = 5, repeats: int = 3
) -> dict[str, float]:
    """can-publish over HTTP (one worker on one core, wrk on the other) with N councils held."""
    from bench.http import _free_port, _run_wrk, _wrk, serve

    wrk = _wrk()
    figures: dict[str, float] = {}
    for n in sizes:
        with _database() as (url, _backend), tempfile.TemporaryDirectory() as folder:
            engine = make_engine(url)
            policies = generate(engine, n)
            write_policy_files(policies, Path(folder), engine)
            council = next(iter(policies))
            key = create_key(UnitOfWork(engine), council, Actor("bench", "operator"), role=Role.SCHEDULER,
                             name="bench", now=dt.datetime.now(UTC)).key  # fmt: skip
            account = policies[council].accounts[0].account_id
            # what the first start on a database from before feeds does once, timed apart
            began = time.perf_counter()
            ensure_feed_events(UnitOfWork(engine), Actor("bench", "system"), dt.datetime.now(UTC))
            figures[f"feeds_first_publish_s_n{n}"] = time.perf_counter() - began
            # and what its time-event scheduler does once: schedule every council's
            # announcements (60,000 for 10,000 councils). Left to the server, that ran during
            # the can-publish measurement, which then measured this one-off and not N.
            began = time.perf_counter()
            _schedule_time_events(engine, policies)
            figures[f"time_events_first_schedule_s_n{n}"] = time.perf_counter() - began
            engine.dispose()
            port = _free_port()
            began = time.perf_counter()
            server = serve(
                {"PURDAH_DATABASE_URL": url, "PURDAH_POLICY_DIR": folder}, port, core=0, seconds=600
            )
            try:
                base = f"http://127.0.0.1:{port}"
                figures[f"server_start_s_n{n}"] = time.perf_counter() - began
                # ready answers at once; the other councils are built in the background, a
                # one-off as the time events above are: timed, and waited for, so that what
                # follows measures a worker holding N councils
                _wait_until_built(base, seconds=600)
                figures[f"server_all_built_s_n{n}"] = time.perf_counter() - began
                path = f"{base}/v1/accounts/{account}/can-publish?at=2025-04-10T12:00:00%2B01:00"
                _run_wrk(wrk, path, key, 2)
                runs = [_run_wrk(wrk, path, key, seconds) for _ in range(repeats)]
                figures[f"can_publish_rps_c16_n{n}"] = statistics.median(r["rps"] for r in runs)
                figures[f"can_publish_p99_ms_c16_n{n}"] = statistics.median(
                    r["p99_ms"] for r in runs
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
    figures[f"ratio_can_publish_rps_n{sizes[-1]}_to_n{sizes[0]}"] = (
        figures[f"can_publish_rps_c16_n{sizes[-1]}"] / figures[f"can_publish_rps_c16_n{sizes[0]}"]
    )
    return figures


def _wait_until_built(base: str, seconds: float) -> None:
    """Until `/readyz` has no organisation pending (its snapshot not built yet)."""
    deadline = time.monotonic() + seconds
    while httpx.get(f"{base}/readyz", timeout=10).json()["organisations_pending"]:
        if time.monotonic() > deadline:
            msg = f"the councils were not all built within {seconds} s"
            raise RuntimeError(msg)
        time.sleep(0.2)


def _schedule_time_events(engine: Engine, policies: dict[str, Policy]) -> None:
    """The rounds a server's time-event scheduler runs at its first start, until none is full."""
    while True:
        done = run_time_events(engine, policies.get, now=dt.datetime.now(UTC))
        if done.sent < ROUND_LIMIT and done.scheduled < ROUND_LIMIT:
            return


@contextmanager
def _database() -> Iterator[tuple[str, str]]:
    """A fresh migrated database: PostgreSQL if reachable, else SQLite. Yields (url, backend)."""
    admin_url = os.environ.get(
        "PURDAH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    name = f"purdah_scale_{secrets.token_hex(4)}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no PostgreSQL: measure on SQLite and say so
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'scale.db'}"
            upgrade(url)
            yield url, "sqlite"
        return
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url, "postgresql"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


Query = tuple[str, str, dt.datetime]


def _queries(cache: SnapshotCache, policies: dict[str, Policy], samples: int) -> list[Query]:
    """Random councils, their accounts and instants of 2021 to 2029 (each council built)."""
    rng = random.Random(SEED)
    organisations = list(policies)
    start = dt.datetime(2021, 1, 1, tzinfo=UTC).timestamp()
    span = dt.datetime(2029, 12, 31, tzinfo=UTC).timestamp() - start
    queries = []
    for _ in range(samples):
        organisation = organisations[rng.randrange(len(organisations))]
        cache.snapshot(organisation)
        account = policies[organisation].accounts[
            rng.randrange(len(policies[organisation].accounts))
        ]
        at = dt.datetime.fromtimestamp(start + rng.random() * span, tz=UTC)
        queries.append((organisation, account.account_id, at))
    return queries


def _decide_p99_us(cache: SnapshotCache, queries: list[Query]) -> float:
    now = dt.datetime.now(UTC)
    clock = time.perf_counter_ns
    # the median of three passes over the same queries: one pass's p99 moved by half between
    # runs of the same code on this machine (an interrupt lands on 1% of such short calls)
    p99s = []
    for _ in range(PASSES):
        timings = []
        for organisation, account_id, at in queries:
            began = clock()
            decide(account_id, at, Category.GENERAL, cache.snapshot(organisation), now=now)
            timings.append(clock() - began)
        timings.sort()
        p99s.append(timings[int(0.99 * len(timings))] / 1000)
    return statistics.median(p99s)


def _lookup_p99_us(cache: SnapshotCache, queries: list[Query]) -> float:
    """
    p99 of the first two reads of every decision, finding the council's snapshot and the
    account in it, timed as `_decide_p99_us` times the whole: with many councils held, each
    object read is a cache miss, and these two alone set a floor under `decide()`'s p99.
    The two loops are written out, not shared through a callable: a call per sample would be
    timed too, and add more to these two reads than they cost with one council.
    """
    clock = time.perf_counter_ns
    p99s = []
    for _ in range(PASSES):
        timings = []
        for organisation, account_id, _at in queries:
            began = clock()
            cache.snapshot(organisation).accounts.get(account_id)
            timings.append(clock() - began)
        timings.sort()
        p99s.append(timings[int(0.99 * len(timings))] / 1000)
    return statistics.median(p99s)


def bench_scale(
    sizes: tuple[int, ...] = (1, 100, 1_000, 10_000), samples: int = 50_000
) -> dict[str, float]:
    figures: dict[str, float] = {}
    for n in sizes:
        with _database() as (url, backend):
            engine = make_engine(url)
            policies = generate(engine, n)
            cache = SnapshotCache(engine, lambda row, p=policies: p[row.id], max_age=3600)
            before = _rss_mib()
            began = time.perf_counter()
            assert cache.refresh(), cache.last_error  # noqa: S101 - the benchmark checks what it timed
            figures[f"snapshot_build_s_n{n}"] = time.perf_counter() - began
            figures[f"snapshot_rss_mib_n{n}"] = _rss_mib() - before
            queries = _queries(cache, policies, samples)
            figures[f"decide_p99_us_n{n}"] = _decide_p99_us(cache, queries)
            figures[f"lookup_p99_us_n{n}"] = _lookup_p99_us(cache, queries)
            rebuilds, polls, idle = [], [], []
            target = next(iter(policies))
            for k in range(5):
                when = dt.datetime(2027, 1, 10, tzinfo=UTC) + dt.timedelta(days=3 * k)
                add_manual_window(UnitOfWork(engine), policies[target], Actor("bench", "clerk"), starts_at=when,
                    ends_at=when + dt.timedelta(days=1), reason="bench", account_ids=None, now=when,
                )  # fmt: skip
                began = time.perf_counter()
                cache.refresh(target)  # what the writing process does after its commit
                rebuilds.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                # this process's next poll: nothing new but its own write, which moved the
                # versions' digest on PostgreSQL, so it reads every version once
                cache.refresh()
                polls.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                cache.refresh()  # every poll after it while nothing changes
                idle.append((time.perf_counter() - began) * 1000)
            figures[f"one_org_rebuild_ms_n{n}"] = statistics.median(rebuilds)
            figures[f"version_poll_ms_n{n}"] = statistics.median(polls)
            figures[f"version_poll_idle_ms_n{n}"] = statistics.median(idle)
            figures[f"scale_backend_is_postgres_n{n}"] = float(backend == "postgresql")
            engine.dispose()
    base = figures[f"decide_p99_us_n{sizes[0]}"]
    figures[f"ratio_decide_p99_n{sizes[-1]}_to_n{sizes[0]}"] = (
        figures[f"decide_p99_us_n{sizes[-1]}"] / base
    )
    # how much of the 1.5 asked the two lookups alone take with N councils held
    figures[f"ratio_lookup_p99_n{sizes[-1]}_to_decide_p99_n{sizes[0]}"] = (
        figures[f"lookup_p99_us_n{sizes[-1]}"] / base
    )
    return figures


if __name__ == "__main__":
    import sys

    from bench.__main__ import print_figures

    if "--http" in sys.argv:  # the server with 1 and 10,000 councils: start, can-publish
        print_figures(bench_scale_http(sizes=(1, 10_000), seconds=10, repeats=3))
    else:
        print_figures(
            bench_scale(sizes=(1, 10_000) if "--two" in sys.argv else (1, 100, 1_000, 10_000))
        )
