"""Properties of the WSGI middleware over random applications and random requests.

Whatever the application sends (status, header fields, body chunks, handed
over as a list, a generator, lazily or through ``write()``) and whatever
preconditions the request carries, the wrapped response is either the
unwrapped one (plus an auto-ETag where one is due) or exactly the 304/412
the core decides, and the application's iterable is closed exactly once.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from condget import (
    Conditions,
    Outcome,
    Validators,
    evaluate,
    format_http_date,
    reply_for,
)
from condget.engine import CHUNK_COST, AutoETag
from condget.wsgi import ConditionalMiddleware
from tests.wsgi.support import LIST, MODES, WRITE, App, Response, environ, serve

LM = 784111777
TAGS = ['"a"', 'W/"a"', '"b"', "a", ""]
DATES = [format_http_date(LM + delta) for delta in (-60, 0, 60)] + ["yesterday"]
AUTO = "<the auto-ETag>"
# More examples than the profile's default (each costs about 10 ms), since the
# paths that matter are a few of many combinations; a deeper profile wins.
EXAMPLES = (
    settings.default.max_examples
)  # replaced by the body's auto-ETag, so revalidation is tried

# Weighted towards what the middleware works on: 2xx GET/HEAD with auto-ETag on.
statuses = st.sampled_from([200, 200, 200, 201, 204, 206, 301, 304, 404, 412, 500])
chunk_lists = st.lists(st.binary(max_size=6), max_size=4)


@st.composite
def app_headers(draw: Any, chunks: list[bytes]) -> list[tuple[str, str]]:
    headers = [("Content-Type", "text/plain")]
    if draw(st.booleans()):
        headers.append((draw(st.sampled_from(["ETag", "etag"])), draw(st.sampled_from(TAGS))))
    if draw(st.booleans()):
        headers.append(("Last-Modified", draw(st.sampled_from(DATES))))
    if draw(st.booleans()):
        headers.append(("Content-Length", str(sum(map(len, chunks)))))
    extra = draw(
        st.sampled_from(
            [
                None,
                None,
                ("Vary", "Accept"),
                ("Cache-Control", "no-store"),
                ("Content-Encoding", "br"),
            ]
        )
    )
    if extra is not None:
        headers.append(extra)
    return draw(st.permutations(headers))


tag_values = st.sampled_from([*TAGS, "*", '"a", "b"', 'W/"b", "a"', AUTO, f'"x", {AUTO}'])
request_fields = st.fixed_dictionaries(
    {},
    optional={
        "If-None-Match": tag_values,
        "If-Match": tag_values,
        "If-Modified-Since": st.sampled_from(DATES),
        "If-Unmodified-Since": st.sampled_from(DATES),
    },
)


def make_app(status: int, headers: list[tuple[str, str]], chunks: list[bytes], mode: str) -> App:
    return App(f"{status} Whatever", headers, chunks, mode)


def auto_etag_of(
    status: int, headers: list[tuple[str, str]], chunks: list[bytes], mode: str, max_buffer: int
) -> str | None:
    """The tag condget must add: AutoETag's rules, for a body it can hold."""
    # A list is complete when the app returns; a write() before that, with no
    # Content-Length, leaves the length unknown (perhaps a stream): untagged.
    complete = mode == LIST or (mode == WRITE and len(chunks) <= 1)
    tagger = AutoETag.for_response(status, headers, complete=complete)
    held = sum(len(chunk) + CHUNK_COST for chunk in chunks if chunk)  # the engine's unit
    if tagger is None or held > max_buffer:
        return None
    for chunk in chunks:
        tagger.update(chunk)
    tag = tagger.etag()
    return None if tag is None else str(tag)


def request_headers(fields: dict[str, str], tag: str | None) -> list[tuple[str, str]]:
    auto = tag or '"no auto-ETag"'
    return [(name, value.replace(AUTO, auto)) for name, value in fields.items()]


def assert_reply(wrapped: Response, expected: Any, method: str) -> None:
    assert wrapped.status == f"{expected.status} {expected.reason}"
    assert wrapped.headers == expected.headers
    assert wrapped.body == (b"" if method == "HEAD" else expected.body)


