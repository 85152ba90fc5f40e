"""ASGI middleware: conditional requests (304 / 412) for any ASGI 3 application.

``ConditionalMiddleware`` translates between ASGI messages and the sans-IO
core; every HTTP rule it applies comes from :mod:`condget`. It works in two
ways, as the WSGI middleware does:

* **Response side** (GET and HEAD): it holds ``http.response.start`` until it
  has the response's validators, then lets the core decide between the
  application's response and a 304 or 412 (R28, R36).
* **Pre-dispatch** (any method): a ``validators`` hook gives the validators
  before the application runs, so a 304, 412 or 428 is sent without running
  it (R36, §13.2.1).

Per-request state lives in a ``_Responder`` created for each request (the
pattern of Starlette's ``GZipMiddleware``), never on the middleware.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Final

from condget import AutoETag, Conditions, Reply, Validators, evaluate, reply_for

__all__ = ["ConditionalMiddleware"]

# Loose ASGI types, as Starlette declares them: structurally compatible with
# Starlette's and asgiref's, so any ASGI 3 application and server fits.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ValidatorsHook = Callable[[Scope], "Validators | Awaitable[Validators | None] | None"]

# The request fields that can turn a response into a 304 or 412, as ASGI
# spells header names (lowercase bytes). If-Range and Range never do (R27),
# and the middleware serves no ranges, so a request without these four goes
# through without evaluation.
_CONDITIONAL_FIELDS: Final = frozenset(
    {b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since"}
)
_RESPONSE_BODY: Final = "http.response.body"
# What holding one more body message costs besides its bytes: the message dict,
# the bytes object's header and a list slot (about 240 bytes on CPython 3.11).
# It counts against max_buffer, or a body sent in tiny messages (lines,
# records) would hold many times max_buffer in memory; with 64 KiB messages it
# is 0.4%.
_MESSAGE_COST: Final = 256

# What a _Responder does with the application's next message.
_AWAIT_START: Final = 0  # nothing decided yet
_FORWARD: Final = 1  # send everything unchanged
_HOLD_START: Final = 2  # start held until the first body message (auto-ETag)
_BUFFER: Final = 3  # start and body held while hashing (auto-ETag)
_HEAD: Final = 4  # HEAD run as GET: send the start, never a body
_DONE: Final = 5  # condget answered, or HEAD's empty body went out: discard the rest


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
        auto_etag: Give a 2xx response that has no ``ETag`` a weak tag
            hashed from its body (:class:`condget.AutoETag`), held in memory
            up to ``max_buffer`` bytes. A HEAD request is then run as a GET,
            so that it gets the same tag, and its body is dropped.
        max_buffer: The most memory held to compute an auto-ETag: the body
            bytes, plus 256 bytes for each message they came in (what
            holding a message costs). A larger body is streamed unchanged
            and untagged, from the moment the limit is passed.
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

    Raises:
        ValueError: ``require_precondition`` without ``validators``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        auto_etag: bool = True,
        max_buffer: int = 1024 * 1024,
        validators: ValidatorsHook | None = None,
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        hook = self.validators
        if hook is not None:
            found = hook(scope)
            if inspect.isawaitable(found):
                found = await found
            if found is not None:
                await self._pre_dispatch(found, method, scope, receive, send)
                return
        if method != "GET" and method != "HEAD":
            # Too late to stop a state-changing method once the application
            # has run (R36): without validators up front, leave it alone.
            await self.app(scope, receive, send)
            return
        conditions = _conditions(scope["headers"])
        if conditions is None and not self.auto_etag:
            await self.app(scope, receive, send)
            return
        head = method == "HEAD" and self.auto_etag
        responder = _Responder(self, send, method, conditions, head)
        if head:
            # An auto-ETag is a hash of the body, which the application sends
            # only for GET; HEAD must carry the tag GET would (§9.3.2, R31).
            # Range is defined only for GET (R23): the GET asked for on HEAD's
            # behalf must not turn the answer into a 206.
            headers = [
                (name, value)
                for name, value in scope["headers"]
                if name.lower() not in (b"range", b"if-range")
            ]
            scope = dict(scope, method="GET", headers=headers)
        try:
            await self.app(scope, receive, responder)
        except Exception:
            if responder.state == _HOLD_START or responder.state == _BUFFER:
                # Without condget the server would already have what the
                # application sent before failing: send it, so the client sees
                # the same response cut short, then let the error go on.
                with contextlib.suppress(Exception):
                    await responder.app_returned()
            raise
        if responder.state == _HOLD_START or responder.state == _BUFFER:
            await responder.app_returned()

    async def _pre_dispatch(
        self,
        found: Validators,
        method: str,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        conditions = _conditions(scope["headers"])
        if conditions is not None or self.require_precondition:
            decision = evaluate(
                method,
                Conditions() if conditions is None else conditions,
                etag=found.etag,
                last_modified=found.last_modified,
                exists=found.exists,
                status=None,  # before the application: assume the 2xx it would give
                require_precondition=self.require_precondition,
            )
            reply = reply_for(decision, found.response_headers(), add_date=False)
            if reply is not None:
                await _send_reply(send, reply, head=method == "HEAD")
                return
        if method == "GET" or method == "HEAD":
            # The preconditions passed against these validators: evaluating the
            # response again could only agree, so it only gets the fields.
            send = _Filler(send, found)
        await self.app(scope, receive, send)


def _conditions(headers: Iterable[tuple[bytes, bytes]]) -> Conditions | None:
    """The request's conditional fields, or ``None`` when it has none (the fast path)."""
    fields = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in headers
        if name in _CONDITIONAL_FIELDS
    ]
    # Conditions joins repeated lines with ", " (R1, §5.3).
    return Conditions.from_headers(fields) if fields else None


