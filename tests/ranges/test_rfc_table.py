"""The named Range table (R42-R52): every rule, for GET and HEAD, through the engine, WSGI and ASGI.

Each row is a request (Range, If-Range, preconditions) to an application
whose 200 is a 100-byte body, and what RFC 9110 says must come of it: the
status, and for a 206 the byte ranges it carries. HEAD never gets a range
(R42): its answer is the 200's, or the precondition's 304/412.
"""

from __future__ import annotations

import email.parser
from dataclasses import dataclass, field
from typing import Any

import pytest

from condget import Conditions, Reply, format_http_date
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.engine import DROP, FORWARD, HOLD, Exchange, Partial, Release
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import app_sending, call, response_of
from tests.wsgi.support import App, environ, serve

BODY = bytes(range(100))
TAG = '"r1"'
LM = format_http_date(784111777)  # Sun, 06 Nov 1994 08:49:37 GMT
EARLIER = format_http_date(784111777 - 3600)
VALIDATORS = (("ETag", TAG), ("Last-Modified", LM))
KEPT = (
    ("Cache-Control", "max-age=60"),
    ("Vary", "Accept-Language"),
    ("Expires", format_http_date(784111777 + 60)),
    ("Content-Location", "/doc.bin"),
)


@dataclass(frozen=True)
class RangeCase:
    id: str
    rules: tuple[str, ...]
    request: tuple[tuple[str, str], ...]
    status: int  # for GET
    ranges: tuple[tuple[int, int], ...] = ()  # a 206's (first, last), in order
    response: tuple[tuple[str, str], ...] = VALIDATORS
    body: bytes = BODY
    app_status: int = 200
    advertised: bool = True  # Accept-Ranges: bytes on the 200
    extra: dict[str, str] = field(default_factory=dict)  # fields the answer must carry

    def status_for(self, method: str) -> int:
        if method == "GET" or self.status in (304, 412):
            return self.status
        return self.app_status  # R42: HEAD ignores Range


