"""The response engine, driven directly: event sequences in, steps out (STYLE §5).

Each adapter's protocol tests then only check the translation; the rules are
pinned here once.
"""

from __future__ import annotations

import gzip
import time

import pytest

from condget import Conditions, Reply, Validators, format_http_date, precondition_failed
from condget.engine import (
    CHUNK_COST,
    DROP,
    FETCH_GET,
    FORWARD,
    HOLD,
    IGNORE,
    AutoETag,
    EngineError,
    Exchange,
    Release,
    check_before,
    fill_for,
)

NO_CONDITIONS = Conditions()
TAG = '"v1"'
LENGTH = [("Content-Type", "text/plain"), ("Content-Length", "5")]


def tag_of(*chunks: bytes) -> str:
    tagger = AutoETag()
    for chunk in chunks:
        tagger.update(chunk)
    return str(tagger.etag())


def test_needed_only_for_get_tags_and_decisive_fields() -> None:
    assert Exchange.needed("GET", NO_CONDITIONS, auto_etag=True)
    assert not Exchange.needed("GET", NO_CONDITIONS, auto_etag=False, ranges=False)
    assert Exchange.needed("GET", NO_CONDITIONS, auto_etag=False)  # Accept-Ranges
    assert not Exchange.needed("HEAD", NO_CONDITIONS, auto_etag=True, ranges=False)  # §9.3.2
    assert Exchange.needed("HEAD", Conditions(if_none_match=TAG), auto_etag=False)
    assert not Exchange.needed("PUT", Conditions(if_match=TAG), auto_etag=True)  # R36
    assert Exchange.needed("GET", Conditions(range="bytes=0-1"), auto_etag=False)
    assert not Exchange.needed("GET", Conditions(range="bytes=0-1"), auto_etag=False, ranges=False)


@pytest.mark.parametrize("status", [301, 304, 404, 500])
def test_non_2xx_is_forwarded(status: int) -> None:
    engine = Exchange("GET", Conditions(if_none_match="*"))
    assert engine.start(status, [("ETag", TAG)]) is FORWARD  # R28
    assert engine.body(b"x", more=False) is FORWARD


def test_app_etag_decides_at_the_start() -> None:
    engine = Exchange("GET", Conditions(if_none_match=TAG))
    step = engine.start(200, [("ETag", TAG), *LENGTH])
    assert isinstance(step, Reply)
    assert (step.status, step.body) == (304, b"")
    assert engine.body(b"hello", more=False) is IGNORE


def test_bytes_headers_decide_like_str_ones() -> None:
    engine = Exchange("GET", Conditions(if_match='"v0"'))
    step = engine.start(200, [(b"etag", TAG.encode()), (b"content-length", b"5")])
    assert isinstance(step, Reply)
    assert step.status == 412
    assert ("etag", TAG) in step.headers


def test_auto_etag_holds_then_releases_with_the_tag() -> None:
    engine = Exchange("GET", NO_CONDITIONS, ranges=False)
    assert engine.start(200, LENGTH) is HOLD
    assert engine.holding
    assert engine.body(b"hel", more=True) is HOLD
    step = engine.body(b"lo", more=False)
    assert step == Release([("ETag", tag_of(b"hello"))], [b"hel", b"lo"])
    assert engine.body(b"", more=False) is FORWARD


def test_auto_etag_304() -> None:
    engine = Exchange("GET", Conditions(if_none_match=tag_of(b"hello")))
    engine.start(200, LENGTH)
    step = engine.body(b"hello", more=False)
    assert isinstance(step, Reply)
    assert step.status == 304
    assert ("ETag", tag_of(b"hello")) in step.headers


def test_without_length_only_a_complete_body_is_held() -> None:
    engine = Exchange("GET", NO_CONDITIONS, ranges=False)
    assert engine.start(200, []) is HOLD
    assert engine.body(b"event", more=True) == Release([], [b"event"])  # perhaps a stream
    complete = Exchange("GET", NO_CONDITIONS, ranges=False)
    assert complete.start(200, [], complete=True) is HOLD
    assert complete.body(b"a", more=True) is HOLD
    assert complete.body(b"b", more=False) == Release([("ETag", tag_of(b"ab"))], [b"a", b"b"])


