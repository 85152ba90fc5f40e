"""The example apps under real servers (uvicorn with h11, hypercorn), driven by a real HTTP client.

Each server runs in a subprocess on 127.0.0.1 and a free port, with its log
in a file; when a server stops, its log must hold no warning or error: in
particular uvicorn's h11 protocol never reports a protocol error (an
``Invalid HTTP`` warning or an exception from ``h11``).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
BIG_SIZE = 10 * 1024 * 1024
BIG_SHA256 = hashlib.sha256(b"0123456789abcdef" * 4096 * 160).hexdigest()
# What a clean log may not contain: levels above INFO, tracebacks, h11's errors.
TROUBLE = re.compile(
    r"WARNING|ERROR|CRITICAL|Traceback|Invalid HTTP|ProtocolError|\[(?:warning|error)\]", re.I
)


@dataclass
class Server:
    url: str
    host: str
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start(
    kind: str, app: str, log: Path
) -> tuple[subprocess.Popen[bytes], Server, socket.socket | None]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    handle = log.open("wb")
    listener = None
    if kind == "uvicorn":
        # Port 0: uvicorn logs the port it was given. --http h11: the pure-Python
        # HTTP/1.1 implementation whose protocol checks we want to hear from.
        args = [
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--http",
            "h11",
            "--log-level",
            "info",
        ]
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env
        )
    else:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        fd = listener.fileno()
        args = [
            "-m",
            "hypercorn",
            app,
            "--bind",
            f"fd://{fd}",
            "--error-logfile",
            "-",
            "--log-level",
            "info",
        ]
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            pass_fds=[fd],
        )
    handle.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    port = None
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if process.poll() is not None:
            pytest.fail(f"{kind} exited at startup:\n{text}")
        if kind == "uvicorn":
            found = re.search(r"running on http://127\.0\.0\.1:(\d+)", text)
            if found:
                port = int(found[1])
                break
        elif "Running on" in text:
            assert listener is not None
            port = listener.getsockname()[1]
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail(f"{kind} did not start within {STARTUP_TIMEOUT} s:\n{log.read_text()}")
    return process, Server(f"http://127.0.0.1:{port}", "127.0.0.1", port, log), listener


def stop(process: subprocess.Popen[bytes], listener: socket.socket | None) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)
    if listener is not None:
        listener.close()


@pytest.fixture(scope="module", params=["uvicorn", "hypercorn"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def serve(kind: str, app: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp(kind) / "server.log"
    process, server, listener = start(kind, app, log)
    try:
        yield server
    finally:
        stop(process, listener)
    problems = [line for line in server.log_text().splitlines() if TROUBLE.search(line)]
    assert problems == [], f"{kind} logged trouble serving {app}:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def starlette_server(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(kind, "examples.starlette_app:app", tmp_path_factory)


@pytest.fixture(scope="module")
def gzip_outside_server(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(kind, "tests.asgi.server_apps:gzip_outside", tmp_path_factory)


@pytest.fixture(scope="module")
def fastapi_server(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(kind, "examples.fastapi_app:app", tmp_path_factory)


def client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30.0)


# --- Revalidation and HEAD ----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_revalidation_gets_304(starlette_server: Server, encoding: str) -> None:
    with client(starlette_server) as http:
        first = http.get("/hello", headers={"Accept-Encoding": encoding})
        assert first.status_code == 200
        assert first.headers.get("content-encoding", "identity") == encoding
        tag = first.headers["etag"]
        again = http.get("/hello", headers={"Accept-Encoding": encoding, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert "content-encoding" not in again.headers
    assert "content-length" not in again.headers


def test_304_leaves_a_kept_alive_connection_usable(starlette_server: Server) -> None:
    """A 304 ends at its header section (R33): the next response on the connection parses."""
    connection = http.client.HTTPConnection(
        starlette_server.host, starlette_server.port, timeout=30
    )
    try:
        connection.request("GET", "/hello", headers={"Accept-Encoding": "gzip"})
        first = connection.getresponse()
        first.read()
        tag = first.getheader("ETag")
        assert tag is not None
        for _ in range(3):
            connection.request(
                "GET", "/hello", headers={"Accept-Encoding": "gzip", "If-None-Match": tag}
            )
            response = connection.getresponse()
            assert response.status == 304
            assert response.read() == b""
            # The server adds Date (§6.6.1) and condget does not: exactly one.
            assert len(response.headers.get_all("Date") or []) == 1
        connection.request("GET", "/articles/1", headers={"If-Match": '"article-1-v2"'})
        response = connection.getresponse()
        assert response.status == 412
        assert response.read() == b"412 Precondition Failed\n"
        assert len(response.headers.get_all("Date") or []) == 1
        connection.request("GET", "/articles/1")
        response = connection.getresponse()
        assert response.status == 200
        assert b"Conditional requests" in response.read()
    finally:
        connection.close()


def test_per_route_check_answers_304_and_412(starlette_server: Server) -> None:
    with client(starlette_server) as http:
        first = http.get("/articles/1")
        assert first.headers["etag"] == '"article-1-v3"'
        assert (
            http.get("/articles/1", headers={"If-None-Match": '"article-1-v3"'}).status_code == 304
        )
        assert http.get("/articles/1", headers={"If-Match": '"article-1-v2"'}).status_code == 412
        assert http.get("/articles/404").status_code == 404


@pytest.mark.parametrize("path", ["/hello", "/articles/1"])
def test_head_gets_get_s_header_fields_and_no_body(starlette_server: Server, path: str) -> None:
    headers = {"Accept-Encoding": "identity"}
    with client(starlette_server) as http:
        get = http.get(path, headers=headers)
        # A conditional HEAD: an unconditional one may omit the auto-ETag (§9.3.2).
        head = http.head(path, headers={**headers, "If-None-Match": '"other"'})
        revalidated = http.head(path, headers={**headers, "If-None-Match": get.headers["etag"]})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))
    assert revalidated.status_code == 304


def test_streamed_10_mib_body(starlette_server: Server) -> None:
    """Above max_buffer: streamed as produced, untagged, every byte intact."""
    digest = hashlib.sha256()
    size = 0
    with (
        client(starlette_server) as http,
        http.stream("GET", "/big", headers={"Accept-Encoding": "identity"}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-length"] == str(BIG_SIZE)
        assert "etag" not in response.headers
        for chunk in response.iter_raw():
            digest.update(chunk)
            size += len(chunk)
    assert size == BIG_SIZE
    assert digest.hexdigest() == BIG_SHA256


def test_client_leaving_mid_body_leaves_the_server_log_clean(starlette_server: Server) -> None:
    """A client that hangs up after 64 KiB of the 10 MiB body: no error (checked at teardown)."""
    for path in ("/big", "/hello"):
        with socket.create_connection(
            (starlette_server.host, starlette_server.port), timeout=30
        ) as raw:
            raw.sendall(
                f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n".encode()
            )
            received = b""
            while len(received) < (64 * 1024 if path == "/big" else 1):
                chunk = raw.recv(65536)
                assert chunk
                received += chunk
        assert received.startswith(b"HTTP/1.1 200 ")
    with client(starlette_server) as http:  # and the server goes on serving
        assert http.get("/hello").status_code == 200


def test_streamed_10_mib_body_compressed(starlette_server: Server) -> None:
    with client(starlette_server) as http:
        response = http.get("/big", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert hashlib.sha256(response.content).hexdigest() == BIG_SHA256


def test_head_of_the_10_mib_body(starlette_server: Server) -> None:
    with client(starlette_server) as http:
        head = http.head("/big", headers={"Accept-Encoding": "identity"})
    assert head.headers["content-length"] == str(BIG_SIZE)
    assert head.content == b""


# --- Compression, both orders ------------------------------------------------------


@pytest.fixture(params=["condget_outside", "gzip_outside"])
def either_order(request: pytest.FixtureRequest, kind: str) -> Server:
    # Depends on kind, so that the server fixtures looked up below know theirs.
    name = "starlette_server" if request.param == "condget_outside" else "gzip_outside_server"
    server: Server = request.getfixturevalue(name)
    return server


def test_gzip_both_orders_one_weak_tag_and_304(either_order: Server) -> None:
    with client(either_order) as http:
        compressed = http.get("/hello", headers={"Accept-Encoding": "gzip"})
        identity = http.get("/hello", headers={"Accept-Encoding": "identity"})
        assert compressed.headers["content-encoding"] == "gzip"
        assert "content-encoding" not in identity.headers
        # Two byte sequences, one content: one tag, and a weak one (§8.8.1).
        assert compressed.headers["etag"] == identity.headers["etag"]
        assert compressed.headers["etag"].startswith('W/"')
        assert compressed.content == identity.content
        for encoding in ("gzip", "identity"):
            again = http.get(
                "/hello",
                headers={"Accept-Encoding": encoding, "If-None-Match": compressed.headers["etag"]},
            )
            assert again.status_code == 304
            assert "content-encoding" not in again.headers


def test_gzip_raw_bytes_are_really_gzip(either_order: Server) -> None:
    with (
        client(either_order) as http,
        http.stream("GET", "/hello", headers={"Accept-Encoding": "gzip"}) as response,
    ):
        raw = b"".join(response.iter_raw())
    assert gzip.decompress(raw).startswith(b"Hello, conditional world!")


# --- Optimistic concurrency (FastAPI example) ------------------------------------------------


def test_put_with_stale_if_match_gets_412_and_leaves_the_data_alone(fastapi_server: Server) -> None:
    with client(fastapi_server) as http:
        created = http.put("/notes/race", headers={"If-None-Match": "*"}, json={"text": "first"})
        assert created.status_code == 201
        tag = created.headers["etag"]
        winner = http.put("/notes/race", headers={"If-Match": tag}, json={"text": "winner"})
        assert winner.status_code == 200
        loser = http.put("/notes/race", headers={"If-Match": tag}, json={"text": "loser"})
        assert loser.status_code == 412
        assert loser.headers["etag"] == winner.headers["etag"]  # what to retry against
        blind = http.put("/notes/race", json={"text": "blind"})
        assert blind.status_code == 428
        current = http.get("/notes/race")
        assert current.json()["text"] == "winner"
        assert current.headers["etag"] == winner.headers["etag"]
        assert (
            http.get("/notes/race", headers={"If-None-Match": current.headers["etag"]}).status_code
            == 304
        )
        assert http.delete("/notes/race", headers={"If-Match": tag}).status_code == 412
        assert http.get("/notes/race").status_code == 200
        assert (
            http.delete("/notes/race", headers={"If-Match": current.headers["etag"]}).status_code
            == 204
        )


def test_fastapi_list_gets_an_auto_etag(fastapi_server: Server) -> None:
    with client(fastapi_server) as http:
        first = http.get("/notes")
        again = http.get("/notes", headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["etag"].startswith('W/"')
    assert again.status_code == 304


# --- The log check can fail ----------------------------------------------------------


def test_a_protocol_error_does_show_in_the_log(tmp_path: Path) -> None:
    """The clean-log check can fail: uvicorn's h11 refuses a 304 with a body and logs it.

    Such a 304 comes from a compressor outside condget that gzips even empty
    bodies, the order docs/asgi.md warns against. (hypercorn drops the body
    quietly, so this check is about uvicorn's h11.)
    """
    app = "tests.asgi.server_apps:gzip_everything_outside"
    process, server, listener = start("uvicorn", app, tmp_path / "server.log")
    try:
        with client(server) as http:
            tag = http.get("/hello", headers={"Accept-Encoding": "gzip"}).headers["etag"]
            with contextlib.suppress(httpx.HTTPError):  # the server may drop the connection
                http.get("/hello", headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
            time.sleep(0.5)  # let the server write its log
    finally:
        stop(process, listener)
    assert "LocalProtocolError" in server.log_text()
    assert TROUBLE.search(server.log_text())
