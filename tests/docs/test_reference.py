"""The API reference page lists every public name, so a new one cannot go undocumented.

docs/reference.md is rendered from docstrings by mkdocstrings, one ``:::``
directive per object; a name missing from it would simply not be on the site.
"""

from __future__ import annotations

import re
from pathlib import Path

import condget

ROOT = Path(__file__).resolve().parents[2]
DIRECTIVES = set(
    re.findall(r"^::: ([\w.]+)$", (ROOT / "docs" / "reference.md").read_text(), re.MULTILINE)
)


def test_every_public_name_of_the_core_is_documented() -> None:
    public = {f"condget.{name}" for name in condget.__all__ if name != "__version__"}
    assert public - DIRECTIVES == set()


def test_every_adapter_module_is_documented() -> None:
    package = Path(condget.__file__).parent  # the installed package, too
    modules = {
        f"condget.{path.stem}" for path in package.glob("*.py") if not path.name.startswith("_")
    } | {
        f"condget.{path.parent.name}"
        for path in package.glob("*/__init__.py")
        if not path.parent.name.startswith("_")
    }
    assert {"condget.wsgi", "condget.asgi", "condget.store"} <= modules  # found the files
    assert modules - DIRECTIVES == set()
