"""Fuzz target: ``condget.asgi.ConditionalMiddleware`` against the same app unwrapped.

Random request header bytes and method, times a random application
behaviour: status, header fields (valid and invalid ETag and Last-Modified,
Content-Length right, wrong or absent, gzip bodies, ``no-store``, event
streams, any name case), the body cut into messages with any ``more_body``
pattern, trailers, ``http.response.pathsend``, an extension message before the
start, an exception before the start, after it, mid-body or after the end, an
application that returns without finishing its body, and a client that goes
away (the server's ``send`` raises). Middleware options are random too:
``auto_etag``, ``max_buffer``, and a ``validators`` hook (plain or ``async``)
that returns validators, returns ``None`` or raises.

Each scenario runs twice against a strict server (``_Server``), once bare,
once through the middleware. Nothing in either ever waits, so the coroutine
is driven by hand, which keeps the target fast.

Invariants:

* the only exceptions that come out are the application's, the hook's or the
  server's own, unchanged;
* at most one ``http.response.start``, nothing after the end of the body,
  trailers only when announced, and on every completed exchange exactly one
  start;
* the messages are the unwrapped ones (plus, for a 2xx GET or HEAD without an
  ETag, the weak auto-ETag of its body, or the hook's fields; for a HEAD answered from a
  GET, one empty body in place of the body and no trailers), or the
  304/412/428 the core builds, as a start and one body message: 304 only for
  GET and HEAD, 412 only on a precondition field;
* a 2xx GET or HEAD that goes out unchanged really does pass its
  preconditions;
* when the application fails, the server never gets more, or anything other,
  than it would have got without condget.
"""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from condget import Conditions, Outcome, Validators, evaluate, reply_for
from condget.asgi import ConditionalMiddleware
from condget.engine import AutoETag
from fuzz._input import DATES, OPAQUES, Input, request_fields

Message = dict[str, Any]
RawHeaders = list[tuple[bytes, bytes]]
Headers = list[tuple[str, str]]

_STATUSES = (200, 200, 201, 204, 206, 299, 304, 404, 412, 500)
_METHODS = ("GET", "GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS")
_CHUNKS = (b"", b"hello", b", world", b"x" * 100, b"\x00\xff")
_BUFFERS = (0, 1, 8, 64, 1 << 20)
_BODY = "http.response.body"
_START = "http.response.start"

# Where the application fails, if it does.
_NEVER, _BEFORE_START, _AFTER_START, _MID_BODY, _AFTER_END = range(5)
# How its body ends.
_COMPLETE, _UNFINISHED, _PATHSEND = range(3)


class AppError(Exception):
    """What the fuzzed application raises."""


class ClientGone(OSError):
    """What the server's ``send`` raises once the client has gone away."""


class HookError(Exception):
    """What the fuzzed ``validators`` hook raises."""


