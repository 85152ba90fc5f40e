"""The CI version of benchmarks/load.py: 5 s at saturation per server, with and without condget.

Zero errors (every status 2xx, 304 or 412; no socket error; nothing logged
by the server) and no growth in the serving process's descriptors, threads
or memory between the warm-up and the end of the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.integration.support import ROOT, require_tool

LOAD = ROOT / "benchmarks" / "load.py"
RSS_GROWTH_KIB = 8 * 1024


def test_saturation_without_errors_or_growth(tmp_path: Path) -> None:
    require_tool("wrk")
    results_file = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(LOAD), "--seconds", "5", "--warmup", "1", "--json", str(results_file)],
        capture_output=True, text=True, timeout=150, check=False,
    )  # fmt: skip
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(results_file.read_text())
    assert {(r["server"], r["app"]) for r in results} == {
        (server, app)
        for server in ("gunicorn", "uvicorn")
        for app in ("condget", "without condget")
    }
    for r in results:
        assert r["requests"] > 0
        assert (r["errors"], r["server_log_errors"]) == (0, 0), r
        before, after = r["before"], r["after"]
        assert after["fds"] <= before["fds"], r
        assert after["threads"] <= before["threads"], r
        assert after["rss_kib"] - before["rss_kib"] <= RSS_GROWTH_KIB, r
        statuses = r["statuses"]
        assert sum(statuses.values()) == r["requests"]
        if r["app"] == "condget":
            # The mix is 3 plain : 4 conditional (304, R18) : 1 stale If-Match (412, R36).
            assert abs(statuses["304"] / r["requests"] - 4 / 8) < 0.01, r
            assert abs(statuses["412"] / r["requests"] - 1 / 8) < 0.01, r
        else:
            assert statuses["304"] == statuses["412"] == 0, r
