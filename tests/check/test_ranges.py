"""The Range and If-Range checks: a 200 is always allowed, a wrong 206 never is."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from condget._check import _http
from condget._check._registry import Status
from tests.check.support import BODY, Origin, Seen, response, verdicts

SPAN = "bytes=1-8"  # what the single-range probes ask for
PART = BODY[1:9]
FULL = len(BODY)


def answering(reply: Callable[[Seen], bytes | None], **knobs: object) -> Origin:
    return dataclasses.replace(Origin(**knobs), override=reply)  # type: ignore[arg-type]


def on_range(spec: str, reply: bytes, *, if_range: bool | None = None) -> Origin:
    """An origin answering ``reply`` to ``Range: spec`` (with or without If-Range, or either)."""

    def answer(seen: Seen) -> bytes | None:
        if seen.method != "GET" or seen.get("Range") != spec:
            return None
        if if_range is not None and (seen.get("If-Range") is not None) != if_range:
            return None
        return reply

    return answering(answer)


def partial(content_range: str | None, body: bytes = PART, **fields: str) -> bytes:
    headers = [
        ("Content-Type", "text/plain"),
        ("ETag", '"v1"'),
        ("Date", "Thu, 01 Jan 2026 00:00:00 GMT"),
    ]
    headers += [("Cache-Control", "max-age=60")]
    if content_range is not None:
        headers.append(("Content-Range", content_range))
    headers = [(n, v) for n, v in headers if n not in fields] + list(fields.items())
    return response(206, headers, body)


def check(origin: Origin, name: str, status: Status, summary: str = "") -> None:
    verdict = verdicts(origin)[name]
    assert verdict.status is status, verdict
    assert summary in verdict.summary


@pytest.mark.parametrize(
    ("reply", "status", "summary"),
    [
        (partial(None), Status.FAIL, "no Content-Range"),
        (partial("bytes 1-8"), Status.FAIL, "is not 'bytes first-last/length'"),
        (partial("bytes 1-8/999"), Status.FAIL, f"gives length 999, not {FULL}"),
        (partial(f"bytes 8-1/{FULL}"), Status.FAIL, "is no range of the"),
        (partial(f"bytes 1-{FULL}/{FULL}"), Status.FAIL, "is no range of the"),
        (partial(f"bytes 1-9/{FULL}"), Status.FAIL, "announces 9 bytes, not 8"),
        (partial(f"bytes 1-8/{FULL}", b"x" * 8), Status.FAIL, "is not bytes 1-8"),
        (partial("bytes 1-8/*"), Status.PASS, "→ 206"),
        (partial(f"bytes 1-4/{FULL}", BODY[1:5]), Status.WARN, "with bytes 1-4 only"),
        (partial(None, **{"Content-Type": "multipart/byteranges; boundary=x"}), Status.FAIL,
         "a multipart 206"),
        (response(416), Status.WARN, "SHOULD get 206"),
        (response(400), Status.WARN, "SHOULD get 206"),
        (response(500), Status.FAIL, "→ 500"),
    ],
)  # fmt: skip
def test_range_single(reply: bytes, status: Status, summary: str) -> None:
    check(on_range(SPAN, reply), "range-single", status, summary)


def test_a_server_without_ranges_skips_them() -> None:
    found = verdicts(Origin(ranges=False))
    assert found["range-single"].status is Status.SKIP
    assert "ignores Range, as it MAY" in found["range-single"].summary
    for name in ("range-206-headers", "range-multiple", "if-range-strong", "if-range-weak",
                 "if-range-stale", "if-range-date", "if-range-date-older"):  # fmt: skip
        assert found[name].status is Status.SKIP, name
    assert found["range-unsatisfiable"].status is Status.PASS
    assert found["range-large-numbers"].status is Status.PASS


@pytest.mark.parametrize(
    ("body", "skipped"),
    [
        (b"", ["range-single", "range-unsatisfiable", "range-large-numbers", "range-multiple"]),
        (b"x", ["range-single", "range-large-numbers", "range-multiple"]),
        (b"xy", ["range-multiple"]),
    ],
)
def test_short_representations(body: bytes, skipped: list[str]) -> None:
    found = verdicts(Origin(body=body))
    assert [name for name in skipped if found[name].status is not Status.SKIP] == []


def test_a_representation_too_long_to_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "MAX_BODY", 100)
    found = verdicts(Origin(), writes=True)
    for name in ("range-single", "range-multiple", "range-unsatisfiable", "range-large-numbers",
                 "if-range-date", "writes-put-if-match", "writes-put-ius"):  # fmt: skip
        assert found[name].status is Status.SKIP, name
        assert (
            "longer than the checker reads" in found[name].summary
            or "ignores" in found[name].summary
        )
    assert found["head-content-length"].status is Status.PASS  # the header's length counts


@pytest.mark.parametrize(
    ("fields", "summary"),
    [
        ({"Date": "", "Cache-Control": ""}, "no Cache-Control, no Date"),
        ({"ETag": '"v2"'}, 'ETag "v2"'),
    ],
)
def test_range_206_headers(fields: dict[str, str], summary: str) -> None:
    reply = partial(f"bytes 1-8/{FULL}")
    for name, value in fields.items():
        reply = (
            reply.replace(f"\r\n{name}: ".encode(), f"\r\nX-{name}: ".encode())
            if not value
            else reply
        )
        if value:
            reply = reply.replace(b'ETag: "v1"', f"ETag: {value}".encode())
    check(on_range(SPAN, reply), "range-206-headers", Status.FAIL, summary)


def multipart(
    parts: list[tuple[str | None, str | None, bytes]],
    *,
    boundary: str = "b0und",
    close: bool = True,
    top: str | None = None,
    ctype: str | None = None,
) -> bytes:
    content = b""
    for part_type, content_range, data in parts:
        head = "".join(
            f"{name}: {value}\r\n"
            for name, value in (("Content-Type", part_type), ("Content-Range", content_range))
            if value is not None
        )
        content += f"--{boundary}\r\n{head}\r\n".encode() + data + b"\r\n"
    if close:
        content += f"--{boundary}--\r\n".encode()
    headers = [("Content-Type", ctype or f"multipart/byteranges; boundary={boundary}")]
    if top is not None:
        headers.append(("Content-Range", top))
    return response(206, headers, content)


FIRST = ("text/plain", f"bytes 0-0/{FULL}", BODY[:1])
LAST = ("text/plain", f"bytes {FULL - 1}-{FULL - 1}/{FULL}", BODY[-1:])


@pytest.mark.parametrize(
    ("reply", "status", "summary"),
    [
        (multipart([FIRST, LAST]), Status.PASS, "2 parts"),
        (multipart([LAST, FIRST]), Status.WARN, "not in the order asked for"),
        (multipart([FIRST]), Status.WARN, "do not hold both ranges"),
        (multipart([(None, *FIRST[1:]), LAST]), Status.WARN, "lacks the representation's"),
        (multipart([FIRST, LAST], ctype="multipart/byteranges"), Status.FAIL, "without a boundary"),
        (multipart([FIRST, LAST], top=f"bytes 0-0/{FULL}"), Status.FAIL, "in the header"),
        (multipart([FIRST, LAST], close=False), Status.FAIL, "no closing delimiter"),
        (multipart([("text/plain", f"bytes 0-1/{FULL}", BODY[:1]), LAST]), Status.FAIL, "part 1:"),
        (partial(f"bytes 0-{FULL - 1}/{FULL}", BODY), Status.PASS, "→ 206"),
        (partial(f"bytes 0-8/{FULL}", BODY[:9]), Status.WARN, "with bytes 0-8 only"),
        (response(200, [("Content-Type", "text/plain")], BODY), Status.SKIP, "only single ranges"),
        (response(416), Status.WARN, "SHOULD get 206"),
    ],
)  # fmt: skip
def test_range_multiple(reply: bytes, status: Status, summary: str) -> None:
    check(on_range("bytes=0-0,-1", reply), "range-multiple", status, summary)


def test_a_part_without_a_header_has_no_content_range() -> None:
    reply = multipart([(None, None, BODY[:1]), LAST])
    check(
        on_range("bytes=0-0,-1", reply), "range-multiple", Status.FAIL, "part 1: no Content-Range"
    )


def test_a_part_without_a_blank_line_has_no_content_range() -> None:
    content = f"--b\r\nContent-Range: bytes 0-0/{FULL}\r\n0\r\n--b--\r\n".encode()
    reply = response(206, [("Content-Type", "multipart/byteranges; boundary=b")], content)
    check(
        on_range("bytes=0-0,-1", reply), "range-multiple", Status.FAIL, "part 1: no Content-Range"
    )


UNSATISFIABLE = f"bytes={FULL}-"


@pytest.mark.parametrize(
    ("reply", "status", "summary"),
    [
        (response(416), Status.WARN, "Content-Range: None"),
        (response(416, [("Content-Range", "bytes */1")]), Status.WARN, f"not bytes */{FULL}"),
        (partial(f"bytes 1-8/{FULL}"), Status.FAIL, "starts past the end"),
        (response(200, [], BODY), Status.WARN, "SHOULD get 416"),
        (response(500), Status.FAIL, "→ 500"),
    ],
)
def test_range_unsatisfiable(reply: bytes, status: Status, summary: str) -> None:
    check(on_range(UNSATISFIABLE, reply), "range-unsatisfiable", status, summary)


@pytest.mark.parametrize(
    ("spec", "name", "reply", "status"),
    [
        ("items=0-1", "range-invalid-unit", response(416), Status.FAIL),
        ("bytes=abc", "range-malformed", partial(f"bytes 1-8/{FULL}"), Status.FAIL),
        ("bytes=abc", "range-malformed", response(500), Status.WARN),
        ("bytes=abc", "range-malformed", response(416), Status.PASS),
        ("bytes=1-" + "9" * 20, "range-large-numbers", response(500), Status.FAIL),
        ("bytes=1-" + "9" * 20, "range-large-numbers", response(416), Status.PASS),
        ("bytes=1-" + "9" * 20, "range-large-numbers", response(200, [], BODY), Status.PASS),
    ],
)
def test_odd_ranges(spec: str, name: str, reply: bytes, status: Status) -> None:
    check(on_range(spec, reply), name, status)


def test_range_on_head_must_be_ignored() -> None:
    def answer(seen: Seen) -> bytes | None:
        return partial("bytes 0-0/1", b"") if seen.method == "HEAD" and seen.get("Range") else None

    check(answering(answer), "range-head", Status.FAIL, "MUST be ignored on HEAD")


def _deaf_to_if_range() -> Origin:
    plain = Origin()

    def answer(seen: Seen) -> bytes | None:
        if seen.get("If-Range") is None:
            return None
        kept = [(n, v) for n, v in seen.headers if n.lower() != "if-range"]
        return plain(Seen(seen.method, seen.path, kept))

    return answering(answer)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("if-range-strong", Status.PASS),
        ("if-range-weak", Status.FAIL),
        ("if-range-stale", Status.FAIL),
        ("if-range-date", Status.PASS),
        ("if-range-date-older", Status.FAIL),
    ],
)
def test_if_range_ignored(name: str, status: Status) -> None:
    check(_deaf_to_if_range(), name, status)


def test_if_range_that_drops_a_matching_range_warns() -> None:
    full = response(200, [("Content-Type", "text/plain")], BODY)
    check(on_range(SPAN, full, if_range=True), "if-range-strong", Status.WARN, "SHOULD be served")
    check(
        on_range(SPAN, full, if_range=True),
        "if-range-date",
        Status.PASS,
        "holds Last-Modified weak",
    )


@pytest.mark.parametrize(
    ("knobs", "skipped"),
    [
        ({"etag": 'W/"v1"'}, ["if-range-strong"]),
        ({"etag": None}, ["if-range-strong", "if-range-weak"]),
        ({"last_modified": None}, ["if-range-date", "if-range-date-older"]),
    ],
)
def test_if_range_checks_that_do_not_apply(
    knobs: dict[str, str | None], skipped: list[str]
) -> None:
    found = verdicts(Origin(**knobs))  # type: ignore[arg-type]
    assert [name for name in skipped if found[name].status is not Status.SKIP] == []
