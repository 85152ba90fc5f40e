"""Shared-store benchmark: a 304 from the store against the same request running a 5 ms view.

Run: .venv/bin/python benchmarks/bench_store.py [--quick] [--rounds N]

In-process, no HTTP: the middlewares are called directly (WSGI with an
``environ``, ASGI with a scope on one event loop), with an SQLiteStore in a
temporary file and a RedisStore on a local redis-server started for the run
(127.0.0.1, a free port; its rows are left out, with a note, when
redis-server is not installed). Times are wall-clock (``perf_counter``),
since a store call waits on a file or a socket, and each row's figure is the
median over interleaved rounds of the mean time per request.

Rows, per backend and middleware:

* the conditional GET (``If-None-Match`` with the current tag) through the
  middleware *without* a store: the view runs (5 ms: ``time.sleep`` or
  ``asyncio.sleep``) and the response side answers 304;
* the same request *with* the store: answered 304 from the stored tag, the
  view never runs. Target: at least 50x faster;
* an unconditional GET of a fast view (no sleep), without a store and with
  one on a miss (a new query each time: lookup, view, record): the
  difference is what a miss adds to a 200, in microseconds;
* one ``store.get`` by itself: the store's round trip, the miss's target.

And, for the ASGI choice (docs/fleets.md): one ``get`` called on the event
loop against the same ``get`` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.store import BaseStore, RedisStore, SQLiteStore, request_key
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

VIEW_SECONDS = 0.005
BODY = b"x" * 1024
TAG = '"v1"'
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY))), ("ETag", TAG)]
RAW_HEADERS = [(name.lower().encode(), value.encode()) for name, value in HEADERS]
TARGET_SPEEDUP = 50
ONE_GET = "one store.get (on the event loop for ASGI)"
AWAITED_MISS = "GET, fast view, store miss + record awaited (as before put_nowait)"
DELAY_MS = 1.0  # each way, for the "Redis 1 ms away" rows: a round trip between hosts


@dataclass
class Views:
    """The benchmark's views, counting their calls."""

    calls: int = 0

    def wsgi(self, delay: float) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            self.calls += 1
            if delay:
                time.sleep(delay)
            start_response("200 OK", list(HEADERS))
            return [BODY]

        return app

    def asgi(self, delay: float) -> Callable[[Any, Any, Any], Any]:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            self.calls += 1
            if delay:
                await asyncio.sleep(delay)
            await send({"type": "http.response.start", "status": 200, "headers": RAW_HEADERS})
            await send({"type": "http.response.body", "body": BODY})

        return app


def environ_for(query: str, **headers: str) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/items/1",
        "QUERY_STRING": query,
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "bench.example",
        "wsgi.url_scheme": "http",
    }
    environ.update({"HTTP_" + name.upper(): value for name, value in headers.items()})
    return environ


def scope_for(query: str, **headers: str) -> dict[str, Any]:
    fields = [(b"host", b"bench.example")]
    fields += [(name.replace("_", "-").lower().encode(), v.encode()) for name, v in headers.items()]
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/items/1",
        "raw_path": b"/items/1",
        "query_string": query.encode(),
        "root_path": "",
        "headers": fields,
    }


