"""Faults, through both middlewares, compared with the same application unwrapped.

The application raises before starting its response, right after, at its
first body chunk, mid-body or (ASGI) after the end; the client goes away
mid-body; the pre-dispatch ``validators`` hook raises; the application sets
an invalid ETag or Last-Modified. Each case runs bare and wrapped: the same
exception object reaches the server, ``close()`` runs once, nothing hangs
(every exchange has a timeout, ``support.py``), and what the server has sent
is what it would have sent without condget. The one known difference, when
condget is holding the response back to compute its auto-ETag, is marked and
explained below. The same faults under gunicorn and uvicorn are in
``test_fault_servers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from condget import InvalidValidatorError, Validators
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

# Faults are compared with the bare app byte for byte: ranges, which add
# Accept-Ranges to a 200, are tested on their own (tests/ranges).
from tests.hardening.support import (
    ASGIExchange,
    Disconnected,
    asgi_scope,
    asgi_serve,
    wsgi_environ,
    wsgi_serve,
)

BODY = (b"hello ", b"world")
LENGTH = str(sum(map(len, BODY)))


class AppFailure(Exception):
    pass


class HookFailure(Exception):
    pass


# How the application's response looks to condget.
RESPONSES: dict[str, dict[str, Any]] = {
    # An ETag of its own: condget decides on the start and streams untouched.
    "app_etag": {"etag": '"v1"', "max_buffer": 1 << 20},
    # No ETag but a length: held back and hashed for an auto-ETag.
    "auto_etag": {"etag": None, "max_buffer": 1 << 20},
    # Longer than max_buffer: held until the limit, then streamed untagged.
    "auto_etag_overflow": {"etag": None, "max_buffer": 4},
}
REQUESTS = {
    "plain": [],
    "conditional": [("If-None-Match", '"other"')],  # evaluated, and proceeds
}


# --- WSGI -----------------------------------------------------------------------------

WSGI_FAULTS = ("before_start_response", "after_start_response", "first_chunk", "mid_body")


class WSGIApp:
    """A WSGI application that fails at ``fault``, recording what it raised and closes."""

    def __init__(self, fault: str | None, etag: str | None) -> None:
        self.fault = fault
        self.headers = [("Content-Type", "text/plain"), ("Content-Length", LENGTH)]
        if etag is not None:
            self.headers.append(("ETag", etag))
        self.raised: BaseException | None = None
        self.returned = 0
        self.closed = 0

    def fail(self) -> AppFailure:
        self.raised = AppFailure(self.fault)
        return self.raised

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.fault == "before_start_response":
            raise self.fail()
        start_response("200 OK", list(self.headers))
        if self.fault == "after_start_response":
            raise self.fail()
        self.returned += 1
        return Closing(self.chunks(), self)

    def chunks(self) -> Iterator[bytes]:
        if self.fault == "first_chunk":
            raise self.fail()
        yield BODY[0]
        if self.fault == "mid_body":
            raise self.fail()
        yield BODY[1]


class Closing:
    """A body that is its own iterator and counts close(), as werkzeug's ClosingIterator."""

    def __init__(self, chunks: Iterator[bytes], app: WSGIApp) -> None:
        self._chunks = chunks
        self._app = app

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self._app.closed += 1


def wsgi_pair(
    fault: str | None, response: str, request: str, **serve: Any
) -> tuple[Any, Any, WSGIApp, WSGIApp]:
    options = RESPONSES[response]
    bare_app, app = WSGIApp(fault, options["etag"]), WSGIApp(fault, options["etag"])
    environ = wsgi_environ("GET", REQUESTS[request])
    bare = wsgi_serve(bare_app, environ, **serve)
    middleware = WSGIMiddleware(app, ranges=False, max_buffer=options["max_buffer"])
    wrapped = wsgi_serve(middleware, wsgi_environ("GET", REQUESTS[request]), **serve)
    return bare, wrapped, bare_app, app


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("fault", WSGI_FAULTS)
def test_wsgi_app_failure_reaches_the_server_unchanged(
    fault: str, response: str, request_kind: str
) -> None:
    bare, wrapped, _, app = wsgi_pair(fault, response, request_kind)
    assert type(bare.error) is AppFailure
    assert wrapped.error is app.raised  # the very object the application raised
    assert app.closed == app.returned  # once, if the application returned a body


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize(
    ("fault", "response"),
    [pytest.param(fault, response) for fault in WSGI_FAULTS for response in RESPONSES],
)
def test_wsgi_app_failure_leaves_what_the_server_had_without_condget(
    fault: str, response: str, request_kind: str
) -> None:
    bare, wrapped, _, _ = wsgi_pair(fault, response, request_kind)
    assert (wrapped.status, wrapped.headers, wrapped.body) == (bare.status, bare.headers, bare.body)


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize(
    ("response", "stop_after"),
    [
        pytest.param(
            response,
            stop_after,
        )
        for response in RESPONSES
        for stop_after in (1, 2)
    ],
)
def test_wsgi_client_gone_mid_body_closes_once(
    response: str, request_kind: str, stop_after: int
) -> None:
    # The server stops iterating (the client went away) and calls close().
    _, wrapped, bare_app, app = wsgi_pair(None, response, request_kind, stop_after=stop_after)
    assert wrapped.error is None
    assert wrapped.body  # condget may hand held chunks on merged, so compare bytes
    assert b"".join(BODY).startswith(wrapped.body)
    assert (bare_app.closed, app.closed) == (1, 1)


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_wsgi_validators_hook_failure_reaches_the_server_unchanged(method: str) -> None:
    raised = HookFailure()
    app = WSGIApp(None, None)

    def hook(environ: dict[str, Any]) -> Validators | None:
        raise raised

    middleware = WSGIMiddleware(app, ranges=False, validators=hook)
    wrapped = wsgi_serve(middleware, wsgi_environ(method, [("If-Match", '"v1"')]))
    assert wrapped.error is raised
    assert wrapped.status is None  # nothing sent: the server answers as for any app error
    assert app.returned == 0  # the application never ran


