"""A fleet of real servers sharing one store: gunicorn (two workers) and uvicorn, on two ports.

A tag learnt through one server answers a conditional GET through the other
without running the view; a write through either is seen through both at
once; under concurrent reads and writes no 304 for an old state ever follows
a write's response; and a Redis killed mid-run costs no request.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.support import ROOT, free_port, stop, wait_for_port
from tests.store.apps import tag_of
from tests.store.redis_server import RedisServer

HTTP_TIMEOUT = 10.0
LOOP_SECONDS = 3.0
PUBLIC_HOST = "fleet.example"


class Node:
    """A server of the fleet: gunicorn (2 gthread workers) or uvicorn, serving tests.store.apps."""

    def __init__(self, kind: str, directory: Path, store: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.log = directory / f"{kind}-{self.port}.log"
        if kind == "gunicorn":
            command = [
                sys.executable, "-m", "gunicorn", "--chdir", str(ROOT),
                "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
                "--no-control-socket", "tests.store.apps:wsgi",
            ]  # fmt: skip
        else:
            command = [
                sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT),
                "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
                "--log-level", "warning", "--lifespan", "off", "tests.store.apps:asgi",
            ]  # fmt: skip
        env = {**os.environ, "CONDGET_TEST_DATA": str(directory), "CONDGET_TEST_STORE": store}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, self.log)

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> tuple[int, str | None, bytes]:
        """Status, ETag and body.

        The ``Host`` is the fleet's public name unless given, as a load balancer
        passes it on: the store's key is built from it, not from the port.
        """
        fields = {"Host": PUBLIC_HOST, **(headers or {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            connection.request(method, path, body=body or None, headers=fields)
            response = connection.getresponse()
            return response.status, response.getheader("ETag"), response.read()
        finally:
            connection.close()

    def close(self) -> str:
        stop(self.process)
        return self.log.read_text()


class Fleet:
    """gunicorn and uvicorn over one data directory and one store."""

    def __init__(self, directory: Path, store: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.counter = directory / "calls"
        self.a = Node("gunicorn", directory, store)
        try:
            self.b = Node("uvicorn", directory, store)
        except BaseException:
            self.a.close()
            raise

    @property
    def calls(self) -> int:
        """View calls, all processes together."""
        return self.counter.stat().st_size

    def close(self) -> str:
        return self.a.close() + self.b.close()


def spec_for(backend: str, directory: Path, redis: RedisServer | None) -> str:
    if backend == "sqlite":
        return f"sqlite:{directory / 'validators.db'}"
    assert redis is not None
    return redis.url


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def fleet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fleet]:
    directory = tmp_path_factory.mktemp(f"fleet-{request.param}")
    redis = request.getfixturevalue("redis_server") if request.param == "redis" else None
    running = Fleet(directory, spec_for(request.param, directory, redis))
    try:
        yield running
    finally:
        logged = running.close()
    assert "Traceback" not in logged, logged


def test_a_tag_learnt_through_one_server_answers_through_the_other(fleet: Fleet) -> None:
    status, tag, body = fleet.a.request("GET", "/items/1")
    assert (status, body) == (200, b"one")
    assert tag == tag_of(b"one")
    calls = fleet.calls

    # Through B, and through A's two workers: 304s, and the view never runs.
    for node in (fleet.b, fleet.a, fleet.a, fleet.a, fleet.b):
        status, again, body = node.request("GET", "/items/1", {"If-None-Match": tag})
        assert (status, again, body) == (304, tag, b"")
    assert fleet.calls == calls

    status, _, _ = fleet.b.request("PUT", "/items/1", body=b"two")
    assert status == 204
    status, new, body = fleet.a.request("GET", "/items/1", {"If-None-Match": tag})
    assert (status, new, body) == (200, tag_of(b"two"), b"two")

    # A stale If-Match through the other server: 412, and the view does not run.
    calls = fleet.calls
    status, _, _ = fleet.b.request("PUT", "/items/1", {"If-Match": tag}, b"lost update")
    assert (status, fleet.calls) == (412, calls)


def test_two_spellings_of_one_page_across_servers(fleet: Fleet) -> None:
    fleet.a.request("PUT", "/items/7", body=b"seven")
    status, tag, _ = fleet.a.request("GET", "/items/%37", {"Host": "EXAMPLE.com:80"})
    assert status == 200
    assert tag is not None
    calls = fleet.calls
    status, _, _ = fleet.b.request("GET", "/items/7", {"Host": "example.com", "If-None-Match": tag})
    assert (status, fleet.calls) == (304, calls)
    fleet.b.request("PUT", "/items/7", {"Host": "example.com"}, b"seven again")
    status, _, body = fleet.a.request(
        "GET", "/items/%37", {"Host": "EXAMPLE.com:80", "If-None-Match": tag}
    )
    assert (status, body) == (200, b"seven again")


def test_no_stale_304_ever_follows_a_write(fleet: Fleet) -> None:
    """Readers and a writer on both servers for a few seconds.

    Every reader request that starts after the response to the write of
    version n+1 was received, and asks with version n's tag, must get a 200.
    """
    nodes = (fleet.a, fleet.b)
    versions = [b"loop 0"]
    fleet.a.request("PUT", "/items/loop", body=versions[0])
    lock = threading.Lock()
    acknowledged = 0  # the newest version whose write's response was received
    stop_at = time.monotonic() + LOOP_SECONDS
    problems: list[str] = []
    counts = {"304": 0, "200": 0, "stale checks": 0}

    def writer() -> None:
        nonlocal acknowledged
        number = 0
        while time.monotonic() < stop_at:
            number += 1
            body = f"loop {number}".encode()
            with lock:
                versions.append(body)
            status, _, _ = nodes[number % 2].request("PUT", "/items/loop", body=body)
            if status != 204:
                problems.append(f"write {number}: {status}")
            with lock:
                acknowledged = number
            time.sleep(0.02)

    def reader(index: int) -> None:
        turn = index
        while time.monotonic() < stop_at:
            turn += 1
            node = nodes[turn % 2]
            with lock:
                current = acknowledged
                stale = tag_of(versions[current - 1]) if current >= 1 else None
                fresh = tag_of(versions[current])
            if stale is not None:
                # First, before any reader records the new version: the window in
                # which only the invalidation keeps the old entry from answering.
                status, _, _ = node.request("GET", "/items/loop", {"If-None-Match": stale})
                with lock:
                    counts["stale checks"] += 1
                if status == 304:
                    problems.append(f"a 304 for {stale} after version {current} was written")
            # Then the current tag: a 304 from the store, or a 200 that records it.
            status, _, _ = node.request("GET", "/items/loop", {"If-None-Match": fresh})
            with lock:
                counts[str(status)] = counts.get(str(status), 0) + 1

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOOP_SECONDS + 30)
        assert not thread.is_alive()
    assert problems == []
    assert counts["stale checks"] > 10
    assert counts["304"] > 0  # the store answered while the data stood still


def test_a_redis_killed_mid_run_costs_no_request(tmp_path: Path, own_redis: RedisServer) -> None:
    running = Fleet(tmp_path / "data", own_redis.url)
    try:
        status, tag, _ = running.a.request("GET", "/items/1")
        assert status == 200
        assert tag is not None
        calls = running.calls
        assert running.b.request("GET", "/items/1", {"If-None-Match": tag})[0] == 304
        assert running.calls == calls
        own_redis.kill()
        started = time.monotonic()
        for node in (running.a, running.b, running.a, running.b):
            before = time.monotonic()
            # The view runs again; the response side still answers 304.
            assert node.request("GET", "/items/1", {"If-None-Match": tag})[0] == 304
            assert node.request("GET", "/items/1")[0] == 200
            assert time.monotonic() - before < 2
        assert running.calls == calls + 8
        assert running.b.request("PUT", "/items/1", body=b"two")[0] == 204
        status, new, _ = running.a.request("GET", "/items/1", {"If-None-Match": tag})
        assert (status, new) == (200, tag_of(b"two"))
        assert time.monotonic() - started < 10
    finally:
        logged = running.close()
    assert "Traceback" not in logged, logged
