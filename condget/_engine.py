"""The response engine: one per request, fed the application's response, saying what to send.

Every rule about the *response side* of a conditional request lives here, in
one place: which responses are eligible (§13.2.1), when a body is held back
to compute an auto-ETag and how much of it (``max_buffer``), when the body is
known to be complete, HEAD (§9.3.2), filling a response that ran after its
validators were checked, and which reply replaces it (R33, R34). Like h11's
``Connection``, it does no I/O: an adapter (WSGI, ASGI, a framework helper)
translates its protocol into the engine's three events, *start*, *body* and
*failed*, and carries out the step each returns. Protocol quirks (WSGI
``write()`` and ``exc_info``, ASGI ``more_body``, ``pathsend`` and trailers)
stay in the adapters; no HTTP rule does.

The steps, what an adapter does with each:

* :data:`FORWARD`: send what it was just given, unchanged.
* :data:`HOLD`: send nothing yet (the engine keeps what it needs).
* :class:`Release`: send the response start with the ``added`` fields, then
  the ``held`` body bytes; from now on everything is forwarded.
* :class:`~condget.Reply`: send this reply instead; nothing more of the
  application's response goes out (:data:`IGNORE` from then on).
* :data:`DROP`: the response answers a HEAD: send none of the body (keep the
  protocol's framing: an ASGI adapter still ends the body).
* :class:`PartialFile`: the answer to :meth:`Exchange.file_body` for a body
  that is a seekable file: send this 206, reading each range at its offset.
* :data:`FETCH_GET`: a conditional HEAD needs the GET's body to learn its tag:
  run the application again as GET and feed that response to an engine made
  with ``fetched_for_head=True``.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final, Literal, Protocol, TypeAlias

from ._autoetag import AutoETag, refusal
from ._errors import CondgetError
from ._etag import ETag
from ._evaluate import evaluate
from ._headers import Conditions, ResponseFields, scan_response
from ._model import Decision, Outcome, Validators, response_date, response_etag
from ._observe import DecisionEvent, Watch
from ._ranges import (
    MAX_RANGES,
    ByteRange,
    InvalidRangeError,
    PartialContent,
    RangeSlicer,
    RangeStatus,
    ignored_because,
    parse_range,
)
from ._replies import Reply, range_not_satisfiable, reply_for

__all__ = [
    "CHUNK_COST",
    "DROP",
    "FETCH_GET",
    "FORWARD",
    "HOLD",
    "IGNORE",
    "Emit",
    "EngineError",
    "Exchange",
    "Fields",
    "MiddlewareOptions",
    "Partial",
    "PartialFile",
    "Release",
    "Settled",
    "Step",
    "check_before",
    "check_options",
    "check_write",
    "exchange_for",
    "fill_for",
    "judges_write",
    "write_needs_check",
]

Fields: TypeAlias = list[tuple[str, str]] | list[tuple[bytes, bytes]]
"""A response's header fields: ``str`` pairs (WSGI) or lowercase ``bytes`` pairs (ASGI)."""


class EngineError(CondgetError, AssertionError):
    """An adapter fed the engine an event out of order (a bug in the adapter, never the client's).

    It is also an ``AssertionError``, as PEP 3333 asks of a server that sees
    ``start_response`` called twice.
    """


class _Signal(enum.Enum):
    FORWARD = "forward"
    HOLD = "hold"
    IGNORE = "ignore"
    DROP = "drop"
    FETCH_GET = "fetch-get"
    CHECK_WRITE = "check-write"


FORWARD: Final = _Signal.FORWARD
"""Send the event just given, unchanged."""
HOLD: Final = _Signal.HOLD
"""Send nothing yet: the engine holds the body while it computes an auto-ETag."""
IGNORE: Final = _Signal.IGNORE
"""condget has answered: the rest of the application's response is discarded (R33)."""
DROP: Final = _Signal.DROP
"""The response answers a HEAD: send none of its body, keep the protocol's framing."""
FETCH_GET: Final = _Signal.FETCH_GET
"""Run the application as GET to learn the tag a conditional HEAD is checked against."""
CHECK_WRITE: Final = _Signal.CHECK_WRITE
"""Before dispatch: the write is judged by a GET of its target (:func:`check_write`)."""


@dataclass(frozen=True, slots=True)
class Release:
    """Send the response start now, with ``added`` fields after its own, then ``held``.

    Attributes:
        added: Fields condget adds (an auto-ETag, a hook's validators),
            always ``str`` pairs; the adapter encodes them for its protocol.
        held: Body bytes held back so far, in order, including those of the
            event that released them.
    """

    added: list[tuple[str, str]]
    held: list[bytes]


@dataclass(frozen=True, slots=True)
class Partial:
    """Send a 206 Partial Content in place of the application's 200 (RFC 9110 §15.3.7).

    Attributes:
        headers: The 206's header fields, complete (``str`` pairs): the
            200's, with the part's ``Content-Range`` / multipart
            ``Content-Type`` and ``Content-Length``.
        body: The first bytes of the 206's body.
        last: Whether ``body`` ends it: the application's response can then
            be closed unread (WSGI) or discarded.
    """

    headers: list[tuple[str, str]]
    body: bytes
    last: bool


@dataclass(frozen=True, slots=True)
class Emit:
    """Send these bytes in place of the body chunk just given (a 206 being cut from it).

    Attributes:
        body: The bytes of the 206 this chunk completes (may be empty).
        last: Whether they end the 206 (see :class:`Partial`).
    """

    body: bytes
    last: bool


@dataclass(frozen=True, slots=True)
class PartialFile:
    """Send a 206 read from the file behind the body, seeking past what it skips.

    The answer to :meth:`Exchange.file_body` when a 206 is planned: no byte
    of the application's body iterable is needed, only its file.

    Attributes:
        headers: The 206's header fields, complete (as :class:`Partial`).
        segments: The body in order: ``bytes`` to send as they are, a
            :class:`~condget.ranges.ByteRange` to read from the file (seek to
            ``first``, read ``size`` bytes).
    """

    headers: list[tuple[str, str]]
    segments: tuple[bytes | ByteRange, ...]

    def read(self, file: _Seekable, *, base: int = 0, chunk: int = 64 * 1024) -> Iterator[bytes]:
        """The 206's body from ``file``: framing as it is, each range by seek and read.

        Args:
            file: The representation's bytes, from ``base`` on (anything with
                ``seek`` and ``read``, opened by the adapter).
            base: Where the representation starts in ``file``.
            chunk: The most bytes read at a time.

        A file shorter than the ranges say ends the body there (short), as
        a stream shorter than its ``Content-Length`` would.
        """
        for segment in self.segments:
            if isinstance(segment, bytes):
                yield segment
                continue
            file.seek(base + segment.first)
            left = segment.size
            while left:
                data = file.read(min(chunk, left))
                if not data:
                    return
                left -= len(data)
                yield data


