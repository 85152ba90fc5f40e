"""hishel (an RFC 9111 cache for httpx) revalidating through condget on a real server.

Once a stored response is stale, hishel sends its stored validators back
(R37); condget answers 304 on the wire (R17, R18, R33) carrying the same
validators (R39), and hishel hands its caller the stored body, unchanged.
The server's side of the wire is read to count what it really sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hishel import SqliteStorage
from hishel.httpx import CacheClient

from tests.integration.support import HTTP_TIMEOUT, Server
from tests.integration.upstream import served_app


@pytest.fixture
def client(server: Server, tmp_path: Path) -> Iterator[httpx.Client]:
    storage = SqliteStorage(database_path=tmp_path / "hishel.db")
    # rfc=True: follow RFC 9111 (hishel 2's default ignores caching headers).
    with CacheClient(
        base_url=server.url, storage=storage, rfc=True, timeout=HTTP_TIMEOUT, trust_env=False
    ) as cache_client:
        yield cache_client


def caching(response: httpx.Response) -> dict[str, bool]:
    status: dict[str, bool] = response.extensions["caching"]
    return dict(status)


@pytest.mark.parametrize("path", ["/page", "/auto"])
def test_stale_entry_revalidates_with_304(client: httpx.Client, server: Server, path: str) -> None:
    """max-age=1: once stale, a 304 on the wire and the stored body to the caller."""
    wire = len(server.wire())
    first = client.get(path)
    assert (first.status_code, first.content) == (200, served_app.PAGE)
    assert caching(first) == {"from_cache": False, "revalidated": False, "stored": True}
    etag = first.headers["ETag"]

    # Fresh answers come from the store without a request (how many depends
    # on where in a second the whole-second Date fell); then it revalidates.
    deadline = time.monotonic() + 5
    while not caching(again := client.get(path))["revalidated"]:
        assert caching(again)["from_cache"], "a fresh entry went to the server"
        assert time.monotonic() < deadline, "hishel never revalidated a max-age=1 response"
        time.sleep(0.1)
    assert again.status_code == 200
    assert again.content == first.content
    assert caching(again) == {"from_cache": True, "revalidated": True, "stored": False}
    first_sent, revalidation = server.wire()[wire:]
    assert first_sent["status"] == 200
    assert revalidation == {
        "method": "GET",
        "path": path,
        "status": 304,
        "if-none-match": etag,
        "if-modified-since": served_app.LAST_MODIFIED,
    }


def test_pre_dispatch_304_then_update_then_new_body(client: httpx.Client, server: Server) -> None:
    """The note has no freshness, so every GET revalidates (304 from the hook, R36).

    A PUT with the current If-Match succeeds and the next revalidation gets
    the new representation: the cache never serves the old one as current.
    """
    wire = len(server.wire())
    first = client.get("/notes/1")
    assert first.status_code == 200
    again = client.get("/notes/1")
    assert (again.status_code, again.content) == (200, first.content)
    assert caching(again)["revalidated"]
    assert [r["status"] for r in server.wire()[wire:]] == [200, 304]

    stale = client.put("/notes/1", content=b"never", headers={"If-Match": '"v0"'})
    assert stale.status_code == 412
    put = client.put(
        "/notes/1", content=b"Buy oat milk.", headers={"If-Match": first.headers["ETag"]}
    )
    assert put.status_code == 204
    after = client.get("/notes/1")
    assert (after.status_code, after.content) == (200, b"Buy oat milk.")
    assert after.headers["ETag"] == put.headers["ETag"] != first.headers["ETag"]
    assert [r["status"] for r in server.wire()[wire:]] == [200, 304, 412, 204, 200]
