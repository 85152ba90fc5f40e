"""PEP 3333 obligations of ``ConditionalMiddleware``, on every path it can take.

``close()`` exactly once; ``start_response`` with ``exc_info``; ``write()``;
``start_response`` called lazily; ``wsgi.file_wrapper``; a server that stops
early; no request state shared between threads; ``wsgiref.validate`` on both
sides.
"""

from __future__ import annotations

import io
import sys
import threading
from typing import Any
from wsgiref.util import FileWrapper
from wsgiref.validate import validator

import pytest

from condget.wsgi import ConditionalMiddleware
from tests.wsgi.support import ITERATOR, LAZY, LIST, MODES, WRITE, App, environ, serve, with_length

ETAG = '"v1"'
BODY = (b"one ", b"two ", b"three")
LENGTH = str(sum(map(len, BODY)))


def app_with(mode: str, *, tagged: bool = True, **kwargs: Any) -> App:
    headers = [("Content-Type", "text/plain"), ("Content-Length", LENGTH)]
    if tagged:
        headers.append(("ETag", ETAG))
    return App(headers=headers, chunks=BODY, mode=mode, **kwargs)


# Every way through the middleware: (request header lines, app is tagged, method).
PATHS = {
    "pass_through": ([], True, "GET"),
    "not_modified": ([("If-None-Match", ETAG)], True, "GET"),
    "precondition_failed": ([("If-Match", '"v0"')], True, "GET"),
    "auto_etag": ([], False, "GET"),
    "auto_etag_not_modified": ([("If-None-Match", "*")], False, "GET"),
    "head_pass_through": ([], True, "HEAD"),
    "head_auto_etag": ([], False, "HEAD"),
    "unsafe_method": ([("If-Match", '"v0"')], True, "PUT"),
}


# --- close() --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", PATHS)
def test_close_is_called_exactly_once(path: str, mode: str) -> None:
    headers, tagged, method = PATHS[path]
    app = app_with(mode, tagged=tagged)
    serve(ConditionalMiddleware(app), environ(method, headers))
    assert app.closed == 1


@pytest.mark.parametrize("stop_after", [1, 2])
@pytest.mark.parametrize("max_buffer", [0, 4, 1024], ids=["overflow_at_once", "overflow", "held"])
@pytest.mark.parametrize("mode", [ITERATOR, LAZY])
@pytest.mark.parametrize("path", PATHS)
def test_close_once_when_the_server_stops_early(
    path: str, mode: str, max_buffer: int, stop_after: int
) -> None:
    # stop_after=2 with an overflow stops in the streamed rest, past the held chunks.
    headers, tagged, method = PATHS[path]
    app = app_with(mode, tagged=tagged)
    env = environ(method, headers)
    serve(ConditionalMiddleware(app, max_buffer=max_buffer), env, stop_after=stop_after)
    assert app.closed == 1


class Boom(Exception):
    pass


@pytest.mark.parametrize("mode", [ITERATOR, LAZY, WRITE])
@pytest.mark.parametrize("path", ["auto_etag", "head_auto_etag", "auto_etag_not_modified"])
def test_close_once_when_the_body_raises_while_held(path: str, mode: str) -> None:
    headers, tagged, method = PATHS[path]
    app = app_with(mode, tagged=tagged, error=Boom())
    with pytest.raises(Boom):
        serve(ConditionalMiddleware(app), environ(method, headers))
    assert app.closed == 1


@pytest.mark.parametrize("mode", [ITERATOR, LAZY])
def test_close_once_when_the_body_raises_while_streaming(mode: str) -> None:
    app = app_with(mode, error=Boom())
    with pytest.raises(Boom):
        serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", '"x"')]))
    assert app.closed == 1


