"""``SQLiteStore``: the embedded backend, shared by every worker process on one host."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from ._base import DEFAULT_TIMEOUT_MS, DEFAULT_TTL, BaseStore
from ._errors import StoreUnavailableError

__all__ = ["SQLiteStore"]

_IDLE: Final = 8  # connections kept per process for reuse
_PURGE_EVERY: Final = 256  # writes between two sweeps of expired rows
_PURGE_BATCH: Final = 1000

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS condget_store "
    "(k TEXT PRIMARY KEY, v BLOB NOT NULL, exp INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS condget_store_exp ON condget_store (exp)",
)
_SET: Final = "INSERT OR REPLACE INTO condget_store (k, v, exp) VALUES (?, ?, ?)"
_CHECK: Final = "coalesce((SELECT v FROM condget_store WHERE k = ? AND exp > ?), X'') = ?"
_PURGE: Final = (
    "DELETE FROM condget_store WHERE k IN "
    f"(SELECT k FROM condget_store WHERE exp <= ? LIMIT {_PURGE_BATCH})"
)


def _now_ms() -> int:
    # Wall-clock time: the processes sharing the file share the host's clock.
    return time.time_ns() // 1_000_000


class SQLiteStore(BaseStore):
    """Validators in an SQLite file (WAL mode), shared by the processes of one host.

    Nothing is opened until the first call, and each process opens its own
    connections (a small pool, handed between threads), so the store can be
    created before gunicorn forks its workers. Each write is one statement,
    atomic on its own; readers never wait for writers (WAL).

    Put the file on a local disk, or better on tmpfs (``/dev/shm``,
    ``/run``): it is a cache, and a reboot that empties it is the safe
    outcome. ``synchronous=NORMAL`` means a power loss can drop the last
    writes, invalidations included; on a persistent disk call
    ``invalidate_prefix("")`` at start-up. WAL needs a local file system,
    not NFS.

    Args:
        path: The database file (created if missing). Its directory must
            exist.
        ttl: See :class:`BaseStore`.
        namespace: See :class:`BaseStore`.
        timeout_ms: How long a call waits for another process's write lock
            (SQLite's ``busy_timeout``), default 100 ms; then it raises
            :class:`StoreUnavailableError`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        ttl: float = DEFAULT_TTL,
        namespace: str = "condget",
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
    ) -> None:
        super().__init__(ttl=ttl, namespace=namespace)
        if timeout_ms < 1:
            raise ValueError(f"timeout_ms must be at least 1, not {timeout_ms!r}")
        self.path: Final = Path(path)
        self.timeout_ms: Final = timeout_ms
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._writes = 0
        # A fork copies the parent's connections; using or even closing one
        # in the child is unsafe (SQLite "How To Corrupt", §2.6), so a child
        # keeps them here, untouched, and opens its own.
        self._inherited: list[sqlite3.Connection] = []

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r}, namespace={self.namespace!r})"

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path,
            timeout=self.timeout_ms / 1000,
            isolation_level=None,  # autocommit: every statement is its own transaction
            check_same_thread=False,  # the pool hands it to one thread at a time
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout_ms)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            for statement in _SCHEMA:
                connection.execute(statement)
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._pid != os.getpid():  # forked: the pool belongs to the parent
            self._inherited.extend(self._idle)
            self._idle = []
            self._pool_lock = threading.Lock()
            self._pid = os.getpid()
        with self._pool_lock:
            connection = self._idle.pop() if self._idle else None
        try:
            if connection is None:
                connection = self._open()
            yield connection
        except sqlite3.Error as error:
            if connection is not None:
                connection.close()
            raise StoreUnavailableError(
                f"{self!r} unavailable: {type(error).__name__}: {error}"
            ) from None
        with self._pool_lock:
            if self._closed or len(self._idle) >= _IDLE:
                connection.close()
            else:
                self._idle.append(connection)

    def _read(self, keys: Sequence[str]) -> list[bytes | None]:
        marks = ", ".join("?" * len(keys))
        query = f"SELECT k, v FROM condget_store WHERE k IN ({marks}) AND exp > ?"
        with self._connection() as connection:
            found = dict(connection.execute(query, [*keys, _now_ms()]).fetchall())
        return [found.get(key) for key in keys]

    def _write_if(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool:
        now = _now_ms()
        conditions = " AND ".join([_CHECK] * len(checks))
        statement = (
            f"INSERT OR REPLACE INTO condget_store (k, v, exp) SELECT ?, ?, ? WHERE {conditions}"
        )
        parameters: list[object] = [key, value, now + ttl_ms]
        for check, expected in checks:
            parameters += [check, now, expected]
        with self._connection() as connection:
            stored = connection.execute(statement, parameters).rowcount == 1
            self._maybe_purge(connection, now)
        return stored

    def _set(self, key: str, value: bytes, ttl_ms: int) -> None:
        now = _now_ms()
        with self._connection() as connection:
            connection.execute(_SET, (key, value, now + ttl_ms))
            self._maybe_purge(connection, now)

    def _maybe_purge(self, connection: sqlite3.Connection, now: int) -> None:
        self._writes += 1
        if self._writes % _PURGE_EVERY == 0:
            connection.execute(_PURGE, (now,))

    def _close(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
        if self._pid != os.getpid():
            self._inherited.extend(idle)  # the parent's: leave them alone
            return
        for connection in idle:
            connection.close()