@dataclass
class Plan:
    """One application behaviour."""

    status: int
    headers: RawHeaders
    chunks: list[bytes]
    ending: int
    trailers: bool
    early: bool  # an extension message before the start
    fail: int
    fail_after: int
    reads: bool  # calls receive() first
    body: bytes = b""

    @classmethod
    def draw(cls, source: Input) -> Plan:
        """A behaviour from the fuzzer's bytes."""
        status = source.pick(_STATUSES) if source.below(10) else 100 + source.below(500)
        chunks = [source.pick(_CHUNKS) if source.below(4) else source.raw(30)]
        chunks += [source.pick(_CHUNKS) for _ in range(source.below(4))]
        headers: Headers = []
        gzipped = False
        for _ in range(source.below(6)):
            kind = source.below(12)
            if kind == 0:
                headers.append((source.pick(("etag", "ETag")), f'"{source.pick(OPAQUES)}"'))
            elif kind == 1:
                headers.append(("etag", f'W/"{source.pick(OPAQUES)}"'))
            elif kind == 2:
                headers.append(("etag", source.pick(("v1", 'W/ "v1"', '"a"b"', ""))))
            elif kind == 3:
                headers.append(("last-modified", source.pick(DATES)))
            elif kind == 4:
                headers.append(("cache-control", source.pick(("no-store", "max-age=60"))))
            elif kind == 5:
                headers.append(("content-type", source.pick(("text/plain", "text/event-stream"))))
            elif kind == 6 and not gzipped:
                gzipped = True
                coding = source.pick(("gzip", "gzip", "br", "identity", "deflate"))
                headers.append(("content-encoding", coding))
                if coding == "gzip" and source.flag():
                    whole = gzip.compress(b"".join(chunks), mtime=0)
                    cut = source.below(len(whole) + 1)
                    chunks = [whole[:cut], whole[cut:]]
            elif kind == 7:
                headers.append(("vary", "accept-encoding"))
            elif kind == 8:
                headers.append(("content-range", "bytes 0-4/10"))
            elif kind == 9:
                headers.append(("set-cookie", "a=b"))
            else:
                headers.append((source.pick(("x-any", "etag", "Last-Modified")), source.text(10)))
        body = b"".join(chunks)
        length = source.below(5)
        if length <= 1:
            headers.append(("content-length", str(len(body))))
        elif length == 2:
            headers.append(("content-length", str(len(body) + 1)))
        fail = source.pick((_NEVER, _NEVER, _NEVER, _BEFORE_START, _AFTER_START, _MID_BODY))
        if source.below(16) == 0:
            fail = _AFTER_END
        return cls(
            status=status,
            headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
            chunks=chunks,
            ending=source.pick((_COMPLETE, _COMPLETE, _COMPLETE, _UNFINISHED, _PATHSEND)),
            trailers=source.below(6) == 0,
            early=source.below(12) == 0,
            fail=fail,
            fail_after=source.below(len(chunks) + 1),
            reads=source.flag(),
            body=body,
        )

    def decoded(self) -> Headers:
        """The header fields as text."""
        return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in self.headers]


@dataclass
class Log:
    """What one application run was asked, and what it sent."""

    methods: list[str] = field(default_factory=list)


def application(plan: Plan, log: Log) -> Callable[[Any, Any, Any], Awaitable[None]]:
    """The ASGI application that carries out ``plan``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        log.methods.append(scope["method"])
        if plan.reads:
            message = await receive()
            assert message["type"] == "http.request", message
        if plan.early:
            await send({"type": "http.response.debug", "info": {}})
        if plan.fail == _BEFORE_START:
            raise AppError("before start")
        start: Message = {"type": _START, "status": plan.status, "headers": list(plan.headers)}
        if plan.trailers:
            start["trailers"] = True
        await send(start)
        if plan.fail == _AFTER_START:
            raise AppError("after start")
        if plan.ending == _PATHSEND:
            await send({"type": "http.response.pathsend", "path": "/srv/file"})
        else:
            last = len(plan.chunks) - 1
            for index, chunk in enumerate(plan.chunks):
                if plan.fail == _MID_BODY and index == plan.fail_after:
                    raise AppError("mid-body")
                message = {"type": _BODY, "body": chunk}
                if index < last or plan.ending == _UNFINISHED:
                    message["more_body"] = True
                elif index % 2:
                    message["more_body"] = False  # said, or left to its default
                await send(message)
            if plan.fail == _MID_BODY:
                raise AppError("mid-body")
            if plan.ending == _UNFINISHED:
                return
        if plan.trailers:
            await send({"type": "http.response.trailers", "headers": [], "more_trailers": False})
        if plan.fail == _AFTER_END:
            raise AppError("after end")

    return app


@dataclass
class Sent:
    """The messages the server got, and how the exchange ended."""

    messages: list[Message] = field(default_factory=list)
    error: BaseException | None = None

    def start(self) -> Message | None:
        """The ``http.response.start`` message, if any."""
        starts = [m for m in self.messages if m["type"] == _START]
        return starts[0] if starts else None


class _Server:
    """A strict ASGI server for one request; the client leaves after ``budget`` messages."""

    def __init__(self, budget: int | None) -> None:
        self.sent = Sent()
        self._budget = budget
        self._started = False
        self._trailers = False
        self._ended = False
        self._requested = False

    async def receive(self) -> Message:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == _START:
            assert not self._started, "a second http.response.start"
            self._started = True
            self._trailers = bool(message.get("trailers", False))
            assert type(message["status"]) is int, message
            for name, value in message.get("headers", ()):
                assert type(name) is bytes, message
                assert type(value) is bytes, message
        elif kind == "http.response.trailers":
            assert self._trailers, "trailers not announced"
            assert self._ended, "trailers before the end of the body"
        elif kind in (_BODY, "http.response.pathsend"):
            assert self._started, f"{kind} before http.response.start"
            assert not self._ended, f"{kind} after the end of the body"
            if kind == "http.response.pathsend" or not message.get("more_body", False):
                self._ended = True
        if self._budget is not None:
            if self._budget == 0:
                raise ClientGone("client went away")
            self._budget -= 1
        self.sent.messages.append(message)

    def run(self, app: Any, scope: dict[str, Any]) -> Sent:
        try:
            _drive(app(scope, self.receive, self.send))
        except (AppError, ClientGone, HookError) as error:
            self.sent.error = error
        return self.sent


def _drive(coroutine: Coroutine[Any, Any, None]) -> None:
    # Nothing here ever waits, so one step runs the coroutine to its end.
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise AssertionError("the middleware waited for something")


def scope_for(method: str, fields: Headers) -> dict[str, Any]:
    """An ASGI HTTP scope with these request header fields (lowercase names, as servers give)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in fields],
        "extensions": {"http.response.trailers": {}, "http.response.pathsend": {}},
    }