def test_a_second_close_from_the_server_does_not_reach_the_app() -> None:
    app = App(headers=[("Content-Type", "text/plain"), ("Content-Length", "3")], chunks=BODY)
    app.mode = ITERATOR  # a Content-Length that understates: held, then given up
    body: Any = ConditionalMiddleware(app, max_buffer=4)(environ("GET"), lambda *args: None)
    body.close()
    body.close()
    assert app.closed == 1


class CloseError(Exception):
    pass


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", [("If-None-Match", ETAG)]),
        ("GET", [("If-Match", '"v0"')]),
        ("HEAD", [("If-None-Match", ETAG)]),
    ],
    ids=["not_modified", "precondition_failed", "head_not_modified"],
)
def test_a_close_that_raises_is_not_called_again(method: str, headers: Any) -> None:
    closed: list[str] = []

    class Body(list[bytes]):
        def close(self) -> None:
            closed.append("close")
            raise CloseError

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain"), ("ETag", ETAG)])
        return Body([b"hello"])

    with pytest.raises(CloseError):  # reaches the server, as it would without condget
        ConditionalMiddleware(app)(environ(method, headers), lambda *args: None)
    assert closed == ["close"]


@pytest.mark.parametrize("headers", [[], [("If-None-Match", '"x"')]], ids=["plain", "conditional"])
def test_a_failure_mid_body_while_held_looks_as_without_condget(headers: Any) -> None:
    # Without condget the server has sent the start and the first chunk when the
    # application fails; condget holding them for the auto-ETag must not turn
    # that truncated 200 into a 500.
    def run(wrap: bool) -> tuple[Any, list[bytes], App, BaseException]:
        app = app_with(ITERATOR, tagged=False, error=Boom())
        started: list[Any] = []
        got: list[bytes] = []
        body = (ConditionalMiddleware(app) if wrap else app)(
            environ("GET", headers), lambda *args: started.append(args[:2])
        )
        iterator = iter(body)
        error: BaseException | None = None
        while error is None:
            try:
                got.append(next(iterator))
            except Boom as raised:
                error = raised
        body.close()  # type: ignore[attr-defined]
        return started, got, app, error

    bare_started, bare_got, _, _ = run(False)
    started, got, app, error = run(True)
    assert started == bare_started  # the app's own 200 and fields, no auto-ETag
    assert b"".join(got) == b"".join(bare_got) == BODY[0] + BODY[1] + BODY[2]
    assert error is app.error  # the very exception the application raised
    assert app.closed == 1


class Halt(BaseException):
    """Not an Exception (like KeyboardInterrupt): it stops the request outright."""


def test_a_base_exception_while_held_closes_and_propagates() -> None:
    app = app_with(ITERATOR, tagged=False, error=Halt())
    with pytest.raises(Halt):
        serve(ConditionalMiddleware(app), environ("GET"))
    assert app.closed == 1


def test_an_app_that_raises_is_not_caught() -> None:
    def app(environ: Any, start_response: Any) -> Any:
        raise Boom

    with pytest.raises(Boom):
        serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))


def test_a_body_without_close_is_fine() -> None:
    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"a", b"b"])

    for env in (environ("GET"), environ("HEAD"), environ("GET", [("If-None-Match", "*")])):
        serve(ConditionalMiddleware(app), env)


# --- start_response and exc_info ---------------------------------------------------


def failing_app(*, yield_first: bytes, lazy: bool = False) -> Any:
    """Starts a 200, then hits an error and starts a 500 with exc_info, as frameworks do."""

    def app(environ: Any, start_response: Any) -> Any:
        if not lazy:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return body(start_response)

    def body(start_response: Any) -> Any:
        if lazy:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        yield yield_first
        try:
            raise Boom
        except Boom:
            start_response("500 Error", [("Content-Type", "text/plain")], sys.exc_info())
        yield b"error page"

    return app


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("headers", [[], [("If-None-Match", ETAG)]], ids=["plain", "conditional"])
def test_exc_info_before_any_body_starts_the_response_over(lazy: bool, headers: Any) -> None:
    # PEP 3333: with no body bytes out yet, the application may replace the response.
    app = failing_app(yield_first=b"", lazy=lazy)
    response = serve(ConditionalMiddleware(app), environ("GET", headers))
    assert (response.status, response.body) == ("500 Error", b"error page")


