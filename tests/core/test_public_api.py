"""condget's public surface: exactly ``__all__``, every name documented, and a light import."""

from __future__ import annotations
import __future__

import ast
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import condget

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(condget.__file__).resolve().parent  # the installed package, wheel or tree


def public_names() -> set[str]:
    # Submodules become attributes once imported (condget.wsgi by its tests),
    # but the adapters are imported by name, never re-exported; and
    # "from __future__ import annotations" leaves a name behind.
    return {
        name
        for name, value in vars(condget).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and value is not __future__.annotations
    } | {"__version__"}


def ruff_order(name: str) -> tuple[int, str]:
    # RUF022's isort-style order: CONSTANTS, then Classes, then everything else.
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_all_is_sorted() -> None:
    assert condget.__all__ == sorted(condget.__all__, key=ruff_order)


def test_all_is_exactly_the_public_names() -> None:
    assert set(condget.__all__) == public_names()
    assert len(condget.__all__) == len(set(condget.__all__))


def defining_modules() -> dict[str, str]:
    """Each public name and the private module ``__init__`` imports it from."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    return {
        alias.asname or alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def attribute_docstrings(module: str) -> dict[str, str]:
    """Module-level names followed by a string literal, the attribute-docstring convention."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    docs = {}
    for statement, following in zip(tree.body, tree.body[1:], strict=False):
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else []
        )
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            for target in targets:
                if isinstance(target, ast.Name):
                    docs[target.id] = following.value.value
    return docs


@pytest.mark.parametrize("name", sorted(set(condget.__all__) - {"__version__"}))
def test_every_public_name_is_documented(name: str) -> None:
    value = getattr(condget, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    else:  # a constant or a type alias: its docstring follows its assignment
        module = defining_modules()[name]
        assert attribute_docstrings(module).get(name, "").strip(), f"{name} has no docstring"


def public_members() -> list[tuple[str, object]]:
    members = []
    for name in condget.__all__:
        cls = getattr(condget, name)
        if not inspect.isclass(cls):
            continue
        for member_name, member in vars(cls).items():
            if member_name.startswith("_"):
                continue
            if isinstance(member, classmethod | staticmethod):
                member = member.__func__
            if inspect.isfunction(member) or isinstance(member, property):
                members.append((f"{name}.{member_name}", member))
    return members


@pytest.mark.parametrize(("name", "member"), public_members(), ids=[n for n, _ in public_members()])
def test_every_public_method_is_documented(name: str, member: object) -> None:
    assert (getattr(member, "__doc__", None) or "").strip(), f"{name} has no docstring"


def test_module_has_a_version() -> None:
    assert condget.__version__.count(".") == 2


def test_import_loads_only_the_stdlib_and_the_core() -> None:
    # A fresh interpreter, so that nothing this test session imported counts.
    probe = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import condget\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = result.stdout.split()
    assert "condget._evaluate" in loaded  # the probe did import the core
    for module in loaded:
        top = module.partition(".")[0]
        if top == "condget":
            # The core only: condget.wsgi, condget.asgi and the framework
            # adapters are imported by the user, by name.
            assert module == "condget" or module.startswith("condget._"), module
        else:
            assert top in sys.stdlib_module_names, f"import condget loads {module}"


# The exact public surface (issue 9): what users call sits at the top; the
# building blocks of adapters in condget.engine; the annotations' aliases in
# condget.types. A change here is an API change and goes in CHANGELOG.md.
EXACT = {
    "condget": {
        "ANY",
        "REPRESENTATION_HEADERS",
        "CondgetError",
        "Conditions",
        "Decision",
        "ETag",
        "InvalidETagError",
        "InvalidValidatorError",
        "Outcome",
        "Precondition",
        "Reply",
        "Validators",
        "__version__",
        "evaluate",
        "format_http_date",
        "not_modified",
        "parse_etag_list",
        "parse_http_date",
        "precondition_failed",
        "precondition_required",
        "range_not_satisfiable",
        "reply_for",
    },
    "condget.engine": {
        "CHECK_WRITE",
        "CHUNK_COST",
        "DROP",
        "ERROR_DROPPED",
        "ERROR_KEPT",
        "FETCH_GET",
        "FETCH_GET_DROPPED",
        "FORWARD",
        "HIDDEN_CONDITIONS",
        "HOLD",
        "IGNORE",
        "WRITE_CHECK_DROPPED",
        "AutoETag",
        "ETagHasher",
        "Emit",
        "EngineError",
        "Exchange",
        "Handling",
        "MiddlewareOptions",
        "Partial",
        "PartialFile",
        "Release",
        "ResponseFields",
        "Settled",
        "Step",
        "StoreCheck",
        "answer_before",
        "check_before",
        "check_options",
        "check_write",
        "exchange_for",
        "fill_for",
        "handling_for",
        "hidden_from_app",
        "judges_write",
        "plain_request",
        "plain_start",
        "seeks_ranges",
        "scan_response",
        "write_needs_check",
    },
    "condget.ranges": {
        "MAX_RANGES",
        "ByteRange",
        "InvalidRangeError",
        "PartialContent",
        "RangeSlicer",
        "RangeStatus",
        "content_range",
        "parse_range",
        "unsatisfied_range",
    },
    "condget.types": {"ETagLike", "Fields", "HeaderPairs", "Headers", "Timestamp"},
}


@pytest.mark.parametrize("module", sorted(EXACT))
def test_the_public_set_is_exactly_this(module: str) -> None:
    imported = __import__(module, fromlist=["__all__"])
    assert set(imported.__all__) == EXACT[module]
    for name in imported.__all__:
        assert hasattr(imported, name), name


@pytest.mark.parametrize("module", ["condget.engine", "condget.ranges", "condget.types"])
def test_submodule_names_are_documented(module: str) -> None:
    imported = __import__(module, fromlist=["__all__"])
    assert imported.__all__ == sorted(imported.__all__, key=ruff_order)
    for name in imported.__all__:
        value = getattr(imported, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__doc__ or "").strip(), f"{module}.{name} has no docstring"
