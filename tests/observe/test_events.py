"""Decision events through both middlewares: a named row per reason and note (observability.md).

Each row is an application response and a request; both middlewares must
report exactly the row's status, outcome, reason and notes to the observer,
log the same event at DEBUG, and show it in the development field.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import condget
from condget import Validators
from condget._ranges import ignored_because
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.observe import DECISION_HEADER, LOGGER, DecisionEvent
from condget.ranges import RangeStatus, parse_range
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import app_sending, call, call_async, response_of
from tests.wsgi.support import App, environ, serve

ROOT = Path(__file__).resolve().parents[2]
BODY = b"0123456789"
TAG = '"v1"'
LM = "Sun, 06 Nov 1994 08:49:37 GMT"


class Row(NamedTuple):
    name: str
    request: dict[str, str]
    status: int
    outcome: str
    reason: str
    notes: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = (("ETag", TAG),)
    app_status: int = 200
    method: str = "GET"
    body: bytes = BODY
    options: tuple[tuple[str, Any], ...] = ()
    decided_by: str | None = None


ROWS = [
    Row("no conditions", {}, 200, "proceed", "no-preconditions"),
    Row(
        "if-none-match matches",
        {"If-None-Match": TAG},
        304,
        "not-modified",
        "inm-match",
        decided_by="If-None-Match",
    ),
    Row("if-none-match other", {"If-None-Match": '"x"'}, 200, "proceed", "inm-no-match"),
    Row(
        "if-match stale",
        {"If-Match": '"x"'},
        412,
        "precondition-failed",
        "im-no-match",
        decided_by="If-Match",
    ),
    Row(
        "if-modified-since",
        {"If-Modified-Since": LM},
        304,
        "not-modified",
        "ims-not-modified",
        headers=(("Last-Modified", LM),),
        decided_by="If-Modified-Since",
        options=(("auto_etag", False),),
    ),
    Row("an error response", {"If-None-Match": TAG}, 404, "proceed", "not-2xx", app_status=404),
    Row(
        "auto-etag",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "inm-no-match",
        ("auto-etag",),
        headers=(),
    ),
    Row(
        "no validators",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-no-store",),
        headers=(("Cache-Control", "no-store"),),
    ),
    Row(
        "too large to tag",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-too-large",),
        headers=(),
        options=(("max_buffer", 4),),
    ),
    Row(
        "event stream",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-stream",),
        headers=(("Content-Type", "text/event-stream"),),
    ),
    Row(
        "partial from the app",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-partial",),
        headers=(("Content-Range", "bytes 0-9/20"),),
    ),
    Row(
        "a coding condget cannot undo",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-coding",),
        headers=(("Content-Encoding", "br"),),
    ),
    Row(
        "gzip that does not decode",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-gave-up",),
        headers=(("Content-Encoding", "gzip"),),
    ),
    Row(
        "a truncated gzip body",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-gave-up",),
        headers=(("Content-Encoding", "gzip"),),
        body=gzip.compress(BODY)[:-12],
    ),
    Row(
        "an empty body gets no tag",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "no-validators",
        ("auto-etag-empty",),
        headers=(),
        body=b"",
    ),
    Row("one range", {"Range": "bytes=0-1"}, 206, "partial", "no-preconditions"),
    Row(
        "unsatisfiable range",
        {"Range": "bytes=50-"},
        416,
        "range-not-satisfiable",
        "no-preconditions",
    ),
    Row(
        "range with a stale if-range",
        {"Range": "bytes=0-1", "If-Range": '"x"'},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:if-range",),
    ),
    Row(
        "range of another unit",
        {"Range": "items=0-1"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:unit",),
    ),
    Row(
        "invalid range",
        {"Range": "bytes=5-1"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:invalid",),
    ),
    Row(
        "too many ranges",
        {"Range": "bytes=0-0,2-2,4-4"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:too-many",),
        options=(("max_ranges", 2),),
    ),
    Row(
        "ranges adding up to too much",
        {"Range": "bytes=0-,0-"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:too-much",),
    ),
    Row(
        "an empty body",
        {"Range": "bytes=0-1"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:empty",),
        body=b"",
    ),
    Row(
        "ranges out of order",
        {"Range": "bytes=6-7,0-1"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:order",),
    ),
    Row(
        "a content type a part cannot repeat",
        {"Range": "bytes=0-1,4-5"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:content-type",),
        headers=(("ETag", TAG), ("Content-Type", "text/plain; x=\x7f")),
    ),
    Row(
        "a coded body is not cut",
        {"Range": "bytes=0-1"},
        200,
        "proceed",
        "no-preconditions",
        ("range-ignored:not-rangeable",),
        headers=(("ETag", TAG), ("Content-Encoding", "gzip")),
        body=gzip.compress(BODY),
    ),
    Row(
        "the applications own 206",
        {"Range": "bytes=0-1"},
        206,
        "proceed",
        "no-preconditions",
        ("auto-etag-partial", "range-by-application"),
        headers=(("Content-Range", "bytes 0-9/20"),),
        app_status=206,
    ),
    Row(
        "conditional head without a body",
        {"If-None-Match": '"x"'},
        200,
        "proceed",
        "inm-no-match",
        ("auto-etag-from-get",),
        headers=(),
        method="HEAD",
    ),
]


def wsgi_response(row: Row, observer: Any, **options: Any) -> tuple[int, dict[str, str]]:
    headers = [*row.headers, ("Content-Length", str(len(row.body)))]
    app = App(status=f"{row.app_status} X", headers=headers, chunks=[row.body], head_body=False)
    middleware = WSGIMiddleware(app, observer=observer, **dict(row.options), **options)
    response = serve(middleware, environ(row.method, row.request.items(), "/item"))
    return response.code, {name.lower(): value for name, value in response.headers}


def asgi_response(row: Row, observer: Any, **options: Any) -> tuple[int, dict[str, str]]:
    app = app_sending(row.app_status, row.headers, [row.body] if row.body else [])
    if row.method == "HEAD":
        app = _without_head_body(app)
    middleware = ASGIMiddleware(app, observer=observer, **dict(row.options), **options)
    response = response_of(call(middleware, row.method, row.request.items(), "/item"))
    return response.status, {name.lower(): value for name, value in response.headers}


def _without_head_body(app: Any) -> Any:
    async def head_without_body(scope: Any, receive: Any, send: Any) -> None:
        async def no_body(message: Any) -> None:
            if scope["method"] == "HEAD" and message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await app(scope, receive, no_body)

    return head_without_body


SURFACES = {"wsgi": wsgi_response, "asgi": asgi_response}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_event(row: Row, surface: str) -> None:
    events: list[DecisionEvent] = []
    status, headers = SURFACES[surface](row, events.append, decision_header=True)
    assert status == row.status
    [event] = events
    assert (event.status, event.outcome, event.reason, event.notes) == (
        row.status,
        row.outcome,
        row.reason,
        row.notes,
    )
    assert event.method == row.method
    assert event.path == "/item"
    assert event.app_status == row.app_status
    assert event.decided_by == row.decided_by
    assert headers[DECISION_HEADER.lower()] == event.header_value()
    if row.status in (304, 412) and row.method == "GET":
        assert event.bytes_saved == len(row.body)


@pytest.mark.parametrize("surface", SURFACES)
def test_nothing_is_built_when_nobody_watches(surface: str) -> None:
    row = ROWS[1]
    status, headers = SURFACES[surface](row, None)
    assert status == 304
    assert DECISION_HEADER.lower() not in headers


@pytest.mark.parametrize("surface", SURFACES)
def test_the_debug_log_carries_the_event(surface: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="condget"):
        status, headers = SURFACES[surface](ROWS[1], None)
    assert status == 304
    assert DECISION_HEADER.lower() not in headers  # the log alone adds no field
    [record] = [r for r in caplog.records if r.name == "condget"]
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "GET /item: 304 not-modified (inm-match)"
    attributes = record.condget  # type: ignore[attr-defined]
    assert attributes["http.response.status_code"] == 304
    assert attributes["condget.reason"] == "inm-match"
    assert attributes["condget.etag"] == TAG
    assert "condget.notes" not in attributes


@pytest.mark.parametrize("surface", SURFACES)
def test_an_observer_that_raises_never_fails_the_request(
    surface: str, caplog: pytest.LogCaptureFixture
) -> None:
    def observer(event: DecisionEvent) -> None:
        raise RuntimeError("metrics are down")

    with caplog.at_level(logging.INFO, logger="condget"):
        status, _ = SURFACES[surface](ROWS[1], observer)
    assert status == 304
    [record] = [r for r in caplog.records if r.name == "condget"]
    assert record.levelno == logging.ERROR
    assert "metrics are down" in (record.exc_text or "")


def hook(_: Any) -> Validators:
    return Validators(etag=TAG)


@pytest.mark.parametrize(
    ("request_fields", "status", "reason"),
    [
        ({"If-Match": '"x"'}, 412, "im-no-match"),
        ({"If-Match": TAG}, 200, "checked-before-dispatch"),
    ],
)
@pytest.mark.parametrize("surface", ["wsgi", "asgi"])
def test_events_of_the_validators_hook(
    surface: str, request_fields: dict[str, str], status: int, reason: str
) -> None:
    events: list[DecisionEvent] = []
    row = ROWS[0]._replace(request=request_fields, method="PUT")
    if surface == "wsgi":
        app = App(headers=[("Content-Length", "10")], chunks=[BODY])
        middleware: Any = WSGIMiddleware(app, validators=hook, observer=events.append)
        code = serve(middleware, environ("PUT", row.request.items(), "/item")).code
    else:

        async def async_hook(scope: Any) -> Validators:
            return hook(scope)

        asgi_app = app_sending(200, (), [BODY])
        middleware = ASGIMiddleware(asgi_app, validators=async_hook, observer=events.append)
        code = response_of(call(middleware, "PUT", row.request.items(), "/item")).status
    assert code == status
    [event] = events
    assert event.reason == reason
    assert event.app_status == (None if status == 412 else 200)


@pytest.mark.parametrize(
    ("request_fields", "tagged", "kind", "status", "note"),
    [
        (
            {"Range": "bytes=0-1"},
            True,
            "http.response.zerocopysend",
            200,
            "range-ignored:opaque-body",
        ),
        ({"If-None-Match": '"x"'}, False, "http.response.pathsend", 200, "auto-etag-opaque-body"),
        ({"Range": "bytes=0-1"}, True, "http.response.pathsend", 206, None),
    ],
)
def test_bodies_the_engine_cannot_read_are_noted(
    request_fields: dict[str, str], tagged: bool, kind: str, status: int, note: str | None
) -> None:
    headers = [(b"content-length", b"10"), *([(b"etag", TAG.encode())] if tagged else [])]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if kind == "http.response.pathsend":
            await send({"type": kind, "path": "/dev/zero"})
        else:
            await send({"type": kind, "file": 0, "count": 10})

    events: list[DecisionEvent] = []
    middleware = ASGIMiddleware(app, observer=events.append)
    messages = asyncio.run(call_async(middleware, "GET", request_fields.items(), "/file"))
    assert response_of(messages).status == status
    [event] = events
    assert event.notes == (() if note is None else (note,))  # a file by path is sought


def test_the_event_as_attributes() -> None:
    event = DecisionEvent(
        method="GET",
        path="/a",
        app_status=None,
        status=412,
        outcome="precondition-failed",
        decided_by="If-Match",
        reason="im-weak-tag",
        notes=("auto-etag",),
        etag='W/"v"',
        last_modified=None,
        bytes_saved=None,
    )
    assert event.attributes() == {
        "http.request.method": "GET",
        "url.path": "/a",
        "http.response.status_code": 412,
        "condget.outcome": "precondition-failed",
        "condget.reason": "im-weak-tag",
        "condget.decided_by": "If-Match",
        "condget.etag": 'W/"v"',
        "condget.notes": ("auto-etag",),
    }
    assert event.header_value() == "412; im-weak-tag; auto-etag; by=If-Match"


def test_every_code_is_documented() -> None:
    page = (ROOT / "docs" / "observability.md").read_text()
    documented = set(re.findall(r"^\| `([a-z0-9:-]+)` \|", page, re.MULTILINE))
    used = {row.reason for row in ROWS} | {note for row in ROWS for note in row.notes}
    assert used <= documented
    # The installed package's sources: the packaging check runs this from an
    # sdist's tests against the wheel, with no condget/ beside them.
    package = Path(condget.__file__).parent
    source = "\n".join(path.read_text() for path in package.rglob("_*.py"))
    in_code = set(re.findall(r'"((?:auto-etag|range-ignored|store-)[a-z:-]*)"', source))
    assert {code for code in in_code if code.startswith("store-")} >= {
        "store-hit",
        "store-miss",
        "store-passed",
        "store-recorded",
        "store-record-sent",
        "store-invalidated",
        "store-unavailable",
    }
    assert in_code <= documented
    reasons = set(re.findall(r'reason = "([a-z-]+)"', source))
    assert reasons <= documented


@pytest.mark.parametrize(
    ("field", "length", "code"),
    [
        ("bytes=0-1", 0, "range-ignored:empty"),
        ("items=0-1", 10, "range-ignored:unit"),
        ("bytes 0-1", 10, "range-ignored:unit"),
        ("bytes=0-0,2-2,4-4", 10, "range-ignored:too-many"),
        ("bytes=,5-1", 10, "range-ignored:invalid"),
        ("bytes=0-1,x", 10, "range-ignored:invalid"),
        ("bytes= ", 10, "range-ignored:invalid"),
        ("bytes=-5,0-", 10, "range-ignored:too-much"),
    ],
)
def test_why_a_range_was_ignored(field: str, length: int, code: str) -> None:
    assert parse_range(field, length, max_ranges=2) is RangeStatus.IGNORE
    assert ignored_because(field, length, 2) == code


def test_the_logger_is_condgets() -> None:
    assert LOGGER.name == "condget"
