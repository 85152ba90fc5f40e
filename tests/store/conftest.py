from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from condget.store import BaseStore, MemoryStore, RedisStore, SQLiteStore
from tests.store.redis_server import RedisServer

BACKENDS = ("memory", "sqlite", "redis")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session; tests keep apart by namespace."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, to kill or pause."""
    server = RedisServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> BaseStore:
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    if kind == "memory":
        return MemoryStore(namespace=namespace)
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "validators.db", namespace=namespace)
    server: RedisServer = request.getfixturevalue("redis_server")
    return RedisStore(server.url, namespace=namespace)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseStore]:
    """Each backend in turn, empty, closed afterwards."""
    made = make_store(request.param, request, tmp_path)
    try:
        yield made
    finally:
        made.close()
