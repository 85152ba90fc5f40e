"""ConditionalMiddleware driven with plain ASGI messages: what it sends, what it leaves alone."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.engine import AutoETag
from tests.asgi.support import (
    Message,
    app_sending,
    call,
    call_async,
    check_protocol,
    response_of,
    scope,
)

BODY = b"hello, world"
LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT"


def auto_tag(body: bytes) -> str:
    tagger = AutoETag()
    tagger.update(body)
    etag = tagger.etag()
    assert etag is not None
    return str(etag)


def recording_app(**kwargs: Any) -> Any:
    return app_sending(**kwargs)


# --- What passes straight through ------------------------------------------------------


@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
def test_non_http_scopes_go_straight_to_the_app(kind: str) -> None:
    seen: list[tuple[Any, Any, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    async def receive() -> Message:
        return {}

    async def send(message: Message) -> None:
        pass

    the_scope = {"type": kind}
    asyncio.run(ConditionalMiddleware(app)(the_scope, receive, send))
    assert seen == [(the_scope, receive, send)]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST", "PATCH"])
def test_unsafe_method_reaches_app_untouched_when_writes_are_not_checked(method: str) -> None:
    """R36: after the app has run it is too late for a 412, so nothing is evaluated."""
    app = app_sending(headers=[("ETag", '"v2"')])
    bare = call(app, method, [("If-Match", '"v1"')])
    wrapped = call(ConditionalMiddleware(app, check_writes=False), method, [("If-Match", '"v1"')])
    assert wrapped == bare
    assert app.seen == [method, method]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST", "PATCH"])
def test_a_stale_write_is_judged_by_a_get_of_its_target(method: str) -> None:
    """R36 with the one-line wrap: the write's If-Match against the target's current ETag."""
    app = app_sending(headers=[("ETag", '"v2"')])
    stale = response_of(call(ConditionalMiddleware(app), method, [("If-Match", '"v1"')]))
    assert stale.status == 412
    assert app.seen == ["GET"]  # the write never ran
    current = response_of(call(ConditionalMiddleware(app), method, [("If-Match", '"v2"')]))
    assert current.status == 200
    assert app.seen == ["GET", "GET", method]


def test_response_with_etag_and_no_preconditions_is_sent_as_the_same_messages() -> None:
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        for message in messages:
            await send(message)

    messages: list[Message] = [
        {"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v1"')]},
        {"type": "http.response.body", "body": b"a", "more_body": True},
        {"type": "http.response.body", "body": b"b"},
    ]

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    asyncio.run(ConditionalMiddleware(app)(scope(), receive, send))
    assert len(sent) == len(messages)
    assert all(a is b for a, b in zip(sent, messages, strict=True))


def test_without_auto_etag_or_preconditions_the_app_gets_the_servers_send() -> None:
    received: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        received.append(send)

    async def send(message: Message) -> None:
        pass

    async def receive() -> Message:
        return {"type": "http.request"}

    asyncio.run(ConditionalMiddleware(app, ranges=False, auto_etag=False)(scope(), receive, send))
    assert received == [send]


def test_if_range_alone_is_not_evaluated() -> None:
    """R27: If-Range never gives 304 or 412, so the request takes the fast path."""
    app = app_sending(headers=[("ETag", '"v1"')])
    headers = [("Range", "bytes=0-1"), ("If-Range", '"v0"')]
    assert call(ConditionalMiddleware(app, ranges=False), "GET", headers) == call(
        app, "GET", headers
    )


@pytest.mark.parametrize("status", [301, 304, 404, 500])
def test_non_2xx_response_is_sent_unchanged(status: int) -> None:
    """R28: preconditions are ignored when the response would not be 2xx."""
    own_304 = status == 304
    app = app_sending(
        status,
        headers=[("ETag", '"v1"')],
        chunks=() if own_304 else (BODY,),
        content_length=not own_304,
    )
    headers = [("If-None-Match", '"v1"'), ("If-Match", '"other"')]
    assert call(ConditionalMiddleware(app), "GET", headers) == call(app, "GET", headers)


# --- Response side: 304 and 412 from the app's validators ------------------------------


def test_matching_if_none_match_gives_304_with_the_200s_metadata() -> None:
    """R17, R18, R33: a 304 keeps ETag, Cache-Control, Vary, Set-Cookie; drops the body fields."""
    app = app_sending(
        headers=[
            ("Content-Type", "text/plain"),
            ("ETag", '"v1"'),
            ("Cache-Control", "max-age=60"),
            ("Vary", "Accept"),
            ("Set-Cookie", "a=1"),
            ("Content-Encoding", "identity"),
        ]
    )
    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", '"v1"')])
    response = response_of(messages)
    assert response.status == 304
    assert response.body == b""
    assert response.header("etag") == '"v1"'
    assert response.header("cache-control") == "max-age=60"
    assert response.header("vary") == "Accept"
    assert response.header("set-cookie") == "a=1"
    # ASGI servers add Date to every response; condget leaves it to them (one Date, §6.6.1).
    assert response.header("date") is None
    assert not {"content-type", "content-length", "content-encoding"} & response.names()
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert all(name == name.lower() for name, _ in response.headers)  # ASGI asks lowercase


def test_304_keeps_the_apps_own_date() -> None:
    """R33: Date is one of the fields a 304 repeats from the 200."""
    date = "Wed, 25 Nov 2026 12:00:00 GMT"
    app = app_sending(headers=[("ETag", '"v1"'), ("Date", date)])
    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", '"v1"')])
    assert response_of(messages).header("date") == date


def test_if_modified_since_gives_304_from_last_modified() -> None:
    """R20: Last-Modified <= the date gives 304."""
    app = app_sending(headers=[("Last-Modified", LAST_MODIFIED)])
    response = response_of(
        call(
            ConditionalMiddleware(app, auto_etag=False),
            "GET",
            [("If-Modified-Since", LAST_MODIFIED)],
        )
    )
    assert response.status == 304
    assert response.header("last-modified") == LAST_MODIFIED


def test_if_match_mismatch_on_get_gives_412_with_its_own_body() -> None:
    """R16, R34: If-Match false on GET is a 412, whose Content-Length matches its body."""
    app = app_sending(headers=[("Content-Type", "application/json"), ("ETag", '"v1"')])
    response = response_of(call(ConditionalMiddleware(app), "GET", [("If-Match", '"v0"')]))
    assert response.status == 412
    assert response.header("content-length") == str(len(response.body))
    assert response.header("content-type") == "text/plain; charset=utf-8"
    assert response.header("etag") == '"v1"'


def test_if_none_match_on_two_lines_is_joined() -> None:
    """R1: both lines count, not only the first."""
    app = app_sending(headers=[("ETag", '"v1"')])
    headers = [("If-None-Match", '"v0"'), ("If-None-Match", '"v1"')]
    assert response_of(call(ConditionalMiddleware(app), "GET", headers)).status == 304


def test_304_discards_the_rest_of_a_streamed_body_and_lets_the_app_finish() -> None:
    """After a 304 the application finishes as it would have (its work after the body runs)."""
    finished: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v1"')]})
        for _ in range(5):
            await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        finished.append(True)

    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", '"v1"')])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[1] == {"type": "http.response.body", "body": b""}
    assert finished == [True]


def test_a_starlette_background_task_runs_after_a_304() -> None:
    from starlette.background import BackgroundTask
    from starlette.responses import StreamingResponse

    ran: list[str] = []

    async def chunks() -> Any:
        for _ in range(3):
            yield b"x" * 10

    async def app(scope: Any, receive: Any, send: Any) -> None:
        task = BackgroundTask(ran.append, "audit")
        response = StreamingResponse(chunks(), headers={"ETag": '"v1"'}, background=task)
        await response(scope, receive, send)

    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", '"v1"')])
    assert response_of(messages).status == 304
    assert ran == ["audit"]


def test_an_apps_own_error_after_a_206_is_not_swallowed() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"etag", b'"v1"'), (b"content-length", b"20")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        try:
            await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
            await send({"type": "http.response.body", "body": b"y" * 10, "more_body": True})
        finally:
            raise RuntimeError("the database commit failed")

    with pytest.raises(RuntimeError, match="commit failed"):
        call(ConditionalMiddleware(app), "GET", [("Range", "bytes=0-4")])


def test_a_206_that_began_with_body_bytes_ends_at_a_pathsend() -> None:
    """An app that sends body bytes, then a path: the 206 cannot go on, so it ends (short)."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"etag", b'"v1"'), (b"content-length", b"10")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        await send({"type": "http.response.pathsend", "path": "/dev/null"})

    messages = asyncio.run(call_async(ConditionalMiddleware(app), "GET", [("Range", "bytes=2-4")]))
    assert messages[0]["status"] == 206
    assert messages[-1].get("more_body", False) is False  # the response ends


