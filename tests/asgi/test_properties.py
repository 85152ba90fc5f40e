"""Properties of the ASGI middleware over random responses and random conditional requests.

Whatever the app sends (status, header fields, chunking, ``more_body``
pattern, trailers) and whatever preconditions the client sends, the
middleware either sends the app's own message sequence (with at most an
auto-ETag added, and for HEAD no body), or the 304/412 that the core
decides for the validators that very response carries.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from condget import Outcome, Validators, evaluate
from condget.asgi import ConditionalMiddleware
from tests.asgi.support import Message, call, response_of

DATES = [
    "Sun, 06 Nov 1994 08:49:36 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:38 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "not a date",
]
TAGS = ['"a"', 'W/"a"', '"b"', '""', "a", 'W/"b"', '"a,b"']

# Weighted towards 200 and towards requests that hit, so 304 and 412 come up often.
statuses = st.one_of(st.just(200), st.sampled_from([201, 203, 204, 206, 301, 304, 404, 412, 500]))
request_tags = st.one_of(st.just("AUTO"), st.sampled_from([*TAGS, "*", ""]))
chunks = st.lists(st.binary(max_size=40), max_size=5)
response_fields = st.lists(
    st.one_of(
        st.tuples(st.just("ETag"), st.sampled_from(TAGS)),
        st.tuples(st.just("Last-Modified"), st.sampled_from(DATES)),
        st.tuples(st.just("Cache-Control"), st.sampled_from(["no-store", "max-age=60"])),
        st.tuples(st.just("Vary"), st.just("Accept")),
        st.tuples(st.just("Content-Type"), st.sampled_from(["text/plain", "text/event-stream"])),
    ),
    max_size=4,
    unique_by=lambda field: field[0],
)
request_fields = st.lists(
    st.one_of(
        st.tuples(st.just("If-None-Match"), request_tags),
        st.tuples(st.just("If-Match"), request_tags),
        st.tuples(st.just("If-Modified-Since"), st.sampled_from(DATES)),
        st.tuples(st.just("If-Unmodified-Since"), st.sampled_from(DATES)),
        st.tuples(st.just("If-Range"), st.sampled_from(TAGS)),
        st.tuples(st.just("Range"), st.just("bytes=0-1")),
    ),
    max_size=3,
)


def make_app(
    status: int,
    fields: list[tuple[str, str]],
    body: list[bytes],
    with_length: bool,
    trailing_empty: bool,
    trailers: bool,
) -> Any:
    headers = [(n.lower().encode(), v.encode()) for n, v in fields]
    if with_length:
        headers.append((b"content-length", str(sum(map(len, body))).encode()))
    parts = [*body, b""] if trailing_empty or not body else body

    async def app(scope: Any, receive: Any, send: Any) -> None:
        start: Message = {"type": "http.response.start", "status": status, "headers": headers}
        if scope["method"] == "HEAD":  # as frameworks do: the header fields, no body
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return
        if trailers:
            start["trailers"] = True
        await send(start)
        for index, part in enumerate(parts):
            await send(
                {"type": "http.response.body", "body": part, "more_body": index < len(parts) - 1}
            )
        if trailers:
            await send({"type": "http.response.trailers", "headers": [(b"x", b"y")]})

    return app


def without_etag_added(start: Message, app_start: Message) -> list[Any]:
    """The start's header fields with the one auto-ETag condget may add taken out."""
    headers = list(start["headers"])
    if headers != list(app_start["headers"]):
        assert headers[:-1] == list(app_start["headers"])
        assert headers[-1][0] == b"etag"
        assert headers[-1][1].startswith(b'W/"')
        return headers[:-1]
    return headers


@settings(max_examples=max(500, settings.default.max_examples), deadline=None)
@given(
    status=statuses,
    fields=response_fields,
    body=chunks,
    with_length=st.booleans(),
    trailing_empty=st.booleans(),
    trailers=st.booleans(),
    method=st.sampled_from(["GET", "HEAD"]),
    request=request_fields,
    auto_etag=st.booleans(),
    max_buffer=st.sampled_from([0, 10, 60, 1 << 20]),
)
def test_same_messages_or_the_cores_304_or_412(
    status: int,
    fields: list[tuple[str, str]],
    body: list[bytes],
    with_length: bool,
    trailing_empty: bool,
    trailers: bool,
    method: str,
    request: list[tuple[str, str]],
    auto_etag: bool,
    max_buffer: int,
) -> None:
    if status in (204, 304):
        # These carry no content, so no trailers either (RFC 9110 §15.3.5, §15.4.5).
        body, with_length, trailers = [], False, False
    app = make_app(status, fields, body, with_length, trailing_empty, trailers)
    middleware = ConditionalMiddleware(
        app, ranges=False, auto_etag=auto_etag, max_buffer=max_buffer
    )
    bare = call(app, "GET")
    plain = call(middleware, "GET")  # no preconditions: at most an auto-ETag more
    assert without_etag_added(plain[0], bare[0]) == list(bare[0]["headers"])
    assert plain[1:] == bare[1:]
    served = response_of(plain)
    etag = served.header("etag")
    request = [(n, etag or '"none"') if v == "AUTO" else (n, v) for n, v in request]

    sent = call(middleware, method, request)
    if method == "HEAD":
        # HEAD runs as HEAD: the app's own response, or condget's bodiless
        # reply, or (a conditional HEAD without a body) the GET's start with
        # an empty body. Which one is the RFC table's to pin down.
        fetched = [
            {**plain[0], "trailers": False} if trailers else plain[0],
            {"type": "http.response.body", "body": b""},
        ]
        if sent != call(app, "HEAD") and sent != fetched:
            answered = response_of(sent)
            assert (answered.status, answered.body) in ((304, b""), (412, b""))
        return
    # The oracle: the core, fed the validators of the response the client would get.
    validators = Validators.from_response_headers(served.headers)
    decision = evaluate(
        method, request, etag=validators.etag, last_modified=validators.last_modified, status=status
    )
    response = response_of(sent)
    if decision.outcome is Outcome.PROCEED or not 200 <= status < 300:
        assert sent == plain
    else:
        event(f"answered {decision.status}")
        assert response.status == decision.status
        assert response.header("etag") == etag
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        if decision.status == 304:
            assert response.body == b""
            assert not response.names() & {"content-type", "content-length"}
