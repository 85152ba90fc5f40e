"""The README's demo runs end to end under a real gunicorn, so it cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_transcript_shows_200_304_206_412_428_and_no_lost_update() -> None:
    result = subprocess.run(
        [sys.executable, str(DEMO), "--once"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    statuses = re.findall(r"^  < (\d{3}) ", result.stdout, re.MULTILINE)
    assert statuses[:10] == ["200", "304", "200", "304", "206", "204", "200", "412", "428", "200"]
    # The one-line wrap, no hook: the stale save is refused, and the page is unchanged.
    assert statuses[10:] == ["200", "204", "412", "200"]
    assert "why: 412; im-no-match; checked-by-get; by=If-Match" in result.stdout
    assert "page text: 'Welcome, editors.'" in result.stdout
    assert '  < 206 Partial Content  ETag: "v1"  body: 100 bytes' in result.stdout
    assert "why: 304; inm-match; by=If-None-Match" in result.stdout  # decision reasons
    assert "why: 412; im-no-match; by=If-Match" in result.stdout
    assert "note text: 'Buy oat milk.'" in result.stdout
    assert re.search(r"ETag: W/\"[A-Za-z0-9_-]{22}\"", result.stdout)  # auto-ETag
    saved = int(re.findall(r"Bytes not re-sent thanks to 304s: (\d+)", result.stdout)[0])
    assert saved > 2000


def test_fleet_demo_answers_from_the_shared_store_and_never_serves_a_stale_304() -> None:
    result = subprocess.run(
        [sys.executable, str(DEMO), "--fleet", "--once"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    statuses = re.findall(r"^  < (\d{3}) ", result.stdout, re.MULTILINE)
    assert statuses == ["200", "304", "204", "200"]
    assert "why: 304; inm-match; store-hit; by=If-None-Match" in result.stdout
    assert "views run by the notes app: 1 before, 1 after (no view ran)" in result.stdout
    assert "store-invalidated" in result.stdout
    assert '< 200 OK  ETag: "v2"' in result.stdout  # the write is seen through the other server
