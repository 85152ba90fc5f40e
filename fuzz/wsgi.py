"""Fuzz target: ``condget.wsgi.ConditionalMiddleware`` against the same app unwrapped.

Random request header fields (conditional fields, repeats, raw latin-1 bytes)
and a random method, times a random application behaviour: status line,
header fields (valid and invalid ETag and Last-Modified, Content-Length right,
wrong or absent, gzip bodies, ``no-store``, event streams), body chunks,
``start_response`` called lazily on the first iteration, ``write()``, an
exception before ``start_response``, after it or mid-body, an error page sent
with ``exc_info``, a ``close()`` that raises, and a client that goes away
after some chunks. Middleware options are random too: ``auto_etag``,
``max_buffer``, and a pre-dispatch ``validators`` hook that returns
validators, returns ``None`` or raises.

Each scenario runs twice through a strict PEP 3333 server (``_Server``):
once against the bare application, once through the middleware.

Invariants:

* the only exceptions that come out are the application's (or the hook's,
  or the server's own client-gone error), unchanged; never one of condget's;
* ``close()`` is called exactly once on every iterable the application
  returned, and the body is not read after it;
* what the server sends is either the unwrapped response byte for byte
  (plus, for a 2xx GET or HEAD without an ETag, the weak auto-ETag of its
  body, or the hook's fields; without the body for a HEAD answered from a GET), or the
  304/412/428 the core builds from the response's own validators (or the
  hook's): 304 only for GET and HEAD, 412 only on a precondition field;
* a 2xx GET or HEAD that goes out unchanged really does pass its
  preconditions (no 304 or 412 missed);
* when the application fails, the server never gets more, or anything other,
  than it would have got without condget.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from condget import Conditions, Decision, Outcome, Validators, evaluate, reply_for
from condget.engine import AutoETag
from condget.wsgi import ConditionalMiddleware
from fuzz._input import DATES, OPAQUES, Input, request_fields

Headers = list[tuple[str, str]]

_STATUSES = (
    "200 OK",
    "200 OK",
    "201 Created",
    "204 No Content",
    "206 Partial Content",
    "299 Whatever",
    "304 Not Modified",
    "404 Not Found",
    "412 Precondition Failed",
    "500 Internal Server Error",
)
_METHODS = ("GET", "GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS")
_CHUNKS = (b"", b"hello", b", world", b"x" * 100, b"\x00\xff")
_BUFFERS = (0, 1, 8, 64, 1 << 20)

# How the application hands over its body (PEP 3333 allows each).
_LIST, _GENERATOR, _LAZY, _WRITE = range(4)
# Where it fails, if it does.
_NEVER, _BEFORE_START, _AFTER_START, _MID_BODY, _IN_CLOSE = range(5)


class AppError(Exception):
    """What the fuzzed application raises."""


class ClientGone(OSError):
    """What the server's ``write`` raises once the client has gone away."""


class HookError(Exception):
    """What the fuzzed ``validators`` hook raises."""


