"""Range requests (RFC 9110 §14, R42-R52): parsing ``Range``, laying out a 206, slicing a stream.

Named cases first, each citing its rule in the id; then Hypothesis checks
against ``tests/core/range_reference.py``, the slicer against one-shot
slices, every multipart body through the standard library's ``email``
parser; then hostile fields.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import itertools
import random
import re
import sys
from collections.abc import Callable
from email.message import Message
from types import FrameType
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from condget import CondgetError
from condget._ranges import (
    MAX_RANGES,
    ByteRange,
    InvalidRangeError,
    PartialContent,
    RangeSlicer,
    RangeStatus,
    content_range,
    parse_range,
    unsatisfied_range,
)

from .range_reference import IGNORE, UNSATISFIABLE, reference_body, reference_ranges

Expected = RangeStatus | list[tuple[int, int]]

# --- parse_range: named cases ---------------------------------------------------

# (field, length, expected); the length is 1000 unless the case says otherwise.
CASES = [
    # R44 (§14.1.1-14.1.2): the three forms, and clamping.
    pytest.param("bytes=0-499", 1000, [(0, 499)], id="r44_first_last"),
    pytest.param("bytes=500-", 1000, [(500, 999)], id="r44_open_ended"),
    pytest.param("bytes=-200", 1000, [(800, 999)], id="r44_suffix"),
    pytest.param("bytes=0-0", 1000, [(0, 0)], id="r44_first_byte"),
    pytest.param("bytes=999-999", 1000, [(999, 999)], id="r44_last_byte"),
    pytest.param("bytes=-1", 1000, [(999, 999)], id="r44_suffix_one"),
    pytest.param("bytes=900-5000", 1000, [(900, 999)], id="r44_last_past_the_end_clamped"),
    pytest.param("bytes=-5000", 1000, [(0, 999)], id="r44_suffix_longer_than_length"),
    pytest.param("bytes=-1000", 1000, [(0, 999)], id="r44_suffix_equal_to_length"),
    pytest.param("bytes=0-", 1000, [(0, 999)], id="r44_whole_representation"),
    pytest.param("bytes=5-4", 1000, IGNORE, id="r44_first_greater_than_last"),
    pytest.param("bytes=0-1,5-4", 1000, IGNORE, id="r44_first_greater_than_last_spoils_the_field"),
    pytest.param("bytes=2000-1999", 1000, IGNORE, id="r44_first_greater_than_last_past_the_end"),
    pytest.param("bytes=-0", 1000, UNSATISFIABLE, id="r44_suffix_zero"),
    pytest.param("bytes=-000", 1000, UNSATISFIABLE, id="r44_suffix_zero_with_leading_zeros"),
    pytest.param("bytes=-0,0-0", 1000, [(0, 0)], id="r44_suffix_zero_dropped_beside_another"),
    pytest.param("bytes=0005-0009", 1000, [(5, 9)], id="r44_leading_zeros"),
    pytest.param("bytes=000-000", 1000, [(0, 0)], id="r44_all_zeros"),
    pytest.param(f"bytes={'0' * 60}7-{'0' * 60}9", 1000, [(7, 9)], id="r44_many_leading_zeros"),
    pytest.param(f"bytes=0-{'9' * 10_000}", 1000, [(0, 999)], id="r44_huge_last_clamped"),
    pytest.param(f"bytes=-{'9' * 10_000}", 1000, [(0, 999)], id="r44_huge_suffix_is_whole"),
    pytest.param(f"bytes={'9' * 100}-{'9' * 99}", 1000, IGNORE, id="r44_huge_first_greater"),
    pytest.param(f"bytes={'8' * 99}-{'9' * 99}", 1000, UNSATISFIABLE, id="r44_huge_first_le_last"),
    pytest.param("bytes=10000-99999", 1000, UNSATISFIABLE, id="r44_longer_than_length_digits"),
    # R45 (§14.1.1, §15.5.17): satisfiable means first < length (or a suffix > 0).
    pytest.param("bytes=1000-", 1000, UNSATISFIABLE, id="r45_first_at_length"),
    pytest.param("bytes=1000-2000", 1000, UNSATISFIABLE, id="r45_first_past_length"),
    pytest.param(f"bytes={'9' * 10_000}-", 1000, UNSATISFIABLE, id="r45_huge_first"),
    pytest.param("bytes=2000-,-0", 1000, UNSATISFIABLE, id="r45_none_satisfiable"),
    pytest.param("bytes=2000-,0-9", 1000, [(0, 9)], id="r45_unsatisfiable_member_dropped"),
    pytest.param("bytes=0-", 0, IGNORE, id="r45_empty_representation"),
    pytest.param("bytes=-5", 0, IGNORE, id="r45_empty_representation_suffix"),
    pytest.param("bytes=5-", 0, IGNORE, id="r45_empty_representation_unsatisfiable"),
    pytest.param("bytes=0-0", 1, [(0, 0)], id="r45_one_byte_representation"),
    # R43 (§14.2, §14.1): what is not a valid bytes range-set is ignored.
    pytest.param(None, 1000, IGNORE, id="r43_absent"),
    pytest.param("items=0-5", 1000, IGNORE, id="r43_unit_not_bytes"),
    pytest.param("BYTES=0-5", 1000, [(0, 5)], id="r43_case_insensitive_unit"),
    pytest.param("ByTeS=0-5", 1000, [(0, 5)], id="r43_case_insensitive_unit_mixed"),
    pytest.param("bytes", 1000, IGNORE, id="r43_no_equals"),
    pytest.param("bytes 0-5", 1000, IGNORE, id="r43_space_instead_of_equals"),
    pytest.param("bytes =0-5", 1000, IGNORE, id="r43_space_before_equals"),
    pytest.param("=0-5", 1000, IGNORE, id="r43_no_unit"),
    pytest.param("bytes=", 1000, IGNORE, id="r43_empty_range_set"),
    pytest.param("bytes=, ,\t,", 1000, IGNORE, id="r43_only_empty_members"),
    pytest.param("bytes=abc", 1000, IGNORE, id="r43_other_range"),
    pytest.param("bytes=0-5,x", 1000, IGNORE, id="r43_other_range_spoils_the_field"),
    pytest.param("bytes=-", 1000, IGNORE, id="r43_lone_dash"),
    pytest.param("bytes=5", 1000, IGNORE, id="r43_no_dash"),
    pytest.param("bytes=0-5-", 1000, IGNORE, id="r43_two_dashes"),
    pytest.param("bytes=0--5", 1000, IGNORE, id="r43_negative_last"),
    pytest.param("bytes=--5", 1000, IGNORE, id="r43_negative_suffix"),
    pytest.param("bytes=+0-5", 1000, IGNORE, id="r43_plus_sign"),
    pytest.param("bytes=1_0-20", 1000, IGNORE, id="r43_underscore_int_would_accept"),
    pytest.param("bytes=\u0663-\u0665", 1000, IGNORE, id="r43_non_ascii_digits"),
    pytest.param("bytes=0 - 5", 1000, IGNORE, id="r43_whitespace_inside_a_range"),
    pytest.param("bytes=0-5\n", 1000, IGNORE, id="r43_newline_is_not_ows"),
    pytest.param("bytes=0-5;x", 1000, IGNORE, id="r43_parameter"),
    pytest.param("bytes=0-5 6-9", 1000, IGNORE, id="r43_missing_comma"),
    # §5.6.1 and R2: OWS around the value and the members, empty members.
    pytest.param(" \tbytes=0-5\t ", 1000, [(0, 5)], id="whitespace_around_the_value"),
    pytest.param("bytes= 0-5 ,\t10-20 ", 1000, [(0, 5), (10, 20)], id="whitespace_around_members"),
    pytest.param("bytes=,0-5,,10-20,", 1000, [(0, 5), (10, 20)], id="empty_members_skipped"),
    # R48 (§14.6, §15.3.7.2): coalescing and order.
    pytest.param("bytes=500-599,0-99", 1000, [(500, 599), (0, 99)], id="r48_requested_order_kept"),
    pytest.param("bytes=0-99,50-149", 1000, [(0, 149)], id="r48_overlapping_coalesced"),
    pytest.param("bytes=0-99,100-199", 1000, [(0, 199)], id="r48_adjacent_coalesced"),
    pytest.param("bytes=0-9,11-19", 1000, [(0, 9), (11, 19)], id="r48_gap_of_one_kept"),
    pytest.param("bytes=0-99,10-19", 1000, [(0, 99)], id="r48_contained_range_coalesced"),
    pytest.param("bytes=10-19,0-99", 1000, [(0, 99)], id="r48_containing_range_later"),
    pytest.param("bytes=20-29,0-9,10-19", 1000, [(0, 29)], id="r48_chain_coalesced"),
    pytest.param(
        "bytes=500-599,0-9,550-649", 1000, [(500, 649), (0, 9)], id="r48_merged_at_first_place"
    ),
    pytest.param(
        "bytes=900-909,0-9,5-19", 1000, [(900, 909), (0, 19)], id="r48_merged_at_its_members_place"
    ),
    pytest.param("bytes=-100,0-99", 1000, [(900, 999), (0, 99)], id="r48_suffix_keeps_its_place"),
    pytest.param("bytes=0-0,0-0", 1000, [(0, 0)], id="r48_duplicates_coalesced"),
    # R49 (§14.2, §17.15): denial of service.
    pytest.param(
        "bytes=" + ",".join(f"{2 * i}-{2 * i}" for i in range(MAX_RANGES + 1)),
        1000,
        IGNORE,
        id="r49_too_many",
    ),
    pytest.param("bytes=0-5" + "," * MAX_RANGES, 1000, IGNORE, id="r49_empty_members_count"),
    pytest.param("bytes=0-,0-", 1000, IGNORE, id="r49_sum_exceeds_length"),
    pytest.param("bytes=0-599,400-999", 1000, IGNORE, id="r49_sum_exceeds_length_overlapping"),
    pytest.param("bytes=0-,-1", 1000, IGNORE, id="r49_sum_exceeds_length_by_one"),
    pytest.param("bytes=0-499,500-999", 1000, [(0, 999)], id="r49_sum_equal_to_length"),
    pytest.param("bytes=0-999,5000-", 1000, [(0, 999)], id="r49_unsatisfiable_not_summed"),
]


def as_expected(result: tuple[ByteRange, ...] | RangeStatus) -> Expected:
    return result if isinstance(result, RangeStatus) else [(r.first, r.last) for r in result]


def from_reference(result: str | list[tuple[int, int]]) -> Expected:
    if result == IGNORE:
        return RangeStatus.IGNORE
    if result == UNSATISFIABLE:
        return RangeStatus.UNSATISFIABLE
    assert isinstance(result, list)
    return result


@pytest.mark.parametrize(("field", "length", "expected"), CASES)
def test_parse_range(field: str | None, length: int, expected: str | list[tuple[int, int]]) -> None:
    result = parse_range(field, length)
    assert as_expected(result) == from_reference(expected)
    # The table and the reference model agree too, so each checks the other.
    assert from_reference(reference_ranges(field, length)) == from_reference(expected)


def test_ranges_are_byte_range_tuples() -> None:
    result = parse_range("bytes=0-9,20-", 100)
    assert result == ((0, 9), (20, 99))
    assert isinstance(result, tuple)
    assert [(r.first, r.last, r.size) for r in result] == [(0, 9, 10), (20, 99, 80)]


def test_max_ranges_is_the_member_limit() -> None:
    assert parse_range("bytes=0-1", 10, max_ranges=1) == ((0, 1),)
    assert parse_range("bytes=0-1,3-4", 10, max_ranges=1) is RangeStatus.IGNORE
    assert parse_range("bytes=0-1,", 10, max_ranges=1) is RangeStatus.IGNORE
    assert parse_range("bytes=0-1,3-4", 10, max_ranges=2) == ((0, 1), (3, 4))
    field = "bytes=" + ",".join(f"{2 * i}-{2 * i}" for i in range(MAX_RANGES))
    result = parse_range(field, 1000)
    assert isinstance(result, tuple)
    assert len(result) == MAX_RANGES


def test_status_values_are_the_statuses_to_send() -> None:
    assert RangeStatus.IGNORE.value == 200
    assert RangeStatus.UNSATISFIABLE.value == 416


def test_the_largest_length() -> None:
    top = 2**63 - 1
    assert parse_range("bytes=-1", top) == ((top - 1, top - 1),)
    assert parse_range(f"bytes={top - 1}-{top * 10}", top) == ((top - 1, top - 1),)
    assert parse_range(f"bytes={top}-", top) is RangeStatus.UNSATISFIABLE


@pytest.mark.parametrize(
    ("length", "max_ranges"),
    [
        pytest.param(-1, MAX_RANGES, id="negative_length"),
        pytest.param(2**63, MAX_RANGES, id="length_above_2_63_minus_1"),
        pytest.param(10.0, MAX_RANGES, id="float_length"),
        pytest.param(10, 0, id="max_ranges_zero"),
        pytest.param(10, 1.5, id="float_max_ranges"),
    ],
)
def test_parse_range_rejects_application_mistakes(length: Any, max_ranges: Any) -> None:
    with pytest.raises(InvalidRangeError) as raised:
        parse_range("bytes=0-1", length, max_ranges=max_ranges)
    assert isinstance(raised.value, CondgetError)
    assert isinstance(raised.value, ValueError)


# --- Content-Range values (§14.4) -----------------------------------------------


def test_content_range() -> None:
    assert content_range(0, 99, 1000) == "bytes 0-99/1000"  # R47
    assert content_range(999, 999, 1000) == "bytes 999-999/1000"
    assert unsatisfied_range(1000) == "bytes */1000"  # R45
    assert unsatisfied_range(0) == "bytes */0"


@pytest.mark.parametrize(
    ("first", "last", "length"),
    [
        pytest.param(5, 4, 10, id="first_greater_than_last"),
        pytest.param(0, 10, 10, id="last_at_length"),
        pytest.param(-1, 4, 10, id="negative_first"),
        pytest.param(0, 0, 0, id="empty_representation"),
        pytest.param(0, 0, -1, id="negative_length"),
    ],
)
def test_content_range_rejects_what_is_not_a_range(first: int, last: int, length: int) -> None:
    with pytest.raises(InvalidRangeError):
        content_range(first, last, length)


def test_unsatisfied_range_rejects_a_negative_length() -> None:
    with pytest.raises(InvalidRangeError):
        unsatisfied_range(-1)


# --- PartialContent: the 206 layout (R47, R48) -----------------------------------


def test_single_range_layout() -> None:  # R47: no multipart, Content-Range at the top
    partial = PartialContent([(10, 19)], 100, "text/plain", boundary="unused")
    assert partial.boundary is None
    assert partial.headers == (("Content-Range", "bytes 10-19/100"), ("Content-Length", "10"))
    assert partial.segments == ((10, 19),)
    assert partial.content_length == 10
    assert partial.streamable


def test_multipart_layout_exactly() -> None:  # R48, §14.6: CRLF everywhere, per-part fields
    partial = PartialContent([(0, 1), (4, 5)], 10, "text/plain", boundary="THIS_SEPARATES")
    first = b"--THIS_SEPARATES\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n"
    second = (
        b"\r\n--THIS_SEPARATES\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-5/10\r\n\r\n"
    )
    closing = b"\r\n--THIS_SEPARATES--\r\n"
    assert partial.segments == (first, (0, 1), second, (4, 5), closing)
    assert partial.content_length == len(first) + 2 + len(second) + 2 + len(closing)
    assert partial.headers == (
        ("Content-Type", "multipart/byteranges; boundary=THIS_SEPARATES"),
        ("Content-Length", str(partial.content_length)),
    )
    assert partial.boundary == "THIS_SEPARATES"
    assert partial.ranges == ((0, 1), (4, 5))
    assert partial.length == 10


def test_multipart_parts_without_a_content_type() -> None:  # R48: only if the 200 has one
    partial = PartialContent([(0, 1), (4, 5)], 10, boundary="b")
    assert partial.segments[0] == b"--b\r\nContent-Range: bytes 0-1/10\r\n\r\n"


def test_content_type_in_latin_1() -> None:
    partial = PartialContent([(0, 1), (4, 5)], 10, "text/plain; title=\xe9", boundary="b")
    assert b"title=\xe9\r\n" in partial.segments[0]


def test_random_boundary() -> None:
    one, two = (PartialContent([(0, 1), (4, 5)], 10) for _ in range(2))
    assert one.boundary is not None
    assert re.fullmatch("[0-9a-f]{32}", one.boundary)  # 128 bits from secrets
    assert one.boundary != two.boundary


@pytest.mark.parametrize(
    ("ranges", "streamable"),
    [
        pytest.param([(0, 4), (5, 9)], True, id="adjacent_ascending"),
        pytest.param([(0, 1), (5, 9)], True, id="ascending"),
        pytest.param([(5, 9), (0, 1)], False, id="descending"),
        pytest.param([(0, 5), (5, 9)], False, id="overlapping"),
        pytest.param([(0, 1), (8, 9), (4, 5)], False, id="out_of_order_at_the_end"),
    ],
)
def test_streamable(ranges: list[tuple[int, int]], streamable: bool) -> None:
    assert PartialContent(ranges, 10).streamable is streamable


@pytest.mark.parametrize(
    ("ranges", "length", "content_type", "boundary"),
    [
        pytest.param([], 10, None, None, id="no_range"),
        pytest.param([(5, 4)], 10, None, None, id="first_greater_than_last"),
        pytest.param([(0, 10)], 10, None, None, id="last_at_length"),
        pytest.param([(-1, 4)], 10, None, None, id="negative_first"),
        pytest.param([(0, 1), (2, 3)], -1, None, None, id="negative_length"),
        pytest.param([(0, 1)], 10, "text/plain\r\nX-Injected: 1", None, id="crlf_in_content_type"),
        pytest.param([(0, 1)], 10, "text/\u20ac", None, id="content_type_above_latin_1"),
        pytest.param([(0, 1)], 10, None, "", id="empty_boundary"),
        pytest.param([(0, 1)], 10, None, "b" * 71, id="boundary_over_70"),
        pytest.param([(0, 1)], 10, None, "a b", id="boundary_with_space"),
        pytest.param([(0, 1)], 10, None, "a\r\n", id="boundary_with_crlf"),
        pytest.param([(0, 1)], 10, None, "a=b", id="boundary_needing_quotes"),
    ],
)
def test_partial_content_rejects_application_mistakes(
    ranges: list[tuple[int, int]], length: int, content_type: str | None, boundary: str | None
) -> None:
    with pytest.raises(InvalidRangeError):
        PartialContent(ranges, length, content_type, boundary=boundary)


def test_partial_content_is_frozen() -> None:
    partial = PartialContent([(0, 1)], 10)
    with pytest.raises(AttributeError):
        partial.length = 5  # type: ignore[misc]


# --- RangeSlicer -----------------------------------------------------------------

BODY = bytes(range(100))


def test_slicer_single_range_stops_early() -> None:
    slicer = RangeSlicer(PartialContent([(10, 24)], 100))
    steps = [
        (slicer.feed(BODY[a:b]), slicer.done) for a, b in [(0, 8), (8, 20), (20, 40), (40, 100)]
    ]
    assert (
        steps
        == [
            (b"", False),  # before the range
            (BODY[10:20], False),
            (BODY[20:25], True),  # done: the rest of the body can stay unread
            (b"", True),
        ]
    )


def test_slicer_returns_a_chunk_inside_the_range_uncopied() -> None:
    slicer = RangeSlicer(PartialContent([(0, 99)], 100))
    chunk = BODY[10:20]
    slicer.feed(BODY[:10])
    assert slicer.feed(chunk) is chunk


def test_slicer_empty_chunks() -> None:
    slicer = RangeSlicer(PartialContent([(0, 0)], 100))
    assert slicer.feed(b"") == b""
    assert not slicer.done
    assert slicer.feed(BODY) == BODY[:1]
    assert slicer.done


def test_slicer_multipart_sends_framing_as_soon_as_it_can() -> None:
    partial = PartialContent([(2, 3), (6, 7)], 10, boundary="b")
    head, _, middle, _, closing = partial.segments
    assert isinstance(middle, bytes)
    assert isinstance(closing, bytes)
    slicer = RangeSlicer(partial)
    assert slicer.feed(b"") == head
    assert slicer.feed(b"012") == b"2"
    assert slicer.feed(b"3") == b"3" + middle
    assert slicer.feed(b"4567") == b"67" + closing
    assert slicer.done


def test_slicer_short_body_is_never_done() -> None:
    slicer = RangeSlicer(PartialContent([(5, 9)], 10))
    slicer.feed(b"0123456")
    assert not slicer.done  # the promised Content-Length cannot be met: abort


def test_slicer_refuses_ranges_out_of_order() -> None:
    with pytest.raises(InvalidRangeError, match="not ascending"):
        RangeSlicer(PartialContent([(5, 9), (0, 1)], 10))


def test_segments_serve_any_order_by_seeking() -> None:
    # What a file-backed adapter does: seek and read each range (R48, §15.3.7.2).
    body = random.Random(0).randbytes(1000)
    partial = PartialContent([(900, 949), (0, 9), (500, 500)], 1000, "image/png")
    assert not partial.streamable
    out = seek_and_read(io.BytesIO(body), partial)
    assert len(out) == partial.content_length
    parts = parse_multipart(partial, out)
    assert [payload for _, _, payload in parts] == [body[900:950], body[0:10], body[500:501]]


def seek_and_read(file: io.BytesIO, partial: PartialContent) -> bytes:
    out = io.BytesIO()
    for segment in partial.segments:
        if isinstance(segment, bytes):
            out.write(segment)
        else:
            file.seek(segment.first)
            out.write(file.read(segment.size))
    return out.getvalue()


# --- Hypothesis: parse_range against the reference model --------------------------

NUMBERS = st.one_of(
    st.integers(0, 40).map(str),
    st.integers(0, 12_000).map(str),
    st.sampled_from(["00", "0007", "9" * 25, "0" * 30 + "1", "1" + "0" * 40]),
)
SPECS = st.one_of(
    st.tuples(NUMBERS, NUMBERS | st.just("")).map("-".join),
    NUMBERS.map("-{}".format),
    st.sampled_from(["", " ", "\t", "-", "x", "0-5-", "1 -2", "+1-2", "\u0663-4", "1_0-20"]),
    st.text(max_size=6),
)
SEPARATORS = st.sampled_from([",", ", ", " ,", ",\t", ",,", " , "])
UNITS = st.sampled_from(["bytes", "bytes", "BYTES", "Bytes", "items", "bytes ", " bytes", ""])
PADDING = st.sampled_from(["", " ", "\t ", "\n"])


@st.composite
def range_fields(draw: st.DrawFn) -> str:
    specs = draw(st.lists(SPECS, min_size=1, max_size=8))
    seps = draw(st.lists(SEPARATORS, min_size=len(specs), max_size=len(specs)))
    range_set = "".join(sep + spec for sep, spec in zip(seps, specs, strict=True))[len(seps[0]) :]
    equals = draw(st.sampled_from(["=", "=", "=", " =", ""]))
    return draw(PADDING) + draw(UNITS) + equals + range_set + draw(PADDING)


FIELDS = st.one_of(st.none(), st.text(), range_fields())
LENGTHS = st.one_of(st.integers(0, 40), st.integers(0, 10_000))


@given(FIELDS, LENGTHS, st.integers(1, 10))
@example("bytes=0-1,2-3,4-5", 10, 3)
@example("bytes=0-1,2-3,4-5,", 10, 3)
@example("bytes=5-9,0-1,3-3", 10, 3)
def test_parse_range_agrees_with_the_reference(
    field: str | None, length: int, max_ranges: int
) -> None:
    result = parse_range(field, length, max_ranges=max_ranges)
    assert as_expected(result) == from_reference(reference_ranges(field, length, max_ranges))
    if isinstance(result, tuple):
        # Never empty, never overlapping or adjacent, each within the length.
        assert result
        assert all(0 <= r.first <= r.last < length for r in result)
        ordered = sorted(result)
        assert all(b.first > a.last + 1 for a, b in itertools.pairwise(ordered))


@given(st.text(max_size=2000), LENGTHS)
def test_parse_range_never_raises(field: str, length: int) -> None:
    result = parse_range(field, length)
    assert isinstance(result, RangeStatus | tuple)
    result = parse_range("bytes=" + field, length)
    assert isinstance(result, RangeStatus | tuple)


# --- Hypothesis: the slicer and the multipart body ----------------------------------

CONTENT_TYPES = st.sampled_from([None, "text/plain", "application/pdf", "text/html; charset=utf-8"])


@st.composite
def ascending_ranges(draw: st.DrawFn, length: int) -> list[tuple[int, int]]:
    # Disjoint ascending ranges: pairs of distinct sorted cut points.
    count = draw(st.integers(1, min(6, length)))
    bounds = sorted(draw(st.sets(st.integers(0, length - 1), min_size=count, max_size=2 * count)))
    if len(bounds) % 2:
        bounds.append(bounds[-1])  # last range: a single byte
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]


# The body, its 206 layout, the representation's Content-Type, the body's chunks.
Stream = tuple[bytes, PartialContent, str | None, list[bytes]]


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    length = draw(st.integers(1, 3000))
    body = random.Random(draw(st.integers(0, 2**32))).randbytes(length)
    if draw(st.booleans()):
        ranges = draw(ascending_ranges(length))
    else:
        # What parse_range hands an engine, when it can be streamed.
        parsed = parse_range(draw(range_fields()), length)
        ranges = list(parsed) if isinstance(parsed, tuple) else [(0, length - 1)]
        if not PartialContent(ranges, length).streamable:
            ranges.sort()
    content_type = draw(CONTENT_TYPES)
    partial = PartialContent(ranges, length, content_type)
    cuts = sorted(draw(st.lists(st.integers(0, length), max_size=30)))
    chunks = [body[a:b] for a, b in zip([0, *cuts], [*cuts, length], strict=True)]
    return body, partial, content_type, chunks


def one_shot(body: bytes, partial: PartialContent) -> bytes:
    return b"".join(
        s if isinstance(s, bytes) else body[s.first : s.last + 1] for s in partial.segments
    )


@given(streams())
def test_slicer_emits_the_one_shot_body(stream: Stream) -> None:
    body, partial, content_type, chunks = stream
    expected = one_shot(body, partial)
    assert len(expected) == partial.content_length  # precomputed, exactly
    ranges = [(r.first, r.last) for r in partial.ranges]
    assert expected == reference_body(body, ranges, partial.boundary or "", content_type)
    slicer = RangeSlicer(partial)
    out = []
    for chunk in chunks:
        out.append(slicer.feed(chunk))
        if slicer.done:
            break  # the engine closes the app iterable here
    assert slicer.done
    assert b"".join(out) == expected


def parse_multipart(partial: PartialContent, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """The parts of a multipart/byteranges body as the standard library reads them."""
    (name, value), _ = partial.headers
    assert name == "Content-Type"
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        f"Content-Type: {value}\r\n\r\n".encode() + body
    )
    assert message.get_content_type() == "multipart/byteranges"
    assert message.defects == []
    parts = []
    for part in message.get_payload():
        assert isinstance(part, Message)
        assert part.defects == []
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append((part["Content-Range"], part["Content-Type"], payload))
    return parts


@given(streams(), st.integers(2, 8))
def test_every_multipart_body_parses_with_email(stream: Stream, spread: int) -> None:
    body, partial, content_type, _ = stream
    if partial.boundary is None:
        # Make it multipart: spread the single range over several parts.
        length = len(body)
        step = max(1, length // spread)
        ranges = [(start, start) for start in range(0, length, step)][:spread]
        if len(ranges) < 2:
            return
        partial = PartialContent(ranges, length, content_type)
    out = one_shot(body, partial)
    assert len(out) == partial.content_length
    parts = parse_multipart(partial, out)
    assert parts == [
        (content_range(r.first, r.last, len(body)), content_type, body[r.first : r.last + 1])
        for r in partial.ranges
    ]


# --- Hostile fields (R49, §17.15) ---------------------------------------------------

KIB = 1024


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        pytest.param(
            "bytes=" + ",".join(["0-"] * 10_000), RangeStatus.IGNORE, id="10000_overlapping"
        ),
        pytest.param(
            "bytes=" + ",".join(["0-"] * 100), RangeStatus.IGNORE, id="100_times_the_length"
        ),
        pytest.param("bytes=" + "," * 64 * KIB, RangeStatus.IGNORE, id="64_kib_of_commas"),
        pytest.param("bytes=" + "1" * 64 * KIB + "-", RangeStatus.UNSATISFIABLE, id="64_kib_first"),
        pytest.param("bytes=0-" + "9" * 64 * KIB, ((0, 9999),), id="64_kib_last"),
        pytest.param("bytes=-" + "0" * 64 * KIB + "1", ((9999, 9999),), id="64_kib_of_zeros"),
        pytest.param("bytes=" + " " * 64 * KIB + "0-1", ((0, 1),), id="64_kib_of_spaces"),
        pytest.param("bytes=" + "0-1 " * 16 * KIB, RangeStatus.IGNORE, id="64_kib_one_bad_member"),
        pytest.param("x" * 64 * KIB, RangeStatus.IGNORE, id="64_kib_of_garbage"),
        pytest.param("bytes=" + "-" * 64 * KIB, RangeStatus.IGNORE, id="64_kib_of_dashes"),
    ],
)
def test_hostile_fields(field: str, expected: object) -> None:
    assert parse_range(field, 10_000) == expected


def test_ten_thousand_ranges_when_allowed() -> None:
    # Raising max_ranges still leaves the sum rule (R49) and linear coalescing.
    overlapping = "bytes=" + ",".join(["0-"] * 10_000)
    assert parse_range(overlapping, 10_000, max_ranges=10_000) is RangeStatus.IGNORE
    descending = "bytes=" + ",".join(f"{i}-{i}" for i in reversed(range(10_000)))
    assert parse_range(descending, 10_000, max_ranges=10_000) == ((0, 9999),)
    spaced = "bytes=" + ",".join(f"{2 * i}-{2 * i}" for i in range(5_000))
    result = parse_range(spaced, 10_000, max_ranges=10_000)
    assert isinstance(result, tuple)
    assert len(result) == 5_000


def count_calls(function: Callable[[], object]) -> int:
    """The Python and C calls ``function`` makes (deterministic, unlike a stopwatch)."""
    calls = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        function()
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize(
    "unit",
    [pytest.param("0-,", id="overlapping"), pytest.param(",", id="commas")],
)
def test_a_refused_field_costs_the_same_whatever_its_size(unit: str) -> None:
    # R49: too many members are refused before anything is built, so the work
    # is one scan in C, whatever the size; per-member work would show here.
    small, large = ("bytes=" + unit * size for size in (1_000, 10_000))
    assert count_calls(lambda: parse_range(small, 10_000)) == count_calls(
        lambda: parse_range(large, 10_000)
    )
