"""ASGI benchmark: condget's middleware beside a bare app, minimal middlewares, asgi-etags.

Run: .venv/bin/python benchmarks/bench_asgi.py [--rounds N] [--quick]
(asgi-etags comes with the ``bench`` dependency group.)

Apps are driven directly with ASGI messages (no server, no sockets), so the
numbers are the middleware's own cost. Every contender of a scenario runs in
interleaved rounds, in a new random order each round, so machine noise hits
all alike; the table shows the median time per request over the rounds, the
difference from the scenario's first row and the ratio to it. Times are the
process's CPU time (``time.process_time``, which counts the threads Starlette
reads files in), so that other processes on a shared machine do not count;
only the pre-dispatch rows, whose point is the 50 ms not waited, use the
wall clock.

The floors condget is held to (issue 9) are the least a middleware of each
kind can do: a pass-through that only wraps ``send``, a minimal 200 -> 304
middleware (the app's ETag against If-None-Match, as bytes) and a minimal
auto-ETag middleware (hold the body, MD5, a weak ETag, compare). Targets, as
ratios of added cost (over the bare app) in one run: a 200 with an app ETag
at most 2x the pass-through's, a 304 at most 2x the minimal 200 -> 304's, the
auto-ETag of a 1 KiB body at most 2x the minimal MD5's, and a HEAD of a
200 MiB Starlette ``FileResponse`` within 1.5x of bare Starlette. Also
(issue 4): the auto-ETag of a 10 MiB body at least 5x cheaper than
asgi-etags with its documented hash (md5), and a pre-dispatch 304 in front of
a 50 ms endpoint under 50 us.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from asgi_etags import ETagMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.engine import AutoETag

App = Callable[[Any, Any, Any], Awaitable[None]]
KIB = 1024
MIB = 1024 * KIB
SIZES = {"1 KiB": KIB, "100 KiB": 100 * KIB, "10 MiB": 10 * MIB}
FILE_SIZE = 200 * MIB
_START = "http.response.start"
_BODY = "http.response.body"
APP_ETAG = b'"v1"'
BROWSER_HEADERS = [
    (b"host", b"example.com"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-language", b"en-US,en;q=0.5"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"connection", b"keep-alive"),
]


def scope_with(
    *extra: tuple[bytes, bytes], method: str = "GET", spec_version: str = "2.3"
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [*BROWSER_HEADERS, *extra],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    pass


def bare_app(body: bytes, *, etag: bool) -> App:
    """The app every contender wraps: one start, one body message."""
    fields = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    if etag:
        fields.append((b"etag", APP_ETAG))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        # A new list per request: asgi-etags appends to the app's own list.
        await send({"type": "http.response.start", "status": 200, "headers": list(fields)})
        await send({"type": "http.response.body", "body": body})

    return app


class PassThrough:
    """The least a send-wrapping ASGI middleware can do: the floor for condget."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Any) -> None:
            await send(message)

        await self.app(scope, receive, wrapped)


def if_none_match(scope: Any) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return value  # type: ignore[no-any-return]
    return None


class MinimalConditional:
    """The least a 200 -> 304 middleware can do: the floor for condget's 304.

    It reads the app's ETag from the start message and compares it with
    If-None-Match by plain equality of bytes (no lists, no weak comparison,
    no If-Modified-Since, no 412).
    """

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = if_none_match(scope)
        not_modified = False

        async def wrapped(message: Any) -> None:
            nonlocal not_modified
            if message["type"] == _START:
                if wanted is not None and message["status"] == 200:
                    for name, value in message["headers"]:
                        if name == b"etag" and value == wanted:
                            not_modified = True
                            await send({"type": _START, "status": 304, "headers": [(name, value)]})
                            return
                await send(message)
            elif not not_modified:
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": _BODY, "body": b""})

        await self.app(scope, receive, wrapped)


