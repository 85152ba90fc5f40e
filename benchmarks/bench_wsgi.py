"""WSGI benchmark: condget's middleware beside a bare app, minimal middlewares, Flask and Django.

Run: .venv/bin/python benchmarks/bench_wsgi.py [--rounds N] [--quick] [--memory-mib N]

Apps are called directly with an ``environ`` and a ``start_response`` (no
server, no sockets), and the body is read and closed as a server would, so
the numbers are the middleware's own cost. The contenders of a scenario run
in interleaved rounds, in a new random order each round, so machine noise
hits all alike; the table shows the median time per request over the
rounds, the difference from the scenario's first row and the ratio to it.
Times are the process's CPU time (``time.process_time``), so that other
processes on a shared machine do not count.

The floors condget is held to (issue 9) are the least a middleware of each
kind can do: a pass-through that only wraps ``start_response``, a minimal
200 -> 304 middleware (the app's ETag against If-None-Match, as strings) and
a minimal auto-ETag middleware (hold the body, MD5, a weak ETag, compare).
Targets, as ratios of added cost (over the bare app) in one run: a 200 with
an app ETag at most 2x the pass-through's, a 304 at most 2x the minimal
200 -> 304's, the auto-ETag of a 1 KiB body at most 2x the minimal MD5's,
and a HEAD of a 200 MiB file within 1.5x of the bare app.

Also measured (issue 3): Django's ConditionalGetMiddleware against condget,
the auto-ETag's hashing throughput, and the peak extra memory (tracemalloc)
of a large body streamed through the middleware with auto-ETag on.
"""

from __future__ import annotations

import argparse
import email.utils
import gc
import hashlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import FileWrapper

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=[],
    USE_TZ=True,
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from flask import Flask, Response, request, send_file  # noqa: E402

from condget.engine import AutoETag  # noqa: E402
from condget.wsgi import ConditionalMiddleware  # noqa: E402

App = Callable[[dict[str, Any], Any], Iterable[bytes]]
KIB = 1024
MIB = 1024 * KIB
SIZES = {"1 KiB": KIB, "100 KiB": 100 * KIB, "10 MiB": 10 * MIB}
FILE_SIZE = 200 * MIB
APP_ETAG = '"v1"'
BROWSER_ENVIRON = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "QUERY_STRING": "",
    "SERVER_NAME": "example.com",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_HOST": "example.com",
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.5",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
    "HTTP_CONNECTION": "keep-alive",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}
EMPTY = io.BytesIO()


def environ_for(path: str, **headers: str) -> dict[str, Any]:
    return {**BROWSER_ENVIRON, "PATH_INFO": path, "wsgi.input": EMPTY, **headers}


def _write(data: bytes) -> None:
    pass


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return _write


def body_of(size: int) -> bytes:
    block = random.Random(size).randbytes(min(size, 4096))
    return block * (size // len(block))


# --- The contenders ------------------------------------------------------------------------


def bare_app(body: bytes, *, etag: bool) -> App:
    """The plain WSGI app every middleware contender wraps."""
    fields = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    if etag:
        fields.append(("ETag", APP_ETAG))

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", list(fields))
        return [body]

    return app


class PassThrough:
    """The least a start_response-wrapping middleware can do: the floor for condget."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def wrapped(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, headers, exc_info)

        return self.app(environ, wrapped)


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


class MinimalConditional:
    """The least a 200 -> 304 middleware can do: the floor for condget's 304.

    It reads the app's ETag from the response's fields and compares it with
    If-None-Match by plain string equality (no lists, no weak comparison, no
    If-Modified-Since, no 412).
    """

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        matched = False

        def wrapped(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal matched
            if if_none_match is not None and status[:3] == "200":
                for name, value in headers:
                    if value == if_none_match and name.lower() == "etag":
                        matched = True
                        return start_response("304 Not Modified", [(name, value)])
            return start_response(status, headers, exc_info)

        body = self.app(environ, wrapped)
        if not matched:
            return body
        _close(body)
        return []


class MinimalAutoETag:
    """The least an auto-ETag middleware can do: the floor for condget's auto-ETag.

    It holds the whole body, takes its MD5, adds a weak ETag and compares it
    with If-None-Match by plain string equality (no max_buffer, no streaming).
    """

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started: list[Any] = []
        parts: list[bytes] = []

        def wrapped(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = (status, headers)
            return parts.append

        body = self.app(environ, wrapped)
        try:
            parts.extend(body)
        finally:
            _close(body)
        status, headers = started
        data = b"".join(parts)
        if status[:3] != "200" or any(name.lower() == "etag" for name, _ in headers):
            start_response(status, headers)
            return [data]
        etag = f'W/"{hashlib.md5(data).hexdigest()}"'
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response("304 Not Modified", [("ETag", etag)])
            return []
        start_response(status, [*headers, ("ETag", etag)])
        return [data]


def md5_tag(body: bytes) -> str:
    return f'W/"{hashlib.md5(body).hexdigest()}"'


def file_app(path: str) -> App:
    """A static-file app: stat per request, ETag and Last-Modified, wsgi.file_wrapper for GET.

    Like Werkzeug's responses, it sends no body for HEAD (its server would
    send none).
    """

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        stat = os.stat(path)
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(stat.st_size)),
                ("ETag", f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'),
                ("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True)),
            ],
        )
        if environ["REQUEST_METHOD"] == "HEAD":
            return []
        wrapper: Callable[..., Iterable[bytes]] = environ["wsgi.file_wrapper"]
        return wrapper(open(path, "rb"), 64 * KIB)

    return app


def flask_file_app(path: str) -> Flask:
    """Flask's send_file (conditional, ETag, Range) on the same file."""
    app = Flask(__name__)

    @app.get("/file")
    def file() -> Response:
        return send_file(path, mimetype="application/octet-stream")

    return app


