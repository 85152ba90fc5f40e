"""``condget.wsgi.ConditionalMiddleware``: what it answers, and what it leaves alone."""

from __future__ import annotations

import gc
import gzip
import sys
import tracemalloc
import zlib
from typing import Any

import pytest

from condget import Validators, format_http_date
from condget.engine import CHUNK_COST, AutoETag
from condget.wsgi import ConditionalMiddleware, conditions_from_environ
from tests.wsgi.support import (
    ITERATOR,
    LAZY,
    LIST,
    MODES,
    WRITE,
    App,
    Environ,
    environ,
    serve,
    with_length,
)

ETAG = '"v1"'
LM = format_http_date(784111777)
LATER = format_http_date(784111777 + 60)
EARLIER = format_http_date(784111777 - 60)
BODY = (b"hello ", b"world")


def tagged_app(mode: str = LIST, **kwargs: Any) -> App:
    headers = [("Content-Type", "text/plain"), ("ETag", ETAG), ("Last-Modified", LM)]
    return App(headers=with_length(headers, BODY), chunks=BODY, mode=mode, **kwargs)


def untagged_app(mode: str = LIST, chunks: tuple[bytes, ...] = BODY, **kwargs: Any) -> App:
    headers = with_length([("Content-Type", "text/plain")], chunks)
    return App(headers=headers, chunks=chunks, mode=mode, **kwargs)


def auto_tag(chunks: tuple[bytes, ...] | list[bytes], coding: str | None = None) -> str:
    tagger = AutoETag(coding)
    for chunk in chunks:
        tagger.update(chunk)
    tag = tagger.etag()
    assert tag is not None
    return str(tag)


# --- Response side: 304 and 412 (GET and HEAD) ---------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_if_none_match_on_the_apps_etag_gives_304(mode: str) -> None:
    app = tagged_app(mode)
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))
    assert response.code == 304
    assert response.body == b""
    # R33: the 304 repeats the validators and drops the representation's framing.
    assert response.header("ETag") == ETAG
    assert response.header("Last-Modified") == LM
    assert response.header("Date") is None  # the server adds it, as to every response
    assert "content-type" not in response.names()
    assert "content-length" not in response.names()
    assert app.closed == 1


def test_304_never_reads_a_streamed_body() -> None:
    app = tagged_app(ITERATOR)
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))
    assert response.code == 304
    assert app.read == 0
    assert app.closed == 1


def test_if_modified_since_gives_304_on_last_modified() -> None:
    app = App(headers=[("Content-Type", "text/plain"), ("Last-Modified", LM)])
    middleware = ConditionalMiddleware(app, auto_etag=False)
    assert serve(middleware, environ("GET", [("If-Modified-Since", LM)])).code == 304
    assert serve(middleware, environ("GET", [("If-Modified-Since", EARLIER)])).code == 200


def test_failing_if_match_on_get_gives_412() -> None:
    app = tagged_app()
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-Match", '"v0"')]))
    assert response.code == 412  # R16: If-Match on GET is legal, and fails
    assert response.body == b"412 Precondition Failed\n"
    assert response.header("Content-Length") == str(len(response.body))
    assert response.header("ETag") == ETAG  # R34: what to retry against
    assert app.closed == 1


def test_failing_if_unmodified_since_on_get_gives_412() -> None:
    app = tagged_app()
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-Unmodified-Since", EARLIER)]))
    assert response.code == 412


@pytest.mark.parametrize("auto_etag", [True, False])
def test_head_gets_304_and_412_without_a_body(auto_etag: bool) -> None:
    middleware = ConditionalMiddleware(tagged_app(), auto_etag=auto_etag)
    not_modified = serve(middleware, environ("HEAD", [("If-None-Match", ETAG)]))
    assert (not_modified.code, not_modified.body) == (304, b"")  # R31
    failed = serve(middleware, environ("HEAD", [("If-Match", '"v0"')]))
    assert (failed.code, failed.body) == (412, b"")
    assert failed.header("Content-Length") == "24"  # what the GET would carry


def test_repeated_if_none_match_lines_are_joined() -> None:
    # R1: the server joins the lines; a match on the second one counts.
    env = environ("GET", [("If-None-Match", '"a"'), ("If-None-Match", ETAG)])
    assert env["HTTP_IF_NONE_MATCH"] == f'"a", {ETAG}'
    assert serve(ConditionalMiddleware(tagged_app()), env).code == 304


