"""The import rules that keep the core sans-IO and the adapters on the public API (STYLE §2.2).

1. A core module (``condget/__init__.py``, ``condget/_*.py``) imports only the
   standard library, and none of its I/O or server modules, and otherwise only
   other core modules.
2. An adapter (every other ``condget/*.py``) takes from ``condget`` only the
   names in ``condget.__all__``, never a ``condget._x`` module; it may build on
   another adapter (``condget.flask`` on ``condget.wsgi``), except that the
   WSGI and ASGI adapters stay independent of each other.

The scan reads the source (AST), so imports inside functions and
``TYPE_CHECKING`` blocks count too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import condget
import condget.engine
import condget.observe
import condget.ranges
import condget.types

PACKAGE = Path(condget.__file__).resolve().parent
# The core's public faces: the package, its engine, ranges and type-alias modules.
FACADES = {
    "__init__.py": condget,
    "engine.py": condget.engine,
    "observe.py": condget.observe,
    "ranges.py": condget.ranges,
    "types.py": condget.types,
}
CORE = sorted([*(PACKAGE / name for name in FACADES), *PACKAGE.glob("_*.py")])
ADAPTERS = sorted(
    path
    for path in PACKAGE.glob("*.py")
    if not path.name.startswith("_") and path.name not in FACADES
)

# Standard-library modules that do I/O or serve requests: the core must not
# need any of them (it never sees a socket, an environ or a scope).
IO_MODULES = frozenset(
    {
        "asyncio",
        "concurrent",
        "http",
        "multiprocessing",
        "selectors",
        "socket",
        "socketserver",
        "ssl",
        "subprocess",
        "urllib",
        "wsgiref",
    }
)
INDEPENDENT = {"wsgi": "asgi", "asgi": "wsgi"}


def imports(source: str) -> list[tuple[int, str, list[str]]]:
    """Every import as (level, module, names): ``import a.b`` is (0, "a.b", [])."""
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(0, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", [alias.name for alias in node.names]))
    return found


def core_violations(source: str) -> list[str]:
    problems = []
    for level, module, names in imports(source):
        if level:  # relative: only other core modules
            targets = [module] if module else names
            problems += [f"imports .{t}" for t in targets if not t.startswith("_")]
            continue
        top = module.partition(".")[0]
        if top == "condget":
            problems.append(f"imports {module} instead of a relative core module")
        elif top == "__future__":
            continue
        elif top not in sys.stdlib_module_names:
            problems.append(f"imports {module}, which is not in the standard library")
        elif top in IO_MODULES:
            problems.append(f"imports {module}, an I/O module")
    return problems


def adapter_violations(source: str, name: str) -> list[str]:
    public = set(condget.__all__)
    problems = []
    aliases = set()
    for level, module, names in imports(source):
        absolute = module if not level else "condget" + (f".{module}" if module else "")
        if absolute.partition(".")[0] != "condget" or level > 1:
            if level > 1:
                problems.append(f"imports {'.' * level}{module}")
            continue
        submodule = absolute.removeprefix("condget").removeprefix(".")
        if not submodule:
            if not level and not names:
                aliases.add("condget")
            for imported in names:
                # "from condget import x": a public name, or another adapter module.
                if imported.startswith("_") and (PACKAGE / f"{imported}.py").exists():
                    problems.append(f"imports the private module condget.{imported}")
                elif imported not in public and not (PACKAGE / f"{imported}.py").exists():
                    problems.append(f"imports condget.{imported}, which is not in __all__")
                elif INDEPENDENT.get(name) == imported:
                    problems.append(f"imports the {imported} adapter")
            continue
        first = submodule.partition(".")[0]
        facade = FACADES.get(f"{first}.py")
        if facade is not None and facade is not condget:
            hidden = [imported for imported in names if imported not in facade.__all__]
            problems += [
                f"imports condget.{first}.{imported}, not in its __all__" for imported in hidden
            ]
        elif first.startswith("_"):
            problems.append(f"imports the private module condget.{submodule}")
        elif INDEPENDENT.get(name) == first:
            problems.append(f"imports the {first} adapter")
    # "import condget" then condget._private or a name outside __all__.
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr not in public
        ):
            problems.append(f"uses condget.{node.attr}, which is not in __all__")
    return problems


@pytest.mark.parametrize("path", CORE, ids=lambda path: path.name)
def test_core_is_stdlib_only_and_does_no_io(path: Path) -> None:
    assert core_violations(path.read_text()) == []


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda path: path.name)
def test_adapters_use_only_the_public_api(path: Path) -> None:
    assert adapter_violations(path.read_text(), path.stem) == []


def test_the_core_is_what_the_scan_covers() -> None:
    assert {path.name for path in CORE} >= {"__init__.py", "_evaluate.py", "_etag.py"}


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import asyncio", "imports asyncio, an I/O module"),
        ("from wsgiref.types import WSGIApplication", "imports wsgiref.types, an I/O module"),
        ("import socket", "imports socket, an I/O module"),
        ("from http import HTTPStatus", "imports http, an I/O module"),
        ("import starlette.requests", "which is not in the standard library"),
        ("from werkzeug.http import parse_date", "which is not in the standard library"),
        ("from . import wsgi", "imports .wsgi"),
        ("from .asgi import ConditionalMiddleware", "imports .asgi"),
        ("import condget._etag", "instead of a relative core module"),
        ("def f():\n    import flask", "which is not in the standard library"),
    ],
)
def test_core_scan_catches(source: str, problem: str) -> None:
    problems = core_violations(source)
    assert len(problems) == 1
    assert problem in problems[0]


def test_core_scan_allows() -> None:
    source = (
        "from __future__ import annotations\nimport re, zlib, hashlib\n"
        "from collections.abc import Mapping\nfrom ._etag import ETag\nfrom . import _dates\n"
    )
    assert core_violations(source) == []


@pytest.mark.parametrize(
    ("source", "name", "problem"),
    [
        ("from condget._etag import list_members", "wsgi", "private module condget._etag"),
        ("from ._evaluate import evaluate", "wsgi", "private module condget._evaluate"),
        ("import condget._dates", "asgi", "private module condget._dates"),
        ("from condget import header_items", "wsgi", "not in __all__"),
        ("from . import _headers", "wsgi", "private module condget._headers"),
        ("from condget import no_such_name", "wsgi", "not in __all__"),
        ("import condget\ncondget._etag.ANY", "wsgi", "uses condget._etag"),
        ("from condget.asgi import ConditionalMiddleware", "wsgi", "imports the asgi adapter"),
        ("from condget import wsgi", "asgi", "imports the wsgi adapter"),
        ("from .. import something", "wsgi", "imports .."),
    ],
)
def test_adapter_scan_catches(source: str, name: str, problem: str) -> None:
    problems = adapter_violations(source, name)
    assert len(problems) == 1, problems
    assert problem in problems[0]


def test_adapter_scan_allows() -> None:
    source = (
        "import condget\nfrom condget import evaluate, Reply\nfrom . import Validators\n"
        "from condget.wsgi import conditions_from_environ\nimport flask\n"
        "condget.evaluate\n"
    )
    assert adapter_violations(source, "flask") == []
