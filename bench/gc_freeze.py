"""
What `gc.freeze()` (`PURDAH_GC_FREEZE`) saves: a full collection's pause with N councils held.

Builds N councils with `bench.scale.generate` on SQLite, loads their snapshots, and times a
full `gc.collect()` before and after `gc.freeze()`. Run `python -m bench.gc_freeze [N]`
(default 10,000); it prints figures and asserts nothing.
"""

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.store.engine import make_engine, upgrade
from app.store.snapshots import SnapshotCache
from bench.scale import generate


def _full_collection_ms(repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def bench_gc_freeze(n: int = 10_000) -> dict[str, float]:
    """A full collection's median time with N councils held, unfrozen then frozen."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'scale.db'}"
        upgrade(url)
        engine = make_engine(url)
        policies = generate(engine, n)
        cache = SnapshotCache(engine, lambda row, p=policies: p[row.id], max_age=3600)
        assert cache.refresh(), cache.last_error  # noqa: S101 - the benchmark checks what it timed
        figures = {
            f"gc_tracked_objects_n{n}": float(len(gc.get_objects())),
            f"gc_full_ms_unfrozen_n{n}": _full_collection_ms(),
        }
        gc.freeze()
        try:
            figures[f"gc_full_ms_frozen_n{n}"] = _full_collection_ms()
        finally:
            gc.unfreeze()
        engine.dispose()
    return figures


if __name__ == "__main__":
    for name, value in bench_gc_freeze(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000).items():
        print(f"{name:<40} {value:12.1f}")