@pytest.mark.parametrize("name", ["etag", "ETAG", "eTag"])
def test_response_header_names_are_case_insensitive(name: str) -> None:
    app = App(headers=[("Content-Type", "text/plain"), (name, ETAG)])
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))
    assert response.code == 304
    assert response.header("ETag") == ETAG  # the app's, not an auto-ETag beside it


def test_conditions_from_environ_reads_all_six_fields() -> None:
    env = environ(
        "GET",
        [
            ("If-Match", '"a"'),
            ("If-None-Match", '"b"'),
            ("If-Modified-Since", LM),
            ("If-Unmodified-Since", LATER),
            ("If-Range", '"c"'),
            ("Range", "bytes=0-1"),
        ],
    )
    conditions = conditions_from_environ(env)
    assert conditions.if_match == '"a"'
    assert conditions.if_none_match == '"b"'
    assert conditions.if_modified_since == LM
    assert conditions.if_unmodified_since == LATER
    assert conditions.if_range == '"c"'
    assert conditions.range == "bytes=0-1"


FIELDS_ONE_BY_ONE = {
    "if_match": ("If-Match", '"a"'),
    "if_none_match": ("If-None-Match", '"b"'),
    "if_modified_since": ("If-Modified-Since", LM),
    "if_unmodified_since": ("If-Unmodified-Since", LATER),
    "if_range": ("If-Range", '"c"'),
    "range": ("Range", "bytes=0-1"),
}


@pytest.mark.parametrize("attribute", FIELDS_ONE_BY_ONE)
def test_conditions_from_environ_finds_any_one_field_alone(attribute: str) -> None:
    # Most environs have none, found by one lookup per key: each key must be among them.
    conditions = conditions_from_environ(environ("GET", [FIELDS_ONE_BY_ONE[attribute]]))
    assert conditions._asdict() == {
        name: FIELDS_ONE_BY_ONE[name][1] if name == attribute else None
        for name in FIELDS_ONE_BY_ONE
    }
    assert conditions_from_environ(environ("GET")) == conditions_from_environ({})


def test_many_status_lines_are_each_read_right(monkeypatch: pytest.MonkeyPatch) -> None:
    # Status lines read are remembered up to a bound; past it each is read again.
    import condget.wsgi

    monkeypatch.setattr(condget.wsgi, "_status_codes", {})  # this test's own, not the next's
    for number in range(300):
        app = tagged_app(status=f"200 Fine {number}")
        response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))
        assert response.code == 304, number
    odd = tagged_app(status="2x0 Odd")
    response = serve(ConditionalMiddleware(odd), environ("GET", [("If-None-Match", ETAG)]))
    assert response.status == "2x0 Odd"  # not a status condget can read: the server's to judge
    assert len(condget.wsgi._status_codes) <= condget.wsgi._KEPT_STATUS_LINES


# --- Response side: what passes through untouched -----------------------------


@pytest.mark.parametrize("mode", MODES)
def test_without_preconditions_the_response_is_untouched(mode: str) -> None:
    app = tagged_app(mode)
    wrapped = serve(ConditionalMiddleware(app, ranges=False), environ("GET"))
    bare = serve(tagged_app(mode), environ("GET"))
    assert (wrapped.status, wrapped.headers, wrapped.chunks) == (
        bare.status,
        bare.headers,
        bare.chunks,
    )
    assert app.closed == 1


def test_with_nothing_to_do_the_server_gets_the_apps_own_iterable() -> None:
    # wsgi.file_wrapper keeps its sendfile() path only if it reaches the server.
    body = [b"x"]

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain"), ("ETag", ETAG)])
        return body

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return lambda data: None

    assert ConditionalMiddleware(app)(environ("GET"), start_response) is body
    plain = ConditionalMiddleware(app, auto_etag=False)
    assert plain(environ("GET"), start_response) is body
    assert plain(environ("GET", [("If-None-Match", '"other"')]), start_response) is body
    assert plain(environ("POST", [("If-None-Match", '"other"')]), start_response) is body


def test_a_held_list_goes_to_the_server_as_it_is_or_as_the_reply() -> None:
    # A list is all there: condget feeds it to the engine inside the call,
    # and the server iterates the application's own list, tagged.
    chunks = [b"hello ", b"", b"world"]
    returned: list[list[bytes]] = []
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        returned.append(list(chunks))
        return returned[-1]

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        started.append((status, headers))
        return lambda data: None

    middleware = ConditionalMiddleware(app)
    body = middleware(environ("GET"), start_response)
    assert body is returned[-1]  # no iterator of condget's between
    assert started[-1][0] == "200 OK"
    tag = dict(started.pop()[1])["ETag"]
    assert tag == auto_tag(chunks)
    body = middleware(environ("GET", [("If-None-Match", tag)]), start_response)
    assert (body, started.pop()[0]) == ([], "304 Not Modified")
    chunks.clear()
    assert middleware(environ("GET"), start_response) is returned[-1]
    assert "ETag" not in dict(started.pop()[1])  # an empty body gets no tag