def _decoded(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]


async def _send_reply(send: Send, reply: Reply, *, head: bool) -> None:
    # A new start message: nothing of the application's (trailers, extension
    # keys) carries over, and a 304 never announces trailers (R33). Replies
    # are built with add_date=False: ASGI servers (uvicorn, hypercorn, daphne)
    # add Date to every response, as §6.6.1 asks, so a 304 carries exactly one.
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": [
                # ASGI wants lowercase names in a response (and HTTP/2 on the wire).
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in reply.headers
            ],
        }
    )
    # HEAD keeps the Content-Length a GET would get, without the body (§9.3.2).
    await send({"type": _RESPONSE_BODY, "body": b"" if head else reply.body})


class _Filler:
    """The ``send`` for a GET or HEAD that ran after the pre-dispatch hook."""

    __slots__ = ("_send", "_started", "_validators")

    def __init__(self, send: Send, validators: Validators) -> None:
        self._send = send
        self._validators = validators
        self._started = False

    async def __call__(self, message: Message) -> None:
        if not self._started and message["type"] == "http.response.start":
            self._started = True
            if 200 <= message["status"] < 300:
                # A 2xx gets the hook's fields it lacks (ETag, Last-Modified,
                # Validators.headers), so that it advertises exactly what
                # later requests are checked against.
                headers = message.get("headers", ())
                missing = [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in self._validators.missing_from(
                        name.decode("latin-1") for name, _ in headers
                    )
                ]
                if missing:
                    message = dict(message, headers=[*headers, *missing])
        await self._send(message)