@dataclass
class Plan:
    """One application behaviour."""

    status: str
    headers: Headers
    chunks: list[bytes]
    mode: int
    written: int  # with _WRITE: how many chunks go through write()
    fail: int
    fail_after: int  # with _MID_BODY: how many chunks come out first
    error_page: bool  # answer a failure with start_response(..., exc_info)
    body: bytes = b""

    @classmethod
    def draw(cls, source: Input) -> Plan:
        """A behaviour from the fuzzer's bytes."""
        status = source.pick(_STATUSES) if source.below(10) else source.text(12)
        chunks = [source.pick(_CHUNKS) if source.below(4) else source.raw(30)]
        chunks += [source.pick(_CHUNKS) for _ in range(source.below(4))]
        headers: Headers = []
        gzipped = False
        for _ in range(source.below(6)):
            kind = source.below(12)
            if kind == 0:
                headers.append((source.pick(("ETag", "etag")), f'"{source.pick(OPAQUES)}"'))
            elif kind == 1:
                headers.append(("ETag", f'W/"{source.pick(OPAQUES)}"'))
            elif kind == 2:
                headers.append(("ETag", source.pick(("v1", 'W/ "v1"', '"a"b"', ""))))
            elif kind == 3:
                headers.append(("Last-Modified", source.pick(DATES)))
            elif kind == 4:
                headers.append(("Cache-Control", source.pick(("no-store", "max-age=60"))))
            elif kind == 5:
                headers.append(("Content-Type", source.pick(("text/plain", "text/event-stream"))))
            elif kind == 6 and not gzipped:
                gzipped = True
                coding = source.pick(("gzip", "gzip", "br", "identity", "deflate"))
                headers.append(("Content-Encoding", coding))
                if coding == "gzip" and source.flag():
                    whole = gzip.compress(b"".join(chunks), mtime=0)
                    cut = source.below(len(whole) + 1)
                    chunks = [whole[:cut], whole[cut:]]
            elif kind == 7:
                headers.append(("Vary", "Accept-Encoding"))
            elif kind == 8:
                headers.append(("Content-Range", "bytes 0-4/10"))
            elif kind == 9:
                headers.append(("Set-Cookie", "a=b"))
            else:
                headers.append((source.pick(("X-Any", "ETag", "Last-Modified")), source.text(10)))
        body = b"".join(chunks)
        length = source.below(5)
        if length <= 1:
            headers.append(("Content-Length", str(len(body))))
        elif length == 2:
            headers.append(("Content-Length", str(len(body) + 1)))
        mode = source.below(4)
        fail = source.pick((_NEVER, _NEVER, _NEVER, _BEFORE_START, _AFTER_START, _MID_BODY))
        if source.below(16) == 0:
            fail = _IN_CLOSE
        return cls(
            status=status,
            headers=headers,
            chunks=chunks,
            mode=mode,
            written=source.below(len(chunks) + 1),
            fail=fail,
            fail_after=source.below(len(chunks) + 1),
            error_page=source.below(4) == 0,
            body=body,
        )


@dataclass
class Log:
    """What happened to one application run."""

    methods: list[str] = field(default_factory=list)
    started: list[tuple[str, Headers]] = field(default_factory=list)  # start_response calls
    returned: int = 0  # iterables handed back
    closed: int = 0
    read_after_close: bool = False


class _Body:
    """The application's iterable: counts ``close()``, may fail in it."""

    def __init__(self, chunks: Iterator[bytes], log: Log, fail_in_close: bool) -> None:
        self._chunks = chunks
        self._log = log
        self._fail_in_close = fail_in_close
        log.returned += 1

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._log.closed:
            self._log.read_after_close = True
        return next(self._chunks)

    def close(self) -> None:
        self._log.closed += 1
        if self._fail_in_close:
            raise AppError("in close")


def application(plan: Plan, log: Log) -> Callable[[dict[str, Any], Any], Any]:
    """The WSGI application that carries out ``plan``."""

    def chunks_then_failure(chunks: list[bytes]) -> Iterator[bytes]:
        for index, chunk in enumerate(chunks):
            if plan.fail == _MID_BODY and index == plan.fail_after:
                raise AppError("mid-body")
            yield chunk
        if plan.fail == _MID_BODY:
            raise AppError("mid-body")

    def failed(start_response: Any, error: AppError) -> list[bytes]:
        # The error-page pattern: start over with exc_info (PEP 3333).
        try:
            raise error
        except AppError:
            log.started.append(("500 Internal Server Error", [("X-Error", "1")]))
            start_response("500 Internal Server Error", [("X-Error", "1")], sys.exc_info())
        return [b"error page"]

    def lazy(start_response: Any) -> Iterator[bytes]:
        log.started.append((plan.status, list(plan.headers)))
        start_response(plan.status, list(plan.headers))
        yield from chunks_then_failure(plan.chunks)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        log.methods.append(environ["REQUEST_METHOD"])
        if plan.fail == _BEFORE_START:
            raise AppError("before start_response")
        if plan.mode == _LAZY:
            return _Body(lazy(start_response), log, plan.fail == _IN_CLOSE)
        log.started.append((plan.status, list(plan.headers)))
        write = start_response(plan.status, list(plan.headers))
        chunks = plan.chunks
        if plan.mode == _WRITE:
            for chunk in chunks[: plan.written]:
                write(chunk)
            chunks = chunks[plan.written :]
        if plan.fail == _AFTER_START:
            if plan.error_page:
                return failed(start_response, AppError("after start_response"))
            raise AppError("after start_response")
        if plan.mode == _LIST and plan.fail == _NEVER:
            return _Body(iter(list(chunks)), log, False)
        return _Body(chunks_then_failure(chunks), log, plan.fail == _IN_CLOSE)

    return app