def test_a_list_of_its_own_kind_is_read_by_iterating_it() -> None:
    # A list subclass may iterate or count its own way: only iterating it
    # tells where the body ends, so the tag covers every byte it yields.
    class Lying(list[bytes]):
        def __len__(self) -> int:
            return 1

        def close(self) -> None:
            closed.append(True)

    closed: list[bool] = []

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Lying([b"hello ", b"world"])

    response = serve(ConditionalMiddleware(app), environ("GET"))
    assert response.body == b"hello world"
    assert response.header("ETag") == auto_tag([b"hello world"])
    assert closed == [True]


def test_a_forwarded_chunk_goes_out_whatever_its_type() -> None:
    # The server judges what the application yields (PEP 3333 wants bytes);
    # condget forwards it as it came, never drops it.
    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("ETag", ETAG), ("Content-Length", "11")])
        yield b"hello "
        yield bytearray(b"world")

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return lambda data: None

    middleware = ConditionalMiddleware(app)
    body = middleware(environ("GET", [("If-None-Match", '"zz"')]), start_response)
    assert list(body) == [b"hello ", bytearray(b"world")]


@pytest.mark.parametrize(
    "status", ["301 Moved Permanently", "304 Not Modified", "404 Not Found", "500 Oops"]
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_non_2xx_responses_are_untouched(status: str, method: str) -> None:
    # R28: a response that would not be 2xx ignores every precondition.
    headers = [("Content-Type", "text/plain"), ("ETag", ETAG), ("Content-Length", "11")]
    app = App(status=status, headers=headers)
    conditions = [("If-None-Match", ETAG), ("If-Match", '"v0"')]
    response = serve(ConditionalMiddleware(app, auto_etag=False), environ(method, conditions))
    assert (response.status, response.headers, response.body) == (status, headers, b"hello world")
    untagged = App(status=status, headers=headers[:1])
    response = serve(ConditionalMiddleware(untagged), environ(method, [("If-None-Match", "*")]))
    assert (response.status, response.headers) == (status, headers[:1])
    assert response.body == b"hello world"  # the app's own, HEAD included


def test_a_status_that_is_not_a_number_is_left_to_the_server() -> None:
    app = App(status="2xx Strange")
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", "*")]))
    assert (response.status, response.headers) == ("2xx Strange", app.headers)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_untouched_without_a_hook_when_writes_are_not_checked(
    method: str,
) -> None:
    # R36: after the app has run it is too late for a 412.
    app = tagged_app()
    env = environ(method, [("If-Match", '"v0"'), ("If-None-Match", ETAG)])
    response = serve(ConditionalMiddleware(app, check_writes=False), env)
    assert response.code == 200
    assert response.body == b"hello world"
    assert app.methods == [method]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_stale_write_is_judged_by_a_get_of_its_target(method: str) -> None:
    """R36 with the one-line wrap: the write's If-Match against the target's current ETag."""
    app = tagged_app()
    stale = serve(ConditionalMiddleware(app), environ(method, [("If-Match", '"v0"')]))
    assert stale.code == 412
    assert app.methods == ["GET"]  # the write never ran
    current = serve(ConditionalMiddleware(app), environ(method, [("If-Match", ETAG)]))
    assert current.code == 200
    assert app.methods == ["GET", "GET", method]


def test_streaming_stays_streaming_without_preconditions() -> None:
    progress: list[str] = []

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        for n in range(3):
            progress.append(f"made {n}")
            yield b"data: %d\n\n" % n

    middleware = ConditionalMiddleware(app)
    for env in (environ("GET"), environ("GET", [("If-None-Match", '"x"')])):
        progress.clear()
        for n, _ in enumerate(middleware(env, lambda *args: None)):
            progress.append(f"sent {n}")
        assert progress == ["made 0", "sent 0", "made 1", "sent 1", "made 2", "sent 2"]


# --- Auto-ETag ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_auto_etag_is_a_weak_hash_of_the_body(mode: str) -> None:
    app = untagged_app(mode)
    response = serve(ConditionalMiddleware(app, ranges=False), environ("GET"))
    assert response.body == b"hello world"
    assert response.header("ETag") == auto_tag(BODY)
    assert auto_tag(BODY).startswith('W/"')
    assert response.headers[:-1] == app.headers  # the app's fields, untouched, then ETag
    assert app.closed == 1


@pytest.mark.parametrize("mode", MODES)
def test_auto_etag_revalidates_to_304(mode: str) -> None:
    middleware = ConditionalMiddleware(untagged_app(mode))
    tag = serve(middleware, environ("GET")).header("ETag")
    assert tag is not None
    response = serve(middleware, environ("GET", [("If-None-Match", tag)]))
    assert (response.code, response.body, response.header("ETag")) == (304, b"", tag)
    # A strong If-Match never matches a weak tag (R15): 412, not a silent pass.
    assert serve(middleware, environ("GET", [("If-Match", tag)])).code == 412


def test_head_goes_to_the_app_as_head() -> None:
    # Issue 9, defect 2: HEAD must not cost a GET. An unconditional HEAD may
    # omit the auto-ETag, a field known only from the body (§9.3.2).
    app = untagged_app()
    response = serve(ConditionalMiddleware(app), environ("HEAD"))
    assert app.methods == ["HEAD"]
    assert response.header("ETag") is None
    assert response.body == b"hello world"  # the app's HEAD response, as the server gets it


@pytest.mark.parametrize("mode", MODES)
def test_conditional_head_without_a_body_is_checked_against_the_gets_tag(mode: str) -> None:
    # Werkzeug drops HEAD bodies and keeps Content-Length: the only way to the
    # tag the GET carries is the GET's body; the HEAD then gets what it would.
    app = untagged_app(mode, head_body=False)
    middleware = ConditionalMiddleware(app)
    tag = str(serve(middleware, environ("GET")).header("ETag"))
    revalidated = serve(middleware, environ("HEAD", [("If-None-Match", tag)]))
    assert (revalidated.code, revalidated.body) == (304, b"")
    assert revalidated.header("ETag") == tag
    changed = serve(middleware, environ("HEAD", [("If-None-Match", '"other"')]))
    assert (changed.code, changed.body, changed.header("ETag")) == (200, b"", tag)
    assert changed.header("Content-Length") == "11"  # the GET's, kept
    assert app.methods == ["GET", "HEAD", "GET", "HEAD", "GET"]
    assert app.closed == 5


def test_conditional_head_with_a_body_is_answered_from_the_get() -> None:
    app = untagged_app()  # sends its body for HEAD, as most ASGI frameworks do
    middleware = ConditionalMiddleware(app)
    tag = str(serve(middleware, environ("GET")).header("ETag"))
    response = serve(middleware, environ("HEAD", [("If-None-Match", tag)]))
    assert response.code == 304
    assert app.methods == ["GET", "HEAD", "GET"]


def get_only_tagger(environ: Environ, start_response: Any) -> list[bytes]:
    """Tags its GETs only, and sends its body for HEAD too (Django's ConditionalGetMiddleware)."""
    headers = [("Content-Type", "text/plain"), ("Content-Length", "5")]
    if environ["REQUEST_METHOD"] == "GET":
        headers.append(("ETag", '"md5"'))
    start_response("200 OK", headers)
    return [b"hello"]


@pytest.mark.parametrize(("if_none_match", "status"), [('"md5"', 304), ('"other"', 200)])
def test_a_conditional_head_carries_the_gets_tag(if_none_match: str, status: int) -> None:
    """§9.3.2: hashing the HEAD's own body would give another tag than the GET's."""
    middleware = ConditionalMiddleware(get_only_tagger)
    response = serve(middleware, environ("HEAD", [("If-None-Match", if_none_match)]))
    assert (response.code, response.header("ETag"), response.body) == (status, '"md5"', b"")


def test_head_with_an_app_etag_gets_the_apps_own_iterable() -> None:
    app = tagged_app(ITERATOR)
    body = ConditionalMiddleware(app)(environ("HEAD"), lambda *args: None)
    assert type(body).__name__ == "_ClosingIterator"  # the app's, untouched
    assert app.read == 0


def test_an_error_at_the_end_of_a_head_body_reaches_the_server() -> None:
    # Issue 9, defect 3: the app's exception is never swallowed on HEAD.
    app = untagged_app(ITERATOR, error=ValueError("at the end"))
    with pytest.raises(ValueError, match="at the end"):
        serve(ConditionalMiddleware(app), environ("HEAD", [("If-None-Match", '"x"')]))
    with pytest.raises(ValueError, match="at the end"):
        serve(ConditionalMiddleware(app), environ("HEAD"))


def test_without_auto_etag_head_goes_to_the_app_as_head() -> None:
    app = untagged_app()
    response = serve(ConditionalMiddleware(app, auto_etag=False), environ("HEAD"))
    assert app.methods == ["HEAD"]
    assert response.header("ETag") is None


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param([("ETag", "not-a-valid-tag")], id="invalid_app_etag"),
        pytest.param([("Cache-Control", "no-store")], id="no_store"),
        pytest.param([("Content-Encoding", "br")], id="unknown_coding"),
        pytest.param([("Content-Range", "bytes 0-10/100")], id="content_range"),
    ],
)
def test_auto_etag_skips(headers: list[tuple[str, str]]) -> None:
    app = App(headers=with_length([("Content-Type", "text/plain"), *headers], BODY))
    response = serve(ConditionalMiddleware(app, ranges=False), environ("GET"))
    assert response.headers == app.headers
    assert response.body == b"hello world"


