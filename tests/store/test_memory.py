"""MemoryStore: bounded, and safe when full."""

from __future__ import annotations

import time

import pytest

from condget import ETag
from condget.store import MemoryStore, StoredValidators, StoreKey, request_key
from condget.store._base import _KEPT_PATHS

ENTRY = StoredValidators(etag=ETag("v1"))


def at(number: int) -> StoreKey:
    return StoreKey(f"https://example.com/{number}", "v")


def test_max_keys_has_a_floor() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        MemoryStore(max_keys=15)


def test_a_full_store_sweeps_expired_keys_first() -> None:
    store = MemoryStore(max_keys=16)
    for number in range(16):
        assert store.put(at(number), ENTRY, generation=store.get(at(number)).generation, ttl=0.001)
    time.sleep(0.01)
    kept = at(100)
    assert store.put(kept, ENTRY, generation=store.get(kept).generation)
    assert len(store._data) == 1
    assert store.get(kept).entry == ENTRY


def test_a_full_store_forgets_everything_and_moves_on() -> None:
    store = MemoryStore(max_keys=16)
    for number in range(16):
        assert store.put(at(number), ENTRY, generation=store.get(at(number)).generation)
    assert store.put(at(0), ENTRY, generation=store.get(at(0)).generation)  # overwrite: fits
    before = store.get(at(100)).generation
    assert store.put(at(100), ENTRY, generation=before)  # full: emptied first
    assert len(store._data) == 2  # the everything-generation and the new entry
    assert store.get(at(0)).entry is None
    assert store.get(at(100)).entry is None  # stored under the old everything-generation
    assert store.get(at(100)).generation != before


def test_repr_names_the_namespace() -> None:
    assert repr(MemoryStore(namespace="n")) == "MemoryStore(namespace='n', keys=0)"


def test_hashed_keys_are_kept_for_a_bounded_number_of_paths() -> None:
    store = MemoryStore()
    first = request_key("https", "example.com", "/p/0")
    assert first is not None
    store.put(first.entry(), StoredValidators(etag=ETag("v")), generation="|||")
    for n in range(_KEPT_PATHS + 10):
        key = request_key("https", "example.com", f"/p/{n}")
        assert key is not None
        store.get(key.entry())
    assert 0 < len(store._keys_by_path) <= _KEPT_PATHS
    # Hashed again after being let go: the same keys, the same entry.
    assert store.get(first.entry()).entry == StoredValidators(etag=ETag("v"))
