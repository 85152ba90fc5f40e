"""ASGI benchmark: condget's middleware beside a bare app, a pass-through middleware and asgi-etags.

Run: .venv/bin/python benchmarks/bench_asgi.py [--rounds N] [--quick]
(asgi-etags comes with the ``bench`` dependency group.)

Apps are driven directly with ASGI messages (no server, no sockets), so the
numbers are the middleware's own cost. Every contender of a scenario runs in
interleaved rounds, so machine noise hits all alike; the table shows the
median time per request over the rounds, the difference from the bare app
and the ratio to it. Targets (issue 4): at most +0.5 us per 200 with an app
ETag, at most +2.5 us per 304 and flat in body size, the auto-ETag of a
10 MiB body at least 5x cheaper than asgi-etags with its documented hash
(md5), and a pre-dispatch 304 in front of a 50 ms endpoint under 50 us.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from asgi_etags import ETagMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.engine import AutoETag

App = Callable[[Any, Any, Any], Awaitable[None]]
KIB = 1024
MIB = 1024 * KIB
SIZES = {"1 KiB": KIB, "100 KiB": 100 * KIB, "10 MiB": 10 * MIB}
APP_ETAG = b'"v1"'
BROWSER_HEADERS = [
    (b"host", b"example.com"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-language", b"en-US,en;q=0.5"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"connection", b"keep-alive"),
]


def scope_with(*extra: tuple[bytes, bytes], method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
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

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples)


async def measure(row: Row) -> float:
    app, scope, n = row.app, row.scope, row.per_round
    began = time.perf_counter()
    for _ in range(n):
        await app(scope, receive, send)
    return (time.perf_counter() - began) / n * 1e6


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
            ("condget", ConditionalMiddleware(tagged), plain),
            ("condget, auto_etag=False", ConditionalMiddleware(tagged, auto_etag=False), plain),
            ("asgi-etags (md5)", asgi_etags(tagged), plain),
            ("Starlette route", starlette_app(body, condget=False), plain),
            ("Starlette route + condget", starlette_app(body, condget=True), plain),
        ),
        group(
            "304, app ETag (vs the bare app's 200)",
            ("bare app (200)", tagged, match_app),
            ("condget", ConditionalMiddleware(tagged), match_app),
            ("condget, auto_etag=False", ConditionalMiddleware(tagged, auto_etag=False), match_app),
            ("asgi-etags (md5)", asgi_etags(tagged), match_md5),
            ("Starlette route (200)", starlette_app(body, condget=False), match_app),
            ("Starlette route + condget", starlette_app(body, condget=True), match_app),
        ),
        group(
            "200, no app ETag (auto-ETag)",
            ("bare app", untagged, plain),
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
    bare = Row("pre-dispatch 304, 50 ms endpoint", "1 KiB", "bare app (200)", slow_endpoint, match)
    condget = Row(
        "pre-dispatch 304, 50 ms endpoint",
        "1 KiB",
        "condget, validators hook",
        ConditionalMiddleware(slow_endpoint, validators=hook),
        match,
        baseline=bare,
    )
    return [bare, condget]


async def run(groups: list[list[Row]], rounds: int, batch_seconds: float) -> None:
    for row in (row for rows in groups for row in rows):
        # Warm up, then size the batch so that it takes about batch_seconds:
        # enough requests that the clock's resolution and the loop do not count.
        row.per_round = 1
        once = max(await measure(row), await measure(row)) / 1e6
        row.per_round = max(1, min(5000, round(batch_seconds / once)))
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
        "| scenario | body | contender | median µs/request | vs first row | ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    for rows in groups:
        for row in rows:
            if row.baseline is None:
                diff = ratio = "-"
            else:
                diff = f"{row.median_us - row.baseline.median_us:+.2f}"
                ratio = f"{row.median_us / row.baseline.median_us:.2f}x"
            cells = [row.scenario, row.size, row.contender, f"{row.median_us:,.2f}", diff, ratio]
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


def targets(groups: list[list[Row]]) -> str:
    out = ["", "Targets:"]
    for size in SIZES:
        row = find(groups, "200, app ETag", size, "condget")
        floor = find(groups, "200, app ETag", size, "pass-through middleware")
        out.append(
            f"- 200 with an app ETag, {size}: condget {over(row):+.2f} µs over the bare app "
            f"(target <= +0.5; a minimal pass-through middleware: {over(floor):+.2f} µs)"
        )
    for size in SIZES:
        row = find(groups, "304, app ETag", size, "condget")
        out.append(
            f"- 304 with an app ETag, {size}: condget {over(row):+.2f} µs over the bare app's 200 "
            "(target <= +2.5, flat in body size)"
        )
    theirs = find(groups, "200, no app ETag", "10 MiB", "asgi-etags (md5)")
    for contender in ("condget", "condget, max_buffer=16 MiB"):
        ours = find(groups, "200, no app ETag", "10 MiB", contender)
        out.append(
            f"- auto-ETag at 10 MiB, {contender}: asgi-etags costs "
            f"{theirs.median_us / ours.median_us:.1f}x as much (target >= 5x)"
        )
    slow = find(groups, "pre-dispatch 304", "1 KiB", "condget, validators hook")
    out.append(f"- pre-dispatch 304 before a 50 ms endpoint: {slow.median_us:.1f} µs (target < 50)")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="shorter batches")
    args = parser.parse_args()
    groups = [group for name, size in SIZES.items() for group in rows_for(name, size)]
    groups.append(slow_rows())
    asyncio.run(run(groups, args.rounds, 0.002 if args.quick else 0.02))
    print(table(groups))
    print(targets(groups))


if __name__ == "__main__":
    main()