def test_an_app_that_ends_its_body_after_a_304_finishes_normally() -> None:
    finished: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v1"')]})
        await send({"type": "http.response.body", "body": b"x" * 10})
        finished.append(True)

    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", '"v1"')])
    assert response_of(messages).status == 304
    assert finished == [True]


# --- Extension messages ------------------------------------------------------------


def test_trailers_pass_through_when_condget_does_not_answer() -> None:
    app = app_sending(headers=[("ETag", '"v1"')], trailers=[("checksum", "abc")])
    headers = [("If-None-Match", '"v0"')]
    assert call(ConditionalMiddleware(app, ranges=False), "GET", headers) == call(
        app, "GET", headers
    )


def test_trailers_pass_through_after_an_auto_etag() -> None:
    app = app_sending(trailers=[("checksum", "abc")])
    messages = call(ConditionalMiddleware(app), "GET")
    assert messages[0]["trailers"] is True
    assert messages[-1]["type"] == "http.response.trailers"
    assert response_of(messages).header("etag") == auto_tag(BODY)


@pytest.mark.parametrize("app_etag", [True, False])
def test_a_304_never_announces_or_sends_trailers(app_etag: bool) -> None:
    """R33: a 304 has no content and no trailers."""
    headers = [("ETag", '"v1"')] if app_etag else []
    app = app_sending(headers=headers, trailers=[("checksum", "abc")])
    tag = '"v1"' if app_etag else auto_tag(BODY)
    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", tag)])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[0]["status"] == 304
    assert messages[0].get("trailers", False) is False