def flask_app(body: bytes) -> Flask:
    """A Flask app: its own ETag, make_conditional, add_etag (werkzeug's auto-ETag)."""
    app = Flask(__name__)

    @app.get("/tagged")
    def tagged() -> Response:
        return Response(body, mimetype="text/plain", headers={"ETag": APP_ETAG})

    @app.get("/untagged")
    def untagged() -> Response:
        return Response(body, mimetype="text/plain")

    @app.get("/make_conditional")
    def make_conditional() -> Response:
        response = Response(body, mimetype="text/plain", headers={"ETag": APP_ETAG})
        return response.make_conditional(request)

    @app.get("/add_etag")
    def add_etag() -> Response:
        response = Response(body, mimetype="text/plain")
        response.add_etag()  # SHA-1 of the body
        return response.make_conditional(request)

    return app


BODIES = {size: body_of(size) for size in SIZES.values()}


def django_tagged(request: HttpRequest, size: int) -> HttpResponse:
    return HttpResponse(BODIES[size], content_type="text/plain", headers={"ETag": APP_ETAG})


def django_untagged(request: HttpRequest, size: int) -> HttpResponse:
    return HttpResponse(BODIES[size], content_type="text/plain")


urlpatterns = [
    path("tagged/<int:size>", django_tagged),
    path("untagged/<int:size>", django_untagged),
]

# CommonMiddleware sets Content-Length, as in most projects; ConditionalGetMiddleware
# goes first so that its process_response runs last, on the finished response.
DJANGO_PLAIN = ["django.middleware.common.CommonMiddleware"]
DJANGO_CONDITIONAL = ["django.middleware.http.ConditionalGetMiddleware", *DJANGO_PLAIN]


def django_app(middleware: list[str]) -> WSGIHandler:
    with override_settings(MIDDLEWARE=middleware):
        return WSGIHandler()  # reads MIDDLEWARE once, here


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    size: str
    contender: str
    app: App
    environ: dict[str, Any]
    per_round: int
    expect: str
    samples: list[float] = field(default_factory=list)
    baseline: Row | None = None

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples)