class _Seekable(Protocol):
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def read(self, size: int = -1, /) -> bytes: ...


Step: TypeAlias = _Signal | Release | Reply | Partial | Emit
"""What an engine event returns: a signal, a :class:`Release`, a reply, a 206 or its bytes."""

Settled: TypeAlias = Callable[[int, Validators | None, list[tuple[str, str]]], Iterable[str]]
"""An :class:`Exchange`'s ``settled=`` hook: ``settled(status, validators, fields) -> notes``.

Called once per response, when the engine has decided what goes out and
*before* it returns the step that sends the response start, with:

* ``status``: the application's status;
* ``validators``: the validators the response goes out with (the
  application's ``ETag``, or the auto-ETag, and ``Last-Modified``), or
  ``None`` when it is not a 2xx response to GET or HEAD, or carries none;
* ``fields``: the application's header fields as ``str`` pairs, with those
  condget adds (``Location``, ``Vary``, ``Cache-Control`` for a store).

It returns note codes for the request's :class:`~condget.observe.DecisionEvent`.
A validator store's :meth:`condget.store.Visit.settled` records a GET's
validators and invalidates after a write through it, before the response
leaves.
"""

_ACCEPT_RANGES: Final = ("Accept-Ranges", "bytes")
# The 200's fields a 206 replaces with its own (R47, R48).
_PART_REPLACES: Final = frozenset({"content-length", "content-range"})
_MULTIPART_REPLACES: Final = _PART_REPLACES | {"content-type"}

_NO_FIELDS: Final[list[tuple[str, str]]] = []

# What holding one more chunk costs besides its bytes: the bytes object's
# header and a list slot, and on ASGI the message dict (about 240 bytes on
# CPython 3.11). It counts against max_buffer, or a body sent in tiny chunks
# (lines, records) would hold many times max_buffer in memory; with 64 KiB
# chunks it is 0.4%. Chunks are held as they came, never merged: the
# application's block boundaries reach the server as it made them.
CHUNK_COST: Final = 256
# A gzip body of max_buffer bytes may inflate a thousandfold: the identity
# bytes hashed for its tag are bounded too, so the work per request is.
_DECODED_PER_BUFFERED: Final = 8

# The engine's states.
_STARTING: Final = 0  # waiting for the response start
_HOLDING: Final = 1  # start and body held while the auto-ETag is computed
_FORWARDING: Final = 2  # released: everything goes out unchanged
_DROPPING: Final = 3  # released for a HEAD answered from a GET: no body goes out
_DONE: Final = 4  # replaced by a reply or a whole 206, or handed back with FETCH_GET
_SLICING: Final = 5  # a 206 is being cut from the body as it streams
_RANGE_PENDING: Final = 6  # a 206 decided at the start waits for the body's first event


def _eligible(status: int) -> bool:
    # §13.2.1 (R28): preconditions apply to a 2xx (or 412) response only;
    # an error, a redirect or an application's own 304 goes through untouched.
    return 200 <= status < 300


def _reply(decision: Decision, headers: Iterable[tuple[str, str]], method: str) -> Reply | None:
    # No Date of condget's own: WSGI and ASGI servers add Date to every
    # response (§6.6.1), and gunicorn even adds a second one to a response
    # that has one.
    reply = reply_for(decision, list(headers), add_date=False)
    if reply is not None and method == "HEAD":
        # HEAD gets the header fields GET would get, and no content (§9.3.2).
        return replace(reply, body=b"")
    return reply


# The outcome names of the statuses condget itself sends (DecisionEvent.outcome).
_OUTCOMES: Final = {
    304: "not-modified",
    412: "precondition-failed",
    428: "precondition-required",
    206: "partial",
    416: "range-not-satisfiable",
}


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def check_before(
    method: str,
    conditions: Conditions,
    validators: Validators,
    *,
    require_precondition: bool = False,
    watch: Watch | None = None,
    notes: tuple[str, ...] = (),
) -> Reply | None:
    """Evaluate a request against validators known *before* the application runs.

    This is how a pre-dispatch hook, a view decorator or a FastAPI dependency
    answers a 304, 412 or 428 without running the view (R36, §13.2.1). A
    ``Last-Modified`` later than now is evaluated, and sent, as now (§8.8.2.1).

    Args:
        method: The request method.
        conditions: The request's conditional fields.
        validators: The target resource's current validators.
        require_precondition: Answer 428 to a state-changing request with no
            precondition (RFC 6585 §3).
        watch: Who observes the request's decisions (:mod:`condget.observe`):
            told of a reply (a 304, 412 or 428) before it is returned.
        notes: Note codes for that event (a validator store's
            ``store-hit``).

    Returns:
        The reply to send instead of running the application (empty body
        for HEAD), or ``None`` to run it.
    """
    now = int(time.time())
    decision = evaluate(
        method,
        conditions,
        etag=validators.etag,
        last_modified=validators.last_modified_at(now),
        exists=validators.exists,
        status=None,  # before the application: assume the 2xx it would give
        require_precondition=require_precondition,
    )
    if decision.outcome is Outcome.PROCEED:
        return None
    reply = _reply(decision, validators.response_headers(now=now), method)
    assert reply is not None
    if watch is None:
        return reply
    event = DecisionEvent(
        method=method,
        path=watch.path,
        app_status=None,  # the application never ran
        status=reply.status,
        outcome=_OUTCOMES[reply.status],
        decided_by=None if decision.decided_by is None else decision.decided_by.value,
        reason=decision.reason,
        notes=notes,
        etag=None if validators.etag is None else str(validators.etag),
        last_modified=_header(reply.headers, "last-modified"),
        bytes_saved=None,
    )
    told = watch.tell(event)
    return replace(reply, headers=[*reply.headers, *told]) if told else reply