def pathsend_app(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": "/srv/file.txt"})

    return app


@pytest.mark.parametrize("app_etag", [True, False])
def test_pathsend_passes_through_untouched(app_etag: bool) -> None:
    headers = [(b"content-length", b"100")] + ([(b"etag", b'"v1"')] if app_etag else [])
    app = pathsend_app(headers)
    for request in ([], [("If-None-Match", '"v0"')]):
        assert call(ConditionalMiddleware(app, ranges=False), "GET", request) == call(
            app, "GET", request
        )


def test_pathsend_is_not_used_by_a_304() -> None:
    app = pathsend_app([(b"content-length", b"100"), (b"etag", b'"v1"')])
    messages = call(ConditionalMiddleware(app), "GET", [("If-None-Match", '"v1"')])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[0]["status"] == 304


def test_pathsend_without_etag_answers_304_from_last_modified() -> None:
    """A file sent by path cannot be hashed here: its own Last-Modified decides."""
    app = pathsend_app([(b"content-length", b"100"), (b"last-modified", LAST_MODIFIED.encode())])
    messages = call(ConditionalMiddleware(app), "GET", [("If-Modified-Since", LAST_MODIFIED)])
    assert messages[0]["status"] == 304
    assert response_of(messages).header("etag") is None


def test_zerocopysend_passes_through_untouched() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"20")]}
        )
        await send(
            {"type": "http.response.zerocopysend", "file": 3, "count": 10, "more_body": True}
        )
        await send({"type": "http.response.zerocopysend", "file": 3, "count": 10})

    assert call(ConditionalMiddleware(app, ranges=False), "GET") == call(app, "GET")


def test_unknown_extension_messages_pass_through() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload"]})
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v1"')]})
        await send({"type": "http.response.body", "body": b"a"})
        await send({"type": "http.response.debug", "info": {}})

    for request in ([], [("If-None-Match", '"v0"')]):
        assert call(ConditionalMiddleware(app), "GET", request) == call(app, "GET", request)


def test_unknown_extension_message_while_held_releases_the_response() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
        )
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "x.custom.body", "body": b"b"})

    messages = asyncio.run(call_async(ConditionalMiddleware(app)))
    assert messages == asyncio.run(call_async(app))


# --- Auto-ETag -----------------------------------------------------------------------


def test_auto_etag_is_weak_and_hashes_the_whole_body_in_its_chunks() -> None:
    """R10: middleware cannot promise byte equality, so the tag is weak; chunks are kept."""
    app = app_sending(chunks=[b"hello, ", b"world"])
    messages = call(ConditionalMiddleware(app))
    response = response_of(messages)
    assert response.header("etag") == auto_tag(b"hello, world")
    assert response.header(
        "etag",
    ).startswith('W/"')
    assert [m.get("body") for m in messages[1:]] == [b"hello, ", b"world"]