def _text(headers: Any) -> Headers:
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers]


def _auto_tag(plan: Plan) -> str | None:
    tagger = AutoETag.for_response(plan.status, plan.decoded(), complete=True)
    if tagger is None:
        return None
    tagger.update(plan.body)
    tag = tagger.etag()
    return None if tag is None else str(tag)


def _without_date(headers: Headers) -> Headers:
    return [(n.lower(), v) for n, v in headers if n.lower() != "date"]


def _check_reply(
    wrapped: Sent, method: str, decision: Any, headers: Headers, budget: int | None
) -> bool:
    """Whether ``wrapped`` ends with the core's reply for ``decision``; asserts its shape."""
    reply = reply_for(decision, headers)
    start = wrapped.start()
    if reply is None or start is None or start["status"] != reply.status:
        return False
    if _without_date(_text(start["headers"])) != _without_date(reply.headers):
        return False
    index = wrapped.messages.index(start)
    body = b"" if method == "HEAD" else reply.body
    assert set(start) == {"type", "status", "headers"}, start  # nothing of the app's
    if isinstance(wrapped.error, ClientGone):
        # Only the client leaving before the reply's body went out.
        assert budget == index + 1, wrapped
        return True
    # The application may still fail after condget answered; its exception
    # comes out as it would have (see one_input).
    assert wrapped.messages[index + 1 :] == [{"type": _BODY, "body": body}], wrapped
    return True


