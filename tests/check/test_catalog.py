"""The checks: unique ids, cited sections, all documented, built on the public API only."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import condget
from condget._check._registry import CHECKS, TOPICS
from condget._check._run import check_url  # noqa: F401  (registers every check)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = Path(condget.__file__).resolve().parent  # the installed package, wheel or tree
PACKAGE = SOURCES / "_check"
MODULES = sorted(PACKAGE.glob("*.py"))


def test_ids_are_unique_and_sections_look_like_sections() -> None:
    ids = [entry.id for entry in CHECKS]
    assert len(ids) == len(set(ids))
    for entry in CHECKS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.id), entry.id
        assert re.fullmatch(r"\d+(\.\d+)*", entry.section), entry.id
        assert entry.rfc == f"RFC 9110 §{entry.section}"
        assert entry.rule.endswith("."), entry.id


def test_every_topic_has_checks() -> None:
    assert {entry.topic for entry in CHECKS} == set(TOPICS)


def test_every_check_is_documented() -> None:
    page = (ROOT / "docs" / "check.md").read_text()
    missing = [entry.id for entry in CHECKS if f"`{entry.id}`" not in page]
    assert missing == []


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(0, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_the_checker_uses_only_the_public_api_and_the_stdlib(path: Path) -> None:
    """As for an adapter (tests/core/test_layering.py): condget.__all__, siblings, stdlib."""
    siblings = {module.stem for module in MODULES}
    problems = []
    for level, module, names in _imports(path):
        top = module.partition(".")[0]
        if level == 1:
            targets = [module] if module else names
            problems += [f"imports .{t}" for t in targets if t not in siblings]
        elif level:
            problems.append(f"imports {'.' * level}{module}")
        elif top == "condget":
            problems += [f"imports {module}.{n}" for n in names if module != "condget"]
            problems += [f"imports condget.{n}" for n in names if n not in condget.__all__]
        elif top not in sys.stdlib_module_names and top != "__future__":
            problems.append(f"imports {module}, which is not in the standard library")
    assert problems == []


def test_main_module_only_starts_the_checker() -> None:
    assert _imports(SOURCES / "__main__.py") == [
        (0, "__future__", ["annotations"]),
        (0, "sys", []),
        (1, "_check", ["main"]),
    ]