def test_revalidation_with_the_auto_etag_gets_304() -> None:
    app = app_sending()
    tag = response_of(call(ConditionalMiddleware(app))).header("etag")
    assert tag is not None
    response = response_of(call(ConditionalMiddleware(app), "GET", [("If-None-Match", tag)]))
    assert response.status == 304
    assert response.header("etag") == tag


def test_if_match_with_the_auto_etag_fails() -> None:
    """R15: If-Match uses strong comparison, which a weak auto-ETag never passes."""
    app = app_sending()
    tag = auto_tag(BODY)
    response = response_of(call(ConditionalMiddleware(app), "GET", [("If-Match", tag)]))
    assert response.status == 412


@pytest.mark.parametrize("etag", ['"v1"', "not-a-valid-tag"])
def test_auto_etag_never_replaces_the_apps_etag(etag: str) -> None:
    app = app_sending(headers=[("ETag", etag)])
    assert call(ConditionalMiddleware(app, ranges=False)) == call(app)


@pytest.mark.parametrize(
    "headers",
    [
        [("Cache-Control", "no-store")],
        [("Content-Type", "text/event-stream")],
        [("Content-Encoding", "br")],
    ],
)
def test_responses_autoetag_refuses_are_sent_unchanged(headers: list[tuple[str, str]]) -> None:
    app = app_sending(headers=headers)
    assert call(ConditionalMiddleware(app, ranges=False)) == call(app)


def test_empty_body_gets_no_tag() -> None:
    app = app_sending(204, chunks=())
    assert call(ConditionalMiddleware(app, ranges=False)) == call(app)


def test_stream_without_length_is_not_held_back() -> None:
    """An open-ended stream (no Content-Length, more to come) goes out as it is produced."""
    seen_by_client: list[int] = []
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"event 1", "more_body": True})
        seen_by_client.append(len(sent))
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    asyncio.run(ConditionalMiddleware(app)(scope(), receive, send))
    assert seen_by_client == [2]  # start and first chunk were out before the app went on
    check_protocol(sent, "GET")
    assert response_of(sent).header("etag") is None


def test_known_length_above_max_buffer_is_streamed_from_the_start() -> None:
    seen_by_client: list[int] = []
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"20")]}
        )
        seen_by_client.append(len(sent))
        await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
        await send({"type": "http.response.body", "body": b"x" * 10})

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    asyncio.run(ConditionalMiddleware(app, max_buffer=16)(scope(), receive, send))
    assert seen_by_client == [1]
    assert response_of(sent).header("etag") is None
    assert len(sent) == 3


@pytest.mark.parametrize("chunks", [[b"x" * 17], [b"x" * 10, b"x" * 10], [b"x" * 16, b"y"]])
def test_body_passing_max_buffer_is_flushed_and_streamed_untagged(chunks: list[bytes]) -> None:
    # " 20" is a Content-Length the server understands but condget cannot compare: it
    # holds the body until the limit is actually passed.
    app = app_sending(
        headers=[("Content-Length", f" {sum(map(len, chunks))}")],
        chunks=chunks,
        content_length=False,
    )
    messages = call(ConditionalMiddleware(app, ranges=False, max_buffer=16))
    assert messages == call(app)


def test_body_of_exactly_max_buffer_is_tagged() -> None:
    """max_buffer counts the body and 256 bytes per message held (what holding one costs)."""
    app = app_sending(chunks=[b"x" * 8, b"x" * 8])
    response = response_of(call(ConditionalMiddleware(app, max_buffer=16 + 2 * 256)))
    assert response.header("etag") == auto_tag(b"x" * 16)
    response = response_of(call(ConditionalMiddleware(app, max_buffer=16 + 2 * 256 - 1)))
    assert response.header("etag") is None


def test_tiny_messages_cannot_hold_many_times_max_buffer() -> None:
    """A body in 1-byte messages is released after max_buffer / 257 of them, not max_buffer."""
    held: list[int] = []
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"60000")],
            }
        )
        for _ in range(60_000):
            if sent:
                break
            held.append(1)
            await send({"type": "http.response.body", "body": b"x", "more_body": True})

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    asyncio.run(ConditionalMiddleware(app, max_buffer=64 * 1024)(scope(), receive, send))
    assert len(held) == 64 * 1024 // 257 + 1


