"""A small item collection served through condget with a store, in-process and by real servers.

The data lives in a directory (one file per item), and every view call adds
one byte to a ``calls`` file there, so that the view calls of several
processes (gunicorn workers, uvicorn) add up in one place.

Routes, the same in WSGI and ASGI:

* ``GET``/``HEAD /items/<id>``: the item, 200 with an ``ETag`` (or none, with
  ``etags=False``: condget's auto-ETag then tags it), 404 if absent;
* ``PUT /items/<id>``: replace it, 204 (a body ``fail`` gets a 422 and
  changes nothing);
* ``DELETE /items/<id>``: remove it, 204;
* ``POST /items``: create one, 201 with ``Location: /items/<new id>``;
* ``POST /items/<id>``: replace it, 303 See Other to itself (the PRG pattern).

For a real server, ``wsgi`` and ``asgi`` are built on first access from the
environment: ``CONDGET_TEST_DATA`` (the directory) and ``CONDGET_TEST_STORE``
(``sqlite:<path>`` or a ``redis://`` URL).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.store import (
    MemoryStore,
    RedisStore,
    SQLiteStore,
    StoredValidators,
    StoreKey,
    ValidatorStore,
)
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

Headers = list[tuple[str, str]]
EMPTY: Headers = [("Content-Type", "text/plain"), ("Content-Length", "0")]
REASONS = {200: "OK", 201: "Created", 204: "No Content", 303: "See Other", 404: "Not Found"}
REASONS[422] = "Unprocessable Content"


def tag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:16]}"'


class Items:
    """The collection in ``directory``; ``calls`` counts view calls across processes."""

    def __init__(self, directory: Path, *, etags: bool = True) -> None:
        self.directory = directory
        self.etags = etags
        self.counter = directory / "calls"
        self.counter.touch()
        self.during_get: Callable[[], object] | None = None  # runs inside a GET view
        self.vary: str | None = None  # a Vary field for GET responses
        self.extra: list[tuple[str, str]] = []  # more fields for GET responses
        if not any(directory.glob("item-*")):
            self.write("1", b"one")

    @property
    def calls(self) -> int:
        return self.counter.stat().st_size

    def write(self, item: str, body: bytes) -> None:
        path = self.directory / f"item-{item}"
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(body)
        os.replace(temporary, path)

    def respond(self, method: str, path: str, body: bytes) -> tuple[int, Headers, bytes]:
        with self.counter.open("ab") as counter:
            counter.write(b"x")
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["items"]:
            new = str(len(list(self.directory.glob("item-*"))) + 1)
            self.write(new, body)
            return 201, [("Location", f"/items/{new}"), *EMPTY], b""
        if len(parts) != 2 or parts[0] != "items":
            return 404, EMPTY, b""
        item = self.directory / f"item-{parts[1]}"
        if method in ("GET", "HEAD"):
            if self.during_get is not None:
                self.during_get()
            if not item.exists():
                return 404, EMPTY, b""
            content = item.read_bytes()
            headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(content)))]
            if self.etags:
                headers.append(("ETag", tag_of(content)))
            if self.vary is not None:
                headers.append(("Vary", self.vary))
            headers.extend(self.extra)
            return 200, headers, content
        if method == "DELETE":
            item.unlink(missing_ok=True)
            return 204, [], b""
        if body == b"fail":
            return 422, EMPTY, b""
        self.write(parts[1], body)
        if method == "POST":
            return 303, [("Location", path), *EMPTY], b""
        return 204, [], b""

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        status, headers, content = self.respond(
            environ["REQUEST_METHOD"], environ["PATH_INFO"], body
        )
        start_response(f"{status} {REASONS.get(status, 'Unknown')}", headers)
        # HEAD: the header fields, no body (as Werkzeug and the frameworks do).
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [content]

    async def asgi(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        status, headers, content = self.respond(scope["method"], scope["path"], body)
        raw = [(name.lower().encode(), value.encode()) for name, value in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if scope["method"] == "HEAD":
            content = b""
        await send({"type": "http.response.body", "body": content})


def store_from(spec: str, **options: Any) -> ValidatorStore:
    """``sqlite:<path>`` or a Redis URL, with short timeouts."""
    if spec.startswith("sqlite:"):
        return SQLiteStore(spec.removeprefix("sqlite:"), **options)
    return RedisStore(spec, **options)


_built: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    # gunicorn and uvicorn look the application up with getattr().
    if name not in ("wsgi", "asgi"):
        raise AttributeError(name)
    if name not in _built:
        items = Items(Path(os.environ["CONDGET_TEST_DATA"]))
        store = store_from(os.environ["CONDGET_TEST_STORE"], timeout_ms=50)
        if name == "wsgi":
            _built[name] = WSGIMiddleware(items.wsgi, store=store)
        else:
            _built[name] = ASGIMiddleware(items.asgi, store=store)
    return _built[name]


class CountingStore(MemoryStore):
    """A memory store that counts its reads, its puts and its conditional writes."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = self.puts = self.writes = 0

    def _read(self, keys: Sequence[str]) -> list[bytes | None]:
        self.reads += 1
        return super()._read(keys)

    def put(
        self,
        key: StoreKey,
        entry: StoredValidators,
        *,
        generation: str,
        ttl: float | None = None,
    ) -> bool:
        self.puts += 1
        return super().put(key, entry, generation=generation, ttl=ttl)

    def _write_if(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool:
        self.writes += 1
        return super()._write_if(key, value, ttl_ms, checks)