@pytest.mark.parametrize("status", ["204 No Content", "206 Partial Content"])
def test_auto_etag_skips_empty_bodies_and_partial_content(status: str) -> None:
    chunks: tuple[bytes, ...] = () if status.startswith("204") else BODY
    app = App(
        status=status, headers=with_length([("Content-Type", "text/plain")], chunks), chunks=chunks
    )
    response = serve(ConditionalMiddleware(app, ranges=False), environ("GET"))
    assert response.header("ETag") is None
    assert response.status == status


def test_auto_etag_never_holds_a_stream_of_unknown_length() -> None:
    # No Content-Length and not a list: perhaps a long poll, never held back.
    app = App(chunks=BODY, mode=ITERATOR)
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", '"x"')]))
    assert response.header("ETag") is None
    assert response.chunks == list(BODY)


def test_auto_etag_tags_a_complete_list_without_content_length() -> None:
    app = App(chunks=BODY, mode=LIST)
    response = serve(ConditionalMiddleware(app), environ("GET"))
    assert response.header("ETag") == auto_tag(BODY)


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", lambda data: gzip.compress(data, mtime=0)), ("deflate", zlib.compress)],
)
def test_auto_etag_of_a_compressed_body_is_the_identity_tag(coding: str, compress: Any) -> None:
    # The tag is over identity bytes, so it is the same on both sides of a compressor.
    body = (compress(b"hello world"),)
    headers = with_length([("Content-Type", "text/plain"), ("Content-Encoding", coding)], body)
    response = serve(ConditionalMiddleware(App(headers=headers, chunks=body)), environ("GET"))
    assert response.header("ETag") == auto_tag(BODY)
    assert response.body == body[0]


