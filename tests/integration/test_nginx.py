"""nginx (the Debian package) as a caching reverse proxy in front of condget, revalidating.

``proxy_cache_revalidate on`` makes nginx revalidate an expired entry with
If-None-Match (the stored ETag, R37) and If-Modified-Since (the stored
Last-Modified). condget answers 304 (R17, R18, R33) with the same ETag, so
nginx freshens its copy (R39, R40) and still gives its own client the full,
byte-identical 200 (``$upstream_cache_status`` REVALIDATED).

nginx runs as a child process in the foreground with its own prefix, config,
cache, logs and pid file in a temporary directory, on a random port.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.support import (
    HTTP_TIMEOUT,
    Server,
    free_port,
    require_tool,
    stop,
    wait_for_port,
)
from tests.integration.upstream import served_app

# What the access log records for each request: the status nginx sent its
# client, what the app sent nginx, and where nginx's answer came from.
LOG_FORMAT = "$request_method $uri $status $upstream_status $upstream_cache_status $bytes_sent"

CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 64; }}
http {{
    log_format cache '{log_format}';
    access_log {tmp}/access.log cache;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=condget:1m max_size=10m inactive=10m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_cache condget;
            proxy_cache_revalidate on;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Logged:
    method: str
    uri: str
    status: int
    upstream_status: str
    cache_status: str


class Nginx:
    def __init__(self, upstream: Server, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        # As root, nginx's workers would switch to a user that cannot enter
        # the 0700 temporary directory; they stay root instead.
        user = "user root;\n" if os.geteuid() == 0 else ""
        config = tmp / "nginx.conf"
        config.write_text(
            CONFIG.format(
                user=user, tmp=tmp, port=self.port, upstream=upstream.port, log_format=LOG_FORMAT
            )
        )
        command = [
            require_tool("nginx"),
            "-p",
            str(tmp),
            "-c",
            str(config),
            "-e",
            str(tmp / "error.log"),
        ]
        with (tmp / "stderr.log").open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, tmp / "stderr.log")

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes, Logged]:
        """GET through nginx; also return the access log's line for the request."""
        logged = len(self.log())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            got = response.status, response.headers, response.read()
        finally:
            connection.close()
        # nginx writes the line once the response is sent, maybe after we read it.
        deadline = time.monotonic() + HTTP_TIMEOUT
        while len(lines := self.log()) == logged:
            assert time.monotonic() < deadline, "nginx logged no line for the request"
            time.sleep(0.01)
        [line] = lines[logged:]
        return (*got, line)

    def log(self) -> list[Logged]:
        logged = []
        for line in (self.tmp / "access.log").read_text().splitlines():
            method, uri, status, upstream_status, cache_status, _ = line.split(" ")
            logged.append(Logged(method, uri, int(status), upstream_status, cache_status))
        return logged

    def close(self) -> str:
        stop(self.process)
        return (self.tmp / "error.log").read_text()


@pytest.fixture(scope="module")
def nginx(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    proxy = Nginx(server, tmp_path_factory.mktemp(f"nginx-{server.kind}"))
    try:
        yield proxy
    finally:
        errors = proxy.close()
    # nginx found nothing wrong with condget's responses (an invalid 304 or
    # header is logged as "upstream sent ..." at error level).
    assert "[error]" not in errors, errors
    assert "[crit]" not in errors, errors


def _wait_until_revalidated(
    nginx: Nginx, path: str
) -> tuple[int, http.client.HTTPMessage, bytes, Logged]:
    """GET through nginx until the entry (max-age=1) has expired and been revalidated."""
    deadline = time.monotonic() + 5  # max-age=1 on a clock of whole seconds: at most ~2 s
    while time.monotonic() < deadline:
        got = nginx.get(path)
        if got[3].cache_status != "HIT":
            return got
        time.sleep(0.2)
    pytest.fail(f"nginx still served {path} as HIT 5 s after max-age=1")


@pytest.mark.parametrize(
    ("path", "validators"),
    [
        pytest.param("/page", "strong", id="R37-app-etag-and-last-modified"),
        pytest.param("/auto", "weak", id="R37-condget-auto-etag-and-last-modified"),
    ],
)
def test_expired_entry_is_revalidated_with_304(
    nginx: Nginx, server: Server, path: str, validators: str
) -> None:
    """After expiry the app sends 304; nginx's client gets the same 200, byte for byte."""
    status, headers, first, logged = nginx.get(path)
    assert (status, first) == (200, served_app.PAGE)
    assert logged == Logged("GET", path, 200, "200", "MISS")
    etag = headers["ETag"]
    assert etag.startswith('W/"') == (validators == "weak")

    status, _, cached, logged = nginx.get(path)
    assert (status, cached, logged.cache_status) == (200, first, "HIT")

    wire_before = len(server.wire())
    status, again_headers, again, logged = _wait_until_revalidated(nginx, path)
    assert logged == Logged("GET", path, 200, "304", "REVALIDATED")
    assert (status, again) == (200, first)  # byte-identical, from nginx's freshened copy
    assert again_headers["ETag"] == etag
    assert again_headers["Last-Modified"] == served_app.LAST_MODIFIED
    # What nginx sent the app: both validators it stored (R37), and the 304 it got.
    [revalidation] = server.wire()[wire_before:]
    assert revalidation == {
        "method": "GET",
        "path": path,
        "status": 304,
        "if-none-match": etag,
        "if-modified-since": served_app.LAST_MODIFIED,
    }

    # Freshened for another max-age (R40): served from the cache again.
    status, _, fresh, logged = nginx.get(path)
    assert (status, fresh, logged.cache_status) == (200, first, "HIT")