# Conditions' fields by name, in its order.
_CONDITION_FIELDS: Final = (
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
)

WRITE_CHECK_DROPPED: Final = frozenset(
    {*_CONDITION_FIELDS, "content-length", "content-type", "transfer-encoding"}
)
"""The request fields (lower-case) the GET behind :func:`check_write` leaves out.

Its conditions and range, and the write's body: the GET asks for the
target's current state, whole, as the same client (credentials and cookies
stay).
"""


def check_options(
    *, require_precondition: bool, has_validators: bool, max_buffer: int, max_ranges: int
) -> None:
    """Refuse a middleware configuration that cannot work, at construction, with a clear message.

    Raises:
        ValueError: ``require_precondition`` without a validators hook
            (nothing would check the If-Match the 428 asks for: the client
            would be told to send it and it would be ignored), a
            ``max_buffer`` below zero, or a ``max_ranges`` below one.
    """
    if require_precondition and not has_validators:
        raise ValueError("require_precondition needs a validators hook")
    if max_buffer < 0:
        raise ValueError(f"max_buffer must be 0 or more bytes, not {max_buffer!r}")
    if max_ranges < 1:
        raise ValueError(f"max_ranges must be 1 or more, not {max_ranges!r}")


class MiddlewareOptions(Protocol):
    """The options every middleware has, by which its requests get their engine."""

    auto_etag: bool
    max_buffer: int
    ranges: bool
    max_ranges: int
    check_writes: bool
    hide_conditions: bool
    require_precondition: bool

    # Read only: their types are the protocol's own (a hook of the environ or
    # of the scope); what matters here is whether there is one.
    @property
    def validators(self) -> object: ...  # pragma: no cover (a protocol)
    @property
    def store(self) -> object: ...  # pragma: no cover (a protocol)


class Handling(enum.Enum):
    """How a middleware handles a request (:func:`handling_for`)."""

    UNTOUCHED = "untouched"
    """Straight to the application: condget has nothing to add to its response."""
    AT_START = "at-start"
    """A :func:`plain_request`: judged at its start (:func:`plain_start`); an engine if need be."""
    FULL = "full"
    """The hook, the store, the write check (:func:`answer_before`), then an engine."""


def handling_for(
    options: MiddlewareOptions, method: str, conditions: Conditions, watch: Watch | None
) -> Handling:
    """Which way a middleware takes with a request: decided once, for both protocols.

    Only a request nobody watches (no observer, no decision header, no DEBUG
    log), through a middleware without a hook or a store, can skip the full
    way: those need the engine's events.
    """
    if (
        watch is not None
        or options.validators is not None
        or options.store is not None
        or not plain_request(method, conditions)
    ):
        return _FULL
    if not Exchange.needed(method, conditions, auto_etag=options.auto_etag, ranges=options.ranges):
        return _UNTOUCHED
    return _AT_START


# Read per request: names, not attribute lookups on the enum.
_FULL: Final = Handling.FULL
_UNTOUCHED: Final = Handling.UNTOUCHED
_AT_START: Final = Handling.AT_START


class StoreCheck(Protocol):
    """A validator store's look at a request before dispatch (``condget.store.Visit``)."""

    @property
    def passed(self) -> bool:
        """Whether stored validators were found and the request passed them."""
        ...  # pragma: no cover (a protocol)

    def check(self, conditions: Conditions, *, watch: Watch | None = None) -> Reply | None:
        """The reply the stored validators give, or ``None``."""
        ...  # pragma: no cover (a protocol)


def answer_before(
    options: MiddlewareOptions,
    method: str,
    conditions: Conditions,
    found: Validators | None,
    visiting: StoreCheck | None,
    *,
    watch: Watch | None = None,
) -> Reply | Literal[_Signal.CHECK_WRITE] | None:
    """The answer before dispatch: a reply, :data:`CHECK_WRITE`, or ``None`` to run the application.

    The hook's validators (``found``) decide first (:func:`check_before`);
    without them, the store's (``visiting``); a write that neither could
    judge and that carries a precondition is judged by a GET of its target
    when ``check_writes`` says so (:func:`judges_write`): the adapter sends
    that GET and hands its start to :func:`check_write`.
    """
    if found is not None:
        return check_before(
            method,
            conditions,
            found,
            require_precondition=options.require_precondition,
            watch=watch,
        )
    reply = None if visiting is None else visiting.check(conditions, watch=watch)
    if (
        reply is None
        and (visiting is None or not visiting.passed)
        and judges_write(options, method, conditions)
    ):
        return CHECK_WRITE
    return reply


def seeks_ranges(options: MiddlewareOptions, method: str, conditions: Conditions) -> bool:
    """Whether a file body should come seekable: a GET with Range that condget serves.

    Then a range of the file is sought, never read up to (§14.2): WSGI gives
    the application condget's own ``wsgi.file_wrapper``, ASGI offers
    ``pathsend``. Only then: a body by path passes a compressor inside the
    application uncompressed.
    """
    return method == "GET" and conditions.range is not None and options.ranges


FETCH_GET_DROPPED: Final = frozenset({"range", "if-range"})
"""The request fields (lower-case) the GET answering a HEAD (:data:`FETCH_GET`) leaves out.

Range is defined only for GET (R42): the GET asked for on a HEAD's behalf
must not turn the answer into a 206.
"""


_RANGE_FIELDS: Final = frozenset({"if-range", "range"})
_NO_CONDITIONS: Final = Conditions()

HIDDEN_CONDITIONS: Final = "condget.conditions"
"""The key under which a middleware keeps the :class:`Conditions` it hid.

A middleware that hides fields (:func:`hidden_from_app`) puts the request's
conditions as they came in the WSGI ``environ`` or ASGI ``scope`` under this
key, so that condget's own per-route helpers inside it (the Flask decorator,
the Starlette decorator, the FastAPI dependency) still check them before the
view runs.
"""


