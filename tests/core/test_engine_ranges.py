"""Ranges in the response engine (R42-R52): when a 200 becomes a 206 or a 416, and when not."""

from __future__ import annotations

import email.parser

import pytest

from condget import Conditions, Reply, format_http_date
from condget.engine import FORWARD, HOLD, IGNORE, Emit, Exchange, Partial, Release

BODY = b"0123456789" * 10  # 100 bytes
LENGTH = [("Content-Type", "text/plain"), ("Content-Length", "100"), ("ETag", '"s1"')]
ACCEPT = ("Accept-Ranges", "bytes")


def ranged(field: str, **fields: str) -> Conditions:
    return Conditions(range=field, **fields)


def cut(engine: Exchange, chunks: list[bytes]) -> tuple[Partial, bytes]:
    """Feed ``chunks`` after a start that waits for the body; the 206 and its bytes."""
    first = engine.body(chunks[0], more=len(chunks) > 1)
    assert isinstance(first, Partial)
    body = first.body
    for index, chunk in enumerate(chunks[1:], 2):
        step = engine.body(chunk, more=index < len(chunks))
        if step is IGNORE:
            break
        assert isinstance(step, Emit)
        body += step.body
        if step.last:
            break
    return first, body


def test_a_200_with_a_length_advertises_ranges() -> None:  # R51
    engine = Exchange("GET", Conditions(), auto_etag=False)
    assert engine.start(200, LENGTH) == Release([ACCEPT], [])
    assert Exchange("HEAD", Conditions()).start(200, LENGTH) == Release([ACCEPT], [])


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param([("Content-Type", "text/plain")], id="no_length"),
        pytest.param([*LENGTH, ("Content-Encoding", "gzip")], id="content_coded_r51"),
        pytest.param([*LENGTH, ("Accept-Ranges", "none")], id="app_refuses"),
    ],
)
def test_no_ranges_without_a_length_over_a_coding_or_against_the_apps_word(
    headers: list[tuple[str, str]],
) -> None:
    engine = Exchange("GET", ranged("bytes=0-9"), auto_etag=False)
    assert engine.start(200, headers) is FORWARD


def test_the_apps_own_accept_ranges_is_not_repeated() -> None:
    engine = Exchange("GET", Conditions(), auto_etag=False)
    assert engine.start(200, [*LENGTH, ("Accept-Ranges", "bytes")]) is FORWARD


@pytest.mark.parametrize("status", [201, 206, 404])
def test_only_a_200_is_cut(status: int) -> None:  # R52: an app's own 206 is its own
    engine = Exchange("GET", ranged("bytes=0-9"), auto_etag=False)
    assert engine.start(status, [*LENGTH, ("Content-Range", "bytes 0-99/200")]) is FORWARD


def test_one_range_is_cut_as_the_body_streams() -> None:  # R47
    engine = Exchange("GET", ranged("bytes=15-24"), auto_etag=False)
    assert engine.start(200, LENGTH) is HOLD  # waits for the body's form
    partial, body = cut(engine, [BODY[:10], BODY[10:20], BODY[20:30], BODY[30:]])
    assert body == BODY[15:25]
    headers = dict(partial.headers)
    assert headers["Content-Range"] == "bytes 15-24/100"
    assert headers["Content-Length"] == "10"
    assert headers["ETag"] == '"s1"'  # R50
    assert headers["Accept-Ranges"] == "bytes"
    assert engine.body(b"more", more=False) is IGNORE  # done: the rest is never sent


def test_several_ranges_are_multipart() -> None:  # R48
    engine = Exchange("GET", ranged("bytes=0-4,90-"), auto_etag=False)
    engine.start(200, LENGTH)
    partial, body = cut(engine, [BODY[:50], BODY[50:]])
    headers = dict(partial.headers)
    assert headers["Content-Type"].startswith("multipart/byteranges; boundary=")
    assert int(headers["Content-Length"]) == len(body)
    assert "Content-Range" not in headers
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body
    )
    parts = [(part["Content-Range"], part.get_payload(decode=True)) for part in message.walk()][1:]
    assert parts == [("bytes 0-4/100", BODY[:5]), ("bytes 90-99/100", BODY[90:])]


