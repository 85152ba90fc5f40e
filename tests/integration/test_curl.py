"""curl's own conditional requests against the served example, under gunicorn and uvicorn.

``--etag-save`` / ``--etag-compare`` send the saved tag back as If-None-Match
(R17, R18: 304); ``-z`` sends If-Modified-Since from a file's mtime or a date
(R19, R20: 304), and ``-z -DATE`` sends If-Unmodified-Since (R21, R22: 412).

curl checks ``-z`` dates itself as well: when the response's Last-Modified
fails its condition, ``%{http_code}`` says 304 whatever the server sent
("Simulate an HTTP 304 response") and the body is dropped. So each request
here is also read on the server's side of the wire: the status condget sent
and the conditional field curl sent.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.support import ROOT, Server, require_tool
from tests.integration.upstream import served_app

# The resource's Last-Modified (Wed, 01 Jan 2025 12:00:00 GMT) as POSIX seconds.
LAST_MODIFIED = 1735732800


def curl(server: Server, path: str, *args: str | Path) -> tuple[str, bytes, dict[str, Any]]:
    """Run curl; return its ``%{http_code}``, the body, and what the server saw and sent."""
    before = len(server.wire())
    code, body = _curl(*args, server.url + path)
    [seen] = server.wire()[before:]
    return code, body, seen


@pytest.mark.parametrize("path", ["/page", "/auto"])
def test_etag_save_then_compare_gets_304(server: Server, path: str, tmp_path: Path) -> None:
    """R17/R18: the tag curl saved (the app's strong one, or condget's weak auto-ETag) matches."""
    saved = tmp_path / "etag"
    code, body, seen = curl(server, path, "--etag-save", saved)
    assert (code, body, seen["status"]) == ("200", served_app.PAGE, 200)
    tag = saved.read_text().strip()
    _, headers, _ = server.request("GET", path)
    assert tag == headers["ETag"] == (served_app.PAGE_ETAG if path == "/page" else tag)
    assert path == "/page" or tag.startswith('W/"')  # condget's auto-ETag is weak
    code, body, seen = curl(server, path, "--etag-compare", saved)
    assert (code, body, seen["status"], seen["if-none-match"]) == ("304", b"", 304, tag)


def test_etag_compare_with_another_tag_gets_200(server: Server, tmp_path: Path) -> None:
    """R17: a tag that matches nothing gets the full response."""
    stale = tmp_path / "etag"
    stale.write_text('"page-v0"\n')
    code, body, seen = curl(server, "/page", "--etag-compare", stale)
    assert (code, body, seen["status"], seen["if-none-match"]) == (
        "200", served_app.PAGE, 200, '"page-v0"'
    )  # fmt: skip


@pytest.mark.parametrize("path", ["/page", "/auto"])
def test_z_file_mtime_gets_304_unless_older(server: Server, path: str, tmp_path: Path) -> None:
    """R20: Last-Modified <= the file's mtime: 304; a file a second older: 200."""
    copy = tmp_path / "page.html"
    copy.write_bytes(served_app.PAGE)
    os.utime(copy, (LAST_MODIFIED, LAST_MODIFIED))
    code, body, seen = curl(server, path, "-z", copy)
    assert (code, body, seen["status"]) == ("304", b"", 304)
    assert seen["if-modified-since"] == served_app.LAST_MODIFIED
    os.utime(copy, (LAST_MODIFIED - 1, LAST_MODIFIED - 1))
    code, body, seen = curl(server, path, "-z", copy)
    assert (code, body, seen["status"]) == ("200", served_app.PAGE, 200)


@pytest.mark.parametrize(
    ("date", "sent"),
    [
        pytest.param("Wed, 01 Jan 2025 12:00:00 GMT", 304, id="R20-ims-equal-304"),
        pytest.param("Tue, 31 Dec 2024 12:00:00 GMT", 200, id="R20-ims-before-200"),
        pytest.param("-Tue, 31 Dec 2024 12:00:00 GMT", 412, id="R22-ius-before-412"),
        pytest.param("-Thu, 02 Jan 2025 12:00:00 GMT", 200, id="R22-ius-after-200"),
    ],
)
def test_z_date(server: Server, date: str, sent: int) -> None:
    """``-z DATE`` is If-Modified-Since; ``-z -DATE`` is If-Unmodified-Since."""
    code, body, seen = curl(server, "/page", "-z", date)
    field = "if-unmodified-since" if date.startswith("-") else "if-modified-since"
    assert (seen["status"], seen[field]) == (sent, date.removeprefix("-"))
    # curl reports its own simulated 304 for the 412 (see the module docstring).
    assert (code, body) == (("200", served_app.PAGE) if sent == 200 else ("304", b""))


# The other examples, each under the server its docstring names: every page
# that advertises validators revalidates with curl.
EXAMPLES = [
    pytest.param("gunicorn", "flask_app:app", ("/", "/report/2024"), id="flask_app"),
    pytest.param("gunicorn", "flask_api:app", ("/items/1",), id="flask_api"),
    pytest.param("uvicorn", "starlette_app:app", ("/hello", "/articles/1"), id="starlette_app"),
    pytest.param("uvicorn", "fastapi_app:app", ("/notes/welcome",), id="fastapi_app"),
]


@pytest.mark.parametrize(("kind", "app", "paths"), EXAMPLES)
def test_examples_revalidate_with_curl(
    kind: str, app: str, paths: tuple[str, ...], tmp_path: Path
) -> None:
    """--etag-compare gets 304 (R18); so does -z with the page's own Last-Modified (R20)."""
    example = Server(kind, tmp_path, (ROOT / "examples", app))
    try:
        for path in paths:
            saved, head = tmp_path / "etag", tmp_path / "head"
            url = example.url + path
            code, _ = _curl("--etag-save", saved, "--dump-header", head, url)
            assert (code, _sent(head)) == ("200", 200)
            assert saved.read_text().strip(), f"{app} {path} sent no ETag"
            assert _curl("--etag-compare", saved, "--dump-header", head, url) == ("304", b"")
            assert _sent(head) == 304
            _, headers, _ = example.request("GET", path)
            if "Last-Modified" in headers:
                date = headers["Last-Modified"]
                assert _curl("-z", date, "--dump-header", head, url) == ("304", b"")
                assert _sent(head) == 304  # condget's, not curl's simulated one
    finally:
        logged = example.close()
    assert "Traceback" not in logged, logged


def _curl(*args: str | Path) -> tuple[str, bytes]:
    done = subprocess.run(
        [require_tool("curl"), "--silent", "--show-error", "--max-time", "10", "--noproxy", "*",
         "--write-out", "\n%{http_code}", *map(str, args)],
        capture_output=True, check=True, timeout=20,
    )  # fmt: skip
    body, _, code = done.stdout.rpartition(b"\n")
    return code.decode(), body


def _sent(dumped_headers: Path) -> int:
    """The status line the server sent, from ``--dump-header``."""
    return int(dumped_headers.read_text().split()[1])
