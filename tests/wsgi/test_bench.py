"""benchmarks/bench_wsgi.py still runs: every contender answers what its row says it measures.

The benchmark asserts each row's status (200 or 304) before timing it, so a
contender that silently stopped answering 304 would fail here. It runs in
a fresh interpreter because it configures Django's settings for itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

SCRIPT = """
import bench_wsgi as bench

groups = [group for group in bench.rows_for("1 KiB", bench.KIB, quick=True)]
for rows in groups:
    for row in rows:
        row.per_round = 2
bench.run(groups, 1)
print(bench.table(groups))
bare, wrapped = bench.peak_memory(8 * bench.MIB, bench.MIB, 10)  # held: the worst case
print("extra", wrapped - bare)
"""


def test_bench_wsgi_rows_answer_as_labelled() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert any(
        "| 304, app ETag" in line and "| Django view + condget | 304 |" in line for line in lines
    )
    extra = int(lines[-1].split()[1])
    assert 0 < extra < 1024 * 1024 + 64 * 1024