def test_an_unsatisfiable_range_gets_416() -> None:  # R45
    engine = Exchange("GET", ranged("bytes=100-"), auto_etag=False)
    reply = engine.start(200, LENGTH)
    assert isinstance(reply, Reply)
    assert reply.status == 416
    assert ("Content-Range", "bytes */100") in reply.headers
    assert dict(reply.headers)["Content-Length"] == str(len(reply.body))


@pytest.mark.parametrize(
    "field",
    ["items=0-1", "bytes=5-1", "bytes=0-1,2-3,4-5", "bytes=50-59,0-9", "bytes=" + "0-," * 200],
    ids=["unit_r43", "invalid_r44", "too_many", "out_of_order", "abuse_r49"],
)
def test_ignored_ranges_get_the_full_200(field: str) -> None:
    engine = Exchange("GET", ranged(field), auto_etag=False, max_ranges=2)
    assert engine.start(200, LENGTH) == Release([ACCEPT], [])


def test_preconditions_come_first() -> None:  # R42
    not_modified = Exchange("GET", ranged("bytes=0-9", if_none_match='"s1"'))
    assert isinstance(not_modified.start(200, LENGTH), Reply)
    failed = Exchange("GET", ranged("bytes=0-9", if_match='"other"'))
    reply = failed.start(200, LENGTH)
    assert isinstance(reply, Reply)
    assert reply.status == 412


def test_if_range_decides() -> None:  # R46
    stale = Exchange("GET", ranged("bytes=0-9", if_range='"s0"'), auto_etag=False)
    assert stale.start(200, LENGTH) == Release([ACCEPT], [])
    current = Exchange("GET", ranged("bytes=0-9", if_range='"s1"'), auto_etag=False)
    assert current.start(200, LENGTH) is HOLD
    old = format_http_date(0)
    dated = Exchange("GET", ranged("bytes=0-9", if_range=old), auto_etag=False)
    assert dated.start(200, [*LENGTH, ("Last-Modified", old)]) is HOLD


def test_head_ignores_range() -> None:  # R42
    engine = Exchange("HEAD", ranged("bytes=0-9"))
    assert engine.start(200, LENGTH) == Release([ACCEPT], [])


def test_a_held_body_is_cut_once_tagged() -> None:
    engine = Exchange("GET", ranged("bytes=-3"))
    assert engine.start(200, [("Content-Type", "text/plain")], complete=True) is HOLD
    assert engine.body(b"hello ", more=True) is HOLD
    partial = engine.body(b"world", more=False)
    assert isinstance(partial, Partial)
    assert (partial.body, partial.last) == (b"rld", True)
    assert dict(partial.headers)["Content-Range"] == "bytes 8-10/11"
    assert dict(partial.headers)["ETag"].startswith('W/"')  # the whole body's tag


def test_a_body_given_by_path_gets_the_full_200() -> None:
    engine = Exchange("GET", ranged("bytes=0-9"), auto_etag=False)
    assert engine.start(200, LENGTH) is HOLD
    assert engine.opaque_body() == Release([ACCEPT], [])
    assert engine.opaque_body() is FORWARD


def test_a_body_shorter_than_announced_ends_the_206_short() -> None:
    engine = Exchange("GET", ranged("bytes=90-99"), auto_etag=False)
    engine.start(200, LENGTH)
    first = engine.body(BODY[:50], more=True)
    assert isinstance(first, Partial)
    assert not first.last
    assert engine.body(BODY[50:60], more=False) == Emit(b"", True)
    assert engine.cutting is False


def test_a_range_after_a_pre_dispatch_check() -> None:
    from condget import Validators

    engine = Exchange("GET", ranged("bytes=0-1", if_range='"v1"'), fill=Validators('"v1"'))
    assert engine.start(200, [("Content-Length", "5")]) is HOLD
    partial = engine.body(b"hello", more=False)
    assert isinstance(partial, Partial)
    assert partial.body == b"he"
    assert ("ETag", '"v1"') in partial.headers
