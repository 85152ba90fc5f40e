"""Properties of the core, checked by Hypothesis, and a linear-time check of the list parser.

The centrepiece is :func:`reference`, a deliberately plain transcription of
RFC 9110 §13.2 with its own parsers: ``evaluate`` must agree with it on
every request Hypothesis can build from a small universe of tags and dates
(small, so that matches are frequent).
"""

from __future__ import annotations

import calendar
import gc
import itertools
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from condget import (
    ANY,
    Conditions,
    Decision,
    ETag,
    Outcome,
    Precondition,
    Validators,
    evaluate,
    format_http_date,
    parse_etag_list,
    parse_http_date,
)
from condget._dates import parse_http_date_seconds

# --- Strategies -----------------------------------------------------------------

FIELD_NAMES = ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"]
METHODS = ["GET", "HEAD", "PUT", "DELETE", "POST", "PATCH", "OPTIONS", "TRACE", "CONNECT", "get"]

# Every code point, surrogates and controls (NUL included).
any_text = st.text(st.characters(exclude_categories=()))
# Text made of the grammar's own characters, to reach deep into the parsers.
grammar_text = st.text(
    st.sampled_from(list('"W/w*, \t,\x00\x01\x7f\x80\xff\u0100\\abz:;=-+GMTSunNovDec01369')),
)
# Long runs of a short grammar-like piece (up to a few hundred KiB).
huge_text = st.builds(
    lambda piece, times: piece * times, grammar_text.filter(bool), st.integers(1, 30_000)
)
header_value = st.one_of(any_text, grammar_text)

