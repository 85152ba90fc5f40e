"""WSGI middleware: RFC 9110 conditional requests for any PEP 3333 application.

``ConditionalMiddleware`` translates between WSGI and the sans-IO core: it
reads the request's conditional fields from ``environ``, reads the
validators from the application's ``start_response`` call (or from a
pre-dispatch hook), asks :func:`condget.evaluate` what to do, and sends what
:func:`condget.reply_for` builds. Every HTTP rule lives in the core.

Each request gets its own :class:`_Exchange`, which stands between the
application and the server's ``start_response``; the middleware object holds
only its configuration, so one instance serves any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Final, TypeAlias
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from condget import (
    AutoETag,
    Conditions,
    Decision,
    ETag,
    Outcome,
    Reply,
    Validators,
    evaluate,
    reply_for,
)

__all__ = ["ConditionalMiddleware", "conditions_from_environ"]

_ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]
)
_Write: TypeAlias = Callable[[bytes], object]

# What the exchange is doing with the application's response.
_STARTING: Final = 0  # start_response not called yet
_PASSING: Final = 1  # handed to the server as it is (plus fields condget adds)
_HOLDING: Final = 2  # body held back and hashed until its auto-ETag is known
_REPLYING: Final = 3  # replaced by condget's 304 or 412

# Held chunks shorter than _SMALL are copied together into buffers of about
# _MERGED bytes, each frozen into bytes when full (a bytearray keeps up to 1/8
# spare room): a body of tiny chunks would otherwise cost far more memory in
# object overhead (about 40 bytes a chunk) than the max_buffer it counts.
# Large chunks, the common case, are held as they are, without a copy.
_SMALL: Final = 8 * 1024
_MERGED: Final = 16 * 1024


def conditions_from_environ(environ: WSGIEnvironment) -> Conditions:
    """The request's conditional fields, read from a WSGI ``environ``.

    The server has already joined repeated field lines with ``", "`` (PEP
    3333 and CGI), which is what R1 (RFC 9110 §5.3) asks for.

    Args:
        environ: The WSGI environment.
    """
    get = environ.get
    return Conditions(
        if_match=get("HTTP_IF_MATCH"),
        if_none_match=get("HTTP_IF_NONE_MATCH"),
        if_modified_since=get("HTTP_IF_MODIFIED_SINCE"),
        if_unmodified_since=get("HTTP_IF_UNMODIFIED_SINCE"),
        if_range=get("HTTP_IF_RANGE"),
        range=get("HTTP_RANGE"),
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
        auto_etag: Give a 2xx GET/HEAD response that has no ``ETag`` a weak
            one computed from its body (see :class:`condget.AutoETag`). The
            body is held back while it is hashed, so only bodies of at most
            ``max_buffer`` bytes are tagged. HEAD is answered by running the
            application as GET and discarding the body, so that HEAD and GET
            carry the same tag.
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

    Raises:
        ValueError: ``require_precondition`` without ``validators``.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        auto_etag: bool = True,
        max_buffer: int = 1024 * 1024,
        validators: Callable[[WSGIEnvironment], Validators | None] | None = None,
        require_precondition: bool = False,
    ) -> None:
        if require_precondition and validators is None:
            # Without a hook nothing would check the If-Match the 428 demands:
            # the client would be told to send it and it would be ignored.
            raise ValueError("require_precondition needs a validators hook")
        self.app = app
        self.auto_etag = auto_etag
        self.max_buffer = max_buffer
        self.validators = validators
        self.require_precondition = require_precondition

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (PEP 3333)."""
        method = environ["REQUEST_METHOD"]
        if self.validators is not None:
            validators = self.validators(environ)
            if validators is not None:
                return self._pre_dispatch(environ, start_response, method, validators)
        if method != "GET" and method != "HEAD":
            # R36: the response side comes too late to stop an unsafe method.
            return self.app(environ, start_response)
        if (
            "HTTP_IF_NONE_MATCH" in environ
            or "HTTP_IF_MODIFIED_SINCE" in environ
            or "HTTP_IF_MATCH" in environ
            or "HTTP_IF_UNMODIFIED_SINCE" in environ
        ):
            conditions: Conditions | None = conditions_from_environ(environ)
        elif self.auto_etag:
            conditions = None  # nothing to evaluate, but a tag to add
        else:
            return self.app(environ, start_response)  # If-Range alone never gives 304/412
        if conditions is None and method == "GET":
            return self._tag_only(environ, start_response)
        head = method == "HEAD" and self.auto_etag
        if head:
            # Frameworks strip HEAD bodies (werkzeug does), which would leave
            # nothing to hash: ask for the GET and send only its header.
            environ = {**environ, "REQUEST_METHOD": "GET"}
            # Range is defined only for GET (R23): the GET asked for on
            # HEAD's behalf must not turn the answer into a 206.
            environ.pop("HTTP_RANGE", None)
            environ.pop("HTTP_IF_RANGE", None)
        exchange = _Exchange(start_response, method, conditions, head, self.max_buffer)
        exchange.auto_etag = self.auto_etag
        return exchange.run(self.app, environ)

    def _tag_only(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A GET without preconditions: only an auto-ETag can change its response.

        The most common request gets the cheapest path: a response that is not
        2xx or already has an ETag goes to the server directly, and an
        :class:`_Exchange` is made only for one that may need a tag.
        """
        exchange: _Exchange | None = None
        handed_on = False

        def start(
            status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
        ) -> _Write:
            nonlocal exchange, handed_on
            if exchange is None:
                if handed_on or status[:1] != "2" or _has_etag(headers):
                    handed_on = True
                    if exc_info is None:
                        return start_response(status, headers)
                    return start_response(status, headers, exc_info)
                exchange = _Exchange(start_response, "GET", None, False, self.max_buffer)
                exchange.auto_etag = True
            return exchange.start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if exchange is None:
            if handed_on:
                return body
            # start_response comes with the first iteration (PEP 3333 allows it).
            exchange = _Exchange(start_response, "GET", None, False, self.max_buffer)
            exchange.auto_etag = True
        return exchange.after(body)

    def _pre_dispatch(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        method: str,
        validators: Validators,
    ) -> Iterable[bytes]:
        decision = evaluate(
            method,
            conditions_from_environ(environ),
            etag=validators.etag,
            last_modified=validators.last_modified,
            exists=validators.exists,
            status=None,  # before the application: assume the 2xx it would give
            require_precondition=self.require_precondition,
        )
        proceed = decision.outcome is Outcome.PROCEED
        # Only a reply needs the header fields, which cost a date to format.
        reply = None if proceed else _reply_for(decision, validators.response_headers())
        if reply is not None:
            return _send(reply, start_response, method)
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        # The preconditions passed against these validators: evaluating the
        # response again could only agree, so it only gets the fields.
        exchange = _Exchange(start_response, method, None, False, self.max_buffer)
        exchange.fill = validators
        return exchange.run(self.app, environ)


def _reply_for(decision: Decision, headers: list[tuple[str, str]]) -> Reply | None:
    # No Date of condget's own: WSGI servers add one to every response, as they
    # do to the application's (gunicorn even adds a second one if it has one).
    return reply_for(decision, headers, add_date=False)


def _send(reply: Reply, start_response: StartResponse, method: str) -> list[bytes]:
    start_response(f"{reply.status} {reply.reason}", reply.headers)
    # A reply to HEAD keeps the header fields the GET would carry and drops
    # the content (RFC 9110 §9.3.2).
    return [] if method == "HEAD" else [reply.body]


def _discard(data: bytes) -> None:
    """The ``write()`` for a HEAD answered from a GET: no body goes out."""


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _has_etag(headers: list[tuple[str, str]]) -> bool:
    # The common case, an application that sets its own ETag, in one cheap
    # pass (a plain loop: any() over a generator costs more); the answer is
    # AutoETag.for_response's, at a fraction of its price.
    for name, _ in headers:  # noqa: SIM110
        if len(name) == 4 and name.lower() == "etag":
            return True
    return False


def _longer_than(headers: list[tuple[str, str]], limit: int) -> bool:
    # A body that says it is over the limit would only be held to be given up:
    # stream it from its first byte. A Content-Length that says less is not
    # trusted: held bytes are counted.
    for name, value in headers:
        if len(name) == 14 and name.lower() == "content-length":
            return value.strip(" \t").isdigit() and int(value) > limit
    return False


def _filled(headers: list[tuple[str, str]], validators: Validators) -> list[tuple[str, str]]:
    missing = validators.missing_from(name for name, _ in headers)
    return [*headers, *missing] if missing else headers


class _Exchange:
    """One request on its way through the middleware; never shared between requests.

    Its :meth:`start_response` decides, as soon as it sees the status and
    header fields, whether the response goes straight to the server, must be
    held back for an auto-ETag, or is replaced by a reply. ``held`` keeps body
    bytes (from ``write()`` or the iterable) that the server has not had yet.
    """

    # Defaults for the rarer paths live on the class, so that a request that
    # needs none of them pays only for the five fields __init__ sets.
    auto_etag = False
    fill: Validators | None = None
    state = _STARTING
    returned = False
    output_seen = False
    body_closed = False
    held_size = 0
    tagger: AutoETag | None = None
    needs_complete = False
    reply: Reply | None = None
    status = ""
    code = 0
    last_modified: int | None = None
    server_write: _Write = staticmethod(_discard)

    def __init__(
        self,
        server_start_response: StartResponse,
        method: str,
        conditions: Conditions | None,
        head: bool,
        max_buffer: int,
    ) -> None:
        self.server_start_response = server_start_response
        self.method = method
        self.conditions = conditions
        self.head = head  # a HEAD answered by running the app as GET
        self.max_buffer = max_buffer
        self.held: list[bytes | bytearray] = []
        self.headers: list[tuple[str, str]] = []

    def run(self, app: WSGIApplication, environ: WSGIEnvironment) -> Iterable[bytes]:
        return self.after(app(environ, self.start_response))

    def after(self, body: Iterable[bytes]) -> Iterable[bytes]:
        """What the server gets, once the application has returned ``body``."""
        self.returned = True
        if self.state == _PASSING and not self.head:
            return body  # the common case: the server gets the app's own iterable
        try:
            return self._finish(body)
        except Exception as error:
            if self.state == _HOLDING and self.output_seen and not self.head:
                # Without condget the server would already have sent the headers
                # and these bytes: send them, then the error, so that the client
                # sees the response cut short exactly as it would without condget.
                self._commit(self.headers)
                return _Chain(self.held, (), body, error)
            self._close_once(body)
            raise
        except BaseException:
            self._close_once(body)
            raise

    def _close_once(self, body: Iterable[bytes]) -> None:
        # PEP 3333: the server never sees this iterable, so condget closes it,
        # once, even when close() itself raises.
        if not self.body_closed:
            self.body_closed = True
            _close(body)

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None, /
    ) -> _Write:
        if self.state == _PASSING:
            # The server has this response: its start_response applies PEP 3333
            # (re-raise exc_info once headers are out, refuse a second call).
            if exc_info is None:
                return self.server_start_response(status, headers)
            return self.server_start_response(status, headers, exc_info)
        if self.state != _STARTING:
            if exc_info is None:
                raise AssertionError("start_response called twice without exc_info (PEP 3333)")
            if self.output_seen and exc_info[1] is not None:
                # Without condget the body already produced would have sent the
                # headers, so the server would re-raise: do what it would.
                raise exc_info[1].with_traceback(exc_info[2])
            # Nothing produced yet: the application starts its response over.
            self.held = []
            self.held_size = 0
            self.tagger = None
            self.reply = None
        self.status = status
        self.headers = headers
        try:
            code = int(status[:3])
        except ValueError:
            code = 0  # not a status line a server would send: leave it to the server
        if not 200 <= code < 300:
            # R28: preconditions apply to 2xx only; anything else goes through.
            return self._commit(headers, exc_info)
        self.code = code
        if self.fill is not None:
            return self._commit(_filled(headers, self.fill), exc_info)
        etag = None
        if self.conditions is not None:
            validators = Validators.from_response_headers(headers)
            etag = validators.etag
            self.last_modified = validators.last_modified
        if self.auto_etag and etag is None and not _has_etag(headers):
            tagger = AutoETag.for_response(code, headers, complete=False)
            needs_complete = False
            if tagger is None:
                # Perhaps taggable if the body turns out to be complete (a
                # list), which is known once the application returns.
                tagger = AutoETag.for_response(code, headers, complete=True)
                needs_complete = True
            if tagger is not None and not _longer_than(headers, self.max_buffer):
                self.needs_complete = needs_complete
                self.tagger = tagger
                self.state = _HOLDING
                return self.write
        if self.conditions is None:
            return self._commit(headers, exc_info)  # only a tag could have changed it
        self._decide(etag, headers)
        if self.state == _PASSING:
            return self.server_write
        return self.write

    def write(self, data: bytes) -> None:
        state = self.state
        if state == _PASSING:
            self.server_write(data)
            return
        if data:
            self.output_seen = True
            if state == _HOLDING:
                self._feed(data)
            # _REPLYING: the reply replaces this body.

    def _commit(self, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None) -> _Write:
        """Hand the response to the server."""
        self.state = _PASSING
        if exc_info is None:
            write = self.server_start_response(self.status, headers)
        else:
            write = self.server_start_response(self.status, headers, exc_info)
        if self.head:
            write = _discard
        self.server_write = write
        if self.held and not self.returned:
            # Bytes from write() must reach the server before any later write().
            held, self.held = self.held, []
            for chunk in held:
                write(bytes(chunk) if isinstance(chunk, bytearray) else chunk)
        return write

    def _decide(self, etag: ETag | None, headers: list[tuple[str, str]]) -> None:
        """Evaluate the preconditions against the response's validators, then commit or reply.

        ``etag`` is the response's (or the auto-ETag just added to ``headers``).
        """
        if self.conditions is not None:
            decision = evaluate(
                self.method,
                self.conditions,
                etag=etag,
                last_modified=self.last_modified,
                status=self.code,
            )
            if decision.outcome is not Outcome.PROCEED:
                self.reply = _reply_for(decision, headers)
                self.state = _REPLYING
                self.held = []
                return
        self._commit(headers)

    def _feed(self, chunk: bytes) -> None:
        """Hold and hash a body chunk while the auto-ETag is being computed."""
        assert self.tagger is not None
        self.held_size += len(chunk)
        too_long = self.held_size > self.max_buffer
        if not too_long:
            self.tagger.update(chunk)  # a chunk that ends the tagging is not hashed
        if not self.head:
            held = self.held
            if len(chunk) >= _SMALL:
                held.append(chunk)
            elif held and isinstance(held[-1], bytearray):
                merged = held[-1]
                merged += chunk
                if len(merged) >= _MERGED:
                    held[-1] = bytes(merged)
            else:
                held.append(bytearray(chunk))
        if too_long:
            # Too long to hold: no tag, and the rest streams as it comes.
            self.tagger = None
            self._decide(None, self.headers)

    def _take(self, chunk: bytes) -> None:
        """A chunk of the application's iterable, read before the response was handed on."""
        if not chunk:
            return
        self.output_seen = True
        if self.state == _HOLDING:
            self._feed(chunk)
        elif self.state != _REPLYING and not self.head:
            self.held.append(chunk)

    def _finish(self, body: Iterable[bytes]) -> Iterable[bytes]:
        """Read as much of ``body`` as the decision needs, then build what the server gets."""
        rest: Iterable[bytes] = body
        if self.state == _STARTING:
            # PEP 3333 lets an application call start_response on its first
            # iteration: read one chunk to learn the response.
            rest = iterator = iter(body)
            self._take(next(iterator, b""))
        if self.state == _HOLDING:
            if self.needs_complete and not isinstance(body, list | tuple):
                # No length and not complete: perhaps an open-ended stream,
                # which must never be held back.
                self._decide(None, self.headers)
            else:
                rest = iterator = iter(rest)
                for chunk in iterator:
                    self._take(chunk)
                    if self.state != _HOLDING:
                        break
                else:
                    assert self.tagger is not None
                    tag = self.tagger.etag()
                    headers = self.headers
                    if tag is not None:
                        headers = [*headers, ("ETag", str(tag))]
                    self._decide(tag, headers)
        if self.state == _REPLYING:
            self._close_once(body)
            assert self.reply is not None
            return _send(self.reply, self.server_start_response, self.method)
        if self.head:
            self._close_once(body)
            return []
        return _Chain(self.held, rest, body)


class _Chain:
    """The body the server gets: held chunks, then the rest of the application's iterable.

    Or, when the application failed while condget held its body, the held
    chunks and then the application's exception.

    An iterator rather than a generator: a generator delegating with ``yield
    from`` would close the application's iterable itself when the server
    drops it early, and the server's ``close()`` would then close it again.
    ``close()`` reaches the application's iterable exactly once (PEP 3333).
    """

    __slots__ = ("_error", "_held", "_iterator", "_rest", "_source")

    def __init__(
        self,
        held: list[bytes | bytearray],
        rest: Iterable[bytes],
        source: Iterable[bytes],
        error: Exception | None = None,
    ) -> None:
        held.reverse()  # popped from the end, so each chunk is freed once sent
        self._held = held
        self._rest = rest
        self._iterator: Iterator[bytes] | None = None
        self._source: Iterable[bytes] | None = source
        self._error = error  # the application's failure, raised after the held chunks

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        held = self._held
        if held:
            chunk = held.pop()
            return bytes(chunk) if isinstance(chunk, bytearray) else chunk  # PEP 3333: bytes
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._iterator is None:
            self._iterator = iter(self._rest)
        return next(self._iterator)

    def close(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            _close(source)