def hidden_from_app(
    options: MiddlewareOptions, method: str, conditions: Conditions
) -> tuple[str, ...]:
    """The request fields of ``conditions`` the application must not see (lower-case names).

    condget is the one authority on a GET's or HEAD's preconditions: it
    evaluates them against the response the application gives (§13.2.2).
    An application (or a framework inside it: Django's
    ConditionalGetMiddleware, Werkzeug's ``make_conditional``, Starlette's
    ``StaticFiles``) that saw them would answer 304, 412 or 206 itself, with
    its own header policy, and condget could not correct it. Without them it
    produces its full response, which condget then answers from; a body it
    hands over as a file is closed unread. Range and If-Range are hidden only
    when condget serves ranges (``ranges``). A write's If-Match and
    If-Unmodified-Since stay: condget judges them before the application
    runs, and the application's own check inside its transaction closes the
    race that leaves. ``hide_conditions=False`` shows everything to the
    application (for Django's ``@condition``).
    """
    if (
        conditions == _NO_CONDITIONS  # most requests: nothing to hide, found fast
        or not options.hide_conditions
        or (method != "GET" and method != "HEAD")
    ):
        return ()
    ranges = options.ranges
    return tuple(
        [
            name
            for name, value in zip(_CONDITION_FIELDS, conditions)  # noqa: B905 (both six long)
            if value is not None and (ranges or name not in _RANGE_FIELDS)
        ]
    )


def exchange_for(
    options: MiddlewareOptions,
    method: str,
    conditions: Conditions,
    *,
    fill: Validators | None = None,
    fetched_for_head: bool = False,
    watch: Watch | None = None,
    settled: Settled | None = None,
) -> Exchange | None:
    """The engine a request's response goes through, or ``None`` when it needs none.

    A middleware asks this for every request, so that which requests need an
    engine (:meth:`Exchange.needed`, a ``fill``, a store's ``settled`` hook)
    and how one is set up are decided once, here. With ``None`` the
    application's response goes to the server untouched (the fast path).
    """
    if (
        fill is None
        and settled is None
        and not fetched_for_head
        and not Exchange.needed(
            method, conditions, auto_etag=options.auto_etag, ranges=options.ranges
        )
    ):
        return None
    return Exchange(
        method,
        conditions,
        auto_etag=options.auto_etag,
        max_buffer=options.max_buffer,
        fill=fill,
        fetched_for_head=fetched_for_head,
        ranges=options.ranges,
        max_ranges=options.max_ranges,
        watch=watch,
        settled=settled,
    )


def plain_request(method: str, conditions: Conditions) -> bool:
    """Whether a request's response can be judged from its start alone (:func:`plain_start`).

    A GET or HEAD without any conditional field (not even Range): no 304,
    412 or 206 can come of it, so an adapter may skip building an
    :class:`Exchange` unless :func:`plain_start` asks for one. Only when no
    hook, store or observer is involved: those need the engine's events.
    """
    return (method == "GET" or method == "HEAD") and conditions == _NO_CONDITIONS


def plain_start(
    options: MiddlewareOptions, method: str, status: int, headers: Fields
) -> tuple[tuple[str, str], ...] | None:
    """The fields a :func:`plain_request`'s response goes out with at its start, or ``None``.

    ``None`` means the start alone cannot tell: an :class:`Exchange` must
    take the response (it may hold the body for an auto-ETag). Otherwise the
    response goes out at once, with the returned fields added: exactly what
    :meth:`Exchange.start` would release for it (a property the tests hold
    the two to).

    Most responses pass here, so it reads ``headers`` (``str`` or ``bytes``
    pairs) in one loop of one lookup per field, and scans them in full
    (:func:`scan_response`) only for the fields that decide whether ranges
    are served at all.
    """
    if not _eligible(status):
        return ()  # R28: not condget's to change
    tagged = False
    length: str | bytes | None = None
    ranging = False
    for name, value in headers:
        role = _text_roles.get(name) if isinstance(name, str) else _byte_roles.get(name)
        if role is None:
            role = _plain_role(name)
        if role:
            if role == _TAG:
                tagged = True
            elif role == _LENGTH:
                length = value  # the last line wins, as in scan_response
            else:
                ranging = True
    if options.auto_etag and not tagged and method == "GET":
        return None  # perhaps held and hashed
    if not options.ranges or status != 200:
        return ()
    if ranging:
        fields = scan_response(headers)
        if fields.accept_ranges is not None or not _rangeable(fields):
            return ()  # the application's word, or a body never cut
    if isinstance(length, bytes):
        length = length.decode("latin-1")
    # Without a declared length nothing here learns one: no Accept-Ranges.
    return (_ACCEPT_RANGES,) if _declared_length(length) else ()  # R51: where a range is served


# What plain_start reads of a field, by the field.
_OTHER: Final = 0
_TAG: Final = 1
_LENGTH: Final = 2
_RANGING: Final = 3  # what _rangeable reads: Accept-Ranges, Content-Encoding, Content-Range
_ROLE_OF_FIELD: Final = (  # in ResponseFields' order
    _TAG,  # etag
    _OTHER,  # last_modified
    _LENGTH,  # content_length
    _RANGING,  # content_encoding
    _OTHER,  # content_type
    _RANGING,  # content_range
    _OTHER,  # cache_control
    _RANGING,  # accept_ranges
)
# scan_response is where a name is matched (any spelling); an application
# spells each name its own one way, so its answer is remembered and a field
# costs plain_start one lookup. A bound keeps an application that invents
# names from growing them. ASGI's bytes names have their own: looked up among
# equal str names they would be compared with them, which `python -b` reports.
_text_roles: dict[str, int] = {}
_byte_roles: dict[bytes, int] = {}
_KEPT_SPELLINGS: Final = 512


def _plain_role(name: str | bytes) -> int:
    if isinstance(name, str):
        role = _role_of(scan_response([(name, "")]))
        if len(_text_roles) < _KEPT_SPELLINGS:
            _text_roles[name] = role
    else:
        role = _role_of(scan_response([(name, b"")]))
        if len(_byte_roles) < _KEPT_SPELLINGS:
            _byte_roles[name] = role
    return role


def _role_of(fields: ResponseFields) -> int:
    return next(
        (role for role, value in zip(_ROLE_OF_FIELD, fields) if value is not None),  # noqa: B905 (both eight long)
        _OTHER,
    )


def judges_write(options: MiddlewareOptions, method: str, conditions: Conditions) -> bool:
    """Whether a middleware judges this write by a GET of its target (:func:`check_write`).

    Only when ``check_writes`` is on and :func:`write_needs_check`; the
    middleware asks only when no hook and no store judged the request.
    """
    return options.check_writes and write_needs_check(method, conditions)


