"""One authority: the WSGI application never sees a GET's or HEAD's conditional fields.

condget hides them (``hide_conditions``, on by default) so that whatever the
framework inside would do with them (Werkzeug's ``make_conditional`` behind
Flask's ``send_file``, Django's ConditionalGetMiddleware), the client gets
condget's answer for the final representation (RFC 9110 §13.2.2).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, NamedTuple
from wsgiref.util import FileWrapper

import pytest
from flask import Flask, send_file

from condget import Validators
from condget.flask import conditional
from condget.wsgi import ConditionalMiddleware, conditions_from_environ
from tests.wsgi.support import Environ, environ, serve

EVERY_FIELD = (
    ("If-Match", '"a"'),
    ("If-None-Match", '"b"'),
    ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("If-Range", '"c"'),
    ("Range", "bytes=0-1"),
)
CONDITIONAL = {f"HTTP_{name.upper().replace('-', '_')}" for name, _ in EVERY_FIELD}


class Seen(NamedTuple):
    """What the application saw of the request's conditional fields."""

    method: str
    options: dict[str, Any]
    fields: set[str]


HIDDEN_TABLE = [
    pytest.param(
        Seen("GET", {}, set()),
        id="GET: the app sees none of the six fields",
    ),
    pytest.param(
        Seen("HEAD", {}, set()),
        id="HEAD: the app sees none of the six fields",
    ),
    pytest.param(
        Seen("GET", {"ranges": False}, {"HTTP_RANGE", "HTTP_IF_RANGE"}),
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
    def app(env: Environ, start_response: Any) -> list[bytes]:
        seen.append({key for key in env if key in CONDITIONAL})
        start_response("200 OK", [("Content-Type", "text/plain"), ("ETag", '"b"')])
        return [b"body"]

    return app


@pytest.mark.parametrize("row", HIDDEN_TABLE)
def test_which_fields_the_application_sees(row: Seen) -> None:
    seen: list[set[str]] = []
    server_environ = environ(row.method, EVERY_FIELD)
    given = dict(server_environ)
    serve(ConditionalMiddleware(recording_app(seen), **row.options), server_environ)
    assert seen == [row.fields]
    # A copy is hidden from, not the server's dict: its access log and any
    # outer middleware still see the request as it came.
    assert server_environ == given


def test_the_conditions_as_they_came_stay_readable_inside() -> None:
    """conditions_from_environ inside the middleware gives what the client sent."""
    read = []

    def app(env: Environ, start_response: Any) -> list[bytes]:
        read.append(conditions_from_environ(env))
        start_response("200 OK", [])
        return []

    serve(ConditionalMiddleware(app), environ("GET", EVERY_FIELD))
    assert read == [conditions_from_environ(environ("GET", EVERY_FIELD))]


def test_a_write_keeps_its_precondition_for_the_application() -> None:
    """condget judged the write before it ran; the app's own check in its transaction stays."""
    seen: list[set[str]] = []
    middleware = ConditionalMiddleware(recording_app(seen))
    response = serve(middleware, environ("PUT", [("If-Match", '"b"')]))
    assert response.code == 200
    assert seen == [set(), {"HTTP_IF_MATCH"}]  # the GET that judged it, then the PUT


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 " + b"x" * 3800)
    return path


def send_file_app(report: Path) -> Flask:
    """Flask's send_file answers conditional requests itself (Werkzeug make_conditional)."""
    app = Flask(__name__)

    @app.get("/report")
    def download() -> Any:
        return send_file(report, as_attachment=True, max_age=60)

    return app


def test_send_files_412_is_condgets_without_the_file(report: Path) -> None:
    """Werkzeug's own 412 carries the whole file and its Content-Disposition (R38)."""
    app = send_file_app(report)
    app.wsgi_app = ConditionalMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    response = serve(app, environ("GET", [("If-Match", '"other"')], "/report"))
    assert response.code == 412
    assert report.read_bytes() not in response.body
    assert response.header("Content-Disposition") is None


def test_send_file_if_match_star_is_true_for_a_file_that_exists(report: Path) -> None:
    """Werkzeug answers If-Match: * with 412; the file exists, so it is true (R5, §13.1.1)."""
    app = send_file_app(report)
    app.wsgi_app = ConditionalMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    response = serve(app, environ("GET", [("If-Match", "*")], "/report"))
    assert response.code == 200
    assert response.body == report.read_bytes()


def test_without_hiding_werkzeug_answers_itself(report: Path) -> None:
    """The opt-out shows what hiding prevents: Werkzeug's 412 with the file in it."""
    app = send_file_app(report)
    app.wsgi_app = ConditionalMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, hide_conditions=False
    )
    response = serve(app, environ("GET", [("If-Match", '"other"')], "/report"))
    assert response.code == 412
    assert report.read_bytes() in response.body


def test_send_files_304_is_condgets_with_last_modified(report: Path) -> None:
    """Werkzeug's own 304 drops Last-Modified; condget's keeps the 200's fields (R33)."""
    app = send_file_app(report)
    app.wsgi_app = ConditionalMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    full = serve(app, environ("GET", [], "/report"))
    etag = full.header("ETag")
    assert full.code == 200
    assert etag is not None
    for request in (
        [("If-None-Match", etag)],
        [("If-Modified-Since", full.header("Last-Modified") or "")],
    ):
        answer = serve(app, environ("GET", request, "/report"))
        assert answer.code == 304
        assert answer.body == b""
        assert answer.header("Last-Modified") == full.header("Last-Modified")
        assert answer.header("Cache-Control") == full.header("Cache-Control")
        assert answer.header("Content-Length") is None


class CountingFile(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_file_body_answered_304_is_closed_unread() -> None:
    """What hiding costs an app that would have answered 304 itself: no file read."""
    file = CountingFile(b"x" * 100_000)

    def app(env: Environ, start_response: Any) -> Any:
        start_response("200 OK", [("ETag", '"f"'), ("Content-Length", "100000")])
        return env["wsgi.file_wrapper"](file, 8192)

    env = environ("GET", [("If-None-Match", '"f"')])
    env["wsgi.file_wrapper"] = FileWrapper
    response = serve(ConditionalMiddleware(app), env)
    assert response.code == 304
    assert file.bytes_read == 0
    assert file.closed


def test_condgets_decorator_inside_still_skips_the_view() -> None:
    """The Flask decorator reads the hidden conditions, so a 304 still costs no view."""
    app = Flask(__name__)
    runs: list[str] = []

    @app.get("/page")
    @conditional(lambda: Validators('"v1"'))
    def page() -> str:
        runs.append("page")
        return "page"

    app.wsgi_app = ConditionalMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    response = serve(app, environ("GET", [("If-None-Match", '"v1"')], "/page"))
    assert response.code == 304
    assert runs == []


def test_nested_middlewares_both_see_the_conditions() -> None:
    """An inner condget (a library's own wrap) reads what the outer one hid."""
    seen: list[set[str]] = []
    app = ConditionalMiddleware(ConditionalMiddleware(recording_app(seen)))
    response = serve(app, environ("GET", [("If-None-Match", '"b"'), ("Range", "bytes=0-1")]))
    assert response.code == 304
    assert seen == [set()]
