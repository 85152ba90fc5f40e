"""Ranges with real clients: curl, httpx, requests, nginx's slice cache and Chromium's <audio>.

The files of tests/ranges/apps.py are served by an app that knows nothing
about ranges (Flask's ``send_file(conditional=False)`` under gunicorn,
Starlette's ``FileResponse`` with its range handling off under uvicorn),
behind condget; every 206, multipart/byteranges and 416 here is condget's
(R42-R52). Each client's result is compared byte for byte with the file,
and each request is read on the server's side of the wire too: the Range
and If-Range that arrived and the status condget sent.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.support import SERVERS, require_tool
from tests.ranges import apps
from tests.ranges.clients import (
    SLICE,
    Served,
    SlicingNginx,
    chromium_report,
    get,
    multipart_parts,
    serve_files,
)


@pytest.fixture(scope="module", params=SERVERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The files under gunicorn (Flask), then under uvicorn (Starlette), for the module's tests."""
    running = serve_files(request.param, tmp_path_factory.mktemp(f"ranges-{request.param}"))
    try:
        yield running
    finally:
        logged = running.server.close()
    # Clients that stop reading (a resumed download, a seeking browser) broke nothing.
    assert "Traceback" not in logged, logged
    assert "ERROR" not in logged, logged


def last_seen(served: Served, before: int) -> dict[str, Any]:
    """The one request the server answered since ``before`` requests."""
    [seen] = served.server.wire()[before:]
    return seen


# curl


def curl(
    served: Served, tmp: Path, *args: str
) -> tuple[int, dict[str, str], bytes, dict[str, Any]]:
    """Run curl for data.bin: its status, the response's fields, the body, what the server saw."""
    headers, body = tmp / "headers", tmp / "body"
    before = len(served.server.wire())
    done = subprocess.run(
        [require_tool("curl"), "--silent", "--show-error", "--dump-header", str(headers),
         "--output", str(body), "--write-out", "%{http_code}", *args, served.url()],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    fields = {}
    for line in headers.read_text("latin-1").splitlines()[1:]:
        if line:
            name, _, value = line.partition(":")
            fields[name.lower()] = value.strip()
    return int(done.stdout), fields, body.read_bytes(), last_seen(served, before)


@pytest.mark.parametrize(
    ("option", "first", "last"),
    [
        pytest.param("1000-1999", 1000, 1999, id="R47-first-last"),
        pytest.param("300000-999999", 300_000, apps.DATA_SIZE - 1, id="R44-last-clamped"),
        pytest.param("307000-", 307_000, apps.DATA_SIZE - 1, id="R44-open-ended"),
        pytest.param("-500", apps.DATA_SIZE - 500, apps.DATA_SIZE - 1, id="R44-suffix"),
    ],
)
def test_curl_single_range(
    served: Served, tmp_path: Path, option: str, first: int, last: int
) -> None:
    """R47: one range, ``curl -r``: a 206 whose body is exactly that slice of the file."""
    status, fields, body, seen = curl(served, tmp_path, "-r", option)
    assert (status, seen["status"], seen["range"]) == (206, 206, f"bytes={option}")
    assert body == served.data[first : last + 1]
    assert fields["content-range"] == f"bytes {first}-{last}/{apps.DATA_SIZE}"
    assert fields["content-length"] == str(last - first + 1)
    # R50: the 206 carries the validators the 200 would.
    assert fields["etag"] == served.etag()
    assert fields["last-modified"] == apps.LAST_MODIFIED
    assert fields["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        pytest.param(
            "0-9,1000-1099,300000-",
            [(0, 9), (1000, 1099), (300_000, apps.DATA_SIZE - 1)],
            id="R48-three-ranges",
        ),
        pytest.param(
            "-100,0-99",
            [(apps.DATA_SIZE - 100, apps.DATA_SIZE - 1), (0, 99)],
            id="R43-out-of-order-gets-200",
        ),
        pytest.param(
            "0-99,50-149,150-199,70000-70010", [(0, 199), (70_000, 70_010)], id="R48-coalesced"
        ),
    ],
)
def test_curl_multiple_ranges(
    served: Served, tmp_path: Path, option: str, expected: list[tuple[int, int]]
) -> None:
    """R48: several ranges: multipart/byteranges, which ``email`` reads back into the slices.

    Ranges out of order cannot be cut from a stream in one pass: condget
    sends the full 200 then (R43, docs/ranges.md).
    """
    status, fields, body, seen = curl(served, tmp_path, "-r", option)
    ascending = all(b[0] > a[1] for a, b in itertools.pairwise(expected))
    if not ascending:
        assert (status, seen["status"], body) == (200, 200, served.data)
        return
    assert (status, seen["status"]) == (206, 206)
    assert fields["content-type"].startswith("multipart/byteranges; boundary=")
    assert "content-range" not in fields
    assert int(fields["content-length"]) == len(body)
    parts = multipart_parts(fields["content-type"], body)
    assert parts == [
        (
            "application/octet-stream",
            f"bytes {first}-{last}/{apps.DATA_SIZE}",
            served.data[first : last + 1],
        )
        for first, last in expected
    ]