def test_over_max_buffer_304_still_comes_from_last_modified() -> None:
    app = app_sending(headers=[("Last-Modified", LAST_MODIFIED)], chunks=[b"x" * 10, b"x" * 10])
    request = [("If-Modified-Since", LAST_MODIFIED)]
    messages = call(ConditionalMiddleware(app, max_buffer=16), "GET", request)
    assert messages[0]["status"] == 304
    assert response_of(messages).header("etag") is None


def test_gzip_body_is_tagged_by_its_identity_bytes() -> None:
    """The tag ignores the encoding: revalidation works on either side of a compressor."""
    encoded = gzip.compress(BODY, mtime=0)
    app = app_sending(headers=[("Content-Encoding", "gzip")], chunks=[encoded[:5], encoded[5:]])
    assert response_of(call(ConditionalMiddleware(app))).header("etag") == auto_tag(BODY)


def test_app_returning_mid_response_gets_what_it_sent_forwarded() -> None:
    """An app that stops before the end of its body: the server sees the same messages."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]}
        )
        await send({"type": "http.response.body", "body": b"12345", "more_body": True})

    assert asyncio.run(call_async(ConditionalMiddleware(app))) == asyncio.run(call_async(app))


def test_app_returning_after_start_alone_gets_it_forwarded() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})

    assert asyncio.run(call_async(ConditionalMiddleware(app))) == asyncio.run(call_async(app))


# --- HEAD ----------------------------------------------------------------------------


def test_head_goes_to_the_app_as_head() -> None:
    """Issue 9, defect 2: HEAD costs no GET; unconditional, it may omit the auto-ETag (§9.3.2)."""
    app = app_sending()
    assert call(ConditionalMiddleware(app, ranges=False), "HEAD") == call(app, "HEAD")
    assert app.seen == ["HEAD", "HEAD"]


def test_conditional_head_without_a_body_is_checked_against_the_gets_tag() -> None:
    """R31: a HEAD the app answers without its body is checked against the GET's tag."""
    app = app_sending()
    get = response_of(call(ConditionalMiddleware(app), "GET"))
    head_messages = call(ConditionalMiddleware(app), "HEAD", [("If-None-Match", '"v0"')])
    head = response_of(head_messages)
    assert app.seen == ["GET", "HEAD", "GET"]
    assert head.header("etag") == get.header("etag")
    assert head.header("content-length") == str(len(BODY))
    assert head.body == b""
    assert head_messages[-1] == {"type": "http.response.body", "body": b""}


def test_head_revalidation_gets_304() -> None:
    app = app_sending()
    messages = call(ConditionalMiddleware(app), "HEAD", [("If-None-Match", auto_tag(BODY))])
    assert messages[0]["status"] == 304
    assert messages[1] == {"type": "http.response.body", "body": b""}


