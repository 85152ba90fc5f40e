"""lookup() before the view and record() after it: the calls a middleware makes around a GET."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from condget import ETag, Outcome, Validators, evaluate
from condget.store import (
    BaseStore,
    Found,
    Lookup,
    MemoryStore,
    RequestKey,
    StoredValidators,
    StoreKey,
    lookup,
    record,
    request_key,
)
from tests.store.apps import CountingStore

V1 = Validators('"v1"', 1_700_000_000)


def key(user: str | None = None) -> RequestKey:
    made = request_key("https", "example.com", "/items/1", "a=1", user=user)
    assert made is not None
    return made


def headers(**fields: str) -> Callable[[str], str | None]:
    return {name.replace("_", "-"): value for name, value in fields.items()}.get


NONE = headers()


def test_a_response_without_vary_is_found_again(store: BaseStore) -> None:
    found = lookup(store, key(), NONE)
    assert found == Found(None, found.generation)
    assert record(store, key(), found, V1, [("ETag", '"v1"')], NONE)
    again = lookup(store, key(), NONE)
    assert again.validators == StoredValidators(etag=ETag("v1"), last_modified=1_700_000_000)
    # What the middleware then does: evaluate, and answer 304 without the view.
    assert again.validators is not None
    validators = again.validators.to_validators()
    decision = evaluate(
        "GET",
        {"If-None-Match": '"v1"'},
        etag=validators.etag,
        last_modified=validators.last_modified,
    )
    assert decision.outcome is Outcome.NOT_MODIFIED
    assert validators.response_headers()[0] == ("ETag", '"v1"')


def test_each_vary_variant_has_its_own_validators(store: BaseStore) -> None:
    gzip, plain = headers(accept_encoding="gzip"), headers(accept_encoding="identity")
    response = [("Vary", "Accept-Encoding")]
    assert record(store, key(), lookup(store, key(), gzip), Validators('"gz"'), response, gzip)
    assert lookup(store, key(), plain).validators is None
    assert record(store, key(), lookup(store, key(), plain), Validators('"id"'), response, plain)
    for request, tag in ((gzip, "gz"), (plain, "id")):
        found = lookup(store, key(), request)
        assert found.validators is not None
        assert found.validators.etag == ETag(tag)
        assert found.vary == ("accept-encoding",)
        assert found.validators.to_validators().response_headers()[-1] == (
            "Vary",
            "accept-encoding",
        )
    assert lookup(store, key(), NONE).validators is None  # absent is a variant of its own


def test_a_known_vary_is_not_written_again() -> None:
    store = CountingStore()
    gzip = headers(accept_encoding="gzip")
    response = [("Vary", "Accept-Encoding")]
    record(store, key(), lookup(store, key(), gzip), V1, response, gzip)
    assert store.puts == 2  # the target's record ("varies on…") and the variant
    br = headers(accept_encoding="br")
    record(store, key(), lookup(store, key(), br), V1, response, br)
    assert store.puts == 3  # the variant only


def test_a_write_during_the_view_wins(store: BaseStore) -> None:
    found = lookup(store, key(), NONE)
    store.invalidate(key().path)  # another worker's PUT, while this GET's view ran
    assert not record(store, key(), found, V1, [], NONE)
    assert lookup(store, key(), NONE).validators is None


def test_a_write_during_the_view_wins_with_vary(store: BaseStore) -> None:
    gzip = headers(accept_encoding="gzip")
    found = lookup(store, key(), gzip)
    store.invalidate(key().path)
    assert not record(store, key(), found, V1, [("Vary", "Accept-Encoding")], gzip)
    assert lookup(store, key(), gzip).validators is None


def test_a_write_between_the_two_reads_is_a_miss() -> None:
    gzip = headers(accept_encoding="gzip")
    store = MemoryStore()
    record(store, key(), lookup(store, key(), gzip), V1, [("Vary", "Accept-Encoding")], gzip)

    class Racing(MemoryStore):
        def get(self, at: StoreKey) -> Lookup:
            if at != key().entry():
                store.invalidate(key().path)  # lands after the first read
            return store.get(at)

    before = store.get(key().entry()).generation
    assert lookup(Racing(), key(), gzip) == Found(None, before, ("accept-encoding",))


def test_a_variant_whose_vary_disagrees_is_a_miss(store: BaseStore) -> None:
    gzip = headers(accept_encoding="gzip")
    record(store, key(), lookup(store, key(), gzip), V1, [("Vary", "Accept-Encoding")], gzip)
    variant = key().variant([("accept-encoding", "gzip")])
    assert variant is not None
    odd = StoredValidators(etag=ETag("v1"), vary=("origin",))
    store.put(variant, odd, generation=store.get(variant).generation)
    found = lookup(store, key(), gzip)
    assert found.validators is None
    assert found.vary == ("accept-encoding",)


@pytest.mark.parametrize(
    "response",
    [
        [("Vary", "*")],
        [("Cache-Control", "no-store")],
        [("Cache-Control", "private")],
    ],
)
def test_a_response_the_store_must_not_keep(
    store: BaseStore, response: list[tuple[str, str]]
) -> None:
    assert not record(store, key(), lookup(store, key(), NONE), V1, response, NONE)
    assert lookup(store, key(), NONE).validators is None


def test_a_response_without_validators_is_not_kept(store: BaseStore) -> None:
    assert not record(store, key(), lookup(store, key(), NONE), Validators(), [], NONE)


def test_authorization_keeps_a_request_away_from_a_shared_entry(store: BaseStore) -> None:
    record(store, key(), lookup(store, key(), NONE), V1, [], NONE)
    authorized = headers(authorization="Bearer t0ken")
    found = lookup(store, key(), authorized)
    assert found == Found(None, "")  # the view runs, and its access check with it
    assert not record(store, key(), found, V1, [], authorized)


def test_a_user_component_allows_private_responses(store: BaseStore) -> None:
    authorized = headers(authorization="Bearer t0ken")
    alice = key(user="alice")
    private = [("Cache-Control", "private, max-age=0")]
    assert record(store, alice, lookup(store, alice, authorized), V1, private, authorized)
    assert lookup(store, alice, authorized).validators is not None
    assert lookup(store, key(user="bob"), authorized).validators is None
    store.invalidate(alice.path)  # a write reaches every user's entry
    assert lookup(store, alice, authorized).validators is None


def test_a_variant_too_long_to_key_is_neither_found_nor_kept(store: BaseStore) -> None:
    big = headers(cookie="c" * 20_000)
    response = [("Vary", "Cookie")]
    assert not record(store, key(), lookup(store, key(), big), V1, response, big)
    small = headers(cookie="c=1")
    record(store, key(), lookup(store, key(), small), V1, response, small)
    assert lookup(store, key(), big) == Found(
        None, lookup(store, key(), big).generation, ("cookie",)
    )


def test_a_refused_marker_stops_the_record() -> None:
    class Refusing(MemoryStore):
        def put(
            self,
            key: StoreKey,
            entry: StoredValidators,
            *,
            generation: str,
            ttl: float | None = None,
        ) -> bool:
            assert entry.vary  # the marker comes first
            assert entry.etag is None
            return False

    store = Refusing()
    gzip = headers(accept_encoding="gzip")
    found = lookup(store, key(), gzip)
    assert not record(store, key(), found, V1, [("Vary", "Accept-Encoding")], gzip, ttl=60)