# --- ASGI -----------------------------------------------------------------------------

ASGI_FAULTS = ("before_start", "after_start", "mid_body", "after_end")


class ASGIApp:
    """An ASGI application that fails at ``fault``, recording what it raised."""

    def __init__(self, fault: str | None, etag: str | None, *, listens: bool = False) -> None:
        self.fault = fault
        self.headers = [(b"content-type", b"text/plain"), (b"content-length", LENGTH.encode())]
        if etag is not None:
            self.headers.append((b"etag", etag.encode()))
        self.listens = listens  # stops when receive() says the client is gone
        self.raised: BaseException | None = None
        self.calls = 0

    def fail(self) -> AppFailure:
        self.raised = AppFailure(self.fault)
        return self.raised

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await receive()
        if self.fault == "before_start":
            raise self.fail()
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        if self.fault == "after_start":
            raise self.fail()
        await send({"type": "http.response.body", "body": BODY[0], "more_body": True})
        if self.fault == "mid_body":
            raise self.fail()
        if self.listens and (await receive())["type"] == "http.disconnect":
            return
        await send({"type": "http.response.body", "body": BODY[1]})
        if self.fault == "after_end":
            raise self.fail()


def asgi_pair(
    fault: str | None, response: str, request: str, *, listens: bool = False, **serve: Any
) -> tuple[ASGIExchange, ASGIExchange, ASGIApp]:
    options = RESPONSES[response]
    scope = asgi_scope("GET", REQUESTS[request])
    bare = asgi_serve(ASGIApp(fault, options["etag"], listens=listens), scope, **serve)
    app = ASGIApp(fault, options["etag"], listens=listens)
    middleware = ASGIMiddleware(app, ranges=False, max_buffer=options["max_buffer"])
    wrapped = asgi_serve(middleware, asgi_scope("GET", REQUESTS[request]), **serve)
    return bare, wrapped, app


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("fault", ASGI_FAULTS)
def test_asgi_app_failure_reaches_the_server_unchanged(
    fault: str, response: str, request_kind: str
) -> None:
    bare, wrapped, app = asgi_pair(fault, response, request_kind)
    assert type(bare.error) is AppFailure
    assert wrapped.error is app.raised
    assert len(wrapped.starts) <= 1


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize(
    ("fault", "response"),
    [pytest.param(fault, response) for fault in ASGI_FAULTS for response in RESPONSES],
)
def test_asgi_app_failure_leaves_what_the_server_had_without_condget(
    fault: str, response: str, request_kind: str
) -> None:
    bare, wrapped, _ = asgi_pair(fault, response, request_kind)
    assert _without_etag(wrapped) == _without_etag(bare)


def _without_etag(exchange: ASGIExchange) -> list[dict[str, Any]]:
    # An auto-ETag is the one header condget may add to a response it passes on.
    messages = []
    for message in exchange.messages:
        if message["type"] == "http.response.start":
            headers = [(n, v) for n, v in message["headers"] if not v.startswith(b'W/"')]
            message = dict(message, headers=headers)
        messages.append(message)
    return messages


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("gone_after", [1, 2])
def test_asgi_client_gone_mid_body_send_raises(
    response: str, request_kind: str, gone_after: int
) -> None:
    # ASGI 2.4 servers raise an OSError from send() once the client is gone:
    # that exception reaches the server unchanged, through the application.
    bare, wrapped, _ = asgi_pair(None, response, request_kind, gone_after=gone_after)
    assert isinstance(bare.error, Disconnected)
    assert isinstance(wrapped.error, Disconnected)
    assert _without_etag(wrapped) == _without_etag(bare)