def one_input(data: bytes) -> None:
    """Check one input (see the module docstring)."""
    source = Input(data)
    method = source.pick(_METHODS)
    fields = request_fields(source)
    auto_etag = source.below(4) != 0
    max_buffer = source.pick(_BUFFERS)
    hook_kind = source.below(7)  # 0: validators, 1: None, 2: raises, 3: async, else no hook
    hook_validators = Validators(
        None if source.flag() else f'"{source.pick(OPAQUES)}"',
        None if source.flag() else source.pick(DATES[:3]),
        exists=source.below(4) != 0,
        headers=[("Cache-Control", "max-age=5")],
    )
    require = hook_kind <= 3 and source.flag()
    budget = source.below(4) if source.below(4) == 0 else None
    plan = Plan.draw(source)

    def hook(scope: Any) -> Validators | None:
        if hook_kind == 2:
            raise HookError("hook")
        return hook_validators if hook_kind == 0 else None

    async def async_hook(scope: Any) -> Validators | None:
        return hook_validators

    bare_log, wrapped_log = Log(), Log()
    bare = _Server(budget).run(application(plan, bare_log), scope_for(method, fields))
    middleware = ConditionalMiddleware(
        application(plan, wrapped_log),
        auto_etag=auto_etag,
        max_buffer=max_buffer,
        validators=async_hook if hook_kind == 3 else hook if hook_kind <= 2 else None,
        require_precondition=require,
        # The write check runs the application twice; it has its own tests.
        check_writes=False,
    )
    wrapped = _Server(budget).run(middleware, scope_for(method, fields))
    context = (method, fields, auto_etag, max_buffer, hook_kind, require, budget, plan)

    if hook_kind == 2:
        assert isinstance(wrapped.error, HookError), (wrapped, context)
        assert wrapped.messages == [], (wrapped, context)
        assert wrapped_log.methods == [], context
        return
    with_validators = hook_kind in (0, 3)
    if with_validators:
        decision = evaluate(
            method,
            Conditions.from_headers(fields),
            etag=hook_validators.etag,
            last_modified=hook_validators.last_modified,
            exists=hook_validators.exists,
            status=None,
            require_precondition=require,
        )
        if decision.outcome is not Outcome.PROCEED:
            assert wrapped_log.methods == [], context  # the application never ran
            if budget == 0:
                assert isinstance(wrapped.error, ClientGone), (wrapped, context)
                assert wrapped.messages == [], (wrapped, context)
                return
            assert _check_reply(
                wrapped, method, decision, hook_validators.response_headers(), budget
            ), (wrapped, context)
            assert wrapped.error is None or isinstance(wrapped.error, ClientGone), context
            assert wrapped.messages[0] is wrapped.start(), (wrapped, context)
            return

    # HEAD runs as HEAD; a conditional one whose response has no validators
    # and no body is answered from a GET of the same target (FETCH_GET).
    head_as_get = wrapped_log.methods == ["HEAD", "GET"]
    assert head_as_get or wrapped_log.methods == [method], (wrapped_log, context)
    assert not head_as_get or (method == "HEAD" and auto_etag), (wrapped_log, context)
    response_side = method in ("GET", "HEAD") and not with_validators
    start = wrapped.start()
    if (
        response_side
        and 200 <= plan.status < 300
        and start is not None
        and start["status"] in (304, 412)
        and start["status"] != plan.status
    ):
        # condget answered: the core's answer to the response's validators,
        # with or without the auto-ETag (which needs the whole body).
        candidates = [plan.decoded()]
        tag = _auto_tag(plan) if auto_etag else None
        if tag is not None and len(plan.body) <= max_buffer:
            candidates.append([*plan.decoded(), ("etag", tag)])
        for headers in candidates:
            validators = Validators.from_response_headers(headers)
            decision = evaluate(
                method,
                Conditions.from_headers(fields),
                etag=validators.etag,
                last_modified=validators.last_modified,
                status=plan.status,
            )
            if _check_reply(wrapped, method, decision, headers, budget):
                if isinstance(wrapped.error, AppError) and not isinstance(bare.error, ClientGone):
                    # The application failed after condget had answered: the
                    # same failure it had without condget (unless that client
                    # left before the application got that far).
                    assert type(bare.error) is AppError, (wrapped, bare, context)
                    assert str(wrapped.error) == str(bare.error), (wrapped, bare, context)
                return
        raise AssertionError(("not the core's reply", wrapped, context))

    expected = _expected(bare, plan, method, head_as_get, with_validators, hook_validators)
    _check_same(wrapped, bare, expected, budget, context)
    completed = any(
        m["type"] == "http.response.pathsend"
        or (m["type"] == _BODY and not m.get("more_body", False))
        for m in wrapped.messages
    )
    if (
        response_side
        and completed
        and start is not None
        and wrapped.error is None
        and 200 <= start["status"] < 300
    ):
        # No 304 or 412 missed: what went out really passes its preconditions.
        validators = Validators.from_response_headers(_text(start["headers"]))
        decision = evaluate(
            method,
            Conditions.from_headers(fields),
            etag=validators.etag,
            last_modified=validators.last_modified,
            status=start["status"],
        )
        assert decision.outcome is Outcome.PROCEED, (decision, wrapped, context)