class MinimalAutoETag:
    """The least an auto-ETag middleware can do: the floor for condget's auto-ETag.

    It holds the whole body, takes its MD5, adds a weak ETag and compares it
    with If-None-Match by plain equality (no max_buffer, no streaming).
    """

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = if_none_match(scope)
        start: Any = None
        parts: list[bytes] = []

        async def wrapped(message: Any) -> None:
            nonlocal start
            if message["type"] == _START:
                start = message
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = start["headers"]
            body = b"".join(parts)
            if start["status"] != 200 or any(name == b"etag" for name, _ in headers):
                await send(start)
                await send({"type": _BODY, "body": body})
                return
            etag = b'W/"' + hashlib.md5(body).hexdigest().encode() + b'"'
            if etag == wanted:
                await send({"type": _START, "status": 304, "headers": [(b"etag", etag)]})
                await send({"type": _BODY, "body": b""})
                return
            await send({**start, "headers": [*headers, (b"etag", etag)]})
            await send({"type": _BODY, "body": body})

        await self.app(scope, receive, wrapped)


def md5_tag(body: bytes) -> bytes:
    return b'W/"' + hashlib.md5(body).hexdigest().encode() + b'"'


def asgi_etags(app: App) -> App:
    # The hash its README shows: md5 of the body, as hex.
    return ETagMiddleware(app, etag_generator=lambda body: hashlib.md5(body).hexdigest())  # type: ignore[no-any-return]


def starlette_app(body: bytes, *, condget: bool) -> App:
    async def endpoint(request: Request) -> Response:
        return Response(body, headers={"ETag": APP_ETAG.decode()}, media_type="text/plain")

    middleware = [Middleware(ConditionalMiddleware)] if condget else []
    return Starlette(routes=[Route("/", endpoint)], middleware=middleware)


def auto_tag(body: bytes) -> bytes:
    tagger = AutoETag()
    tagger.update(body)
    etag = tagger.etag()
    assert etag is not None
    return str(etag).encode()


@dataclass
class Row:
    scenario: str
    size: str
    contender: str
    app: App
    scope: dict[str, Any]
    per_round: int = 1
    samples: list[float] = field(default_factory=list)
    baseline: Row | None = None
    clock: Callable[[], float] = time.process_time
    status: str = "?"  # what it answered, seen in the warm-up

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples)


async def measure(row: Row) -> float:
    app, scope, n, clock = row.app, row.scope, row.per_round, row.clock
    began = clock()
    for _ in range(n):
        await app(scope, receive, send)
    return (clock() - began) / n * 1e6


def rows_for(size_name: str, size: int) -> list[list[Row]]:
    """Groups of rows; the rows of a group run interleaved, against the group's first (bare)."""
    body = bytes(random.Random(size).getrandbits(8) for _ in range(min(size, 4096))) * (
        size // min(size, 4096)
    )
    tagged = bare_app(body, etag=True)
    untagged = bare_app(body, etag=False)
    plain = scope_with()
    match_app = scope_with((b"if-none-match", APP_ETAG))
    match_auto = scope_with((b"if-none-match", auto_tag(body)))
    match_md5 = scope_with((b"if-none-match", hashlib.md5(body).hexdigest().encode()))
    match_weak_md5 = scope_with((b"if-none-match", md5_tag(body)))
    big_buffer = 16 * MIB

    def group(scenario: str, *entries: tuple[str, App, dict[str, Any]]) -> list[Row]:
        rows = [Row(scenario, size_name, name, app, scope) for name, app, scope in entries]
        for row in rows[1:]:
            row.baseline = rows[0]
        return rows

    return [
        group(
            "200, app ETag",
            ("bare app", tagged, plain),
            ("pass-through middleware", PassThrough(tagged), plain),
            ("minimal 200→304 middleware", MinimalConditional(tagged), plain),
            ("condget", ConditionalMiddleware(tagged), plain),
            ("condget, auto_etag=False", ConditionalMiddleware(tagged, auto_etag=False), plain),
            ("condget, ranges=False", ConditionalMiddleware(tagged, ranges=False), plain),
            (
                "condget, auto_etag=False, ranges=False (no engine)",
                ConditionalMiddleware(tagged, auto_etag=False, ranges=False),
                plain,
            ),
            ("asgi-etags (md5)", asgi_etags(tagged), plain),
            ("Starlette route", starlette_app(body, condget=False), plain),
            ("Starlette route + condget", starlette_app(body, condget=True), plain),
        ),
        group(
            "304, app ETag (vs the bare app's 200)",
            ("bare app (200)", tagged, match_app),
            ("minimal 200→304 middleware", MinimalConditional(tagged), match_app),
            ("condget", ConditionalMiddleware(tagged), match_app),
            ("condget, auto_etag=False", ConditionalMiddleware(tagged, auto_etag=False), match_app),
            ("condget, ranges=False", ConditionalMiddleware(tagged, ranges=False), match_app),
            ("asgi-etags (md5)", asgi_etags(tagged), match_md5),
            ("Starlette route (200)", starlette_app(body, condget=False), match_app),
            ("Starlette route + condget", starlette_app(body, condget=True), match_app),
        ),
        group(
            "200, no app ETag (auto-ETag)",
            ("bare app", untagged, plain),
            ("minimal MD5 auto-ETag middleware", MinimalAutoETag(untagged), plain),
            ("condget", ConditionalMiddleware(untagged), plain),
            (
                "condget, max_buffer=16 MiB",
                ConditionalMiddleware(untagged, max_buffer=big_buffer),
                plain,
            ),
            ("condget, auto_etag=False", ConditionalMiddleware(untagged, auto_etag=False), plain),
            ("asgi-etags (md5)", asgi_etags(untagged), plain),
        ),
        group(
            "304, no app ETag (auto-ETag)",
            ("bare app (200)", untagged, match_auto),
            ("minimal MD5 auto-ETag middleware", MinimalAutoETag(untagged), match_weak_md5),
            ("condget", ConditionalMiddleware(untagged), match_auto),
            (
                "condget, max_buffer=16 MiB",
                ConditionalMiddleware(untagged, max_buffer=big_buffer),
                match_auto,
            ),
            ("asgi-etags (md5)", asgi_etags(untagged), match_md5),
        ),
    ]


