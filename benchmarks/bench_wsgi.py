"""WSGI benchmark: condget's middleware beside a bare app, Flask's make_conditional and Django's.

Run: .venv/bin/python benchmarks/bench_wsgi.py [--rounds N] [--quick] [--memory-mib N]

Apps are called directly with an ``environ`` and a ``start_response`` (no
server, no sockets), and the body is read and closed as a server would, so
the numbers are the middleware's own cost. The contenders of a scenario run
in interleaved rounds, in a new random order each round, so machine noise
hits all alike; the table shows the median time per request over the
rounds, the difference from the scenario's first row and the ratio to it.
Times are the process's CPU time (``time.process_time``), so that other
processes on a shared machine do not count.

Also measured: the auto-ETag's hashing throughput, and the peak extra
memory (tracemalloc) of a large body streamed through the middleware with
auto-ETag on. Targets (issue 3): with an app ETag, at most +0.2 us per 200
and +2 us per 304 over the bare app, flat in body size, and at least 20x
cheaper than Django's ConditionalGetMiddleware; hashing at least 1.5 GB/s;
peak extra memory under max_buffer + 64 KiB.
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
from flask import Flask, Response, request  # noqa: E402

from condget.engine import AutoETag  # noqa: E402
from condget.wsgi import ConditionalMiddleware  # noqa: E402

App = Callable[[dict[str, Any], Any], Iterable[bytes]]
KIB = 1024
MIB = 1024 * KIB
SIZES = {"1 KiB": KIB, "100 KiB": 100 * KIB, "10 MiB": 10 * MIB}
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
    n = 300 if quick else 3000
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
            ("condget", ConditionalMiddleware(tagged), at("/"), "200"),
            (
                "condget, auto_etag=False",
                ConditionalMiddleware(tagged, auto_etag=False),
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
            ("condget", ConditionalMiddleware(tagged), at("/", APP_ETAG), "304"),
            (
                "condget, auto_etag=False",
                ConditionalMiddleware(tagged, auto_etag=False),
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


def targets(groups: list[list[Row]], throughput: tuple[float, float], memory: str) -> str:
    out = ["", "Targets:"]
    for size in SIZES:
        row = find(groups, "200, app ETag", size, "condget")
        floor = find(groups, "200, app ETag", size, "pass-through middleware")
        out.append(
            f"- 200 with an app ETag, {size}: condget {over(row):+.2f} µs over the bare app "
            f"(target <= +0.2; a minimal pass-through middleware: {over(floor):+.2f} µs)"
        )
    for size in SIZES:
        row = find(groups, "304, app ETag", size, "condget")
        out.append(
            f"- 304 with an app ETag, {size}: condget {over(row):+.2f} µs over the bare app's 200 "
            "(target <= +2, flat in body size)"
        )
    for scenario, django_row in (
        ("200, app ETag", "Django view"),
        ("304, app ETag", "Django view (200)"),
    ):
        for size in SIZES:
            ours = over(find(groups, scenario, size, "condget"))
            base = find(groups, scenario, size, django_row).median_us
            theirs = (
                find(groups, scenario, size, "Django + ConditionalGetMiddleware").median_us - base
            )
            out.append(
                f"- {scenario[:3]}, {size}: Django's ConditionalGetMiddleware adds "
                f"{theirs:+.2f} µs to a Django view, condget {ours:+.2f} µs to the bare app: "
                f"{theirs / ours:.0f}x (target >= 20x)"
            )
    alone, wrapped = throughput
    out.append(
        f"- auto-ETag hashing: {alone:.2f} GB/s (AutoETag alone), {wrapped:.2f} GB/s "
        "through the middleware (target >= 1.5)"
    )
    out.append(memory)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="fewer requests per round")
    parser.add_argument("--memory-mib", type=int, default=1024, help="body streamed for memory")
    args = parser.parse_args()
    groups = [group for name, size in SIZES.items() for group in rows_for(name, size, args.quick)]
    run(groups, args.rounds)
    throughput = hashing_throughput(args.rounds)
    max_buffer = MIB
    size = args.memory_mib * MIB
    lines = []
    for length, label in ((size, "true Content-Length"), (10, "Content-Length: 10")):
        bare_peak, wrapped_peak = peak_memory(size, max_buffer, length)
        lines.append(
            f"- peak extra memory streaming {args.memory_mib} MiB with auto-ETag on, {label}: "
            f"{(wrapped_peak - bare_peak) / KIB:,.0f} KiB (target < max_buffer + 64 KiB = "
            f"{(max_buffer + 64 * KIB) / KIB:,.0f} KiB)"
        )
    memory = "\n".join(lines)
    print(table(groups))
    print(targets(groups, throughput, memory))


if __name__ == "__main__":
    main()
