"""SQLiteStore on a real file: several processes, WAL, a bounded lock wait, fork-safety."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from condget import ETag
from condget.store import (
    SQLiteStore,
    StoredValidators,
    StoreKey,
    StoreUnavailableError,
    _sqlite,
    request_key,
)
from tests.store import sqlite_worker

ENTRY = StoredValidators(etag=ETag("v1"))


def target(path: str = "/items/1") -> StoreKey:
    made = request_key("http", "example.com", path)
    assert made is not None
    return made.entry()


def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db")
    store.get(target())
    with sqlite3.connect(tmp_path / "v.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    store.close()


def test_nothing_is_opened_before_the_first_call(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "v.db")
    assert not (tmp_path / "v.db").exists()  # so it can be made before a fork


def test_concurrent_processes_lose_no_invalidation(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    SQLiteStore(path).get(target())  # create the file and switch it to WAL once
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.starmap(
            sqlite_worker.hammer, [(path, "shared", worker, 300) for worker in range(4)]
        )
    assert results == [[], [], [], []]


def test_a_held_write_lock_fails_fast(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db", timeout_ms=50)
    found = store.get(target())
    blocker = sqlite3.connect(tmp_path / "v.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        with pytest.raises(StoreUnavailableError, match="locked"):
            store.put(target(), ENTRY, generation=found.generation)
        with pytest.raises(StoreUnavailableError, match="locked"):
            store.invalidate("http://example.com/items/1")
        assert time.monotonic() - start < 2.0
        assert store.get(target()).entry is None  # readers never wait (WAL) … but it is pending
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store._retry_after = 0
    assert store.get(target()).generation != found.generation  # the retry landed
    store.close()


def test_a_lock_while_switching_to_wal_fails_fast(tmp_path: Path) -> None:
    blocker = sqlite3.connect(tmp_path / "v.db", isolation_level=None)
    blocker.execute("CREATE TABLE t (x)")
    blocker.execute("BEGIN EXCLUSIVE")  # rollback journal: nobody else may even read
    store = SQLiteStore(tmp_path / "v.db", timeout_ms=20)
    try:
        with pytest.raises(StoreUnavailableError, match="SQLiteStore"):
            store.get(target())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.get(target()).entry is None  # the next call opens afresh
    store.close()


def test_a_missing_directory_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "no" / "such" / "dir" / "v.db")
    with pytest.raises(StoreUnavailableError, match="OperationalError"):
        store.get(target())


def test_timeout_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timeout_ms"):
        SQLiteStore(tmp_path / "v.db", timeout_ms=0)


def test_expired_rows_are_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sqlite, "_PURGE_EVERY", 4)
    store = SQLiteStore(tmp_path / "v.db")
    for number in range(3):
        at = target(f"/short/{number}")
        assert store.put(at, ENTRY, generation=store.get(at).generation, ttl=0.001)
    time.sleep(0.01)
    store.invalidate("http://example.com/kept")  # the fourth write sweeps
    with sqlite3.connect(tmp_path / "v.db") as connection:
        assert connection.execute("SELECT count(*) FROM condget_store").fetchone() == (1,)
    store.close()


def test_connections_are_pooled_and_bounded(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db")
    with ExitStack() as stack:
        opened = [stack.enter_context(store._connection()) for _ in range(_sqlite._IDLE + 2)]
    assert len(store._idle) == _sqlite._IDLE
    assert len({id(connection) for connection in opened}) == _sqlite._IDLE + 2
    store.get(target())
    assert len(store._idle) == _sqlite._IDLE  # reused, not opened anew
    store.close()
    assert store._idle == []


def test_a_connection_in_use_at_close_is_closed_when_returned(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db")
    with store._connection() as connection:
        store.close()
    assert store._idle == []
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")


def test_a_forked_child_leaves_the_parents_connections_alone(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db")
    store.get(target())
    parents = list(store._idle)
    store._pid = -1  # as a forked child sees it: the pool is its parent's
    assert store.get(target()).entry is None
    assert store._inherited == parents
    assert store._pid == os.getpid()
    assert store._idle
    assert store._idle[0] not in parents
    parents[0].execute("SELECT 1")  # untouched, still open
    store.close()


def test_closing_in_a_forked_child_leaves_the_parents_connections_alone(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db")
    store.get(target())
    parents = list(store._idle)
    store._pid = -1
    store.close()
    assert store._inherited == parents
    parents[0].execute("SELECT 1")
