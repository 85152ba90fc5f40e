"""Real servers and clients for the range tests: the served files, nginx with slices, Chromium.

Everything runs on 127.0.0.1 on free ports, as child processes with their
files in a temporary directory; see tests/integration/support.py for the
servers themselves.
"""

from __future__ import annotations

import contextlib
import email.parser
import http.client
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.integration.support import (
    HTTP_TIMEOUT,
    ROOT,
    Server,
    free_port,
    require_tool,
    stop,
    wait_for_port,
)
from tests.ranges import apps

APPS = {"gunicorn": "tests.ranges.apps:wsgi", "uvicorn": "tests.ranges.apps:asgi"}


@dataclass
class Served:
    """A server serving :mod:`tests.ranges.apps`, and the files' bytes and validators."""

    server: Server
    files: dict[str, bytes]

    @property
    def data(self) -> bytes:
        return self.files["data.bin"]

    def url(self, name: str = "data.bin") -> str:
        return f"{self.server.url}/{name}"

    def etag(self, name: str = "data.bin") -> str:
        return apps.strong_etag(self.files[name])


def serve_files(kind: str, workdir: Path) -> Served:
    files = apps.write_files(workdir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONDGET_RANGES_DIR", str(workdir))  # read by the server's app module
        server = Server(kind, workdir, app=(ROOT, APPS[kind]))
    return Served(server, files)


def multipart_parts(content_type: str, body: bytes) -> list[tuple[str, str, bytes]]:
    """Read multipart/byteranges with ``email``: each part's Content-Type, Content-Range, bytes."""
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    assert message.is_multipart(), content_type
    assert not message.defects, message.defects
    parts = []
    for part in message.get_payload():
        assert not isinstance(part, str)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append((str(part["Content-Type"]), str(part["Content-Range"]), payload))
    return parts


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# nginx as a caching reverse proxy that fills its cache in slices: each slice
# is a Range request to the origin, which condget must answer with a 206
# whose ETag is the same for every slice (the slice module checks both).
SLICE = 64 * 1024
NGINX_CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=slices:1m max_size=50m inactive=10m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            slice {slice};
            proxy_cache slices;
            proxy_cache_key $uri$is_args$args$slice_range;
            proxy_set_header Range $slice_range;
            proxy_cache_valid 200 206 1h;
            proxy_http_version 1.1;
            proxy_pass http://127.0.0.1:{upstream};
        }}
    }}
}}
"""


class SlicingNginx:
    """The Debian nginx in the foreground, caching ``upstream`` in slices of :data:`SLICE`."""

    def __init__(self, upstream: Server, tmp: Path) -> None:
        nginx = require_tool("nginx")
        version = subprocess.run([nginx, "-V"], capture_output=True, text=True, check=True)
        if "--with-http_slice_module" not in version.stderr:
            pytest.fail(f"this nginx has no slice module:\n{version.stderr}")
        self.tmp = tmp
        self.port = free_port()
        # As root, nginx's workers would switch to a user that cannot enter
        # the 0700 temporary directory; they stay root instead.
        user = "user root;\n" if os.geteuid() == 0 else ""
        config = tmp / "nginx.conf"
        config.write_text(
            NGINX_CONFIG.format(
                user=user, tmp=tmp, port=self.port, upstream=upstream.port, slice=SLICE
            )
        )
        command = [nginx, "-p", str(tmp), "-c", str(config), "-e", str(tmp / "error.log")]
        with (tmp / "stderr.log").open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, tmp / "stderr.log")

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        return get(self.port, path, headers)

    def close(self) -> str:
        stop(self.process)
        return (self.tmp / "error.log").read_text()


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # play() without a user gesture; headless has no sound card and plays
    # to a fake output (ALSA complains on stderr, which is harmless).
    "--autoplay-policy=no-user-gesture-required",
    # Keeps the browser running once the page has loaded, until stopped.
    "--remote-debugging-port=0",
)
CHROMIUM_TIMEOUT = 90.0


def chromium_report(served: Served, profile: Path) -> dict[str, str]:
    """Open the player page in headless Chromium; the fields the page reported (``/report``)."""
    chromium = require_tool("chromium")
    before = len(served.server.wire())
    log_path = profile.parent / "chromium.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", served.url("player.html")],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its helpers stop with it
        )
    try:
        deadline = time.monotonic() + CHROMIUM_TIMEOUT
        while time.monotonic() < deadline:
            reports = [w for w in served.server.wire()[before:] if w["path"] == "/report"]
            if reports:
                break
            if process.poll() is not None:
                pytest.fail(f"chromium exited ({process.returncode}):\n{log_path.read_text()}")
            time.sleep(0.1)
        else:
            pytest.fail(
                f"the page reported nothing in {CHROMIUM_TIMEOUT} s; the server saw "
                f"{served.server.wire()[before:]}\n{log_path.read_text()[-4000:]}"
            )
    finally:
        _stop_group(process)
    return dict(parse_qsl(reports[0]["query"]))


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # The browser's helper processes (renderer, utility) in the same group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
