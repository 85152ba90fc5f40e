"""10,000 sequential and 100 concurrent requests through a real server: nothing grows.

The serving process (gunicorn's worker, uvicorn's process) is measured from
/proc before and after (resident memory, open file descriptors, threads) and
asks itself for its live asyncio tasks; a warm-up round first fills the
pools and caches that grow once by design. The requests mix every path
condget takes: 200 with an app ETag or an auto-ETag, 304 from the response
(R18) and from the pre-dispatch hook (R36), 412 (R34), HEAD (R31), and a
404 it leaves alone (R28).
"""

from __future__ import annotations

import http.client
import socket
import threading
import time

from tests.integration.support import HTTP_TIMEOUT, Server, Usage, usage
from tests.integration.upstream import served_app

SEQUENTIAL = 10_000
CONCURRENT = 100
PER_CONNECTION = 10  # requests each concurrent client sends on its connection
# Generous: a leak of 500 bytes per request would pass 11,000 requests under
# 6 MiB, but a copy of any body or header list per request would not.
RSS_GROWTH_KIB = 6 * 1024


def exchanges(auto_etag: str) -> list[tuple[str, str, dict[str, str], int]]:
    """One round of the mix: method, path, request headers, the status condget must send."""
    return [
        ("GET", "/page", {}, 200),
        ("GET", "/page", {"If-None-Match": served_app.PAGE_ETAG}, 304),
        ("GET", "/page", {"If-Modified-Since": served_app.LAST_MODIFIED}, 304),
        ("GET", "/auto", {}, 200),
        ("GET", "/auto", {"If-None-Match": auto_etag}, 304),
        ("HEAD", "/auto", {}, 200),
        ("GET", "/notes/1", {"If-None-Match": '"v1"'}, 304),
        ("PUT", "/notes/1", {"If-Match": '"v0"'}, 412),
        ("GET", "/missing", {"If-None-Match": "*"}, 404),
    ]


def send_all(server: Server, count: int, mix: list[tuple[str, str, dict[str, str], int]]) -> None:
    """``count`` requests on one keep-alive connection, each checked."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=HTTP_TIMEOUT)
    connection.connect()
    # http.client writes a PUT's body apart from its head: no Nagle delay between.
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for i in range(count):
            method, path, headers, status = mix[i % len(mix)]
            body = b"lost update" if method == "PUT" else None
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == status, (method, path, headers, response.status)
    finally:
        connection.close()


def send_concurrently(server: Server, mix: list[tuple[str, str, dict[str, str], int]]) -> None:
    """CONCURRENT clients at once, each with its own connection."""
    start = threading.Barrier(CONCURRENT)
    failures: list[BaseException] = []

    def client() -> None:
        try:
            start.wait(timeout=HTTP_TIMEOUT)
            send_all(server, PER_CONNECTION, mix)
        except BaseException as failure:  # reported below, in the test's thread
            failures.append(failure)

    threads = [threading.Thread(target=client) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []


def settled(pid: int, fds: int | None = None) -> Usage:
    """The process's usage once the server has closed its side of the clients' connections.

    That is when it holds at most ``fds`` descriptors or, without ``fds``,
    when the count has stopped falling for half a second.
    """
    deadline = time.monotonic() + 10
    last, steady = usage(pid), 0
    while time.monotonic() < deadline and steady < 5:
        time.sleep(0.1)
        now = usage(pid)
        if fds is not None and now.fds <= fds:
            return now
        steady = steady + 1 if now.fds >= last.fds else 0
        last = now
    return last


def test_no_growth(server: Server) -> None:
    stats = server.stats()
    pid = stats["pid"]
    _, headers, _ = server.request("GET", "/auto")
    mix = exchanges(headers["ETag"])

    # Warm-up: the server's thread pool, the allocator's arenas, import caches.
    send_all(server, 500, mix)
    send_concurrently(server, mix)
    before = settled(pid)
    tasks_before = server.stats().get("tasks")

    send_all(server, SEQUENTIAL, mix)
    send_concurrently(server, mix)
    after = settled(pid, before.fds)
    tasks_after = server.stats().get("tasks")

    print(f"{server.kind} pid {pid}: {before} -> {after}; tasks {tasks_before} -> {tasks_after}")
    assert after.fds <= before.fds
    assert after.threads <= before.threads
    assert tasks_after == tasks_before  # None == None under gunicorn (no event loop)
    assert after.rss_kib - before.rss_kib <= RSS_GROWTH_KIB
