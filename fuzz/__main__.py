"""Fuzz one target with atheris: ``python -m fuzz TARGET [libFuzzer flags] [corpus dir]``.

condget is imported under atheris' instrumentation, so libFuzzer is guided by
the branches taken in condget; the target's own checking code is not
instrumented. Every libFuzzer flag works, for example ``-max_total_time=600``,
``-runs=1000000``, or a crash file to replay.
"""

from __future__ import annotations

import importlib
import sys

TARGETS = ("etag_list", "http_date", "evaluate", "wsgi", "asgi")


def main() -> None:
    """Run the target named by the first argument."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz {{{','.join(TARGETS)}}} [libFuzzer flags] [corpus]")
    name = sys.argv.pop(1)
    import atheris  # type: ignore[import-untyped]

    with atheris.instrument_imports(include=["condget"]):
        import condget.asgi
        import condget.wsgi  # noqa: F401
    target = importlib.import_module(f"fuzz.{name}")
    atheris.Setup(sys.argv, target.one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