@settings(
    max_examples=max(600, EXAMPLES), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    status=statuses,
    chunks=chunk_lists,
    mode=st.sampled_from(MODES),
    method=st.sampled_from(["GET", "HEAD", "GET", "HEAD", "GET", "PUT", "POST"]),
    fields=request_fields,
    auto_etag=st.sampled_from([True, True, False]),
    max_buffer=st.sampled_from([0, 5, 1024 * 1024, 1024 * 1024]),
    data=st.data(),
)
def test_response_side_is_untouched_or_the_cores_reply(
    status: int,
    chunks: list[bytes],
    mode: str,
    method: str,
    fields: dict[str, str],
    auto_etag: bool,
    max_buffer: int,
    data: Any,
) -> None:
    headers = data.draw(app_headers(chunks))
    conditions = Conditions.from_headers(request_headers(fields, None))
    # HEAD runs as HEAD; only a conditional one is tagged (§9.3.2).
    tagged = auto_etag and (method == "GET" or (method == "HEAD" and conditions.decisive))
    tag = auto_etag_of(status, headers, chunks, mode, max_buffer) if tagged else None
    env_headers = request_headers(fields, tag)

    bare_app = make_app(status, headers, chunks, mode)
    bare = serve(bare_app, environ(method, env_headers))
    app = make_app(status, headers, chunks, mode)
    # The write check has its own properties (tests/writes): here, the response side.
    middleware = ConditionalMiddleware(
        app, ranges=False, auto_etag=auto_etag, max_buffer=max_buffer, check_writes=False
    )
    wrapped = serve(middleware, environ(method, env_headers))

    body = bare.body
    if app.methods == ["HEAD", "GET"]:
        # A conditional HEAD without a tag is answered from the GET (FETCH_GET,
        # §9.3.2): the GET's body gives the tag, none of it is sent.
        assert (tagged, app.closed) == (True, 2)
        body = b""
    else:
        assert app.methods == [method]
        assert (app.closed, bare_app.closed) == (1, 1)
    if method not in ("GET", "HEAD") or not 200 <= status < 300:
        # R28, R36: nothing to do; byte for byte the app's response.
        assert (wrapped.status, wrapped.headers, wrapped.body) == (bare.status, bare.headers, body)
        return
    sent_headers = bare.headers if tag is None else [*bare.headers, ("ETag", tag)]
    validators = Validators.from_response_headers(sent_headers)
    decision = evaluate(
        method,
        Conditions.from_headers(env_headers),
        etag=validators.etag,
        last_modified=validators.last_modified,
        status=status,
    )
    if decision.outcome is Outcome.PROCEED:
        assert (wrapped.status, wrapped.headers, wrapped.body) == (bare.status, sent_headers, body)
    else:
        assert_reply(wrapped, reply_for(decision, sent_headers, add_date=False), method)


validator_sets = st.builds(
    Validators,
    etag=st.sampled_from([None, '"a"', 'W/"a"', '"b"']),
    last_modified=st.sampled_from([None, LM]),
    exists=st.booleans(),
    headers=st.sampled_from([(), (("Cache-Control", "max-age=5"),)]),
)


@settings(max_examples=max(300, EXAMPLES), deadline=None)
@given(
    status=statuses,
    chunks=chunk_lists,
    mode=st.sampled_from(MODES),
    method=st.sampled_from(["GET", "HEAD", "PUT", "PATCH", "DELETE", "POST", "OPTIONS"]),
    fields=request_fields,
    validators=validator_sets,
    require_precondition=st.booleans(),
)
def test_pre_dispatch_runs_the_app_only_when_the_core_says_proceed(
    status: int,
    chunks: list[bytes],
    mode: str,
    method: str,
    fields: dict[str, str],
    validators: Validators,
    require_precondition: bool,
) -> None:
    headers = [("Content-Type", "text/plain")]
    env_headers = request_headers(fields, None)
    app = make_app(status, headers, chunks, mode)
    middleware = ConditionalMiddleware(
        app, validators=lambda env: validators, require_precondition=require_precondition
    )
    wrapped = serve(middleware, environ(method, env_headers))
    decision = evaluate(
        method,
        Conditions.from_headers(env_headers),
        etag=validators.etag,
        last_modified=validators.last_modified,
        exists=validators.exists,
        status=None,
        require_precondition=require_precondition,
    )
    if decision.outcome is not Outcome.PROCEED:
        assert app.calls == []  # R36: the method never ran
        reply = reply_for(decision, validators.response_headers(), add_date=False)
        assert_reply(wrapped, reply, method)
        return
    assert app.methods == [method]
    assert app.closed == 1
    bare = serve(make_app(status, headers, chunks, mode), environ(method, env_headers))
    expected = bare.headers
    if method in ("GET", "HEAD") and 200 <= status < 300:
        expected = [*bare.headers, *validators.response_headers()]  # the app set none
    assert (wrapped.status, wrapped.headers, wrapped.body) == (bare.status, expected, bare.body)
