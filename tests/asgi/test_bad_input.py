"""Hostile request headers: never a 500, never a hang (R3: long lists are a DoS vector).

Header values are bytes in ASGI and are decoded latin-1, so any byte
sequence is a valid ``str`` for the core; what matters is that the answer is
the RFC's and comes quickly.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from condget import Validators
from condget.asgi import ConditionalMiddleware
from tests.asgi.support import Message, call_async, check_protocol, response_of, scope

ETAG = b'"current"'
LAST_MODIFIED = b"Sun, 06 Nov 1994 08:49:37 GMT"
TIME_LIMIT = 1.0  # seconds per request, on a slow machine: a linear parser needs a few ms

MEMBERS = b", ".join(b'"tag%d"' % n for n in range(10_000))
BAD_VALUES = {
    "64_kib_of_garbage": b"x" * 65536,
    "64_kib_of_quotes": b'"' * 65536,
    "64_kib_of_commas": b"," * 65536,
    "64_kib_of_weak_prefixes": b"W/" * 32768,
    "10000_members": MEMBERS,
    "10000_members_then_match": MEMBERS + b", " + ETAG,
    "10000_empty_members": b", " * 10_000,
    "nul_bytes": b'"cur\x00rent"',
    "nul_alone": b"\x00",
    "utf8_bytes": '"caf\u00e9\u20ac"'.encode(),
    "invalid_utf8": b'"\xff\xfe\xfd"',
    "control_characters": b'"\x01\x02\x1b[31m"',
    "unterminated_quote": b'"current',
    "star_in_list": b'*, "current"',
    "date_of_64_kib": b"Sun, 06 Nov 1994 08:49:37 GMT" * 2000,
}
FIELDS = [b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since", b"if-range"]


def app() -> Any:
    async def application(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"etag", ETAG),
                    (b"last-modified", LAST_MODIFIED),
                    (b"content-length", b"2"),
                ],
            }
        )
        body = b"" if scope["method"] == "HEAD" else b"ok"
        await send({"type": "http.response.body", "body": body})

    return application


def hook(scope: Any) -> Validators:
    return Validators(ETAG.decode(), LAST_MODIFIED.decode())


MIDDLEWARES = {
    "response_side": lambda: ConditionalMiddleware(app()),
    "pre_dispatch": lambda: ConditionalMiddleware(app(), validators=hook),
}


async def timed(middleware: Any, method: str, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    request = scope(method)
    request["headers"] = [(b"host", b"example.com"), *headers]
    await middleware(request, receive, send)
    return sent


def run(middleware: Any, method: str, headers: list[tuple[bytes, bytes]]) -> int:
    began = time.perf_counter()
    sent = asyncio.run(timed(middleware, method, headers))
    elapsed = time.perf_counter() - began
    assert elapsed < TIME_LIMIT, f"took {elapsed:.2f} s"
    check_protocol(sent, method)
    status = response_of(sent).status
    assert status in (200, 304, 412), status
    return status


@pytest.mark.parametrize("mode", list(MIDDLEWARES))
@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.decode())
@pytest.mark.parametrize("value", list(BAD_VALUES.values()), ids=list(BAD_VALUES))
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT"])
def test_hostile_value_gets_an_answer_quickly(
    mode: str, field: bytes, value: bytes, method: str
) -> None:
    run(MIDDLEWARES[mode](), method, [(field, value)])


@pytest.mark.parametrize("mode", list(MIDDLEWARES))
def test_ten_thousand_members_with_the_match_last_still_match(mode: str) -> None:
    middleware = MIDDLEWARES[mode]()
    assert (
        run(middleware, "GET", [(b"if-none-match", BAD_VALUES["10000_members_then_match"])]) == 304
    )
    assert run(middleware, "GET", [(b"if-match", BAD_VALUES["10000_members_then_match"])]) == 200
    assert run(middleware, "GET", [(b"if-match", MEMBERS)]) == 412


@pytest.mark.parametrize("mode", list(MIDDLEWARES))
def test_a_thousand_repeated_lines(mode: str) -> None:
    """R1: every line is joined; the tag on the last line still counts."""
    lines = [(b"if-none-match", b'"other%d"' % n) for n in range(1000)] + [(b"if-none-match", ETAG)]
    assert run(MIDDLEWARES[mode](), "GET", lines) == 304


@pytest.mark.parametrize("mode", list(MIDDLEWARES))
def test_nul_inside_a_tag_is_not_a_match(mode: str) -> None:
    """R4: a NUL cannot be in an entity-tag, so the field is invalid: If-None-Match true (R13)."""
    assert run(MIDDLEWARES[mode](), "GET", [(b"if-none-match", b'"cur\x00rent", "current"')]) == 200
    assert run(MIDDLEWARES[mode](), "GET", [(b"if-match", b'"cur\x00rent", "current"')]) == 412


@settings(max_examples=max(150, settings.default.max_examples), deadline=None)
@given(
    lines=st.lists(st.tuples(st.sampled_from(FIELDS), st.binary(max_size=200)), max_size=6),
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE"]),
    mode=st.sampled_from(list(MIDDLEWARES)),
)
def test_any_bytes_in_any_conditional_field(
    lines: list[tuple[bytes, bytes]], method: str, mode: str
) -> None:
    run(MIDDLEWARES[mode](), method, lines)


def test_request_through_call_helper_keeps_working_after_abuse() -> None:
    """The same middleware instance serves a normal request after hostile ones."""
    middleware = ConditionalMiddleware(app())
    for value in BAD_VALUES.values():
        run(middleware, "GET", [(b"if-none-match", value)])
    sent = asyncio.run(call_async(middleware, "GET", [("If-None-Match", ETAG.decode())]))
    assert response_of(sent).status == 304
