"""The checks of If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since and the 304."""

from __future__ import annotations

import dataclasses

import pytest

from condget._check._registry import Status
from tests.check.support import (
    BODY,
    LAST_MODIFIED,
    Origin,
    Seen,
    replace_header,
    response,
    verdicts,
)


def ignoring(origin: Origin, *names: str) -> Origin:
    """``origin``, deaf to the request fields ``names``."""
    plain = dataclasses.replace(origin)

    def deaf(seen: Seen) -> bytes:
        kept = [(n, v) for n, v in seen.headers if n.lower() not in {x.lower() for x in names}]
        return plain(Seen(seen.method, seen.path, kept, seen.body))

    return dataclasses.replace(origin, override=deaf)


def when(origin: Origin, field: str, reply: bytes, value: str | None = None) -> Origin:
    """``origin``, answering ``reply`` to requests with ``field`` (equal to ``value``, if given)."""

    def answer(seen: Seen) -> bytes | None:
        got = seen.get(field)
        return reply if got is not None and value in (None, got) else None

    return dataclasses.replace(origin, override=answer)


def check(origin: Origin, name: str, status: Status, summary: str = "") -> None:
    verdict = verdicts(origin)[name]
    assert verdict.status is status, verdict
    assert summary in verdict.summary


@pytest.mark.parametrize(
    ("fields", "name", "status", "summary"),
    [
        (["If-None-Match"], "inm-exact", Status.FAIL, 'If-None-Match: "v1" → 200, not 304'),
        (["If-None-Match"], "inm-star", Status.FAIL, "* matches any current representation"),
        (["If-None-Match"], "head-inm", Status.FAIL, "HEAD gets 304 like GET"),
        (["If-Modified-Since"], "ims-exact", Status.WARN, "SHOULD be 304"),
        (["If-Modified-Since"], "ims-later", Status.WARN, "match dates exactly"),
        (["If-Modified-Since"], "ims-future", Status.PASS, "treats a future date as invalid"),
        (["If-Match"], "if-match-stale", Status.FAIL, "MUST NOT be performed"),
        (["If-Match"], "if-match-weak", Status.FAIL, "strong comparison"),
        (["If-Unmodified-Since"], "ius-older", Status.FAIL, "→ 200, not 412"),
    ],
)
def test_ignored_fields(fields: list[str], name: str, status: Status, summary: str) -> None:
    check(ignoring(Origin(), *fields), name, status, summary)


def test_a_cache_may_ignore_if_match() -> None:
    origin = ignoring(Origin(extra=[("Age", "3")]), "If-Match")
    check(origin, "if-match-stale", Status.WARN, "a cache answered")


def test_a_refusal_other_than_412_warns() -> None:
    origin = when(Origin(), "If-Match", response(403, [("Content-Type", "text/plain")], b"no"))
    check(origin, "if-match-stale", Status.WARN, "→ 403, not 412")


def test_a_server_error_fails() -> None:
    check(when(Origin(), "If-None-Match", response(500)), "inm-exact", Status.FAIL, "→ 500")


def test_a_304_for_a_true_condition_fails() -> None:
    origin = when(
        Origin(), "If-None-Match", Origin()(Seen("GET", "/page", [("If-None-Match", "*")]))
    )
    check(origin, "inm-mismatch", Status.FAIL, "→ 304, not 200")
    check(origin, "inm-beats-ims-mismatch", Status.FAIL, "MUST be ignored")


def test_a_strict_weak_comparison_fails() -> None:
    origin = when(Origin(), "If-None-Match", Origin()(Seen("GET", "/page", [])), 'W/"v1"')
    check(origin, "inm-weak-comparison", Status.FAIL, "weak comparison")


@pytest.mark.parametrize(
    ("origin", "skipped"),
    [
        (Origin(etag=None), ["inm-exact", "inm-weak-comparison", "inm-list", "inm-malformed",
                             "inm-beats-ims-match", "head-inm", "if-match-strong",
                             "if-match-weak"]),
        (Origin(etag='""'), ["inm-malformed"]),
        (Origin(etag='W/"v1"'), ["if-match-strong"]),
        (Origin(last_modified=None), ["ims-exact", "ims-older", "ims-later", "ims-future",
                                      "inm-beats-ims-mismatch", "inm-beats-ims-match",
                                      "ius-older", "ius-current"]),
        (Origin(date=None), ["ims-later"]),
        (Origin(date=LAST_MODIFIED), ["ims-later"]),
    ],
)  # fmt: skip
def test_checks_that_do_not_apply_are_skipped(origin: Origin, skipped: list[str]) -> None:
    found = verdicts(origin)
    assert [name for name in skipped if found[name].status is not Status.SKIP] == []


