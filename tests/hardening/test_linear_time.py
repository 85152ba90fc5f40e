"""Hostile If-None-Match / If-Match values cost linear time, through both middlewares.

A client controls these fields completely, and RFC 9110 sets no limit on
how many members a list may have (R3, §5.6.1). Each shape below is grown to
16 and 64 KiB (10,000+ members at the top) and sent through
``condget.wsgi`` and ``condget.asgi`` to an application whose response is
evaluated. We assert the *scaling*, not the wall time: the best of several
runs at 64 KiB costs at most 8 times the best at 16 KiB, where linear work
gives about 4 and quadratic work 16. A second test counts Python-level
calls, which must not grow with the number of members at all: the parsing is
done by possessive regexes and substring scans in C (R3, ``condget/_abnf.py``).

The core's own version of this, on ``evaluate`` alone, is in
``tests/core/test_properties.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from condget import _evaluate
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

KIB = 1024
SIZES = (16 * KIB, 64 * KIB)
ETAG = '"v1"'


def _repeat(unit: str, tail: str = "") -> Callable[[int], str]:
    def build(size: int) -> str:
        return unit * ((size - len(tail)) // len(unit)) + tail

    return build


# Each shape: a field value of about ``size`` characters.
SHAPES: dict[str, Callable[[int], str]] = {
    "members": _repeat('"abc", '),  # 64 KiB: 9,362 members
    "short_members": _repeat('"",'),  # 64 KiB: 21,845 members
    "weak_members": _repeat('W/"a",'),
    "match_at_the_end": _repeat('"abc", ', ETAG),  # the resource's tag is the last member
    "weak_match_at_the_end": _repeat('"abc",', 'W/"v1"'),
    "invalid_at_the_end": _repeat('"abc", ', '"'),  # valid until the last character (R13)
    "all_commas": _repeat(","),
    "commas_and_whitespace": _repeat(", \t"),
    "unbalanced_quotes": _repeat('"'),
    "quotes_inside_tags": _repeat('"a"b'),
    "weak_prefixes_without_tags": _repeat("W/"),
    "nested_weak_prefixes": _repeat('W/"W/'),
    "comma_inside_tags": _repeat('",W/"'),  # one member per pair of quotes (R5)
    "whitespace_then_tag": _repeat(" \t", ETAG),
    "obs_text": _repeat('"\xe9\xff", '),
    "stars": _repeat("*, "),
}
FIELDS = ("If-None-Match", "If-Match")


def wsgi_request(field: str, value: str) -> Callable[[], object]:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("ETag", ETAG), ("Content-Length", "5")])
        return [b"hello"]

    middleware = WSGIMiddleware(app)
    key = "HTTP_" + field.upper().replace("-", "_")

    def request() -> object:
        environ = {"REQUEST_METHOD": "GET", key: value}
        start_response: Any = lambda status, headers, exc_info=None: None  # noqa: E731
        return b"".join(middleware(environ, start_response))

    return request


def asgi_request(field: str, lines: list[str]) -> Callable[[], object]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"etag", ETAG.encode()), (b"content-length", b"5")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"hello"})

    middleware = ASGIMiddleware(app)
    name = field.lower().encode()
    headers = [(name, line.encode("latin-1")) for line in lines]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    def request() -> object:
        # Nothing here waits: one step runs the whole request, no event loop needed.
        coroutine = middleware(scope, receive, send)
        try:
            coroutine.send(None)
        except StopIteration:
            return None
        raise AssertionError("the middleware waited")  # pragma: no cover

    return request


def assert_linear(
    build: Callable[[int], Callable[[], object]],
    sizes: tuple[int, ...] = SIZES,
    *,
    rounds: int = 7,
    repeat: int = 5,
) -> None:
    """The largest input costs at most twice its share of the smallest one's time."""
    requests = [build(size) for size in sizes]
    best = [float("inf")] * len(sizes)
    # Sizes take turns, so a burst of load on a shared machine hits them all;
    # CPU time, so that time spent descheduled does not count; the best round.
    for _ in range(rounds):
        for index, request in enumerate(requests):
            started = time.process_time()
            for _ in range(repeat):
                request()
            best[index] = min(best[index], time.process_time() - started)
    grown = sizes[-1] / sizes[0]  # linear work grows this much, quadratic its square
    ratio = best[-1] / best[0]
    assert ratio < 2 * grown, f"{grown:g}x the input cost {ratio:.1f}x the time: not linear"


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_wsgi_hostile_list_costs_linear_time(shape: str, field: str) -> None:
    assert_linear(lambda size: wsgi_request(field, SHAPES[shape](size)))


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_asgi_hostile_list_costs_linear_time(shape: str, field: str) -> None:
    assert_linear(lambda size: asgi_request(field, [SHAPES[shape](size)]))


@pytest.mark.parametrize("field", FIELDS)
def test_asgi_many_field_lines_cost_linear_time(field: str) -> None:
    # 2,500 to 20,000 members, each on a field line of its own, as HTTP/1.1
    # allows (R1): ASGI servers hand them over one by one, and condget joins
    # them. 10,000 lines of '"abcde"' are 70 KB; 20,000 cost 260 ms, where one
    # ", ".join would take 1.4 ms.
    assert_linear(
        lambda lines: asgi_request(field, ['"abcde"'] * lines),
        (2_500, 5_000, 10_000, 20_000),
        rounds=3,
        repeat=1,
    )


# --- No per-member work in Python -------------------------------------------------------


def python_calls(request: Callable[[], object]) -> int:
    """How many Python and C function calls ``request`` makes, its fields never seen before."""
    _evaluate._cached_list.cache_clear()  # a short value seen before would be parsed for free
    _evaluate._cached_date.cache_clear()
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        request()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(
    "shape",
    ["members", "match_at_the_end", "invalid_at_the_end", "all_commas", "comma_inside_tags"],
)
@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
def test_calls_do_not_grow_with_the_number_of_members(adapter: str, shape: str, field: str) -> None:
    def request(size: int) -> Callable[[], object]:
        value = SHAPES[shape](size)
        return wsgi_request(field, value) if adapter == "wsgi" else asgi_request(field, [value])

    few, many = request(70), request(64 * KIB)
    few(), many()  # warm caches (regex compilation, date formatting)
    assert python_calls(many) == python_calls(few)