def test_head_with_a_body_is_answered_from_the_get() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        app.seen.append(scope["method"])  # type: ignore[attr-defined]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": BODY})

    app.seen = []  # type: ignore[attr-defined]
    messages = call(ConditionalMiddleware(app), "HEAD", [("If-None-Match", auto_tag(BODY))])
    assert (messages[0]["status"], app.seen) == (304, ["HEAD", "GET"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(("if_none_match", "status"), [('"md5"', 304), ('"other"', 200)])
def test_a_conditional_head_carries_the_gets_tag(if_none_match: str, status: int) -> None:
    """§9.3.2: a GET-only tagger (Django's ConditionalGetMiddleware) and a HEAD with a body."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-length", b"5")]
        if scope["method"] == "GET":
            headers.append((b"etag", b'"md5"'))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"hello"})

    messages = call(ConditionalMiddleware(app), "HEAD", [("If-None-Match", if_none_match)])
    response = response_of(messages)
    assert (response.status, response.header("etag"), response.body) == (status, '"md5"', b"")


def test_head_412_keeps_its_content_length_without_a_body() -> None:
    app = app_sending(headers=[("ETag", '"v1"')])
    response = response_of(call(ConditionalMiddleware(app), "HEAD", [("If-Match", '"v0"')]))
    assert response.status == 412
    assert response.body == b""
    assert response.header("content-length") == str(len(b"412 Precondition Failed\n"))


def test_the_get_answering_a_head_never_sends_body_or_trailers() -> None:
    app = app_sending(chunks=[b"ab", b"cd"], trailers=[("x", "y")])
    messages = call(ConditionalMiddleware(app), "HEAD", [("If-None-Match", '"v0"')])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[0].get("trailers") is False
    assert messages[1] == {"type": "http.response.body", "body": b""}
    assert app.seen == ["HEAD", "GET"]  # type: ignore[attr-defined]


def test_a_non_2xx_head_is_never_answered_from_a_get() -> None:
    app = app_sending(404)
    request = [("If-None-Match", '"v0"')]
    assert call(ConditionalMiddleware(app), "HEAD", request) == call(app, "HEAD", request)
    assert app.seen == ["HEAD", "HEAD"]  # type: ignore[attr-defined]


def test_the_get_answering_a_head_by_pathsend_gets_an_empty_body() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
        )
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.pathsend", "path": "/srv/file.txt"})

    messages = call(ConditionalMiddleware(app, ranges=False), "HEAD", [("If-None-Match", '"v0"')])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[1] == {"type": "http.response.body", "body": b""}


def test_conditional_head_with_unknown_extensions_keeps_them() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v1"')]})
        await send({"type": "http.response.debug"})
        await send({"type": "http.response.zerocopysend", "file": 3, "more_body": True})
        await send({"type": "http.response.zerocopysend", "file": 3})

    request = [("If-None-Match", '"v0"')]
    assert call(ConditionalMiddleware(app), "HEAD", request) == call(app, "HEAD", request)


def test_the_get_answering_a_head_over_max_buffer_sends_no_body() -> None:
    app = app_sending(
        chunks=[b"x" * 10] * 3, headers=[("Content-Length", " 30")], content_length=False
    )
    messages = call(
        ConditionalMiddleware(app, max_buffer=16 + 256), "HEAD", [("If-None-Match", '"x"')]
    )
    assert response_of(messages).body == b""
    assert response_of(messages).header("etag") is None
    assert app.seen == ["HEAD", "GET"]


def test_head_without_auto_etag_runs_the_app_as_head() -> None:
    app = app_sending()
    call(ConditionalMiddleware(app, auto_etag=False), "HEAD", [("If-None-Match", '"v0"')])
    assert app.seen == ["HEAD"]


# --- Pre-dispatch hook ------------------------------------------------------------------


def resource(**kwargs: Any) -> Validators:
    return Validators(
        '"v2"', LAST_MODIFIED, headers={"Cache-Control": "max-age=5", "Vary": "Accept"}, **kwargs
    )


def sync_hook(scope: Any) -> Validators | None:
    return resource() if scope["path"] == "/known" else None


async def async_hook(scope: Any) -> Validators | None:
    await asyncio.sleep(0)
    return sync_hook(scope)


HOOKS = [pytest.param(sync_hook, id="sync"), pytest.param(async_hook, id="async")]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_304_does_not_call_the_app_and_carries_the_routes_fields(hook: Any) -> None:
    """R36, R33: the 304 carries Cache-Control and Vary from Validators.headers."""
    app = app_sending()
    middleware = ConditionalMiddleware(app, validators=hook)
    response = response_of(call(middleware, "GET", [("If-None-Match", '"v2"')], "/known"))
    assert app.seen == []
    assert response.status == 304
    assert response.header("etag") == '"v2"'
    assert response.header("cache-control") == "max-age=5"
    assert response.header("vary") == "Accept"
    assert response.header("last-modified") == LAST_MODIFIED


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_hook_stale_if_match_gives_412_before_the_app_runs(hook: Any, method: str) -> None:
    app = app_sending()
    middleware = ConditionalMiddleware(app, validators=hook)
    response = response_of(call(middleware, method, [("If-Match", '"v1"')], "/known"))
    assert response.status == 412
    assert app.seen == []
    response = response_of(call(middleware, method, [("If-Match", '"v2"')], "/known"))
    assert response.status == 200
    assert app.seen == [method]


def test_hook_head_412_has_no_body() -> None:
    middleware = ConditionalMiddleware(app_sending(), validators=sync_hook)
    response = response_of(call(middleware, "HEAD", [("If-Match", '"v1"')], "/known"))
    assert (response.status, response.body) == (412, b"")


def test_hook_create_only_if_absent() -> None:
    """R18: If-None-Match: * lets a PUT through only when nothing exists yet."""
    app = app_sending(201)
    exists = ConditionalMiddleware(app, validators=lambda scope: resource())
    missing = ConditionalMiddleware(app, validators=lambda scope: Validators(exists=False))
    assert response_of(call(exists, "PUT", [("If-None-Match", "*")])).status == 412
    assert response_of(call(missing, "PUT", [("If-None-Match", "*")])).status == 201


def test_require_precondition_gives_428_to_an_unguarded_write() -> None:
    app = app_sending()
    middleware = ConditionalMiddleware(app, validators=sync_hook, require_precondition=True)
    assert response_of(call(middleware, "PUT", [], "/known")).status == 428
    assert response_of(call(middleware, "GET", [], "/known")).status == 200
    assert response_of(call(middleware, "PUT", [], "/unknown")).status == 200  # hook: None
    assert response_of(call(middleware, "PUT", [("If-Match", '"v2"')], "/known")).status == 200
    assert app.seen == ["GET", "PUT", "PUT"]


def test_require_precondition_needs_a_hook() -> None:
    with pytest.raises(ValueError, match="validators hook"):
        ConditionalMiddleware(app_sending(), require_precondition=True)


def test_hook_returning_none_leaves_get_to_the_response_side() -> None:
    app = app_sending()
    middleware = ConditionalMiddleware(app, validators=async_hook)
    response = response_of(call(middleware, "GET", [("If-None-Match", auto_tag(BODY))], "/other"))
    assert response.status == 304


def test_hook_returning_none_leaves_unsafe_methods_to_the_write_check() -> None:
    app = app_sending(headers=[("ETag", '"v2"')])
    request = [("If-Match", '"v1"')]
    middleware = ConditionalMiddleware(app, validators=sync_hook)
    assert response_of(call(middleware, "PUT", request, "/other")).status == 412
    assert app.seen == ["GET"]
    unchecked = ConditionalMiddleware(app, validators=sync_hook, check_writes=False)
    assert call(unchecked, "PUT", request, "/other") == call(app, "PUT", request, "/other")


def test_hook_gets_the_scope() -> None:
    seen: list[Any] = []

    def hook(scope: Any) -> None:
        seen.append(scope["path"])

    call(ConditionalMiddleware(app_sending(), validators=hook), "GET", [], "/a/b")
    assert seen == ["/a/b"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_response_after_hook_gets_the_fields_it_lacks(method: str) -> None:
    app = app_sending(headers=[("Content-Type", "text/plain"), ("Cache-Control", "no-cache")])
    middleware = ConditionalMiddleware(app, validators=sync_hook)
    response = response_of(call(middleware, method, [("If-None-Match", '"v1"')], "/known"))
    assert response.status == 200
    assert response.header("etag") == '"v2"'
    assert response.header("last-modified") == LAST_MODIFIED
    assert response.header("vary") == "Accept"
    assert response.header("cache-control") == "no-cache"  # the app's own wins
    assert app.seen == [method]  # HEAD stays HEAD: nothing to hash


def test_response_after_hook_that_lacks_nothing_is_unchanged() -> None:
    headers = [
        ("ETag", '"v2"'),
        ("Last-Modified", LAST_MODIFIED),
        ("Cache-Control", "x"),
        ("Vary", "y"),
    ]
    app = app_sending(headers=headers)
    middleware = ConditionalMiddleware(app, ranges=False, validators=sync_hook)
    assert call(middleware, "GET", [], "/known") == call(app, "GET", [], "/known")


def test_error_response_after_hook_is_not_filled() -> None:
    app = app_sending(404)
    middleware = ConditionalMiddleware(app, validators=sync_hook)
    assert call(middleware, "GET", [], "/known") == call(app, "GET", [], "/known")


def test_write_after_hook_is_not_filled() -> None:
    """A PUT's 2xx describes the new state, which only the app knows."""
    app = app_sending(200, headers=[])
    middleware = ConditionalMiddleware(app, validators=sync_hook)
    response = response_of(call(middleware, "PUT", [("If-Match", '"v2"')], "/known"))
    assert response.header("etag") is None


# --- Exceptions, disconnects, concurrency ------------------------------------------------------


class Boom(Exception):
    pass


@pytest.mark.parametrize("sends", [0, 1, 2])
@pytest.mark.parametrize("headers", [[], [("If-None-Match", '"v0"')]])
def test_app_exceptions_propagate_unchanged(sends: int, headers: list[tuple[str, str]]) -> None:
    error = Boom("app failed")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        messages: list[Message] = [
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]},
            {"type": "http.response.body", "body": b"ab", "more_body": True},
        ]
        for message in messages[:sends]:
            await send(message)
        raise error

    with pytest.raises(Boom) as raised:
        asyncio.run(call_async(ConditionalMiddleware(app), "GET", headers))
    assert raised.value is error


