"""Range benchmark: condget's 206s beside Starlette's and Werkzeug's own range code.

Run: .venv/bin/python benchmarks/bench_ranges.py [--rounds N] [--quick]

Apps are driven directly (ASGI messages, or a WSGI ``environ`` and
``start_response``; no server, no sockets), and each answer is checked
before it is timed: its status, and its bytes against the file's or the
body's slices (multipart parts read back with ``email``). The contenders of
a scenario run in interleaved rounds, in a new random order each round, so
machine noise hits all alike; the table shows the median time per request
over the rounds and the ratio to the scenario's first row. Times are the
process's CPU time (``time.process_time``, which counts the threads
Starlette reads files in), so that other processes on a shared machine do
not count.

(a) One 64 KiB range of a 100 MiB file (16 MiB with ``--quick``), at its
start and in its middle. ASGI: Starlette's ``FileResponse`` serving the
range itself (seek, read the range) against condget around a
``FileResponse`` whose own range handling is off (it never sees ``Range``,
so it streams the whole file and condget cuts the range out), and against
reading the whole body. Targets: condget at most 1.2x Starlette's range
path, and at least 10x cheaper than the whole body. The same in WSGI for
comparison: Werkzeug's ``send_file(conditional=True)`` range path against
condget around ``send_file(conditional=False)``.

(b) Four ranges of a 10 MiB in-memory body, 1 KiB and 256 KiB each: condget
WSGI answering them in one multipart/byteranges against Werkzeug's
``Response.make_conditional``, which serves one range per request (it
refuses several with 416), asked four times. Target: condget within 2x of
Werkzeug per range.
"""

from __future__ import annotations

import argparse
import asyncio
import email.parser
import gc
import hashlib
import importlib.metadata
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from werkzeug.utils import send_file
from werkzeug.wrappers import Response as WerkzeugResponse

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

KIB = 1024
MIB = 1024 * KIB
FILE_SIZE = 100 * MIB
QUICK_FILE_SIZE = 16 * MIB
BODY_SIZE = 10 * MIB
PART = 64 * KIB
ETAG = '"bench-v1"'

# What a request does once: run the app and consume its answer.
Call = Callable[[], None]


# ASGI: Starlette's FileResponse, with and without its own range handling.