@pytest.mark.parametrize("mode", MODES)
def test_a_body_of_exactly_max_buffer_is_tagged(mode: str) -> None:
    # max_buffer counts the bytes and CHUNK_COST per chunk held, as on ASGI.
    chunks = (b"a" * 6, b"b" * 4)
    middleware = ConditionalMiddleware(untagged_app(mode, chunks), max_buffer=10 + 2 * CHUNK_COST)
    assert serve(middleware, environ("GET")).header("ETag") == auto_tag(chunks)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "chunks",
    [(b"a" * 6, b"b" * 4, b"c"), (b"a" * 6, b"b" * 4, b"c", b"d" * 3)],
    ids=["one_byte_over", "longer"],
)
def test_a_body_over_max_buffer_streams_untagged(mode: str, chunks: tuple[bytes, ...]) -> None:
    app = untagged_app(mode, chunks)
    response = serve(ConditionalMiddleware(app, ranges=False, max_buffer=10), environ("GET"))
    assert response.header("ETag") is None
    assert response.headers == app.headers
    assert response.body == b"".join(chunks)
    assert app.closed == 1


def test_over_max_buffer_the_rest_is_not_read_before_sending() -> None:
    # Constant memory: once over the limit, the held chunks go out and the
    # rest of the stream is read only as the server asks for it. The
    # Content-Length understates the body: held bytes are counted.
    chunks = tuple(bytes([65 + n]) * 4 for n in range(10))
    app = App(headers=[("Content-Type", "text/plain"), ("Content-Length", "8")], chunks=chunks)
    app.mode = ITERATOR
    limit = 2 * (4 + CHUNK_COST)  # room for two chunks: the third passes it
    served = ConditionalMiddleware(app, max_buffer=limit)(environ("GET"), lambda *args: None)
    iterator = iter(served)
    # The held chunks go out as they came (never merged), then the rest as the app yields it.
    assert next(iterator) == chunks[0]
    assert app.read == 3  # the first chunk over the limit
    assert [next(iterator), next(iterator)] == list(chunks[1:3])
    assert list(iterator) == list(chunks[3:])
    served.close()  # type: ignore[attr-defined]
    assert app.closed == 1


