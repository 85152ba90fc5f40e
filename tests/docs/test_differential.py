"""docs/differential.md is exactly what scripts/differential.py prints today.

The matrix claims how Werkzeug, Django and Starlette answer the named RFC
cases; this test reruns them, so the page cannot drift from the truth. When
it fails after a library upgrade, regenerate the page:
``.venv/bin/python scripts/differential.py > docs/differential.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_differential_page_matches_a_fresh_run() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "differential.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.stdout == (ROOT / "docs" / "differential.md").read_text()
