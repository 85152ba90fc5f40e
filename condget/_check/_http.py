"""The checker's HTTP: one request per connection with http.client, and no redirect followed."""

from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from condget import __version__

__all__ = ["MAX_BODY", "Exchange", "ProbeError", "Request", "Response", "fetch"]

MAX_BODY: Final = 8 * 1024 * 1024
"""The most body bytes read from one response; a longer body is cut (``complete`` is false)."""

USER_AGENT: Final = f"condget-check/{__version__}"
# How long to wait for bytes a server should not send after a response that
# has no content (HEAD, 304, 204). "Connection: close" makes a correct server
# close at once, so the wait is paid only by servers that keep the connection.
_LEFTOVER_WAIT: Final = 0.5
_NO_CONTENT: Final = frozenset({204, 304})


class ProbeError(Exception):
    """No valid HTTP response came back: refused, reset, timed out, or not HTTP."""


@dataclass(frozen=True, slots=True)
class Request:
    """A request the checker sends.

    Attributes:
        method: ``GET``, ``HEAD``, or with ``--writes`` ``PUT``/``DELETE``.
        url: The absolute URL.
        headers: The fields this probe adds (what the evidence shows);
            ``User-Agent``, ``Connection: close`` and ``--header`` fields are
            sent too.
        body: The content, for PUT.
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Response:
    """What came back.

    Attributes:
        status: The status code.
        headers: The header fields in order, names as received.
        body: The content as sent (not decoded), at most :data:`MAX_BODY` bytes.
        complete: Whether ``body`` is all of it.
        leftover: Bytes that followed a response that cannot have content
            (HEAD, 204, 304): content the server should not have sent.
        ttfb: Seconds from sending the request to having its header.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    complete: bool = True
    leftover: bytes = b""
    ttfb: float = 0.0

    def values(self, name: str) -> list[str]:
        """Every value of the field ``name`` (case-insensitive), one per field line."""
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    def get(self, name: str) -> str | None:
        """The field's value, lines joined with ``", "`` (RFC 9110 §5.3), or ``None``."""
        values = self.values(name)
        return ", ".join(values) if values else None


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request and the response it got."""

    request: Request
    response: Response


def fetch(request: Request, *, timeout: float, extra: tuple[tuple[str, str], ...] = ()) -> Response:
    """Send ``request`` on a new connection and read the response; never follows a redirect.

    Raises:
        ProbeError: No valid response within ``timeout`` seconds per socket
            operation, or the connection failed.
    """
    parts = urlsplit(request.url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, **dict(extra), **dict(request.headers)}
    headers["Connection"] = "close"
    try:
        started = time.monotonic()
        connection.request(request.method, target, body=request.body or None, headers=headers)
        sock = connection.sock
        answer = connection.getresponse()
        ttfb = time.monotonic() - started
        fields = tuple(answer.getheaders())
        if request.method == "HEAD" or answer.status in _NO_CONTENT:
            # http.client reads no content here (RFC 9112 §6.3), whatever the
            # header says; what the server sent anyway is still on the socket.
            return Response(answer.status, fields, leftover=_leftover(answer, sock), ttfb=ttfb)
        body = answer.read(MAX_BODY + 1)
        if len(body) <= MAX_BODY and answer.length:  # read(amt) returns short reads quietly
            raise http.client.IncompleteRead(body, answer.length)
        return Response(answer.status, fields, body[:MAX_BODY], len(body) <= MAX_BODY, ttfb=ttfb)
    except (OSError, http.client.HTTPException) as error:
        raise ProbeError(_describe(error)) from error
    finally:
        connection.close()


def _leftover(answer: http.client.HTTPResponse, sock: socket.socket) -> bytes:
    try:
        sock.settimeout(_LEFTOVER_WAIT)
        return answer.fp.read1(65536)
    except OSError:  # the wait ran out: nothing more was sent
        return b""


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return "no answer before the timeout"
    if isinstance(error, http.client.IncompleteRead):
        return f"the body ended after {len(error.partial)} bytes, before its declared end"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"