def test_a_future_date_is_counted_from_the_checkers_clock_without_date() -> None:
    check(Origin(date=None), "ims-future", Status.PASS, "→ 304")


def test_a_weak_current_tag_is_compared_both_ways() -> None:
    found = verdicts(Origin(etag='W/"v1"'))
    assert found["inm-weak-comparison"].summary.startswith('If-None-Match: "v1" → 304')
    assert found["if-match-weak"].status is Status.PASS


# ---------------------------------------------------------------- the 304


def _not_modified(change: dict[str, str | None], body: bytes = b"") -> Origin:
    """An origin whose 304s get ``change`` applied to their header, and ``body`` after it."""
    plain = Origin()

    def alter(seen: Seen) -> bytes:
        reply = plain(seen)
        if not reply.startswith(b"HTTP/1.1 304"):
            return reply
        for name, value in change.items():
            reply = replace_header(reply, name, value)
        return reply + body

    return dataclasses.replace(plain, override=alter)


@pytest.mark.parametrize(
    ("change", "name", "status", "summary"),
    [
        ({"Date": None, "Cache-Control": None}, "not-modified-headers", Status.FAIL,
         "no Cache-Control, no Date"),
        ({"ETag": '"v2"'}, "not-modified-headers", Status.FAIL, 'ETag "v2", the 200\'s is "v1"'),
        ({"ETag": None}, "not-modified-headers", Status.FAIL, "no ETag"),
        ({"Content-Length": "0"}, "not-modified-content-length", Status.FAIL, "Content-Length: 0"),
        ({"Content-Length": str(len(BODY))}, "not-modified-content-length", Status.PASS,
         f"Content-Length: {len(BODY)}"),
        ({"Content-Type": "text/plain"}, "not-modified-metadata", Status.WARN, "Content-Type"),
    ],
)  # fmt: skip
def test_the_304(change: dict[str, str | None], name: str, status: Status, summary: str) -> None:
    check(_not_modified(change), name, status, summary)


def test_content_after_a_304_fails() -> None:
    check(_not_modified({}, b"surprise"), "not-modified-no-body", Status.FAIL, "8+ bytes")


def test_the_304_is_found_by_date_or_by_star() -> None:
    assert (
        "If-Modified-Since"
        in verdicts(Origin(etag=None))["not-modified-headers"].request.headers[0]
    )
    by_star = verdicts(Origin(etag=None, last_modified=None))["not-modified-headers"]
    assert by_star.request is not None
    assert by_star.request.headers == (("If-None-Match", "*"),)


def test_no_304_skips_the_304_checks() -> None:
    found = verdicts(ignoring(Origin(), "If-None-Match", "If-Modified-Since"))
    for name in ("not-modified-headers", "not-modified-content-length", "not-modified-metadata",
                 "not-modified-no-body"):  # fmt: skip
        assert found[name].status is Status.SKIP


# ---------------------------------------------------------------- non-2xx


def test_a_404_with_an_etag_is_probed_with_it() -> None:
    check(
        Origin(missing_etag='"gone"'), "error-inm-etag", Status.PASS, 'If-None-Match: "gone" → 404'
    )


def test_a_404_with_an_invalid_etag_is_not_probed() -> None:
    check(Origin(missing_etag="gone"), "error-inm-etag", Status.SKIP, "no valid ETag")


def test_a_catch_all_route_skips_the_non_2xx_checks() -> None:
    origin = Origin()
    origin.override = lambda seen: Origin()(Seen(seen.method, "/page", seen.headers))
    found = verdicts(origin)
    for name in ("error-inm-star", "error-inm-etag", "error-if-match"):
        assert found[name].status is Status.SKIP
        assert "answered 200" in found[name].summary


def _on_missing(status: int, field: str) -> Origin:
    origin = Origin()

    def answer(seen: Seen) -> bytes | None:
        if seen.path != "/page" and seen.get(field) is not None:
            return response(status)
        return None

    origin.override = answer
    return origin


@pytest.mark.parametrize(
    ("status", "field", "name", "verdict"),
    [
        (304, "If-None-Match", "error-inm-star", Status.FAIL),
        (412, "If-Match", "error-if-match", Status.FAIL),
        (400, "If-None-Match", "error-inm-star", Status.WARN),
    ],
)
def test_preconditions_on_a_404(status: int, field: str, name: str, verdict: Status) -> None:
    check(_on_missing(status, field), name, verdict, f"→ {status}, the plain GET 404")
