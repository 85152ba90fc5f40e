"""Build condget's sdist and wheel, check them, and run the test suite against the wheel.

Run from anywhere with the project's virtualenv (it needs ``build`` and
``twine``, the ``package`` dependency group):

    .venv/bin/python scripts/check_package.py [pytest arguments]

1. ``python -m build``: the sdist, then the wheel built *from the sdist*, so a
   file missing from the sdist breaks the wheel build.
2. ``twine check --strict``: the metadata and README render on PyPI.
3. The archives' contents: the wheel holds every module of ``condget/`` and
   ``py.typed``, the license, the version of ``condget/__init__.py``, and no
   tests; the sdist holds the test suite and what it reads.
4. A fresh virtualenv gets the wheel and the ``test`` dependency group, at
   the versions this virtualenv has (so the only difference is where condget
   comes from).
5. The sdist is unpacked *without* its ``condget/`` and pytest runs there
   (the whole suite, or the given arguments), after checking that ``import
   condget`` finds the installed wheel, not a source tree.

Standard library only; everything is built in a temporary directory, removed
at the end.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]
# What the tests read besides themselves: examples they run, pages whose
# snippets they execute, scripts and benchmarks they start, fuzz targets.
SDIST_MUST_HOLD = ("pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "condget/py.typed")
SDIST_MUST_HOLD_DIRS = ("tests/", "docs/", "examples/", "scripts/", "benchmarks/", "fuzz/")
WHEEL_MUST_NOT_HOLD = ("tests/", "docs/", "examples/", "benchmarks/", "scripts/", "fuzz/")


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, check=False, capture_output=True, text=True
    )
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr, sep="\n", file=sys.stderr)
        sys.exit(f"failed ({completed.returncode}): {args[0]} {args[1] if len(args) > 1 else ''}")
    return completed.stdout


def fail(message: str) -> NoReturn:
    sys.exit(f"check_package: {message}")


def source_version() -> str:
    tree = ast.parse((ROOT / "condget" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    fail("condget/__init__.py has no __version__")


def group(name: str) -> list[str]:
    """The requirements of a PEP 735 dependency group, include-group resolved."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    requirements: list[str] = []
    for item in groups[name]:
        requirements.extend(group(item["include-group"]) if isinstance(item, dict) else [item])
    return requirements


def build(dist: Path) -> tuple[Path, Path]:
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        fail(f"expected one sdist and one wheel, got {sdists + wheels}")
    run(sys.executable, "-m", "twine", "check", "--strict", sdists[0], wheels[0])
    return sdists[0], wheels[0]


def check_wheel(wheel: Path, version: str, package: Path) -> None:
    """Fail unless ``wheel`` holds every module of ``package``, py.typed and nothing else."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"condget-{version}.dist-info"
        metadata = archive.read(f"{dist_info}/METADATA").decode()
    modules = {f"condget/{p.name}" for p in package.glob("*.py")}
    missing = (modules | {"condget/py.typed", f"{dist_info}/licenses/LICENSE"}) - names
    if missing:
        fail(f"the wheel lacks {sorted(missing)}")
    stray = sorted(n for n in names if n.startswith(WHEEL_MUST_NOT_HOLD))
    if stray:
        fail(f"the wheel holds files that are not the library: {stray}")
    for line in (f"Version: {version}", "License-Expression: MIT", "Classifier: Typing :: Typed"):
        if line not in metadata.splitlines():
            fail(f"the wheel's METADATA lacks {line!r}")
    print(f"  wheel: {len(names)} files, condget {version}, py.typed, no tests")


def unpack_sdist(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    (tree,) = into.iterdir()
    names = {str(p.relative_to(tree)) + ("/" if p.is_dir() else "") for p in tree.rglob("*")}
    missing = [n for n in (*SDIST_MUST_HOLD, *SDIST_MUST_HOLD_DIRS) if n not in names]
    if missing:
        fail(f"the sdist lacks {missing}")
    # The tests must import the installed wheel: take the sources away.
    shutil.rmtree(tree / "condget")
    print(f"  sdist: {len(names)} entries; tests will run in {tree} without condget/")
    return tree


def make_venv(venv: Path, wheel: Path, work: Path) -> Path:
    run(sys.executable, "-m", "venv", venv)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # Same versions as this virtualenv, so a failure is about the package, not
    # about a dependency that moved on since the project's venv was made.
    frozen = run(sys.executable, "-m", "pip", "freeze", "--exclude-editable")
    constraints = work / "constraints.txt"
    constraints.write_text(
        "".join(f"{line}\n" for line in frozen.splitlines() if not line.startswith("condget"))
    )
    run(python, "-m", "pip", "install", "--quiet", "-c", constraints, wheel, *group("test"))
    return python


def activated_environment(venv: Path, python: Path) -> dict[str, str]:
    """This environment, as if the fresh virtualenv were activated."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = str(python.parent) + os.pathsep + env.get("PATH", "")
    return env


def check_import(python: Path, tree: Path, venv: Path, env: dict[str, str]) -> None:
    # pytest puts the tree's root first on sys.path (tests/ is a package):
    # import condget the same way.
    where = run(python, "-c", "import condget; print(condget.__file__)", cwd=tree, env=env).strip()
    if not Path(where).resolve().is_relative_to(venv.resolve()):
        fail(f"condget was imported from {where}, not from the wheel installed in {venv}")
    print(f"  condget imported from {where}")


def main() -> None:
    version = source_version()
    with tempfile.TemporaryDirectory(prefix="condget-package-") as temporary:
        work = Path(temporary)
        sdist, wheel = build(work / "dist")
        check_wheel(wheel, version, ROOT / "condget")
        tree = unpack_sdist(sdist, work / "src")
        venv = work / "venv"
        python = make_venv(venv, wheel, work)
        env = activated_environment(venv, python)
        check_import(python, tree, venv, env)
        pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[1:]]
        print("+", " ".join(str(a) for a in pytest), flush=True)
        # The suite's own output goes straight to the terminal.
        code = subprocess.run([str(a) for a in pytest], cwd=tree, env=env, check=False).returncode
    if code != 0:
        sys.exit(code)
    print(f"check_package: condget {version} sdist and wheel are good")


if __name__ == "__main__":
    main()
