"""The checker's HTTP: what it reads, what it refuses to guess, and how a bad answer shows up."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from condget._check._http import ProbeError, Request, fetch
from condget._check._registry import Status
from tests.check.support import Origin, response, run, serving, verdicts


def test_fetch_sends_the_probe_fields_and_closes() -> None:
    seen = []
    with serving(lambda request: seen.append(request) or response(200, [], b"hi")) as server:
        got = fetch(
            Request("GET", server.url("/x?y=1"), (("X-A", "1"),)), timeout=2, extra=(("X-B", "2"),)
        )
    assert got.status == 200
    assert got.body == b"hi"
    assert got.complete
    [request] = seen
    assert request.path == "/x?y=1"
    assert request.get("X-A") == "1"
    assert request.get("X-B") == "2"
    assert request.get("Connection") == "close"
    assert request.get(
        "User-Agent",
    ).startswith("condget-check/")
    assert request.get("Accept-Encoding") == "identity"


def test_repeated_fields_are_joined() -> None:
    with serving(lambda _: response(200, [("Vary", "a"), ("vary", "b")])) as server:
        got = fetch(Request("GET", server.url()), timeout=2)
    assert got.values("VARY") == ["a", "b"]
    assert got.get("Vary") == "a, b"
    assert got.get("ETag") is None


def test_bytes_after_a_bodiless_response_are_leftover() -> None:
    with serving(lambda _: response(304, [], length=False) + b"extra") as server:
        got = fetch(Request("GET", server.url()), timeout=2)
    assert got.status == 304
    assert got.body == b""
    assert got.leftover == b"extra"


def test_a_connection_kept_open_after_a_304_is_not_waited_for_long() -> None:
    with serving(lambda _: response(304, [], length=False), hold=2.0) as server:
        got = fetch(Request("HEAD", server.url()), timeout=5)
    assert got.leftover == b""
    assert got.ttfb < 1.0


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_timeout_is_a_probe_error(silent: str) -> None:
    with pytest.raises(ProbeError, match="no answer before the timeout"):
        fetch(Request("GET", silent), timeout=0.2)


def test_a_body_cut_short_is_a_probe_error() -> None:
    short = response(200, [("Content-Length", "10")], b"abc", length=False)
    with serving(lambda _: short) as server, pytest.raises(ProbeError, match="ended after 3 bytes"):
        fetch(Request("GET", server.url()), timeout=2)


def test_not_http_is_a_probe_error() -> None:
    ssh = b"SSH-2.0-OpenSSH\r\n"
    with serving(lambda _: ssh) as server, pytest.raises(ProbeError, match="BadStatusLine"):
        fetch(Request("GET", server.url()), timeout=2)


def test_a_refused_connection_is_a_probe_error() -> None:
    with serving(lambda _: b"") as server:
        url = server.url()
    with pytest.raises(ProbeError, match="ConnectionRefusedError"):
        fetch(Request("GET", url), timeout=2)


def test_a_probe_without_a_valid_answer_fails_its_check_only() -> None:
    origin = Origin()
    plain = Origin()
    origin.override = lambda seen: (
        b"garbage\r\n\r\n" if seen.get("If-Match") == "*" else plain(seen)
    )
    report = run(origin)
    found = {finding.check.id: finding.verdict for finding in report.findings}
    assert found["if-match-star"].status is Status.FAIL
    assert found["if-match-star"].summary.startswith("no valid response: ")
    assert found["if-match-star"].response is None
    assert found["if-match-stale"].status is Status.PASS


def test_a_failed_probe_fails_every_check_that_reads_it() -> None:
    origin = Origin()
    plain = Origin()
    origin.override = lambda seen: b"garbage\r\n\r\n" if seen.path != "/page" else plain(seen)
    found = verdicts(origin)
    for name in ("error-inm-star", "error-inm-etag", "error-if-match"):
        assert found[name].status is Status.FAIL, name
