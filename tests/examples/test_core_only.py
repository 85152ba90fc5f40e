from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "core_only.py"


def test_core_only_example_prints_the_rfc_decisions() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True, timeout=60
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 9
    assert lines[0].endswith("proceed (the handler runs and answers normally)")
    assert lines[1].endswith("304 Not Modified, decided by If-None-Match")
    assert lines[3].endswith("304 Not Modified, decided by If-Modified-Since")
    assert lines[4].endswith("304 Not Modified, decided by If-None-Match")  # HEAD, weak tag
    assert lines[5].endswith("412 Precondition Failed, decided by If-Match")
    assert lines[7].endswith("412 Precondition Failed, decided by If-Unmodified-Since")
    assert lines[8].endswith("proceed (the handler runs and answers normally)")  # R13
