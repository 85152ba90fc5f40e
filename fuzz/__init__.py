"""Coverage-guided fuzz targets for condget (atheris); see ``fuzz/README.md``.

Each target module has a ``one_input(data: bytes)`` function that turns the
fuzzer's bytes into a scenario and asserts condget's invariants on it. They
need nothing but condget and the standard library, so the test suite runs
them too (``tests/hardening/test_fuzz_targets.py``); atheris is needed only to
fuzz (``python -m fuzz TARGET``).
"""

from __future__ import annotations
