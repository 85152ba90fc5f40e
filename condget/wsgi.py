"""WSGI middleware: RFC 9110 conditional requests for any PEP 3333 application.

``ConditionalMiddleware`` only translates: WSGI's ``start_response``,
``write()`` and body iterable become the response engine's events
(:class:`condget.engine.Exchange`), and each step it answers becomes a call to
the server's ``start_response`` or a chunk of the iterable the server gets.
Every HTTP rule lives in the engine and the core.

Each request gets its own :class:`_Response`; the middleware holds only its
configuration, so one instance serves any number of threads.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import IO, Final, TypeAlias
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment
from wsgiref.util import FileWrapper

from condget import Conditions, Reply, Validators
from condget.engine import (
    CHECK_WRITE,
    FETCH_GET,
    FETCH_GET_DROPPED,
    FORWARD,
    HIDDEN_CONDITIONS,
    HOLD,
    WRITE_CHECK_DROPPED,
    Emit,
    Exchange,
    Handling,
    Partial,
    PartialFile,
    Release,
    Settled,
    Step,
    answer_before,
    check_options,
    check_write,
    exchange_for,
    handling_for,
    hidden_from_app,
    plain_start,
    seeks_ranges,
)
from condget.observe import Observation, Observer, Watch
from condget.ranges import MAX_RANGES
from condget.store import KeyFunction, KeyRequest, ValidatorStore, default_key, encode_path, visit

__all__ = ["ConditionalMiddleware", "conditions_from_environ"]

_ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]
)
_Write: TypeAlias = Callable[[bytes], object]
_LIST_BODIES: Final = (list, tuple)  # complete when the application returns


_NO_CONDITIONS: Final = Conditions()
# Where conditional fields can be in an environ (PEP 3333's CGI names).
_CONDITION_KEYS: Final = frozenset(
    {
        "HTTP_IF_MATCH",
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_UNMODIFIED_SINCE",
        "HTTP_IF_RANGE",
        "HTTP_RANGE",
        HIDDEN_CONDITIONS,
    }
)


def conditions_from_environ(environ: WSGIEnvironment) -> Conditions:
    """The request's conditional fields, read from a WSGI ``environ``.

    The server has already joined repeated field lines with ``", "`` (PEP
    3333 and CGI), which is what R1 (RFC 9110 §5.3) asks for. Behind a
    :class:`ConditionalMiddleware` that hid them from the application
    (``hide_conditions``), they are the ones the client sent.

    Args:
        environ: The WSGI environment.
    """
    if environ.keys().isdisjoint(_CONDITION_KEYS):
        return _NO_CONDITIONS  # most requests: one lookup per key, no tuple built
    hidden: Conditions | None = environ.get(HIDDEN_CONDITIONS)
    if hidden is not None:
        return hidden
    get = environ.get
    # Built as the tuple it is: keyword arguments cost a NamedTuple several
    # times more, on every request.
    return tuple.__new__(
        Conditions,
        (
            get("HTTP_IF_MATCH"),
            get("HTTP_IF_NONE_MATCH"),
            get("HTTP_IF_MODIFIED_SINCE"),
            get("HTTP_IF_UNMODIFIED_SINCE"),
            get("HTTP_IF_RANGE"),
            get("HTTP_RANGE"),
        ),
    )


class ConditionalMiddleware:
    """Make a WSGI application answer conditional requests (RFC 9110 §13).

    For GET and HEAD, a 2xx response is checked against the request's
    preconditions using the response's own ``ETag`` and ``Last-Modified``
    and replaced by a 304 or 412 when they say so. Every other response
    (non-2xx, other methods, requests without preconditions) goes through
    untouched, streaming included; with nothing to do, the server gets the
    application's own iterable back.

    Example:
        >>> from condget.wsgi import ConditionalMiddleware
        >>> def app(environ, start_response):
        ...     start_response("200 OK", [("Content-Type", "text/plain")])
        ...     return [b"hello"]
        >>> app = ConditionalMiddleware(app)

    Args:
        app: The WSGI application to wrap.
        auto_etag: Give a 2xx GET response that has no ``ETag`` a weak one
            computed from its body (see :class:`condget.engine.AutoETag`).
            The body is held back while it is hashed, so only bodies of at
            most ``max_buffer`` bytes are tagged. HEAD runs as HEAD: only a
            conditional HEAD whose response has no ``ETag`` (and a body of
            at most ``max_buffer`` bytes, declared or sent) costs a GET of
            the same target, whose answer and tag it gets (RFC 9110 §9.3.2).
        max_buffer: The most body bytes held back per request for
            ``auto_etag``. A longer body is sent as it arrives, without a tag,
            in constant extra memory.
        validators: A pre-dispatch hook, ``validators(environ)``, returning
            the :class:`condget.Validators` of the request's target, or
            ``None`` when it does not know them. With validators, the request
            is evaluated *before* the application runs, for every method, and
            a 304, 412 or 428 is sent without running it: the only way to
            honour If-Match and If-Unmodified-Since on PUT, PATCH, DELETE and
            POST (RFC 9110 §13.2.1, R36). A 2xx GET/HEAD response that then
            runs gets the hook's fields it lacks (``ETag``,
            ``Last-Modified``, ``Validators.headers``), so that it advertises
            exactly what later requests are checked against. With ``None``,
            GET and HEAD fall back to the response side and other methods go
            through untouched.
        require_precondition: Answer 428 Precondition Required (RFC 6585
            §3) to a state-changing request that carries no ``If-Match``,
            ``If-Unmodified-Since`` or ``If-None-Match: *``, for requests
            whose target the hook knows. Needs ``validators``.

        ranges: Serve ``Range`` requests (RFC 9110 §14): a GET whose 200 has
            a known length (a ``Content-Length``, or a body held whole) and
            no content-coding gets its 206 (one range, or
            ``multipart/byteranges``) or 416, after the preconditions (R42);
            those responses advertise ``Accept-Ranges: bytes``. A single
            range of a streamed body is cut as it streams, and the rest is
            never read. An application's own 206 passes through (R52).
        max_ranges: The most ranges one request may ask for; more, or
            ranges adding up to more than the body, get the full 200 (R49).
        observer: Called with a :class:`condget.observe.DecisionEvent` for
            each response condget decided (a 304, 412, 428, 206 or 416, or
            the application's own response and why it went out as it was),
            before it is sent; for metrics and tracing. It runs in the
            request; one that raises is logged, never fails the request.
            Each event is also logged on the ``condget`` logger at DEBUG.
        decision_header: Add a ``Condget-Decision`` field to those
            responses, such as ``304; inm-match; by=If-None-Match``. For
            development only: it tells any client how its request was
            judged.
        store: A shared :class:`condget.store.ValidatorStore`
            (docs/fleets.md). A GET or HEAD the ``validators`` hook does not
            answer is looked up before the application runs and answered 304
            (or 412) from the stored validators when its fields say so; an
            unsafe request with a false ``If-Match`` or
            ``If-Unmodified-Since`` gets its 412 the same way. A 2xx GET that
            runs records the validators its response goes out with (its own,
            the auto-ETag, ``Last-Modified``); a non-error response to an
            unsafe method invalidates the target (and its
            ``Content-Location``/``Location``) before it is handed to the
            server. A store that fails never fails the request: it runs as
            without one.
        store_key: The key function for ``store`` (a
            :data:`condget.store.KeyFunction`), given the request's public
            target: ``wsgi.url_scheme``, the ``Host`` field, the path
            (``SCRIPT_NAME + PATH_INFO``, as the application routes on it)
            and ``QUERY_STRING``.
        check_writes: A PUT, PATCH, DELETE or POST with ``If-Match`` or
            ``If-Unmodified-Since`` whose target's validators nothing else
            knows (no ``validators`` answer, nothing in ``store``) is judged
            before the application performs it: condget sends the
            application a GET of the same target (same credentials, no
            conditions, no body), reads its ``ETag`` and ``Last-Modified``,
            and answers 412 when the precondition is false (RFC 9110
            §13.2.1). One extra GET per such write; weak tags (auto-ETags
            among them) never satisfy If-Match (§13.1.1). ``False`` leaves
            those writes to the application.
        hide_conditions: Keep a GET's or HEAD's conditional fields
            (``If-None-Match``, ``If-Modified-Since``, ``If-Match``,
            ``If-Unmodified-Since``, and with ``ranges`` also ``Range`` and
            ``If-Range``) from the application, so that it always produces
            its full response and condget alone answers 304, 412 or 206,
            with one header policy on every route, whatever the framework
            inside would have done on its own (RFC 9110 §13.2.2). A body
            handed over as a file is closed unread on a 304. ``False`` shows
            them to the application, for one whose own pre-dispatch handling
            should keep running (Django's ``@condition``); its own 304s,
            412s and 206s then pass through as they are. To skip work before
            dispatch, the ``validators`` hook is the better way.

    Raises:
        ValueError: ``require_precondition`` without ``validators``, a
            ``max_buffer`` below zero, or a ``max_ranges`` below one.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        auto_etag: bool = True,
        max_buffer: int = 1024 * 1024,
        validators: Callable[[WSGIEnvironment], Validators | None] | None = None,
        require_precondition: bool = False,
        ranges: bool = True,
        max_ranges: int = MAX_RANGES,
        observer: Observer | None = None,
        decision_header: bool = False,
        store: ValidatorStore | None = None,
        store_key: KeyFunction = default_key,
        check_writes: bool = True,
        hide_conditions: bool = True,
    ) -> None:
        check_options(
            require_precondition=require_precondition,
            has_validators=validators is not None,
            max_buffer=max_buffer,
            max_ranges=max_ranges,
        )
        self.app = app
        self.auto_etag = auto_etag
        self.max_buffer = max_buffer
        self.validators = validators
        self.require_precondition = require_precondition
        self.ranges = ranges
        self.max_ranges = max_ranges
        self.observer = observer
        self.decision_header = decision_header
        self.store = store
        self.store_key = store_key
        self.check_writes = check_writes
        self.hide_conditions = hide_conditions
        self._observation = Observation(observer, decision_header)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (PEP 3333)."""
        method = environ["REQUEST_METHOD"]
        conditions = conditions_from_environ(environ)
        watch = self._observation.watch(environ, _path)
        handling = handling_for(self, method, conditions, watch)
        if handling is _UNTOUCHED:
            return self.app(environ, start_response)
        if handling is _AT_START:
            return _Plain(self, environ, method, conditions, start_response).run()
        store = self.store
        visiting = None
        if store is not None:
            visiting = visit(store, self.store_key, method, _key_request(environ))
        settled = None if visiting is None else visiting.settled
        found = None if self.validators is None else self.validators(environ)
        reply = answer_before(self, method, conditions, found, visiting, watch=watch)
        if reply is CHECK_WRITE:
            reply = self._check_write(environ, method, conditions, watch)
        if reply is not None:
            return _send(reply, start_response)
        hidden = hidden_from_app(self, method, conditions)
        if hidden:
            environ = _without(environ, [_environ_key(name) for name in hidden])
            environ[HIDDEN_CONDITIONS] = conditions
        engine = exchange_for(self, method, conditions, fill=found, watch=watch, settled=settled)
        if engine is None:
            return self.app(environ, start_response)
        response = _Response(
            self, environ, conditions, start_response, engine, watch, settled
        ).run()
        if visiting is not None and visiting.writes:
            # A write may finish while its body is iterated: the store forgets
            # the target once more when the server is done with it.
            return _AfterClose(response, visiting.finished)
        return response

    def _check_write(
        self,
        environ: WSGIEnvironment,
        method: str,
        conditions: Conditions,
        watch: Watch | None,
    ) -> Reply | None:
        """A write's 412, judged by a GET of its target (``check_writes``), or ``None``."""
        probe = _without(environ, _NOT_FOR_THE_GET)
        probe["REQUEST_METHOD"] = "GET"
        probe["wsgi.input"] = io.BytesIO()
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
        ) -> _Write:
            started[:] = [(status, headers)]
            return _discard

        try:
            body = self.app(probe, start_response)
            try:
                if not started:
                    for _ in body:  # an application that starts on its first iteration
                        break
            finally:
                _close(body)  # the body itself is never needed
        except Exception:
            return None  # the GET failed: the application judges the write itself
        if not started:
            return None
        status, headers = started[0]
        return check_write(method, conditions, _status_code(status), headers, watch=watch)