def slow_rows() -> list[Row]:
    body = b"x" * KIB

    async def slow_endpoint(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(0.05)  # a 50 ms database query, say
        await bare_app(body, etag=True)(scope, receive, send)

    def hook(scope: Any) -> Validators:
        return Validators(APP_ETAG.decode(), headers={"Cache-Control": "no-cache"})

    match = scope_with((b"if-none-match", APP_ETAG))
    scenario = "pre-dispatch 304, 50 ms endpoint (wall clock)"
    wall = time.perf_counter
    bare = Row(scenario, "1 KiB", "bare app (200)", slow_endpoint, match, clock=wall)
    condget = Row(
        scenario,
        "1 KiB",
        "condget, validators hook",
        ConditionalMiddleware(slow_endpoint, validators=hook),
        match,
        baseline=bare,
        clock=wall,
    )
    return [bare, condget]


def file_rows(path: str) -> list[Row]:
    """HEAD of a 200 MiB FileResponse: it runs as HEAD, so condget adds no read of the file.

    Bare Starlette's GET is in the group for scale: what a HEAD run as a GET
    would cost.
    """

    async def endpoint(request: Request) -> Response:
        return FileResponse(path)

    def app(*middleware: Middleware) -> App:
        return Starlette(routes=[Route("/", endpoint)], middleware=list(middleware))

    # ASGI 2.4: FileResponse then sends the file without also listening for a
    # disconnect (which this benchmark's receive() never sends).
    head = scope_with(method="HEAD", spec_version="2.4")
    get = scope_with(method="GET", spec_version="2.4")
    scenario = "HEAD, 200 MiB FileResponse"
    bare = Row(scenario, "200 MiB", "Starlette", app(), head)
    rows = [
        bare,
        Row(
            scenario, "200 MiB", "Starlette + condget", app(Middleware(ConditionalMiddleware)), head
        ),
        Row(
            scenario,
            "200 MiB",
            "Starlette + condget, ranges=False",
            app(Middleware(ConditionalMiddleware, ranges=False)),
            head,
        ),
        Row(scenario, "200 MiB", "Starlette, GET (for scale)", app(), get),
    ]
    for row in rows[1:]:
        row.baseline = bare
    return rows


ASSET_SIZE = 64 * KIB  # a typical script or stylesheet


def own_304_rows(directory: str) -> list[Row]:
    """What hiding the conditional fields costs an app that answers 304 itself.

    Starlette's StaticFiles would answer If-None-Match itself; condget hides
    the field (issue 10), so StaticFiles builds its FileResponse and condget
    answers the 304. A server with pathsend (hypercorn) gets the file's path,
    dropped unread; without it (uvicorn) Starlette reads the file and condget
    discards it.
    """
    with open(os.path.join(directory, "app.js"), "wb") as asset:
        asset.write(os.urandom(ASSET_SIZE))

    def app(*middleware: Middleware) -> App:
        static = Mount("/static", StaticFiles(directory=directory))
        starlette = Starlette(routes=[static], middleware=list(middleware))

        async def fresh_scope(scope: dict[str, Any], receive: Any, send: Any) -> None:
            # Starlette's Mount writes its root_path into the scope it is
            # given: the next request with the same dict would be a 404.
            await starlette(dict(scope), receive, send)

        return fresh_scope

    target = {"path": "/static/app.js", "raw_path": b"/static/app.js"}
    get = {**scope_with(spec_version="2.4"), **target}
    fields: list[tuple[bytes, bytes]] = []

    async def learn(message: Any) -> None:
        if message["type"] == _START:
            fields.extend(message["headers"])

    asyncio.run(app()(get, receive, learn))
    etag = dict(fields)[b"etag"]
    uvicorn = {**scope_with((b"if-none-match", etag), spec_version="2.4"), **target}
    hypercorn = {**uvicorn, "extensions": {"http.response.pathsend": {}}}
    scenario = "304 the app would give itself, 64 KiB file"
    condget = Middleware(ConditionalMiddleware)
    shown = Middleware(ConditionalMiddleware, hide_conditions=False)
    rows = [
        Row(scenario, "64 KiB", "StaticFiles (its own 304)", app(), uvicorn),
        Row(
            scenario,
            "64 KiB",
            "StaticFiles + condget (its 304), no pathsend",
            app(condget),
            uvicorn,
        ),
        Row(
            scenario, "64 KiB", "StaticFiles + condget (its 304), pathsend", app(condget), hypercorn
        ),
        Row(
            scenario, "64 KiB", "StaticFiles + condget, hide_conditions=False", app(shown), uvicorn
        ),
    ]
    for row in rows[1:]:
        row.baseline = rows[0]
    return rows


async def answer(row: Row) -> str:
    """One request: the status the server would see, and the body bytes it would send."""
    statuses: list[int] = []
    sent = 0

    async def recording(message: Any) -> None:
        nonlocal sent
        if message["type"] == _START:
            statuses.append(message["status"])
        elif message["type"] == _BODY:
            sent += len(message.get("body", b""))

    await row.app(row.scope, receive, recording)
    return f"{statuses[-1]}" if sent or statuses[-1] == 304 else f"{statuses[-1]}, no body"


async def run(groups: list[list[Row]], rounds: int, batch_seconds: float) -> None:
    for row in (row for rows in groups for row in rows):
        row.status = await answer(row)
        # Warm up, then size the batch so that it takes about batch_seconds:
        # enough requests that the clock's resolution and the loop do not count.
        row.per_round = 1
        once = max(await measure(row), await measure(row)) / 1e6
        row.per_round = max(1, min(5000, round(batch_seconds / max(once, 1e-7))))
    for _ in range(rounds):
        for rows in groups:
            order = list(rows)
            random.shuffle(order)
            for row in order:
                gc.collect()
                gc.disable()
                try:
                    row.samples.append(await measure(row))
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
                row.status,
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


def verdict(ratio: float, limit: float) -> str:
    return "met" if ratio <= limit else "NOT met"


def added_ratio(ours: Row, floor: Row) -> tuple[float, str]:
    """condget's added cost over the floor's, both over the group's first row."""
    theirs = over(floor)
    if theirs <= 0:
        # The floor costs nothing measurable here: any cost of condget's is "more".
        return (float("inf"), "floor +0") if over(ours) > 0 else (0.0, "floor +0")
    return over(ours) / theirs, f"{over(ours) / theirs:.2f}x"


def targets(groups: list[list[Row]]) -> str:
    out = ["", "Targets (issue 9), as ratios in this run:"]
    checks = [
        ("200, app ETag", size, "pass-through middleware", "200 with an app ETag") for size in SIZES
    ]
    checks += [
        ("304, app ETag", size, "minimal 200→304 middleware", "304 for an app ETag")
        for size in SIZES
    ]
    checks += [
        (scenario, "1 KiB", "minimal MD5 auto-ETag middleware", f"auto-ETag {scenario[:3]}")
        for scenario in ("200, no app ETag", "304, no app ETag")
    ]
    for scenario, size, floor_name, label in checks:
        ours = find(groups, scenario, size, "condget")
        floor = find(groups, scenario, size, floor_name)
        ratio, shown = added_ratio(ours, floor)
        out.append(
            f"- {label}, {size}: condget {over(ours):+.2f} µs, {floor_name} "
            f"{over(floor):+.2f} µs: {shown} (target <= 2x): {verdict(ratio, 2.0)}"
        )
    ours = find(groups, "HEAD, 200 MiB", "200 MiB", "Starlette + condget")
    assert ours.baseline is not None
    ratio = ours.median_us / ours.baseline.median_us
    out.append(
        f"- HEAD of a 200 MiB FileResponse: Starlette + condget {ours.median_us:.2f} µs, "
        f"Starlette {ours.baseline.median_us:.2f} µs: {ratio:.2f}x (target <= 1.5x): "
        f"{verdict(ratio, 1.5)}"
    )
    scenario = "304 the app would give itself"
    own = find(groups, scenario, "64 KiB", "StaticFiles (its own 304)")
    plain = find(groups, scenario, "64 KiB", "StaticFiles + condget (its 304), no pathsend")
    by_path = find(groups, scenario, "64 KiB", "StaticFiles + condget (its 304), pathsend")
    out.append(
        f"- what hiding costs an app that answers 304 itself (issue 10, no target), 64 KiB: "
        f"StaticFiles' own 304 {own.median_us:.2f} µs; condget's {plain.median_us:.2f} µs "
        f"({plain.median_us / own.median_us:.2f}x, the file read and discarded) without "
        f"pathsend, {by_path.median_us:.2f} µs ({by_path.median_us / own.median_us:.2f}x, "
        f"never read) with it"
    )
    out += ["", "Earlier targets (issue 4):"]
    theirs = find(groups, "200, no app ETag", "10 MiB", "asgi-etags (md5)")
    for contender in ("condget", "condget, max_buffer=16 MiB"):
        mine = find(groups, "200, no app ETag", "10 MiB", contender)
        times = theirs.median_us / mine.median_us
        out.append(
            f"- auto-ETag at 10 MiB, {contender}: asgi-etags costs "
            f"{times:.1f}x as much (target >= 5x): {'met' if times >= 5 else 'NOT met'}"
        )
    slow = find(groups, "pre-dispatch 304", "1 KiB", "condget, validators hook")
    out.append(
        f"- pre-dispatch 304 before a 50 ms endpoint: {slow.median_us:.1f} µs (target < 50): "
        f"{'met' if slow.median_us < 50 else 'NOT met'}"
    )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds (default 25; 3 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="shorter batches, fewer rounds")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 25)
    groups = [group for name, size in SIZES.items() for group in rows_for(name, size)]
    groups.append(slow_rows())
    with (
        tempfile.NamedTemporaryFile(prefix="condget-bench-") as file,
        tempfile.TemporaryDirectory(prefix="condget-bench-") as assets,
    ):
        block = os.urandom(MIB)
        for _ in range(FILE_SIZE // MIB):
            file.write(block)
        file.flush()
        groups.append(file_rows(file.name))
        groups.append(own_304_rows(assets))
        asyncio.run(run(groups, rounds, 0.002 if args.quick else 0.02))
    print(
        f"{time.strftime('%Y-%m-%d')}, CPython {sys.version.split()[0]}, {rounds} rounds"
        f"{', --quick' if args.quick else ''}; load average {os.getloadavg()[0]:.1f}\n"
    )
    print(table(groups))
    print(targets(groups))


if __name__ == "__main__":
    main()
