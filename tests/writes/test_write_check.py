"""The one-line wrap protects writes: If-Match / If-Unmodified-Since judged by a GET (R36).

With no hook and no store that knows the target, a write (PUT, PATCH,
DELETE, POST) carrying If-Match or If-Unmodified-Since is judged against
what a GET of the same target answers, before the application performs it
(RFC 9110 §13.2.1): a 412 when the precondition is false, and the write
never runs. Each named row runs through WSGI and ASGI.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from condget import Conditions, Outcome, evaluate, format_http_date
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.observe import DecisionEvent
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import call, response_of, scope
from tests.wsgi.support import environ, serve

LM_SECONDS = 784111777
LM = format_http_date(LM_SECONDS)
EARLIER = format_http_date(LM_SECONDS - 60)
LATER = format_http_date(LM_SECONDS + 60)
CURRENT = (("ETag", '"v2"'), ("Last-Modified", LM))


class Row(NamedTuple):
    name: str
    request: tuple[tuple[str, str], ...]
    performed: bool
    get_status: int = 200
    get_headers: tuple[tuple[str, str], ...] = CURRENT
    checked: bool = True  # whether a GET was asked for
    method: str = "PUT"


ROWS = [
    Row("stale_if_match", (("If-Match", '"v1"'),), False),
    Row("current_if_match", (("If-Match", '"v2"'),), True),
    Row("one_of_a_list", (("If-Match", '"v1", "v2"'),), True),
    Row("weak_never_matches", (("If-Match", 'W/"v2"'),), False),
    Row(
        "weak_current_tag_never_matches",
        (("If-Match", 'W/"v2"'),),
        False,
        get_headers=(("ETag", 'W/"v2"'),),
    ),
    Row("star_with_a_representation", (("If-Match", "*"),), True),
    Row("star_without_one", (("If-Match", "*"),), False, get_status=404),
    Row("a_tag_of_something_gone", (("If-Match", '"v2"'),), False, get_status=410),
    Row("no_current_tag", (("If-Match", '"v2"'),), False, get_headers=(("Last-Modified", LM),)),
    Row("unmodified_since_later", (("If-Unmodified-Since", LATER),), True),
    Row("unmodified_since_equal", (("If-Unmodified-Since", LM),), True),
    Row("modified_since_then", (("If-Unmodified-Since", EARLIER),), False),
    Row(
        "unmodified_since_without_a_date",
        (("If-Unmodified-Since", EARLIER),),
        True,
        get_headers=(("ETag", '"v2"'),),
    ),
    Row("unmodified_since_of_nothing", (("If-Unmodified-Since", EARLIER),), True, get_status=404),
    Row(
        "if_match_wins_over_unmodified_since",
        (("If-Match", '"v2"'), ("If-Unmodified-Since", EARLIER)),
        True,
    ),
    Row("a_get_that_tells_nothing_405", (("If-Match", '"v1"'),), True, get_status=405),
    Row("a_get_that_tells_nothing_302", (("If-Match", '"v1"'),), True, get_status=302),
    Row("a_get_that_tells_nothing_401", (("If-Match", '"v1"'),), True, get_status=401),
    Row("no_precondition", (), True, checked=False),
    Row("if_none_match_is_the_writes_own", (("If-None-Match", "*"),), True, checked=False),
    Row("delete", (("If-Match", '"v1"'),), False, method="DELETE"),
    Row("patch", (("If-Match", '"v2"'),), True, method="PATCH"),
    Row("post", (("If-Match", '"v1"'),), False, method="POST"),
    Row("get_is_never_checked", (("If-Match", '"v1"'),), False, method="GET", checked=False),
]


class Target:
    """One resource: a GET answers ``get_status`` with ``get_headers``; a write answers 204."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.seen: list[tuple[str, dict[str, str]]] = []

    def wsgi(self, env: dict[str, Any], start_response: Any) -> list[bytes]:
        fields = {
            k[5:].replace("_", "-").lower(): v for k, v in env.items() if k.startswith("HTTP_")
        }
        if "CONTENT_LENGTH" in env:
            fields["content-length"] = env["CONTENT_LENGTH"]
        self.seen.append((env["REQUEST_METHOD"], fields))
        if env["REQUEST_METHOD"] == "GET":
            status = f"{self.row.get_status} X"
            start_response(status, [*self.row.get_headers, ("Content-Length", "4")])
            return [b"body"]
        start_response("204 No Content", [])
        return []

    async def asgi(self, scope: Any, receive: Any, send: Any) -> None:
        fields = {n.decode(): v.decode() for n, v in scope["headers"]}
        self.seen.append((scope["method"], fields))
        if scope["method"] == "GET":
            headers = [(n.lower().encode(), v.encode()) for n, v in self.row.get_headers]
            await send(
                {"type": "http.response.start", "status": self.row.get_status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": b"body"})
            return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def through_wsgi(row: Row, target: Target, **options: Any) -> int:
    middleware = WSGIMiddleware(target.wsgi, auto_etag=False, **options)
    headers = [*row.request, ("Authorization", "Bearer t"), ("Content-Type", "text/plain")]
    env = environ(row.method, headers)
    env["CONTENT_LENGTH"] = "3"
    return serve(middleware, env).code


def through_asgi(row: Row, target: Target, **options: Any) -> int:
    middleware = ASGIMiddleware(target.asgi, auto_etag=False, **options)
    headers = [*row.request, ("Authorization", "Bearer t"), ("Content-Type", "text/plain")]
    return response_of(
        call(middleware, row.method, [*headers, ("Content-Length", "3")], request_body=b"new")
    ).status


SURFACES = {"wsgi": through_wsgi, "asgi": through_asgi}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_write_check(row: Row, surface: str) -> None:
    target = Target(row)
    status = SURFACES[surface](row, target)
    methods = [method for method, _ in target.seen]
    if row.method == "GET":
        assert methods == ["GET"]
        return
    expected = ([*(["GET"] if row.checked else []), row.method]) if row.performed else ["GET"]
    assert methods == expected
    assert status == (204 if row.performed else 412)
    if row.checked:
        get_fields = target.seen[0][1]
        # The GET is the same client asking for the whole current state.
        assert get_fields["authorization"] == "Bearer t"
        for name in ("if-match", "if-unmodified-since", "content-length", "content-type", "range"):
            assert name not in get_fields


@pytest.mark.parametrize("surface", SURFACES)
def test_writes_are_left_to_the_application_when_asked(surface: str) -> None:
    row = ROWS[0]
    target = Target(row)
    assert SURFACES[surface](row, target, check_writes=False) == 204
    assert [method for method, _ in target.seen] == ["PUT"]


@pytest.mark.parametrize("surface", SURFACES)
def test_the_412_is_reported_as_checked_by_get(surface: str) -> None:
    events: list[DecisionEvent] = []
    SURFACES[surface](ROWS[0], Target(ROWS[0]), observer=events.append)
    [event] = events
    assert (event.status, event.reason, event.notes) == (412, "im-no-match", ("checked-by-get",))
    assert event.app_status is None  # the write never ran


def test_wsgi_a_get_that_fails_leaves_the_write_to_the_application() -> None:
    calls: list[str] = []

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        calls.append(env["REQUEST_METHOD"])
        if env["REQUEST_METHOD"] == "GET":
            raise RuntimeError("no GET here")
        start_response("204 No Content", [])
        return []

    response = serve(WSGIMiddleware(app), environ("PUT", [("If-Match", '"v1"')]))
    assert (response.code, calls) == (204, ["GET", "PUT"])


def test_wsgi_a_get_that_starts_on_its_first_iteration() -> None:
    closed: list[bool] = []

    class Lazy:
        def __init__(self, start_response: Any) -> None:
            self.start_response = start_response

        def __iter__(self) -> Any:
            self.start_response("200 OK", [("ETag", '"v2"')])
            yield b"x"

        def close(self) -> None:
            closed.append(True)

    def app(env: dict[str, Any], start_response: Any) -> Any:
        if env["REQUEST_METHOD"] == "GET":
            return Lazy(start_response)
        start_response("204 No Content", [])
        return []

    assert serve(WSGIMiddleware(app), environ("PUT", [("If-Match", '"v1"')])).code == 412
    assert closed == [True]
    never: list[str] = []

    def silent(env: dict[str, Any], start_response: Any) -> Any:
        never.append(env["REQUEST_METHOD"])
        if env["REQUEST_METHOD"] == "GET":
            return []  # no start_response at all: the server's to report; tells nothing
        start_response("204 No Content", [])
        return []

    assert serve(WSGIMiddleware(silent), environ("PUT", [("If-Match", '"v1"')])).code == 204
    assert never == ["GET", "PUT"]


def test_asgi_the_get_is_stopped_at_its_start() -> None:
    produced: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] == "GET":
            await send({"type": "http.response.debug", "info": {}})  # before the start: ignored
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v2"')]}
            )
            for n in range(100):
                produced.append(n)
                await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        assert (await receive())["body"] == b"new"
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = ASGIMiddleware(app)
    stale = call(middleware, "PUT", [("If-Match", '"v1"')], request_body=b"new")
    assert response_of(stale).status == 412
    assert produced == []  # the GET's body was never produced
    current = call(middleware, "PUT", [("If-Match", '"v2"')], request_body=b"new")
    assert response_of(current).status == 204  # and the write still reads its own body