def test_hook_exceptions_propagate_unchanged() -> None:
    error = Boom("hook failed")

    def hook(scope: Any) -> None:
        raise error

    with pytest.raises(Boom) as raised:
        asyncio.run(call_async(ConditionalMiddleware(app_sending(), validators=hook)))
    assert raised.value is error


def test_send_failing_after_client_left_reaches_the_app_unchanged() -> None:
    error = OSError("connection reset")
    caught: list[BaseException] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
        )
        try:
            await send({"type": "http.response.body", "body": b"ab"})
        except OSError as exc:
            caught.append(exc)

    async def send(message: Message) -> None:
        raise error

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    asyncio.run(ConditionalMiddleware(app)(scope(), receive, send))
    assert caught == [error]


def test_client_disconnect_ends_cleanly_without_leftover_tasks() -> None:
    """The app sees http.disconnect and stops mid-body: no error, no task left behind."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"9")]}
        )
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        message = await receive()
        assert message["type"] == "http.disconnect"

    async def main() -> tuple[list[Message], set[asyncio.Task[Any]]]:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.disconnect"}

        await ConditionalMiddleware(app)(scope("GET", [("If-None-Match", '"x"')]), receive, send)
        return sent, asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]

    sent, leftover = asyncio.run(main())
    assert leftover == set()
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_concurrent_requests_do_not_share_state() -> None:
    """Per-request state lives in a per-request object (STYLE.md §10)."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = scope["path"].encode() * 3
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())],
            }
        )
        for byte in body:
            await asyncio.sleep(0)
            await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    middleware = ConditionalMiddleware(app)
    paths = [f"/{n}" for n in range(20)]

    async def main() -> list[list[Message]]:
        return await asyncio.gather(
            *(
                call_async(
                    middleware,
                    "GET",
                    [("If-None-Match", auto_tag(p.encode() * 3))] if n % 2 else [],
                    p,
                )
                for n, p in enumerate(paths)
            )
        )

    for n, (path, messages) in enumerate(zip(paths, asyncio.run(main()), strict=True)):
        check_protocol(messages, "GET")
        response = response_of(messages)
        if n % 2:
            assert response.status == 304
        else:
            assert response.body == path.encode() * 3
            assert response.header("etag") == auto_tag(path.encode() * 3)
    assert not [
        name
        for name in vars(middleware)
        if name
        not in {
            "app",
            "auto_etag",
            "max_buffer",
            "validators",
            "require_precondition",
            "ranges",
            "max_ranges",
            "observer",
            "decision_header",
            "store",
            "store_key",
            "check_writes",
            "hide_conditions",
            "_observation",
        }
    ]


