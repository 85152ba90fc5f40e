"""The replies condget sends itself: 304 (R33, R39, R40), 412 (R34) and 428."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

import condget
from condget import (
    REPRESENTATION_HEADERS,
    Decision,
    Outcome,
    Precondition,
    Reply,
    Validators,
    evaluate,
    not_modified,
    parse_http_date,
    precondition_failed,
    precondition_required,
    reply_for,
)

DATE = ("Date", "Tue, 15 Nov 1994 08:12:31 GMT")

# The fields of a typical 200, and whether a 304 for it keeps each one.
KEPT_BY_304 = [
    # §15.4.5: a 304 MUST repeat these when the 200 would carry them (R33).
    pytest.param("Cache-Control", "max-age=60", id="cache_control"),
    pytest.param("Content-Location", "/doc.en", id="content_location"),
    pytest.param("Date", "Tue, 15 Nov 1994 08:12:31 GMT", id="date"),
    pytest.param("ETag", '"xyzzy"', id="etag"),
    pytest.param("Expires", "Thu, 01 Dec 1994 16:00:00 GMT", id="expires"),
    pytest.param("Vary", "Accept-Encoding", id="vary"),
    # Caches pick the stored response to freshen by these (R39).
    pytest.param("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT", id="last_modified"),
    # Not representation metadata: a 304 keeps them (STYLE §3 item 12).
    pytest.param("Set-Cookie", "a=b; Path=/", id="set_cookie"),
    pytest.param("Access-Control-Allow-Origin", "*", id="access_control_allow_origin"),
    pytest.param("Access-Control-Expose-Headers", "ETag", id="access_control_expose_headers"),
    pytest.param("X-Request-Id", "42", id="x_request_id"),
    pytest.param("Age", "3", id="age"),
    pytest.param("Content-Disposition", "inline", id="content_disposition"),
]
DROPPED_BY_304 = [
    # Metadata of a body the 304 does not carry, and the 200's framing (R33, R40).
    pytest.param("Content-Type", "text/html", id="content_type"),
    pytest.param("Content-Length", "1234", id="content_length"),
    pytest.param("Content-Encoding", "gzip", id="content_encoding"),
    pytest.param("Content-Language", "en", id="content_language"),
    pytest.param("Content-Range", "bytes 0-9/100", id="content_range"),
    pytest.param("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ==", id="content_md5"),
    pytest.param("Transfer-Encoding", "chunked", id="transfer_encoding"),
    pytest.param("Trailer", "Expires", id="trailer"),
]


@pytest.mark.parametrize(("name", "value"), KEPT_BY_304)
@pytest.mark.parametrize("spelling", [str, str.lower, str.upper], ids=["as_is", "lower", "upper"])
def test_304_keeps(name: str, value: str, spelling: Callable[[str], str]) -> None:
    field = (spelling(name), value)
    reply = not_modified([DATE, field] if name != "Date" else [field])
    assert field in reply.headers


@pytest.mark.parametrize(("name", "value"), DROPPED_BY_304)
@pytest.mark.parametrize("spelling", [str, str.lower, str.upper], ids=["as_is", "lower", "upper"])
def test_304_drops(name: str, value: str, spelling: Callable[[str], str]) -> None:
    reply = not_modified([DATE, (spelling(name), value)])
    assert reply.headers == [DATE]


def test_304_is_empty_and_keeps_order_and_repeats() -> None:
    headers = [
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1"),
        DATE,
        ("ETag", '"v"'),
        ("Content-Length", "5"),
        ("Set-Cookie", "b=2"),
    ]
    reply = not_modified(headers)
    assert reply == Reply(
        304,
        "Not Modified",
        [("Set-Cookie", "a=1"), DATE, ("ETag", '"v"'), ("Set-Cookie", "b=2")],
        b"",
    )


def test_representation_headers_constant() -> None:
    assert (
        frozenset(
            {
                "content-type",
                "content-encoding",
                "content-language",
                "content-range",
                "content-md5",
                "content-digest",
                "content-length",
                "transfer-encoding",
                "trailer",
            }
        )
        == REPRESENTATION_HEADERS
    )


def test_304_drop_override() -> None:
    headers = [DATE, ("Content-Type", "text/html"), ("Content-Disposition", "inline")]
    extended = not_modified(headers, drop=REPRESENTATION_HEADERS | {"content-disposition"})
    assert extended.headers == [DATE]
    nothing = not_modified(headers, drop=frozenset())
    assert nothing.headers == headers
    only_date = not_modified(headers, drop={"date"})
    assert only_date.headers[:2] == [
        ("Content-Type", "text/html"),
        ("Content-Disposition", "inline"),
    ]
    assert only_date.headers[2][0] == "Date"  # dropped, so added afresh


def assert_fresh_date(reply: Reply) -> None:
    dates = [value for name, value in reply.headers if name.lower() == "date"]
    assert len(dates) == 1
    parsed = parse_http_date(dates[0])
    assert parsed is not None
    assert abs(parsed.timestamp() - time.time()) < 5


@pytest.mark.parametrize(
    "build", [not_modified, precondition_failed, precondition_required], ids=["304", "412", "428"]
)
def test_date_is_added_only_when_missing(build: Callable[..., Reply]) -> None:
    # §6.6.1: an origin server with a clock MUST send Date on 2xx-4xx (R33, R34).
    assert_fresh_date(build([("ETag", '"v"')]))
    assert_fresh_date(build())
    given = build([("date", "Tue, 15 Nov 1994 08:12:31 GMT")])
    assert [field for field in given.headers if field[0].lower() == "date"] == [
        ("date", "Tue, 15 Nov 1994 08:12:31 GMT")
    ]


# --- 412 and 428 (R34; RFC 6585 §3) ---------------------------------------------

APP_200 = [
    ("Content-Type", "application/json"),
    ("Content-Length", "1234"),
    ("Content-Encoding", "gzip"),
    ("Content-Location", "/doc.json"),
    ("Cache-Control", "max-age=60"),
    ("Expires", "Thu, 01 Dec 1994 16:00:00 GMT"),
    ("Age", "3"),
    ("Transfer-Encoding", "chunked"),
    ("ETag", '"xyzzy"'),
    ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("Vary", "Accept-Encoding"),
    ("Set-Cookie", "a=b"),
    ("Access-Control-Allow-Origin", "*"),
    ("X-Request-Id", "42"),
    DATE,
]


@pytest.mark.parametrize(
    ("build", "status", "reason"),
    [
        (precondition_failed, 412, "Precondition Failed"),
        (precondition_required, 428, "Precondition Required"),
    ],
    ids=["412", "428"],
)
def test_error_replies(build: Callable[..., Reply], status: int, reason: str) -> None:
    reply = build(APP_200)
    assert (reply.status, reply.reason) == (status, reason)
    assert reply.body == f"{status} {reason}\n".encode()
    # The body and its framing agree; the 200's representation fields are gone.
    assert ("Content-Length", str(len(reply.body))) in reply.headers
    assert ("Content-Type", "text/plain; charset=utf-8") in reply.headers
    names = [name.lower() for name, _ in reply.headers]
    assert names.count("content-length") == 1
    assert names.count("content-type") == 1
    # An error must not advertise freshness, or a cache could store it.
    for gone in ("cache-control", "expires", "content-location", "age", "content-encoding"):
        assert gone not in names
    assert "transfer-encoding" not in names
    # What tells a client what to retry against, and what is not about the body, stays.
    for kept in (
        ("ETag", '"xyzzy"'),
        ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("Vary", "Accept-Encoding"),
        ("Set-Cookie", "a=b"),
        ("Access-Control-Allow-Origin", "*"),
        ("X-Request-Id", "42"),
        DATE,
    ):
        assert kept in reply.headers


# --- reply_for ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        (Decision(Outcome.PROCEED), None),
        (Decision(Outcome.PROCEED, range_allowed=True), None),
        (Decision(Outcome.NOT_MODIFIED, Precondition.IF_NONE_MATCH), 304),
        (Decision(Outcome.NOT_MODIFIED, Precondition.IF_MODIFIED_SINCE), 304),
        (Decision(Outcome.PRECONDITION_FAILED, Precondition.IF_MATCH), 412),
        (Decision(Outcome.PRECONDITION_FAILED, Precondition.IF_UNMODIFIED_SINCE), 412),
        (Decision(Outcome.PRECONDITION_FAILED, Precondition.IF_NONE_MATCH), 412),
        (Decision(Outcome.PRECONDITION_REQUIRED), 428),
    ],
    ids=str,
)
def test_reply_for(decision: Decision, status: int | None) -> None:
    reply = reply_for(decision, APP_200)
    assert (reply and reply.status) == status
    if status is not None:
        assert reply == {304: not_modified, 412: precondition_failed, 428: precondition_required}[
            status
        ](APP_200)


def test_304_carries_the_validators_caches_match_on() -> None:
    # R39 (RFC 9111 §4.3.4): a cache freshens the stored response whose
    # validators the 304 names, so it must carry the 200's ETag and
    # Last-Modified, whether built from the app's headers or before it runs.
    validators = Validators(
        '"xyzzy"', 784111777, headers=[("Cache-Control", "max-age=60"), ("Vary", "Accept")]
    )
    decision = evaluate(
        "GET",
        {"If-None-Match": '"xyzzy"', "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},
        etag=validators.etag,
        last_modified=validators.last_modified,
    )
    reply = reply_for(decision, validators.response_headers())
    assert reply is not None
    assert reply.status == 304
    assert reply.headers[:4] == [
        ("ETag", '"xyzzy"'),
        ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("Cache-Control", "max-age=60"),
        ("Vary", "Accept"),
    ]
    from_app = reply_for(decision, APP_200)
    assert from_app is not None
    assert ("ETag", '"xyzzy"') in from_app.headers
    assert ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT") in from_app.headers


def test_reply_is_frozen() -> None:
    reply = condget.not_modified()
    with pytest.raises(AttributeError):
        reply.status = 200  # type: ignore[misc]
