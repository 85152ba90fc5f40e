"""Checks of Range (RFC 9110 §14) and If-Range (§13.1.5): 206, multipart/byteranges, 416.

A server MAY ignore Range altogether (§14.2): a 200 is never a failure here.
What fails is a wrong answer when it does not ignore it: a 206 whose
Content-Range does not describe its bytes, a 206 that a false If-Range or an
unknown range unit forbids, a 416 for a unit it MUST ignore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Final

from condget import ETag, evaluate

from ._conditions import older, shown
from ._http import Exchange, Response
from ._registry import Status, Verdict, check, failed, passed, skipped, verdict, warned
from ._target import Context, missing_fields

__all__: list[str] = []

_RANGE = "Range"
_IF_RANGE = "If-Range"
_CONTENT_RANGE: Final = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)
_HUGE: Final = "9" * 20  # past any 64-bit integer (§14.1.2)
_TOO_LONG = "the representation is longer than the checker reads"
_UNSUPPORTED = "the server ignores Range (range-single): If-Range has nothing to decide"


@dataclass(frozen=True, slots=True)
class _Part:
    first: int
    last: int
    content_type: str | None = None


def _read_part(content_range: str | None, data: bytes, full: bytes) -> _Part | str:
    """The range one part holds, or what is wrong with its Content-Range (§14.4, §15.3.7)."""
    if content_range is None:
        return "no Content-Range"
    match = _CONTENT_RANGE.fullmatch(content_range.strip())
    if match is None:
        return f"Content-Range {content_range!r} is not 'bytes first-last/length'"
    first, last, length = int(match[1]), int(match[2]), match[3]
    if length != "*" and int(length) != len(full):
        return f"Content-Range: {content_range} gives length {length}, not {len(full)}"
    if first > last or last >= len(full):
        return f"Content-Range: {content_range} is no range of the {len(full)} bytes"
    if len(data) != last - first + 1:
        return f"Content-Range: {content_range} announces {last - first + 1} bytes, not {len(data)}"
    if data != full[first : last + 1]:
        return f"the content is not bytes {first}-{last} of the representation"
    return _Part(first, last)


def _multipart(response: Response) -> Message | None:
    """The Content-Type of a multipart/byteranges response, or ``None``."""
    message = Message()
    message["Content-Type"] = response.get("Content-Type") or "application/octet-stream"
    return message if message.get_content_type() == "multipart/byteranges" else None


def _read_parts(response: Response, content_type: Message, full: bytes) -> list[_Part] | str:
    """The parts of a multipart/byteranges 206 (§14.6, §15.3.7.2), or what is wrong with them."""
    boundary = content_type.get_boundary()
    if not boundary:
        return "multipart/byteranges without a boundary"
    if response.get("Content-Range") is not None:
        return "a Content-Range in the header of a multipart 206"
    # A delimiter is CRLF "--" boundary; the first may open the content directly.
    sections = (b"\r\n" + response.body).split(b"\r\n--" + boundary.encode("latin-1"))
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        return "the multipart content has no part or no closing delimiter"
    parts = []
    for number, section in enumerate(sections[1:-1], 1):
        head, blank, data = section.partition(b"\r\n\r\n")
        fields = BytesHeaderParser().parsebytes(head.lstrip(b" \t").removeprefix(b"\r\n"))
        part = _read_part(fields.get("Content-Range") if blank else None, data, full)
        if isinstance(part, str):
            return f"part {number}: {part}"
        parts.append(_Part(part.first, part.last, fields.get("Content-Type")))
    return parts


def _span(full: bytes) -> tuple[int, int]:
    """The range the single-range probes ask for: from the second byte, at most eight."""
    return 1, min(len(full) - 1, 8)


def _grade_range(
    exchange: Exchange,
    full: bytes,
    wanted: tuple[int, int],
    *,
    on_200: Status,
    why_200: str,
    on_4xx: Status = Status.WARN,
) -> Verdict:
    """Grade the answer to a single satisfiable range that may be served."""
    response = exchange.response
    sent = shown(exchange.request.headers)
    if response.status == 206:
        if _multipart(response) is not None:
            return failed(f"{sent} → a multipart 206: one range MUST NOT get one", exchange)
        part = _read_part(response.get("Content-Range"), response.body, full)
        if isinstance(part, str):
            return failed(f"{sent} → 206, but {part}", exchange)
        if part.first > wanted[0] or part.last < wanted[1]:
            return warned(f"{sent} → 206 with bytes {part.first}-{part.last} only", exchange)
        return passed(f"{sent} → 206, Content-Range: {response.get('Content-Range')}", exchange)
    if response.status == 200:
        return verdict(on_200, f"{sent} → 200: {why_200}", exchange)
    if 400 <= response.status < 500:
        summary = f"{sent} → {response.status}: a satisfiable range SHOULD get 206"
        return verdict(on_4xx, summary, exchange)
    return failed(f"{sent} → {response.status}", exchange)


def _grade_ignored(exchange: Exchange, why: str) -> Verdict:
    """Grade the answer to a range the server MUST ignore: the full 200."""
    status = exchange.response.status
    sent = shown(exchange.request.headers)
    if status == 200:
        return passed(f"{sent} → 200", exchange)
    return failed(f"{sent} → {status}: {why}", exchange)


def _served_range(ctx: Context) -> Exchange | None:
    """The range-single probe's 206, if the server served the range."""
    exchange = ctx.session.sent_exchange("range")
    return exchange if exchange is not None and exchange.response.status == 206 else None


