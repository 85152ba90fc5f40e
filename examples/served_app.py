"""One small app, as WSGI and as ASGI, wrapped in condget: what the integration tests serve.

The same resources in both protocols, with no framework in between, so that
what a cache or a load generator sees is condget's doing:

- ``GET /page``: HTML with a strong ``ETag`` and a ``Last-Modified`` set by
  the app and ``Cache-Control: max-age=1``. condget answers 304 to
  ``If-None-Match`` or ``If-Modified-Since`` from the response's own
  validators (R28, R30), so a cache can revalidate it every second.
- ``GET /auto``: the same without an ``ETag``: condget adds a weak one hashed
  from the body (auto-ETag), which the cache then sends back.
- ``GET /notes/1`` and ``PUT /notes/1``: a note with a version. A
  ``validators`` hook tells condget the version before the app runs, so a
  ``PUT`` whose ``If-Match`` names an old version gets 412 and the update is
  never made (R36, RFC 9110 §13.2.1).

``wsgi`` and ``asgi`` are the wrapped apps; ``plain_wsgi`` and ``plain_asgi``
are the same apps without condget, the load benchmark's baseline. Serve them
from this directory with ``gunicorn served_app:wsgi`` or
``uvicorn served_app:asgi``.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from condget import Validators, format_http_date
from condget.asgi import ConditionalMiddleware as ASGIConditionalMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIConditionalMiddleware

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PAGE = b"<!doctype html><title>condget</title>" + b"<p>Conditional requests, served.</p>" * 60
PAGE_ETAG = '"page-v1"'
LAST_MODIFIED = format_http_date(datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC))
_CACHEABLE = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", str(len(PAGE))),
    ("Cache-Control", "max-age=1"),
    ("Last-Modified", LAST_MODIFIED),
]


@dataclass
class Note:
    version: int
    text: str


# The note "database", shared by a server's threads.
_lock = threading.Lock()
_note = Note(version=1, text="Buy milk.")

Response = tuple[int, list[tuple[str, str]], bytes]


def _note_etag() -> str:
    return f'"v{_note.version}"'


def respond(method: str, path: str, body: bytes) -> Response:
    """The application, protocol-free and unaware of conditional requests."""
    read = method in ("GET", "HEAD")
    if path == "/page" and read:
        return 200, [*_CACHEABLE, ("ETag", PAGE_ETAG)], PAGE
    if path == "/auto" and read:
        return 200, list(_CACHEABLE), PAGE
    if path == "/notes/1" and read:
        with _lock:
            text = _note.text.encode()
            etag = _note_etag()
        return 200, [("Content-Type", "text/plain"), ("ETag", etag)], text
    if path == "/notes/1" and method == "PUT":
        with _lock:
            _note.version += 1
            _note.text = body.decode()
            etag = _note_etag()
        return 204, [("ETag", etag)], b""
    return 404, [("Content-Type", "text/plain")], b"not found\n"


def note_validators(path: str) -> Validators | None:
    """The note's current version, known before the app runs (the pre-dispatch hook)."""
    if path != "/notes/1":
        return None
    with _lock:
        return Validators(etag=_note_etag())


_REASONS = {200: "OK", 204: "No Content", 404: "Not Found"}


def plain_wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The app over WSGI (PEP 3333)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    status, headers, content = respond(environ["REQUEST_METHOD"], environ["PATH_INFO"], body)
    start_response(f"{status} {_REASONS[status]}", headers)
    return [content]


async def plain_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """The app over ASGI 3 (HTTP scopes; lifespan is declined, as the spec allows)."""
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    status, headers, content = respond(scope["method"], scope["path"], body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
        }
    )
    await send({"type": "http.response.body", "body": content})


wsgi = WSGIConditionalMiddleware(
    plain_wsgi, validators=lambda environ: note_validators(environ["PATH_INFO"])
)
asgi = ASGIConditionalMiddleware(
    plain_asgi, validators=lambda scope: note_validators(scope["path"])
)
