"""The ValidatorStore contract, run against every backend: MemoryStore, SQLiteStore, RedisStore."""

from __future__ import annotations

import math
import sqlite3
import time
from typing import Any

import pytest

from condget import ETag
from condget.store import (
    MAX_PREFIX_DEPTH,
    MAX_TTL,
    BaseStore,
    Lookup,
    MemoryStore,
    RedisStore,
    RequestKey,
    SQLiteStore,
    StoredValidators,
    StoreKey,
    StoreUnavailableError,
    ValidatorStore,
    _base,
    request_key,
)

V1 = StoredValidators(etag=ETag("v1"), last_modified=1_700_000_000)
V2 = StoredValidators(etag=ETag("v2", weak=True))
POLL = 10.0  # a generous bound for anything that waits on a clock


def key(path: str = "/items/1", query: str = "", host: str = "example.com") -> RequestKey:
    made = request_key("https", host, path, query)
    assert made is not None
    return made


def stored(store: BaseStore, at: StoreKey, entry: StoredValidators = V1, **ttl: float) -> None:
    assert store.put(at, entry, generation=store.get(at).generation, **ttl)


def raw_dump(store: BaseStore) -> list[tuple[str, bytes]]:
    """Every key and value the backend holds for this store, as the backend holds them."""
    if isinstance(store, MemoryStore):
        return [(k, v) for k, (v, _) in store._data.items()]
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store.path) as connection:
            return list(connection.execute("SELECT k, v FROM condget_store"))
    assert isinstance(store, RedisStore)
    client = store._client
    names = sorted(client.keys(f"{store.namespace}:*"))
    return [(name.decode(), client.get(name)) for name in names]


def test_every_backend_is_a_validator_store(store: BaseStore) -> None:
    conforming: ValidatorStore = store
    assert conforming is store
    assert repr(store).startswith(type(store).__name__ + "(")


def test_a_miss_has_a_generation_to_store_under(store: BaseStore) -> None:
    found = store.get(key().entry())
    assert found == Lookup(None, found.generation)
    assert found.generation  # non-empty: storing is allowed


def test_put_then_get_gives_the_entry_back(store: BaseStore) -> None:
    at = key().entry()
    before = store.get(at)
    assert store.put(at, V1, generation=before.generation)
    assert store.get(at) == Lookup(V1, before.generation)
    entry = StoredValidators(etag=ETag("\x80opaque"), vary=("accept-encoding", "origin"))
    assert store.put(at, entry, generation=before.generation, ttl=60)
    assert store.get(at).entry == entry


def test_a_marker_entry_holds_only_vary_names(store: BaseStore) -> None:
    at = key().entry()
    marker = StoredValidators(vary=("accept",))
    assert store.put(at, marker, generation=store.get(at).generation)
    assert store.get(at).entry == marker


def test_an_empty_entry_is_a_mistake(store: BaseStore) -> None:
    with pytest.raises(ValueError, match="needs an etag"):
        store.put(key().entry(), StoredValidators(), generation=store.get(key().entry()).generation)


def test_a_put_with_a_stale_generation_is_refused(store: BaseStore) -> None:
    # The race rule: a GET reads the generation, its view runs, a write
    # invalidates meanwhile: the GET's old validators must not be stored.
    at = key().entry()
    before_view = store.get(at).generation
    store.invalidate(key().path)
    assert not store.put(at, V1, generation=before_view)
    assert store.get(at).entry is None
    fresh = store.get(at).generation
    assert fresh != before_view
    assert store.put(at, V2, generation=fresh)
    assert store.get(at).entry == V2


def test_a_generation_that_does_not_fit_is_refused(store: BaseStore) -> None:
    at = key().entry()
    assert not store.put(at, V1, generation="")
    assert not store.put(at, V1, generation="not|the|right|shape|at|all")
    store.put(at, V1, generation="|\u20ac||")  # Redis checks the path's part only…
    assert store.get(at).entry is None  # …and no read counts it


def test_invalidate_reaches_every_query_and_variant_of_the_path(store: BaseStore) -> None:
    variants = [
        key().entry(),
        key(query="page=2").entry(),
        key(query="page=3").variant([("accept-encoding", "gzip")]),
        key().variant([("accept-encoding", None)]),
    ]
    other = key("/items/2").entry()
    for at in [*variants, other]:
        assert at is not None
        stored(store, at)
    store.invalidate(key().path)
    for at in variants:
        assert at is not None
        assert store.get(at).entry is None
    assert store.get(other).entry == V1


def test_two_spellings_of_one_page_are_one_key(store: BaseStore) -> None:
    # GitLab's EtagCaching failure: a write through one spelling left the
    # other's ETag in place, and its clients got "304 forever".
    spelled = request_key("https", "EXAMPLE.com:443", "/items/%31")
    assert spelled is not None
    stored(store, spelled.entry())
    assert store.get(key().entry()).entry == V1
    store.invalidate("https://example.com/items/1")
    assert store.get(spelled.entry()).entry is None