@pytest.mark.parametrize("lazy", [False, True])
def test_exc_info_after_held_body_is_re_raised(lazy: bool) -> None:
    # Without condget the first bytes would have sent the headers, so the
    # server would re-raise; condget holds them for the auto-ETag and must
    # do the same.
    app = failing_app(yield_first=b"partial", lazy=lazy)
    with pytest.raises(Boom):
        serve(ConditionalMiddleware(app), environ("GET"))


def test_exc_info_after_the_headers_went_out_reaches_the_server() -> None:
    app = failing_app(yield_first=b"partial")
    with pytest.raises(Boom):  # the server's start_response re-raises
        serve(
            ConditionalMiddleware(app, auto_etag=False), environ("GET", [("If-None-Match", '"x"')])
        )
    # With an ETag the middleware hands over at once, and the server decides.
    tagged = failing_app(yield_first=b"")

    def app_with_etag(environ: Any, start_response: Any) -> Any:
        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("ETag", ETAG)], exc_info)

        return tagged(environ, start)

    response = serve(ConditionalMiddleware(app_with_etag), environ("GET"))
    assert response.status == "500 Error"


@pytest.mark.parametrize("headers", [[], [("If-None-Match", '"x"')]], ids=["plain", "conditional"])
@pytest.mark.parametrize("first_status", ["200 OK", "404 Not Found"])
def test_start_response_twice_without_exc_info_is_an_error(first_status: str, headers: Any) -> None:
    def app(environ: Any, start_response: Any) -> Any:
        start_response(first_status, [("Content-Type", "text/plain")])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    with pytest.raises(AssertionError, match="twice"):
        serve(ConditionalMiddleware(app), environ("GET", headers))


# --- write() ----------------------------------------------------------------------


def writing_app(chunks: list[bytes], tail: list[bytes], headers: Any) -> Any:
    def app(environ: Any, start_response: Any) -> Any:
        write = start_response("200 OK", [("Content-Type", "text/plain"), *headers])
        for chunk in chunks:
            write(chunk)
        return tail

    return app


@pytest.mark.parametrize("tagged", [True, False])
def test_written_data_comes_first_and_in_order(tagged: bool) -> None:
    headers = [("ETag", ETAG)] if tagged else [("Content-Length", "6")]
    app = writing_app([b"a", b"", b"bc"], [b"de", b"f"], headers)
    response = serve(ConditionalMiddleware(app), environ("GET"))
    assert response.body == b"abcdef"
    assert (response.header("ETag") == ETAG) is tagged


def test_written_data_counts_in_the_auto_etag() -> None:
    whole = writing_app([], [b"abcdef"], [("Content-Length", "6")])
    split = writing_app([b"ab", b"cd"], [b"ef"], [("Content-Length", "6")])
    tags = [
        serve(ConditionalMiddleware(app), environ("GET")).header("ETag") for app in (whole, split)
    ]
    assert tags[0] is not None
    assert tags[0] == tags[1]


@pytest.mark.parametrize(
    "length",
    [
        "6",  # understated: held while under the limit, then each write() as it comes
        "600",  # declared over the limit: never held, every write() goes straight through
    ],
)
def test_written_data_over_max_buffer_reaches_the_server_in_order(length: str) -> None:
    app = writing_app([b"aaaa", b"bbbb", b"cccc", b"dddd"], [b"ee"], [("Content-Length", length)])
    # Room for two written chunks (bytes plus CHUNK_COST each): the third passes it.
    response = serve(ConditionalMiddleware(app, max_buffer=2 * (4 + 256)), environ("GET"))
    assert response.chunks == [b"aaaa", b"bbbb", b"cccc", b"dddd", b"ee"]  # never merged
    assert response.header("ETag") is None


