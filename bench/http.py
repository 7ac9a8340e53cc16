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


def _run_wrk(wrk: str, url: str, key: str, seconds: int) -> dict[str, float]:
    command = [
        *_pin(1), wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
        "-H", f"Authorization: Bearer {key}", url,
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


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "PURDAH_DATABASE_URL": url, "PURDAH_ACCESS_LOG": "false"}
    subprocess.run([PURDAH, "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run(
        [PURDAH, "seed"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = _free_port()
    server = subprocess.Popen(
        [*_pin(0), PURDAH, "serve"],
        env={**env, "PURDAH_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server, port, key
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    msg = "the server did not become ready"
    raise RuntimeError(msg)


def bench_http(duration: int = 10, repeats: int = 3, warmup: int = 2) -> dict[str, float]:
    wrk = _wrk()
    with tempfile.TemporaryDirectory() as folder:
        server, port, key = _serve(Path(folder))
        try:
            base = f"http://127.0.0.1:{port}"
            decision = httpx.get(
                base + CAN_PUBLISH, headers={"Authorization": f"Bearer {key}"}
            ).json()
            assert decision["outcome"] == "deny", decision  # noqa: S101 - the benchmark asks the real question
            runs: dict[str, list[dict[str, float]]] = {"can_publish": [], "healthz": []}
            for path in (CAN_PUBLISH, "/healthz"):
                _run_wrk(wrk, base + path, key, warmup)
            for _ in range(repeats):
                for name, path in (("can_publish", CAN_PUBLISH), ("healthz", "/healthz")):
                    runs[name].append(_run_wrk(wrk, base + path, key, duration))
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
    return figures