def serve_wsgi(app: Any, environ: dict[str, Any]) -> str:
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    body = app(dict(environ), start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return statuses[-1][:3]


async def serve_asgi(app: Any, scope: dict[str, Any]) -> str:
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(dict(scope), receive, send)
    return str(status[-1])


@dataclass
class Row:
    """One measured case: ``run(n)`` serves ``n`` requests and returns their seconds."""

    group: str
    label: str
    status: str
    run: Callable[[int], float]
    per_round: int
    means: list[float] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        return statistics.median(self.means) * 1e6


def timed(app: Any, make: Callable[[], dict[str, Any]]) -> Callable[[int], float]:
    """``run(n)``: ``n`` requests through a WSGI app, each with the environ ``make()`` gives."""

    def run(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            serve_wsgi(app, make())
        return time.perf_counter() - started

    return run


def gets(store: BaseStore, query: str) -> Callable[[int], float]:
    """``run(n)``: ``n`` lookups of the benchmark's target with ``query``: the round trip."""
    key = request_key("http", "bench.example", "/items/1", query)
    assert key is not None

    def run(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            store.get(key.entry())
        return time.perf_counter() - started

    return run


def wsgi_rows(group: str, store: BaseStore, views: Views, per_round: int) -> list[Row]:
    counter = itertools.count()
    slow = WSGIMiddleware(views.wsgi(VIEW_SECONDS))
    stored = WSGIMiddleware(views.wsgi(VIEW_SECONDS), store=store)
    fast = WSGIMiddleware(views.wsgi(0))
    fast_stored = WSGIMiddleware(views.wsgi(0), store=store)
    conditional = environ_for("hit=1", IF_NONE_MATCH=TAG)
    assert serve_wsgi(stored, environ_for("hit=1")) == "200"  # recorded

    def fresh() -> dict[str, Any]:
        return environ_for(f"miss={next(counter)}")

    before = views.calls
    assert serve_wsgi(stored, conditional) == "304"
    assert views.calls == before, "the 304 from the store ran the view"
    assert serve_wsgi(slow, conditional) == "304"
    return [
        Row(group, "conditional GET, 5 ms view, no store", "304", timed(slow, lambda: conditional),
            max(1, per_round // 10)),
        Row(group, "conditional GET, 304 from the store", "304", timed(stored, lambda: conditional),
            per_round),
        Row(group, "GET, fast view, no store", "200", timed(fast, lambda: environ_for("")),
            per_round),
        Row(group, "GET, fast view, store miss + record", "200", timed(fast_stored, fresh),
            per_round),
        Row(group, ONE_GET, "-", gets(store, "hit=1"), per_round),
    ]  # fmt: skip


def asgi_rows(
    group: str, store: BaseStore, views: Views, per_round: int, loop: asyncio.AbstractEventLoop
) -> list[Row]:
    counter = itertools.count()
    slow = ASGIMiddleware(views.asgi(VIEW_SECONDS))
    stored = ASGIMiddleware(views.asgi(VIEW_SECONDS), store=store)
    fast = ASGIMiddleware(views.asgi(0))
    fast_stored = ASGIMiddleware(views.asgi(0), store=store)
    conditional = scope_for("hit=2", if_none_match=TAG)
    assert loop.run_until_complete(serve_asgi(stored, scope_for("hit=2"))) == "200"

    def timed(app: Any, make: Callable[[], dict[str, Any]]) -> Callable[[int], float]:
        async def serve(n: int) -> float:
            started = time.perf_counter()
            for _ in range(n):
                await serve_asgi(app, make())
            return time.perf_counter() - started

        return lambda n: loop.run_until_complete(serve(n))

    def fresh() -> dict[str, Any]:
        return scope_for(f"miss={next(counter)}")

    before = views.calls
    assert loop.run_until_complete(serve_asgi(stored, conditional)) == "304"
    assert views.calls == before, "the 304 from the store ran the view"
    key = request_key("http", "bench.example", "/items/1", "hit=2")
    assert key is not None
    entry = key.entry()

    def on_loop(n: int) -> float:
        async def direct() -> float:
            started = time.perf_counter()
            for _ in range(n):
                store.get(entry)
            return time.perf_counter() - started

        return loop.run_until_complete(direct())

    def in_thread(n: int) -> float:
        async def threaded() -> float:
            started = time.perf_counter()
            for _ in range(n):
                await asyncio.to_thread(store.get, entry)
            return time.perf_counter() - started

        return loop.run_until_complete(threaded())

    return [
        Row(group, "conditional GET, 5 ms view, no store", "304", timed(slow, lambda: conditional),
            max(1, per_round // 10)),
        Row(group, "conditional GET, 304 from the store", "304", timed(stored, lambda: conditional),
            per_round),
        Row(group, "GET, fast view, no store", "200", timed(fast, lambda: scope_for("")),
            per_round),
        Row(group, "GET, fast view, store miss + record", "200", timed(fast_stored, fresh),
            per_round),
        Row(group, ONE_GET, "-", on_loop, per_round),
        Row(group, "one store.get via asyncio.to_thread", "-", in_thread, per_round),
    ]  # fmt: skip


class AwaitingRedisStore(RedisStore):
    """RedisStore as it was before put_nowait: a GET's record waits for the server's answer."""

    def _write_if_nowait(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool | None:
        return self._write_if(key, value, ttl_ms, checks)


def distant_rows(
    group: str, store: BaseStore, awaiting: BaseStore, views: Views, per_round: int
) -> list[Row]:
    """A miss on a store one network delay away: how many times does the request wait on it?"""
    counter = itertools.count()
    fast = WSGIMiddleware(views.wsgi(0))
    fast_stored = WSGIMiddleware(views.wsgi(0), store=store)
    fast_awaiting = WSGIMiddleware(views.wsgi(0), store=awaiting)

    def fresh() -> dict[str, Any]:
        return environ_for(f"far={next(counter)}")

    # The connections back-to-back misses use (one waits for the lookup while
    # the last record's answer is on its way), opened before the timing.
    for app in (fast_stored, fast_awaiting):
        for _ in range(10):
            assert serve_wsgi(app, fresh()) == "200"

    return [
        Row(group, "GET, fast view, no store", "200", timed(fast, lambda: environ_for("")),
            per_round),
        Row(group, "GET, fast view, store miss + record", "200", timed(fast_stored, fresh),
            per_round),
        Row(group, AWAITED_MISS, "200", timed(fast_awaiting, fresh), per_round),
        Row(group, ONE_GET, "-", gets(store, "far"), per_round),
    ]  # fmt: skip


def run(rows: list[Row], rounds: int) -> None:
    for _ in range(rounds):
        for row in random.sample(rows, len(rows)):
            row.means.append(row.run(row.per_round) / row.per_round)


def table(groups: list[list[Row]]) -> str:
    lines = [
        "| backend, middleware | request | status | µs per request | vs the 5 ms view |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for rows in groups:
        base = rows[0].median_us
        for index, row in enumerate(rows):
            ratio = (
                "" if row.status != "304" or index == 0 else f"{base / row.median_us:,.0f}x faster"
            )
            lines.append(
                f"| {row.group if index == 0 else ''} | {row.label} | {row.status} "
                f"| {row.median_us:,.1f} | {ratio} |"
            )
    return "\n".join(lines)


def summary(groups: list[list[Row]]) -> list[str]:
    lines = []
    for rows in groups:
        by_label = {row.label: row.median_us for row in rows}
        if AWAITED_MISS in by_label:
            lines.append(distant_summary(rows[0].group, by_label))
            continue
        speedup = (
            by_label["conditional GET, 5 ms view, no store"]
            / by_label["conditional GET, 304 from the store"]
        )
        overhead = (
            by_label["GET, fast view, store miss + record"] - by_label["GET, fast view, no store"]
        )
        round_trip = by_label[ONE_GET]
        within = "met" if overhead <= round_trip else "NOT met"
        met = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
        lines.append(
            f"speedup {rows[0].group}: {speedup:,.0f}x (target {TARGET_SPEEDUP}x: {met}); "
            f"miss overhead on a 200: {overhead:,.1f} us, one store.get {round_trip:,.1f} us "
            f"(target: within one: {within})"
        )
        if "one store.get via asyncio.to_thread" in by_label:
            lines.append(
                f"loop vs thread {rows[0].group}: {round_trip:,.1f} us on the loop, "
                f"{by_label['one store.get via asyncio.to_thread']:,.1f} us via to_thread"
            )
    return lines


def distant_summary(group: str, by_label: dict[str, float]) -> str:
    plain = by_label["GET, fast view, no store"]
    round_trip = by_label[ONE_GET]
    miss = by_label["GET, fast view, store miss + record"] - plain
    awaited = by_label[AWAITED_MISS] - plain
    within = "met" if miss <= round_trip else "NOT met"
    return (
        f"{group}: miss overhead on a 200 {miss:,.1f} us = {miss / round_trip:.2f} round trips "
        f"(one store.get {round_trip:,.1f} us; target: within one: {within}); "
        f"with the record awaited {awaited:,.1f} us = {awaited / round_trip:.2f} round trips"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serving(command: list[str], port: int, what: str) -> subprocess.Popen[bytes]:
    """Start ``command`` and wait until it accepts connections on ``port``."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    process.terminate()
    process.wait(timeout=10)
    raise RuntimeError(f"{what} did not start")


class DelayProxy:
    """benchmarks/delay_proxy.py in front of a port: every byte late by DELAY_MS each way."""

    def __init__(self, target: int) -> None:
        self.port = free_port()
        script = Path(__file__).with_name("delay_proxy.py")
        command = [sys.executable, str(script), str(self.port), str(target), str(DELAY_MS)]
        self.process = serving(command, self.port, "the delay proxy")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class LocalRedis:
    """A throwaway redis-server on 127.0.0.1 (no persistence)."""

    def __init__(self, executable: str, directory: Path) -> None:
        self.port = free_port()
        self.process = serving(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(directory)],
            self.port, "redis-server",
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few requests: a smoke run")
    parser.add_argument("--rounds", type=int, default=None)
    options = parser.parse_args(argv)
    rounds = options.rounds or (3 if options.quick else 9)
    per_round = 20 if options.quick else 200
    directory = Path(tempfile.mkdtemp(prefix="condget-bench-store-"))
    redis = proxy = None
    executable = shutil.which("redis-server", path="/usr/bin:/usr/sbin:/usr/local/bin:/bin")
    notes = []
    stores: list[tuple[str, BaseStore]] = [("SQLite", SQLiteStore(directory / "bench.db"))]
    if executable is None:
        notes.append("redis-server not found: the Redis rows are left out")
    else:
        redis = LocalRedis(executable, directory)
        stores.append(("Redis", RedisStore(redis.url)))
        proxy = DelayProxy(redis.port)
        far = f"redis://127.0.0.1:{proxy.port}/0"
        distant = [RedisStore(far, timeout_ms=1000), AwaitingRedisStore(far, timeout_ms=1000)]
    loop = asyncio.new_event_loop()
    try:
        views = Views()
        groups = []
        for name, store in stores:
            groups.append(wsgi_rows(f"{name}, WSGI", store, views, per_round))
            groups.append(asgi_rows(f"{name}, ASGI", store, views, per_round, loop))
        if proxy is not None:
            group = f"Redis {DELAY_MS:g} ms away, WSGI"
            groups.append(distant_rows(group, *distant, views, max(1, per_round // 10)))
        run([row for rows in groups for row in rows], rounds)
        print(table(groups))
        print()
        for line in [*summary(groups), *notes]:
            print(line)
    finally:
        loop.close()
        for _, store in stores:
            store.close()
        if proxy is not None:
            for store in distant:
                store.close()
            proxy.stop()
        if redis is not None:
            redis.stop()
        shutil.rmtree(directory, ignore_errors=True)
    print(f"python {sys.version.split()[0]}, rounds {rounds}, {per_round} requests per round")
    return 0


if __name__ == "__main__":
    sys.exit(main())
