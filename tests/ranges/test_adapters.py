"""Ranges through both middlewares: for any Range field and body, exactly the reference's bytes.

The reference model (tests/core/range_reference.py) computes, for a field and
a length, IGNORE, UNSATISFIABLE or the ranges to send; the middleware must
then send the full 200, a 416, or a 206 whose parts reassemble to those
slices (R42-R50), whatever chunks the application's body comes in.
"""

from __future__ import annotations

import email.parser
import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import call, response_of
from tests.core.range_reference import IGNORE, UNSATISFIABLE, reference_ranges
from tests.wsgi.support import ITERATOR, LIST, App, environ, serve

fields = st.one_of(
    st.builds(
        lambda specs: "bytes=" + ",".join(specs),
        st.lists(
            st.one_of(
                st.builds("{}-{}".format, st.integers(0, 120), st.integers(0, 120)),
                st.builds("{}-".format, st.integers(0, 120)),
                st.builds("-{}".format, st.integers(0, 120)),
            ),
            min_size=1,
            max_size=4,
        ),
    ),
    st.text(st.characters(max_codepoint=255), max_size=20),  # what a header can carry
)
bodies = st.binary(min_size=0, max_size=100)


def parts(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert message.is_multipart()
    return [(str(part["Content-Range"]), part.get_payload(decode=True)) for part in message.walk()][
        1:
    ]


def expect(field: str, body: bytes, status: int, headers: dict[str, str], sent: bytes) -> None:
    expected = reference_ranges(field, len(body))
    if expected == IGNORE or not isinstance(expected, list) or not _ascending(expected):
        assert (status, sent) == (200, body)  # ignored, or out of order: the full 200 (R43)
        return
    if expected == UNSATISFIABLE:  # pragma: no cover - a list above
        return
    assert status == 206
    assert int(headers["content-length"]) == len(sent)
    if len(expected) == 1:
        first, last = expected[0]
        assert headers["content-range"] == f"bytes {first}-{last}/{len(body)}"
        assert sent == body[first : last + 1]
    else:
        assert parts(headers["content-type"], sent) == [
            (f"bytes {first}-{last}/{len(body)}", body[first : last + 1])
            for first, last in expected
        ]


def _ascending(ranges: list[tuple[int, int]]) -> bool:
    return all(after[0] > before[1] for before, after in itertools.pairwise(ranges))


def check(field: str, body: bytes, status: int, headers: dict[str, str], sent: bytes) -> None:
    if reference_ranges(field, len(body)) == UNSATISFIABLE:
        assert status == 416
        assert headers["content-range"] == f"bytes */{len(body)}"  # R45
        return
    expect(field, body, status, headers, sent)


@settings(max_examples=300, deadline=None)
@given(field=fields, body=bodies, cuts=st.lists(st.integers(0, 100), max_size=4), data=st.data())
def test_wsgi_serves_exactly_the_reference_ranges(
    field: str, body: bytes, cuts: list[int], data: Any
) -> None:
    points = sorted({0, len(body), *(c for c in cuts if c < len(body))})
    chunks = tuple(body[a:b] for a, b in itertools.pairwise(points))
    mode = data.draw(st.sampled_from([LIST, ITERATOR]))
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    app = App(headers=[*headers, ("ETag", '"s"')], chunks=chunks, mode=mode)
    response = serve(WSGIMiddleware(app), environ("GET", [("Range", field)]))
    lowered = {name.lower(): value for name, value in response.headers}
    check(field, body, response.code, lowered, response.body)
    assert app.closed == 1


@settings(max_examples=300, deadline=None)
@given(field=fields, body=bodies, cuts=st.lists(st.integers(0, 100), max_size=4))
def test_asgi_serves_exactly_the_reference_ranges(field: str, body: bytes, cuts: list[int]) -> None:
    points = sorted({0, len(body), *(c for c in cuts if c < len(body))})
    chunks = [body[a:b] for a, b in itertools.pairwise(points)] or [b""]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"content-type", b"text/plain"),
            (b"content-length", str(len(body)).encode()),
            (b"etag", b'"s"'),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index, chunk in enumerate(chunks):
            more = index < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    response = response_of(call(ASGIMiddleware(app), "GET", [("Range", field)]))
    lowered = {name.lower(): value for name, value in response.headers}
    check(field, body, response.status, lowered, response.body)