# Read per request: names, not attribute lookups on the enum.
_UNTOUCHED: Final = Handling.UNTOUCHED
_AT_START: Final = Handling.AT_START


@functools.lru_cache(maxsize=64)  # the few names condget reads or hides, each spelt once
def _environ_key(name: str) -> str:
    """The CGI spelling of a request field's name (PEP 3333)."""
    return "HTTP_" + name.upper().replace("-", "_")


# The environ keys of WRITE_CHECK_DROPPED (CGI spells two of them without HTTP_).
_NOT_FOR_THE_GET: Final = frozenset(
    {_environ_key(name) for name in WRITE_CHECK_DROPPED} | {"CONTENT_LENGTH", "CONTENT_TYPE"}
)
_NOT_FOR_THE_HEAD: Final = frozenset(_environ_key(name) for name in FETCH_GET_DROPPED)


def _without(environ: WSGIEnvironment, keys: Iterable[str]) -> WSGIEnvironment:
    """A copy of ``environ`` without ``keys``.

    A copy, not the server's dict changed in place: what runs around the
    middleware (a server's access log, an outer middleware) still sees the
    request as it came.
    """
    copy = environ.copy()
    for key in keys:
        copy.pop(key, None)
    return copy


def _discard(data: bytes) -> None:
    """The ``write`` of the GET behind a write check: its body is not needed."""