CASES = [
    # R42: preconditions first; Range is for GET only.
    RangeCase(
        "matching_if_none_match_beats_range",
        ("R42",),
        (("Range", "bytes=0-9"), ("If-None-Match", TAG)),
        304,
    ),
    RangeCase(
        "not_modified_since_beats_range",
        ("R42",),
        (("Range", "bytes=0-9"), ("If-Modified-Since", LM)),
        304,
    ),
    RangeCase(
        "stale_if_match_beats_range", ("R42",), (("Range", "bytes=0-9"), ("If-Match", '"x"')), 412
    ),
    RangeCase(
        "modified_since_unmodified_beats_range",
        ("R42",),
        (("Range", "bytes=0-9"), ("If-Unmodified-Since", EARLIER)),
        412,
    ),
    RangeCase(
        "true_preconditions_then_the_range",
        ("R42", "R47"),
        (("Range", "bytes=0-9"), ("If-Match", TAG), ("If-None-Match", '"x"')),
        206,
        ((0, 9),),
    ),
    # R43: what is not a bytes range-set is ignored: the full 200.
    RangeCase("another_unit_is_ignored", ("R43",), (("Range", "items=0-9"),), 200),
    RangeCase("no_equals_sign_is_ignored", ("R43",), (("Range", "bytes 0-9"),), 200),
    RangeCase("not_a_number_is_ignored", ("R43",), (("Range", "bytes=a-9"),), 200),
    RangeCase("an_empty_set_is_ignored", ("R43",), (("Range", "bytes=,"),), 200),
    RangeCase("one_invalid_member_spoils_the_set", ("R43",), (("Range", "bytes=0-1,x"),), 200),
    # R44: the three forms, clamping, first > last.
    RangeCase("first_last", ("R44", "R47"), (("Range", "bytes=10-19"),), 206, ((10, 19),)),
    RangeCase("open_ended", ("R44",), (("Range", "bytes=95-"),), 206, ((95, 99),)),
    RangeCase("suffix", ("R44",), (("Range", "bytes=-5"),), 206, ((95, 99),)),
    RangeCase(
        "last_past_the_end_is_clamped", ("R44",), (("Range", "bytes=90-500"),), 206, ((90, 99),)
    ),
    RangeCase("suffix_longer_than_the_body", ("R44",), (("Range", "bytes=-500"),), 206, ((0, 99),)),
    RangeCase("unit_is_case_insensitive", ("R44",), (("Range", "BYTES=0-0"),), 206, ((0, 0),)),
    RangeCase("first_after_last_is_invalid", ("R44", "R43"), (("Range", "bytes=9-0"),), 200),
    RangeCase(
        "huge_last_is_clamped",
        ("R44",),
        (("Range", "bytes=0-99999999999999999999999"),),
        206,
        ((0, 99),),
    ),
    # R45: unsatisfiable sets get 416 with bytes */length.
    RangeCase(
        "first_at_the_length_is_unsatisfiable",
        ("R45",),
        (("Range", "bytes=100-"),),
        416,
        extra={"content-range": "bytes */100"},
    ),
    RangeCase(
        "suffix_of_zero_is_unsatisfiable",
        ("R45", "R44"),
        (("Range", "bytes=-0"),),
        416,
        extra={"content-range": "bytes */100"},
    ),
    RangeCase(
        "one_satisfiable_range_is_enough",
        ("R45",),
        (("Range", "bytes=200-300,5-6"),),
        206,
        ((5, 6),),
    ),
    RangeCase(
        "an_empty_body_has_no_range",
        ("R45", "R51"),
        (("Range", "bytes=0-0"),),
        200,
        body=b"",
        advertised=False,
    ),
    # R46: If-Range.
    RangeCase(
        "if_range_strong_match",
        ("R46",),
        (("Range", "bytes=0-9"), ("If-Range", TAG)),
        206,
        ((0, 9),),
    ),
    RangeCase(
        "if_range_weak_tag_never_matches",
        ("R46",),
        (("Range", "bytes=0-9"), ("If-Range", f"W/{TAG}")),
        200,
    ),
    RangeCase("if_range_other_tag", ("R46",), (("Range", "bytes=0-9"), ("If-Range", '"x"')), 200),
    RangeCase(
        "if_range_date_equal_to_a_strong_last_modified",
        ("R46",),
        (("Range", "bytes=0-9"), ("If-Range", LM)),
        206,
        ((0, 9),),
        response=(
            ("ETag", TAG),
            ("Last-Modified", LM),
            ("Date", format_http_date(784111777 + 7200)),
        ),
    ),
    RangeCase(
        "if_range_older_date", ("R46",), (("Range", "bytes=0-9"), ("If-Range", EARLIER)), 200
    ),
    RangeCase("if_range_without_range_changes_nothing", ("R46",), (("If-Range", '"x"'),), 200),
    # R47, R48: one range as itself, several as multipart/byteranges.
    RangeCase(
        "one_range_has_content_range",
        ("R47",),
        (("Range", "bytes=0-0"),),
        206,
        ((0, 0),),
        extra={"content-range": "bytes 0-0/100", "content-length": "1"},
    ),
    RangeCase(
        "several_ranges_are_multipart",
        ("R48",),
        (("Range", "bytes=0-0,-1"),),
        206,
        ((0, 0), (99, 99)),
    ),
    RangeCase(
        "overlapping_ranges_are_coalesced",
        ("R48",),
        (("Range", "bytes=0-5,3-9"),),
        206,
        ((0, 9),),
    ),
    RangeCase(
        "ranges_out_of_order_get_the_200",
        ("R48", "R49"),
        (("Range", "bytes=50-59,0-9"),),
        200,
    ),
    # R49: abuse.
    RangeCase(
        "more_than_max_ranges_get_the_200",
        ("R49",),
        (("Range", "bytes=" + ",".join(f"{n}-{n}" for n in range(0, 101))),),
        200,
    ),
    RangeCase(
        "ranges_adding_up_past_the_length_get_the_200",
        ("R49",),
        (("Range", "bytes=0-,0-"),),
        200,
    ),
    # R50: a 206 carries what the 200 would of these fields.
    RangeCase(
        "a_206_keeps_cache_fields",
        ("R50",),
        (("Range", "bytes=0-9"),),
        206,
        ((0, 9),),
        response=(*VALIDATORS, *KEPT),
        extra={name.lower(): value for name, value in (*VALIDATORS, *KEPT)},
    ),
    # R51: only identity bodies are cut, and only where ranges are served.
    RangeCase(
        "a_content_coded_body_is_not_cut",
        ("R51",),
        (("Range", "bytes=0-9"),),
        200,
        response=(*VALIDATORS, ("Content-Encoding", "gzip")),
        advertised=False,
    ),
    RangeCase(
        "the_apps_accept_ranges_none_is_respected",
        ("R51",),
        (("Range", "bytes=0-9"),),
        200,
        response=(*VALIDATORS, ("Accept-Ranges", "none")),
        advertised=False,
    ),
    # R52: an application's own 206 is its own.
    RangeCase(
        "an_apps_206_passes_through",
        ("R52",),
        (("Range", "bytes=0-9"),),
        206,
        response=(("Content-Range", "bytes 0-99/200"),),
        app_status=206,
        advertised=False,
        extra={"content-range": "bytes 0-99/200"},
    ),
]