def write_needs_check(method: str, conditions: Conditions) -> bool:
    """Whether a request changes state and carries a precondition on the current state.

    Such a request (PUT, PATCH, DELETE, POST...) with ``If-Match`` or
    ``If-Unmodified-Since`` must not be performed when the precondition is
    false (R36, §13.2.1), and no response of its own can tell: the target's
    current validators must be known before the application runs. Without a
    hook or a store that knows them, an adapter learns them with a GET of
    the same target (:data:`WRITE_CHECK_DROPPED` lists what that GET leaves
    out of the request) and hands its status and fields to
    :func:`check_write`.
    """
    return method not in _SAFE_METHODS and (
        conditions.if_match is not None or conditions.if_unmodified_since is not None
    )


def check_write(
    method: str,
    conditions: Conditions,
    status: int,
    headers: Fields,
    *,
    watch: Watch | None = None,
) -> Reply | None:
    """Judge a write's ``If-Match`` / ``If-Unmodified-Since`` by what a GET of its target answered.

    A 2xx GET gives the current validators (its own ``ETag`` and
    ``Last-Modified``; an auto-ETag is weak and never satisfies If-Match,
    §13.1.1); a 404 or 410 says there is no current representation, so an
    ``If-Match`` is false (§13.1.1) and an ``If-Unmodified-Since`` ignored.
    Any other answer (a redirect, 401, 405, an error) tells nothing: the
    application judges the write itself.

    Returns:
        The 412 to send instead of running the write, or ``None`` to run it.
    """
    if 200 <= status < 300:
        fields = scan_response(headers)
        etag = None if fields.etag is None else response_etag(fields.etag)
        modified = None if fields.last_modified is None else response_date(fields.last_modified)
        validators = Validators(etag, modified)
    elif status in (404, 410):
        validators = Validators(exists=False)
    else:
        return None
    judged = Conditions(
        if_match=conditions.if_match, if_unmodified_since=conditions.if_unmodified_since
    )
    return check_before(method, judged, validators, watch=watch, notes=_CHECKED_BY_GET)


_CHECKED_BY_GET: Final = ("checked-by-get",)
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"})


def fill_for(
    method: str, status: int | None, names: Iterable[str], validators: Validators
) -> list[tuple[str, str]]:
    """The fields a response that ran after :func:`check_before` passed must gain.

    A 2xx GET or HEAD response advertises exactly what later requests are
    checked against: it gets the validators' fields it lacks (``ETag``,
    ``Last-Modified``, :attr:`Validators.headers`), while its own always win.
    A response to another method describes the new state, which only the
    application knows, and gains nothing.

    Args:
        method: The request method.
        status: The response's status; ``None`` when not known yet (a
            FastAPI dependency fills the response before the endpoint runs),
            which counts as the 2xx a passed check expects.
        names: The response's header names.
        validators: What :func:`check_before` evaluated against.
    """
    if (method != "GET" and method != "HEAD") or (status is not None and not _eligible(status)):
        return _NO_FIELDS
    return validators.missing_from(names)


