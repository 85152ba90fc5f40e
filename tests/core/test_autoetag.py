"""AutoETag: which responses get a computed weak tag, and that it names the identity bytes."""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Any

import pytest

from condget import ETag
from condget.engine import AutoETag, ETagHasher

BODY = b"<p>Hello, conditional world.</p>\n" * 40


def identity_tag(body: bytes) -> ETag:
    hasher = ETagHasher()
    hasher.update(body)
    return hasher.etag(weak=True)


def tag_of(encoded: bytes, coding: str | None, chunk_size: int | None = None) -> ETag | None:
    headers = [] if coding is None else [("Content-Encoding", coding)]
    auto = AutoETag.for_response(200, headers, complete=True)
    assert auto is not None
    step = chunk_size or max(len(encoded), 1)
    for start in range(0, len(encoded), step):
        auto.update(encoded[start : start + step])
    return auto.etag()


# --- Eligibility ---------------------------------------------------------------

LENGTH = ("Content-Length", "10")


@pytest.mark.parametrize(
    ("status", "headers", "complete", "eligible"),
    [
        pytest.param(200, [LENGTH], False, True, id="200_with_length"),
        pytest.param(200, [], True, True, id="200_complete_body"),
        pytest.param(201, [LENGTH], False, True, id="201"),
        pytest.param(203, [LENGTH], False, True, id="203"),
        pytest.param(299, [LENGTH], False, True, id="299"),
        pytest.param(199, [LENGTH], False, False, id="1xx"),
        pytest.param(206, [LENGTH], True, False, id="206_partial_content"),
        pytest.param(301, [LENGTH], True, False, id="redirect"),
        pytest.param(304, [], True, False, id="304"),
        pytest.param(404, [LENGTH], True, False, id="404"),
        pytest.param(500, [LENGTH], True, False, id="500"),
        pytest.param(200, [], False, False, id="length_unknown_and_incomplete"),
        pytest.param(200, [("ETag", '"app"')], True, False, id="the_apps_own_etag"),
        pytest.param(200, [("etag", 'W/"app"')], True, False, id="the_apps_own_etag_lowercase"),
        pytest.param(200, [("Content-Range", "bytes 0-9/99")], True, False, id="content_range"),
        pytest.param(200, [("Cache-Control", "no-store")], True, False, id="no_store"),
        pytest.param(
            200, [("cache-control", "private, No-Store")], True, False, id="no_store_list"
        ),
        pytest.param(200, [("Cache-Control", "no-cache")], True, True, id="no_cache_is_fine"),
        pytest.param(
            200, [("Content-Type", "text/event-stream")], True, False, id="server_sent_events"
        ),
        pytest.param(
            200,
            [("Content-Type", "Text/Event-Stream; charset=utf-8")],
            True,
            False,
            id="server_sent_events_with_parameter",
        ),
        pytest.param(200, [("Content-Type", "text/html")], True, True, id="html"),
        pytest.param(200, [("Content-Encoding", "identity")], True, True, id="identity"),
        pytest.param(200, [("Content-Encoding", "gzip")], True, True, id="gzip"),
        pytest.param(200, [("Content-Encoding", " GZIP ")], True, True, id="gzip_any_case"),
        pytest.param(200, [("Content-Encoding", "x-gzip")], True, True, id="x_gzip"),
        pytest.param(200, [("Content-Encoding", "deflate")], True, True, id="deflate"),
        pytest.param(200, [("Content-Encoding", "br")], True, False, id="br"),
        pytest.param(200, [("Content-Encoding", "zstd")], True, False, id="zstd"),
        pytest.param(200, [("Content-Encoding", "compress")], True, False, id="compress"),
        pytest.param(200, [("Content-Encoding", "gzip, br")], True, False, id="gzip_then_br"),
        pytest.param(200, [("Content-Encoding", "gzip, gzip")], True, False, id="gzip_twice"),
    ],
)
def test_eligibility(
    status: int, headers: list[tuple[str, str]], complete: bool, eligible: bool
) -> None:
    auto = AutoETag.for_response(status, headers, complete=complete)
    assert (auto is not None) is eligible


def test_eligibility_reads_a_mapping() -> None:
    assert AutoETag.for_response(200, {"Content-Length": "3"}, complete=False) is not None
    assert AutoETag.for_response(200, {"ETag": '"a"'}, complete=True) is None


# --- The tag names the identity bytes -----------------------------------------

ENCODINGS = [
    pytest.param(None, lambda body: body, id="no_coding"),
    pytest.param("identity", lambda body: body, id="identity"),
    pytest.param("gzip", lambda body: gzip.compress(body, mtime=0), id="gzip"),
    pytest.param(
        "gzip",
        lambda body: gzip.compress(body, mtime=12345, compresslevel=1),
        id="gzip_other_settings",
    ),
    pytest.param("x-gzip", lambda body: gzip.compress(body), id="x_gzip"),
    pytest.param("deflate", zlib.compress, id="deflate"),
]