def test_max_buffer_counts_bytes_and_chunks() -> None:
    fits = Exchange("GET", NO_CONDITIONS, ranges=False, max_buffer=10 + 2 * CHUNK_COST)
    fits.start(200, [("Content-Length", "10")])
    fits.body(b"x" * 5, more=True)
    assert isinstance(fits.body(b"x" * 5, more=False), Release)
    over = Exchange("GET", NO_CONDITIONS, ranges=False, max_buffer=10 + 2 * CHUNK_COST - 1)
    over.start(200, [("Content-Length", "10")])
    over.body(b"x" * 5, more=True)
    assert over.body(b"x" * 5, more=False) == Release([], [b"x" * 5, b"x" * 5])


def test_a_declared_length_over_max_buffer_is_never_held() -> None:
    engine = Exchange("GET", NO_CONDITIONS, ranges=False, max_buffer=4)
    assert engine.start(200, LENGTH) is FORWARD


@pytest.mark.parametrize("length", ["", "abc", "9" * 30])
def test_a_length_that_is_no_number_is_not_trusted(length: str) -> None:
    engine = Exchange("GET", NO_CONDITIONS, ranges=False, max_buffer=4)
    assert engine.start(200, [("Content-Length", length)]) is HOLD
    assert isinstance(engine.body(b"12345", more=False), Release)  # over: given up


