"""Drive WSGI applications like a strict server, and small applications to drive.

:func:`serve` plays the server's part of PEP 3333 for one request: it
enforces the ``start_response`` rules (no second call without ``exc_info``;
``exc_info`` re-raised once headers are out, which happens at the first
non-empty body bytes), collects ``write()`` data and the iterable in order,
and always calls ``close()``. :class:`App` is an application with a fixed
response, delivered in any of the ways PEP 3333 allows, that counts how
often its iterable is closed and how far it was read.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Any], Iterable[bytes]]
Headers = list[tuple[str, str]]

# How App hands over its body (PEP 3333 allows all of them).
LIST = "list"  # start_response, then a list (a complete body)
ITERATOR = "iterator"  # start_response, then a generator
LAZY = "lazy"  # a generator that calls start_response on its first iteration
WRITE = "write"  # start_response, write() all but the last chunk, then a list
MODES = (LIST, ITERATOR, LAZY, WRITE)


def environ(
    method: str = "GET", headers: Iterable[tuple[str, str]] = (), path: str = "/"
) -> Environ:
    """A complete WSGI environ; request header lines are joined as servers join them (R1)."""
    env: Environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    setup_testing_defaults(env)
    for name, value in headers:
        key = "HTTP_" + name.upper().replace("-", "_")
        env[key] = value if key not in env else f"{env[key]}, {value}"
    return env


@dataclass
class Response:
    status: str
    headers: Headers
    body: bytes
    chunks: list[bytes] = field(default_factory=list)

    @property
    def code(self) -> int:
        return int(self.status[:3])

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    def names(self) -> list[str]:
        return [n.lower() for n, _ in self.headers]


def serve(
    app: WSGIApp,
    env: Environ | None = None,
    *,
    stop_after: int | None = None,
    validate: bool = False,
) -> Response:
    """Run ``app`` for one request as a strict server would; ``close()`` is always called.

    Args:
        app: The application.
        env: The environ (a GET for ``/`` by default).
        stop_after: Stop reading the iterable after this many chunks, as a
            server does when the client goes away.
        validate: Put ``wsgiref.validate.validator`` between server and app.
    """
    if env is None:
        env = environ()
    if validate:
        app = validator(app)
    started: list[tuple[str, Headers]] = []
    chunks: list[bytes] = []
    sent = False

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Any:
        if exc_info is not None:
            if sent:
                raise exc_info[1].with_traceback(exc_info[2])
        elif started:
            raise AssertionError("start_response called twice without exc_info")
        started.append((status, headers))

        def write(data: bytes) -> None:
            nonlocal sent
            assert type(data) is bytes
            sent = sent or bool(data)
            chunks.append(data)

        return write

    body = app(env, start_response)
    try:
        for chunk in body:
            assert started, "body before start_response"
            assert type(chunk) is bytes
            sent = sent or bool(chunk)
            chunks.append(chunk)
            if stop_after is not None and len(chunks) >= stop_after:
                break
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    assert started, "start_response never called"
    status, headers = started[-1]
    return Response(status, list(headers), b"".join(chunks), chunks)


class _ClosingList(list[bytes]):
    """A complete body (a real ``list``) that reports ``close()``."""

    def __init__(self, chunks: Iterable[bytes], app: App) -> None:
        super().__init__(chunks)
        self._app = app

    def close(self) -> None:
        self._app.closed += 1


class _ClosingIterator:
    """A streamed body that reports ``close()`` and how many chunks were read."""

    def __init__(self, chunks: Iterator[bytes], app: App) -> None:
        self._chunks = chunks
        self._app = app

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._chunks)
        self._app.read += 1
        return chunk

    def close(self) -> None:
        self._app.closed += 1


@dataclass
class App:
    """A WSGI application with a fixed response.

    Attributes:
        status: The status line.
        headers: The header fields.
        chunks: The body, in chunks.
        mode: How the body is handed over (``LIST``, ``ITERATOR``, ``LAZY``,
            ``WRITE``).
        error: Raise this after the chunks (from the iterable).
        calls: The environs the app was called with.
        closed: How often ``close()`` was called on the body.
        read: How many chunks were read from a streamed body.
        head_body: Send the body for HEAD too (a raw app does; Werkzeug
            drops it and keeps the Content-Length).
    """

    status: str = "200 OK"
    headers: Headers = field(default_factory=lambda: [("Content-Type", "text/plain")])
    chunks: Sequence[bytes] = (b"hello ", b"world")
    mode: str = LIST
    error: BaseException | None = None
    calls: list[Environ] = field(default_factory=list)
    closed: int = 0
    read: int = 0
    head_body: bool = True

    @property
    def methods(self) -> list[str]:
        return [env["REQUEST_METHOD"] for env in self.calls]

    def __call__(self, environ: Environ, start_response: Any) -> Iterable[bytes]:
        self.calls.append(environ)
        chunks = list(self.chunks)
        if environ["REQUEST_METHOD"] == "HEAD" and not self.head_body:
            chunks = []
        if self.mode == LAZY:
            return _ClosingIterator(self._lazy(start_response, chunks), self)
        write = start_response(self.status, list(self.headers))
        if self.mode == LIST and self.error is None:
            return _ClosingList(chunks, self)
        if self.mode == WRITE:
            for chunk in chunks[:-1]:
                write(chunk)
            if self.error is None:
                return _ClosingList(chunks[-1:], self)
            chunks = chunks[-1:]
        return _ClosingIterator(self._generate(chunks), self)

    def _generate(self, chunks: list[bytes]) -> Iterator[bytes]:
        yield from chunks
        if self.error is not None:
            raise self.error

    def _lazy(self, start_response: Any, chunks: list[bytes]) -> Iterator[bytes]:
        start_response(self.status, list(self.headers))
        yield from self._generate(chunks)


def with_length(headers: Headers, chunks: Sequence[bytes]) -> Headers:
    return [*headers, ("Content-Length", str(sum(map(len, chunks))))]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` once per process (Django's settings allow one import)."""
    module_name = f"condget_examples_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]
