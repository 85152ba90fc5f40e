"""benchmarks/bench_store.py still runs, and its rows answer what they say they measure.

The benchmark asserts, before timing, that the store's row answers 304
without running the view and that the view's row answers 304 after running
it; a quick run here keeps that true, and checks that a 304 from the store
is faster than running a 5 ms view at all.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_store_runs_quick() -> None:
    result = subprocess.run(
        [sys.executable, "bench_store.py", "--quick", "--rounds", "1"],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = result.stdout
    for group in ("SQLite, WSGI", "SQLite, ASGI", "Redis, WSGI", "Redis, ASGI"):
        assert f"| {group} | conditional GET, 5 ms view, no store | 304 |" in out, out
    speedups = [
        float(n.replace(",", "")) for n in re.findall(r"^speedup [^:]+: ([\d,]+)x", out, re.M)
    ]
    assert len(speedups) == 4, out
    assert all(speedup > 5 for speedup in speedups), out
    assert len(re.findall(r"miss overhead on a 200: [\d,.]+ us", out)) == 4
    # A store 1 ms away each way: the miss waits on it once (its record is
    # sent, not awaited), where awaiting the record waits twice.
    far = re.search(
        r"^Redis 1 ms away, WSGI: miss overhead on a 200 [\d,.]+ us = ([\d.]+) round trips .*"
        r"with the record awaited [\d,.]+ us = ([\d.]+) round trips$",
        out,
        re.M,
    )
    assert far is not None, out
    assert float(far[1]) + 0.5 < float(far[2]), out
