"""One authority: the ASGI application never sees a GET's or HEAD's conditional fields.

condget hides them (``hide_conditions``, on by default) so that whatever the
framework inside would do with them (Starlette's ``StaticFiles`` and
``FileResponse``), the client gets condget's answer for the final
representation (RFC 9110 §13.2.2).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from condget import Conditions, Validators
from condget.asgi import ConditionalMiddleware
from condget.engine import HIDDEN_CONDITIONS
from tests.asgi.support import Message, call, response_of, scope

EVERY_FIELD = (
    ("If-Match", '"a"'),
    ("If-None-Match", '"b"'),
    ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("If-Range", '"c"'),
    ("Range", "bytes=0-1"),
)
CONDITIONAL = {name.lower() for name, _ in EVERY_FIELD}


class Seen(NamedTuple):
    """What the application saw of the request's conditional fields."""

    method: str
    options: dict[str, Any]
    fields: set[str]


HIDDEN_TABLE = [
    pytest.param(Seen("GET", {}, set()), id="GET: the app sees none of the six fields"),
    pytest.param(Seen("HEAD", {}, set()), id="HEAD: the app sees none of the six fields"),
    pytest.param(
        Seen("GET", {"ranges": False}, {"range", "if-range"}),
        id="GET without condget's ranges: Range and If-Range are the app's",
    ),
    pytest.param(
        Seen("GET", {"hide_conditions": False}, CONDITIONAL),
        id="GET with hide_conditions=False: the app sees all six",
    ),
    pytest.param(
        Seen("HEAD", {"hide_conditions": False}, CONDITIONAL),
        id="HEAD with hide_conditions=False: the app sees all six",
    ),
]


def recording_app(seen: list[set[str]]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append({name.decode() for name, _ in scope["headers"] if name.decode() in CONDITIONAL})
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"b"')]})
        await send({"type": "http.response.body", "body": b"body"})

    return app


@pytest.mark.parametrize("row", HIDDEN_TABLE)
def test_which_fields_the_application_sees(row: Seen) -> None:
    seen: list[set[str]] = []
    call(ConditionalMiddleware(recording_app(seen), **row.options), row.method, EVERY_FIELD)
    assert seen == [row.fields]


def test_the_conditions_as_they_came_stay_in_the_scope() -> None:
    """condget's own route helpers inside the middleware read them there."""
    kept: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        kept.append(scope.get(HIDDEN_CONDITIONS))
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    call(ConditionalMiddleware(app), "GET", EVERY_FIELD)
    assert kept == [Conditions.from_headers(EVERY_FIELD)]


def test_a_write_keeps_its_precondition_for_the_application() -> None:
    """condget judged the write before it ran; the app's own check in its transaction stays."""
    seen: list[set[str]] = []
    messages = call(ConditionalMiddleware(recording_app(seen)), "PUT", [("If-Match", '"b"')])
    assert response_of(messages).status == 200
    assert seen == [set(), {"if-match"}]  # the GET that judged it, then the PUT


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 3800)
    return tmp_path


def starlette_app(site: Path, *, wrapped: bool = True) -> Starlette:
    async def report(request: Any) -> FileResponse:
        return FileResponse(site / "report.pdf", filename="report.pdf")

    app = Starlette(
        routes=[
            Route("/report", report),
            Mount("/static", StaticFiles(directory=site)),
        ]
    )
    if wrapped:
        app.add_middleware(ConditionalMiddleware)
    return app


@pytest.mark.parametrize("path", ["/report", "/static/report.pdf"])
def test_starlettes_304_is_condgets_with_the_200s_fields(site: Path, path: str) -> None:
    """StaticFiles' own 304 lacks Last-Modified; condget's keeps the 200's fields (R33)."""
    app = starlette_app(site)
    full = response_of(call(app, "GET", path=path))
    etag, last_modified = full.header("etag"), full.header("last-modified")
    assert full.status == 200
    assert etag is not None
    assert last_modified is not None
    for request in (("If-None-Match", etag), ("If-Modified-Since", last_modified)):
        answer = response_of(call(app, "GET", [request], path))
        assert answer.status == 304
        assert answer.body == b""
        assert answer.header("last-modified") == last_modified
        assert answer.header("etag") == etag
        assert answer.header("content-length") is None


@pytest.mark.parametrize("path", ["/report", "/static/report.pdf"])
def test_starlettes_412_is_condgets_without_the_file(site: Path, path: str) -> None:
    """A 412 describes no representation: no file bytes, no Content-Disposition (R38)."""
    answer = response_of(call(starlette_app(site), "GET", [("If-Match", '"other"')], path))
    assert answer.status == 412
    assert b"%PDF" not in answer.body
    assert answer.header("content-disposition") is None


def run_recorded(inner: Any, request: dict[str, Any]) -> tuple[list[Message], list[Message]]:
    """Run ``inner`` behind condget: what the application sent, and what the server got."""
    sent_by_app: list[Message] = []
    sent: list[Message] = []

    async def recorder(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def recording_send(message: Message) -> None:
            sent_by_app.append(message)
            await send(message)

        await inner(scope, receive, recording_send)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(ConditionalMiddleware(recorder)(request, receive, send))
    return sent_by_app, sent


def test_a_file_answered_304_by_a_pathsend_server_is_never_read(site: Path) -> None:
    """With the server's pathsend, a FileResponse sends its path: dropped unread on a 304."""
    etag = response_of(call(starlette_app(site), "GET", path="/report")).header("etag")
    assert etag is not None
    request = scope("GET", [("If-None-Match", etag)], "/report")  # pathsend offered
    sent_by_app, sent = run_recorded(starlette_app(site, wrapped=False), request)
    assert response_of(sent).status == 304
    assert [message["type"] for message in sent_by_app] == [
        "http.response.start",
        "http.response.pathsend",
    ]


def test_a_conditional_get_keeps_its_compression(site: Path) -> None:
    """condget offers pathsend only for a Range: a compressor inside passes a path uncompressed."""
    (site / "app.css").write_text("body { color: black; }\n" * 500)

    async def css(request: Any) -> FileResponse:
        return FileResponse(site / "app.css")

    inner = Starlette(routes=[Route("/app.css", css)])
    inner.add_middleware(GZipMiddleware)
    request = scope("GET", [("Accept-Encoding", "gzip"), ("If-None-Match", '"old"')], "/app.css")
    request["extensions"] = {}  # a server without pathsend (uvicorn)
    _, sent = run_recorded(inner, request)
    response = response_of(sent)
    assert (response.status, response.header("content-encoding")) == (200, "gzip")
    assert len(response.body) < 1000


def test_nested_middlewares_read_the_conditions_kept_in_the_scope() -> None:
    """An inner condget behind an outer one answers from its hook before its app runs."""
    runs: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        runs.append(scope["method"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    inner = ConditionalMiddleware(app, validators=lambda scope: Validators('"v1"'))
    messages = call(ConditionalMiddleware(inner), "GET", [("If-None-Match", '"v1"')])
    assert (response_of(messages).status, runs) == (304, [])