# ---------------------------------------------------------------- Range


@check(
    "range-single",
    _RANGE,
    "15.3.7.1",
    "One satisfiable range: 206 with a Content-Range that MUST describe exactly the bytes "
    "enclosed (or 200: a server MAY ignore Range).",
)
def _range_single(ctx: Context) -> Verdict:
    full = ctx.target.full
    if full is None:
        return skipped(_TOO_LONG)
    if len(full) < 2:
        return skipped("needs a representation of 2 bytes or more")
    first, last = _span(full)
    exchange = ctx.probe("range", headers=[(_RANGE, f"bytes={first}-{last}")])
    why = "the server ignores Range, as it MAY (§14.2)"
    return _grade_range(exchange, full, (first, last), on_200=Status.SKIP, why_200=why)


@check(
    "range-206-headers",
    _RANGE,
    "15.3.7",
    "A 206 MUST carry the Cache-Control, Content-Location, Date, ETag, Expires and Vary the "
    "200 would carry.",
)
def _range_206_headers(ctx: Context) -> Verdict:
    exchange = _served_range(ctx)
    if exchange is None:
        return skipped("no 206 came back to look at")
    baseline = ctx.target.response
    problems = [f"no {name}" for name in missing_fields(baseline, exchange.response)]
    tag = exchange.response.get("ETag")
    if tag is not None and baseline.get("ETag") is not None and tag != baseline.get("ETag"):
        problems.append(f"ETag {tag}, the 200's is {baseline.get('ETag')}")
    if problems:
        return failed("the 206 has " + ", ".join(problems), exchange)
    return passed("the 206 repeats the 200's required fields", exchange)


@check(
    "range-multiple",
    _RANGE,
    "15.3.7.2",
    "Several ranges: a multipart/byteranges 206 with a boundary, no top-level Content-Range, "
    "a correct Content-Range in every part (MUST); parts typed and in order (SHOULD).",
)
def _range_multiple(ctx: Context) -> Verdict:
    full = ctx.target.full
    if full is None:
        return skipped(_TOO_LONG)
    if len(full) < 3:
        return skipped("needs a representation of 3 bytes or more")
    if _served_range(ctx) is None:
        return skipped("the server serves no single range (range-single)")
    exchange = ctx.probe("ranges", headers=[(_RANGE, "bytes=0-0,-1")])
    response = exchange.response
    sent = shown(exchange.request.headers)
    last = len(full) - 1
    if response.status == 200:
        return skipped(f"{sent} → 200: only single ranges are served, which is allowed", exchange)
    if response.status != 206:
        return _grade_range(exchange, full, (0, last), on_200=Status.SKIP, why_200="")
    content_type = _multipart(response)
    if content_type is None:
        # All ranges coalesced into one part (§15.3.7.2 allows it).
        return _grade_range(exchange, full, (0, last), on_200=Status.SKIP, why_200="")
    parts = _read_parts(response, content_type, full)
    if isinstance(parts, str):
        return failed(f"{sent} → 206, but {parts}", exchange)
    problems = []
    if not all(any(p.first <= at <= p.last for p in parts) for at in (0, last)):
        problems.append("the parts do not hold both ranges")
    if [p.first for p in parts] != sorted(p.first for p in parts):
        problems.append("the parts are not in the order asked for")
    if any(p.content_type != ctx.target.response.get("Content-Type") for p in parts):
        problems.append("a part lacks the representation's Content-Type")
    if problems:
        return warned(f"{sent} → 206, but " + "; ".join(problems), exchange)
    return passed(f"{sent} → 206, {len(parts)} parts", exchange)


