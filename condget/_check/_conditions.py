"""Checks of the preconditions a GET or HEAD can carry (RFC 9110 §13.1, §13.2) and of the 304.

condget's own :func:`condget.evaluate` says what the answer should be (the
oracle); each check decides how far a different answer is from the RFC: a
MUST broken is a fail, a SHOULD a warning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from condget import ETag, evaluate, format_http_date

from ._http import Exchange
from ._registry import Status, Verdict, check, failed, passed, skipped, verdict, warned
from ._target import Context, missing_fields

__all__ = ["expected_status", "judge", "older", "shown"]

_INM = "If-None-Match"
_IMS = "If-Modified-Since"
_NOT_MODIFIED = "304 Not Modified"
_ERRORS = "Non-2xx responses"
_IF_MATCH = "If-Match"
_IUS = "If-Unmodified-Since"
_DAY = timedelta(days=1)
_NO_ETAG = "no valid ETag"
_NO_DATE = "no valid Last-Modified"


def shown(headers: Sequence[tuple[str, str]]) -> str:
    """The fields a probe adds, as the report shows them."""
    return "; ".join(f"{name}: {value}" for name, value in headers)


def expected_status(ctx: Context, method: str, headers: Sequence[tuple[str, str]]) -> int:
    """What RFC 9110 says this request gets, according to condget's core: 304, 412 or 200."""
    target = ctx.target
    decision = evaluate(method, list(headers), etag=target.etag, last_modified=target.last_modified)
    return decision.status or 200


def judge(
    ctx: Context,
    key: str,
    headers: Sequence[tuple[str, str]],
    why: str,
    *,
    method: str = "GET",
    miss: Status = Status.FAIL,
) -> Verdict:
    """Send a precondition probe and grade its status against the oracle's.

    Args:
        ctx: The check's context.
        key: The probe's name.
        headers: The conditional fields to send.
        why: The rule, said in the summary when the answer differs.
        method: GET or HEAD.
        miss: The status for a 2xx where a 304 was due: ``FAIL`` for the
            MUSTs of If-None-Match, ``WARN`` for the SHOULD of
            If-Modified-Since, ``PASS`` where the RFC allows either.
    """
    exchange = ctx.probe(key, method, headers)
    got = exchange.response.status
    want = expected_status(ctx, method, headers)
    if got == want:
        return passed(f"{shown(headers)} → {got}", exchange)
    summary = f"{shown(headers)} → {got}, not {want}: {why}"
    successful = 200 <= got < 300
    if want == 304 and successful:
        return verdict(miss, summary, exchange)
    if want == 412 and successful and ctx.target.behind_cache:
        return warned(f"{summary} (but a cache answered, and caches MAY ignore it)", exchange)
    if want == 412 and 400 <= got < 500:
        return warned(summary, exchange)  # not performed, but 412 is the status for it
    return failed(summary, exchange)


def older(ctx: Context) -> str:
    """One day before Last-Modified, as an IMF-fixdate."""
    assert ctx.target.last_modified is not None
    return format_http_date(ctx.target.last_modified - _DAY)


# ---------------------------------------------------------------- If-None-Match


@check(
    "inm-exact",
    _INM,
    "13.1.2",
    "If-None-Match with the current ETag MUST get 304 on GET.",
)
def _inm_exact(ctx: Context) -> Verdict:
    if ctx.target.etag is None:
        return skipped(_NO_ETAG)
    headers = [(_INM, str(ctx.target.etag_text))]
    return judge(ctx, "inm-exact", headers, "a matching If-None-Match MUST get 304")


@check(
    "inm-weak-comparison",
    _INM,
    "13.1.2",
    'If-None-Match uses weak comparison: W/"x" and "x" match each other, so 304.',
)
def _inm_weak_comparison(ctx: Context) -> Verdict:
    tag = ctx.target.etag
    if tag is None:
        return skipped(_NO_ETAG)
    other = ETag(tag.opaque, weak=not tag.weak)
    why = "If-None-Match uses weak comparison, which ignores W/"
    return judge(ctx, "inm-weak", [(_INM, str(other))], why)


@check(
    "inm-list",
    _INM,
    "13.1.2",
    "If-None-Match with a list that holds the current ETag MUST get 304.",
)
def _inm_list(ctx: Context) -> Verdict:
    if ctx.target.etag is None:
        return skipped(_NO_ETAG)
    value = f'"condget-check-other-{ctx.session.token}", {ctx.target.etag_text}'
    return judge(ctx, "inm-list", [(_INM, value)], "a list matches when any member does")


