"""The faults of ``test_faults.py`` under real servers: gunicorn for WSGI, uvicorn (h11) for ASGI.

Each fault is requested from the bare app (``/plain/``) and the wrapped one
(``/wrapped/``) on the same server (``fault_apps.py``). The client must see
the same outcome both ways, and the server must log the same application
error both ways and never a protocol error (a response that breaks HTTP or
ASGI: a wrong Content-Length, a second start, a message after the end...).
A client that leaves mid-body makes the body end exactly once, and every
exchange has a timeout, so nothing can hang.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.support import ROOT, SERVERS, Server

APPS = {"gunicorn": "tests.hardening.fault_apps:wsgi", "uvicorn": "tests.hardening.fault_apps:asgi"}
TIMEOUT = 10.0

# What servers log when an application breaks HTTP or the ASGI/WSGI protocol.
PROTOCOL_ERRORS = (
    "ASGI callable returned without",
    "Expected ASGI message",
    "Unexpected ASGI message",
    "LocalProtocolError",
    "RemoteProtocolError",
    "Too much data for declared Content-Length",
    "Too little data for declared Content-Length",
    "Invalid HTTP",
    "Headers already set",
    "Response already started",
)
# What they log when the application itself raises: expected, once per fault.
APP_ERRORS = ("Exception in ASGI application", "Error handling request")


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    kind = request.param
    running = Server(kind, tmp_path_factory.mktemp(f"faults-{kind}"), (ROOT, APPS[kind]))
    try:
        yield running
    finally:
        running.close()


def outcome(server: Server, path: str) -> tuple[object, ...]:
    """What a client sees: (status, body), or how the response broke off."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"If-None-Match": '"stale"'})
        response = connection.getresponse()
        try:
            return (response.status, response.read())
        except http.client.IncompleteRead as cut:
            return (response.status, "cut short after", cut.partial)
    except http.client.RemoteDisconnected:
        return ("connection closed without a response",)
    finally:
        connection.close()


def new_log(log: Path, start: int) -> str:
    """What the server logged since ``start``, once it has stopped writing."""
    deadline = time.monotonic() + 2.0
    size = -1
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if log.stat().st_size == size:
            break
        size = log.stat().st_size
    return log.read_bytes()[start:].decode(errors="replace")


def exchange(server: Server, path: str) -> tuple[tuple[object, ...], str]:
    start = server.log.stat().st_size
    seen = outcome(server, path)
    return seen, new_log(server.log, start)


def errors_in(log: str) -> list[str]:
    return sorted(marker for marker in APP_ERRORS if marker in log)


FAULTS = (
    "before_start",
    "after_start",
    "mid_body",
    "mid_body_tagged",
    "bad_etag",
    "bad_last_modified",
    "hook_raises",
)


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_looks_the_same_with_condget(server: Server, fault: str) -> None:
    # Where condget holds the response for its auto-ETag when the app fails,
    # both adapters hand on what they held before the failure goes on, as the
    # bare app's server would have had it.
    bare, bare_log = exchange(server, f"/plain/{fault}")
    wrapped, wrapped_log = exchange(server, f"/wrapped/{fault}")
    assert wrapped == bare
    assert errors_in(wrapped_log) == errors_in(bare_log)


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_logs_no_protocol_error(server: Server, fault: str) -> None:
    for prefix in ("/plain", "/wrapped"):
        _, log = exchange(server, f"{prefix}/{fault}")
        assert not [marker for marker in PROTOCOL_ERRORS if marker in log], log


def done(server: Server) -> dict[str, int]:
    status, _, body = server.request("GET", "/_done")
    assert status == 200
    result: dict[str, int] = json.loads(body)
    return result


@pytest.mark.parametrize("prefix", ["/plain", "/wrapped"])
def test_client_gone_mid_body_ends_the_body_once(server: Server, prefix: str) -> None:
    # The client reads 256 KiB of an 8 MiB body and hangs up. The server's
    # next writes fail; gunicorn stops iterating and closes the body, uvicorn
    # drops what the app still sends. Either way the body ends exactly once.
    path = f"{prefix}/stream"
    before = done(server).get(path, 0)
    start = server.log.stat().st_size
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = sock.recv(65536)
        assert received.startswith(b"HTTP/1.1 200")
        while len(received) < 256 * 1024:
            more = sock.recv(65536)
            assert more, "the server closed the stream early"
            received += more
    deadline = time.monotonic() + TIMEOUT
    while done(server).get(path, 0) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a second, wrong end would come right after the first
    assert done(server).get(path, 0) == before + 1
    log = new_log(server.log, start)
    assert not [marker for marker in PROTOCOL_ERRORS if marker in log], log
    assert errors_in(log) == [], log
