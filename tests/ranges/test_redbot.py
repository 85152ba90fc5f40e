"""REDbot, the HTTP linter, finds condget's ranges correct under a real server.

REDbot asks for part of the response it fetched (its Range check) and says
whether the 206 is right: the bytes, Content-Length, Content-Range, and the
fields a 206 must repeat (R47, R50). It runs here as its own command line,
against the files of tests/ranges/apps.py behind condget under gunicorn and
uvicorn; its Partial Content section must be the one verdict "correct".
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.support import SERVERS
from tests.ranges.clients import Served, serve_files

REDBOT = shutil.which("redbot", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module", params=SERVERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    running = serve_files(request.param, tmp_path_factory.mktemp(f"redbot-{request.param}"))
    try:
        yield running
    finally:
        running.server.close()


def section(report: str, title: str) -> list[str]:
    """The bullet lines under ``* title:`` in REDbot's text report."""
    lines = report.splitlines()
    start = lines.index(f"* {title}:")
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("  * "):
            break
        found.append(line.removeprefix("  * "))
    return found


def test_redbot_finds_the_ranges_correct(served: Served) -> None:
    assert REDBOT is not None, "redbot is in the test dependency group"
    done = subprocess.run(
        [REDBOT, "-o", "text", served.url()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = done.stdout
    assert "accept-ranges: bytes" in report.lower()
    assert section(report, "Partial Content") == [
        "A ranged request returned the correct partial content."
    ], report