def test_invalidate_takes_a_url_in_any_spelling(store: BaseStore) -> None:
    stored(store, key().entry())
    store.invalidate("HTTPS://Example.COM:443/items/%31?ignored=query#fragment")
    assert store.get(key().entry()).entry is None


def test_invalidate_takes_a_custom_key_as_it_is(store: BaseStore) -> None:
    at = StoreKey("tenant-7/items/1", "one")
    stored(store, at)
    store.invalidate("tenant-7/items/1")
    assert store.get(at).entry is None


def test_invalidate_prefix_reaches_the_paths_below_it(store: BaseStore) -> None:
    below = [key("/items/"), key("/items/1"), key("/items/1/parts/2", "q=1")]
    beside = [key("/itemsx"), key("/other/1"), key("/items/1", host="other.example")]
    for each in below + beside:
        stored(store, each.entry())
    store.invalidate_prefix("https://EXAMPLE.com/items/")
    for each in below:
        assert store.get(each.entry()).entry is None, each
    for each in beside:
        assert store.get(each.entry()).entry == V1, each


def test_a_prefix_is_cut_after_its_last_slash(store: BaseStore) -> None:
    # "…/items/1" names /items/1, /items/10, /items/1/x: the store cannot
    # tell them apart by hash, so it invalidates all of /items/ (more, never less).
    for each in (key("/items/1"), key("/items/10"), key("/items/2")):
        stored(store, each.entry())
    store.invalidate_prefix("https://example.com/items/1")
    for each in (key("/items/1"), key("/items/10"), key("/items/2")):
        assert store.get(each.entry()).entry is None


def test_a_prefix_without_a_path_invalidates_everything(store: BaseStore) -> None:
    for each in (key(), key(host="other.example")):
        stored(store, each.entry())
    store.invalidate_prefix("https://example.com")  # no "/": could be example.com.evil too
    for each in (key(), key(host="other.example")):
        assert store.get(each.entry()).entry is None


def test_a_prefix_deeper_than_the_bound_still_invalidates(store: BaseStore) -> None:
    deep = "/" + "/".join(f"s{i}" for i in range(MAX_PREFIX_DEPTH + 4))
    stored(store, key(deep).entry())
    stored(store, key(deep + "/leaf").entry())
    store.invalidate_prefix("https://example.com" + deep + "/")
    assert store.get(key(deep + "/leaf").entry()).entry is None
    assert store.get(key(deep).entry()).entry is None  # rounded up: more, never less


def test_a_prefix_invalidation_during_the_view_wins(store: BaseStore) -> None:
    at = key().entry()
    before_view = store.get(at).generation
    store.invalidate_prefix("https://example.com/")
    store.put(at, V1, generation=before_view)  # Redis may store it: reads compare again
    assert store.get(at).entry is None


def test_invalidate_everything(store: BaseStore) -> None:
    stored(store, key().entry())
    store.invalidate_prefix("")
    assert store.get(key().entry()).entry is None


def test_an_entry_expires_after_its_ttl(store: BaseStore) -> None:
    at = key().entry()
    stored(store, at, ttl=0.05)
    stored(store, key("/items/2").entry(), ttl=60)
    deadline = time.monotonic() + POLL
    while store.get(at).entry is not None:
        assert time.monotonic() < deadline, "the entry outlived its TTL by far"
        time.sleep(0.01)
    assert store.get(key("/items/2").entry()).entry == V1


@pytest.mark.parametrize("ttl", [0, -1, MAX_TTL + 1, math.nan, math.inf])
def test_a_ttl_out_of_bounds_is_refused(store: BaseStore, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl must be"):
        store.put(key().entry(), V1, generation=store.get(key().entry()).generation, ttl=ttl)


@pytest.mark.parametrize("ttl", ["60", True, None])
def test_a_ttl_that_is_not_seconds_is_refused(ttl: Any) -> None:
    with pytest.raises(TypeError, match="ttl must be seconds"):
        MemoryStore(ttl=ttl)


def test_the_default_ttl_is_an_hour_and_can_be_changed() -> None:
    assert MemoryStore().ttl == 3600.0
    assert MemoryStore(ttl=5).ttl == 5.0
    with pytest.raises(ValueError, match="at most 86400"):
        MemoryStore(ttl=MAX_TTL * 2)


def test_an_oversized_entry_is_not_stored(store: BaseStore) -> None:
    at = key().entry()
    huge = StoredValidators(etag=ETag("x" * 9000))
    assert not store.put(at, huge, generation=store.get(at).generation)


def test_the_backend_holds_no_raw_path_or_target(store: BaseStore) -> None:
    secret_path = "/accounts/alice-4f1c/statement"
    at = key(secret_path, "token=hunter2")
    stored(store, at.entry())
    stored(store, at.variant([("cookie", "session=abc123")]) or at.entry())
    store.invalidate(at.path)
    stored(store, at.entry())
    dump = raw_dump(store)
    assert len(dump) >= 3  # two entries and a generation at least
    for name, value in dump:
        text = name + value.decode("latin-1")
        for raw in ("alice", "accounts", "hunter2", "example.com", "abc123", "session"):
            assert raw not in text, (name, value)


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b"\xff\xfe",
        b"[" * 4000 + b"]" * 4000,
        b'{"a": 1}',
        b'["gen", null, null]',
        b'["G", null, 1, []]',  # the four-item form of an older condget
        b"[0, null, 1, [], []]",
        b'["G", 7, null, [], []]',
        b'["G", "no quotes", null, [], []]',
        b'["G", null, 1.5, [], []]',
        b'["G", null, true, [], []]',
        b'["G", null, 999999999999999, [], []]',
        b'["G", null, 1, "vary", []]',
        b'["G", null, 1, [1], []]',
        b'["G", null, 1, [], "fields"]',
        b'["G", null, 1, [], [["Cache-Control"]]]',
        b'["G", null, 1, [], [[1, "x"]]]',
        b'["G", null, 1, [], [["Set-Cookie", "a=b"]]]',
        b'["G", null, 1, [], [["Expires", 5]]]',
        b'["G", null, 1, [], ["Expires"]]',
        b"x" * 9000,
    ],
)
def test_a_value_the_store_did_not_write_is_a_miss(store: BaseStore, value: bytes) -> None:
    at = key().entry()
    generation = store.get(at).generation
    store._set(store._entry_key(at), value.replace(b'"G"', f'"{generation}"'.encode()), 60_000)
    assert store.get(at) == Lookup(None, generation)


