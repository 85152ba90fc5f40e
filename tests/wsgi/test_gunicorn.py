"""The examples under a real gunicorn on 127.0.0.1, driven by a real HTTP client (http.client).

Each example gets its own gunicorn, started on a socket this test binds to a
free port (handed over as ``fd://``, so no port can be taken in between) and
stopped at the end of the module. Whatever the tests send, gunicorn must log
no traceback: condget never turns a request into a 500.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.wsgi.support import EXAMPLES

TIMEOUT = 30.0


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]


class Gunicorn:
    """One gunicorn serving one example module."""

    def __init__(self, spec: str, log: Path) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port: int = self.listener.getsockname()[1]
        self.log = log
        fd = self.listener.fileno()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            f"--bind=fd://{fd}",
            f"--chdir={EXAMPLES}",
            "--workers=1",
            "--timeout=30",
            "--graceful-timeout=5",
            # Let absurd header values reach condget instead of gunicorn's 400.
            "--limit-request-field_size=262144",
            spec,
        ]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, pass_fds=[fd], stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ)
            )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                self.request("GET", "/")
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not serve within {TIMEOUT} s: {self.log.read_text()}")

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str | bytes] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Type", "application/json")
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def stream(self, path: str) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        connection.request("GET", path)
        return connection.getresponse(), connection

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if gunicorn hangs
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)
        self.listener.close()
        return self.log.read_text()


def serve(spec: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    server = Gunicorn(spec, tmp_path_factory.mktemp("gunicorn") / "log.txt")
    try:
        yield server
    finally:
        log = server.stop()
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def flask_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    yield from serve("flask_app:app", tmp_path_factory)


@pytest.fixture(scope="module")
def flask_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    yield from serve("flask_api:app", tmp_path_factory)


@pytest.fixture(scope="module")
def django_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    yield from serve("django_app:application", tmp_path_factory)


# --- flask_app: the response side -----------------------------------------------------


def test_200_with_etag_then_304(flask_app: Gunicorn) -> None:
    first = flask_app.request("GET", "/")
    assert first.status == 200
    etag = first.header("ETag")
    assert etag is not None
    assert etag.startswith('W/"')
    again = flask_app.request("GET", "/", {"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    assert again.header("ETag") == etag
    assert again.header("Content-Type") is None
    assert again.header("Transfer-Encoding") is None
    assert again.header("Date") is not None  # gunicorn's, and only one (R33)


def test_head_has_the_gets_etag_and_length(flask_app: Gunicorn) -> None:
    get = flask_app.request("GET", "/")
    plain = flask_app.request("HEAD", "/")  # may omit the tag only its body gives (§9.3.2)
    assert (plain.status, plain.body, plain.header("ETag")) == (200, b"", None)
    head = flask_app.request("HEAD", "/", {"If-None-Match": '"other"'})
    assert (head.status, head.body) == (200, b"")
    assert head.header("ETag") == get.header("ETag")
    assert head.header("Content-Length") == str(len(get.body))
    not_modified = flask_app.request("HEAD", "/", {"If-None-Match": str(get.header("ETag"))})
    assert (not_modified.status, not_modified.body) == (304, b"")


def test_apps_own_validators(flask_app: Gunicorn) -> None:
    first = flask_app.request("GET", "/report/2024")
    assert first.header("ETag") == '"report-2024-rev2"'
    last_modified = str(first.header("Last-Modified"))
    assert (
        flask_app.request("GET", "/report/2024", {"If-Modified-Since": last_modified}).status == 304
    )
    assert flask_app.request("GET", "/report/2024", {"If-Match": '"rev1"'}).status == 412


def test_10_mib_body_streams_untagged(flask_app: Gunicorn) -> None:
    response, connection = flask_app.stream("/big")
    try:
        assert response.status == 200
        assert response.getheader("ETag") is None  # over max_buffer
        assert response.getheader("Content-Length") == str(10 * 1024 * 1024)
        received = 0
        while chunk := response.read(256 * 1024):
            received += len(chunk)
        assert received == 10 * 1024 * 1024
    finally:
        connection.close()


BAD_VALUES: dict[str, str | bytes] = {
    "64_kib": "a" * 65536,
    "10000_members": ", ".join(f'"tag{n}"' for n in range(10000)),
    "10000_weak_members": ", ".join(f'W/"{n}"' for n in range(10000)),
    "non_latin1_bytes": '"é€😀"'.encode(),
    "latin1_bytes": bytes(range(0x80, 0x100)),
    "nul": b'"a\x00"',
    "control_characters": bytes(range(1, 9)),
}


@pytest.mark.parametrize("field", ["If-None-Match", "If-Match", "If-Modified-Since"])
@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_header_values_never_give_a_500(
    flask_app: Gunicorn, flask_api: Gunicorn, field: str, value: str | bytes
) -> None:
    for server, method, path in (
        (flask_app, "GET", "/"),
        (flask_app, "HEAD", "/report/2024"),
        (flask_api, "GET", "/items/1"),
        (flask_api, "PUT", "/items/1"),
    ):
        body = b'{"name": "x"}' if method == "PUT" else None
        status = server.request(method, path, {field: value}, body).status
        # 400: gunicorn itself refuses some bytes (NUL, controls) before any app runs.
        assert status in (200, 304, 400, 412, 428), (method, path)


# --- flask_api: pre-dispatch, optimistic concurrency -----------------------------------


def test_put_with_stale_if_match_gets_412_and_changes_nothing(flask_api: Gunicorn) -> None:
    got = flask_api.request("GET", "/items/1")
    etag = str(got.header("ETag"))
    assert got.status == 200
    updated = flask_api.request("PUT", "/items/1", {"If-Match": etag}, b'{"name": "fresh"}')
    assert updated.status == 200
    assert updated.header("ETag") != etag
    stale = flask_api.request("PUT", "/items/1", {"If-Match": etag}, b'{"name": "lost"}')
    assert stale.status == 412
    assert stale.header("ETag") == updated.header("ETag")  # what to retry against
    now = flask_api.request("GET", "/items/1")
    assert b'"fresh"' in now.body
    assert now.header("ETag") == updated.header("ETag")


def test_put_without_if_match_gets_428(flask_api: Gunicorn) -> None:
    before = flask_api.request("GET", "/items/1")
    blind = flask_api.request("PUT", "/items/1", {}, b'{"name": "blind"}')
    assert blind.status == 428
    assert flask_api.request("GET", "/items/1").body == before.body


def test_api_revalidation_304_carries_cache_control(flask_api: Gunicorn) -> None:
    etag = str(flask_api.request("GET", "/items/1").header("ETag"))
    revalidated = flask_api.request("GET", "/items/1", {"If-None-Match": etag})
    assert (revalidated.status, revalidated.body) == (304, b"")
    assert revalidated.header("Cache-Control") == "no-cache"
    assert revalidated.header("Date") is not None


# --- django_app ---------------------------------------------------------------------------


def test_django_200_then_304(django_app: Gunicorn) -> None:
    first = django_app.request("GET", "/")
    assert first.status == 200
    etag = str(first.header("ETag"))
    assert etag.startswith('W/"')
    again = django_app.request("GET", "/", {"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    article = django_app.request("GET", "/articles/hello")
    assert article.header("ETag") == '"v3"'
    assert django_app.request("GET", "/articles/hello", {"If-None-Match": '"v3"'}).status == 304