def test_decompression_is_bounded_too() -> None:
    # Issue 9, defect 4: a small gzip body that inflates hugely stops being
    # hashed at 8 x max_buffer identity bytes, and streams untagged.
    bomb = gzip.compress(b"\0" * (4 * 1024 * 1024))
    engine = Exchange("GET", NO_CONDITIONS, ranges=False, max_buffer=len(bomb) + 1024)
    engine.start(200, [("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb)))])
    started = time.process_time()
    step = engine.body(bomb, more=False)
    assert step == Release([], [bomb])
    assert time.process_time() - started < 5  # generous: the bound is about work, not speed


def test_a_conditional_head_without_a_tag_fetches_the_get() -> None:
    """Its tag must be the GET's (§9.3.2): not hashed from the HEAD's own body, if any."""
    engine = Exchange("HEAD", Conditions(if_none_match='"x"'), ranges=False)
    assert engine.start(200, LENGTH) is HOLD
    assert engine.body(b"", more=False) is FETCH_GET
    with_body = Exchange("HEAD", Conditions(if_none_match='"x"'), ranges=False)
    with_body.start(200, LENGTH)
    assert with_body.body(b"hel", more=True) is HOLD
    assert with_body.body(b"lo", more=False) is FETCH_GET
    empty = Exchange("HEAD", Conditions(if_none_match='"x"'), ranges=False)
    empty.start(200, [("Content-Length", "0")])
    assert empty.body(b"", more=False) == Release([], [])  # an empty representation: no tag
    unconditional = Exchange("HEAD", NO_CONDITIONS, ranges=False)
    assert unconditional.start(200, LENGTH) is FORWARD  # may omit the tag (§9.3.2)


def test_the_get_for_a_head_is_hashed_and_dropped() -> None:
    engine = Exchange("GET", Conditions(if_none_match='"x"'), fetched_for_head=True, ranges=False)
    assert engine.start(200, LENGTH) is HOLD
    assert engine.body(b"hel", more=True) is HOLD
    assert engine.body(b"lo", more=False) == Release([("ETag", tag_of(b"hello"))], [])
    assert engine.body(b"", more=False) is DROP
    matching = Exchange("GET", Conditions(if_none_match=tag_of(b"hello")), fetched_for_head=True)
    matching.start(200, LENGTH)
    reply = matching.body(b"hello", more=False)
    assert isinstance(reply, Reply)
    assert (reply.status, reply.body) == (304, b"")
    errors = Exchange("GET", NO_CONDITIONS, fetched_for_head=True, ranges=False)
    assert errors.start(404, []) is FORWARD
    assert errors.body(b"not found", more=False) is DROP


def test_opaque_body_decides_without_a_tag() -> None:
    engine = Exchange("GET", NO_CONDITIONS, ranges=False)
    engine.start(200, LENGTH)
    assert engine.opaque_body() == Release([], [])
    assert engine.opaque_body() is FORWARD
    replied = Exchange("GET", Conditions(if_modified_since=format_http_date(0)))
    replied.start(200, [*LENGTH, ("Last-Modified", format_http_date(0))])
    reply = replied.opaque_body()
    assert isinstance(reply, Reply)
    assert reply.status == 304


def test_failed_releases_what_was_held() -> None:
    engine = Exchange("GET", NO_CONDITIONS, ranges=False)
    engine.start(200, LENGTH)
    engine.body(b"he", more=True)
    assert engine.failed() == Release([], [b"he"])
    assert engine.failed() is None


def test_events_out_of_order_fail_loudly() -> None:
    with pytest.raises(EngineError):
        Exchange("GET", NO_CONDITIONS, ranges=False).body(b"x", more=False)
    engine = Exchange("GET", NO_CONDITIONS, ranges=False)
    engine.start(200, [("ETag", TAG)])
    with pytest.raises(EngineError):
        engine.start(200, [])
    holding = Exchange("GET", NO_CONDITIONS, ranges=False)
    holding.start(200, LENGTH)
    holding.body(b"x", more=True)
    with pytest.raises(EngineError):
        holding.start(500, [])


def test_a_restart_before_any_body_is_allowed() -> None:
    # PEP 3333: start_response again with exc_info, before the body.
    engine = Exchange("GET", NO_CONDITIONS, ranges=False)
    assert engine.start(200, LENGTH) is HOLD
    assert not engine.body_seen
    assert engine.start(500, []) is FORWARD


def test_fill_adds_the_hooks_fields_to_a_2xx_get() -> None:
    validators = Validators(TAG, headers={"Cache-Control": "no-cache"})
    engine = Exchange("GET", NO_CONDITIONS, fill=validators)
    step = engine.start(200, [(b"content-type", b"text/plain")])
    assert step == Release([("ETag", TAG), ("Cache-Control", "no-cache")], [])
    assert (
        Exchange("GET", NO_CONDITIONS, fill=validators).start(
            200, [("ETag", '"own"'), ("Cache-Control", "x")]
        )
        is FORWARD
    )
    assert Exchange("PUT", NO_CONDITIONS, fill=validators).start(200, []) is FORWARD
    assert fill_for("GET", None, [], validators) == validators.response_headers()
    assert fill_for("GET", 404, [], validators) == []


def test_check_before_replies_with_an_empty_body_to_head() -> None:
    validators = Validators(TAG)
    reply = check_before("HEAD", Conditions(if_match='"v0"'), validators)
    assert reply is not None
    assert (reply.status, reply.body) == (412, b"")
    assert check_before("GET", Conditions(if_match=TAG), validators) is None


def test_last_modified_later_than_now_is_sent_and_evaluated_as_now() -> None:
    # Issue 9, defect 5: §8.8.2.1, an origin MUST NOT send a Last-Modified later than Date.
    future = int(time.time()) + 3600
    validators = Validators(last_modified=future)
    sent = dict(validators.response_headers())
    assert sent["Last-Modified"] != format_http_date(future)
    # Evaluated as now: a client's If-Modified-Since of now is not modified.
    reply = check_before("GET", Conditions(if_modified_since=format_http_date()), validators)
    assert reply is not None
    assert reply.status == 304
    assert validators.last_modified_at(future - 10) == future - 10


@pytest.mark.parametrize(
    "name",
    [
        "Content-Disposition",
        "Content-Digest",
        "Repr-Digest",
        "Accept-Ranges",
        "Content-Location",
        "Cache-Control",
        "Expires",
    ],
)
def test_412_drops_body_metadata_of_the_200(name: str) -> None:
    # Issue 9, defect 6: a browser must not save "412 Precondition Failed" as report.pdf.
    headers = [("ETag", TAG), (name, "x"), ("X-Request-Id", "abc"), ("Set-Cookie", "a=1")]
    reply = precondition_failed(headers)
    names = {field for field, _ in reply.headers}
    assert name not in names
    assert {"ETag", "X-Request-Id", "Set-Cookie", "Content-Type", "Content-Length"} <= names


def test_304_drops_content_digest_but_keeps_repr_digest() -> None:
    engine = Exchange("GET", Conditions(if_none_match=TAG))
    reply = engine.start(
        200, [("ETag", TAG), ("Content-Digest", "sha-256=:x:"), ("Repr-Digest", "sha-256=:y:")]
    )
    assert isinstance(reply, Reply)
    names = {name for name, _ in reply.headers}
    assert "Repr-Digest" in names
    assert "Content-Digest" not in names


def test_fields_of_our_lengths_that_are_not_ours_are_passed_over() -> None:
    engine = Exchange("GET", Conditions(if_none_match=TAG))
    reply = engine.start(
        200, [("X-Powered-By", "x"), ("ETag", TAG), ("Cache-Control", "a"), ("Cache-Control", "b")]
    )
    assert isinstance(reply, Reply)
    assert ("Cache-Control", "a") in reply.headers
