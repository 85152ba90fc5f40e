"""The one representation every checked server serves: its bytes and its modification time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from condget import format_http_date

PAGE: Final = (
    b"<!doctype html><title>condget check</title>\n"
    + b"<p>A page whose validators every server under test derives its own way.</p>\n" * 40
)
MTIME: Final = 1735732800  # Wed, 01 Jan 2025 12:00:00 GMT: fixed, so every run finds the same
LAST_MODIFIED: Final = format_http_date(MTIME)
STATIC_ENV: Final = "CONDGET_CHECK_STATIC"


def write_site(directory: Path) -> Path:
    """Write ``page.html`` into ``directory`` with the fixed mtime; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / "page.html"
    page.write_bytes(PAGE)
    os.utime(page, (MTIME, MTIME))
    return directory


def static_directory() -> str:
    """The directory a static-file app serves, as the server's environment names it."""
    return os.environ[STATIC_ENV]