def _expected(
    bare: Sent,
    plan: Plan,
    method: str,
    head_as_get: bool,
    with_validators: bool,
    hook_validators: Validators,
) -> list[Message]:
    """The bare messages as the middleware may change them without answering itself."""
    messages = []
    for message in bare.messages:
        kind = message["type"]
        if kind == _START:
            message = dict(message)
            headers = list(message["headers"])
            success = method in ("GET", "HEAD") and 200 <= message["status"] < 300
            if with_validators and success:
                names = {n.lower() for n, _ in headers}
                headers += [
                    (n.lower().encode("latin-1"), v.encode("latin-1"))
                    for n, v in hook_validators.response_headers()
                    if n.lower().encode("latin-1") not in names
                ]
            message["headers"] = headers
            if head_as_get and message.get("trailers", False):
                message["trailers"] = False
        elif head_as_get and kind in (_BODY, "http.response.pathsend"):
            if kind == _BODY and message.get("more_body", False):
                continue
            message = {"type": _BODY, "body": b""}
        elif head_as_get and kind == "http.response.trailers":
            continue
        messages.append(message)
    return messages


def _check_same(
    wrapped: Sent,
    bare: Sent,
    expected: list[Message],
    budget: int | None,
    context: tuple[Any, ...],
) -> None:
    """The application's own messages went out: the same, or fewer of them on a failure."""
    # The changes allowed beyond ``expected``: a weak auto-ETag on the start,
    # and ``Accept-Ranges: bytes`` after it (R51; no Range is ever asked here).
    got = []
    for message in wrapped.messages:
        if message["type"] == _START:
            headers = list(message["headers"])
            expected_start = next(m for m in expected if m["type"] == _START)
            if headers[-1:] == [(b"accept-ranges", b"bytes")] and len(headers) > len(
                expected_start["headers"]
            ):
                headers.pop()
            if (
                headers[-1:]
                and headers[-1][0] == b"etag"
                and len(headers) > len(next(m for m in expected if m["type"] == _START)["headers"])
            ):
                tag = headers.pop()[1].decode("latin-1")
                plan = context[-1]
                assert tag == _auto_tag(plan), (tag, wrapped, context)
                assert tag.startswith('W/"'), (tag, context)  # weak: identity bytes only
                assert len(plan.body) <= context[3], context  # held no more than max_buffer
            message = dict(message, headers=headers)
        got.append(message)
    if wrapped.error is None and bare.error is None:
        assert got == expected, (wrapped, bare, context)
        return
    if isinstance(bare.error, ClientGone):
        # The client left the bare exchange after ``budget`` messages. Through
        # condget it may have had fewer to receive (a HEAD's body in one
        # message), or condget read ahead of it into the application's failure.
        if wrapped.error is None:
            assert budget is not None, context
            assert len(wrapped.messages) <= budget, (wrapped, bare, context)
        else:
            assert isinstance(wrapped.error, ClientGone | AppError), (wrapped, bare, context)
        shorter = min(len(got), len(expected))
        assert got[:shorter] == expected[:shorter], (wrapped, bare, context)
        return
    assert type(wrapped.error) is type(bare.error), (wrapped, bare, context)
    assert str(wrapped.error) == str(bare.error), (wrapped, bare, context)
    assert got == expected[: len(got)], (wrapped, bare, context)