def serve_once(app: App, environ: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """One request as a server makes it: the status and the header fields."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))
        return _write

    body = app(dict(environ), start)
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()
    status, headers = started[-1]
    return status[:3], dict(headers)


def measure(row: Row) -> float:
    app, environ, n = row.app, row.environ, row.per_round
    began = time.process_time()
    for _ in range(n):
        body = app(dict(environ), start_response)  # a fresh environ, as a server makes
        for _ in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (time.process_time() - began) / n * 1e6


def rows_for(size_name: str, size: int, quick: bool) -> list[list[Row]]:
    """Groups of rows; the rows of a group run interleaved, against the group's first."""
    body = BODIES[size]
    # Enough requests per sample that each is measured warm; a contender
    # that hashes a 10 MiB body takes milliseconds, so a few are enough.
    n = 200 if quick else 2000
    if size >= MIB:
        n //= 10
    hashing = 3 if size >= MIB else n
    tagged = bare_app(body, etag=True)
    untagged = bare_app(body, etag=False)
    flask = flask_app(body).wsgi_app
    flask_condget = ConditionalMiddleware(flask)
    django_plain = django_app(DJANGO_PLAIN)
    django_conditional = django_app(DJANGO_CONDITIONAL)
    django_condget = ConditionalMiddleware(django_app(DJANGO_PLAIN))
    auto = ConditionalMiddleware(untagged)
    auto_big = ConditionalMiddleware(untagged, max_buffer=16 * MIB)
    tag, untag = f"/tagged/{size}", f"/untagged/{size}"

    def at(path: str, etag: str | None = None) -> dict[str, Any]:
        return environ_for(path) if etag is None else environ_for(path, HTTP_IF_NONE_MATCH=etag)

    # Each contender's own tag for the body, learnt from a first request.
    auto_etag = serve_once(auto_big, at("/"))[1]["ETag"]
    sha1_etag = serve_once(flask, at("/add_etag"))[1]["ETag"]
    md5_etag = serve_once(django_conditional, at(untag))[1]["ETag"]
    auto_304 = "304" if size <= MIB else "200"  # over max_buffer: no tag, so no 304

    def group(scenario: str, *entries: tuple[str, App, dict[str, Any], str]) -> list[Row]:
        hashes = scenario.startswith(("200, no app ETag", "304, no app ETag"))
        rows = [
            Row(scenario, size_name, *entry[:3], hashing if hashes else n, entry[3])
            for entry in entries
        ]
        for row in rows[1:]:
            row.baseline = rows[0]
        return rows

    return [
        group(
            "200, app ETag",
            ("bare app", tagged, at("/"), "200"),
            ("pass-through middleware", PassThrough(tagged), at("/"), "200"),
            ("minimal 200→304 middleware", MinimalConditional(tagged), at("/"), "200"),
            ("condget", ConditionalMiddleware(tagged), at("/"), "200"),
            (
                "condget, auto_etag=False",
                ConditionalMiddleware(tagged, auto_etag=False),
                at("/"),
                "200",
            ),
            ("condget, ranges=False", ConditionalMiddleware(tagged, ranges=False), at("/"), "200"),
            (
                "condget, auto_etag=False, ranges=False (no engine)",
                ConditionalMiddleware(tagged, auto_etag=False, ranges=False),
                at("/"),
                "200",
            ),
            ("Flask route", flask, at("/tagged"), "200"),
            ("Flask + make_conditional", flask, at("/make_conditional"), "200"),
            ("Flask route + condget", flask_condget, at("/tagged"), "200"),
            ("Django view", django_plain, at(tag), "200"),
            ("Django + ConditionalGetMiddleware", django_conditional, at(tag), "200"),
            ("Django view + condget", django_condget, at(tag), "200"),
        ),
        group(
            "304, app ETag (vs the bare app's 200)",
            ("bare app (200)", tagged, at("/", APP_ETAG), "200"),
            ("minimal 200→304 middleware", MinimalConditional(tagged), at("/", APP_ETAG), "304"),
            ("condget", ConditionalMiddleware(tagged), at("/", APP_ETAG), "304"),
            (
                "condget, auto_etag=False",
                ConditionalMiddleware(tagged, auto_etag=False),
                at("/", APP_ETAG),
                "304",
            ),
            (
                "condget, ranges=False",
                ConditionalMiddleware(tagged, ranges=False),
                at("/", APP_ETAG),
                "304",
            ),
            ("Flask + make_conditional", flask, at("/make_conditional", APP_ETAG), "304"),
            ("Flask route + condget", flask_condget, at("/tagged", APP_ETAG), "304"),
            ("Django view (200)", django_plain, at(tag, APP_ETAG), "200"),
            ("Django + ConditionalGetMiddleware", django_conditional, at(tag, APP_ETAG), "304"),
            ("Django view + condget", django_condget, at(tag, APP_ETAG), "304"),
        ),
        group(
            "200, no app ETag (auto-ETag)",
            ("bare app", untagged, at("/"), "200"),
            ("minimal MD5 auto-ETag middleware", MinimalAutoETag(untagged), at("/"), "200"),
            ("condget", auto, at("/"), "200"),
            ("condget, max_buffer=16 MiB", auto_big, at("/"), "200"),
            (
                "condget, auto_etag=False",
                ConditionalMiddleware(untagged, auto_etag=False),
                at("/"),
                "200",
            ),
            ("Flask + add_etag (SHA-1)", flask, at("/add_etag"), "200"),
            ("Django + ConditionalGetMiddleware (MD5)", django_conditional, at(untag), "200"),
            ("Django view + condget", django_condget, at(untag), "200"),
        ),
        group(
            "304, no app ETag (auto-ETag)",
            ("bare app (200)", untagged, at("/", auto_etag), "200"),
            (
                "minimal MD5 auto-ETag middleware",
                MinimalAutoETag(untagged),
                at("/", md5_tag(body)),
                "304",
            ),
            ("condget", auto, at("/", auto_etag), auto_304),
            ("condget, max_buffer=16 MiB", auto_big, at("/", auto_etag), "304"),
            ("Flask + add_etag (SHA-1)", flask, at("/add_etag", sha1_etag), "304"),
            (
                "Django + ConditionalGetMiddleware (MD5)",
                django_conditional,
                at(untag, md5_etag),
                "304",
            ),
            ("Django view + condget", django_condget, at(untag, auto_etag), auto_304),
        ),
    ]


def file_rows(path: str, quick: bool) -> list[list[Row]]:
    """HEAD of a 200 MiB file: it runs as HEAD, so condget adds no read of the file.

    The bare app's GET is in the group for scale: what a HEAD run as a GET
    would cost.
    """
    n = 200 if quick else 2000
    bare, flask = file_app(path), flask_file_app(path).wsgi_app

    def at(path_info: str, method: str) -> dict[str, Any]:
        return {**environ_for(path_info, REQUEST_METHOD=method), "wsgi.file_wrapper": FileWrapper}

    scenario = "HEAD, 200 MiB file"
    entries: list[tuple[str, App, dict[str, Any], str, int]] = [
        ("bare app", bare, at("/", "HEAD"), "200", n),
        ("condget", ConditionalMiddleware(bare), at("/", "HEAD"), "200", n),
        (
            "condget, ranges=False",
            ConditionalMiddleware(bare, ranges=False),
            at("/", "HEAD"),
            "200",
            n,
        ),
        ("Flask send_file", flask, at("/file", "HEAD"), "200", n),
        ("Flask send_file + condget", ConditionalMiddleware(flask), at("/file", "HEAD"), "200", n),
        ("bare app, GET (for scale)", bare, at("/", "GET"), "200", 1),
    ]
    rows = [
        Row(scenario, "200 MiB", name, app, env, per, expect)
        for name, app, env, expect, per in entries
    ]
    for row in rows[1:]:
        row.baseline = rows[0]
    rows[4].baseline = rows[3]  # Flask + condget against Flask alone
    return [rows, own_304_rows(flask, at("/file", "GET"), n)]


def own_304_rows(flask: App, get: dict[str, Any], n: int) -> list[Row]:
    """What hiding the conditional fields costs an app that answers 304 itself.

    Flask's send_file would answer If-None-Match itself; condget hides the
    field (issue 10), so Flask builds its 200 (a stat and an open) and condget
    answers the 304, closing the file unread.
    """
    etag = serve_once(flask, get)[1]["ETag"]
    conditional = {**get, "HTTP_IF_NONE_MATCH": etag}
    scenario = "304 the app would give itself, 200 MiB file"
    entries: list[tuple[str, App]] = [
        ("Flask send_file (its own 304)", flask),
        ("Flask send_file + condget (condget's 304)", ConditionalMiddleware(flask)),
        (
            "Flask send_file + condget, hide_conditions=False",
            ConditionalMiddleware(flask, hide_conditions=False),
        ),
    ]
    rows = [Row(scenario, "200 MiB", name, app, conditional, n, "304") for name, app in entries]
    for row in rows[1:]:
        row.baseline = rows[0]
    return rows


def run(groups: list[list[Row]], rounds: int) -> None:
    for row in (row for rows in groups for row in rows):
        status = serve_once(row.app, row.environ)[0]  # also the warm-up
        assert status == row.expect, (row.scenario, row.size, row.contender, status)
    for _ in range(rounds):
        for rows in groups:
            order = list(rows)
            random.shuffle(order)
            for row in order:
                gc.collect()
                gc.disable()
                try:
                    row.samples.append(measure(row))
                finally:
                    gc.enable()


def table(groups: list[list[Row]]) -> str:
    lines = [
        "| scenario | body | contender | status | median µs/request | vs first row | ratio |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for rows in groups:
        for row in rows:
            if row.baseline is None:
                diff = ratio = "-"
            else:
                diff = f"{row.median_us - row.baseline.median_us:+.2f}"
                ratio = f"{row.median_us / row.baseline.median_us:.2f}x"
            cells = [
                row.scenario,
                row.size,
                row.contender,
                row.expect,
                f"{row.median_us:,.2f}",
                diff,
                ratio,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def find(groups: list[list[Row]], scenario: str, size: str, contender: str) -> Row:
    for rows in groups:
        for row in rows:
            if (
                row.scenario.startswith(scenario)
                and row.size == size
                and row.contender == contender
            ):
                return row
    raise LookupError((scenario, size, contender))


def over(row: Row) -> float:
    assert row.baseline is not None
    return row.median_us - row.baseline.median_us


# --- Hashing throughput and memory -------------------------------------------------------------


def hashing_throughput(rounds: int) -> tuple[float, float]:
    """GB/s of AutoETag alone, and of the middleware tagging a 10 MiB body (its extra time)."""
    body = BODIES[10 * MIB]
    chunks = [body[i : i + 64 * KIB] for i in range(0, len(body), 64 * KIB)]

    def streamed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        )
        return iter(chunks)

    bare = Row("hash", "10 MiB", "bare", streamed, environ_for("/"), 3, "200")
    wrapped = Row(
        "hash",
        "10 MiB",
        "condget",
        ConditionalMiddleware(streamed, max_buffer=16 * MIB),
        environ_for("/"),
        3,
        "200",
        baseline=bare,
    )
    alone: list[float] = []
    for _ in range(rounds):
        began = time.process_time()
        tagger = AutoETag()
        for chunk in chunks:
            tagger.update(chunk)
        tagger.etag()
        alone.append(time.process_time() - began)
        for row in (bare, wrapped):
            row.samples.append(measure(row))
    size_gb = len(body) / 1e9
    return size_gb / statistics.median(alone), size_gb / (over(wrapped) / 1e6)


def peak_memory(size: int, max_buffer: int, length: int) -> tuple[int, int]:
    """Peak traced memory streaming ``size`` bytes in fresh 64 KiB chunks: bare app, wrapped.

    ``length`` is the Content-Length the application states: the true one
    (condget does not hold a body it knows is over max_buffer), or less (it
    holds until it has counted max_buffer bytes: the worst case).
    """

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response(
            "200 OK",
            [("Content-Type", "application/octet-stream"), ("Content-Length", str(length))],
        )
        for _ in range(size // (64 * KIB)):
            yield bytes(64 * KIB)  # a new object each time, as read from a file

    peaks = []
    for wrapped in (False, True):
        served = ConditionalMiddleware(app, max_buffer=max_buffer) if wrapped else app
        env = environ_for("/", HTTP_IF_NONE_MATCH='"no match"')
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            body = served(env, start_response)
            for _ in body:
                pass
            body.close()  # type: ignore[attr-defined]
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return peaks[0], peaks[1]


def verdict(ratio: float, limit: float) -> str:
    return "met" if ratio <= limit else "NOT met"


def added_ratio(ours: Row, floor: Row) -> tuple[float, str]:
    """condget's added cost over the floor's, both over the group's first row."""
    theirs = over(floor)
    if theirs <= 0:
        # The floor costs nothing measurable here: any cost of condget's is "more".
        return (float("inf"), "floor +0") if over(ours) > 0 else (0.0, "floor +0")
    return over(ours) / theirs, f"{over(ours) / theirs:.2f}x"


def targets(groups: list[list[Row]], throughput: tuple[float, float], memory: str) -> str:
    out = ["", "Targets (issue 9), as ratios in this run:"]
    checks = [
        ("200, app ETag", size, "pass-through middleware", 2.0, "200 with an app ETag")
        for size in SIZES
    ]
    checks += [
        ("304, app ETag", size, "minimal 200→304 middleware", 2.0, "304 for an app ETag")
        for size in SIZES
    ]
    checks += [
        (scenario, "1 KiB", "minimal MD5 auto-ETag middleware", 2.0, f"auto-ETag {scenario[:3]}")
        for scenario in ("200, no app ETag", "304, no app ETag")
    ]
    for scenario, size, floor_name, limit, label in checks:
        ours = find(groups, scenario, size, "condget")
        floor = find(groups, scenario, size, floor_name)
        ratio, shown = added_ratio(ours, floor)
        out.append(
            f"- {label}, {size}: condget {over(ours):+.2f} µs, {floor_name} "
            f"{over(floor):+.2f} µs: {shown} (target <= {limit:g}x): {verdict(ratio, limit)}"
        )
    for contender, base in (
        ("condget", "bare app"),
        ("Flask send_file + condget", "Flask send_file"),
    ):
        ours = find(groups, "HEAD, 200 MiB file", "200 MiB", contender)
        theirs = find(groups, "HEAD, 200 MiB file", "200 MiB", base)
        ratio = ours.median_us / theirs.median_us
        out.append(
            f"- HEAD of a 200 MiB file, {contender}: {ours.median_us:.2f} µs against "
            f"{theirs.median_us:.2f} µs for {base}: {ratio:.2f}x (target <= 1.5x): "
            f"{verdict(ratio, 1.5)}"
        )
    scenario = "304 the app would give itself, 200 MiB file"
    own = find(groups, scenario, "200 MiB", "Flask send_file (its own 304)")
    hidden = find(groups, scenario, "200 MiB", "Flask send_file + condget (condget's 304)")
    out.append(
        f"- what hiding costs an app that answers 304 itself (issue 10, no target): Flask "
        f"send_file's own 304 {own.median_us:.2f} µs, condget's {hidden.median_us:.2f} µs "
        f"({hidden.median_us / own.median_us:.2f}x)"
    )
    out += ["", "Earlier targets (issue 3):"]
    for scenario, django_row in (
        ("200, app ETag", "Django view"),
        ("304, app ETag", "Django view (200)"),
    ):
        for size in SIZES:
            added = over(find(groups, scenario, size, "condget"))
            view = find(groups, scenario, size, django_row).median_us
            django_added = (
                find(groups, scenario, size, "Django + ConditionalGetMiddleware").median_us - view
            )
            ratio = django_added / added if added > 0 else float("inf")
            out.append(
                f"- {scenario[:3]}, {size}: Django's ConditionalGetMiddleware adds "
                f"{django_added:+.2f} µs to a Django view, condget {added:+.2f} µs to the bare "
                f"app: "
                f"{ratio:.1f}x (target >= 20x): {'met' if ratio >= 20 else 'NOT met'}"
            )
    alone, wrapped = throughput
    out.append(
        f"- auto-ETag hashing: {alone:.2f} GB/s (AutoETag alone), {wrapped:.2f} GB/s "
        f"through the middleware (target >= 1.5): {'met' if wrapped >= 1.5 else 'NOT met'}"
    )
    out.append(memory)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="rounds (default 11; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    parser.add_argument("--memory-mib", type=int, default=1024, help="body streamed for memory")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 11)
    groups = [group for name, size in SIZES.items() for group in rows_for(name, size, args.quick)]
    with tempfile.NamedTemporaryFile(prefix="condget-bench-") as file:
        block = os.urandom(MIB)
        for _ in range(FILE_SIZE // MIB):
            file.write(block)
        file.flush()
        groups += file_rows(file.name, args.quick)
        run(groups, rounds)
    throughput = hashing_throughput(rounds)
    max_buffer = MIB
    size = args.memory_mib * MIB
    lines = []
    for length, label in ((size, "true Content-Length"), (10, "Content-Length: 10")):
        bare_peak, wrapped_peak = peak_memory(size, max_buffer, length)
        extra = wrapped_peak - bare_peak
        bound = max_buffer + 64 * KIB
        lines.append(
            f"- peak extra memory streaming {args.memory_mib} MiB with auto-ETag on, {label}: "
            f"{extra / KIB:,.0f} KiB (target < max_buffer + 64 KiB = {bound / KIB:,.0f} KiB): "
            f"{'met' if extra < bound else 'NOT met'}"
        )
    memory = "\n".join(lines)
    print(
        f"{time.strftime('%Y-%m-%d')}, CPython {sys.version.split()[0]}, {rounds} rounds"
        f"{', --quick' if args.quick else ''}; load average {os.getloadavg()[0]:.1f}\n"
    )
    print(table(groups))
    print(targets(groups, throughput, memory))


if __name__ == "__main__":
    main()