@pytest.mark.parametrize(("coding", "encode"), ENCODINGS)
@pytest.mark.parametrize("chunk_size", [None, 1, 7, 4096], ids=["whole", "1", "7", "4096"])
def test_every_coding_gives_the_identity_tag(
    coding: str | None, encode: Any, chunk_size: int | None
) -> None:
    tag = tag_of(encode(BODY), coding, chunk_size)
    assert tag == identity_tag(BODY)
    assert tag is not None
    assert tag.weak


@pytest.mark.parametrize(("coding", "encode"), ENCODINGS)
def test_large_compressible_body(coding: str | None, encode: Any) -> None:
    # Far more identity bytes than one decompression step (64 KiB) holds.
    body = os.urandom(1000) + bytes(3 * 1024 * 1024) + os.urandom(1000)
    assert tag_of(encode(body), coding, 64 * 1024) == identity_tag(body)


def test_different_bodies_get_different_tags() -> None:
    assert tag_of(b"a", None) != tag_of(b"b", None)
    assert tag_of(gzip.compress(b"a"), "gzip") != tag_of(gzip.compress(b"b"), "gzip")


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        pytest.param(None, b"", id="empty_identity"),
        pytest.param("gzip", b"", id="empty_gzip_body"),
        pytest.param("gzip", gzip.compress(b""), id="gzip_of_empty_content"),
        pytest.param("deflate", zlib.compress(b""), id="deflate_of_empty_content"),
        pytest.param("gzip", b"not gzip at all", id="corrupt_gzip"),
        pytest.param("gzip", gzip.compress(BODY)[:-4], id="gzip_without_its_trailer"),
        pytest.param("gzip", gzip.compress(BODY)[:30], id="gzip_truncated_mid_stream"),
        pytest.param("gzip", gzip.compress(BODY)[:5], id="gzip_truncated_in_header"),
        pytest.param(
            "gzip",
            gzip.compress(BODY)[:20] + b"\xff" * 8 + gzip.compress(BODY)[28:],
            id="gzip_corrupt_data",
        ),
        pytest.param("deflate", zlib.compress(BODY)[2:], id="raw_deflate_sent_as_deflate"),
        pytest.param("deflate", zlib.compress(BODY)[:-1], id="deflate_bad_checksum"),
        pytest.param("gzip", gzip.compress(BODY) + b"junk", id="bytes_after_the_gzip_stream"),
        pytest.param("deflate", zlib.compress(BODY) + b"\x00", id="bytes_after_the_zlib_stream"),
        pytest.param("gzip", gzip.compress(BODY) + gzip.compress(b"more"), id="second_gzip_member"),
    ],
)
def test_no_tag(coding: str | None, encoded: bytes) -> None:
    # Empty, undecodable, truncated, or with bytes the hash would not see:
    # the response goes out untagged rather than with a tag that could lie.
    assert tag_of(encoded, coding) is None
    assert tag_of(encoded, coding, 3) is None


def test_second_gzip_member_in_a_later_chunk() -> None:
    auto = AutoETag.for_response(200, [("Content-Encoding", "gzip")], complete=True)
    assert auto is not None
    auto.update(gzip.compress(b"first"))
    auto.update(gzip.compress(b"second"))
    auto.update(b"ignored after the failure")
    assert auto.etag() is None


def test_empty_chunks_are_nothing() -> None:
    auto = AutoETag.for_response(200, [], complete=True)
    assert auto is not None
    auto.update(b"")
    assert auto.etag() is None
    auto.update(b"x")
    auto.update(b"")
    assert auto.etag() == identity_tag(b"x")


@pytest.mark.parametrize("coding", [None, "gzip"])
def test_etag_can_be_asked_twice(coding: str | None) -> None:
    auto = AutoETag.for_response(
        200, [] if coding is None else [("Content-Encoding", coding)], complete=True
    )
    assert auto is not None
    auto.update(BODY if coding is None else gzip.compress(BODY))
    assert auto.etag() == auto.etag() == identity_tag(BODY)


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br", "compress"])
def test_direct_construction_refuses_a_coding_it_cannot_decode(coding: str) -> None:
    # Hashing br bytes as if they were the content would let one tag name two
    # contents' worth of encodings; only gzip and deflate can be undone here.
    with pytest.raises(ValueError, match="cannot recover"):
        AutoETag(coding)


@pytest.mark.parametrize(
    ("cache_control", "tagged"),
    [
        pytest.param("no-store", False, id="no_store"),
        pytest.param("private, NO-STORE", False, id="case_insensitive"),
        pytest.param('no-cache="x", no-store', False, id="after_quoted_argument"),
        pytest.param("max-age=60, x-no-store-ish", True, id="extension_containing_no_store"),
        pytest.param('private="no-store"', True, id="no_store_inside_an_argument"),
        pytest.param("no-storex", True, id="longer_token"),
    ],
)
def test_no_store_is_matched_as_a_directive(cache_control: str, tagged: bool) -> None:
    headers = [("Cache-Control", cache_control), ("Content-Length", "1")]
    assert (AutoETag.for_response(200, headers, complete=False) is not None) is tagged