def test_written_data_is_dropped_for_a_304() -> None:
    app = writing_app([b"aaaa"], [b"b"], [("ETag", ETAG)])
    response = serve(ConditionalMiddleware(app), environ("GET", [("If-None-Match", ETAG)]))
    assert (response.code, response.body) == (304, b"")


def test_write_passes_straight_to_the_server_when_nothing_is_held() -> None:
    received: list[bytes] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return received.append

    def app(environ: Any, start_response: Any) -> Any:
        write = start_response("404 Not Found", [("Content-Type", "text/plain")])
        write(b"now")
        assert received == [b"now"]  # not held until the app returns
        return []

    ConditionalMiddleware(app)(environ("GET", [("If-None-Match", "*")]), start_response)


# --- Lazy start_response, file_wrapper ----------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_lazy_start_response_works_on_every_path(path: str) -> None:
    headers, tagged, method = PATHS[path]
    lazy = serve(ConditionalMiddleware(app_with(LAZY, tagged=tagged)), environ(method, headers))
    eager = serve(ConditionalMiddleware(app_with(LIST, tagged=tagged)), environ(method, headers))
    assert (lazy.status, lazy.body) == (eager.status, eager.body)
    assert lazy.header("ETag") == eager.header("ETag")


def test_lazy_app_that_never_starts_is_left_to_the_server() -> None:
    def app(environ: Any, start_response: Any) -> Any:
        return iter([])

    with pytest.raises(AssertionError, match="never called"):
        serve(ConditionalMiddleware(app), environ("GET"))


def test_file_wrapper_reaches_the_server_untouched() -> None:
    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain"), ("ETag", ETAG)])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"file body"))

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return lambda data: None

    env = environ("GET")
    env["wsgi.file_wrapper"] = FileWrapper
    body = ConditionalMiddleware(app)(env, start_response)
    assert type(body) is FileWrapper
    assert b"".join(body) == b"file body"


# --- Threads --------------------------------------------------------------------------


def test_no_request_state_is_shared_between_threads() -> None:
    bodies = {f"/{n}": (f"body {n} ".encode() * 50,) for n in range(8)}

    def app(environ: Any, start_response: Any) -> Any:
        body = bodies[environ["PATH_INFO"]]
        start_response("200 OK", with_length([("Content-Type", "text/plain")], body))
        return iter(body)

    middleware = ConditionalMiddleware(app)
    tags = {path: serve(middleware, environ("GET", [], path)).header("ETag") for path in bodies}
    assert len(set(tags.values())) == len(bodies)
    errors: list[str] = []
    barrier = threading.Barrier(len(bodies))

    def client(path: str) -> None:
        barrier.wait()
        for n in range(200):
            revalidate = n % 2 == 0
            headers = [("If-None-Match", str(tags[path]))] if revalidate else []
            response = serve(middleware, environ("GET", headers, path))
            expected = (304, b"") if revalidate else (200, bodies[path][0])
            if (response.code, response.body) != expected or response.header("ETag") != tags[path]:
                errors.append(f"{path} #{n}: {response.status}")

    threads = [threading.Thread(target=client, args=(path,)) for path in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


# --- wsgiref.validate on both sides -------------------------------------------------------


@pytest.mark.parametrize("max_buffer", [4, 1024], ids=["overflow", "held"])
@pytest.mark.parametrize("mode", [LIST, ITERATOR, WRITE])
@pytest.mark.parametrize("path", PATHS)
def test_validator_on_both_sides(path: str, mode: str, max_buffer: int) -> None:
    headers, tagged, method = PATHS[path]
    app = app_with(mode, tagged=tagged)
    middleware = ConditionalMiddleware(validator(app), max_buffer=max_buffer)
    response = serve(middleware, environ(method, headers), validate=True)
    assert app.closed == 1
    assert response.code in (200, 304, 412)
