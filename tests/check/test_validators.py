"""The Validators, HEAD and Content coding checks, each against an origin with one defect."""

from __future__ import annotations

import itertools

import pytest

from condget._check._registry import Status
from tests.check.support import BODY, LAST_MODIFIED, Origin, Seen, response, statuses, verdicts


def test_a_correct_origin_passes_every_check_that_applies() -> None:
    found = statuses(Origin())
    assert {key for key, status in found.items() if status is not Status.PASS} == {
        "error-inm-etag",  # its 404 has no ETag
        "encoding-etag-differs",  # no gzip
        "encoding-vary",
        "writes-put-if-match",  # no --writes
        "writes-put-ius",
        "writes-delete-if-match",
        "writes-delete-ius",
    }


@pytest.mark.parametrize(
    ("etag", "check", "status", "summary"),
    [
        (None, "etag-present", Status.WARN, "no ETag"),
        (None, "etag-syntax", Status.SKIP, "no ETag"),
        ("v1", "etag-syntax", Status.FAIL, "is not an entity-tag"),
        ('W/"v1"', "etag-syntax", Status.PASS, 'weak entity-tag W/"v1"'),
        (None, "etag-stable", Status.SKIP, "no valid ETag"),
    ],
)
def test_etag_field(etag: str | None, check: str, status: Status, summary: str) -> None:
    verdict = verdicts(Origin(etag=etag))[check]
    assert verdict.status is status
    assert summary in verdict.summary


def _twice(name: str, value: str) -> Origin:
    origin = Origin()

    def add(seen: Seen) -> bytes:
        reply = origin.__class__(**{**origin.__dict__, "override": None})(seen)
        return reply.replace(b"\r\n\r\n", f"\r\n{name}: {value}\r\n\r\n".encode(), 1)

    origin.override = add
    return origin


def test_two_etag_fields_fail() -> None:
    verdict = verdicts(_twice("ETag", '"v2"'))["etag-syntax"]
    assert verdict.status is Status.FAIL
    assert "2 ETag fields" in verdict.summary


def test_two_last_modified_fields_fail() -> None:
    verdict = verdicts(_twice("Last-Modified", "Wed, 01 Jan 2025 12:00:00 GMT"))
    assert verdict["last-modified-syntax"].status is Status.FAIL


def _counting(origin: Origin, change: str) -> Origin:
    """``origin``, but every plain GET after the first changes ``change``: "tag", "body" or both."""
    counter = itertools.count()
    body, etag = origin.body, origin.etag

    def vary(seen: Seen) -> bytes | None:
        plain = not any(n.lower().startswith("if-") or n == "Range" for n, _ in seen.headers)
        if seen.method == "GET" and plain and seen.path == origin.path and next(counter):
            origin.body = body + b"!" if "body" in change else body
            origin.etag = '"v2"' if "tag" in change else etag
        return None

    origin.override = vary
    return origin


@pytest.mark.parametrize(
    ("etag", "change", "status", "summary"),
    [
        ('"v1"', "body", Status.FAIL, 'the strong ETag "v1" labels two different bodies'),
        ('W/"v1"', "body", Status.PASS, 'W/"v1" again'),
        ('"v1"', "tag", Status.WARN, "the body did not change"),
        ('"v1"', "tag+body", Status.WARN, "the body changed too"),
    ],
)
def test_etag_stable(etag: str, change: str, status: Status, summary: str) -> None:
    verdict = verdicts(_counting(Origin(etag=etag), change))["etag-stable"]
    assert verdict.status is status
    assert summary in verdict.summary


def test_changing_content_skips_the_length_checks() -> None:
    found = verdicts(_counting(Origin(etag='W/"v1"'), "body"))
    for check in ("head-content-length", "head-validators", "not-modified-content-length"):
        assert found[check].status is Status.SKIP, check


@pytest.mark.parametrize(
    ("etag", "last_modified", "check", "status"),
    [
        (None, None, "last-modified-present", Status.WARN),
        ('"v1"', None, "last-modified-present", Status.SKIP),
        (None, None, "last-modified-syntax", Status.SKIP),
        ('"v1"', "yesterday", "last-modified-syntax", Status.FAIL),
        ('"v1"', "Wednesday, 01-Jan-25 12:00:00 GMT", "last-modified-syntax", Status.FAIL),
        ('"v1"', "Fri, 01 Jan 2027 00:00:00 GMT", "last-modified-not-future", Status.FAIL),
        ('"v1"', None, "last-modified-not-future", Status.SKIP),
    ],
)
def test_last_modified_field(
    etag: str | None, last_modified: str | None, check: str, status: Status
) -> None:
    assert statuses(Origin(etag=etag, last_modified=last_modified))[check] is status


