"""store= in both middlewares: 304s and 412s from the store without the view, records, invalidation.

Every test runs through the WSGI and the ASGI middleware, most of them
against each backend (MemoryStore, SQLiteStore in a temporary file,
RedisStore on a real redis-server), and counts the view's calls.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from condget import Validators
from condget.store import (
    BaseStore,
    KeyRequest,
    Lookup,
    MemoryStore,
    RedisStore,
    RequestKey,
    SQLiteStore,
    StoredValidators,
    StoreKey,
    request_key,
    visit,
)
from tests.store.apps import CountingStore, Items, tag_of
from tests.store.client import SURFACES, Client
from tests.store.redis_server import RedisServer, free_port

ONE = tag_of(b"one")


@pytest.fixture(params=SURFACES)
def surface(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def items(tmp_path: Path) -> Items:
    directory = tmp_path / "items"
    directory.mkdir()
    return Items(directory)


# -- hits and misses --------------------------------------------------------


def recorded(store: BaseStore) -> str:
    """The record's note: Redis's put is sent and its answer not awaited."""
    return "store-record-sent" if isinstance(store, RedisStore) else "store-recorded"


def test_a_miss_runs_the_view_and_records_then_a_hit_answers_304_without_it(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    first = client.request("GET", "/items/1")
    assert (first.status, first.body, first.headers["etag"]) == (200, b"one", ONE)
    assert first.event.notes == ("store-miss", recorded(store))
    assert items.calls == 1

    hit = client.request("GET", "/items/1", [("If-None-Match", ONE)])
    assert (hit.status, hit.body, hit.headers["etag"]) == (304, b"", ONE)
    assert items.calls == 1  # the view did not run
    event = hit.event
    assert (event.app_status, event.reason, event.notes) == (None, "inm-match", ("store-hit",))

    head = client.request("HEAD", "/items/1", [("If-None-Match", ONE)])
    assert (head.status, items.calls) == (304, 1)


def test_a_304_from_the_store_repeats_what_the_200_would_have_sent(
    surface: str, items: Items, store: BaseStore
) -> None:
    """R33 (RFC 9110 §15.4.5): Cache-Control, Expires and Content-Location; no other field."""
    repeated = [
        ("Cache-Control", "max-age=60, must-revalidate"),
        ("Expires", "Sun, 06 Nov 1994 08:50:37 GMT"),
        ("Content-Location", "/items/1.txt"),
    ]
    items.extra = [*repeated, ("X-Request-Id", "abc"), ("Set-Cookie", "session=secret")]
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    hit = client.request("GET", "/items/1", [("If-None-Match", ONE)])
    assert (hit.status, items.calls) == (304, 1)
    for name, value in repeated:
        assert hit.headers[name.lower()] == value
    assert "x-request-id" not in hit.headers
    assert "set-cookie" not in hit.headers  # the store keeps no other field


def test_the_auto_etag_is_recorded_and_answers_later_requests(
    surface: str, tmp_path: Path, store: BaseStore
) -> None:
    items = Items(tmp_path, etags=False)
    client = Client(surface, items, store=store)
    first = client.request("GET", "/items/1")
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    assert first.event.notes == ("auto-etag", "store-miss", recorded(store))
    hit = client.request("GET", "/items/1", [("If-None-Match", tag)])
    assert (hit.status, hit.headers["etag"], items.calls) == (304, tag, 1)


def test_a_client_with_an_old_tag_gets_the_view_and_the_current_tag(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    other = client.request("GET", "/items/1", [("If-None-Match", '"old"')])
    assert (other.status, other.headers["etag"], items.calls) == (200, ONE, 2)
    # Found, not a 304: the view runs; its validators are those stored, so
    # nothing is written again.
    assert other.event.notes == ("store-passed", "store-recorded")


def test_an_unchanged_entry_is_not_written_again(surface: str, items: Items) -> None:
    store = CountingStore()
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    assert store.writes == 1
    for _ in range(3):
        assert client.request("GET", "/items/1").event.notes == ("store-passed", "store-recorded")
    assert store.writes == 1
    items.write("1", b"uno")  # out of band: the view now gives another tag
    assert client.request("GET", "/items/1").event.notes == ("store-passed", "store-recorded")
    assert store.writes == 2


def test_a_write_invalidates_and_the_next_conditional_get_sees_the_new_tag(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    write = client.request("PUT", "/items/1", body=b"two")
    assert write.status == 204
    assert (write.event.reason, write.event.notes) == ("no-preconditions", ("store-invalidated",))
    after = client.request("GET", "/items/1", [("If-None-Match", ONE)])
    assert (after.status, after.body, after.headers["etag"]) == (200, b"two", tag_of(b"two"))
    assert after.event.notes == ("store-miss", recorded(store))
    assert items.calls == 3


def test_a_stale_if_match_gets_412_without_running_the_view(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    stale = client.request("PUT", "/items/1", [("If-Match", '"old"')], body=b"lost update")
    assert (stale.status, stale.headers["etag"], items.calls) == (412, ONE, 1)
    event = stale.event
    assert (event.app_status, event.reason, event.notes) == (None, "im-no-match", ("store-hit",))
    assert (Path(items.directory) / "item-1").read_bytes() == b"one"

    current = client.request("PUT", "/items/1", [("If-Match", ONE)], body=b"two")
    assert (current.status, items.calls) == (204, 2)
    assert (current.event.reason, current.event.notes) == (
        "left-to-application",
        ("store-passed", "store-invalidated"),
    )


def test_an_unsafe_request_with_no_entry_is_left_to_the_application(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    write = client.request("PUT", "/items/1", [("If-Unmodified-Since", "x")], body=b"two")
    assert write.status == 204
    assert write.event.notes == ("store-miss", "store-invalidated")


def test_if_none_match_on_a_write_is_not_judged_by_the_store(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    # "create only if absent": the store cannot know the item still exists.
    create = client.request("PUT", "/items/1", [("If-None-Match", "*")], body=b"two")
    assert create.status == 204
    assert (create.event.reason, create.event.notes) == (
        "left-to-application",
        ("store-invalidated",),
    )


# -- what a write invalidates -----------------------------------------------


def test_a_created_resource_named_by_location_is_invalidated(
    surface: str, items: Items, store: BaseStore
) -> None:
    items.write("2", b"an old two")
    client = Client(surface, items, store=store)
    old = client.request("GET", "/items/2").headers["etag"]
    (items.directory / "item-2").unlink()  # deleted out of band: the store still knows it
    created = client.request("POST", "/items", body=b"new two")
    assert (created.status, created.headers["location"]) == (201, "/items/2")
    assert created.event.notes == ("store-invalidated",)
    again = client.request("GET", "/items/2", [("If-None-Match", old)])
    assert (again.status, again.body) == (200, b"new two")


def test_a_redirect_after_a_post_invalidates(surface: str, items: Items, store: BaseStore) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    moved = client.request("POST", "/items/1", body=b"two")
    assert moved.status == 303
    assert moved.event.reason == "not-2xx"
    assert moved.event.notes == ("store-invalidated",)
    assert client.request("GET", "/items/1", [("If-None-Match", ONE)]).status == 200


def test_a_failed_write_invalidates_nothing(surface: str, items: Items, store: BaseStore) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    failed = client.request("PUT", "/items/1", body=b"fail")
    assert (failed.status, failed.event.notes) == (422, ())
    assert client.request("GET", "/items/1", [("If-None-Match", ONE)]).event.notes == ("store-hit",)


def test_a_delete_invalidates(surface: str, items: Items, store: BaseStore) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    assert client.request("DELETE", "/items/1").status == 204
    gone = client.request("GET", "/items/1", [("If-None-Match", ONE)])
    assert (gone.status, gone.event.reason, gone.event.notes) == (404, "not-2xx", ("store-miss",))


def test_each_vary_variant_is_answered_for_itself(
    surface: str, items: Items, store: BaseStore
) -> None:
    items.vary = "Accept-Language"
    client = Client(surface, items, store=store)
    english = [("Accept-Language", "en")]
    first = client.request("GET", "/items/1", english)
    assert first.event.notes == ("store-miss", recorded(store))
    hit = client.request("GET", "/items/1", [*english, ("If-None-Match", ONE)])
    assert (hit.status, hit.headers["vary"], hit.event.notes) == (
        304,
        "accept-language",
        ("store-hit",),
    )
    # Another variant has no entry of its own yet: the view runs for it.
    french = client.request("GET", "/items/1", [("Accept-Language", "fr"), ("If-None-Match", ONE)])
    assert (french.event.app_status, french.event.notes) == (200, ("store-miss", recorded(store)))
    # Two field lines are the variant of their joined value, on either surface.
    client.request("GET", "/items/1", [("Accept-Language", "en, fr")])
    lines = [("Accept-Language", "en"), ("Accept-Language", "fr"), ("If-None-Match", ONE)]
    assert client.request("GET", "/items/1", lines).event.notes == ("store-hit",)
    assert items.calls == 3


# -- two spellings, one page ------------------------------------------------


def test_two_spellings_of_one_page_share_its_entry_and_its_invalidation(
    surface: str, items: Items, store: BaseStore
) -> None:
    client = Client(surface, items, store=store)
    client.request("GET", "/items/%31", host="EXAMPLE.com:80")
    hit = client.request("GET", "/items/1", [("If-None-Match", ONE)], host="example.com")
    assert (hit.status, items.calls) == (304, 1)
    client.request("PUT", "/items/%31", host="EXAMPLE.com:80", body=b"two")
    after = client.request("GET", "/items/1", [("If-None-Match", ONE)], host="example.com")
    assert (after.status, after.body) == (200, b"two")
    # ... and the other way round.
    client.request("PUT", "/items/1", host="example.com", body=b"three")
    back = client.request(
        "GET", "/items/%31", [("If-None-Match", tag_of(b"two"))], host="EXAMPLE.com:80"
    )
    assert (back.status, back.body) == (200, b"three")


def test_wsgi_and_asgi_give_one_request_one_key(items: Items) -> None:
    store = MemoryStore()
    wsgi = Client("wsgi", items, store=store)
    asgi = Client("asgi", items, store=store)
    wsgi.request("GET", "/items/%31?a=%7e", host="EXAMPLE.com:80")
    hit = asgi.request("GET", "/items/1?a=~", [("If-None-Match", ONE)], host="example.com")
    assert (hit.status, items.calls) == (304, 1)
    asgi.request("PUT", "/items/1", body=b"two")
    assert wsgi.request("GET", "/items/%31?a=%7e", [("If-None-Match", ONE)]).status == 200


# -- requests that keep away from the store ---------------------------------


def test_a_request_without_a_host_does_not_use_the_store(surface: str, items: Items) -> None:
    store = MemoryStore()
    client = Client(surface, items, store=store)
    first = client.request("GET", "/items/1", host=None)
    assert first.event.notes == ()
    again = client.request("GET", "/items/1", [("If-None-Match", ONE)], host=None)
    # The response side still answers 304, after running the view.
    assert (again.status, again.event.app_status, items.calls) == (304, 200, 2)


def test_options_goes_straight_through(surface: str, items: Items) -> None:
    client = Client(surface, items, store=MemoryStore())
    assert client.request("OPTIONS", "/items/1").events == []


def test_a_request_with_authorization_is_not_answered_from_the_store(
    surface: str, items: Items
) -> None:
    client = Client(surface, items, store=MemoryStore())
    client.request("GET", "/items/1")
    private = client.request(
        "GET", "/items/1", [("If-None-Match", ONE), ("Authorization", "Bearer x")]
    )
    # No answer from the store, which it never gives a request with Authorization
    # (the view's access check must run); the response side still answers.
    assert (private.status, private.event.app_status) == (304, 200)
    assert private.event.notes == ("store-miss",)
    assert items.calls == 2


def test_a_key_function_chooses_the_key(surface: str, items: Items) -> None:
    def key(request: KeyRequest) -> RequestKey | None:
        if request.path.startswith("/private"):
            return None
        return request_key(request.scheme, "example.com", request.path, request.query)

    client = Client(surface, items, store=MemoryStore(), store_key=key)
    client.request("GET", "/items/1", host="www.example.com")
    hit = client.request("GET", "/items/1", [("If-None-Match", ONE)], host="example.net")
    assert hit.event.notes == ("store-hit",)
    assert client.request("GET", "/private/1").event.notes == ()


def test_a_key_with_a_user_component_answers_each_user_from_their_own_entry(
    surface: str, items: Items
) -> None:
    def per_user(request: KeyRequest) -> RequestKey | None:
        user = request.header("authorization")
        return request_key(request.scheme, request.host, request.path, request.query, user=user)

    client = Client(surface, items, store=MemoryStore(), store_key=per_user)
    alice, bob = [("Authorization", "alice")], [("Authorization", "bob")]
    client.request("GET", "/items/1", alice)
    hit = client.request("GET", "/items/1", [*alice, ("If-None-Match", ONE)])
    assert (hit.status, hit.event.notes) == (304, ("store-hit",))
    other = client.request("GET", "/items/1", [*bob, ("If-None-Match", ONE)])
    assert (other.event.app_status, other.event.notes) == (200, ("store-miss", "store-recorded"))
    # A write by one user invalidates the path for everyone.
    client.request("PUT", "/items/1", alice, body=b"two")
    assert client.request("GET", "/items/1", [*bob, ("If-None-Match", ONE)]).status == 200


def test_a_validators_hook_answer_wins_and_writes_still_invalidate(
    surface: str, items: Items
) -> None:
    store = MemoryStore()
    plain = Client(surface, items, store=store)
    plain.request("GET", "/items/1")

    def hook(_: Any) -> Validators:
        return Validators(ONE)

    hooked = Client(surface, items, store=store, validators=hook)
    checked = hooked.request("GET", "/items/1")
    assert (checked.event.reason, checked.event.notes) == ("checked-before-dispatch", ())
    write = hooked.request("PUT", "/items/1", [("If-Match", ONE)], body=b"two")
    assert (write.status, write.event.notes) == (204, ("store-invalidated",))
    assert plain.request("GET", "/items/1", [("If-None-Match", ONE)]).status == 200
    hooked.request("POST", "/items/1", body=b"three")  # a 303 to a hook-checked request
    assert store.pending_invalidations == frozenset()


def test_without_an_observer_nothing_is_reported_and_everything_works(
    surface: str, items: Items
) -> None:
    client = Client(surface, items, store=MemoryStore(), observer=None)
    client.request("GET", "/items/1")
    assert client.request("GET", "/items/1", [("If-None-Match", ONE)]).status == 304
    assert client.request("PUT", "/items/1", body=b"two").status == 204
    assert client.request("GET", "/items/1", [("If-None-Match", ONE)]).status == 200
    assert client.request("GET", "/items/9").status == 404
    assert items.calls == 4


# -- what is not recorded ---------------------------------------------------


def test_a_write_during_the_view_wins_over_the_record(surface: str, items: Items) -> None:
    store = MemoryStore()
    client = Client(surface, items, store=store)
    items.during_get = lambda: store.invalidate("http://example.com/items/1")
    first = client.request("GET", "/items/1")
    assert first.event.notes == ("store-miss",)  # read before the write: not stored
    items.during_get = None
    assert client.request("GET", "/items/1").event.notes == ("store-miss", "store-recorded")


def test_an_unconditional_head_does_not_use_the_store(surface: str, items: Items) -> None:
    # Only a GET's response is recorded, and without conditional fields
    # there is nothing to answer from the store: no read at all.
    store = CountingStore()
    client = Client(surface, items, store=store)
    assert client.request("HEAD", "/items/1").event.notes == ()
    assert store.reads == 0
    assert client.request("GET", "/items/1").event.notes == ("store-miss", "store-recorded")
    assert client.request("HEAD", "/items/1", [("If-Match", '"nope"')]).status == 412
    assert store.reads == 2


def test_a_conditional_head_answered_from_the_get_uses_the_store(
    surface: str, tmp_path: Path
) -> None:
    # No ETag and a HEAD without a body: the GET's body gives the tag (§9.3.2).
    items = Items(tmp_path, etags=False)
    client = Client(surface, items, store=MemoryStore(), auto_etag=True)
    head = client.request("HEAD", "/items/1", [("If-None-Match", '"x"')])
    assert head.status == 200
    assert head.event.notes[-1] == "store-miss"


def test_a_response_without_validators_is_not_recorded(surface: str, tmp_path: Path) -> None:
    items = Items(tmp_path, etags=False)
    client = Client(surface, items, store=MemoryStore(), auto_etag=False)
    assert client.request("GET", "/items/1").event.notes == ("store-miss",)


# -- the store fails --------------------------------------------------------


def closed_port_store() -> RedisStore:
    return RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_ms=50)


def test_a_store_that_is_down_never_fails_a_request(surface: str, items: Items) -> None:
    store = closed_port_store()
    client = Client(surface, items, store=store)
    first = client.request("GET", "/items/1")
    assert (first.status, first.body, first.event.notes) == (200, b"one", ("store-unavailable",))
    again = client.request("GET", "/items/1", [("If-None-Match", ONE)])
    # The response side still answers 304, once the view ran.
    assert (again.status, again.event.app_status) == (304, 200)
    assert again.event.notes == ("store-unavailable",)
    stale = client.request("PUT", "/items/1", [("If-Match", '"old"')], body=b"two")
    # The store cannot judge it: a GET of the target does, and the write never runs.
    assert (stale.status, stale.event.notes) == (412, ("checked-by-get",))
    write = client.request("PUT", "/items/1", body=b"three")
    assert (write.status, write.event.notes) == (204, ("store-unavailable",))
    assert ("path", "http://example.com/items/1") in store.pending_invalidations
    assert items.calls == 4  # two GETs, the GET behind the stale write, the write


def test_a_store_lost_after_the_lookup_only_skips_the_record(surface: str, items: Items) -> None:
    store = MemoryStore()
    client = Client(surface, items, store=store)
    items.during_get = store.close
    first = client.request("GET", "/items/1")
    assert (first.status, first.event.notes) == (200, ("store-miss", "store-unavailable"))


def test_a_killed_redis_mid_run_costs_no_request(
    surface: str, items: Items, own_redis: RedisServer
) -> None:
    store = RedisStore(own_redis.url, timeout_ms=50)
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    assert client.request("GET", "/items/1", [("If-None-Match", ONE)]).event.notes == ("store-hit",)
    own_redis.kill()
    started = time.monotonic()
    for _ in range(5):
        result = client.request("GET", "/items/1", [("If-None-Match", ONE)])
        assert (result.status, result.event.app_status) == (304, 200)
        assert result.event.notes == ("store-unavailable",)
    write = client.request("PUT", "/items/1", body=b"two")
    assert (write.status, write.event.notes) == (204, ("store-unavailable",))
    assert time.monotonic() - started < 5  # bounded: refused at once, or 50 ms timeouts
    store.close()


def test_a_hung_redis_costs_a_request_its_timeouts_only(
    surface: str, items: Items, own_redis: RedisServer
) -> None:
    store = RedisStore(own_redis.url, timeout_ms=50)
    client = Client(surface, items, store=store)
    client.request("GET", "/items/1")
    own_redis.pause()
    try:
        started = time.monotonic()
        result = client.request("GET", "/items/1", [("If-None-Match", ONE)])
        elapsed = time.monotonic() - started
    finally:
        own_redis.resume()
    assert (result.status, result.event.notes) == (304, ("store-unavailable",))
    assert elapsed < 2
    store.close()


def test_sqlite_and_redis_stores_serve_the_middleware_like_memory(
    surface: str, items: Items, tmp_path: Path, redis_server: RedisServer
) -> None:
    # One flow against two stores at once: the same request gives the same key.
    sqlite = SQLiteStore(tmp_path / "v.db")
    redis = RedisStore(redis_server.url, namespace=f"same-key-{surface}")
    for store in (sqlite, redis):
        client = Client(surface, items, store=store)
        client.request("GET", "/items/%31?x=1", host="EXAMPLE.com:80")
        hit = client.request("GET", "/items/1?x=1", [("If-None-Match", ONE)])
        assert hit.event.notes == ("store-hit",)
        store.close()


def test_visit_skips_options_trace_and_keyless_requests() -> None:
    store = MemoryStore()
    request = KeyRequest("http", "example.com", "/a", "", {}.get)
    assert visit(store, lambda _: None, "GET", request) is None
    assert visit(store, lambda r: None, "GET", request) is None
    for method in ("OPTIONS", "TRACE"):
        assert (
            visit(store, lambda r: request_key("http", "example.com", "/a"), method, request)
            is None
        )
    made = visit(store, lambda r: request_key("http", "example.com", "/a"), "GET", request)
    assert made is not None
    assert made.key.path == "http://example.com/a"
    assert made.notes == ()


# -- a write that finishes after its response started ---------------------------


def test_wsgi_a_write_finished_while_its_body_is_iterated_leaves_no_stale_entry() -> None:
    from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
    from tests.wsgi.support import environ, serve

    state = {"version": 1}
    events: list[tuple[str, tuple[str, ...]]] = []

    def at(method: str, headers: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        env = environ(method, headers or [])
        env["HTTP_HOST"] = "example.com"
        return env

    def app(env: dict[str, Any], start_response: Any) -> Any:
        if env["REQUEST_METHOD"] == "GET":
            start_response("200 OK", [("ETag", f'"v{state["version"]}"'), ("Content-Length", "1")])
            return [b"x"]
        start_response("204 No Content", [])

        def body() -> Any:
            serve(middleware, at("GET"))  # a GET meanwhile records the old tag
            state["version"] = 2  # the write lands after the response started
            yield b""

        return body()

    middleware = WSGIMiddleware(
        app,
        store=MemoryStore(),
        check_writes=False,
        observer=lambda event: events.append((event.method, event.notes)),
    )
    serve(middleware, at("GET"))
    assert serve(middleware, at("PUT")).code == 204
    assert events[2] == ("GET", ("store-miss", "store-recorded"))  # the old tag, recorded again
    after = serve(middleware, at("GET", [("If-None-Match", '"v1"')]))
    assert (after.code, after.header("etag")) == (200, '"v2"')  # never a stale 304


def test_asgi_a_write_finished_by_a_background_task_leaves_no_stale_entry() -> None:
    from starlette.background import BackgroundTask
    from starlette.responses import Response

    from condget.asgi import ConditionalMiddleware as ASGIMiddleware
    from tests.asgi.support import call_async

    state = {"version": 1}
    host = [("Host", "example.com")]

    async def write_later() -> None:
        await call_async(middleware, "GET", host)  # a GET meanwhile records the old tag
        state["version"] = 2

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] == "GET":
            response = Response(b"x", headers={"ETag": f'"v{state["version"]}"'})
        else:
            response = Response(status_code=202, background=BackgroundTask(write_later))
        await response(scope, receive, send)

    middleware = ASGIMiddleware(app, store=MemoryStore(), check_writes=False)

    async def main() -> Any:
        await call_async(middleware, "GET", host)
        await call_async(middleware, "PUT", host)
        return await call_async(middleware, "GET", [*host, ("If-None-Match", '"v1"')])

    import asyncio

    from tests.asgi.support import response_of

    after = response_of(asyncio.run(main()))
    assert (after.status, after.header("etag")) == (200, '"v2"')  # never a stale 304


class Delegating:
    """A ValidatorStore of an application's own that delegates, without put_nowait."""

    def __init__(self, store: BaseStore) -> None:
        self.store = store
        self.puts = 0

    def get(self, key: StoreKey) -> Lookup:
        return self.store.get(key)

    def put(
        self,
        key: StoreKey,
        entry: StoredValidators,
        *,
        generation: str,
        ttl: float | None = None,
    ) -> bool:
        self.puts += 1
        return self.store.put(key, entry, generation=generation, ttl=ttl)

    def invalidate(self, path: str) -> None:
        self.store.invalidate(path)

    def invalidate_prefix(self, prefix: str) -> None:
        self.store.invalidate_prefix(prefix)

    def close(self) -> None:
        self.store.close()


@pytest.mark.parametrize("kind", ["protocol only", "put overridden"])
def test_a_store_of_your_own_records_through_its_put(surface: str, items: Items, kind: str) -> None:
    store: Delegating | CountingStore = (
        Delegating(MemoryStore()) if kind == "protocol only" else CountingStore()
    )
    client = Client(surface, items, store=store)
    assert client.request("GET", "/items/1").event.notes == ("store-miss", "store-recorded")
    assert store.puts == 1
    hit = client.request("GET", "/items/1", [("If-None-Match", ONE)])
    assert (hit.status, hit.event.notes) == (304, ("store-hit",))