class Exchange:
    """The response side of one request: fed the application's response, answers each step.

    Build one per request, after deciding with :meth:`needed` that the
    request needs one; never share it.

    Args:
        method: The request method as the client sent it.
        conditions: The request's conditional fields.
        auto_etag: Compute a weak tag for an eligible response without one
            (:class:`AutoETag`).
        max_buffer: The most memory held back for the auto-ETag, in every
            adapter: the body bytes plus :data:`CHUNK_COST` (256) for each
            chunk they came in. A longer body streams untagged from the moment
            it passes the limit (or from the start, when its Content-Length is
            larger).
        fill: Validators a pre-dispatch check already passed: the response
            is not evaluated again, only filled (:func:`fill_for`).
        fetched_for_head: The response is a GET's, run to answer a HEAD
            (after :data:`FETCH_GET`): hash it, send none of its body.
        ranges: Serve a GET's ``Range`` from a 200 whose length is known
            (R42-R52), and advertise ``Accept-Ranges: bytes`` on the
            responses for which it would.
        max_ranges: The most ranges one ``Range`` field may ask for; more
            and the full 200 is sent (R49).
        watch: Who observes the request's decisions (:mod:`condget.observe`):
            told once the response is decided, before it is sent. With
            ``None`` no event is built.
        settled: Called once the response is decided, before the step that
            sends its start is returned (:data:`Settled`): how a validator
            store records and invalidates. With it, a request of any method
            may have an engine: the response to a method other than GET and
            HEAD then goes out exactly as the application sent it (nothing
            can be evaluated after the application ran, R36), and the
            engine only reports it.
    """

    __slots__ = (
        "_auto_etag",
        "_body_bytes",
        "_body_seen",
        "_conditions",
        "_declared",
        "_fields",
        "_fill",
        "_for_head",
        "_headers",
        "_held",
        "_held_size",
        "_max_buffer",
        "_max_ranges",
        "_method",
        "_needs_complete",
        "_notes",
        "_partial",
        "_partial_headers",
        "_pending_added",
        "_pending_decision",
        "_pending_etag",
        "_ranges",
        "_settled",
        "_slicer",
        "_state",
        "_status",
        "_tagger",
        "_watch",
    )

    def __init__(
        self,
        method: str,
        conditions: Conditions,
        *,
        auto_etag: bool = True,
        max_buffer: int = 1024 * 1024,
        fill: Validators | None = None,
        fetched_for_head: bool = False,
        ranges: bool = True,
        max_ranges: int = MAX_RANGES,
        watch: Watch | None = None,
        settled: Settled | None = None,
    ) -> None:
        self._method = "HEAD" if fetched_for_head else method
        self._settled = settled
        self._ranges = ranges
        self._max_ranges = max_ranges
        self._conditions = conditions
        self._auto_etag = auto_etag
        self._max_buffer = max_buffer
        self._fill = fill
        self._for_head = fetched_for_head
        self._state = _STARTING
        self._body_seen = False
        # Observation costs one test per decision when off (docs/observability.md).
        self._watch = watch
        if watch is not None:
            self._notes: list[str] = []

    @staticmethod
    def needed(
        method: str, conditions: Conditions, *, auto_etag: bool, ranges: bool = True
    ) -> bool:
        """Whether a request needs an engine at all: the fast path for the rest.

        GET needs one for its preconditions, an auto-ETag or ranges; HEAD for
        its preconditions or ``Accept-Ranges``, but never for a tag (a HEAD
        response may omit fields known only from the body, §9.3.2). Any
        other method cannot be helped after the application has run (R36):
        its response goes through untouched.
        """
        if method == "GET":
            return auto_etag or ranges or conditions.decisive
        return method == "HEAD" and (ranges or conditions.decisive)

    @property
    def body_seen(self) -> bool:
        """Whether the application has produced body bytes (a WSGI restart needs to know)."""
        return self._body_seen

    @property
    def holding(self) -> bool:
        """Whether the engine holds the response back (so an adapter must not send it)."""
        return self._state == _HOLDING

    @property
    def dropping(self) -> bool:
        """Whether the body is read and dropped (a GET's, answering a HEAD)."""
        return self._state == _DROPPING

    @property
    def cutting(self) -> bool:
        """Whether a 206 is being cut from the body (so its end must be reported)."""
        return self._state in (_RANGE_PENDING, _SLICING)

    def start(self, status: int, headers: Fields, *, complete: bool = False) -> Step:
        """The application started its response.

        Args:
            status: Its status code.
            headers: Its header fields (never modified).
            complete: The adapter already holds the entire body (a WSGI list);
                otherwise the engine learns it from the first body event.

        Returns:
            :data:`FORWARD`, :data:`HOLD`, a :class:`Release` (of the start
            alone, with the fields condget adds) or a reply.

        Raises:
            EngineError: The response had already begun (an adapter bug; a
                WSGI application may restart only before any body).
        """
        state = self._state
        if state != _STARTING:
            if self._body_seen or state in (_FORWARDING, _DROPPING):
                raise EngineError("the response has begun: it cannot start again")
            self._state = _STARTING  # the application starts over (PEP 3333 exc_info)
        self._status = status
        fill = self._fill
        method = self._method
        # Only a settled hook (a store) gives another method an engine without
        # a fill: what it sends cannot be evaluated after it ran (R36).
        unsafe = fill is None and method != "GET" and method != "HEAD"
        if unsafe or not _eligible(status):
            if self._settled is not None:
                self._report_settled(None, _as_text(headers))
            if self._watch is not None:
                self._fields = scan_response(headers)
                if not _eligible(status):
                    reason = "not-2xx"
                elif self._conditions.decisive:
                    reason = "left-to-application"
                else:
                    reason = "no-preconditions"
                return self._released(self._tell(status, "proceed", None, None, reason))
            return self._released(_NO_FIELDS)
        added: list[tuple[str, str]] = _NO_FIELDS
        if fill is not None:
            text = _as_text(headers)
            added = fill_for(self._method, status, [name for name, _ in text], fill)
            # The preconditions passed before the application ran; what is left
            # is Range (R32 step 5), against the validators the 200 now carries.
            conditions = self._conditions
            self._conditions = Conditions(if_range=conditions.if_range, range=conditions.range)
            fields = scan_response([*text, *added])
        else:
            fields = scan_response(headers)
        self._fields = fields
        self._headers = headers
        self._declared = _declared_length(fields.content_length)
        self._body_bytes = 0
        if fill is not None:
            return self._conclude(None, added, at_start=True)
        if self._auto_etag and fields.etag is None and self._worth_holding(fields):
            tagger = AutoETag.for_fields(
                status,
                fields,
                complete=True,
                max_decoded=_DECODED_PER_BUFFERED * self._max_buffer,
            )
            if tagger is not None:
                self._tagger = tagger
                # Without a length, only a body known to be complete is held:
                # an open-ended stream never is.
                self._needs_complete = fields.content_length is None and not complete
                self._held: list[bytes] = []
                self._held_size = 0
                self._state = _HOLDING
                return HOLD
            if self._watch is not None:
                why = refusal(status, fields, complete=complete)
                assert why is not None  # the reason for_fields refused
                self._note(why)
        elif (
            self._watch is not None
            and self._auto_etag
            and fields.etag is None
            and (self._method == "GET" or self._conditions.decisive)
        ):
            self._note("auto-etag-too-large")
        return self._conclude(None, _NO_FIELDS, at_start=True)

    def _worth_holding(self, fields: ResponseFields) -> bool:
        if self._method == "HEAD" and not self._for_head and not self._conditions.decisive:
            return False  # an unconditional HEAD may omit the tag (§9.3.2)
        # A body that says it is over the limit would only be held to be
        # given up: it streams from its first byte. One that says less is not
        # trusted: held bytes are counted.
        return self._declared is None or self._declared <= self._max_buffer

    def body(self, chunk: bytes, *, more: bool) -> Step:
        """The application sent body bytes; ``more`` is false for its last chunk.

        Returns:
            :data:`FORWARD`, :data:`HOLD`, :data:`DROP`, :data:`IGNORE`,
            :data:`FETCH_GET`, a :class:`Release` (whose ``held`` includes
            ``chunk``) or a reply.

        Raises:
            EngineError: No start came first.
        """
        state = self._state
        if state == _FORWARDING:
            return FORWARD
        if state == _DONE:
            return IGNORE
        if state == _DROPPING:
            return DROP
        if state == _STARTING:
            raise EngineError("a body event before the response started")
        if chunk:
            self._body_seen = True
        if state == _SLICING:
            return self._slice(chunk, more)
        if state == _RANGE_PENDING:
            return self._begin_partial([chunk], more)
        if self._needs_complete:
            self._needs_complete = False
            if more:
                # No length, and more to come: perhaps an open-ended stream
                # (server-sent events, a long poll), which is never held.
                return self._give_up(chunk, "auto-etag-stream")
        size = self._held_size + len(chunk) + (CHUNK_COST if chunk else 0)
        self._held_size = size
        self._body_bytes += len(chunk)
        tagger = self._tagger
        if size > self._max_buffer:
            return self._give_up(chunk, "auto-etag-too-large")  # this chunk is not hashed
        if self._method == "HEAD" and not self._for_head:
            # A conditional HEAD without a tag is answered from the GET of the
            # same target, whose tag it must carry (§9.3.2): the HEAD's own
            # body, if it has one, may hash alike, but the GET's response can
            # carry validators the HEAD's lacks (Django's
            # ConditionalGetMiddleware tags GETs only), and a HEAD answered
            # 304 or 200 with another tag than the GET's misleads a cache.
            self._hold(chunk)  # sent as it came if the engine gives up, or the app fails
            if more:
                return HOLD
            if self._body_bytes or self._declared:
                self._state = _DONE
                return FETCH_GET
            return self._settle(None, _NO_FIELDS, complete=True)  # an empty representation
        tagger.update(chunk)
        if tagger.gave_up:
            return self._give_up(chunk, "auto-etag-gave-up")
        self._hold(chunk)
        if more:
            return HOLD
        tag = tagger.etag()
        if tag is None:
            if self._watch is not None:
                # An empty body, or a compressed one cut short.
                self._note("auto-etag-empty" if tagger.empty else "auto-etag-gave-up")
            return self._settle(None, _NO_FIELDS, complete=True)
        return self._settle(tag, [("ETag", str(tag))], complete=True)

    def file_body(self) -> PartialFile | None:
        """The body is a seekable file (WSGI ``wsgi.file_wrapper``, ASGI ``pathsend``).

        Call it before the first body event. With a 206 planned, the answer
        is its layout, to be read from the file by offset (§14.2: what the
        ranges skip is never read) and the application's body is done with:
        close it unread. Otherwise ``None``: feed the body as usual.
        """
        if self._state != _RANGE_PENDING:
            return None
        self._state = _DONE
        if self._watch is not None:
            told = self._tell(206, "partial", self._pending_decision, self._pending_etag)
            self._partial_headers.extend(told)
        return PartialFile(self._partial_headers, self._partial.segments)

    def opaque_body(self) -> Step:
        """The body comes in a form the engine cannot read (ASGI ``pathsend``, an extension).

        While holding, the auto-ETag is given up and the response decided on
        its own validators; the adapter then passes the event on (unless the
        step is a reply).
        """
        state = self._state
        if state == _RANGE_PENDING:
            # A body sent by path cannot be cut here: the full 200 goes out (R43).
            self._state = _FORWARDING
            added = self._pending_added
            if self._watch is not None:
                self._note("range-ignored:opaque-body")
                added = [
                    *added,
                    *self._tell(200, "proceed", self._pending_decision, self._pending_etag),
                ]
            return Release(added, [])
        if state == _SLICING:
            # A body by path after the 206 began from body bytes: its bytes
            # cannot be cut here, so the 206 ends where it is (short).
            return self._slice(b"", more=False)
        if state != _HOLDING:
            return self.body(b"", more=True)
        self._ranges = False  # what comes next cannot be cut
        if self._watch is not None:
            self._note("auto-etag-opaque-body")
        return self._settle(None, _NO_FIELDS)

    def failed(self) -> Release | None:
        """The application raised. What it had sent must now go out, as without condget.

        Returns:
            The held start and bytes, undecided and untagged, or ``None``
            when nothing is held.
        """
        if self._state != _HOLDING:
            return None
        self._state = _FORWARDING
        return Release(_NO_FIELDS, self._take_held())

    def _hold(self, chunk: bytes) -> None:
        if chunk and not self._for_head:  # a HEAD sends no body: only hashed
            self._held.append(chunk)

    def _take_held(self) -> list[bytes]:
        held, self._held = self._held, []
        return held

    def _give_up(self, chunk: bytes, why: str) -> Step:
        """Stop holding for a tag: decide on the application's own validators."""
        self._hold(chunk)
        if self._watch is not None:
            self._note(why)
        return self._settle(None, _NO_FIELDS)

    def _settle(
        self, tag: ETag | None, added: list[tuple[str, str]], *, complete: bool = False
    ) -> Step:
        # tag: the auto-ETag just computed, or None (the fields' own, if any).
        return self._conclude(None if tag is None else str(tag), added, complete=complete)

    def _note(self, code: str) -> None:
        self._notes.append(code)

    def _report_settled(self, validators: Validators | None, fields: list[tuple[str, str]]) -> None:
        """Call the ``settled`` hook, once the response is decided; keep the notes it returns."""
        assert self._settled is not None
        notes = self._settled(self._status, validators, fields)
        if self._watch is not None:
            self._notes.extend(notes)

    def _tell(
        self,
        status: int,
        outcome: str,
        decision: Decision | None,
        etag: str | None,
        reason: str | None = None,
        saved: int | None = None,
    ) -> list[tuple[str, str]]:
        """Report the decision; the development field to add to the response, if asked for."""
        watch = self._watch
        assert watch is not None
        fields = self._fields
        tagged = etag is not None and fields.etag is None and self._fill is None
        if etag is None:
            etag = fields.etag
        last_modified = fields.last_modified
        if reason is None:
            if self._fill is not None and (decision is None or decision.outcome is Outcome.PROCEED):
                reason = "checked-before-dispatch"  # the hook's validators passed (R36)
            elif decision is None:
                reason = "no-preconditions"
            elif (
                decision.outcome is Outcome.PROCEED
                and etag is None
                and last_modified is None
                and self._conditions.decisive
            ):
                reason = "no-validators"
            else:
                reason = decision.reason
        notes = self._notes
        if tagged:
            notes.insert(0, "auto-etag-from-get" if self._for_head else "auto-etag")
        event = DecisionEvent(
            method=self._method,
            path=watch.path,
            app_status=self._status,
            status=status,
            outcome=outcome,
            decided_by=None
            if decision is None or decision.decided_by is None
            else decision.decided_by.value,
            reason=reason,
            notes=tuple(notes),
            etag=etag,
            last_modified=last_modified,
            bytes_saved=saved,
        )
        return watch.tell(event)

    def _released(self, added: list[tuple[str, str]]) -> Step:
        self._state = _DROPPING if self._for_head else _FORWARDING
        return Release(added, []) if added else FORWARD

    def _conclude(
        self,
        etag: str | None,
        added: list[tuple[str, str]],
        *,
        at_start: bool = False,
        complete: bool = False,
    ) -> Step:
        """Decide the response: a reply, a 206, or the application's own (with ``added``)."""
        decision = self._decide(etag)
        if self._settled is not None:
            fields = self._fields
            validators = _sent_validators(
                fields.etag if etag is None else etag, fields.last_modified
            )
            self._report_settled(validators, [*_as_text(self._headers), *added])
        length = self._declared
        if length is None and complete:
            length = self._body_bytes
        if decision is not None and decision.outcome is not Outcome.PROCEED:
            self._state = _DONE
            self._held = []
            reply = _reply(decision, [*_as_text(self._headers), *added], self._method)
            assert reply is not None
            if self._watch is not None:
                saved = None if self._method == "HEAD" else length
                told = self._tell(
                    reply.status, _OUTCOMES[reply.status], decision, etag, None, saved
                )
                reply = replace(reply, headers=[*reply.headers, *told]) if told else reply
            return reply
        asked = self._method == "GET" and self._conditions.range is not None
        if self._ranges and self._status == 200 and length is not None and _rangeable(self._fields):
            if self._fields.accept_ranges is None and length:
                # R51: only where a range would be served; an empty body has
                # no range to serve (parse_range ignores the field).
                added = [*added, _ACCEPT_RANGES]
            if asked:
                if decision is None or decision.range_allowed:
                    step = self._plan_partial(
                        length, added, decision, etag, at_start=at_start, complete=complete
                    )
                    if step is not None:
                        return step
                elif self._watch is not None:
                    self._note("range-ignored:if-range")  # R46
        elif asked and self._ranges and self._watch is not None:
            # The application's own 206 is its own (R52); otherwise no length,
            # another status, or a coded body (R51).
            self._note(
                "range-by-application" if self._status == 206 else "range-ignored:not-rangeable"
            )
        if self._watch is not None:
            added = [*added, *self._tell(self._status, "proceed", decision, etag)]
        self._state = _DROPPING if self._for_head else _FORWARDING
        if at_start:
            return Release(added, []) if added else FORWARD
        return Release(added, self._take_held())  # the held start goes out now

    def _plan_partial(
        self,
        length: int,
        added: list[tuple[str, str]],
        decision: Decision | None,
        etag: str | None,
        *,
        at_start: bool,
        complete: bool,
    ) -> Step | None:
        """The 206 or 416 for the request's Range, or ``None`` to send the full 200 (R43)."""
        found = parse_range(self._conditions.range, length, max_ranges=self._max_ranges)
        headers = [*_as_text(self._headers), *added]
        if found is RangeStatus.UNSATISFIABLE:
            self._state = _DONE
            self._held = []
            reply = range_not_satisfiable(headers, length=length, add_date=False)  # R45
            if self._watch is not None:
                told = self._tell(416, _OUTCOMES[416], decision, etag, None, length)
                reply = replace(reply, headers=[*reply.headers, *told]) if told else reply
            return reply
        if found is RangeStatus.IGNORE:
            if self._watch is not None:
                self._note(ignored_because(self._conditions.range or "", length, self._max_ranges))
            return None
        try:
            partial = PartialContent(found, length, self._fields.content_type)
        except InvalidRangeError:
            if self._watch is not None:
                self._note("range-ignored:content-type")  # one a part cannot repeat
            return None
        if not partial.streamable:
            if self._watch is not None:
                self._note("range-ignored:order")  # the full 200 rather than buffering (R49)
            return None
        replaced = _MULTIPART_REPLACES if partial.boundary is not None else _PART_REPLACES
        self._partial_headers = [
            *((name, value) for name, value in headers if name.lower() not in replaced),
            *partial.headers,
        ]
        self._partial = partial
        self._slicer = RangeSlicer(partial)
        if self._watch is not None:
            self._pending_decision = decision
            self._pending_etag = etag
        if at_start:
            # The body's form is not known yet (an ASGI pathsend cannot be cut):
            # the 206 starts with the first body event.
            self._pending_added = added
            self._state = _RANGE_PENDING
            return HOLD
        return self._begin_partial(self._take_held(), more=not complete)

    def _begin_partial(self, chunks: list[bytes], more: bool) -> Partial:
        if self._watch is not None:
            told = self._tell(206, "partial", self._pending_decision, self._pending_etag)
            self._partial_headers.extend(told)
        slicer = self._slicer
        body = b"".join(slicer.feed(chunk) for chunk in chunks)
        last = slicer.done or not more  # a body shorter than announced ends the 206 short
        self._state = _DONE if last else _SLICING
        return Partial(self._partial_headers, body, last)

    def _slice(self, chunk: bytes, more: bool) -> Emit:
        slicer = self._slicer
        body = slicer.feed(chunk)
        last = slicer.done or not more  # a body shorter than announced ends the 206 short
        if last:
            self._state = _DONE
        return Emit(body, last)

    def _decide(self, etag: str | None) -> Decision | None:
        """Evaluate the preconditions against the response's validators (§13.2.2).

        ``None`` when there is nothing to evaluate: no precondition, and no
        Range with an If-Range to decide.
        """
        conditions = self._conditions
        if not conditions.decisive and (conditions.range is None or conditions.if_range is None):
            return None
        fields = self._fields
        if etag is None:
            etag = fields.etag
        last_modified = fields.last_modified
        return evaluate(
            self._method,
            conditions,
            etag=None if etag is None else response_etag(etag),
            last_modified=None if last_modified is None else response_date(last_modified),
            status=self._status,
        )