def test_a_body_declared_over_max_buffer_is_never_held() -> None:
    chunks = (b"a" * 6, b"b" * 6)
    app = untagged_app(ITERATOR, chunks)
    served = ConditionalMiddleware(app, max_buffer=10)(environ("GET"), lambda *args: None)
    assert next(iter(served)) == chunks[0]
    assert app.read == 1  # handed on at once, not after reading past the limit
    served.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("length", ["abc", "-5", ""])
def test_an_unreadable_content_length_is_counted_instead(length: str) -> None:
    app = App(headers=[("Content-Type", "text/plain"), ("Content-Length", length)], chunks=BODY)
    response = serve(ConditionalMiddleware(app), environ("GET"))
    assert response.header("ETag") == auto_tag(BODY)  # held, counted, tagged


def test_over_max_buffer_last_modified_still_gives_304() -> None:
    chunks = (b"a" * 8, b"b" * 8)
    headers = with_length([("Content-Type", "text/plain"), ("Last-Modified", LM)], chunks)
    app = App(headers=headers, chunks=chunks, mode=ITERATOR)
    middleware = ConditionalMiddleware(app, max_buffer=10)
    response = serve(middleware, environ("GET", [("If-Modified-Since", LM)]))
    assert (response.code, response.header("ETag")) == (304, None)
    assert app.closed == 1


@pytest.mark.parametrize("mode", MODES)
def test_held_chunks_are_sent_as_bytes_in_order(mode: str) -> None:
    # Tiny chunks are merged while held (bounded memory), large ones kept.
    big = b"B" * 10000
    chunks = (b"a", b"b", big, b"c", *[b"x" * 4000] * 5, b"d" * 70000, b"e")
    app = untagged_app(mode, chunks)
    response = serve(ConditionalMiddleware(app, max_buffer=90000), environ("GET"))
    assert response.body == b"".join(chunks)
    assert all(type(chunk) is bytes for chunk in response.chunks)
    assert response.header("ETag") is None  # 100,013 bytes: over the limit
    tagged = serve(ConditionalMiddleware(untagged_app(mode, chunks)), environ("GET"))
    assert tagged.body == b"".join(chunks)
    assert all(type(chunk) is bytes for chunk in tagged.chunks)
    assert tagged.header("ETag") == auto_tag(chunks)


def peak_memory(app: Any, env: Any) -> int:
    """Peak traced memory while a server streams the response, keeping no chunk."""
    gc.collect()
    tracemalloc.start()
    try:
        body = app(env, lambda *args: None)
        for _ in body:
            pass
        body.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("chunk_size", [64, 4096, 65536])