def test_a_closed_store_is_unavailable(store: BaseStore) -> None:
    store.close()
    store.close()  # twice is harmless
    with pytest.raises(StoreUnavailableError, match="closed"):
        store.get(key().entry())
    with pytest.raises(StoreUnavailableError, match="closed"):
        store.invalidate(key().path)
    assert store.pending_invalidations == frozenset()  # not remembered: nothing to retry


def test_a_store_is_a_context_manager(store: BaseStore) -> None:
    with store as same:
        assert same is store
        same.get(key().entry())
    with pytest.raises(StoreUnavailableError):
        store.get(key().entry())


# -- failed invalidations ---------------------------------------------------


class Outage:
    """Make the backend's unconditional writes (generation bumps) fail, then heal."""

    def __init__(self, store: BaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store = store
        self.monkeypatch = monkeypatch
        self.calls = 0

    def __enter__(self) -> Outage:
        def failing(*args: object) -> None:
            self.calls += 1
            raise StoreUnavailableError("simulated outage")

        self.monkeypatch.setattr(self.store, "_set", failing)
        return self

    def __exit__(self, *exc: object) -> None:
        self.monkeypatch.undo()


def test_a_failed_invalidation_is_remembered_and_retried(
    store: BaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, other = key().entry(), key("/items/2").entry()
    stored(store, at)
    stored(store, other)
    with Outage(store, monkeypatch), pytest.raises(StoreUnavailableError, match="simulated"):
        store.invalidate("https://example.com/items/1")
    assert store.pending_invalidations == {("path", key().path)}
    # Until the retry lands, this process answers no hit and stores nothing for it…
    assert store.get(at) == Lookup(None, "")
    assert not store.put(at, V2, generation=store.get(other).generation)
    assert store.get(other).entry == V1  # …while other paths work as before.
    store._retry_after = 0  # the retry interval has passed
    found = store.get(at)  # the retry happens first: the generation moves on
    assert store.pending_invalidations == frozenset()
    assert found.entry is None
    assert found.generation
    assert store.put(at, V2, generation=found.generation)


def test_a_failed_retry_waits_the_interval(
    store: BaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.retry_interval = 0
    with Outage(store, monkeypatch) as outage:
        with pytest.raises(StoreUnavailableError):
            store.invalidate(key().path)
        with pytest.raises(StoreUnavailableError):
            store.invalidate_prefix("https://example.com/items/")  # retried first, failed again
        assert outage.calls == 3
        store._retry_after = time.monotonic() + 3600
        assert store.get(key("/items/7").entry()) == Lookup(None, "")  # under the prefix
        with pytest.raises(StoreUnavailableError):
            store.invalidate(key("/elsewhere").path)
        assert outage.calls == 4  # no retry inside the interval, only the new bump
    assert store.pending_invalidations == {
        ("path", key().path),
        ("prefix", "https://example.com/items/"),
        ("path", key("/elsewhere").path),
    }
    assert store.get(key("/unrelated").entry()).generation  # unaffected paths still work
    store._retry_after = 0
    store.get(key("/unrelated").entry())
    assert store.pending_invalidations == frozenset()


def test_too_many_failed_invalidations_become_one_of_everything(
    store: BaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored(store, key("/unrelated").entry())
    monkeypatch.setattr(_base, "PENDING_LIMIT", 3)
    with Outage(store, monkeypatch):
        for number in range(4):
            with pytest.raises(StoreUnavailableError):
                store.invalidate(key(f"/items/{number}").path)
    assert store.pending_invalidations == {("prefix", "")}
    assert store.get(key("/unrelated").entry()) == Lookup(None, "")
    store._retry_after = 0
    assert store.get(key("/unrelated").entry()).entry is None  # everything was invalidated
    assert store.pending_invalidations == frozenset()