etagc = st.characters(
    codec="latin-1", exclude_characters='"', min_codepoint=0x21, exclude_categories=()
).filter(lambda c: c != "\x7f")
etags = st.builds(ETag, st.text(etagc), st.booleans())
# A small pool, so tags collide often.
small_etags = st.builds(ETag, st.sampled_from(["", "a", "b", "a,b", "W/a"]), st.booleans())
aware_datetimes = st.datetimes(
    min_value=datetime(1, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds)
    max_value=datetime(9999, 12, 31, 23, 59, 59, 999999),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def header_pairs(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    names = st.sampled_from([*FIELD_NAMES, "Range", "Accept"]).flatmap(
        lambda name: st.sampled_from([name, name.lower(), name.upper()])
    )
    return st.lists(st.tuples(names, values), max_size=8)


# --- Nothing a client sends makes the core raise ---------------------------------


@given(value=st.one_of(any_text, grammar_text))
@example(value="\x00" * 100_000)
@example(value='"' * 100_001)
@example(value="W/" * 50_000)
def test_parsers_never_raise(value: str) -> None:
    parsed = parse_etag_list(value)
    assert parsed is None or parsed is ANY or isinstance(parsed, list)
    assert ETag.parse_or_none(value) is None or isinstance(ETag.parse_or_none(value), ETag)
    assert parse_http_date(value) is None or isinstance(parse_http_date(value), datetime)
    assert parse_http_date_seconds(value) is None or isinstance(parse_http_date_seconds(value), int)
    Validators.from_response_headers([("ETag", value), ("Last-Modified", value)])


@given(
    method=st.sampled_from(METHODS),
    pairs=header_pairs(header_value),
    etag=st.none() | etags,
    last_modified=st.none() | st.integers(-62135596800, 253402300799),
    exists=st.booleans(),
    status=st.none() | st.integers(100, 599),
    require_precondition=st.booleans(),
)
def test_evaluate_never_raises(
    method: str,
    pairs: list[tuple[str, str]],
    etag: ETag | None,
    last_modified: int | None,
    exists: bool,
    status: int | None,
    require_precondition: bool,
) -> None:
    decision = evaluate(
        method,
        pairs,
        etag=etag,
        last_modified=last_modified,
        exists=exists,
        status=status,
        require_precondition=require_precondition,
    )
    assert isinstance(decision, Decision)


@settings(max_examples=25)
@given(value=huge_text, field=st.sampled_from([*FIELD_NAMES, "Range"]))
def test_evaluate_never_raises_on_huge_values(value: str, field: str) -> None:
    headers = {field: value, "Range": "bytes=0-1"}
    for method in ("GET", "PUT"):
        evaluate(method, headers, etag='"a"', last_modified=784111777)


# --- Round trips -----------------------------------------------------------------


@given(tag=etags)
def test_etag_round_trip(tag: ETag) -> None:
    assert ETag.parse(str(tag)) == tag
    assert ETag(tag.opaque, weak=tag.weak) == tag


@given(
    tags=st.lists(etags, max_size=10),
    separators=st.lists(
        st.sampled_from([",", ", ", " ,", "\t,\t", ", ,", ",,", " , \t, "]),
        min_size=10,
        max_size=10,
    ),
    padding=st.sampled_from(["", " ", "\t", " , ", ","]),
)
def test_etag_list_round_trip(tags: list[ETag], separators: list[str], padding: str) -> None:
    # R3: optional whitespace and empty members around the commas change nothing.
    value = padding + "".join(f"{tag}{sep}" for tag, sep in zip(tags, separators, strict=False))
    assert parse_etag_list(value.rstrip(",\t ") + padding) == tags


@given(moment=aware_datetimes)
def test_date_round_trip(moment: datetime) -> None:
    text = format_http_date(moment)
    assert parse_http_date(text) == moment.replace(microsecond=0)
    # asctime-date: the same instant (R7), day padded with a space.
    asctime = f"{text[:3]} {text[8:11]} {moment.day:>2} {text[17:25]} {text[12:16]}"
    assert parse_http_date(asctime) == moment.replace(microsecond=0)


@given(seconds=st.integers(-62135596800, 253402300799))
def test_seconds_round_trip(seconds: int) -> None:
    assert parse_http_date_seconds(format_http_date(seconds)) == seconds


@given(offset=st.integers(-49, 50), moment=aware_datetimes)
def test_rfc850_round_trip_within_the_50_year_window(offset: int, moment: datetime) -> None:
    # §5.6.7: a two-digit year means the year within 50 years ahead, else the past.
    this_year = time.gmtime().tm_year
    day = 28 if moment.month == 2 and moment.day == 29 else moment.day
    target = moment.replace(year=this_year + offset, day=day, microsecond=0)
    day_name, month = _LONG_DAYS[target.weekday()], _MONTHS[target.month - 1]
    text = f"{day_name}, {target:%d}-{month}-{target.year % 100:02d} {target:%H:%M:%S} GMT"
    assert parse_http_date(text) == target


# --- Comparison ------------------------------------------------------------------


@given(first=small_etags, second=small_etags)
def test_strong_match_implies_weak_match(first: ETag, second: ETag) -> None:
    if first.strong_match(second):
        assert first.weak_match(second)
    assert first.strong_match(second) == second.strong_match(first)
    assert first.weak_match(second) == second.weak_match(first)


@given(tags=st.lists(small_etags, max_size=5), etag=small_etags)
def test_if_match_true_implies_if_none_match_false(tags: list[ETag], etag: ETag) -> None:
    # A list that strongly matches (If-Match true) also weakly matches.
    value = ", ".join(map(str, tags))
    if evaluate("PUT", {"If-Match": value}, etag=etag).outcome is Outcome.PROCEED:
        assert evaluate("GET", {"If-None-Match": value}, etag=etag).status == 304


# --- If-None-Match makes If-Modified-Since irrelevant (R19, R32) ------------------


@given(
    method=st.sampled_from(METHODS),
    conditions=st.builds(
        Conditions,
        if_match=st.none() | header_value,
        if_none_match=header_value,
        if_unmodified_since=st.none() | header_value,
        if_range=st.none() | header_value,
        range=st.none() | st.just("bytes=0-1"),
    ),
    dates=st.lists(
        st.none() | header_value | aware_datetimes.map(format_http_date), min_size=2, max_size=4
    ),
    etag=st.none() | small_etags,
    last_modified=st.none() | st.integers(0, 2**33),
)
def test_if_modified_since_never_matters_with_if_none_match(
    method: str,
    conditions: Conditions,
    dates: list[str | None],
    etag: ETag | None,
    last_modified: int | None,
) -> None:
    outcomes = {
        evaluate(
            method,
            conditions._replace(if_modified_since=date),
            etag=etag,
            last_modified=last_modified,
        )
        for date in dates
    }
    assert len(outcomes) == 1


# --- evaluate agrees with a plain transcription of §13.2 -------------------------

_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_LONG_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_D2 = "([0-9][0-9])"
_TIME = f"{_D2}:{_D2}:{_D2}"
_MON = f"({'|'.join(_MONTHS)})"
_IMF = re.compile(f"(?:{'|'.join(_DAYS)}), {_D2} {_MON} ([0-9]{{4}}) {_TIME} GMT")
_RFC850 = re.compile(f"(?:{'|'.join(_LONG_DAYS)}), {_D2}-{_MON}-{_D2} {_TIME} GMT")
_ASCTIME = re.compile(f"(?:{'|'.join(_DAYS)}) {_MON} ([0-9 ][0-9]) {_TIME} ([0-9]{{4}})")


def ref_date(value: str) -> int | None:
    """An HTTP-date (§5.6.7) as POSIX seconds, or None: the three formats, nothing else."""
    value = value.strip(" \t")
    if match := _IMF.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
    elif match := _RFC850.fullmatch(value):
        day, month, two, hour, minute, second = match.groups()
        this_year = time.gmtime().tm_year
        candidates = [century + int(two) for century in range(0, 10000, 100)]
        # The year with these digits no more than 50 years ahead, else the latest past one.
        year = str(max(y for y in candidates if y <= this_year + 50))
    elif match := _ASCTIME.fullmatch(value):
        month, day, hour, minute, second, year = match.groups()
    else:
        return None
    y, mo, d, h, mi, s = (
        int(year),
        _MONTHS.index(month) + 1,
        int(day),
        int(hour),
        int(minute),
        int(second),
    )
    if not (y >= 1 and 1 <= d <= calendar.monthrange(y, mo)[1] and h < 24 and mi < 60 and s <= 60):
        return None
    return calendar.timegm((y, mo, d, h, mi, s))


def ref_list(value: str) -> str | list[tuple[bool, str]] | None:
    """If-Match / If-None-Match: "*", the (weak, opaque) members, or None if invalid."""
    value = value.strip(" \t")
    if value == "*":
        return "*"
    members, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            members.append(current)
            current = ""
        else:
            current += char
    members.append(current)
    if quoted:
        return None
    tags = []
    for member in members:
        member = member.strip(" \t")
        if member:
            match = _TAG.fullmatch(member)
            if match is None:
                return None
            tags.append((match[1] is not None, match[2]))
    return tags


def reference(
    method: str,
    pairs: list[tuple[str, str]],
    etag: ETag | None,
    last_modified: int | None,
    exists: bool,
    status: int | None,
    require_precondition: bool,
) -> tuple[Outcome, Precondition | None, bool]:
    """RFC 9110 §13.2.1-13.2.2, step by step, as plainly as it can be written."""
    proceed = (Outcome.PROCEED, None, False)
    fields: dict[str, str] = {}
    for name, value in pairs:  # R1: lines of one field are joined with ", "
        key = name.lower()
        fields[key] = value if key not in fields else fields[key] + ", " + value
    # §13.2.1: only when the response would be 2xx or 412 (R28) ...
    if status is not None and not (200 <= status <= 299 or status == 412):
        return proceed
    # ... and never for CONNECT, OPTIONS, TRACE (R29).
    if method in ("CONNECT", "OPTIONS", "TRACE"):
        return proceed
    if not exists:
        etag = last_modified = None
    if_match = fields.get("if-match")
    if_none_match = fields.get("if-none-match")
    if_modified_since = fields.get("if-modified-since")
    if_unmodified_since = fields.get("if-unmodified-since")
    if_range = fields.get("if-range")
    range_ = fields.get("range")

    # RFC 6585 §3: 428 for an unsafe method that names no expected state; an
    # If-Unmodified-Since names one only if it will be evaluated (R21).
    guarded_by_date = (
        if_unmodified_since is not None
        and last_modified is not None
        and ref_date(if_unmodified_since) is not None
    )
    if (
        require_precondition
        and method not in ("GET", "HEAD")
        and if_match is None
        and not guarded_by_date
        and (if_none_match is None or if_none_match.strip(" \t") != "*")
    ):
        return (Outcome.PRECONDITION_REQUIRED, None, False)

    # Step 1: If-Match, strong comparison (§13.1.1).
    if if_match is not None:
        members = ref_list(if_match)
        if members == "*":
            true = exists
        elif members is None or etag is None or etag.weak:
            true = False
        else:
            true = any(not weak and opaque == etag.opaque for weak, opaque in members)
        if not true:
            return (Outcome.PRECONDITION_FAILED, Precondition.IF_MATCH, False)
    # Step 2: no If-Match, If-Unmodified-Since (§13.1.4).
    elif if_unmodified_since is not None:
        date = ref_date(if_unmodified_since)
        if date is not None and last_modified is not None and not last_modified <= date:
            return (Outcome.PRECONDITION_FAILED, Precondition.IF_UNMODIFIED_SINCE, False)

    # Step 3: If-None-Match, weak comparison (§13.1.2).
    if if_none_match is not None:
        members = ref_list(if_none_match)
        if members == "*":
            true = not exists
        elif members is None or etag is None:
            true = True
        else:
            true = all(opaque != etag.opaque for _, opaque in members)
        if not true:
            if method in ("GET", "HEAD"):
                return (Outcome.NOT_MODIFIED, Precondition.IF_NONE_MATCH, False)
            return (Outcome.PRECONDITION_FAILED, Precondition.IF_NONE_MATCH, False)
    # Step 4: no If-None-Match, GET or HEAD, If-Modified-Since (§13.1.3).
    elif method in ("GET", "HEAD") and if_modified_since is not None:
        date = ref_date(if_modified_since)
        if date is not None and last_modified is not None and last_modified <= date:
            return (Outcome.NOT_MODIFIED, Precondition.IF_MODIFIED_SINCE, False)

    # Step 5: GET with Range and If-Range (§13.1.5, §14.2).
    if method != "GET":
        return proceed
    if range_ is None or if_range is None:
        return (Outcome.PROCEED, None, True)
    value = if_range.strip(" \t")
    if '"' in value[:3]:
        match = _TAG.fullmatch(value)
        true = bool(match and etag and not match[1] and not etag.weak and match[2] == etag.opaque)
    else:
        date = ref_date(value)
        # A Last-Modified is strong once a second has passed since it (§8.8.2.2).
        strong = last_modified is not None and time.time() - last_modified >= 1
        true = date is not None and date == last_modified and strong
    return (Outcome.PROCEED, None, true)


LM = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT
FUTURE = 253402300700  # Dec 9999: never strong for If-Range


def _date_texts(seconds: int) -> tuple[list[str], list[str]]:
    # The instant in each of the three formats, and near misses of it.
    imf = format_http_date(seconds)
    moment = datetime.fromtimestamp(seconds, UTC)
    long_day = _LONG_DAYS[moment.weekday()]
    asctime = f"{imf[:3]} {imf[8:11]} {moment.day:>2} {imf[17:25]} {imf[12:16]}"
    rfc850 = f"{long_day}, {imf[5:7]}-{imf[8:11]}-{imf[14:16]} {imf[17:25]} GMT"
    near_misses = [imf.lower(), imf.replace("GMT", "UTC"), f"{imf}, {imf}", imf.replace(" ", "  ")]
    return [imf, asctime, rfc850, f" {imf}\t"], near_misses


INSTANTS = (LM - 1, LM, LM + 1, FUTURE)
VALID_DATES = sorted(
    {text for seconds in INSTANTS for text in _date_texts(seconds)[0]}
    | {"Sat, 31 Dec 2016 23:59:60 GMT"}
)
INVALID_DATES = sorted(
    {text for seconds in INSTANTS for text in _date_texts(seconds)[1]}
    | {"Wed, 31 Nov 1994 08:49:37 GMT", ""}
)
DATE_TEXTS = VALID_DATES + INVALID_DATES
TAG_TEXTS = ['"a"', 'W/"a"', '"b"', '""', '"a,b"', "*", 'w/"a"', "a", ""]
# A tiny universe, so that tags match and dates meet often.
# "," is the tag that occurs between the members of '"a","b"' (R5).
SMALL_ETAGS = [None] + [ETag(o, weak=w) for o in ("a", "b", "", ",") for w in (False, True)]
LAST_MODIFIEDS = [None, LM - 1, LM, LM + 1, FUTURE]


@st.composite
def list_values(draw: st.DrawFn) -> str:
    members = draw(st.lists(st.sampled_from(TAG_TEXTS), min_size=1, max_size=3))
    separator = draw(st.sampled_from([", ", ",", " , ", "\t,"]))
    padding = draw(st.sampled_from(["", "", " ", "\t "]))  # R2
    return padding + separator.join(members) + padding


list_field = st.one_of(*[list_values()] * 4, grammar_text)
date_field = st.one_of(*[st.sampled_from(VALID_DATES)] * 4, st.sampled_from(INVALID_DATES))
FIELD_VALUES = {
    "If-Match": list_field,
    "If-None-Match": list_field,
    "If-Modified-Since": date_field,
    "If-Unmodified-Since": date_field,
    "If-Range": st.sampled_from(TAG_TEXTS) | st.sampled_from(VALID_DATES),
    "Range": st.just("bytes=0-1"),
}


@st.composite
def request_pairs(draw: st.DrawFn, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    # Each of ``fields`` is present three times in four, independently; a
    # field sometimes arrives on two lines (R1), names in any case.
    pairs = []
    for name in fields:
        if draw(st.integers(0, 3)) == 0:
            continue
        value = draw(FIELD_VALUES[name])
        name = draw(st.sampled_from([name, name.lower(), name.upper()]))
        if draw(st.integers(0, 5)) == 0:
            cut = draw(st.integers(0, len(value)))
            pairs += [(name, value[:cut]), (name, value[cut:])]
        else:
            pairs.append((name, value))
    return draw(st.permutations(pairs))


# Random requests rarely combine the few fields a rule is about, so each
# group of interacting fields gets its own run, and one run has them all.
FIELD_GROUPS = [
    pytest.param(("If-Match",), id="if_match"),
    pytest.param(("If-None-Match",), id="if_none_match"),
    pytest.param(("If-Match", "If-Unmodified-Since"), id="steps_1_and_2"),
    pytest.param(("If-None-Match", "If-Modified-Since"), id="steps_3_and_4"),
    pytest.param(("If-Unmodified-Since", "If-None-Match", "If-Modified-Since"), id="steps_2_to_4"),
    pytest.param(("Range", "If-Range", "If-None-Match"), id="step_5"),
    pytest.param(tuple(FIELD_VALUES), id="every_field"),
]


@pytest.mark.parametrize("fields", FIELD_GROUPS)
@settings(max_examples=150)
@given(data=st.data())
def test_evaluate_agrees_with_the_reference(fields: tuple[str, ...], data: st.DataObject) -> None:
    method = data.draw(st.sampled_from(["GET"] * 4 + ["HEAD", "PUT", "PUT", *METHODS]))
    pairs = data.draw(request_pairs(fields))
    etag = data.draw(st.sampled_from(SMALL_ETAGS))
    last_modified = data.draw(st.sampled_from(LAST_MODIFIEDS))
    exists = data.draw(st.integers(0, 3)) > 0
    status = data.draw(st.sampled_from([None, 200, 200, 200, 204, 206, 304, 404, 412, 500]))
    require_precondition = data.draw(st.integers(0, 3)) == 0
    decision = evaluate(
        method,
        pairs,
        etag=etag,
        last_modified=last_modified,
        exists=exists,
        status=status,
        require_precondition=require_precondition,
    )
    expected = reference(method, pairs, etag, last_modified, exists, status, require_precondition)
    assert (decision.outcome, decision.decided_by, decision.range_allowed) == expected


# Small-scope exhaustive check: every combination of a few telling values of
# two interacting fields, every method class, tag, date and existence. Random
# search finds rare combinations only by luck; this finds them every time.
LM_TEXTS = _date_texts(LM)[0]
SMALL_SCOPE = {
    "If-Match": [None, '"a"', 'W/"a"', '"b", W/"a"', '"a","b"', " * ", "", 'w/"a"', "*, *"],
    "If-Unmodified-Since": [None, format_http_date(LM - 1), *LM_TEXTS, "Sun, 06 Nov 1994"],
    "If-Modified-Since": [None, format_http_date(LM - 1), *LM_TEXTS, format_http_date(FUTURE)],
    "Range": [None, "bytes=0-1"],
    "If-Range": [None, '"a"', 'W/"a"', LM_TEXTS[0], format_http_date(FUTURE), LM_TEXTS[2]],
}
SMALL_SCOPE["If-None-Match"] = SMALL_SCOPE["If-Match"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("If-Match", "If-Unmodified-Since"),
        ("If-None-Match", "If-Modified-Since"),
        ("If-Match", "If-None-Match"),
        ("If-Unmodified-Since", "If-None-Match"),
        ("Range", "If-Range"),
    ],
)
def test_evaluate_agrees_with_the_reference_exhaustively(first: str, second: str) -> None:
    combinations = itertools.product(
        SMALL_SCOPE[first],
        SMALL_SCOPE[second],
        ["GET", "HEAD", "PUT", "OPTIONS"],
        [None, ETag("a"), ETag("a", weak=True), ETag(",")],
        [None, LM, FUTURE],
        [True, False],
        [False, True],
    )
    for one, two, method, etag, last_modified, exists, required in combinations:
        pairs = [
            (name, value) for name, value in ((first, one), (second, two)) if value is not None
        ]
        decision = evaluate(
            method,
            pairs,
            etag=etag,
            last_modified=last_modified,
            exists=exists,
            require_precondition=required,
        )
        expected = reference(method, pairs, etag, last_modified, exists, 200, required)
        actual = (decision.outcome, decision.decided_by, decision.range_allowed)
        assert actual == expected, (method, pairs, etag, last_modified, exists, required)


@pytest.mark.parametrize(
    "text",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_reference_date_parser_reads_the_three_formats(text: str) -> None:
    assert ref_date(text) == LM
    assert ref_date(text.lower()) is None


# --- Linear time (R3: long lists are a denial-of-service vector) -----------------


def _repeat(piece: str, size: int) -> str:
    # Whole pieces only, so every size has the same structure (valid or not).
    return piece * (size // len(piece))


# Each builds a field value of about ``size`` characters.
PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "tags": lambda size: _repeat('"ab", ', size),
    "weak_tags": lambda size: _repeat('W/"a", ', size),
    "tags_without_spaces": lambda size: _repeat('"a",', size),
    "all_commas": lambda size: "," * size,
    "all_spaces": lambda size: " " * size,
    "commas_and_spaces": lambda size: _repeat(" ,\t", size),
    "all_quotes": lambda size: '"' * size,
    "unbalanced_quote": lambda size: '"' + "a" * size,
    "unbalanced_at_the_end": lambda size: _repeat('"a", ', size) + '"a',
    "quote_comma": lambda size: _repeat('",', size),
    "weak_prefixes": lambda size: _repeat("W/", size) + '"a"',
    "weak_prefix_without_tag": lambda size: _repeat("W/, ", size),
    "stars": lambda size: _repeat("*, ", size),
    "one_long_tag": lambda size: '"' + "a" * size + '"',
    "backslashes": lambda size: '"' + "\\" * size + '"',
    "near_misses": lambda size: _repeat('"' + "z" * 40 + 'y", ', size),
}
# Tags that make the list scan work hardest: one that never occurs, one that
# occurs straddling every pair of members ('","' in '"a","a"'), a long one
# that almost occurs everywhere.
SCAN_ETAGS = ['"absent"', '","', '"' + "z" * 41 + '"']


def _work(value: str) -> Callable[[], object]:
    date_fields = {
        "If-Unmodified-Since": value,
        "If-Modified-Since": value,
        "Range": "bytes=0-1",
        "If-Range": value,
    }

    def run() -> object:
        for etag in SCAN_ETAGS:
            evaluate("GET", {"If-Match": value, "If-None-Match": value}, etag=etag)
            evaluate("GET", {"If-None-Match": value}, etag=etag)
        evaluate("GET", date_fields, etag='"a"', last_modified=LM)
        return parse_etag_list(value)

    return run


def _cpu_times(runs: list[Callable[[], object]], repeats: int = 9) -> list[float]:
    """The best CPU time of each of ``runs``, measured in turns.

    CPU time of this thread, not wall-clock time, so other processes on a
    loaded machine do not count; the best of several turns, taken in turns
    so that a slow moment hurts every size alike; and, as in timeit, the
    garbage collector off: a full collection walks every object of the test
    process, which says nothing about the parser.
    """
    gc.collect()
    gc.disable()
    try:
        loops = []
        for run in runs:  # enough loops that one turn lasts a few milliseconds
            count = 1
            while _cpu_time(run, count) < 0.003:
                count *= 2
            loops.append(count)
        best = [float("inf")] * len(runs)
        for _ in range(repeats):
            for index, run in enumerate(runs):
                best[index] = min(best[index], _cpu_time(run, loops[index]) / loops[index])
        return best
    finally:
        gc.enable()


def _cpu_time(run: Callable[[], object], loops: int) -> float:
    start = time.thread_time()
    for _ in range(loops):
        run()
    return time.thread_time() - start


def _scaling(build: Callable[[int], str]) -> tuple[float, float]:
    quarter, half, full = _cpu_times([_work(build(size)) for size in (16_384, 32_768, 65_536)])
    return full / half, full / quarter


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_linear_time_on_64_kib_values(pattern: str) -> None:
    # Doubling the input must roughly double the work (quadratic would give
    # 4x and 16x); wall-clock limits would be flaky, ratios are not.
    double, quadruple = _scaling(PATHOLOGICAL[pattern])
    assert double < 3.5, (double, quadruple)
    assert quadruple < 7, (double, quadruple)


def test_the_scaling_check_catches_quadratic_work() -> None:
    def quadratic(size: int) -> Callable[[], object]:
        text = "a" * size
        return lambda: [text[start:] for start in range(0, size, 64)]

    quarter, full = _cpu_times([quadratic(size) for size in (16_384, 65_536)])
    assert full / quarter > 7


def test_a_list_of_ten_thousand_members_is_read_whole() -> None:
    members = [f'"{number:05d}"' for number in range(10_000)]
    value = ", ".join(members)
    assert len(value) > 64_000
    assert evaluate("GET", {"If-None-Match": value}, etag='"09999"').status == 304
    assert evaluate("PUT", {"If-Match": value}, etag='"09999"').status is None
    assert evaluate("PUT", {"If-Match": value}, etag='"10000"').status == 412
    assert evaluate("GET", {"If-None-Match": value + ", bad"}, etag='"09999"').status is None
    assert len(parse_etag_list(value) or []) == 10_000


def test_reference_helpers_reject_junk() -> None:
    assert ref_list('"a", "b') is None
    assert ref_list('"a" x') is None
    assert ref_list("*") == "*"
    assert ref_date("Sun, 06 Nov 1994 08:49:37 UTC") is None