@dataclass
class Sent:
    """What the server sent, and how the exchange ended."""

    status: str | None = None
    headers: Headers | None = None
    body: bytes = b""
    error: BaseException | None = None
    # The last start_response, sent or not: the response the app settled on.
    pending: tuple[str, Headers] | None = None


class _Server:
    """A strict PEP 3333 server for one request; the client leaves after ``budget`` chunks."""

    def __init__(self, budget: int | None) -> None:
        self.sent = Sent()
        self._pending: tuple[str, Headers] | None = None
        self._budget = budget

    def _send(self, data: bytes) -> None:
        assert self._pending is not None, "body before start_response (PEP 3333)"
        assert type(data) is bytes, data
        if not data:
            return
        if self.sent.status is None:
            self.sent.status, self.sent.headers = self._pending
        if self._budget is not None:
            if self._budget == 0:
                raise ClientGone("client went away")
            self._budget -= 1
        self.sent.body += data

    def start_response(self, status: str, headers: Headers, exc_info: Any = None) -> Any:
        if exc_info is not None:
            if self.sent.status is not None:
                raise exc_info[1].with_traceback(exc_info[2])
        else:
            assert self._pending is None, "start_response twice without exc_info (PEP 3333)"
        assert type(status) is str, status
        assert all(type(n) is str and type(v) is str for n, v in headers), headers
        self._pending = self.sent.pending = (status, headers)
        return self._send

    def run(self, app: Any, environ: dict[str, Any]) -> Sent:
        try:
            body = app(environ, self.start_response)
            try:
                for chunk in body:
                    self._send(chunk)
                assert self._pending is not None, "no start_response (PEP 3333)"
                if self.sent.status is None:
                    self.sent.status, self.sent.headers = self._pending
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        except (AppError, ClientGone, HookError) as error:
            self.sent.error = error
        return self.sent


def environ_for(method: str, fields: Headers) -> dict[str, Any]:
    """A WSGI environ; repeated field lines joined as servers join them (R1)."""
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": "/"}
    for name, value in fields:
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = value if key not in environ else f"{environ[key]}, {value}"
    return environ


def _code(status: str | None) -> int | None:
    try:
        return int(status[:3]) if status is not None else None
    except ValueError:
        return None


def _auto_tag(plan: Plan, code: int | None) -> str | None:
    if code is None:
        return None
    tagger = AutoETag.for_response(code, plan.headers, complete=True)
    if tagger is None:
        return None
    tagger.update(plan.body)
    tag = tagger.etag()
    return None if tag is None else str(tag)


def _without_date(headers: Headers) -> Headers:
    return [(n, v) for n, v in headers if n.lower() != "date"]


