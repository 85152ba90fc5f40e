"""ASGI middleware: conditional requests (304 / 412) for any ASGI 3 application.

``ConditionalMiddleware`` only translates: the application's
``http.response.start`` and ``http.response.body`` messages become the
response engine's events (:class:`condget.engine.Exchange`), and each step it
answers becomes messages for the server. Every HTTP rule lives in the engine
and the core; ASGI's own quirks (``more_body``, ``pathsend`` and other
extensions, trailers) stay here. It works in two ways, as the WSGI
middleware does:

* **Response side** (GET and HEAD): the engine reads the response's
  validators (or hashes its body for an auto-ETag) and answers a 304 or 412
  in its place when the preconditions say so (R28, R36).
* **Pre-dispatch** (any method): a ``validators`` hook gives the validators
  before the application runs, so a 304, 412 or 428 is sent without running
  it (R36, §13.2.1).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Awaitable, Callable, Collection, Iterable, MutableMapping
from typing import Any, Final, TypeAlias

from condget import Conditions, Reply, Validators
from condget.engine import (
    CHECK_WRITE,
    DROP,
    FETCH_GET,
    FETCH_GET_DROPPED,
    FORWARD,
    HIDDEN_CONDITIONS,
    IGNORE,
    WRITE_CHECK_DROPPED,
    Emit,
    Exchange,
    Handling,
    Partial,
    PartialFile,
    Release,
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

__all__ = ["ConditionalMiddleware"]

# Loose ASGI types, as Starlette declares them: structurally compatible with
# Starlette's and asgiref's, so any ASGI 3 application and server fits.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ValidatorsHook = Callable[[Scope], "Validators | Awaitable[Validators | None] | None"]

# The request fields Conditions holds, as ASGI spells header names (lowercase bytes).
_REQUEST_FIELDS: Final = frozenset(
    {b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since"}
    | {b"if-range", b"range"}
)
# The same names as the text hidden_from_app gives: spelt in bytes once.
_FIELD_NAMES: Final = {name.decode("ascii"): name for name in _REQUEST_FIELDS}
_NO_CONDITIONS: Final = Conditions()
_START: Final = "http.response.start"
_BODY: Final = "http.response.body"
_TRAILERS: Final = "http.response.trailers"
_PATHSEND: Final = "http.response.pathsend"
_FILE_CHUNK: Final = 64 * 1024  # what condget reads at a time from a file it sends itself


class ConditionalMiddleware:
    """Answers conditional requests for the wrapped ASGI application.

    Use it as ``app.add_middleware(ConditionalMiddleware, **options)`` in
    Starlette or FastAPI, or as ``ConditionalMiddleware(app, **options)``
    around any ASGI 3 application. Scopes other than ``http`` (lifespan,
    websocket) go straight to the application.

    For GET and HEAD it reads the ``ETag`` and ``Last-Modified`` of a 2xx
    response and, when the request's preconditions say so, replaces the
    response with a 304 Not Modified or 412 Precondition Failed built by the
    core (R33, R34). Every other response, and every other method, passes
    through exactly as the application sent it. Exceptions from the
    application propagate unchanged.

    Args:
        app: The ASGI application to wrap.
        auto_etag: Give a 2xx GET response that has no ``ETag`` a weak tag
            hashed from its body (:class:`condget.engine.AutoETag`), held in
            memory up to ``max_buffer`` bytes. HEAD runs as HEAD; a
            conditional HEAD whose response has no ``ETag`` (and a body of
            at most ``max_buffer`` bytes) is answered from a GET of the same
            target, whose answer and tag it gets (RFC 9110 §9.3.2).
        max_buffer: The most body bytes held to compute an auto-ETag (the
            same unit as the WSGI middleware's). A larger body is streamed
            unchanged and untagged, from the moment the limit is passed.
        validators: A pre-dispatch hook: a function, plain or ``async``, of
            the ASGI scope that returns the target resource's
            :class:`condget.Validators` before the application runs, or
            ``None`` to leave the request to the response side (GET and
            HEAD; other methods go through untouched). With validators, a
            304, 412 or 428 is answered without calling the application,
            for every method (R36); otherwise the application runs, and a
            2xx GET/HEAD response gets the hook's fields it lacks
            (``ETag``, ``Last-Modified``, ``Validators.headers``), so that
            it advertises what later requests are checked against.
        require_precondition: Answer 428 Precondition Required to a
            state-changing request with no ``If-Match``,
            ``If-Unmodified-Since`` or ``If-None-Match: *`` (RFC 6585 §3).
            Applies to requests for which the ``validators`` hook returned
            validators, so it needs the hook.

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
            (docs/fleets.md), with the WSGI middleware's semantics: a GET or
            HEAD the ``validators`` hook does not answer is looked up before
            the application runs and answered 304 (or 412) from the stored
            validators when its fields say so; an unsafe request with a
            false ``If-Match`` or ``If-Unmodified-Since`` gets its 412 the
            same way. A 2xx GET that runs records the validators its
            response goes out with; a non-error response to an unsafe method
            invalidates the target (and its ``Content-Location``/``Location``)
            before its start is sent. A store that fails never fails the
            request. Store calls are synchronous and bounded by the store's
            ``timeout_ms``; they run on the event loop (docs/fleets.md says
            why).
        store_key: The key function for ``store`` (a
            :data:`condget.store.KeyFunction`), given the request's public
            target: ``scheme``, the ``host`` field, ``path`` (decoded, as the
            application routes on it) and ``query_string``.
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
        app: ASGIApp,
        *,
        auto_etag: bool = True,
        max_buffer: int = 1024 * 1024,
        validators: ValidatorsHook | None = None,
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        # Behind another condget middleware that hid them: the conditions as they came.
        conditions: Conditions | None = scope.get(HIDDEN_CONDITIONS)
        if conditions is None:
            conditions = _conditions(scope["headers"])
        watch = self._observation.watch(scope, _path)
        handling = handling_for(self, method, conditions, watch)
        if handling is _UNTOUCHED:
            await self.app(scope, receive, send)
            return
        if handling is _AT_START:
            await self._run(None, scope, receive, send, plain=(self, method, conditions))
            return
        store = self.store
        visiting = None
        if store is not None:
            visiting = visit(store, self.store_key, method, _key_request(scope))
        settled = None if visiting is None else visiting.settled
        found = None if self.validators is None else await _validators(self.validators, scope)
        reply = answer_before(self, method, conditions, found, visiting, watch=watch)
        if reply is CHECK_WRITE:
            reply = await self._check_write(scope, method, conditions, watch)
        if reply is not None:
            await _send_reply(send, reply)
            return
        hidden = hidden_from_app(self, method, conditions)
        if hidden:
            scope = _without(scope, {_FIELD_NAMES[name] for name in hidden})
            scope[HIDDEN_CONDITIONS] = conditions
        engine = exchange_for(self, method, conditions, fill=found, watch=watch, settled=settled)
        if engine is None:
            await self.app(scope, receive, send)
            return
        by_path = seeks_ranges(self, method, conditions)
        try:
            fetch_get = await self._run(engine, scope, receive, send, by_path=by_path)
        finally:
            if visiting is not None and visiting.writes:
                # A write may finish after its response started (a background
                # task): the store forgets the target once more when it is over.
                visiting.finished()
        if fetch_get:
            # A conditional HEAD without a tag: the GET gives it (§9.3.2).
            get = _without(scope, _NOT_FOR_THE_HEAD, method="GET")
            engine = exchange_for(
                self, method, conditions, fetched_for_head=True, watch=watch, settled=settled
            )
            assert engine is not None  # fetched_for_head always has one
            await self._run(engine, get, receive, send, for_head=True)

    async def _check_write(
        self, scope: Scope, method: str, conditions: Conditions, watch: Watch | None
    ) -> Reply | None:
        """A write's 412, judged by a GET of its target (``check_writes``), or ``None``."""
        probe = _without(scope, _NOT_FOR_THE_GET, method="GET")
        starts: list[Message] = []
        requested = False

        async def receive() -> Message:
            nonlocal requested
            if requested:
                return {"type": "http.disconnect"}  # the GET's client has what it needs
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == _START:
                starts.append(message)
                # The start is all condget needs: the body is never produced.
                raise _Stopped("condget needs only the start of this GET")

        # The GET failed, or stopped as told: what matters is its start, if any.
        with contextlib.suppress(Exception):
            await self.app(probe, receive, send)
        if not starts:
            return None
        start = starts[0]
        return check_write(
            method, conditions, start["status"], start.get("headers", []), watch=watch
        )

    async def _run(
        self,
        engine: Exchange | None,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        for_head: bool = False,
        by_path: bool = False,
        plain: _Plain | None = None,
    ) -> bool:
        """Run the application through ``engine``; whether it asked for the GET (FETCH_GET).

        Without an engine, ``plain`` says which request it is: its start
        decides whether it needs one.
        """
        responder = _Responder(engine, send, for_head=for_head, plain=plain)
        if by_path and _PATHSEND not in (extensions := scope.get("extensions") or {}):
            # Offer the application pathsend (ASGI extension), so that a file
            # (Starlette's FileResponse) comes by path and a range of it is
            # sought, not read up to (§14.2). condget reads the file itself
            # when the server cannot take the path.
            scope = dict(scope, extensions={**extensions, _PATHSEND: {}})
            responder.sends_paths = True
        try:
            await self.app(scope, receive, responder)
        except Exception as error:
            if responder.stopped and _stopped_by_condget(error):
                # The application stopped because condget told it to (its
                # send raised): the response it owed has gone out whole.
                return responder.fetch_get
            released = responder.failed()
            if released is not None:
                # Without condget the server would already have what the
                # application sent before failing: send it, so the client sees
                # the same response cut short, then let the error go on.
                with contextlib.suppress(Exception):
                    await responder.release(released, more=True)
            raise
        released = responder.failed()
        if released is not None:
            # The application returned mid-body: send exactly what it sent.
            await responder.release(released, more=True)
        return responder.fetch_get


# Read per request: names, not attribute lookups on the enum.
_UNTOUCHED: Final = Handling.UNTOUCHED
_AT_START: Final = Handling.AT_START

_NOT_FOR_THE_GET: Final = frozenset(name.encode("ascii") for name in WRITE_CHECK_DROPPED)
_NOT_FOR_THE_HEAD: Final = frozenset(name.encode("ascii") for name in FETCH_GET_DROPPED)


def _without(scope: Scope, names: Collection[bytes], **changes: Any) -> Scope:
    """A copy of ``scope`` without the request fields ``names`` (lower-case, as in ASGI)."""
    headers = [pair for pair in scope["headers"] if pair[0] not in names]
    return dict(scope, headers=headers, **changes)


def _path(scope: Scope) -> str:
    path: str = scope["path"]
    return path


async def _validators(hook: ValidatorsHook, scope: Scope) -> Validators | None:
    found = hook(scope)
    if inspect.isawaitable(found):
        return await found
    return found


def _key_request(scope: Scope) -> KeyRequest:
    # The public target as the application routes on it: the decoded path,
    # encoded again, so that WSGI and ASGI give one request one key
    # (docs/fleets.md). Header names are lowercase in ASGI.
    fields: dict[str, str] = {}
    for name, value in scope["headers"]:
        text = name.decode("latin-1")
        seen = fields.get(text)
        decoded = value.decode("latin-1")
        fields[text] = decoded if seen is None else f"{seen}, {decoded}"
    return KeyRequest(
        scope.get("scheme", "http"),
        fields.get("host", ""),
        encode_path(scope["path"]),
        scope.get("query_string", b"").decode("latin-1"),
        fields.get,
    )


def _conditions(headers: Iterable[tuple[bytes, bytes]]) -> Conditions:
    found = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in headers
        if name in _REQUEST_FIELDS
    ]
    # Conditions joins repeated lines with ", " (R1, §5.3).
    return Conditions.from_headers(found) if found else _NO_CONDITIONS