def _sent_validators(etag: str | None, last_modified: str | None) -> Validators | None:
    """The validators a response goes out with, read as :meth:`Validators.from_response_headers`."""
    tag = None if etag is None else response_etag(etag)
    seconds = None if last_modified is None else response_date(last_modified)
    if tag is None and seconds is None:
        return None
    return Validators(tag, seconds)


def _rangeable(fields: ResponseFields) -> bool:
    # R51: ranges address the content-coded bytes, and a coding applied per
    # request (a compressor) gives other bytes every time: only an identity
    # body is cut. An app's own 206 (Content-Range) is its own (R52), and
    # "Accept-Ranges: none" is its word.
    accept = fields.accept_ranges
    coding = fields.content_encoding
    return (
        fields.content_range is None
        and (accept is None or accept.strip(" \t").lower() == "bytes")
        and (coding is None or coding.strip(" \t").lower() == "identity")
    )


def _declared_length(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip(" \t")
    # At most 18 ASCII digits (§8.6: 1*DIGIT): a real length, and no
    # conversion of a huge number. str.isdigit alone accepts "²", which int()
    # refuses.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _as_text(headers: Fields) -> list[tuple[str, str]]:
    # ASGI's bytes, WSGI's text, each decoded where it is bytes.
    text = []
    for name, value in headers:
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        text.append((name, value))
    return text
