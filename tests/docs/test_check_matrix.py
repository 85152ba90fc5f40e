"""docs/check-matrix.md is exactly what scripts/check_matrix.py prints today.

The page claims what ``condget check`` finds on nginx, Flask, Starlette,
Django, condget's own apps and a broken app; this test starts those servers
again and reruns the checker, so the page cannot drift from the truth. When it
fails after an upgrade (of a server or of the checker), regenerate the page:
``.venv/bin/python scripts/check_matrix.py > docs/check-matrix.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_matrix_page_matches_a_fresh_run() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_matrix.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.stdout == (ROOT / "docs" / "check-matrix.md").read_text()