@pytest.mark.parametrize("stated_length", ["true", "understated"])
def test_memory_held_stays_under_max_buffer(chunk_size: int, stated_length: str) -> None:
    # Counted in bytes held, whatever Content-Length says and however small the chunks.
    size = 3 * 1024 * 1024
    length = size if stated_length == "true" else 10

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(length))])
        for _ in range(size // chunk_size):
            yield bytes(chunk_size)  # a new object each time, as read from a file

    env = environ("GET", [("If-None-Match", '"x"')])
    extra = peak_memory(ConditionalMiddleware(app), env) - peak_memory(app, env)
    assert extra < 1024 * 1024 + 64 * 1024


def test_auto_etag_never_overwrites_the_apps_etag() -> None:
    response = serve(ConditionalMiddleware(tagged_app()), environ("GET"))
    assert [v for n, v in response.headers if n.lower() == "etag"] == [ETAG]


# --- Pre-dispatch hook ----------------------------------------------------------

HOOK_HEADERS = [("Cache-Control", "max-age=60"), ("Vary", "Accept")]


def hook(etag: str | None = ETAG, **kwargs: Any) -> Any:
    def validators(environ: Any) -> Validators | None:
        if environ["PATH_INFO"] != "/known":
            return None
        return Validators(etag, LM, headers=HOOK_HEADERS, **kwargs)

    return validators


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_hook_304_is_sent_without_running_the_app(method: str) -> None:
    app = untagged_app()
    middleware = ConditionalMiddleware(app, validators=hook())
    response = serve(middleware, environ(method, [("If-None-Match", ETAG)], "/known"))
    assert (response.code, response.body) == (304, b"")
    assert app.calls == []
    # R33: what the 200 would carry, as the hook told.
    assert response.header("ETag") == ETAG
    assert response.header("Last-Modified") == LM
    assert response.header("Cache-Control") == "max-age=60"
    assert response.header("Vary") == "Accept"
    assert response.header("Date") is None  # the server adds it


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_hook_412_stops_an_unsafe_method_before_it_runs(method: str) -> None:
    app = untagged_app()
    middleware = ConditionalMiddleware(app, validators=hook())
    response = serve(middleware, environ(method, [("If-Match", '"v0"')], "/known"))
    assert response.code == 412  # R36
    assert response.body == b"412 Precondition Failed\n"
    assert response.header("Cache-Control") is None  # R34: an error is not fresh
    assert app.calls == []
    assert serve(middleware, environ(method, [("If-Match", ETAG)], "/known")).code == 200
    assert app.methods == [method]


def test_hook_412_to_head_has_no_body() -> None:
    middleware = ConditionalMiddleware(untagged_app(), validators=hook())
    response = serve(middleware, environ("HEAD", [("If-Match", '"v0"')], "/known"))
    assert (response.code, response.body) == (412, b"")


def test_require_precondition_answers_428_to_blind_writes() -> None:
    app = untagged_app()
    middleware = ConditionalMiddleware(app, validators=hook(), require_precondition=True)
    response = serve(middleware, environ("PUT", [], "/known"))
    assert response.code == 428
    assert response.body == b"428 Precondition Required\n"
    assert app.calls == []
    # GET needs nothing; a path the hook does not know is not guarded.
    assert serve(middleware, environ("GET", [], "/known")).code == 200
    assert serve(middleware, environ("PUT", [], "/other")).code == 200
    assert serve(middleware, environ("PUT", [("If-Match", ETAG)], "/known")).code == 200
    assert app.methods == ["GET", "PUT", "PUT"]


def test_require_precondition_needs_a_hook() -> None:
    with pytest.raises(ValueError, match="validators hook"):
        ConditionalMiddleware(untagged_app(), require_precondition=True)


def test_if_none_match_star_creates_only_when_absent() -> None:
    # R18: PUT with If-None-Match: * is "create only if absent".
    app = untagged_app()
    absent = ConditionalMiddleware(app, validators=hook(None, exists=False))
    assert serve(absent, environ("PUT", [("If-None-Match", "*")], "/known")).code == 200
    present = ConditionalMiddleware(app, validators=hook())
    assert serve(present, environ("PUT", [("If-None-Match", "*")], "/known")).code == 412
    assert app.methods == ["PUT"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_hook_fields_fill_what_the_200_lacks(method: str) -> None:
    # The 200 must advertise the validators later requests are checked against.
    app = untagged_app()
    middleware = ConditionalMiddleware(app, ranges=False, validators=hook())
    response = serve(middleware, environ(method, [("If-None-Match", '"v0"')], "/known"))
    assert response.code == 200
    assert response.headers == [
        *app.headers,
        ("ETag", ETAG),
        ("Last-Modified", LM),
        *HOOK_HEADERS,
    ]
    assert app.methods == [method]  # no auto-ETag: HEAD stays HEAD


def test_hook_fields_never_replace_the_apps() -> None:
    headers = [("Content-Type", "text/plain"), ("etag", '"app"'), ("cache-control", "no-cache")]
    middleware = ConditionalMiddleware(App(headers=headers), validators=hook())
    response = serve(middleware, environ("GET", [], "/known"))
    assert response.headers == [*headers, ("Last-Modified", LM), ("Vary", "Accept")]


def test_hook_fields_only_go_on_2xx() -> None:
    app = App(status="404 Not Found")
    response = serve(ConditionalMiddleware(app, validators=hook()), environ("GET", [], "/known"))
    assert response.headers == app.headers


def test_hook_returning_none_falls_back_to_the_response_side() -> None:
    app = tagged_app()
    middleware = ConditionalMiddleware(app, validators=hook())
    assert serve(middleware, environ("GET", [("If-None-Match", ETAG)], "/other")).code == 304
    response = serve(middleware, environ("PUT", [("If-Match", '"v0"')], "/other"))
    assert response.code == 412  # unknown to the hook: judged by a GET of the target
    assert app.methods == ["GET", "GET"]


def test_hook_sees_the_environ() -> None:
    seen: list[str] = []

    def validators(environ: Any) -> None:
        seen.append(environ["PATH_INFO"])

    serve(ConditionalMiddleware(untagged_app(), validators=validators), environ("GET", [], "/p"))
    assert seen == ["/p"]


@pytest.mark.parametrize("mode", [ITERATOR, LAZY, WRITE])
def test_hook_pass_streams_as_the_app_sends(mode: str) -> None:
    app = untagged_app(mode)
    response = serve(ConditionalMiddleware(app, validators=hook()), environ("GET", [], "/known"))
    assert response.chunks == list(BODY)
    assert app.closed == 1


def test_max_buffer_below_zero_fails_loudly() -> None:
    with pytest.raises(ValueError, match="max_buffer"):
        ConditionalMiddleware(untagged_app(), max_buffer=-1)


def test_written_bytes_reach_the_server_before_the_apps_exception() -> None:
    # Issue 9, defect 7: without condget the server has what was written.
    received: list[bytes] = []

    def app(environ: Any, start_response: Any) -> Any:
        write = start_response("200 OK", [("Content-Length", "10")])
        write(b"written")
        raise ValueError("after the write")

    def server_start(status: str, headers: Any, exc_info: Any = None) -> Any:
        return received.append

    with pytest.raises(ValueError, match="after the write"):
        ConditionalMiddleware(app)(environ("GET"), server_start)
    assert received == [b"written"]


# A plain GET (no engine) and a conditional one (the engine forwards at the start).
PLAIN_AND_CONDITIONAL = [
    pytest.param([], id="plain"),
    pytest.param([("If-None-Match", '"other"')], id="conditional"),
]


@pytest.mark.parametrize("fields", PLAIN_AND_CONDITIONAL)
def test_exc_info_after_the_server_has_the_response_goes_to_the_server(
    fields: list[tuple[str, str]],
) -> None:
    calls: list[Any] = []

    def app(environ: Any, start_response: Any) -> Any:
        write = start_response("200 OK", [("ETag", ETAG)])
        write(b"partial")
        try:
            raise KeyError("late")
        except KeyError:
            start_response("500 Oops", [], sys.exc_info())
        return []

    def server_start(status: str, headers: Any, exc_info: Any = None) -> Any:
        calls.append((status, exc_info is not None))
        return lambda data: None

    ConditionalMiddleware(app)(environ("GET", fields), server_start)
    assert calls == [("200 OK", False), ("500 Oops", True)]


def test_the_get_answering_a_head_is_read_to_its_end_past_max_buffer() -> None:
    chunks = (b"a" * 10, b"b" * 10, b"c" * 10)
    app = untagged_app(ITERATOR, chunks, head_body=False)
    limit = 10 + CHUNK_COST
    response = serve(
        ConditionalMiddleware(app, max_buffer=limit), environ("HEAD", [("If-None-Match", '"x"')])
    )
    assert (response.code, response.body, response.header("ETag")) == (200, b"", None)
    assert app.methods == ["HEAD", "GET"]
    assert app.read == 3  # drained, as a server would, never sent


@pytest.mark.parametrize("fields", PLAIN_AND_CONDITIONAL)
def test_a_second_start_without_exc_info_goes_to_the_server_once_it_has_the_response(
    fields: list[tuple[str, str]],
) -> None:
    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("ETag", ETAG)])(b"partial")
        start_response("500 Oops", [])
        return []

    calls: list[str] = []

    def server_start(status: str, headers: Any, exc_info: Any = None) -> Any:
        if calls:
            raise AssertionError("start_response called twice (PEP 3333)")
        calls.append(status)
        return lambda data: None

    with pytest.raises(AssertionError, match="twice"):
        ConditionalMiddleware(app)(environ("GET", fields), server_start)


def test_a_lazy_start_with_an_empty_body_can_still_get_a_304() -> None:
    app = App(headers=[("ETag", ETAG)], chunks=(), mode=LAZY)
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))
    assert (response.code, app.closed) == (304, 1)


def test_a_conditional_head_given_up_on_goes_out_as_the_app_sent_it() -> None:
    """Held for the GET's tag, then over max_buffer: every chunk reaches the server."""
    app = App(headers=[("Content-Type", "text/plain")], chunks=(b"a" * 600, b"b" * 600))
    env = environ("HEAD", [("If-None-Match", '"x"')])
    response = serve(ConditionalMiddleware(app, max_buffer=1000), env)
    assert (response.code, response.body) == (200, b"a" * 600 + b"b" * 600)
    assert app.methods == ["HEAD"]
