"""Peak extra memory of a 1 GiB body streamed through each middleware with auto-ETag on.

The application streams the body in fresh 64 KiB chunks and sets
Content-Length, so that auto-ETag applies; the request carries an
If-None-Match that does not match, so the response is evaluated too. The
same application runs bare and wrapped, under tracemalloc, and the figure is
the wrapped run's peak minus the bare run's peak: what condget adds. It must
stay under ``max_buffer`` + 64 KiB (issue 5): condget holds at most
``max_buffer`` bytes (plus the chunk that crosses it) to hash, then streams.
Also measured: an application whose Content-Length understates its body, so
the limit has to hold by counting, not by trusting the header.

Run: ``.venv/bin/python benchmarks/memory_1gib.py`` (``--size-mib 64`` for a
quick run; ``tests/hardening/test_memory.py`` runs 64 MiB in the suite).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

KIB = 1024
MIB = 1024 * KIB
DEFAULT_MAX_BUFFER = 1 * MIB  # both middlewares' default


def _chunks(size: int, chunk: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        step = min(chunk, size - sent)
        yield bytes(step)  # a new object each time, as read from a file or socket
        sent += step


def wsgi_run(size: int, chunk: int, *, wrapped: bool, max_buffer: int, length: int) -> int:
    """Stream ``size`` bytes through a WSGI app (wrapped or not); the bytes the server got."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response(
            "200 OK",
            [("Content-Type", "application/octet-stream"), ("Content-Length", str(length))],
        )
        return _chunks(size, chunk)

    application: Callable[..., Any] = WSGIMiddleware(app, max_buffer=max_buffer) if wrapped else app
    environ = {"REQUEST_METHOD": "GET", "HTTP_IF_NONE_MATCH": '"stale"'}
    received = 0
    body = application(environ, lambda status, headers, exc_info=None: None)
    try:
        for data in body:
            received += len(data)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return received


def asgi_run(size: int, chunk: int, *, wrapped: bool, max_buffer: int, length: int) -> int:
    """Stream ``size`` bytes through an ASGI app (wrapped or not); the bytes the server got."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(length).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for data in _chunks(size, chunk):
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    application: Callable[..., Any] = ASGIMiddleware(app, max_buffer=max_buffer) if wrapped else app
    received = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal received
        received += len(message.get("body", b""))

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"if-none-match", b'"stale"')],
    }
    # Nothing here waits, so one step runs the whole exchange: no event loop to measure.
    coroutine = application(scope, receive, send)
    try:
        coroutine.send(None)
    except StopIteration:
        return received
    raise AssertionError("the application waited for something")


RUNS = {"wsgi": wsgi_run, "asgi": asgi_run}


def peak(run: Callable[..., int], size: int, chunk: int, **options: Any) -> tuple[int, float]:
    """The peak traced memory above the starting point, in bytes, and the seconds taken."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        began = time.perf_counter()
        received = run(size, chunk, **options)
        seconds = time.perf_counter() - began
        assert received == size, f"the server got {received} of {size} bytes"
        return tracemalloc.get_traced_memory()[1] - start, seconds
    finally:
        tracemalloc.stop()


def extra_memory(
    adapter: str,
    size: int,
    *,
    chunk: int = 64 * KIB,
    max_buffer: int = DEFAULT_MAX_BUFFER,
    length: int | None = None,
) -> dict[str, float]:
    """Bare and wrapped peaks for one adapter, and what condget adds."""
    run = RUNS[adapter]
    options = {"max_buffer": max_buffer, "length": size if length is None else length}
    bare, bare_seconds = peak(run, size, chunk, wrapped=False, **options)
    wrapped, seconds = peak(run, size, chunk, wrapped=True, **options)
    return {
        "bare": bare,
        "wrapped": wrapped,
        "extra": wrapped - bare,
        "bare_seconds": bare_seconds,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-kib", type=int, default=64)
    parser.add_argument("--max-buffer-kib", type=int, default=DEFAULT_MAX_BUFFER // KIB)
    args = parser.parse_args()
    size, chunk, max_buffer = args.size_mib * MIB, args.chunk_kib * KIB, args.max_buffer_kib * KIB
    bound = max_buffer + 64 * KIB
    print(
        f"{args.size_mib} MiB body in {args.chunk_kib} KiB chunks, max_buffer "
        f"{args.max_buffer_kib} KiB, bound {bound / KIB:.0f} KiB (peaks from tracemalloc)"
    )
    failed = False
    for adapter in RUNS:
        for label, length in (("Content-Length", None), ("Content-Length: 10 (a lie)", 10)):
            result = extra_memory(adapter, size, chunk=chunk, max_buffer=max_buffer, length=length)
            ok = result["extra"] < bound
            failed = failed or not ok
            print(
                f"  {adapter} {label:27} bare peak {result['bare'] / KIB:8.1f} KiB  "
                f"wrapped peak {result['wrapped'] / KIB:8.1f} KiB  "
                f"extra {result['extra'] / KIB:8.1f} KiB  "
                f"({size / MIB / result['seconds']:.0f} MiB/s wrapped, "
                f"{size / MIB / result['bare_seconds']:.0f} MiB/s bare)  "
                f"{'ok' if ok else 'OVER THE BOUND'}"
            )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