class WholeFileResponse(FileResponse):
    """``FileResponse`` with its own range handling off: it never sees ``Range``."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [(n, v) for n, v in scope["headers"] if n not in (b"range", b"if-range")]
        await super().__call__(dict(scope, headers=headers), receive, send)


def starlette_file_app(path: str, response: type[FileResponse]) -> Starlette:
    async def endpoint(request: Request) -> Response:
        return response(path, headers={"ETag": ETAG})

    return Starlette(routes=[Route("/", endpoint)])


def asgi_scope(range_field: str | None) -> dict[str, Any]:
    headers = [(b"host", b"example.com"), (b"accept", b"*/*")]
    if range_field is not None:
        headers.append((b"range", range_field.encode()))
    return {
        "type": "http",
        # ASGI 2.4: FileResponse sends the file without also listening for
        # a disconnect (which this benchmark's receive() never sends). No
        # pathsend extension: a file sent by path gets the full 200 from condget.
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def _asgi_answer(app: Any, scope: dict[str, Any], keep: bool) -> Answer:
    status = 0
    headers: dict[str, str] = {}
    parts: list[bytes] = []

    async def send(message: Any) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {n.decode().lower(): v.decode() for n, v in message["headers"]}
        elif keep:
            parts.append(message.get("body", b""))

    await app(scope, _receive, send)
    return Answer(status, headers, b"".join(parts))


# WSGI: Werkzeug's range code, and condget's.


def wsgi_environ(range_field: str | None) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "example.com",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if range_field is not None:
        environ["HTTP_RANGE"] = range_field
    return environ


def _wsgi_answer(app: Any, environ: dict[str, Any], keep: bool) -> Answer:
    started: list[tuple[str, list[tuple[str, str]]]] = []
    parts: list[bytes] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        started.append((status, headers))
        return parts.append

    body = app(dict(environ), start_response)  # a fresh environ, as a server makes
    try:
        for chunk in body:
            if keep:
                parts.append(chunk)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    status, headers = started[-1]
    return Answer(int(status[:3]), {n.lower(): v for n, v in headers}, b"".join(parts))


def werkzeug_file_app(path: str, *, conditional: bool) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        # No wsgi.file_wrapper in the environ: Werkzeug's own FileWrapper,
        # which its range code seeks in.
        response = send_file(path, environ, conditional=conditional, etag=ETAG.strip('"'))
        return response(environ, start_response)  # type: ignore[no-any-return]

    return app


def in_memory_app(body: bytes) -> Any:
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("Content-Length", str(len(body))),
        ("ETag", ETAG),
    ]

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", list(headers))
        return [body]

    return app


def werkzeug_make_conditional(body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = WerkzeugResponse(body, mimetype="application/octet-stream")
        response.set_etag(ETAG.strip('"'))
        response = response.make_conditional(environ, accept_ranges=True, complete_length=len(body))
        return response(environ, start_response)  # type: ignore[no-any-return]

    return app


# Checking answers.


def multipart(answer: Answer) -> list[tuple[str, bytes]]:
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {answer.headers['content-type']}\r\n\r\n".encode() + answer.body
    )
    assert message.is_multipart()
    parts = []
    for part in message.get_payload():
        assert not isinstance(part, str)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append((str(part["Content-Range"]), payload))
    return parts


def check(answer: Answer, content: bytes, ranges: list[tuple[int, int]] | None) -> str:
    """Assert the answer is the whole content (``ranges`` None) or exactly those ranges."""
    length = len(content)
    if ranges is None:
        assert answer.status == 200, answer.status
        assert hashlib.sha256(answer.body).digest() == hashlib.sha256(content).digest()
        return "200"
    assert answer.status == 206, (answer.status, answer.headers)
    if len(ranges) == 1:
        [(first, last)] = ranges
        assert answer.headers["content-range"] == f"bytes {first}-{last}/{length}"
        assert answer.body == content[first : last + 1]
    else:
        assert multipart(answer) == [
            (f"bytes {first}-{last}/{length}", content[first : last + 1]) for first, last in ranges
        ]
    assert int(answer.headers["content-length"]) == len(answer.body)
    return "206" if len(ranges) == 1 else "206 multipart"


# Rows.


@dataclass
class Row:
    scenario: str
    contender: str
    call: Call  # one request, its answer consumed and dropped
    check: Callable[[], str]  # one request, its answer checked; the status shown
    requests: int = 1  # requests per call (Werkzeug serves one range per request)
    per_round: int = 1
    samples: list[float] = field(default_factory=list)
    baseline: Row | None = None
    status: str = "?"

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples)


def asgi_row(
    loop: asyncio.AbstractEventLoop,
    scenario: str,
    contender: str,
    app: Any,
    range_field: str | None,
    content: bytes,
    ranges: list[tuple[int, int]] | None,
) -> Row:
    scope = asgi_scope(range_field)

    def call() -> None:
        loop.run_until_complete(_asgi_answer(app, scope, keep=False))

    def checked() -> str:
        return check(loop.run_until_complete(_asgi_answer(app, scope, keep=True)), content, ranges)

    return Row(scenario, contender, call, checked)


def wsgi_row(
    scenario: str,
    contender: str,
    app: Any,
    range_fields: list[str | None],
    content: bytes,
    ranges: list[tuple[int, int]] | None,
) -> Row:
    """A row of one request per field in ``range_fields``; ``ranges`` are all of theirs together."""
    environs = [wsgi_environ(f) for f in range_fields]

    def call() -> None:
        for environ in environs:
            _wsgi_answer(app, environ, keep=False)

    def checked() -> str:
        answers = [_wsgi_answer(app, environ, keep=True) for environ in environs]
        if len(answers) == 1:
            return check(answers[0], content, ranges)
        assert ranges is not None
        assert len(ranges) == len(answers)
        shown = {check(answer, content, [one]) for answer, one in zip(answers, ranges, strict=True)}
        return f"{len(answers)} x " + "/".join(sorted(shown))

    return Row(scenario, contender, call, checked, requests=len(environs))


def field_for(ranges: list[tuple[int, int]]) -> str:
    return "bytes=" + ",".join(f"{first}-{last}" for first, last in ranges)


def file_groups(
    loop: asyncio.AbstractEventLoop, path: str, content: bytes, size_name: str
) -> list[list[Row]]:
    starlette_ranges = starlette_file_app(path, FileResponse)
    starlette_whole = starlette_file_app(path, WholeFileResponse)
    condget_starlette = ASGIMiddleware(starlette_whole)
    condget_passing = ASGIMiddleware(starlette_ranges)
    werkzeug_ranges = werkzeug_file_app(path, conditional=True)
    condget_werkzeug = WSGIMiddleware(werkzeug_file_app(path, conditional=False))
    groups = []
    middle = len(content) // 2
    for where, first in (("at the start", 0), ("in the middle", middle)):
        ranges = [(first, first + PART - 1)]
        one = field_for(ranges)
        scenario = f"(a) ASGI, 64 KiB {where} of a {size_name} file"
        groups.append(
            [
                asgi_row(loop, scenario, "Starlette FileResponse, its own range path",
                         starlette_ranges, one, content, ranges),
                asgi_row(loop, scenario, "condget + FileResponse, Starlette's ranges off",
                         condget_starlette, one, content, ranges),
                asgi_row(loop, scenario, "condget + FileResponse, Starlette's 206 passed through",
                         condget_passing, one, content, ranges),
                asgi_row(loop, scenario, "Starlette FileResponse, whole body (no Range)",
                         starlette_ranges, None, content, None),
            ]
        )  # fmt: skip
        scenario = f"(a) WSGI, 64 KiB {where} of a {size_name} file"
        groups.append(
            [
                wsgi_row(scenario, "Werkzeug send_file, its own range path",
                         werkzeug_ranges, [one], content, ranges),
                wsgi_row(scenario, "condget + send_file(conditional=False)",
                         condget_werkzeug, [one], content, ranges),
                wsgi_row(scenario, "Werkzeug send_file, whole body (no Range)",
                         werkzeug_ranges, [None], content, None),
            ]
        )  # fmt: skip
    return groups


def body_groups(body: bytes) -> list[list[Row]]:
    condget = WSGIMiddleware(in_memory_app(body))
    werkzeug_app = werkzeug_make_conditional(body)
    groups = []
    for part_name, part in (("1 KiB", KIB), ("256 KiB", 256 * KIB)):
        step = len(body) // 4
        ranges = [(n * step + 4321, n * step + 4321 + part - 1) for n in range(4)]
        scenario = f"(b) WSGI, 4 ranges of {part_name} of a 10 MiB body"
        groups.append(
            [
                wsgi_row(scenario, "Werkzeug make_conditional, 4 requests of 1 range",
                         werkzeug_app, [field_for([r]) for r in ranges], body, ranges),
                wsgi_row(scenario, "condget, 1 request of 4 ranges (multipart)",
                         condget, [field_for(ranges)], body, ranges),
                wsgi_row(scenario, "condget, 4 requests of 1 range",
                         condget, [field_for([r]) for r in ranges], body, ranges),
            ]
        )  # fmt: skip
    return groups


def measure(row: Row) -> float:
    began = time.process_time()
    for _ in range(row.per_round):
        row.call()
    return (time.process_time() - began) / row.per_round * 1e6


def run(groups: list[list[Row]], rounds: int, batch_seconds: float) -> None:
    for rows in groups:
        for row in rows[1:]:
            row.baseline = rows[0]
        for row in rows:
            row.status = row.check()  # also the warm-up
            # Size the batch to about batch_seconds: enough requests that the
            # clock's resolution does not count, one for the slow rows.
            once = max(measure(row), measure(row)) / 1e6
            row.per_round = max(1, min(2000, round(batch_seconds / max(once, 1e-7))))
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
        "| scenario | contender | answer | median µs/request | ratio to first row |",
        "|---|---|---|---:|---:|",
    ]
    for rows in groups:
        for row in rows:
            ratio = (
                "-" if row.baseline is None else f"{row.median_us / row.baseline.median_us:.2f}x"
            )
            cells = [row.scenario, row.contender, row.status, f"{row.median_us:,.1f}", ratio]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def version(package: str) -> str:
    return importlib.metadata.version(package)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def targets(groups: list[list[Row]]) -> str:
    out = ["", "Targets, as ratios in this run:"]
    for rows in groups:
        if rows[0].scenario.startswith("(a) ASGI"):
            starlette_range, ours, _, whole = rows
            ratio = ours.median_us / starlette_range.median_us
            times = whole.median_us / ours.median_us
            out.append(
                f"- {rows[0].scenario}: condget {ratio:.2f}x Starlette's range path "
                f"(target <= 1.2x): {verdict(ratio <= 1.2)}; {times:.1f}x cheaper than the "
                f"whole body (target >= 10x): {verdict(times >= 10)}"
            )
        elif rows[0].scenario.startswith("(a) WSGI"):
            werkzeug_range, ours, whole = rows
            ratio = ours.median_us / werkzeug_range.median_us
            times = whole.median_us / ours.median_us
            out.append(
                f"- {rows[0].scenario} (no target): condget {ratio:.2f}x Werkzeug's range path, "
                f"{times:.1f}x cheaper than the whole body"
            )
        else:
            werkzeug_four, ours, _ = rows
            ratio = ours.median_us / werkzeug_four.median_us  # both per 4 ranges
            out.append(
                f"- {rows[0].scenario}: condget {ours.median_us / 4:,.1f} µs per range, Werkzeug "
                f"{werkzeug_four.median_us / 4:,.1f}: {ratio:.2f}x (target <= 2x): "
                f"{verdict(ratio <= 2)}"
            )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds (default 15; 3 with --quick)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a 16 MiB file, shorter batches, fewer rounds"
    )
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 15)
    file_size = QUICK_FILE_SIZE if args.quick else FILE_SIZE
    body = random.Random(BODY_SIZE).randbytes(BODY_SIZE)
    loop = asyncio.new_event_loop()
    with tempfile.NamedTemporaryFile(prefix="condget-bench-ranges-") as file:
        block = os.urandom(MIB)
        for _ in range(file_size // MIB):
            file.write(block)
        file.flush()
        content = block * (file_size // MIB)
        groups = file_groups(loop, file.name, content, f"{file_size // MIB} MiB")
        groups += body_groups(body)
        run(groups, rounds, 0.005 if args.quick else 0.05)
    loop.close()
    print(
        f"{time.strftime('%Y-%m-%d')}, CPython {sys.version.split()[0]}, "
        f"Starlette {version('starlette')}, Werkzeug {version('werkzeug')}, {rounds} rounds"
        f"{', --quick' if args.quick else ''}; load average {os.getloadavg()[0]:.1f}\n"
    )
    print(table(groups))
    print(targets(groups))


if __name__ == "__main__":
    main()
