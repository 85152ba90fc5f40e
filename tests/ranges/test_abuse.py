"""Hostile Range fields through both middlewares: answered in bounded time and memory (R49).

Each field below would cost a naive server dearly: building ten thousand
parts (Apache's CVE-2011-3192 "killer" Range), converting a 64 KiB number,
or sending a hundred copies of the body. condget answers each as
docs/ranges.md says: the full 200 (or a 416, for a range that starts past
the end), with CPU time and traced memory far below what that work would
take. The bounds are generous (a second of CPU, a fraction of the body in
memory): they catch work proportional to the ranges asked for, not noise.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import scope
from tests.wsgi.support import environ

CHUNK = 64 * 1024
BODY = bytes(range(256)) * (32 * 1024)  # 8 MiB, sent in 64 KiB chunks
CHUNKS = tuple(BODY[at : at + CHUNK] for at in range(0, len(BODY), CHUNK))
LENGTH = len(BODY)
ETAG = '"abuse-v1"'
FULL_DIGEST = hashlib.sha256(BODY).hexdigest()
FIELD_LIMIT = 64 * 1024

CPU_BOUND = 1.0  # seconds of process time, for work that takes milliseconds
MEMORY_BOUND = 1024 * 1024  # bytes traced at the peak: an eighth of the body
# With max_ranges raised, the field's members are parsed (at most
# max_ranges small objects, docs/ranges.md): still far below the body.
MEMORY_BOUND_MANY = 6 * 1024 * 1024


def _fill(pattern: str) -> str:
    """``bytes=`` and copies of ``pattern`` up to a 64 KiB field."""
    field = "bytes=" + pattern * (FIELD_LIMIT // len(pattern))
    return field[:FIELD_LIMIT].rstrip(",")


CASES = [
    pytest.param("bytes=" + ",".join(["0-"] * 10_000), 200, id="10000-overlapping-0-"),
    pytest.param(_fill("0-0,"), 200, id="64KiB-of-one-byte-ranges"),
    pytest.param("bytes=" + "," * (FIELD_LIMIT - 6), 200, id="64KiB-of-commas"),
    pytest.param("bytes=5-" + "0" * (FIELD_LIMIT - 9) + "4", 200, id="64KiB-last-before-first"),
    pytest.param(_fill("x"), 200, id="64KiB-of-garbage"),
    pytest.param("bytes=" + "9" * (FIELD_LIMIT - 7) + "-", 416, id="64KiB-number-past-the-end"),
    pytest.param(
        "bytes=" + ",".join([f"0-{LENGTH - 1}"] * 100), 200, id="100-whole-ranges-100x-the-length"
    ),
    pytest.param(
        "bytes=" + ",".join(f"{n * 1000}-" for n in range(100)), 200, id="100-open-ranges-sum-100x"
    ),
]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    size: int
    digest: str
    cpu: float
    peak: int


def _app_chunks() -> Iterator[bytes]:
    yield from CHUNKS  # the same bytes objects every time: the app allocates nothing


def wsgi_answer(field: str, *, max_ranges: int = 100, trace: bool) -> Answer:
    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(LENGTH)),
                ("ETag", ETAG),
            ],
        )
        return _app_chunks()

    middleware = WSGIMiddleware(app, max_ranges=max_ranges)
    env = environ("GET", [("Range", field)])
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        started.append((status, headers))
        return None

    digest = hashlib.sha256()
    size = 0
    gc.collect()
    if trace:
        tracemalloc.start()
    began = time.process_time()
    body = middleware(env, start_response)
    try:
        for chunk in body:
            digest.update(chunk)
            size += len(chunk)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    cpu = time.process_time() - began
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    [(status, headers)] = started
    lowered = {name.lower(): value for name, value in headers}
    return Answer(int(status[:3]), lowered, size, digest.hexdigest(), cpu, peak)


def asgi_answer(field: str, *, max_ranges: int = 100, trace: bool) -> Answer:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(LENGTH).encode()),
            (b"etag", ETAG.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index, chunk in enumerate(CHUNKS):
            more = index < len(CHUNKS) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    middleware = ASGIMiddleware(app, max_ranges=max_ranges)
    request = scope("GET", [("Range", field)])
    starts: list[dict[str, Any]] = []
    digest = hashlib.sha256()
    size = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal size
        if message["type"] == "http.response.start":
            starts.append(message)
        else:
            digest.update(message.get("body", b""))
            size += len(message.get("body", b""))

    async def measured() -> tuple[float, int]:
        gc.collect()
        if trace:
            tracemalloc.start()
        began = time.process_time()
        await middleware(request, receive, send)
        cpu = time.process_time() - began
        peak = 0
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return cpu, peak

    cpu, peak = asyncio.run(measured())
    [start] = starts
    headers = {n.decode("latin-1"): v.decode("latin-1") for n, v in start["headers"]}
    return Answer(start["status"], headers, size, digest.hexdigest(), cpu, peak)


ANSWER = {"wsgi": wsgi_answer, "asgi": asgi_answer}


def check(answer: Answer, expected: int) -> None:
    assert answer.status == expected
    if expected == 200:  # the field is ignored: the full body, once (R43, R49)
        assert (answer.size, answer.digest) == (LENGTH, FULL_DIGEST)
        assert "content-range" not in answer.headers
        assert answer.headers["content-length"] == str(LENGTH)
    else:  # R45: no range starts inside the body
        assert answer.headers["content-range"] == f"bytes */{LENGTH}"
        assert answer.size < 1024  # a short error body at most, never the 8 MiB


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize(("field", "expected"), CASES)
def test_hostile_field_is_answered_in_bounded_time(
    protocol: str, field: str, expected: int
) -> None:
    assert len(field) <= FIELD_LIMIT
    answer = ANSWER[protocol](field, trace=False)
    check(answer, expected)
    assert answer.cpu < CPU_BOUND, f"{answer.cpu:.3f} s of CPU for a {len(field)}-byte field"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize(("field", "expected"), CASES)
def test_hostile_field_is_answered_in_bounded_memory(
    protocol: str, field: str, expected: int
) -> None:
    answer = ANSWER[protocol](field, trace=True)
    check(answer, expected)
    assert answer.peak < MEMORY_BOUND, f"{answer.peak:,} bytes at the peak"


MANY = [
    pytest.param("bytes=" + ",".join(["0-"] * 10_000), id="10000-overlapping-0-"),
    pytest.param(
        "bytes=" + ",".join(f"{n}-{n + LENGTH // 100}" for n in range(10_000)),
        id="10000-ranges-sum-100x",
    ),
]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("field", MANY)
def test_many_ranges_allowed_still_bounded_by_the_sum(protocol: str, field: str) -> None:
    """R49 with ``max_ranges`` raised past the count: the sum (> length) still gives the 200."""
    answer = ANSWER[protocol](field, max_ranges=20_000, trace=False)
    check(answer, 200)
    assert answer.cpu < CPU_BOUND, f"{answer.cpu:.3f} s of CPU"
    answer = ANSWER[protocol](field, max_ranges=20_000, trace=True)
    check(answer, 200)
    assert answer.peak < MEMORY_BOUND_MANY, f"{answer.peak:,} bytes at the peak"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_the_bounds_are_not_vacuous(protocol: str) -> None:
    """A Range condget does serve is measured the same way: a 206 of 100 disjoint ranges."""
    step = LENGTH // 100
    field = "bytes=" + ",".join(f"{n * step}-{n * step + 9}" for n in range(100))
    answer = ANSWER[protocol](field, trace=True)
    assert answer.status == 206
    assert answer.headers["content-type"].startswith("multipart/byteranges")
    assert answer.size == int(answer.headers["content-length"])
    assert 0 < answer.peak < MEMORY_BOUND


# A short range of a long ASGI stream. WSGI closes the application's iterable
# once the 206 is out (tests/ranges/test_adapters.py); ASGI gives condget no
# such handle: once the 206 is out, the application's next send raises
# OSError, as a server's does for a gone client (ASGI spec 2.4), and condget
# takes the error that comes back as the end of a response already complete.


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
def test_asgi_range_of_a_long_stream_stops_the_application(spec_version: str) -> None:
    from starlette.responses import StreamingResponse

    produced = 0

    async def chunks() -> Any:
        nonlocal produced
        for _ in range(1000):
            produced += 1
            yield b"x" * 100

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = {"Content-Length": "100000", "ETag": ETAG}
        await StreamingResponse(chunks(), headers=headers)(scope, receive, send)

    request = scope("GET", [("Range", "bytes=0-99")])
    request["asgi"]["spec_version"] = spec_version
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)  # a client that stays until the response is over
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def main() -> None:
        # Whatever the mechanism, the request must end: a minute at most.
        await asyncio.wait_for(ASGIMiddleware(app)(request, receive, send), 60)

    asyncio.run(main())
    assert sent[0]["status"] == 206
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"x" * 100
    assert produced <= 3, f"the application produced {produced} chunks of 100 bytes for 100"


# An application's Content-Length that str.isdigit() takes for a number but
# int() does not: SUPERSCRIPT TWO is a latin-1 character (0xB2) that a header
# can carry. A length condget cannot read is unknown, like any other invalid
# Content-Length: no range is cut, and the response goes out as the
# application sent it. _ranges.py's grammar takes ASCII digits only for the
# same reason.


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("request_range", [None, "bytes=0-0"])
def test_a_content_length_of_non_ascii_digits_is_unknown(
    protocol: str, request_range: str | None
) -> None:
    from tests.asgi.support import app_sending, call_async, response_of
    from tests.wsgi.support import App, serve

    headers = [("Content-Length", "\xb2"), ("ETag", ETAG)]
    asked = [] if request_range is None else [("Range", request_range)]
    if protocol == "wsgi":
        app = App(headers=headers, chunks=(b"ab",))
        answer = serve(WSGIMiddleware(app), environ("GET", asked))
        status, body = answer.code, answer.body
    else:
        asgi_app = app_sending(headers=headers, chunks=(b"ab",), content_length=False)
        # Not call(): its protocol check would itself choke on that Content-Length.
        response = response_of(asyncio.run(call_async(ASGIMiddleware(asgi_app), "GET", asked)))
        status, body = response.status, response.body
    assert (status, body) == (200, b"ab")