def _path(environ: WSGIEnvironment) -> str:
    return f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"


def _key_request(environ: WSGIEnvironment) -> KeyRequest:
    # The public target as the application routes on it: PEP 3333's decoded
    # path, its octets carried in latin-1, encoded again (docs/fleets.md).
    def header(name: str) -> str | None:
        value: str | None = environ.get(_environ_key(name))
        return value

    return KeyRequest(
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST", ""),
        encode_path(_path(environ).encode("latin-1")),
        environ.get("QUERY_STRING", ""),
        header,
    )


def _send(reply: Reply, start_response: StartResponse) -> list[bytes]:
    start_response(f"{reply.status} {reply.reason}", reply.headers)
    return [reply.body] if reply.body else []


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _status_code(status: str) -> int:
    code = _status_codes.get(status)
    if code is None:
        try:
            code = int(status[:3])
        except ValueError:
            code = 0  # not a status line a server would send: the server's to judge
        if len(_status_codes) < _KEPT_STATUS_LINES:
            _status_codes[status] = code
    return code


# An application sends few distinct status lines: each is read once.
_status_codes: dict[str, int] = {}
_KEPT_STATUS_LINES: Final = 256


class _Plain:
    """A GET or HEAD without conditional fields: judged at its start when it can be.

    Most requests are such (:func:`condget.engine.plain_request`). The
    response goes to the server as soon as the application starts it, with
    the fields :func:`condget.engine.plain_start` adds, and the server gets
    the application's own iterable. Only a response its start cannot judge
    (an auto-ETag to compute, a length to learn from a complete body) gets an
    engine, which takes over from there.
    """

    __slots__ = (
        "_conditions",
        "_direct",
        "_environ",
        "_method",
        "_middleware",
        "_response",
        "_server_start",
    )

    def __init__(
        self,
        middleware: ConditionalMiddleware,
        environ: WSGIEnvironment,
        method: str,
        conditions: Conditions,
        server_start: StartResponse,
    ) -> None:
        self._middleware = middleware
        self._environ = environ
        self._method = method
        self._conditions = conditions
        self._server_start = server_start
        self._response: _Response | None = None  # the engine's, once it took over
        self._direct = False  # whether the server has the response

    def run(self) -> Iterable[bytes]:
        try:
            body = self._middleware.app(self._environ, self.start_response)
        except Exception:
            if self._response is not None:
                self._response.failed()
            raise
        if self._direct:
            return body
        # Not started yet (it starts with its first iteration): the engine must see it.
        response = self._response or self._take_over()
        return response.finish(body)

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
    ) -> _Write:
        response = self._response
        if response is not None:
            return response.start_response(status, headers, exc_info)
        if not self._direct:
            added = plain_start(self._middleware, self._method, _status_code(status), headers)
            if added is None:
                return self._take_over().start_response(status, headers, exc_info)
            self._direct = True
            if added:
                headers = [*headers, *added]
        # Else a restart (PEP 3333 exc_info) of what the server has: the server's to judge.
        if exc_info is None:
            return self._server_start(status, headers)
        return self._server_start(status, headers, exc_info)

    def _take_over(self) -> _Response:
        middleware = self._middleware
        engine = exchange_for(middleware, self._method, self._conditions)
        assert engine is not None  # a _Plain is made only where Exchange.needed
        self._response = _Response(
            middleware, self._environ, self._conditions, self._server_start, engine, None, None
        )
        return self._response