METHODS = ("GET", "HEAD")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _fields(case: RangeCase) -> list[tuple[str, str]]:
    return [*case.response, ("Content-Length", str(len(case.body)))]


def through_engine(case: RangeCase, method: str) -> Answer:
    engine = Exchange(method, Conditions.from_headers(list(case.request)), auto_etag=False)
    headers = _fields(case)
    step = engine.start(case.app_status, headers)
    if isinstance(step, Reply):
        return Answer(step.status, _lower(step.headers), step.body)
    sent = list(headers)
    if isinstance(step, Release):
        sent += step.added
    else:
        assert step in (FORWARD, HOLD)
    after = engine.body(case.body, more=False)
    if isinstance(after, Partial):
        return Answer(206, _lower(after.headers), after.body)
    if isinstance(after, Reply):  # pragma: no cover - decided at the start in this table
        return Answer(after.status, _lower(after.headers), after.body)
    if isinstance(after, Release):
        sent += after.added
    body = b"" if after is DROP else case.body
    return Answer(case.app_status, _lower(sent), body)


def through_wsgi(case: RangeCase, method: str) -> Answer:
    app = App(status=f"{case.app_status} X", headers=_fields(case), chunks=[case.body])
    response = serve(WSGIMiddleware(app, auto_etag=False), environ(method, case.request))
    return Answer(response.code, _lower(response.headers), response.body)


def through_asgi(case: RangeCase, method: str) -> Answer:
    app = app_sending(case.app_status, case.response, [case.body])
    response = response_of(call(ASGIMiddleware(app, auto_etag=False), method, case.request))
    return Answer(response.status, _lower(response.headers), response.body)


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


SURFACES = {"engine": through_engine, "wsgi": through_wsgi, "asgi": through_asgi}


def slices(answer: Answer) -> list[tuple[int, int, bytes]]:
    """The (first, last, bytes) of each part of a 206, read from its own framing."""
    content_type = answer.headers.get("content-type", "")
    if not content_type.startswith("multipart/byteranges"):
        first, last = (
            answer.headers["content-range"].removeprefix("bytes ").split("/")[0].split("-")
        )
        return [(int(first), int(last), answer.body)]
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + answer.body
    )
    found = []
    for part in message.get_payload():
        first, last = part["Content-Range"].removeprefix("bytes ").split("/")[0].split("-")
        found.append((int(first), int(last), part.get_payload(decode=True)))
    return found


def test_every_range_rule_has_a_row() -> None:
    covered = {rule for case in CASES for rule in case.rules}
    assert covered == {f"R{n}" for n in range(42, 53)}


def test_row_ids_are_unique() -> None:
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_range_table(case: RangeCase, method: str, surface: str) -> None:
    answer = SURFACES[surface](case, method)
    status = case.status_for(method)
    assert answer.status == status
    for name, value in case.extra.items():
        if status == 206 or name not in ("content-range", "content-length"):
            assert answer.headers.get(name) == value, name
    if status == 206 and case.ranges:
        assert method == "GET"
        assert int(answer.headers["content-length"]) == len(answer.body)
        assert [(first, last) for first, last, _ in slices(answer)] == list(case.ranges)
        for first, last, data in slices(answer):
            assert data == case.body[first : last + 1]
    elif status == 200:
        if method == "GET":  # a HEAD's body is the server's to drop
            assert answer.body == case.body
        assert "content-range" not in answer.headers
        advertised = answer.headers.get("accept-ranges") == "bytes"
        assert advertised == case.advertised
    elif status == 416:
        assert answer.headers["content-range"] == "bytes */100"
