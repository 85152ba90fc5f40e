"""condget's developer commands. Needs only python3 (3.11+); sets up .venv itself.

python3 dev.py demo     run the demo (an example app under a real server)
python3 dev.py test     run the full test suite, with the coverage gate
python3 dev.py lint     ruff check, ruff format --check, mypy --strict
python3 dev.py matrix   the core tests on every other CPython >= 3.11 found
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CORE_TESTS = ["tests/core"]


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(venv: Path = VENV, python: str = sys.executable, group: str = "dev") -> Path:
    """Create ``venv`` and install condget with a dependency group, once per pyproject change."""
    stamp = venv / ".condget-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + group.encode()).hexdigest()
    interpreter = venv_python(venv)
    if interpreter.exists() and stamp.exists() and stamp.read_text() == want:
        return interpreter
    if not interpreter.exists():
        run(python, "-m", "venv", venv)
    # PEP 735 dependency groups need pip >= 25.1.
    run(interpreter, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(interpreter, "-m", "pip", "install", "--quiet", "-e", ".", "--group", group)
    stamp.write_text(want)
    return interpreter


def demo(args: list[str]) -> None:
    python = ensure_venv()
    run(python, "examples/demo.py", *args)


def test(args: list[str]) -> None:
    python = ensure_venv()
    # nginx, curl and wrk for the integration tests: installed when missing.
    run(sys.executable, "scripts/ensure_tools.py")
    run(python, "-m", "coverage", "erase")
    run(python, "-m", "coverage", "run", "-m", "pytest", *args)
    run(python, "-m", "coverage", "report")


def lint(args: list[str]) -> None:
    python = ensure_venv()
    run(python, "-m", "ruff", "check", ".")
    run(python, "-m", "ruff", "format", "--check", ".")
    run(python, "-m", "mypy", "--strict", "condget")


def docs(args: list[str]) -> None:
    python = ensure_venv()
    run(python, "-m", "mkdocs", "build", "--strict", "--site-dir", "site", *args)


def package(args: list[str]) -> None:
    python = ensure_venv()
    run(python, "scripts/check_package.py", *args)


def find_python(version: str) -> str | None:
    """A working ``python<version>``: on PATH, or installed by pyenv (whose shims may refuse)."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version}.*/bin/python3")))
    for candidate in candidates:
        if candidate is None:
            continue
        probe = subprocess.run([candidate, "--version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


def matrix(args: list[str]) -> None:
    for version in ("3.12", "3.13"):
        found = find_python(version)
        if found is None:
            print(f"python{version} not found: skipped")
            continue
        python = ensure_venv(ROOT / f".venv-{version}", found, "test")
        run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CORE_TESTS, *args)


COMMANDS = {
    "demo": demo,
    "test": test,
    "lint": lint,
    "docs": docs,
    "package": package,
    "matrix": matrix,
}

if __name__ == "__main__":
    if sys.version_info < (3, 11):
        sys.exit(f"condget needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