@dataclass
class Scenario:
    """The request and the middleware's options (the application's part is a ``Plan``)."""

    method: str
    fields: Headers
    auto_etag: bool
    max_buffer: int
    hook_kind: int  # 0: returns validators, 1: returns None, 2: raises, else no hook
    hook_validators: Validators
    require: bool
    budget: int | None  # non-empty chunks the client takes before it leaves
    plan: Plan

    @classmethod
    def draw(cls, source: Input) -> Scenario:
        """A scenario from the fuzzer's bytes."""
        method = source.pick(_METHODS)
        fields = request_fields(source)
        auto_etag = source.below(4) != 0
        max_buffer = source.pick(_BUFFERS)
        hook_kind = source.below(6)
        hook_validators = Validators(
            None if source.flag() else f'"{source.pick(OPAQUES)}"',
            None if source.flag() else source.pick(DATES[:3]),
            exists=source.below(4) != 0,
            headers=[("Cache-Control", "max-age=5")],
        )
        require = hook_kind <= 2 and source.flag()
        budget = source.below(4) if source.below(4) == 0 else None
        return cls(
            method,
            fields,
            auto_etag,
            max_buffer,
            hook_kind,
            hook_validators,
            require,
            budget,
            Plan.draw(source),
        )

    def hook(self, environ: dict[str, Any]) -> Validators | None:
        """The ``validators`` hook."""
        if self.hook_kind == 2:
            raise HookError("hook")
        return self.hook_validators if self.hook_kind == 0 else None

    def decide(self, validators: Validators, status: int | None) -> Decision:
        """What the core says about this request and these validators."""
        return evaluate(
            self.method,
            Conditions.from_headers(self.fields),
            etag=validators.etag,
            last_modified=validators.last_modified,
            exists=validators.exists,
            status=status,
            require_precondition=self.require and status is None,
        )


def one_input(data: bytes) -> None:
    """Check one input (see the module docstring)."""
    scenario = Scenario.draw(Input(data))
    method, plan = scenario.method, scenario.plan
    bare_log, wrapped_log = Log(), Log()
    bare = _Server(scenario.budget).run(
        application(plan, bare_log), environ_for(method, scenario.fields)
    )
    middleware = ConditionalMiddleware(
        application(plan, wrapped_log),
        auto_etag=scenario.auto_etag,
        max_buffer=scenario.max_buffer,
        validators=scenario.hook if scenario.hook_kind <= 2 else None,
        require_precondition=scenario.require,
        # The write check runs the application twice; it has its own tests.
        check_writes=False,
    )
    wrapped = _Server(scenario.budget).run(middleware, environ_for(method, scenario.fields))

    # close() exactly once on every iterable the application returned.
    for log in (bare_log, wrapped_log):
        assert log.closed == log.returned, (log, scenario)
        assert not log.read_after_close, (log, scenario)

    if scenario.hook_kind == 2:
        assert isinstance(wrapped.error, HookError), (wrapped, scenario)
        assert wrapped.status is None, (wrapped, scenario)
        assert wrapped_log.methods == [], scenario
        return
    if scenario.hook_kind == 0:
        decision = scenario.decide(scenario.hook_validators, None)
        if decision.outcome is not Outcome.PROCEED:
            headers = scenario.hook_validators.response_headers()
            _check_reply(wrapped, scenario, decision, headers)
            assert wrapped_log.methods == [], scenario  # the application never ran
            return

    response_side = method in ("GET", "HEAD") and scenario.hook_kind != 0
    head_as_get = wrapped_log.methods == ["HEAD", "GET"]  # answered from a GET (FETCH_GET)
    assert head_as_get or wrapped_log.methods in ([], [method]), (wrapped_log, scenario)
    code = _code(plan.status)
    settled = bare.pending is not None and bare.pending[0] == plan.status
    if (
        response_side
        and settled
        and code is not None
        and 200 <= code < 300
        and wrapped.status in ("304 Not Modified", "412 Precondition Failed")
    ):
        # condget answered: it must be the core's answer to the response's
        # validators, with or without the auto-ETag (which needs the whole body).
        _check_response_side_reply(wrapped, scenario, code)
        return
    _check_own_response(wrapped, bare, wrapped_log, scenario)
    final = _code(wrapped.status)
    if (
        response_side
        and wrapped.error is None
        and wrapped.headers is not None
        and final is not None
        and 200 <= final < 300
    ):
        # No 304 or 412 missed: what went out really passes its preconditions.
        decision = scenario.decide(Validators.from_response_headers(wrapped.headers), final)
        assert decision.outcome is Outcome.PROCEED, (decision, wrapped, scenario)


