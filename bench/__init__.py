"""Benchmarks: they print figures and write var/bench/latest.json; they assert nothing."""