@check(
    "inm-mismatch",
    _INM,
    "13.1.2",
    "If-None-Match with no matching tag is true: the full 200, never 304.",
)
def _inm_mismatch(ctx: Context) -> Verdict:
    why = "no listed tag matches, so the condition is true"
    return judge(ctx, "inm-mismatch", [(_INM, ctx.stale_tag())], why)


@check(
    "inm-star",
    _INM,
    "13.1.2",
    "If-None-Match: * is false whenever a current representation exists, ETag or not: 304.",
)
def _inm_star(ctx: Context) -> Verdict:
    return judge(ctx, "inm-star", [(_INM, "*")], "* matches any current representation")


@check(
    "inm-malformed",
    _INM,
    "13.1.2",
    "An If-None-Match that is not a list of entity-tags (an unquoted tag) is true: 200.",
)
def _inm_malformed(ctx: Context) -> Verdict:
    tag = ctx.target.etag
    if tag is None or not tag.opaque:
        return skipped("no valid, non-empty ETag")
    why = "an unquoted tag is not an entity-tag, so nothing matches"
    return judge(ctx, "inm-malformed", [(_INM, tag.opaque)], why)


# ---------------------------------------------------------------- If-Modified-Since


@check(
    "ims-exact",
    _IMS,
    "13.1.3",
    "If-Modified-Since equal to Last-Modified SHOULD get 304.",
)
def _ims_exact(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None:
        return skipped(_NO_DATE)
    headers = [(_IMS, str(ctx.target.last_modified_text))]
    return judge(ctx, "ims-exact", headers, "not modified since: SHOULD be 304", miss=Status.WARN)


@check(
    "ims-older",
    _IMS,
    "13.1.3",
    "If-Modified-Since before Last-Modified is true: the full 200, never 304.",
)
def _ims_older(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None:
        return skipped(_NO_DATE)
    why = "modified after that date, so the condition is true"
    return judge(ctx, "ims-older", [(_IMS, older(ctx))], why)


@check(
    "ims-later",
    _IMS,
    "13.1.3",
    "If-Modified-Since between Last-Modified and now SHOULD get 304 (servers that match "
    "dates exactly only lose the 304).",
)
def _ims_later(ctx: Context) -> Verdict:
    target = ctx.target
    if target.last_modified is None or target.date is None:
        return skipped("needs a valid Last-Modified and Date")
    if target.date - target.last_modified < timedelta(seconds=2):
        return skipped("Last-Modified is less than 2 s before Date: no date in between")
    between = target.last_modified + (target.date - target.last_modified) / 2
    why = "not modified since, so SHOULD be 304 (this server seems to match dates exactly)"
    headers = [(_IMS, format_http_date(between))]
    return judge(ctx, "ims-later", headers, why, miss=Status.WARN)


@check(
    "ims-future",
    _IMS,
    "13.1.3",
    "If-Modified-Since in the future: 304 by the rule, 200 tolerated (RFC 9110 dropped "
    "RFC 2616's 'invalid'); never anything else.",
)
def _ims_future(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None:
        return skipped(_NO_DATE)
    future = (ctx.target.date or datetime.now(UTC)) + _DAY
    why = "this server treats a future date as invalid, which RFC 9110 tolerates"
    headers = [(_IMS, format_http_date(future))]
    return judge(ctx, "ims-future", headers, why, miss=Status.PASS)


@check(
    "ims-invalid",
    _IMS,
    "13.1.3",
    "An If-Modified-Since that is not an HTTP-date MUST be ignored: 200.",
)
def _ims_invalid(ctx: Context) -> Verdict:
    why = "a value that is not an HTTP-date MUST be ignored"
    return judge(ctx, "ims-invalid", [(_IMS, "condget-check-not-a-date")], why)


@check(
    "inm-beats-ims-mismatch",
    _IMS,
    "13.1.3",
    "With If-None-Match present, If-Modified-Since MUST be ignored: an unmatched tag and "
    "a current date get 200.",
)
def _inm_beats_ims_mismatch(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None:
        return skipped(_NO_DATE)
    headers = [(_INM, ctx.stale_tag()), (_IMS, str(ctx.target.last_modified_text))]
    why = "If-Modified-Since MUST be ignored when If-None-Match is present"
    return judge(ctx, "inm-beats-ims-mismatch", headers, why)


@check(
    "inm-beats-ims-match",
    _IMS,
    "13.1.3",
    "With If-None-Match present, If-Modified-Since MUST be ignored: a matching tag and an "
    "old date get 304.",
)
def _inm_beats_ims_match(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None or ctx.target.etag is None:
        return skipped("needs a valid ETag and Last-Modified")
    headers = [(_INM, str(ctx.target.etag_text)), (_IMS, older(ctx))]
    why = "If-Modified-Since MUST be ignored when If-None-Match is present"
    return judge(ctx, "inm-beats-ims-match", headers, why)


# ---------------------------------------------------------------- the 304


def _not_modified(ctx: Context) -> Exchange | None:
    for key in ("inm-exact", "ims-exact", "inm-star"):
        exchange = ctx.session.sent_exchange(key)
        if exchange is not None and exchange.response.status == 304:
            return exchange
    return None


_NO_304 = "no 304 came back to look at"


@check(
    "not-modified-headers",
    _NOT_MODIFIED,
    "15.4.5",
    "A 304 MUST carry the Cache-Control, Content-Location, Date, ETag, Expires and Vary the "
    "200 would carry (caches match and freshen their copy with them).",
)
def _not_modified_headers(ctx: Context) -> Verdict:
    exchange = _not_modified(ctx)
    if exchange is None:
        return skipped(_NO_304)
    baseline = ctx.target.response
    problems = [f"no {name}" for name in missing_fields(baseline, exchange.response)]
    tag = exchange.response.get("ETag")
    if tag is not None and baseline.get("ETag") is not None and tag != baseline.get("ETag"):
        problems.append(f"ETag {tag}, the 200's is {baseline.get('ETag')}")
    if problems:
        return failed("the 304 has " + ", ".join(problems), exchange)
    return passed("the 304 repeats the 200's required fields", exchange)


@check(
    "not-modified-content-length",
    _NOT_MODIFIED,
    "8.6",
    "A Content-Length on a 304 MUST equal the 200's content length (no Content-Length: 0).",
)
def _not_modified_content_length(ctx: Context) -> Verdict:
    exchange = _not_modified(ctx)
    if exchange is None:
        return skipped(_NO_304)
    length = exchange.response.get("Content-Length")
    expected = ctx.content_length()
    if expected is None:
        return skipped("the content differs between two GETs, or its length is unknown")
    if length is not None and length.strip() != expected:
        summary = f"Content-Length: {length} on the 304, the 200's content has {expected}"
        return failed(summary, exchange)
    return passed("no Content-Length" if length is None else f"Content-Length: {length}", exchange)


@check(
    "not-modified-metadata",
    _NOT_MODIFIED,
    "15.4.5",
    "A 304 SHOULD NOT carry other representation metadata (Content-Type, Content-Encoding, "
    "Content-Language, Content-Range): caches copy it onto their stored 200.",
)
def _not_modified_metadata(ctx: Context) -> Verdict:
    exchange = _not_modified(ctx)
    if exchange is None:
        return skipped(_NO_304)
    names = ("Content-Type", "Content-Encoding", "Content-Language", "Content-Range")
    present = [name for name in names if exchange.response.get(name) is not None]
    if present:
        return warned(f"the 304 carries {', '.join(present)}", exchange)
    return passed("no representation metadata", exchange)


@check(
    "not-modified-no-body",
    _NOT_MODIFIED,
    "15.4.5",
    "A 304 ends at its header: no content, no trailers.",
)
def _not_modified_no_body(ctx: Context) -> Verdict:
    exchange = _not_modified(ctx)
    if exchange is None:
        return skipped(_NO_304)
    if exchange.response.leftover:
        size = len(exchange.response.leftover)
        return failed(f"{size}+ bytes of content after the 304", exchange)
    return passed("no content", exchange)


# ---------------------------------------------------------------- non-2xx


def _missing_url(ctx: Context) -> str:
    """A path next to the target's that should not exist."""
    parts = urlsplit(ctx.target.url)
    directory = parts.path.rpartition("/")[0]
    path = f"{directory}/condget-check-missing-{ctx.session.token}"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _on_error_page(ctx: Context, key: str, headers: Sequence[tuple[str, str]] | None) -> Verdict:
    plain = ctx.probe("missing", url=_missing_url(ctx))
    status = plain.response.status
    if 200 <= status < 300:
        return skipped(f"a missing path answered {status}: no non-2xx response to probe", plain)
    if headers is None:
        return skipped(f"the {status} has no valid ETag", plain)
    exchange = ctx.probe(key, headers=headers, url=_missing_url(ctx))
    got = exchange.response.status
    if got == status:
        return passed(f"{shown(headers)} → {got}, as without it", exchange)
    summary = f"{shown(headers)} → {got}, the plain GET {status}"
    if got in (304, 412):
        return failed(f"{summary}: preconditions MUST be ignored on a non-2xx", exchange)
    return warned(f"{summary}: preconditions should change nothing here", exchange)


@check(
    "error-inm-star",
    _ERRORS,
    "13.2.1",
    "Preconditions MUST be ignored when the response would be non-2xx: If-None-Match: * on a "
    "404 stays 404.",
)
def _error_inm_star(ctx: Context) -> Verdict:
    return _on_error_page(ctx, "missing-inm-star", [(_INM, "*")])


@check(
    "error-inm-etag",
    _ERRORS,
    "13.2.1",
    "If-None-Match with the 404's own ETag stays 404, never 304.",
)
def _error_inm_etag(ctx: Context) -> Verdict:
    page = ctx.probe("missing", url=_missing_url(ctx)).response
    values = page.values("ETag")
    valid = len(values) == 1 and ETag.parse_or_none(values[0]) is not None
    headers = [(_INM, values[0].strip())] if valid else None
    return _on_error_page(ctx, "missing-inm-etag", headers)


@check(
    "error-if-match",
    _ERRORS,
    "13.2.1",
    "A stale If-Match on a 404 stays 404, never 412.",
)
def _error_if_match(ctx: Context) -> Verdict:
    return _on_error_page(ctx, "missing-if-match", [(_IF_MATCH, ctx.stale_tag())])


# ---------------------------------------------------------------- If-Match


@check(
    "if-match-strong",
    _IF_MATCH,
    "13.1.1",
    "If-Match with the current strong ETag is true: 200, not 412.",
)
def _if_match_strong(ctx: Context) -> Verdict:
    tag = ctx.target.etag
    if tag is None:
        return skipped(_NO_ETAG)
    if tag.weak:
        return skipped("the ETag is weak: no If-Match can match it (see if-match-weak)")
    why = "strong comparison matches the current strong tag"
    return judge(ctx, "if-match-strong", [(_IF_MATCH, str(ctx.target.etag_text))], why)


@check(
    "if-match-weak",
    _IF_MATCH,
    "13.1.1",
    "If-Match uses strong comparison, so a weak tag never matches: the method MUST NOT be "
    "performed (412 on GET).",
)
def _if_match_weak(ctx: Context) -> Verdict:
    tag = ctx.target.etag
    if tag is None:
        return skipped(_NO_ETAG)
    why = "If-Match uses strong comparison, a weak tag never matches: the GET MUST NOT be performed"
    return judge(ctx, "if-match-weak", [(_IF_MATCH, str(ETag(tag.opaque, weak=True)))], why)


@check(
    "if-match-star",
    _IF_MATCH,
    "13.1.1",
    "If-Match: * is true when a current representation exists: 200, not 412.",
)
def _if_match_star(ctx: Context) -> Verdict:
    return judge(ctx, "if-match-star", [(_IF_MATCH, "*")], "* matches any current representation")


@check(
    "if-match-stale",
    _IF_MATCH,
    "13.1.1",
    "If-Match with a tag that does not match MUST NOT be performed: 412 with a complete body.",
)
def _if_match_stale(ctx: Context) -> Verdict:
    why = "no tag matches: the GET MUST NOT be performed"
    result = judge(ctx, "if-match-stale", [(_IF_MATCH, ctx.stale_tag())], why)
    if result.status is Status.PASS and result.response is not None:
        size = len(result.response.body)
        return dataclasses.replace(result, summary=f"{result.summary} with a {size}-byte body")
    return result


# ---------------------------------------------------------------- If-Unmodified-Since


@check(
    "ius-older",
    _IUS,
    "13.1.4",
    "If-Unmodified-Since before Last-Modified is false: the method MUST NOT be performed "
    "(412 on GET).",
)
def _ius_older(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None:
        return skipped(_NO_DATE)
    why = "modified since that date: the GET MUST NOT be performed"
    return judge(ctx, "ius-older", [(_IUS, older(ctx))], why)


@check(
    "ius-current",
    _IUS,
    "13.1.4",
    "If-Unmodified-Since equal to Last-Modified is true: 200, not 412.",
)
def _ius_current(ctx: Context) -> Verdict:
    if ctx.target.last_modified is None:
        return skipped(_NO_DATE)
    why = "not modified since that date, so the condition is true"
    return judge(ctx, "ius-current", [(_IUS, str(ctx.target.last_modified_text))], why)