def _encoded(fields: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    # ASGI wants lowercase names in a response (and HTTP/2 on the wire).
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in fields]


@functools.lru_cache(maxsize=8)
def _encoded_plain(added: tuple[tuple[str, str], ...]) -> list[tuple[bytes, bytes]]:
    # What plain_start adds is one of very few tuples: each is encoded once.
    return _encoded(added)


async def _send_reply(send: Send, reply: Reply) -> None:
    # A new start message: nothing of the application's (trailers, extension
    # keys) carries over, and a 304 never announces trailers (R33).
    await send({"type": _START, "status": reply.status, "headers": _encoded(reply.headers)})
    await send({"type": _BODY, "body": reply.body})


class _Stopped(OSError):
    """Raised by the application's ``send`` once condget needs no more of its body."""


def _stopped_by_condget(error: BaseException) -> bool:
    """Whether ``error`` is condget's :class:`_Stopped` coming back, and no error of its own.

    An application may let it through, raise a disconnect of its own while
    handling it (Starlette raises ``ClientDisconnect``), or wrap it in an
    exception group (anyio). Any other exception, even one raised while the
    stop was handled (a ``finally`` that fails), is the application's and goes
    on.
    """
    if isinstance(error, _Stopped):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_stopped_by_condget(inner) for inner in error.exceptions)
    cause = error.__cause__ or error.__context__
    return isinstance(cause, _Stopped) and (
        isinstance(error, OSError) or type(error).__name__ == "ClientDisconnect"
    )