class _Response:
    """One request's response on its way from the application to the server.

    The application's ``start_response`` is recorded; the engine hears of it
    once the body's completeness is known (when the application returns, or
    at its first ``write()``), and the server's ``start_response`` is called
    when the engine releases the response.
    """

    __slots__ = (
        "_body",
        "_closed",
        "_conditions",
        "_engine",
        "_environ",
        "_exc_info",
        "_headers",
        "_middleware",
        "_reply",
        "_server_start",
        "_settled",
        "_started",
        "_status",
        "_watch",
        "_write",
    )

    def __init__(
        self,
        middleware: ConditionalMiddleware,
        environ: WSGIEnvironment,
        conditions: Conditions,
        server_start: StartResponse,
        engine: Exchange,
        watch: Watch | None,
        settled: Settled | None,
    ) -> None:
        self._middleware = middleware
        self._conditions = conditions  # as they came: the application may not see them
        self._watch = watch
        self._settled = settled
        self._environ = environ
        self._server_start = server_start
        self._engine = engine
        self._status: str | None = None
        self._started = False  # whether the engine has heard of the start
        self._write: _Write | None = None  # the server's, once it has the response
        self._reply: Reply | None = None  # condget's answer, decided before the body ran out
        self._closed = False

    def run(self) -> Iterable[bytes]:
        environ = self._environ
        server_wrapper = None
        ranged = seeks_ranges(self._middleware, environ["REQUEST_METHOD"], self._conditions)
        if ranged:
            # A file handed over through wsgi.file_wrapper can be read by
            # offset: a range is then sought, never read up to (§14.2).
            server_wrapper = environ.get("wsgi.file_wrapper")
            environ = {**environ, "wsgi.file_wrapper": _FileBody}  # the server's dict stays
        try:
            body = self._middleware.app(environ, self.start_response)
        except Exception:
            self.failed()
            raise
        return self.finish(body, ranged=ranged, server_wrapper=server_wrapper)

    def failed(self) -> None:
        """The application raised."""
        released = self._engine.failed()
        if released is not None:
            # The application wrote, then raised: without condget the
            # server would have sent what was written, so it still is.
            self._commit(released)

    def finish(
        self,
        body: Iterable[bytes],
        *,
        ranged: bool = False,
        server_wrapper: Callable[..., Iterable[bytes]] | None = None,
    ) -> Iterable[bytes]:
        """The iterable for the server, once the application has returned ``body``."""
        self._body = body
        if self._status is None:
            return _Body(self)  # start_response comes with the first iteration
        if not self._started:
            step = self._start(complete=isinstance(body, _LIST_BODIES))
            if ranged and type(body) is _FileBody:
                planned = self._engine.file_body() if body.seekable() else None
                if planned is not None:
                    self._server_start("206 Partial Content", planned.headers)
                    return _FileSegments(body, planned)
                if server_wrapper is not None:
                    body = server_wrapper(body.filelike, body.blksize)  # the server's sendfile
                    self._body = body
            if (
                step is FORWARD or (isinstance(step, Release) and not step.held)
            ) and not self._engine.dropping:
                return body  # the common case: the server gets the app's own iterable
            if step is HOLD and (type(body) is list or type(body) is tuple):
                # Not a subclass: its iteration or its len() may be its own.
                return self._fed_whole(body)
        if self._reply is not None:
            self.close_body()
            return _send(self._reply, self._server_start)
        return _Body(self)

    def _fed_whole(self, body: list[bytes] | tuple[bytes, ...]) -> Iterable[bytes]:
        """A held list's chunks, fed to the engine at once: they are all here already.

        Holding a list blocks nothing (PEP 3333 asks that only of an iterable
        still producing), so the server gets the application's own list, or
        the reply, at once: no iteration goes through condget.
        """
        engine = self._engine
        rest = iter(body)
        left = len(body)
        step: Step = HOLD
        for chunk in rest:
            left -= 1
            step = engine.body(chunk, more=left > 0)
            if step is not HOLD:
                break
        if not body:
            step = engine.body(b"", more=False)
        if isinstance(step, Reply):
            self.close_body()
            return _send(step, self._server_start)
        if isinstance(step, Release) and not engine.dropping:
            # Each chunk was held, or comes after the release, to be forwarded.
            self._commit(step)
            return body
        return _Body(self, step, rest)  # a 206 to cut, or a HEAD to answer from the GET

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
    ) -> _Write:
        if self._write is not None:
            # The server has this response: its start_response applies PEP 3333
            # (re-raise exc_info once headers are out, refuse a second call).
            if exc_info is None:
                return self._server_start(status, headers)
            return self._server_start(status, headers, exc_info)
        if self._status is not None:
            if exc_info is None:
                raise AssertionError("start_response called twice without exc_info (PEP 3333)")
            if self._engine.body_seen and exc_info[1] is not None:
                # Without condget the body already produced would have sent the
                # headers, so the server would re-raise: do what it would.
                raise exc_info[1].with_traceback(exc_info[2])
        self._status = status
        self._headers = headers
        self._exc_info = exc_info
        if self._started:
            self._start(complete=False)  # the application starts over
        return self.write

    def write(self, data: bytes) -> None:
        if not self._started:
            self._start(complete=False)
        step = self._engine.body(data, more=True)
        if step is FORWARD:
            assert self._write is not None
            self._write(data)
        else:
            self._carry(step)

    def _start(self, *, complete: bool) -> Step:
        self._started = True
        assert self._status is not None
        step = self._engine.start(_status_code(self._status), self._headers, complete=complete)
        return self._carry(step)

    def _carry(self, step: Step) -> Step:
        """Do what the engine said for the start or a ``write()``; chunks are _Body's."""
        if step is FORWARD and self._write is None:
            self._commit(Release([], []))
        elif isinstance(step, Release):
            self._commit(step)
        elif isinstance(step, Reply):
            self._reply = step
        elif isinstance(step, Partial):
            self._commit_partial(step)
        elif isinstance(step, Emit) and step.body:
            assert self._write is not None
            self._write(step.body)  # a write() whose bytes are part of a 206
        return step

    def _commit_partial(self, partial: Partial) -> None:
        """Hand the server a 206 in place of the 200 (its first bytes too, from ``write()``)."""
        write = self._server_start("206 Partial Content", partial.headers)
        self._write = write
        if partial.body and not hasattr(self, "_body"):
            write(partial.body)

    def _commit(self, released: Release) -> _Write:
        """Hand the response to the server, and the held bytes when they came from ``write()``."""
        assert self._status is not None
        headers = [*self._headers, *released.added] if released.added else self._headers
        if self._exc_info is None:
            write = self._server_start(self._status, headers)
        else:
            write = self._server_start(self._status, headers, self._exc_info)
        self._write = write
        if released.held and not hasattr(self, "_body"):
            for chunk in released.held:  # write() bytes go out before any later write()
                write(chunk)
            released.held.clear()
        return write

    def close_body(self) -> None:
        # PEP 3333: the server never sees this iterable, so condget closes it,
        # once, even when close() itself raises.
        if not self._closed:
            self._closed = True
            _close(self._body)

    def fetch_get(self) -> Iterable[bytes]:
        """Answer a conditional HEAD from the GET of the same target (FETCH_GET)."""
        self.close_body()
        middleware = self._middleware
        environ = _without(self._environ, _NOT_FOR_THE_HEAD)
        environ["REQUEST_METHOD"] = "GET"
        engine = exchange_for(
            middleware,
            "HEAD",
            self._conditions,
            fetched_for_head=True,
            watch=self._watch,
            settled=self._settled,
        )
        assert engine is not None  # fetched_for_head always has one
        response = _Response(
            middleware,
            environ,
            self._conditions,
            self._server_start,
            engine,
            self._watch,
            self._settled,
        )
        return response.run()


