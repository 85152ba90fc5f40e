"""scripts/check_package.py rejects the broken wheels it exists to catch.

The script itself runs in CI (``python3 dev.py package``); these tests feed
its wheel check hand-made archives, so its failures are known to fire.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

import condget

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(condget.__file__).parent  # the installed wheel's files, under check_package
VERSION = condget.__version__
METADATA = f"Metadata-Version: 2.4\nName: condget\nVersion: {VERSION}\nLicense-Expression: MIT\n"
CLASSIFIER = "Classifier: Typing :: Typed\n"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_package", ROOT / "scripts" / "check_package.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_package = _script()


def _wheel(tmp_path: Path, *, drop: str = "", add: str = "", metadata: str = METADATA) -> Path:
    wheel = tmp_path / f"condget-{VERSION}-py3-none-any.whl"
    dist_info = f"condget-{VERSION}.dist-info"
    files = {f"condget/{p.name}" for p in PACKAGE.glob("*.py")} | {
        "condget/py.typed",
        f"{dist_info}/licenses/LICENSE",
        add,
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in sorted(files - {drop, ""}):
            archive.writestr(name, "")
        archive.writestr(f"{dist_info}/METADATA", metadata + CLASSIFIER)
    return wheel


def test_a_complete_wheel_passes(tmp_path: Path) -> None:
    check_package.check_wheel(_wheel(tmp_path), VERSION, PACKAGE)


@pytest.mark.parametrize("missing", ["condget/py.typed", "condget/_evaluate.py", "condget/wsgi.py"])
def test_a_wheel_missing_a_file_fails(tmp_path: Path, missing: str) -> None:
    with pytest.raises(SystemExit, match=f"the wheel lacks .*{missing}"):
        check_package.check_wheel(_wheel(tmp_path, drop=missing), VERSION, PACKAGE)


@pytest.mark.parametrize("stray", ["tests/test_core.py", "examples/demo.py", "fuzz/wsgi.py"])
def test_a_wheel_with_more_than_the_library_fails(tmp_path: Path, stray: str) -> None:
    with pytest.raises(SystemExit, match="not the library"):
        check_package.check_wheel(_wheel(tmp_path, add=stray), VERSION, PACKAGE)


def test_a_wheel_without_the_license_expression_fails(tmp_path: Path) -> None:
    metadata = METADATA.replace("License-Expression: MIT\n", "")
    with pytest.raises(SystemExit, match="License-Expression"):
        check_package.check_wheel(_wheel(tmp_path, metadata=metadata), VERSION, PACKAGE)


def test_dependency_groups_resolve_their_includes() -> None:
    dev = check_package.group("dev")
    assert set(check_package.group("test")) <= set(dev)
    assert {"mkdocs>=1.6", "build>=1.2", "twine>=6.1"} <= set(dev)