def test_ranges_can_be_turned_off() -> None:
    app = App(headers=[("Content-Length", "11"), ("ETag", '"s"')], chunks=(b"hello world",))
    response = serve(WSGIMiddleware(app, ranges=False), environ("GET", [("Range", "bytes=0-1")]))
    assert (response.code, response.body) == (200, b"hello world")
    assert "accept-ranges" not in {name.lower() for name, _ in response.headers}


def test_a_single_range_closes_the_stream_once_sent() -> None:
    # Never at the cost of time: the rest of a streamed body is not read.
    chunks = tuple(bytes([65 + n]) * 10 for n in range(10))
    app = App(headers=[("Content-Length", "100"), ("ETag", '"s"')], chunks=chunks, mode=ITERATOR)
    response = serve(WSGIMiddleware(app), environ("GET", [("Range", "bytes=0-14")]))
    assert (response.code, response.body) == (206, b"A" * 10 + b"B" * 5)
    assert (app.read, app.closed) == (2, 1)


def test_max_ranges_caps_the_number_of_ranges() -> None:  # R49
    app = App(headers=[("Content-Length", "11")], chunks=(b"hello world",))
    field = "bytes=0-0,2-2,4-4"
    assert serve(WSGIMiddleware(app, max_ranges=2), environ("GET", [("Range", field)])).code == 200
    assert serve(WSGIMiddleware(app, max_ranges=3), environ("GET", [("Range", field)])).code == 206


def test_max_ranges_below_one_fails_loudly() -> None:
    import pytest

    with pytest.raises(ValueError, match="max_ranges"):
        WSGIMiddleware(App(), max_ranges=0)
    with pytest.raises(ValueError, match="max_ranges"):
        ASGIMiddleware(App(), max_ranges=0)  # type: ignore[arg-type]


def test_a_range_deep_in_a_stream_skips_to_it() -> None:
    chunks = tuple(bytes([65 + n]) * 10 for n in range(10))
    app = App(headers=[("Content-Length", "100"), ("ETag", '"s"')], chunks=chunks, mode=ITERATOR)
    response = serve(WSGIMiddleware(app), environ("GET", [("Range", "bytes=25-34")]))
    assert (response.code, response.body) == (206, b"C" * 5 + b"D" * 5)
    assert response.chunks == [b"C" * 5, b"D" * 5]  # nothing for the chunks before it
    assert app.read == 4


def test_a_range_of_written_bytes() -> None:
    received: list[bytes] = []
    statuses: list[str] = []

    def app(environ: Any, start_response: Any) -> Any:
        write = start_response("200 OK", [("Content-Length", "20"), ("ETag", '"s"')])
        write(b"0123456789")
        write(b"abcdefghij")
        return []

    def server_start(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return received.append

    body = WSGIMiddleware(app)(environ("GET", [("Range", "bytes=5-14")]), server_start)
    assert list(body) == []
    assert statuses == ["206 Partial Content"]
    assert b"".join(received) == b"56789abcde"


def test_a_content_type_a_part_cannot_repeat_gets_the_full_200() -> None:
    from condget import Conditions
    from condget.engine import Exchange, Release

    engine = Exchange("GET", Conditions(range="bytes=0-1,5-6"), auto_etag=False)
    step = engine.start(200, [("Content-Type", "text/plain\x01"), ("Content-Length", "10")])
    assert step == Release([("Accept-Ranges", "bytes")], [])


def test_the_get_answering_a_head_drops_every_chunk() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"40")],
        }
        await send(start)
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        for index in range(4):
            await send({"type": "http.response.body", "body": b"x" * 10, "more_body": index < 3})

    messages = call(ASGIMiddleware(app, max_buffer=10 + 256), "HEAD", [("If-None-Match", '"x"')])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[1] == {"type": "http.response.body", "body": b""}