class _Body:
    """The iterable the server gets when the engine holds, fills or replaces the response.

    It reads the application's iterable one chunk at a time and yields the
    application's chunks as they are once the response is released. While
    the engine holds a body for its tag, one ``next()`` reads on until the
    engine decides: yielding ``b""`` then, as PEP 3333 asks of buffering
    middleware, would come before any ``start_response``, which gunicorn,
    wsgiref and Werkzeug's server all refuse (docs/wsgi.md).

    An iterator rather than a generator: a generator delegating with ``yield
    from`` would close the application's iterable itself when the server
    drops it early, and the server's ``close()`` would then close it again.
    """

    __slots__ = ("_error", "_inner", "_iterator", "_out", "_pending", "_response")

    def __init__(
        self,
        response: _Response,
        pending: Step | None = None,
        rest: Iterator[bytes] | None = None,
    ) -> None:
        self._response = response
        self._pending = pending  # a step the engine gave before the server iterated
        self._iterator = rest  # what is left of the application's iterable
        self._out: list[bytes] = []  # what goes to the server next, last first
        self._error: Exception | None = None  # raised once what was held is out
        self._inner: Iterator[bytes] | None = None  # the GET answering a HEAD

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        response = self._response
        while True:
            if self._out:
                return self._out.pop()
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._inner is not None:
                return next(self._inner)
            step = self._pending
            if step is None:
                step, chunk = self._read()
                if step is FORWARD:
                    return chunk  # as it came, whatever it is: the server's to judge
            else:
                self._pending = None
            if step is HOLD:
                continue
            if isinstance(step, Release):
                response._commit(step)
                self._out = step.held[::-1]
            elif isinstance(step, Reply):
                response.close_body()
                response._reply = None  # sent: the iterable now ends
                body = _send(step, response._server_start)
                self._out = body
                response._write = lambda data: None
                self._iterator = iter(())
            elif isinstance(step, Partial):
                response._commit_partial(step)
                self._out = [step.body] if step.body else []
                if step.last:
                    self._finish()
            elif isinstance(step, Emit):
                if step.last:
                    self._finish()  # the 206 is complete: the rest is never read
                if step.body:
                    return step.body
            elif step is FETCH_GET:
                self._inner = iter(response.fetch_get())
            # DROP: a HEAD answered from a GET sends no body, but reads it all,
            # as a server would, so that an error at its end still surfaces.

    def _read(self) -> tuple[Step, bytes]:
        """The engine's step for the application's next chunk, and the chunk."""
        response = self._response
        engine = response._engine
        if self._iterator is None:
            self._iterator = iter(response._body)
        try:
            chunk = next(self._iterator)
        except StopIteration:
            if not response._started and response._status is not None:
                response._start(complete=True)  # started by an empty first iteration
            if response._reply is not None:
                return response._reply, b""
            if not engine.holding and not engine.cutting:
                raise  # released, or never started (the server's to report)
            return engine.body(b"", more=False), b""
        except Exception as error:
            released = engine.failed()
            if released is None:
                raise
            response._commit(released)
            self._out = released.held[::-1]
            self._error = error
            return HOLD, b""  # nothing more: what was held goes out, then the error
        if not response._started:
            response._start(complete=False)
        reply = response._reply
        return (engine.body(chunk, more=True) if reply is None else reply), chunk

    def _finish(self) -> None:
        self._response.close_body()
        self._iterator = iter(())

    def close(self) -> None:
        if self._inner is not None:
            _close(self._inner)
        self._response.close_body()


