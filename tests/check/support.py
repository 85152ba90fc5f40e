"""In-process servers for the checker's unit tests: a raw HTTP/1.1 server and a correct origin.

``RawServer`` answers each request with whatever bytes its handler returns,
then closes the connection, so a test can send anything at all: a 304 with a
body, a missing Date, a malformed status line. ``Origin`` is a handler that
gets conditional requests right (condget's core decides 304/412, its own code
serves ranges), with knobs to break one rule at a time.
"""

from __future__ import annotations

import gzip
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from condget import ETag, evaluate, not_modified, parse_http_date, precondition_failed
from condget._check._registry import Status, Verdict
from condget._check._report import Report
from condget._check._run import check_url
from condget._check._target import Options

REASONS = {
    200: "OK",
    204: "No Content",
    206: "Partial Content",
    304: "Not Modified",
    404: "Not Found",
    412: "Precondition Failed",
    416: "Range Not Satisfiable",
}
DATE = "Thu, 01 Jan 2026 00:00:00 GMT"
LAST_MODIFIED = "Wed, 01 Jan 2025 12:00:00 GMT"
BODY = b"0123456789abcdefghijklmnopqrstuvwxyz" * 10


@dataclass
class Seen:
    """A request as the server read it."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def get(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ", ".join(values) if values else None


Handler = Callable[[Seen], bytes]


def response(
    status: int,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    *,
    length: bool = True,
) -> bytes:
    """The bytes of a response; Content-Length added unless ``length`` is false or one is given."""
    fields = list(headers or [])
    if length and not any(name.lower() == "content-length" for name, _ in fields):
        fields.append(("Content-Length", str(len(body))))
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Whatever')}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in fields)
    return head.encode("latin-1") + b"\r\n" + body


class _Handler(socketserver.StreamRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        request_line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        if not request_line:
            return
        method, path, _ = request_line.split(" ", 2)
        headers = []
        while (line := self.rfile.readline().decode("latin-1").rstrip("\r\n")) != "":
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
        seen = Seen(method, path, headers)
        length = seen.get("Content-Length")
        if length:
            seen.body = self.rfile.read(int(length))
        self.server.seen.append(seen)
        reply = self.server.handler(seen)
        try:
            self.wfile.write(reply)
            self.wfile.flush()
            time.sleep(self.server.hold)  # a server that keeps the connection open
        except OSError:  # the client gave up first (a timeout test)
            pass


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: Handler, hold: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.handler = handler
        self.hold = hold
        self.seen: list[Seen] = []


class RawServer:
    """A server on 127.0.0.1 that answers every request with ``handler(request)``."""

    def __init__(self, handler: Handler, hold: float = 0.0) -> None:
        self._server = _TCPServer(handler, hold)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )
        self._thread.start()

    @property
    def seen(self) -> list[Seen]:
        return self._server.seen

    def url(self, path: str = "/page") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def serving(handler: Handler, hold: float = 0.0) -> Iterator[RawServer]:
    server = RawServer(handler, hold)
    try:
        yield server
    finally:
        server.close()


_SPEC = re.compile(r"(\d*)-(\d*)")


def _ranges(value: str, length: int) -> list[tuple[int, int]] | None:
    """A byte-range set (§14.1.1) against ``length``: None to ignore it, [] if unsatisfiable."""
    unit, _, specs = value.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    resolved = []
    for spec in specs.split(","):
        match = _SPEC.fullmatch(spec.strip())
        if match is None or match[0] == "-":
            return None
        first, last = match[1], match[2]
        if not first:
            suffix = int(last)
            if suffix:
                resolved.append((max(length - suffix, 0), length - 1))
        elif int(first) < length:
            end = min(int(last), length - 1) if last else length - 1
            if end < int(first):
                return None
            resolved.append((int(first), end))
    return resolved


@dataclass
class Origin:
    """A correct origin server for one resource at ``path``, with a knob per behaviour.

    ``override`` may answer a request itself (return bytes) or let the origin
    answer (return None): the way a test breaks one rule.
    """

    body: bytes = BODY
    path: str = "/page"
    etag: str | None = '"v1"'
    last_modified: str | None = LAST_MODIFIED
    date: str | None = DATE
    extra: list[tuple[str, str]] = field(default_factory=lambda: [("Cache-Control", "max-age=60")])
    ranges: bool = True
    gzip: bool = False
    missing_etag: str | None = None
    override: Callable[[Seen], bytes | None] | None = None
    writes: list[str] = field(default_factory=list)

    def headers(self) -> list[tuple[str, str]]:
        fields = [("Content-Type", "text/plain")]
        if self.date is not None:
            fields.append(("Date", self.date))
        if self.etag is not None:
            fields.append(("ETag", self.etag))
        if self.last_modified is not None:
            fields.append(("Last-Modified", self.last_modified))
        if self.gzip:
            fields.append(("Vary", "Accept-Encoding"))
        return fields + self.extra

    def __call__(self, seen: Seen) -> bytes:
        if self.override is not None and (reply := self.override(seen)) is not None:
            return reply
        if seen.path != self.path:
            fields = [("ETag", self.missing_etag)] if self.missing_etag else []
            return response(404, [*fields, ("Content-Type", "text/plain")], b"not found\n")
        # The validators as a recipient reads them: an invalid one is no validator.
        decision = evaluate(
            seen.method,
            seen.headers,
            etag=ETag.parse_or_none(self.etag or ""),
            last_modified=parse_http_date(self.last_modified or ""),
        )
        headers = self.headers()
        if decision.status == 304:
            return response(304, not_modified(headers, add_date=False).headers, length=False)
        if decision.status == 412:
            reply = precondition_failed(headers, add_date=False)
            return response(412, reply.headers, reply.body)
        if seen.method in ("PUT", "DELETE"):
            self.writes.append(seen.method)
            return response(204, headers, length=False)
        body = self.body
        if self.gzip and "gzip" in (seen.get("Accept-Encoding") or ""):
            body = gzip.compress(body, mtime=0)
            headers = [(n, v) for n, v in headers if n != "ETag"]
            headers += [("ETag", '"v1-gzip"'), ("Content-Encoding", "gzip")]
        wanted = seen.get("Range")
        if self.ranges and wanted is not None and decision.range_allowed and seen.method == "GET":
            return self.partial(headers, body, wanted) or response(200, headers, body)
        if seen.method == "HEAD":
            return response(200, [*headers, ("Content-Length", str(len(body)))])
        return response(200, headers, body)

    def partial(self, headers: list[tuple[str, str]], body: bytes, wanted: str) -> bytes | None:
        ranges = _ranges(wanted, len(body))
        if ranges is None or not body:
            return None
        if not ranges:
            return response(416, [("Content-Range", f"bytes */{len(body)}")])
        if len(ranges) == 1:
            [(first, last)] = ranges
            content_range = ("Content-Range", f"bytes {first}-{last}/{len(body)}")
            return response(206, [*headers, content_range], body[first : last + 1])
        boundary = "condget-test-boundary"
        parts = b"".join(
            f"--{boundary}\r\nContent-Type: text/plain\r\n"
            f"Content-Range: bytes {first}-{last}/{len(body)}\r\n\r\n".encode()
            + body[first : last + 1]
            + b"\r\n"
            for first, last in ranges
        )
        content = parts + f"--{boundary}--\r\n".encode()
        fields = [(n, v) for n, v in headers if n != "Content-Type"]
        fields.append(("Content-Type", f"multipart/byteranges; boundary={boundary}"))
        return response(206, fields, content)


def run(handler: Handler, path: str = "/page", **options: Any) -> Report:
    """Check the handler's resource at ``path``, served for the duration of the call."""
    with serving(handler) as server:
        return check_url(server.url(path), Options(**options))


def verdicts(handler: Handler, path: str = "/page", **options: Any) -> dict[str, Verdict]:
    report = run(handler, path, **options)
    assert report.error is None, report.error
    return {finding.check.id: finding.verdict for finding in report.findings}


def statuses(handler: Handler, path: str = "/page", **options: Any) -> dict[str, Status]:
    return {key: value.status for key, value in verdicts(handler, path, **options).items()}


def not_passing(handler: Handler, path: str = "/page", **options: Any) -> dict[str, str]:
    """The checks that did not pass or skip, and their status."""
    return {
        key: status.value
        for key, status in statuses(handler, path, **options).items()
        if status in (Status.FAIL, Status.WARN)
    }


def replace_header(reply: bytes, name: str, value: str | None) -> bytes:
    """``reply`` with the field ``name`` set to ``value`` (removed when None)."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept = [line for line in lines[1:] if not line.lower().startswith(name.lower().encode() + b":")]
    if value is not None:
        kept.append(f"{name}: {value}".encode("latin-1"))
    return b"\r\n".join([lines[0], *kept]) + b"\r\n\r\n" + body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