@check(
    "range-unsatisfiable",
    _RANGE,
    "15.5.17",
    "A range past the end: 416 with Content-Range: bytes */length (SHOULD); never a 206.",
)
def _range_unsatisfiable(ctx: Context) -> Verdict:
    full = ctx.target.full
    if full is None:
        return skipped(_TOO_LONG)
    if not full:
        return skipped("the representation is empty: a server MAY ignore Range")
    exchange = ctx.probe("range-unsatisfiable", headers=[(_RANGE, f"bytes={len(full)}-")])
    response = exchange.response
    sent = shown(exchange.request.headers)
    wanted = f"bytes */{len(full)}"
    if response.status == 416:
        content_range = response.get("Content-Range")
        if content_range is None or content_range.strip().lower() != wanted:
            summary = f"{sent} → 416 with Content-Range: {content_range}, not {wanted}"
            return warned(summary, exchange)
        return passed(f"{sent} → 416, Content-Range: {content_range}", exchange)
    if response.status == 200 and _served_range(ctx) is None:
        return passed(f"{sent} → 200: the server ignores Range, as it MAY", exchange)
    if response.status == 206:
        return failed(f"{sent} → 206 for a range that starts past the end", exchange)
    if response.status < 500:
        summary = f"{sent} → {response.status}: an unsatisfiable range SHOULD get 416"
        return warned(summary, exchange)
    return failed(f"{sent} → {response.status}", exchange)


@check(
    "range-invalid-unit",
    _RANGE,
    "14.2",
    "An origin server MUST ignore a Range with a unit it does not know: the full 200, never "
    "206 or 416.",
)
def _range_invalid_unit(ctx: Context) -> Verdict:
    exchange = ctx.probe("range-unit", headers=[(_RANGE, "items=0-1")])
    return _grade_ignored(exchange, "an unknown range unit MUST be ignored")


@check(
    "range-malformed",
    _RANGE,
    "14.2",
    "A malformed Range may be ignored (200) or rejected (4xx), never served.",
)
def _range_malformed(ctx: Context) -> Verdict:
    exchange = ctx.probe("range-malformed", headers=[(_RANGE, "bytes=abc")])
    status = exchange.response.status
    sent = shown(exchange.request.headers)
    if status == 206:
        return failed(f"{sent} → 206 for a Range that names no range", exchange)
    if status >= 500:
        return warned(f"{sent} → {status}: ignore or reject it instead", exchange)
    return passed(f"{sent} → {status}", exchange)


@check(
    "range-large-numbers",
    _RANGE,
    "14.1.2",
    "Recipients MUST parse huge positions without overflow errors: a 20-digit last-pos is "
    "clamped to the end (206) or the Range ignored or rejected; never a 5xx or a wrong 206.",
)
def _range_large_numbers(ctx: Context) -> Verdict:
    full = ctx.target.full
    if full is None:
        return skipped(_TOO_LONG)
    if len(full) < 2:
        return skipped("needs a representation of 2 bytes or more")
    exchange = ctx.probe("range-large", headers=[(_RANGE, f"bytes=1-{_HUGE}")])
    why = "ignored without an error"
    wanted = (1, len(full) - 1)
    return _grade_range(exchange, full, wanted, on_200=Status.PASS, why_200=why, on_4xx=Status.PASS)


