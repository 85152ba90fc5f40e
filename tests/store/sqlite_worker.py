"""One worker process hammering a shared SQLiteStore (run with multiprocessing "spawn")."""

from __future__ import annotations

from condget import ETag
from condget.store import SQLiteStore, StoredValidators, request_key


def hammer(path: str, namespace: str, worker: int, rounds: int) -> list[str]:
    """Race the shared path with the other workers; own some paths. Returns the problems seen."""
    store = SQLiteStore(path, namespace=namespace, timeout_ms=2000)
    problems: list[str] = []
    shared = request_key("http", "example.com", "/shared")
    assert shared is not None
    for number in range(rounds):
        entry = StoredValidators(etag=ETag(f"w{worker}-{number}"))
        # The race rule, across processes: a generation read before an
        # invalidation can never store.
        before = store.get(shared.entry())
        store.invalidate(shared.path)
        if store.put(shared.entry(), entry, generation=before.generation):
            problems.append(f"round {number}: a stale put was accepted")
        # A path only this worker writes: its invalidation is never lost.
        own = request_key("http", "example.com", f"/own/{worker}/{number % 7}")
        assert own is not None
        fresh = store.get(own.entry())
        store.put(own.entry(), entry, generation=fresh.generation)
        store.invalidate(own.path)
        if store.get(own.entry()).entry is not None:
            problems.append(f"round {number}: an entry survived its invalidation")
        # And a put with a fresh generation works, whoever else is writing.
        again = store.get(shared.entry())
        store.put(shared.entry(), entry, generation=again.generation)
    store.close()
    return problems
