"""RedisStore against a real redis-server: bounded failures, no password leaks, lazy import."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from condget import ETag
from condget.store import (
    RedisStore,
    StoredValidators,
    StoreKey,
    StoreUnavailableError,
    request_key,
)
from condget.store._redis import _IN_FLIGHT, _answered
from tests.store.redis_server import PASSWORD, RedisServer

ENTRY = StoredValidators(etag=ETag("v1"))
BOUND = 2.0  # seconds: a generous bound on any call against a dead or hung server
ROOT = Path(__file__).resolve().parents[2]


def target() -> StoreKey:
    made = request_key("http", "example.com", "/items/1")
    assert made is not None
    return made.entry()


def namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def unavailable_quickly(call: Callable[[], object]) -> StoreUnavailableError:
    start = time.monotonic()
    with pytest.raises(StoreUnavailableError) as caught:
        call()
    assert time.monotonic() - start < BOUND
    return caught.value


def test_keys_share_a_hash_tag_per_path(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    store.put(target(), ENTRY, generation=store.get(target()).generation)
    store.invalidate("http://example.com/items/1")
    names = sorted(name.decode() for name in store._client.keys(f"{store.namespace}:*"))
    assert len(names) == 2
    tags = {name.split("{")[1].split("}")[0] for name in names}
    assert len(tags) == 1  # the entry and its path's generation: one cluster slot
    assert {name.rsplit("}", 1)[1][:3] for name in names} == {":g", ":v:"}
    ttls = [store._client.pttl(name) for name in names]
    assert all(0 < ttl <= 2 * 86_400_000 for ttl in ttls)  # everything expires
    store.close()


def test_the_password_never_shows(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    assert PASSWORD not in repr(store)
    assert "***" in repr(store)
    wrong = f"redis://:{PASSWORD}-wrong@127.0.0.1:{redis_server.port}/0"
    error = unavailable_quickly(lambda: RedisStore(wrong).get(target()))
    assert PASSWORD not in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__
    dead = f"redis://user:{PASSWORD}@127.0.0.1:1/0?password={PASSWORD}x"
    error = unavailable_quickly(lambda: RedisStore(dead).get(target()))
    assert PASSWORD not in str(error)
    assert PASSWORD not in repr(RedisStore(dead))
    assert "user:***@127.0.0.1:1/0" in repr(RedisStore(dead))
    store.close()


@pytest.mark.parametrize(
    "url",
    [
        f"http://:{PASSWORD}@127.0.0.1/0",  # not a Redis scheme
        f"redis://:{PASSWORD}@127.0.0.1:99999/0",  # a port urlsplit refuses
        f"redis://:{PASSWORD}@[::1/0",  # unparsable: the whole URL is hidden
    ],
)
def test_a_bad_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ValueError, match="invalid Redis URL") as caught:
        RedisStore(url)
    assert PASSWORD not in str(caught.value)


def test_a_wrong_password_is_one_error_type(redis_server: RedisServer) -> None:
    store = RedisStore(f"redis://127.0.0.1:{redis_server.port}/0")  # no password: NOAUTH
    error = unavailable_quickly(lambda: store.get(target()))
    assert "Redis at redis://127.0.0.1" in str(error)


def test_killed_mid_run_calls_fail_fast_then_recover(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url, namespace=namespace())
    found = store.get(target())
    assert store.put(target(), ENTRY, generation=found.generation)
    own_redis.kill()
    unavailable_quickly(lambda: store.get(target()))
    unavailable_quickly(lambda: store.put(target(), ENTRY, generation=found.generation))
    unavailable_quickly(lambda: store.invalidate("http://example.com/items/1"))
    assert store.pending_invalidations == {("path", "http://example.com/items/1")}
    assert store.get(target()).generation == ""  # pending: no hit, nothing stored
    own_redis.start()  # same port, empty
    store._retry_after = 0
    assert store.get(target()).entry is None
    assert store.pending_invalidations == frozenset()
    store.close()


def test_a_hung_server_times_out_in_milliseconds(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url, namespace=namespace(), timeout_ms=100)
    store.get(target())
    own_redis.pause()
    try:
        start = time.monotonic()
        unavailable_quickly(lambda: store.get(target()))
        unavailable_quickly(lambda: store.invalidate("http://example.com/items/1"))
        assert time.monotonic() - start < 1.0  # two calls, no retries: ~200 ms
        fresh = RedisStore(own_redis.url, namespace=namespace(), timeout_ms=50)
        error = unavailable_quickly(lambda: fresh.get(target()))
        assert "Timeout" in str(error)
    finally:
        own_redis.resume()
    store._retry_after = 0
    assert store.get(target()).entry is None
    assert store.pending_invalidations == frozenset()
    store.close()


def test_a_put_not_awaited_is_answered_before_the_connections_next_command(
    redis_server: RedisServer,
) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    generation = store.get(target()).generation
    assert store.put_nowait(target(), ENTRY, generation=generation) is None
    assert len(store._due) == 1
    # The get goes out on that connection: had the put's answer (1) not
    # been read first, it would be taken for the MGET's.
    assert store.get(target()).entry == ENTRY
    assert len(store._due) == 0
    assert store._pool._in_use_connections == set()
    store.close()


def test_a_put_not_awaited_is_as_safe_as_put(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    before_the_view = store.get(target()).generation
    store.invalidate("http://example.com/items/1")  # a write while the view ran
    assert store.put_nowait(target(), ENTRY, generation=before_the_view) is None
    assert store.get(target()).entry is None  # refused on the server
    store._client.script_flush()  # EVAL, not EVALSHA: no script to have forgotten
    generation = store.get(target()).generation
    assert store.put_nowait(target(), ENTRY, generation=generation) is None
    assert store.get(target()).entry == ENTRY
    store.close()


def test_a_put_after_the_server_forgot_its_script_sends_it_again(
    redis_server: RedisServer,
) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    store.get(target())
    store._client.script_flush()
    assert store.put(target(), ENTRY, generation=store.get(target()).generation)
    assert store.get(target()).entry == ENTRY
    store.close()


def test_unawaited_answers_are_read_as_they_come_and_bounded(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    generation = store.get(target()).generation
    sent = [store.put_nowait(target(), ENTRY, generation=generation) for _ in range(100)]
    assert sent == [None] * 100
    assert 1 <= len(store._due) <= _IN_FLIGHT
    assert len(store._pool._in_use_connections) == len(store._due)
    assert store.get(target()).entry == ENTRY
    store.close()
    assert len(store._due) == 0


def test_answers_on_their_way_are_not_waited_for_until_too_many_are(
    own_redis: RedisServer,
) -> None:
    store = RedisStore(own_redis.url, namespace=namespace(), timeout_ms=100)
    generation = store.get(target()).generation
    warm = [store._pool.get_connection() for _ in range(_IN_FLIGHT + 1)]
    for connection in warm:  # connected and authenticated before the server stops
        connection.send_command("PING")
        connection.read_response()
        store._pool.release(connection)
    own_redis.pause()
    try:
        for sent in range(1, _IN_FLIGHT + 1):
            started = time.monotonic()
            assert store.put_nowait(target(), ENTRY, generation=generation) is None
            assert time.monotonic() - started < 0.05  # no answer awaited
            assert len(store._due) == sent
        # The ninth is awaited itself: one timeout, not two.
        started = time.monotonic()
        unavailable_quickly(lambda: store.put_nowait(target(), ENTRY, generation=generation))
        assert time.monotonic() - started < 0.19
        assert len(store._due) == _IN_FLIGHT
    finally:
        own_redis.resume()
    assert store.get(target()).entry == ENTRY
    store.close()


def test_an_error_answer_left_unread_is_logged_with_the_connection_in_step(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    generation = store.get(target()).generation
    write = store._conditional_write(target(), ENTRY, generation, None)
    assert write is not None
    key, value, _, checks = write
    assert store._write_if_nowait(key, value, -1, checks) is None  # "invalid expire time"
    deadline = time.monotonic() + BOUND
    while not _answered(store._due[0]) and time.monotonic() < deadline:
        time.sleep(0.001)
    with caplog.at_level(logging.WARNING, logger="condget.store"):
        assert store.get(target()).entry is None  # the error answer was read, not this MGET's
    assert "Redis refused a record" in caplog.text
    assert PASSWORD not in caplog.text
    assert store.put(target(), ENTRY, generation=generation)
    store.close()


def test_an_interrupt_while_reading_an_answer_due_is_not_swallowed(
    redis_server: RedisServer,
) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    generation = store.get(target()).generation
    assert store.put_nowait(target(), ENTRY, generation=generation) is None
    due = store._due[0]

    def interrupted() -> None:
        raise KeyboardInterrupt

    due.can_read = lambda timeout=0: True
    due.read_response = interrupted
    with pytest.raises(KeyboardInterrupt):
        store.get(target())
    assert store._pool._in_use_connections == set()
    store.close()


def test_a_small_pool_keeps_connections_free_through_a_short_stall(
    own_redis: RedisServer,
) -> None:
    # Half the pool at most waits with an answer on its way: a stall shorter
    # than the timeout delays puts, and fails none.
    store = RedisStore(f"{own_redis.url}?max_connections=4", timeout_ms=1000)
    assert store._in_flight == 2
    generation = store.get(target()).generation
    warm = [store._pool.get_connection() for _ in range(4)]
    for connection in warm:
        connection.send_command("PING")
        connection.read_response()
        store._pool.release(connection)
    own_redis.pause()
    resume = threading.Timer(0.08, own_redis.resume)
    resume.start()
    try:
        sent = [store.put_nowait(target(), ENTRY, generation=generation) for _ in range(6)]
    finally:
        resume.join()
    assert None in sent
    assert all(result in (None, True) for result in sent)
    assert store.get(target()).entry == ENTRY
    store.close()


def test_a_put_not_awaited_to_no_server_fails_fast() -> None:
    store = RedisStore("redis://127.0.0.1:1/0", namespace=namespace())
    unavailable_quickly(lambda: store.put_nowait(target(), ENTRY, generation="|||"))
    assert store._pool._in_use_connections == set()
    store.close()


def test_a_broken_connection_counts_as_answered_so_its_reading_fails_at_once() -> None:
    store = RedisStore("redis://127.0.0.1:1/0", namespace=namespace())
    connection = store._pool.make_connection()  # connects on first use: refused
    assert _answered(connection)
    store.close()


def test_answers_due_from_a_dead_server_fail_fast_then_recover(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url, namespace=namespace())
    generation = store.get(target()).generation
    own_redis.pause()  # the put's answer never comes: the server dies first
    assert store.put_nowait(target(), ENTRY, generation=generation) is None
    own_redis.kill()
    deadline = time.monotonic() + BOUND
    while not _answered(store._due[0]) and time.monotonic() < deadline:
        time.sleep(0.001)  # the connection's end is seen
    # Reading the answer fails at once, the connection is dropped, and the
    # get's own connection is refused.
    unavailable_quickly(lambda: store.get(target()))
    assert store._pool._in_use_connections == set()
    own_redis.start()  # same port, empty
    assert store.get(target()).entry is None
    assert store._pool._in_use_connections == set()
    store.close()


def test_a_full_pool_waits_for_an_answer_on_its_way_instead_of_failing(
    own_redis: RedisServer,
) -> None:
    # The other threads hold the rest of the pool: the oldest answer due is
    # awaited, and its connection serves.
    store = RedisStore(f"{own_redis.url}?max_connections=2", timeout_ms=1000)
    generation = store.get(target()).generation
    warm = [store._pool.get_connection() for _ in range(2)]
    for connection in warm:
        store._pool.release(connection)
    held = store._pool.get_connection()  # another thread's
    own_redis.pause()
    resume = threading.Timer(0.08, own_redis.resume)
    resume.start()
    try:
        assert store.put_nowait(target(), ENTRY, generation=generation) is None
        assert store.get(target()).entry == ENTRY  # not "Too many connections"
    finally:
        resume.join()
        store._pool.release(held)
    assert len(store._due) == 0
    store.close()


def test_a_full_pool_with_no_answer_due_is_unavailable(redis_server: RedisServer) -> None:
    store = RedisStore(f"{redis_server.url}?max_connections=1", namespace=namespace())
    held = store._pool.get_connection()
    unavailable_quickly(lambda: store.get(target()))
    store._pool.release(held)
    store.close()


def test_a_forked_child_leaves_the_parents_due_answers_alone(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, namespace=namespace())
    generation = store.get(target()).generation
    assert store.put_nowait(target(), ENTRY, generation=generation) is None
    parents = store._due[0]
    store._due_pid = -1  # as a forked child sees it: the answer is its parent's
    store._pool.release(parents)  # the child's pool: as redis-py resets it
    store._pool.disconnect()
    parents_lock = store._due_lock
    parents_lock.acquire()  # held by a parent's thread at the fork: the child's own lock serves
    assert store.get(target()).entry == ENTRY
    assert list(store._due) == []
    assert store._due_pid == os.getpid()
    assert store._due_lock is not parents_lock
    store.close()


def test_a_client_of_your_own_is_left_open(redis_server: RedisServer) -> None:
    client = redis.Redis(port=redis_server.port, password=PASSWORD, decode_responses=True)
    store = RedisStore(client=client, namespace=namespace())
    assert (
        repr(store)
        == f"RedisStore('redis://localhost:{redis_server.port}/0', namespace={store.namespace!r})"
    )
    assert PASSWORD not in repr(store)
    found = store.get(target())
    assert store.put(target(), ENTRY, generation=found.generation)
    assert store.get(target()).entry == ENTRY  # str replies work too
    # Through the client's own API, every put is awaited.
    store.invalidate("http://example.com/items/1")
    assert store.put_nowait(target(), ENTRY, generation=found.generation) is False
    assert store.get(target()).entry is None
    store.close()
    assert client.ping()
    client.close()


def test_a_unix_socket_client_is_described_by_its_path() -> None:
    client = redis.Redis(unix_socket_path="/run/redis/redis.sock")
    assert "unix:///run/redis/redis.sock" in repr(RedisStore(client=client))
    client.close()


class ClusterLike:
    """What RedisStore uses of a RedisCluster client: mget_nonatomic, register_script, set."""

    def __init__(self, real: redis.Redis) -> None:
        self.real = real
        self.mgets = 0

    def mget_nonatomic(self, keys: list[str]) -> Any:
        self.mgets += 1
        return self.real.mget(keys)

    def register_script(self, script: str) -> Any:
        return self.real.register_script(script)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self.real.set(*args, **kwargs)


def test_a_cluster_client_reads_across_slots(redis_server: RedisServer) -> None:
    real = redis.Redis(port=redis_server.port, password=PASSWORD)
    cluster = ClusterLike(real)
    store = RedisStore(client=cluster, namespace=namespace())  # type: ignore[arg-type]
    assert "a Redis client" in repr(store)
    store.put(target(), ENTRY, generation=store.get(target()).generation)
    assert store.get(target()).entry == ENTRY
    assert cluster.mgets == 2
    store.close()
    real.close()


def test_arguments_are_checked(redis_server: RedisServer) -> None:
    client = redis.Redis(port=redis_server.port, password=PASSWORD)
    with pytest.raises(ValueError, match="url or a client"):
        RedisStore()
    with pytest.raises(ValueError, match="url or a client"):
        RedisStore(redis_server.url, client=client)
    with pytest.raises(ValueError, match="namespace"):
        RedisStore(redis_server.url, namespace="a{b}")
    with pytest.raises(ValueError, match="timeout_ms"):
        RedisStore(redis_server.url, timeout_ms=0)
    client.close()


def test_without_redis_py_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r"pip install 'condget\[redis\]'"):
        RedisStore("redis://127.0.0.1:6379/0")


def test_condget_store_imports_without_redis_py() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "import condget.store\n"
        "try:\n"
        "    condget.store.RedisStore('redis://127.0.0.1/0')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "pip install 'condget[redis]'" in done.stdout