class _FileBody(FileWrapper):
    """The ``wsgi.file_wrapper`` a ranged request's application gets (PEP 3333).

    It iterates like any file wrapper; condget can also seek its file.
    """

    filelike: IO[bytes]
    blksize: int

    def seekable(self) -> bool:
        seekable = getattr(self.filelike, "seekable", None)
        return seekable is not None and bool(seekable())

    # Werkzeug's own range code (send_file with conditional=True) seeks the
    # wrapper it gets, as its FileWrapper allows.
    def seek(self, offset: int, whence: int = 0) -> int:
        return self.filelike.seek(offset, whence)

    def tell(self) -> int:
        return self.filelike.tell()


class _FileSegments:
    """A 206 body read from the file of condget's file wrapper (:meth:`PartialFile.read`)."""

    __slots__ = ("_body", "_chunks")

    def __init__(self, body: _FileBody, planned: PartialFile) -> None:
        self._body = body
        # The representation starts where the file is.
        self._chunks = planned.read(body.filelike, base=body.filelike.tell(), chunk=body.blksize)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self._body.close()


class _AfterClose:
    """The response's iterable, with ``after`` called once the server has closed it."""

    __slots__ = ("_after", "_body")

    def __init__(self, body: Iterable[bytes], after: Callable[[], None]) -> None:
        self._body = body
        self._after = after

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            _close(self._body)
        finally:
            self._after()