def test_curl_unsatisfiable_range_gets_416(served: Served, tmp_path: Path) -> None:
    """R45: no range starts inside the file: 416 with ``Content-Range: bytes */length``."""
    status, fields, _, seen = curl(served, tmp_path, "-r", f"{apps.DATA_SIZE}-")
    assert (status, seen["status"]) == (416, 416)
    assert fields["content-range"] == f"bytes */{apps.DATA_SIZE}"


def test_curl_resumes_a_partial_download(served: Served, tmp_path: Path) -> None:
    """``curl -C -`` asks for the rest of a partial file from its size on: byte-identical result."""
    partial = tmp_path / "download"
    status, _, part, _ = curl(served, tmp_path, "-r", "0-123456")
    assert status == 206
    partial.write_bytes(part)  # what an interrupted download left behind
    before = len(served.server.wire())
    done = subprocess.run(
        [require_tool("curl"), "--silent", "--show-error", "--continue-at", "-",
         "--output", str(partial), "--write-out", "%{http_code}", served.url()],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    seen = last_seen(served, before)
    assert (done.stdout, seen["status"], seen["range"]) == ("206", 206, "bytes=123457-")
    assert partial.read_bytes() == served.data


# httpx and requests: resuming with Range and If-Range


def partial_download(client: str, url: str, at_least: int) -> tuple[bytes, str, str]:
    """Start a plain GET and stop reading after ``at_least`` bytes, as an interrupted download.

    Returns what was read, and the ETag and Last-Modified the 200 carried.
    """
    got = b""
    if client == "httpx":
        with httpx.Client(timeout=30) as session, session.stream("GET", url) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw(16 * 1024):
                got += chunk
                if len(got) >= at_least:
                    break
            return got, response.headers["etag"], response.headers["last-modified"]
    requests = pytest.importorskip("requests")
    with requests.get(url, stream=True, timeout=30) as response:
        assert response.status_code == 200
        for chunk in response.iter_content(16 * 1024):
            got += chunk
            if len(got) >= at_least:
                break
        return got, response.headers["ETag"], response.headers["Last-Modified"]


def resume(client: str, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    if client == "httpx":
        response = httpx.get(url, headers=headers, timeout=30)
        return response.status_code, dict(response.headers), response.content
    requests = pytest.importorskip("requests")
    answer = requests.get(url, headers=headers, timeout=30)
    return answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.content


CLIENTS = ["httpx", "requests"]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("validator", ["etag", "last-modified"])
def test_client_resumes_with_if_range(served: Served, client: str, validator: str) -> None:
    """R46: the rest of an interrupted download, under If-Range: byte-identical to the file."""
    part, etag, last_modified = partial_download(client, served.url(), 100_000)
    assert (etag, last_modified) == (served.etag(), apps.LAST_MODIFIED)
    assert part == served.data[: len(part)]
    if_range = etag if validator == "etag" else last_modified
    before = len(served.server.wire())
    headers = {"Range": f"bytes={len(part)}-", "If-Range": if_range}
    status, fields, rest = resume(client, served.url(), headers)
    assert (status, last_seen(served, before)["if-range"]) == (206, if_range)
    assert fields["content-range"] == f"bytes {len(part)}-{apps.DATA_SIZE - 1}/{apps.DATA_SIZE}"
    assert part + rest == served.data


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    "if_range",
    [
        pytest.param('"changed"', id="R46-another-tag"),
        pytest.param("weak", id="R46-the-tag-made-weak"),
        pytest.param("Tue, 31 Dec 2024 12:00:00 GMT", id="R46-another-date"),
    ],
)
def test_client_gets_the_full_200_when_if_range_fails(
    served: Served, client: str, if_range: str
) -> None:
    """R46: the file is not (strongly) the one the client has: the full 200, Range ignored."""
    if if_range == "weak":
        if_range = "W/" + served.etag()
    before = len(served.server.wire())
    status, fields, body = resume(
        client, served.url(), {"Range": "bytes=100000-", "If-Range": if_range}
    )
    assert (status, last_seen(served, before)["status"]) == (200, 200)
    assert "content-range" not in fields
    assert body == served.data


# nginx: a caching reverse proxy filling its cache with slices


@pytest.fixture(scope="module")
def nginx(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlicingNginx]:
    proxy = SlicingNginx(served.server, tmp_path_factory.mktemp(f"nginx-{served.server.kind}"))
    try:
        yield proxy
    finally:
        errors = proxy.close()
    # The slice module checks each slice's 206 (its Content-Range, and an ETag
    # the same for all): a mismatch is logged at error level.
    assert "[error]" not in errors, errors
    assert "[crit]" not in errors, errors


def slices_of(first: int, last: int) -> set[str]:
    """The Range fields nginx sends the origin for the slices bytes first-last lie in."""
    return {
        f"bytes={start}-{start + SLICE - 1}"
        for start in range(first // SLICE * SLICE, last + 1, SLICE)
    }


@pytest.mark.parametrize(
    ("field", "first", "last"),
    [
        pytest.param("bytes=100-199", 100, 199, id="in-one-slice"),
        pytest.param("bytes=65000-140000", 65_000, 140_000, id="across-three-slices"),
        pytest.param("bytes=-500", apps.DATA_SIZE - 500, apps.DATA_SIZE - 1, id="suffix"),
    ],
)
def test_nginx_slices_are_the_origins_bytes(
    served: Served, nginx: SlicingNginx, field: str, first: int, last: int
) -> None:
    """Parts through nginx's slice cache are byte-identical to the origin's own 206 and the file.

    nginx asks the origin for whole slices (``Range: bytes=65536-131071``),
    which condget answers with 206s; a second request is served from the
    cache without asking the origin again.
    """
    origin_status, _, origin = get(served.server.port, "/data.bin", {"Range": field})
    assert (origin_status, origin) == (206, served.data[first : last + 1])
    before = len(served.server.wire())
    status, headers, body = nginx.get("/data.bin", {"Range": field})
    assert (status, body) == (206, origin)
    assert headers["Content-Range"] == f"bytes {first}-{last}/{apps.DATA_SIZE}"
    assert headers["ETag"] == served.etag()
    fetched = served.server.wire()[before:]
    assert all(seen["status"] == 206 for seen in fetched), fetched  # condget cut every slice
    assert {seen["range"] for seen in fetched} <= slices_of(first, last)
    # Now all cached: nothing more is asked of the origin.
    before = len(served.server.wire())
    assert nginx.get("/data.bin", {"Range": field})[::2] == (206, origin)
    assert served.server.wire()[before:] == []


def test_nginx_assembles_the_whole_file_from_slices(served: Served, nginx: SlicingNginx) -> None:
    """No Range, through the slice cache: every slice is a condget 206; together, the file."""
    before = len(served.server.wire())
    status, headers, body = nginx.get("/data.bin")
    assert (status, body) == (200, served.data)
    assert headers["ETag"] == served.etag()
    fetched = served.server.wire()[before:]
    assert all(seen["status"] == 206 for seen in fetched), fetched
    # Slices not cached by the tests before this one were fetched now, once.
    assert len({seen["range"] for seen in fetched}) == len(fetched)
    assert {seen["range"] for seen in fetched} <= slices_of(0, apps.DATA_SIZE - 1)


# Chromium: an <audio> element that seeks


def test_chromium_seeks_audio_with_range_requests(served: Served, tmp_path: Path) -> None:
    """Headless Chromium plays tone.wav, seeks to 80 s and plays on; every request was a 206.

    With ``preload="metadata"`` Chromium reads the start of the file
    (``Range: bytes=0-``), then asks for the bytes from the seek position
    on with a second Range, under If-Range with the file's strong ETag.
    """
    before = len(served.server.wire())
    report = chromium_report(served, tmp_path / "profile")
    assert report.get("error") is None, report
    assert abs(float(report["seeked"]) - apps.SEEK_TO) < 0.5, report
    assert float(report["duration"]) == apps.WAV_SECONDS, report
    assert report["played"] == "yes", report
    assert float(report["now"]) > float(report["seeked"]), report  # it played on from there
    media = [seen for seen in served.server.wire()[before:] if seen["path"] == "/tone.wav"]
    assert media, "Chromium never asked for the audio"
    assert all(seen["status"] == 206 for seen in media), media
    starts = [int(seen["range"].removeprefix("bytes=").split("-")[0]) for seen in media]
    assert starts[0] == 0, media
    # The seek was a Range request from near the seek position, not read from the first response.
    seek_offset = apps.WAV_HEADER + int(apps.SEEK_TO) * apps.WAV_BYTES_PER_SECOND
    far = [seen for seen, start in zip(media, starts, strict=True) if start > seek_offset // 2]
    assert far, media
    for seen in far:
        assert seen.get("if-range", served.etag("tone.wav")) == served.etag("tone.wav"), seen
