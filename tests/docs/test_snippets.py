"""Every code snippet in README.md and docs/ runs, so the docs cannot rot.

Blocks of ``>>>`` examples are doctests; the blocks of one page share their
names, in page order, as a reader would type them. Other ```python blocks are
executed as they stand, each in a fresh namespace (define an app, wrap it: no
exception). Blocks meant only to be read use another tag (```console, ```text).
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(page: Path) -> list[tuple[int, str]]:
    text = page.read_text()
    return [(text.count("\n", 0, m.start()) + 2, m[1]) for m in BLOCK.finditer(text)]


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_doctests_pass(page: Path) -> None:
    globs: dict[str, Any] = {}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for line, code in _blocks(page):
        if code.lstrip().startswith(">>>"):
            test = parser.get_doctest(code, globs, f"{page.name}:{line}", str(page), line)
            runner.run(test, clear_globs=False)
            globs = test.globs  # DocTest copies them: carry names forward
    assert runner.failures == 0, f"{runner.failures} doctest failure(s) in {page.name}"


@pytest.mark.parametrize(
    ("page", "line", "code"),
    [
        pytest.param(page, line, code, id=f"{_id(page)}:{line}")
        for page in PAGES
        for line, code in _blocks(page)
        if not code.lstrip().startswith(">>>")
    ],
)
def test_code_block_runs(page: Path, line: int, code: str) -> None:
    exec(compile(code, f"{page}:{line}", "exec"), {"__name__": f"snippet_{line}"})
