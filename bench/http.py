"""
HTTP benchmark: can-publish against the bare /healthz of the same server, in the same run.

The server is `purdah serve` (one uvicorn worker, access log off) on a seeded SQLite database,
pinned to core 0; wrk (Debian's package, installed when missing) runs on core 1 with 16
connections. Each endpoint gets a warm-up, then `duration` seconds, three times; the median
of each figure is reported, and the ratio of throughputs within the run.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PURDAH = str(ROOT / ".venv" / "bin" / "purdah")
CONNECTIONS = 16
CAN_PUBLISH = "/v1/accounts/facebook-redruthtowncouncil/can-publish?at=2025-04-10T12:00:00%2B01:00"


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's package", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)  # noqa: S607 - Debian's apt
    return shutil.which("wrk") or "wrk"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pin(core: int) -> list[str]:
    return (
        ["taskset", "-c", str(core)]
        if shutil.which("taskset") and (os.cpu_count() or 1) > 1
        else []
    )


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        msg = f"cannot read wrk's latency {text!r}"
        raise ValueError(msg)
    return float(match.group(1)) * _UNITS[match.group(2)]


def _run_wrk(
    wrk: str, url: str, key: str, seconds: int, extra: tuple[str, ...] = ()
) -> dict[str, float]:
    headers = [item for header in extra for item in ("-H", header)]
    command = [
        *_pin(1), wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
        "-H", f"Authorization: Bearer {key}", *headers, url,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Latency Distribution" not in out:
        msg = f"wrk gave no latency distribution for {url}:\n{out}"
        raise RuntimeError(msg)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        msg = f"{url}: {errors.group(1)} non-2xx answers:\n{out}"
        raise RuntimeError(msg)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99}


def serve(
    env: dict[str, str],
    port: int,
    *,
    core: int | None = None,
    log: Path | None = None,
    seconds: float = 30,
) -> subprocess.Popen[bytes]:
    """
    Start `purdah serve` with `env` (over os.environ) on `port`, and wait for `/readyz`.

    Raises:
        RuntimeError: it exited, or was not ready within `seconds` (it is stopped).
    """
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [*(_pin(core) if core is not None else []), PURDAH, "serve"],
        env={**os.environ, "PURDAH_PORT": str(port), "PURDAH_ACCESS_LOG": "false", **env},
        stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.terminate()
    msg = f"purdah serve on port {port} did not become ready" + (f" ({log})" if log else "")
    raise RuntimeError(msg)


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "PURDAH_DATABASE_URL": url, "PURDAH_ACCESS_LOG": "false"}
    subprocess.run([PURDAH, "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run(
        [PURDAH, "seed"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = _free_port()
    return serve(env, port, core=0), port, key


def bench_http(duration: int = 10, repeats: int = 3, warmup: int = 2) -> dict[str, float]:
    wrk = _wrk()
    with tempfile.TemporaryDirectory() as folder:
        server, port, key = _serve(Path(folder))
        try:
            base = f"http://127.0.0.1:{port}"
            answer = httpx.get(base + CAN_PUBLISH, headers={"Authorization": f"Bearer {key}"})
            decision = answer.json()
            assert decision["outcome"] == "deny", decision  # noqa: S101 - the benchmark asks the real question
            revalidate = (f"If-None-Match: {answer.headers['etag']}",)
            repeat = httpx.get(
                base + CAN_PUBLISH,
                headers={"Authorization": f"Bearer {key}", "If-None-Match": answer.headers["etag"]},
            )
            assert repeat.status_code == 304, repeat.status_code  # noqa: S101 - a 304 is what is timed
            plan = (
                ("can_publish", CAN_PUBLISH, ()),
                ("healthz", "/healthz", ()),
                ("can_publish_304", CAN_PUBLISH, revalidate),
            )
            runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in plan}
            for _, path, extra in plan:
                _run_wrk(wrk, base + path, key, warmup, extra)
            for _ in range(repeats):
                for name, path, extra in plan:
                    runs[name].append(_run_wrk(wrk, base + path, key, duration, extra))
            batch = _time_batch(base, key)
        finally:
            server.terminate()
            server.wait(timeout=10)
    figures: dict[str, float] = {}
    for name, results in runs.items():
        figures[f"{name}_rps_c16"] = statistics.median(r["rps"] for r in results)
        figures[f"{name}_p50_ms_c16"] = statistics.median(r["p50_ms"] for r in results)
        figures[f"{name}_p99_ms_c16"] = statistics.median(r["p99_ms"] for r in results)
    ratios = [
        c["rps"] / h["rps"] for c, h in zip(runs["can_publish"], runs["healthz"], strict=True)
    ]
    figures["ratio_can_publish_to_bare"] = statistics.median(ratios)
    figures["ratio_304_to_full"] = statistics.median(
        n["rps"] / f["rps"]
        for n, f in zip(runs["can_publish_304"], runs["can_publish"], strict=True)
    )
    figures.update(batch)
    return figures


def _time_batch(base: str, key: str, repeats: int = 50) -> dict[str, float]:
    """`POST /v1/decisions` with 1,000 checks over a day of instants, timed end to end."""
    checks = [
        {
            "account_id": "facebook-redruthtowncouncil",
            "at": f"2029-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+01:00",
            "category": ("general", "event", "emergency", "consultation")[i % 4],
        }
        for i in range(1000)
    ]
    timings = []
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        for i in range(repeats + 5):
            began = time.perf_counter()
            response = client.post(f"{base}/v1/decisions", json={"checks": checks})
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, response.text[:300]  # noqa: S101 - times a real answer
            if i >= 5:  # warm-up
                timings.append(elapsed)
    timings.sort()
    return {
        "batch_1000_p50_ms": statistics.median(timings),
        "batch_1000_p99_ms": timings[min(len(timings) - 1, int(0.99 * len(timings)))],
    }