def _head(
    change: dict[str, str | None] | None = None,
    *,
    status: int = 200,
    body: bytes = b"",
    last_modified: str | None = LAST_MODIFIED,
) -> Origin:
    origin = Origin(last_modified=last_modified)
    fields = {"Content-Length": str(len(BODY)), **(change or {})}

    def head(seen: Seen) -> bytes | None:
        if seen.method != "HEAD" or seen.get("If-None-Match") or seen.get("Range"):
            return None
        headers = [(n, v) for n, v in origin.headers() if n not in fields]
        headers += [(n, v) for n, v in fields.items() if v is not None]
        return response(status, headers, body, length=False)

    origin.override = head
    return origin


@pytest.mark.parametrize(
    ("origin", "check", "status", "summary"),
    [
        (_head(status=404), "head-status", Status.FAIL, "HEAD answered 404"),
        (_head(body=b"oops"), "head-no-body", Status.FAIL, "4+ bytes"),
        (_head({"Content-Length": "0"}), "head-content-length", Status.FAIL, "Content-Length: 0"),
        (_head({"Content-Length": None}), "head-content-length", Status.PASS, "no Content-Length"),
        (_head({"ETag": None}), "head-validators", Status.PASS, "HEAD omits ETag, as it may"),
        (_head({"ETag": '"v2"'}), "head-validators", Status.WARN, 'ETag "v2" (GET: "v1")'),
        (_head({"Last-Modified": "Thu, 02 Jan 2025 12:00:00 GMT"}), "head-validators", Status.WARN,
         "Last-Modified Thu, 02 Jan 2025"),
    ],
)  # fmt: skip
def test_head(origin: Origin, check: str, status: Status, summary: str) -> None:
    verdict = verdicts(origin)[check]
    assert verdict.status is status
    assert summary in verdict.summary


def test_head_validators_ignore_a_validator_the_get_lacks() -> None:
    origin = _head({"Last-Modified": LAST_MODIFIED}, last_modified=None)
    assert statuses(origin)["head-validators"] is Status.PASS


def _gzip(tag: str | None, vary: bool) -> Origin:
    origin = Origin(gzip=True)

    def coded(seen: Seen) -> bytes | None:
        if seen.get("Accept-Encoding") != "gzip":
            return None
        reply = Origin(gzip=True)(seen)
        reply = reply.replace(b'ETag: "v1-gzip"', f"ETag: {tag}".encode() if tag else b"X-No: tag")
        return reply if vary else reply.replace(b"Vary: Accept-Encoding", b"X-Vary: no")

    origin.override = coded
    return origin


@pytest.mark.parametrize(
    ("origin", "check", "status"),
    [
        (Origin(gzip=True), "encoding-etag-differs", Status.PASS),
        (Origin(gzip=True), "encoding-vary", Status.PASS),
        (_gzip('"v1"', vary=True), "encoding-etag-differs", Status.WARN),
        (_gzip('W/"v1"', vary=True), "encoding-etag-differs", Status.PASS),
        (_gzip(None, vary=True), "encoding-etag-differs", Status.PASS),
        (_gzip('"v1"', vary=False), "encoding-vary", Status.WARN),
    ],
)
def test_content_coding(origin: Origin, check: str, status: Status) -> None:
    assert statuses(origin)[check] is status


def test_content_coding_without_a_200_is_skipped() -> None:
    origin = Origin()
    origin.override = lambda seen: response(406) if seen.get("Accept-Encoding") == "gzip" else None
    assert statuses(origin)["encoding-vary"] is Status.SKIP


def test_a_head_without_etag_that_ignores_if_none_match_only_warns() -> None:
    plain = Origin()

    def head(seen: Seen) -> bytes | None:
        if seen.method != "HEAD":
            return None
        fields = [(n, v) for n, v in plain.headers() if n != "ETag"]
        return response(200, [*fields, ("Content-Length", str(len(BODY)))], length=False)

    verdict = verdicts(Origin(override=head))["head-inm"]
    assert verdict.status is Status.WARN
    assert "this server's HEAD omits the ETag" in verdict.summary
