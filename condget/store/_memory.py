"""``MemoryStore``: the in-process backend, for tests and single-process servers."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import Final

from ._base import DEFAULT_TTL, BaseStore

__all__ = ["MemoryStore"]

_DEFAULT_MAX_KEYS: Final = 100_000


class MemoryStore(BaseStore):
    """Validators in a dict of this process, guarded by a lock.

    Each worker process has its own, so use it for tests, development and
    servers with a single process (threads are fine); several processes
    need :class:`SQLiteStore` (one host) or :class:`RedisStore`.

    Args:
        ttl: See :class:`BaseStore`.
        namespace: See :class:`BaseStore`.
        max_keys: The most keys (entries and generations) it holds. When full
            and nothing has expired, it empties itself and invalidates
            everything: entries stored before can never count again.
    """

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL,
        namespace: str = "condget",
        max_keys: int = _DEFAULT_MAX_KEYS,
    ) -> None:
        super().__init__(ttl=ttl, namespace=namespace)
        if max_keys < 16:
            raise ValueError(f"max_keys must be at least 16, not {max_keys!r}")
        self.max_keys: Final = max_keys
        self._data: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()
        self._everything = self._generation_key("prefix", "")

    def __repr__(self) -> str:
        return f"MemoryStore(namespace={self.namespace!r}, keys={len(self._data)})"

    def _live(self, key: str, now: float) -> bytes | None:
        item = self._data.get(key)
        return item[0] if item is not None and item[1] > now else None

    def _read(self, keys: Sequence[str]) -> list[bytes | None]:
        now = time.monotonic()
        with self._lock:
            return [self._live(key, now) for key in keys]

    def _write_if(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool:
        now = time.monotonic()
        with self._lock:
            for check, expected in checks:
                if (self._live(check, now) or b"") != expected:
                    return False
            self._store(key, value, ttl_ms, now)
            return True

    def _set(self, key: str, value: bytes, ttl_ms: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._store(key, value, ttl_ms, now)

    def _store(self, key: str, value: bytes, ttl_ms: int, now: float) -> None:
        if len(self._data) >= self.max_keys and key not in self._data:
            for old in [k for k, (_, expires) in self._data.items() if expires <= now]:
                del self._data[old]
            if len(self._data) >= self.max_keys:
                # Forgetting a generation could let an old entry count again,
                # so forget everything and move the everything-generation on:
                # a generation read before this no longer matches.
                self._data.clear()
                token = os.urandom(8).hex().encode()
                self._data[self._everything] = (token, now + self._generation_ttl_ms / 1000)
        self._data[key] = (value, now + ttl_ms / 1000)

    def _close(self) -> None:
        with self._lock:
            self._data.clear()