def test_exception_before_the_first_body_message_looks_as_it_does_without_condget() -> None:
    """The held start is sent before the error goes on: the client sees what the bare app gives."""
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def broken(request: Any) -> StreamingResponse:
        async def chunks() -> Any:
            raise Boom("failed before the first chunk")
            yield b""  # pragma: no cover

        return StreamingResponse(chunks(), headers={"Content-Length": "10"})

    def answer(wrapped: bool) -> tuple[int, bytes]:
        app = Starlette(routes=[Route("/", broken)])
        if wrapped:
            app.add_middleware(ConditionalMiddleware)
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/")
        return response.status_code, response.content

    assert answer(wrapped=True) == answer(wrapped=False)


def test_max_buffer_below_zero_fails_loudly() -> None:
    with pytest.raises(ValueError, match="max_buffer"):
        ConditionalMiddleware(app_sending(), max_buffer=-1)


@pytest.mark.parametrize(("extra", "swallowed"), [(False, True), (True, False)])
def test_a_stop_wrapped_in_an_exception_group(extra: bool, swallowed: bool) -> None:
    """anyio's task groups wrap what they raise: condget's stop alone ends quietly."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"etag", b'"v1"'), (b"content-length", b"20")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
        try:
            await send({"type": "http.response.body", "body": b"y" * 10, "more_body": True})
        except OSError as stop:
            errors: list[Exception] = [stop, RuntimeError("also broken")] if extra else [stop]
            raise ExceptionGroup("task group", errors) from None

    middleware = ConditionalMiddleware(app)
    if swallowed:
        assert response_of(call(middleware, "GET", [("Range", "bytes=0-4")])).status == 206
    else:
        with pytest.raises(ExceptionGroup):
            call(middleware, "GET", [("Range", "bytes=0-4")])