@pytest.mark.parametrize("request_kind", REQUESTS)
@pytest.mark.parametrize("response", RESPONSES)
def test_asgi_client_gone_mid_body_app_stops(response: str, request_kind: str) -> None:
    # The application asks receive() mid-body, learns that the client has
    # gone (http.disconnect) and returns without finishing its body: condget
    # sends on what it held, exactly as the application sent it (uvicorn then
    # drops it, as it drops anything sent after a disconnect).
    bare, wrapped, _ = asgi_pair(None, response, request_kind, listens=True)
    assert bare.error is None
    assert wrapped.error is None
    assert _without_etag(wrapped) == _without_etag(bare)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync_hook", "async_hook"])
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_asgi_validators_hook_failure_reaches_the_server_unchanged(
    method: str, is_async: bool
) -> None:
    raised = HookFailure()
    app = ASGIApp(None, None)

    def hook(scope: Any) -> Validators | None:
        raise raised

    async def async_hook(scope: Any) -> Validators | None:
        raise raised

    middleware = ASGIMiddleware(app, ranges=False, validators=async_hook if is_async else hook)
    wrapped = asgi_serve(middleware, asgi_scope(method, [("If-Match", '"v1"')]))
    assert wrapped.error is raised
    assert wrapped.messages == []
    assert app.calls == 0


# --- Invalid validators from the application --------------------------------------------

INVALID = [
    pytest.param("ETag", "xyzzy", id="etag_unquoted"),
    pytest.param("ETag", 'W/ "v1"', id="etag_space_after_weak"),
    pytest.param("ETag", 'w/"v1"', id="etag_lowercase_weak"),
    pytest.param("ETag", '"a"b"', id="etag_quote_inside"),
    pytest.param("ETag", '"v1", "v2"', id="etag_list"),
    pytest.param("Last-Modified", "yesterday", id="last_modified_not_a_date"),
    pytest.param("Last-Modified", "Sun, 06 Nov 1994 08:49:37 +0000", id="last_modified_offset"),
    pytest.param("Last-Modified", "1994-11-06T08:49:37Z", id="last_modified_iso"),
]


def _matching_request(name: str, value: str) -> list[tuple[str, str]]:
    # Conditional fields that would match the raw invalid value, if it were read.
    if name == "ETag":
        return [("If-None-Match", value), ("If-None-Match", '"xyzzy", "v1", "a"')]
    return [("If-Modified-Since", value), ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]


@pytest.mark.parametrize("auto_etag", [True, False])
@pytest.mark.parametrize(("name", "value"), INVALID)
def test_wsgi_invalid_app_validator_changes_nothing(name: str, value: str, auto_etag: bool) -> None:
    # R12, §8.8.2: a validator that does not parse is as good as absent; the
    # response goes out exactly as without condget, and an ETag header the
    # application set, even a broken one, is never replaced by an auto-ETag.
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", LENGTH), (name, value)])
        return list(BODY)

    for field in _matching_request(name, value):
        environ = wsgi_environ("GET", [field])
        bare = wsgi_serve(app, environ)
        wrapped = wsgi_serve(
            WSGIMiddleware(app, ranges=False, auto_etag=auto_etag), wsgi_environ("GET", [field])
        )
        assert wrapped.error is None
        assert wrapped.status == "200 OK"
        sent = wrapped.headers
        if name == "Last-Modified" and auto_etag:
            assert sent is not None
            sent = [(n, v) for n, v in sent if n != "ETag"]  # a valid tag may be added
        assert (wrapped.status, sent, wrapped.body) == (bare.status, bare.headers, bare.body)


@pytest.mark.parametrize("auto_etag", [True, False])
@pytest.mark.parametrize(("name", "value"), INVALID)
def test_asgi_invalid_app_validator_changes_nothing(name: str, value: str, auto_etag: bool) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-length", LENGTH.encode()), (name.lower().encode(), value.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(BODY)})

    for field in _matching_request(name, value):
        bare = asgi_serve(app, asgi_scope("GET", [field]))
        middleware = ASGIMiddleware(app, ranges=False, auto_etag=auto_etag)
        wrapped = asgi_serve(middleware, asgi_scope("GET", [field]))
        assert wrapped.error is None
        expected = _without_etag(bare) if name == "Last-Modified" else bare.messages
        got = _without_etag(wrapped) if name == "Last-Modified" else wrapped.messages
        assert got == expected


@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"etag": "v1"}, id="etag"),
        pytest.param({"last_modified": "yesterday"}, id="last_modified"),
    ],
)
def test_invalid_hook_validator_is_a_clear_error_naming_the_value(
    adapter: str, bad: dict[str, str]
) -> None:
    # The hook is the application's code: a bad value there fails loudly, at
    # its own line, with an error that names it; the request gets the
    # server's 500 as for any application error, never a wrong 304 or 412.
    def make_validators(request: Any) -> Validators:
        return Validators(**bad)  # type: ignore[arg-type]

    if adapter == "wsgi":
        app = WSGIApp(None, None)
        middleware: Any = WSGIMiddleware(app, ranges=False, validators=make_validators)
        error = wsgi_serve(middleware, wsgi_environ("GET", [("If-None-Match", "*")])).error
    else:
        asgi_app = ASGIApp(None, None)
        middleware = ASGIMiddleware(asgi_app, validators=make_validators)
        error = asgi_serve(middleware, asgi_scope("GET", [("If-None-Match", "*")])).error
    assert isinstance(error, InvalidValidatorError)
    assert repr(next(iter(bad.values()))) in str(error)
