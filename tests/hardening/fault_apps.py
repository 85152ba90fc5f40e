"""Faulty applications for real servers: the same app under ``/plain/`` and, wrapped, ``/wrapped/``.

Served by gunicorn (``wsgi``) and uvicorn (``asgi``) in ``test_fault_servers.py``.
The last path segment picks the fault:

* ``before_start``, ``after_start``: raise before or right after starting the response;
* ``mid_body``: send a first chunk, then raise (no ETag: condget holds it for
  an auto-ETag); ``mid_body_tagged``: the same with the app's own ETag;
* ``bad_etag``, ``bad_last_modified``: a normal response with an invalid validator;
* ``stream``: 8 MiB in 64 KiB chunks, for a client that goes away mid-body;
* ``hook_raises``: the wrapped app's ``validators`` hook raises (plain: the app
  raises before starting, which is what the hook's failure amounts to).

``/_done`` reports, per path, how many bodies were closed (WSGI) or finished
(ASGI), so a test can see that a body ended exactly once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from condget import Validators
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

CHUNK = b"x" * 65536
STREAM_CHUNKS = 128  # 8 MiB
done: Counter[str] = Counter()


class Failure(Exception):
    """The application's own failure (logged by the server as any app error)."""


def _headers(fault: str, length: int) -> list[tuple[str, str]]:
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(length))]
    if fault == "mid_body_tagged":
        headers.append(("ETag", '"v1"'))
    elif fault == "bad_etag":
        headers.append(("ETag", "unquoted"))
    elif fault == "bad_last_modified":
        headers.append(("Last-Modified", "yesterday"))
    return headers


def _hook(path: str) -> Validators | None:
    if path.endswith("/hook_raises"):
        raise Failure("validators hook")
    return None


# --- WSGI ------------------------------------------------------------------------------


class _Body:
    def __init__(self, path: str, chunks: Iterator[bytes]) -> None:
        self._path = path
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        done[self._path] += 1


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
    path = environ["PATH_INFO"]
    fault = path.rsplit("/", 1)[-1]
    if fault in ("before_start", "hook_raises"):
        raise Failure(fault)
    if fault == "stream":
        start_response("200 OK", _headers(fault, len(CHUNK) * STREAM_CHUNKS))
        return _Body(path, iter([CHUNK] * STREAM_CHUNKS))
    start_response("200 OK", _headers(fault, 11))
    if fault == "after_start":
        raise Failure(fault)

    def chunks() -> Iterator[bytes]:
        yield b"hello "
        if fault.startswith("mid_body"):
            raise Failure(fault)
        yield b"world"

    return _Body(path, chunks())


# max_buffer of one chunk: a client that has read 256 KiB of the stream is
# surely past what condget held, in the part it streams.
_wrapped_wsgi = WSGIMiddleware(
    _wsgi_app, max_buffer=len(CHUNK), validators=lambda environ: _hook(environ["PATH_INFO"])
)


def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
    """The WSGI entry point: ``/plain/...``, ``/wrapped/...`` and ``/_done``."""
    path = environ["PATH_INFO"]
    if path == "/_done":
        body = json.dumps(done).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    if path.startswith("/wrapped/"):
        return _wrapped_wsgi(environ, start_response)
    return _wsgi_app(environ, start_response)


# --- ASGI ------------------------------------------------------------------------------


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:
    path = scope["path"]
    fault = path.rsplit("/", 1)[-1]
    if fault in ("before_start", "hook_raises"):
        raise Failure(fault)
    length = len(CHUNK) * STREAM_CHUNKS if fault == "stream" else 11
    headers = [(n.lower().encode(), v.encode()) for n, v in _headers(fault, length)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if fault == "after_start":
        raise Failure(fault)
    if fault == "stream":
        for _ in range(STREAM_CHUNKS):
            await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        done[path] += 1
        return
    await send({"type": "http.response.body", "body": b"hello ", "more_body": True})
    if fault.startswith("mid_body"):
        raise Failure(fault)
    await send({"type": "http.response.body", "body": b"world"})
    done[path] += 1


_wrapped_asgi = ASGIMiddleware(
    _asgi_app, max_buffer=len(CHUNK), validators=lambda scope: _hook(scope["path"])
)


async def asgi(scope: Any, receive: Any, send: Any) -> None:
    """The ASGI entry point: ``/plain/...``, ``/wrapped/...`` and ``/_done``."""
    path = scope["path"]
    if path == "/_done":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(done).encode()})
    elif path.startswith("/wrapped/"):
        await _wrapped_asgi(scope, receive, send)
    else:
        await _asgi_app(scope, receive, send)