def _check_reply(sent: Sent, scenario: Scenario, decision: Decision, headers: Headers) -> None:
    reply = reply_for(decision, headers)
    assert reply is not None, decision
    assert sent.status == f"{reply.status} {reply.reason}", (sent, reply)
    assert sent.headers is not None
    assert _without_date(sent.headers) == _without_date(reply.headers), (sent, reply)
    body = b"" if scenario.method == "HEAD" else reply.body
    if sent.error is not None:
        # Only the client leaving before the reply's body went out.
        assert isinstance(sent.error, ClientGone), sent
        assert scenario.budget == 0, sent
        assert body, sent
        return
    assert sent.body == body, sent


def _check_response_side_reply(wrapped: Sent, scenario: Scenario, code: int) -> None:
    plan = scenario.plan
    candidates = [list(plan.headers)]
    tag = _auto_tag(plan, code) if scenario.auto_etag else None
    if tag is not None and len(plan.body) <= scenario.max_buffer:
        candidates.append([*plan.headers, ("ETag", tag)])
    for headers in candidates:
        decision = scenario.decide(Validators.from_response_headers(headers), code)
        reply = reply_for(decision, headers)
        assert wrapped.headers is not None
        if reply is not None and _without_date(wrapped.headers) == _without_date(reply.headers):
            _check_reply(wrapped, scenario, decision, headers)
            return
    raise AssertionError(("not the core's reply", wrapped, scenario))


def _check_own_response(wrapped: Sent, bare: Sent, log: Log, scenario: Scenario) -> None:
    """The application's own response went out: the same one, or less of it on a failure."""
    head_as_get = scenario.method == "HEAD" and log.methods == ["HEAD", "GET"]
    if head_as_get and wrapped.error is None and log.started:
        # HEAD run as GET: the server sees no body, so the middleware may skip
        # reading it (and a failure in it), and an error page sent with
        # exc_info after some body still counts as sent before any output.
        assert wrapped.status == log.started[-1][0], (wrapped, log)
        _check_added(wrapped, log.started[-1][1], scenario)
        assert wrapped.body == b"", wrapped
        return
    if wrapped.error is not None or bare.error is not None:
        # A failure: the same one, and the server got no more, and nothing
        # other, than it would have without condget. Holding a body back for
        # its auto-ETag reads ahead of the client, so when the client left
        # first, the application's failure may come out instead.
        read_ahead = isinstance(bare.error, ClientGone) and isinstance(wrapped.error, AppError)
        if not read_ahead:
            assert type(wrapped.error) is type(bare.error), (wrapped, bare)
            assert str(wrapped.error) == str(bare.error), (wrapped, bare)
        if wrapped.status is not None:
            assert wrapped.status == bare.status, (wrapped, bare)
            assert bare.body.startswith(wrapped.body), (wrapped, bare)
        return
    assert wrapped.status == bare.status, (wrapped, bare)
    assert bare.headers is not None
    _check_added(wrapped, bare.headers, scenario)
    assert wrapped.body == (b"" if head_as_get else bare.body), (wrapped, bare)


def _check_added(wrapped: Sent, headers: Headers, scenario: Scenario) -> None:
    assert wrapped.headers is not None
    assert wrapped.headers[: len(headers)] == headers, (wrapped, headers)
    added = wrapped.headers[len(headers) :]
    code = _code(wrapped.status)
    success = scenario.method in ("GET", "HEAD") and code is not None and 200 <= code < 300
    if scenario.hook_kind == 0:
        # The pre-dispatch hook's fields fill what a 2xx GET/HEAD lacks.
        names = {n.lower() for n, _ in headers}
        fields = scenario.hook_validators.response_headers()
        missing = [(n, v) for n, v in fields if n.lower() not in names]
        assert added == (missing if success else []), (wrapped, headers)
    elif added:
        assert success, (wrapped, headers)
        assert added == [("ETag", _auto_tag(scenario.plan, code))], (wrapped, headers)
        assert added[0][1].startswith('W/"'), added  # weak: identity bytes only
        # Held no more than max_buffer.
        assert len(scenario.plan.body) <= scenario.max_buffer, (added, scenario)
