"""benchmarks/bench_ranges.py still runs: every contender answers what its row says it measures.

The benchmark checks each row's answer before timing it (the status, and the
bytes against the file's or the body's slices, multipart parts read back with
``email``), so a contender that stopped serving its ranges would fail here.
``--quick`` uses a 16 MiB file and short batches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_ranges_quick_rows_answer_as_labelled() -> None:
    result = subprocess.run(
        [sys.executable, "bench_ranges.py", "--quick"],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [line for line in result.stdout.splitlines() if line.startswith("| (")]
    assert len(rows) == 4 * 2 + 3 * 2 + 3 * 2, result.stdout
    answers = {line.split(" | ")[1]: line.split(" | ")[2] for line in rows}
    assert answers["condget + FileResponse, Starlette's ranges off"] == "206"
    assert answers["condget + send_file(conditional=False)"] == "206"
    assert answers["condget, 1 request of 4 ranges (multipart)"] == "206 multipart"
    assert answers["Werkzeug make_conditional, 4 requests of 1 range"] == "4 x 206"
    assert answers["Starlette FileResponse, whole body (no Range)"] == "200"
    targets = result.stdout.split("Targets, as ratios in this run:")[1]
    assert targets.count("\n- ") == 6, targets