class _Responder:
    """The ``send`` the application sees for one GET or HEAD request."""

    __slots__ = (
        "_conditions",
        "_head",
        "_held",
        "_held_size",
        "_method",
        "_options",
        "_send",
        "_start",
        "_tag",
        "_tagger",
        "state",
    )

    def __init__(
        self,
        options: ConditionalMiddleware,
        send: Send,
        method: str,
        conditions: Conditions | None,
        head: bool,
    ) -> None:
        self._options = options  # auto_etag and max_buffer, read-only
        self._send = send
        self._method = method
        self._conditions = conditions
        self._head = head
        self.state = _AWAIT_START
        # Set when needed, to keep the common case cheap: _tag by
        # _needs_more_than, the rest when the start is held for an auto-ETag.
        self._tag: bool
        self._start: Message
        self._held: list[Message]
        self._held_size: int
        self._tagger: AutoETag | None

    async def __call__(self, message: Message) -> None:
        state = self.state
        if state == _FORWARD:
            await self._send(message)
        elif state == _AWAIT_START:
            if message["type"] != "http.response.start":
                await self._send(message)  # an extension message before the start
            elif self._needs_more_than(message):
                await self._on_start(message)
            elif self._head:
                await self._pass_start(message)
            else:
                self.state = _FORWARD
                await self._send(message)
        elif state == _HEAD:
            await self._head_message(message)
        elif state != _DONE:  # _HOLD_START or _BUFFER
            if message["type"] == _RESPONSE_BODY:
                await self._on_body(message)
            else:
                # pathsend, zerocopysend or an unknown extension: a body that
                # cannot be hashed here, so decide without an auto-ETag.
                await self._release(message)
        # _DONE: condget has answered; the rest of the application's
        # response is received and discarded (R33: a 304 has no content).

    async def app_returned(self) -> None:
        """Send what is still held when the application returned mid-response."""
        # The application never finished its body: send exactly what it
        # sent, so the server sees the same incomplete response.
        await self._pass_start(self._start)
        await self._flush_held()

    def _needs_more_than(self, start: Message) -> bool:
        """Whether condget must look further than this start message before sending it."""
        status: int = start["status"]
        if not 200 <= status < 300:
            return False  # R28: preconditions leave any other status alone
        has_etag = False
        length = None
        for name, value in start.get("headers", ()):
            lowered = name.lower()
            if lowered == b"etag":
                has_etag = True
            elif lowered == b"content-length":
                length = value
        # A body known to be larger than max_buffer is streamed untagged from the start.
        options = self._options
        self._tag = (
            options.auto_etag
            and not has_etag
            and not (length is not None and length.isdigit() and int(length) > options.max_buffer)
        )
        return self._tag or self._conditions is not None

    async def _on_start(self, start: Message) -> None:
        if self._tag:
            # Hold the start until the first body message tells whether the
            # body is complete, which AutoETag needs to know.
            self._start = start
            self._held = []
            self._held_size = 0
            self.state = _HOLD_START
        elif not await self._answered(start):
            await self._pass_start(start)

    async def _on_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if self.state == _HOLD_START:
            start = self._start
            self._tagger = AutoETag.for_response(
                start["status"], _decoded(start.get("headers", ())), complete=not more_body
            )
            self.state = _BUFFER
        self._held_size += len(body) + _MESSAGE_COST
        if self._tagger is None or self._held_size > self._options.max_buffer:
            await self._release(message)
            return
        self._tagger.update(body)
        self._held.append(message)
        if more_body:
            return
        etag = self._tagger.etag()
        start = self._start
        if etag is not None:
            headers = [*start.get("headers", ()), (b"etag", str(etag).encode("latin-1"))]
            start = dict(start, headers=headers)
        if await self._answered(start):
            return
        await self._pass_start(start)
        await self._flush_held()

    async def _release(self, message: Message) -> None:
        """Give up the auto-ETag: decide on the application's own validators."""
        if await self._answered(self._start):
            return
        await self._pass_start(self._start)
        await self._flush_held()
        await self(message)

    async def _answered(self, start: Message) -> bool:
        """Send condget's reply instead of this response if the preconditions say so."""
        conditions = self._conditions
        if conditions is None:
            return False
        headers = _decoded(start.get("headers", ()))
        validators = Validators.from_response_headers(headers)
        decision = evaluate(
            self._method,
            conditions,
            etag=validators.etag,
            last_modified=validators.last_modified,
            status=start["status"],
        )
        reply = reply_for(decision, headers, add_date=False)
        if reply is None:
            return False
        self.state = _DONE
        self._held = []
        await _send_reply(self._send, reply, head=self._method == "HEAD")
        return True

    async def _pass_start(self, start: Message) -> None:
        if self._head:
            self.state = _HEAD
            if start.get("trailers", False):
                start = dict(start, trailers=False)  # HEAD has no content, so no trailers
        else:
            self.state = _FORWARD
        await self._send(start)

    async def _flush_held(self) -> None:
        held, self._held = self._held, []
        for message in held:
            await self(message)

    async def _head_message(self, message: Message) -> None:
        # The application answers the GET it was given; the client asked for
        # HEAD, so only the end of the body is sent, as an empty body.
        kind = message["type"]
        if kind == "http.response.pathsend" or (
            kind in (_RESPONSE_BODY, "http.response.zerocopysend")
            and not message.get("more_body", False)
        ):
            self.state = _DONE
            await self._send({"type": _RESPONSE_BODY, "body": b""})
        elif kind not in (_RESPONSE_BODY, "http.response.zerocopysend", "http.response.trailers"):
            await self._send(message)