def test_asgi_a_get_waiting_for_more_request_body_sees_the_end() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] == "GET":
            first = await receive()
            second = await receive()
            assert (first["type"], second["type"]) == ("http.request", "http.disconnect")
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v2"')]}
            )
            return  # pragma: no cover - stopped at the start
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert response_of(call(ASGIMiddleware(app), "PUT", [("If-Match", '"v1"')])).status == 412


def test_asgi_a_get_that_fails_before_its_start_leaves_the_write_to_the_application() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] == "GET":
            raise RuntimeError("no GET here")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert response_of(call(ASGIMiddleware(app), "PUT", [("If-Match", '"v1"')])).status == 204


tags = st.sampled_from(['"a"', '"b"', 'W/"a"', "*", '"a", "b"', "nonsense"])
dates = st.sampled_from([EARLIER, LM, LATER, "yesterday"])


@settings(max_examples=150)
@given(
    if_match=st.none() | tags,
    if_unmodified_since=st.none() | dates,
    current_tag=st.none() | st.sampled_from(['"a"', 'W/"a"', '"b"']),
    current_date=st.none() | st.just(LM),
    get_status=st.sampled_from([200, 204, 404, 410, 405, 500]),
    surface=st.sampled_from(sorted(SURFACES)),
)
def test_the_write_runs_exactly_when_the_core_says_it_may(
    if_match: str | None,
    if_unmodified_since: str | None,
    current_tag: str | None,
    current_date: str | None,
    get_status: int,
    surface: str,
) -> None:
    request = tuple(
        (name, value)
        for name, value in (("If-Match", if_match), ("If-Unmodified-Since", if_unmodified_since))
        if value is not None
    )
    get_headers = tuple(
        (name, value)
        for name, value in (("ETag", current_tag), ("Last-Modified", current_date))
        if value is not None
    )
    row = Row("generated", request, True, get_status=get_status, get_headers=get_headers)
    target = Target(row)
    status = SURFACES[surface](row, target)
    decision = evaluate(
        "PUT",
        Conditions(if_match=if_match, if_unmodified_since=if_unmodified_since),
        etag=current_tag,
        last_modified=current_date,
        exists=get_status not in (404, 410),
    )
    judged = 200 <= get_status < 300 or get_status in (404, 410)
    refused = bool(request) and judged and decision.outcome is Outcome.PRECONDITION_FAILED
    assert status == (412 if refused else 204)
    assert ("PUT" in [method for method, _ in target.seen]) is not refused


def test_asgi_scope_helper_is_the_one_the_tests_use() -> None:
    # The write check copies the scope: the request's own scope is not changed.
    request = scope("PUT", [("If-Match", '"v1"')])
    before = dict(request)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"v2"')]})

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(ASGIMiddleware(app)(request, receive, send))
    assert request == before
    assert sent[0]["status"] == 412