# A plain request (condget.engine.plain_request): its middleware, method and conditions.
_Plain: TypeAlias = tuple["ConditionalMiddleware", str, Conditions]


class _Responder:
    """The ``send`` the application sees: its messages in, the engine's steps out."""

    __slots__ = (
        "_cut",
        "_direct",
        "_engine",
        "_for_head",
        "_held",
        "_plain",
        "_send",
        "_start",
        "fetch_get",
        "sends_paths",
        "stopped",
    )

    def __init__(
        self, engine: Exchange | None, send: Send, *, for_head: bool, plain: _Plain | None = None
    ) -> None:
        self._engine = engine  # None until a plain request's start needs one
        self._plain = plain
        self._direct = False  # a plain response the server has: all goes straight on
        self._send = send
        self._for_head = for_head  # a GET's response answering a HEAD
        # The body messages behind the engine's held bytes, sent as they came
        # (extension keys and all) when it releases them.
        self._held: list[Message] = []
        self._start: Message | None = None
        self.fetch_get = False
        self.stopped = False  # whether the application was told to stop sending
        self._cut = False  # whether a 206 cut from the body is complete
        self.sends_paths = False  # whether condget offered pathsend the server lacks

    async def __call__(self, message: Message) -> None:
        if self._direct:
            await self._send(message)
            return
        kind = message["type"]
        engine = self._engine
        if engine is None:
            if kind != _START:
                await self._send(message)  # an extension message before the start
                return
            direct = self._start_plain(message)
            if direct is not None:
                await self._send(direct)
                return
            engine = self._engine
            assert engine is not None  # _start_plain made it
        if kind == _START:
            if self._for_head and message.get("trailers", False):
                message = dict(message, trailers=False)  # HEAD has no content, so no trailers
            self._start = message
            step: Step = engine.start(message["status"], message.get("headers", []))
            if step is FORWARD:
                await self._send(message)
            else:
                await self._carry(step, None)
        elif kind == _BODY:
            more: bool = message.get("more_body", False)
            step = engine.body(message.get("body", b""), more=more)
            if engine.holding or isinstance(step, Release):
                self._held.append(message)
            if step is FORWARD:
                await self._send(message)
            elif step is DROP:
                if not more:
                    await self._send({"type": _BODY, "body": b""})  # HEAD: the end, no bytes
            else:
                await self._carry(step, more)
        elif self._start is None:
            await self._send(message)  # an extension message before the start
        else:
            # pathsend, zerocopysend, trailers or an unknown extension: a body
            # the engine cannot read.
            if kind == _PATHSEND:
                planned = engine.file_body()
                if planned is not None:
                    await self._send_partial_file(message["path"], planned)
                    return
            step = engine.opaque_body()
            if isinstance(step, Release):
                await self.release(step, more=True)
                step = engine.opaque_body()  # now forwarded, or dropped for a HEAD
            if step is FORWARD:
                if kind == _PATHSEND and self.sends_paths:
                    await self._send_file(message["path"])  # the server cannot take a path
                else:
                    await self._send(message)
            elif step is DROP:
                if kind != _TRAILERS:
                    await self._send({"type": _BODY, "body": b""})  # HEAD: the end, no bytes
            else:
                await self._carry(step, False)  # it ends the body, or is its trailers

    def _start_plain(self, message: Message) -> Message | None:
        """A plain request's start: the message to send at once, or ``None`` and an engine."""
        assert self._plain is not None
        middleware, method, conditions = self._plain
        headers = message.get("headers", [])
        added = plain_start(middleware, method, message["status"], headers)
        if added is not None:
            self._direct = True
            if added:
                message = dict(message, headers=[*headers, *_encoded_plain(added)])
            return message
        self._engine = exchange_for(middleware, method, conditions)
        return None

    def failed(self) -> Release | None:
        """The application raised or returned mid-body: what the engine held, to send."""
        return None if self._engine is None else self._engine.failed()

    async def _send_partial_file(self, path: str, planned: PartialFile) -> None:
        """Send the 206 by reading each range from the file at its offset."""
        await self._send({"type": _START, "status": 206, "headers": _encoded(planned.headers)})
        with open(path, "rb") as file:
            for data in planned.read(file, chunk=_FILE_CHUNK):
                await self._send({"type": _BODY, "body": data, "more_body": True})
        await self._send({"type": _BODY, "body": b""})

    async def _send_file(self, path: str) -> None:
        """Send a whole file as body messages, for a server without pathsend."""
        with open(path, "rb") as file:
            while data := file.read(_FILE_CHUNK):
                await self._send({"type": _BODY, "body": data, "more_body": True})
        await self._send({"type": _BODY, "body": b""})

    async def _carry(self, step: Step, more: bool | None) -> None:
        """Do what the engine said; ``more`` is the body event's, ``None`` for the start."""
        if isinstance(step, Release):
            await self.release(step, more=more)
        elif isinstance(step, Reply):
            await _send_reply(self._send, step)
        elif isinstance(step, Partial):
            self._held = []  # its bytes are in the 206
            await self._send({"type": _START, "status": 206, "headers": _encoded(step.headers)})
            await self._send({"type": _BODY, "body": step.body, "more_body": not step.last})
            self._cut = step.last
        elif isinstance(step, Emit):
            await self._send({"type": _BODY, "body": step.body, "more_body": not step.last})
            self._cut = step.last
        elif step is FETCH_GET:
            self.fetch_get = True
        elif step is IGNORE and more and self._cut:
            # The 206 is complete: the rest of a long stream would be produced
            # only to be thrown away. A send that raises OSError is how ASGI
            # tells an application its client has what it wanted (spec 2.4).
            # After a 304 or 412 the application finishes as it would have:
            # its body is discarded, its own work after it (a background
            # task) still runs.
            self.stopped = True
            raise _Stopped("condget has sent the 206; the rest is not needed")
        # HOLD: nothing yet. IGNORE: condget has answered; the rest of the
        # application's response is received and discarded (R33).

    async def release(self, released: Release, *, more: bool | None) -> None:
        """Send the held start, with the fields condget adds, then the held body messages.

        The engine's ``released.held`` are the bytes of these messages; a
        HEAD answered from a GET sends none of them, and ends its body once
        the GET's has ended (``more`` false).
        """
        start = self._start
        assert start is not None
        if released.added:
            start = dict(start, headers=[*start.get("headers", ()), *_encoded(released.added)])
        await self._send(start)
        held, self._held = self._held, []
        if self._for_head:
            if more is False:
                await self._send({"type": _BODY, "body": b""})
            return
        for message in held:
            await self._send(message)