@check(
    "range-head",
    _RANGE,
    "14.2",
    "Range is defined only for GET: a server MUST ignore it on HEAD (200, never 206).",
)
def _range_head(ctx: Context) -> Verdict:
    exchange = ctx.probe("range-head", "HEAD", [(_RANGE, "bytes=0-0")])
    status = exchange.response.status
    if status == 206:
        return failed("HEAD with Range: bytes=0-0 → 206: Range MUST be ignored on HEAD", exchange)
    return passed(f"HEAD with Range: bytes=0-0 → {status}", exchange)


# ---------------------------------------------------------------- If-Range


def _if_range(ctx: Context, key: str, validator: str) -> Verdict:
    """Send the single range with ``If-Range: validator`` and grade it by the oracle."""
    full = ctx.target.full
    assert full is not None  # a 206 came back to range-single
    first, last = _span(full)
    headers = [(_RANGE, f"bytes={first}-{last}"), (_IF_RANGE, validator)]
    exchange = ctx.probe(key, headers=headers)
    target = ctx.target
    decision = evaluate("GET", headers, etag=target.etag, last_modified=target.last_modified)
    if decision.range_allowed:
        why = "If-Range matches, so the range SHOULD be served"
        return _grade_range(exchange, full, (first, last), on_200=Status.WARN, why_200=why)
    return _grade_ignored(exchange, "If-Range is false, so Range MUST be ignored: the full 200")


@check(
    "if-range-strong",
    _IF_RANGE,
    "13.1.5",
    "If-Range with the current strong ETag is true: the range SHOULD be served (a correct 206).",
)
def _if_range_strong(ctx: Context) -> Verdict:
    tag = ctx.target.etag
    if _served_range(ctx) is None:
        return skipped(_UNSUPPORTED)
    if tag is None or tag.weak:
        return skipped("no valid strong ETag")
    return _if_range(ctx, "if-range-strong", str(tag))


@check(
    "if-range-weak",
    _IF_RANGE,
    "13.1.5",
    "If-Range matches only by strong comparison: with a weak tag it is false and the Range "
    "MUST be ignored (200).",
)
def _if_range_weak(ctx: Context) -> Verdict:
    tag = ctx.target.etag
    if _served_range(ctx) is None:
        return skipped(_UNSUPPORTED)
    if tag is None:
        return skipped("no valid ETag")
    return _if_range(ctx, "if-range-weak", str(ETag(tag.opaque, weak=True)))


@check(
    "if-range-stale",
    _IF_RANGE,
    "13.1.5",
    "If-Range with a tag that does not match is false: the Range MUST be ignored (200).",
)
def _if_range_stale(ctx: Context) -> Verdict:
    if _served_range(ctx) is None:
        return skipped(_UNSUPPORTED)
    return _if_range(ctx, "if-range-stale", ctx.stale_tag())


@check(
    "if-range-date",
    _IF_RANGE,
    "13.1.5",
    "If-Range equal to Last-Modified: a correct 206 if the server holds the date strong, "
    "else 200; both are right.",
)
def _if_range_date(ctx: Context) -> Verdict:
    full = ctx.target.full
    if _served_range(ctx) is None or full is None:
        return skipped(_UNSUPPORTED)
    if ctx.target.last_modified is None:
        return skipped("no valid Last-Modified")
    first, last = _span(full)
    headers = [(_RANGE, f"bytes={first}-{last}"), (_IF_RANGE, str(ctx.target.last_modified_text))]
    exchange = ctx.probe("if-range-date", headers=headers)
    why = "the server holds Last-Modified weak, which it may"
    return _grade_range(exchange, full, (first, last), on_200=Status.PASS, why_200=why)


@check(
    "if-range-date-older",
    _IF_RANGE,
    "13.1.5",
    "If-Range with a date other than Last-Modified is false (exact match, not <=): the "
    "Range MUST be ignored (200).",
)
def _if_range_date_older(ctx: Context) -> Verdict:
    target = ctx.target
    if _served_range(ctx) is None:
        return skipped(_UNSUPPORTED)
    if target.last_modified is None:
        return skipped("no valid Last-Modified")
    return _if_range(ctx, "if-range-date-older", older(ctx))
