"""Entity-tags (RFC 9110 §8.8.3): the strict grammar, lists, comparison, hashing."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from condget import ANY, ETag, InvalidETagError, InvalidValidatorError, parse_etag_list
from condget.engine import ETagHasher

# --- One entity-tag (R4) ----------------------------------------------------

VALID_TAGS = [
    pytest.param('"xyzzy"', "xyzzy", False, id="strong"),
    pytest.param('W/"xyzzy"', "xyzzy", True, id="weak"),
    pytest.param('""', "", False, id="empty_opaque"),
    pytest.param('W/""', "", True, id="weak_empty_opaque"),
    pytest.param('"a,b"', "a,b", False, id="comma_inside"),
    pytest.param('"a\\b"', "a\\b", False, id="backslash_is_ordinary"),
    pytest.param('"a\\"', "a\\", False, id="trailing_backslash_does_not_escape_the_quote"),
    pytest.param('"W/x"', "W/x", False, id="weak_prefix_inside_quotes"),
    pytest.param('"!#~"', "!#~", False, id="etagc_edges_21_23_7e"),
    pytest.param('"\x80\xe9\xff"', "\x80\xe9\xff", False, id="obs_text_80_to_ff"),
    pytest.param(' \t"xyzzy"\t ', "xyzzy", False, id="surrounding_whitespace_trimmed"),
]

INVALID_TAGS = [
    pytest.param("xyzzy", id="unquoted"),
    pytest.param('w/"xyzzy"', id="lowercase_weak_prefix"),
    pytest.param('W/ "xyzzy"', id="space_after_weak_prefix"),
    pytest.param('W "xyzzy"', id="weak_prefix_without_slash"),
    pytest.param('/"xyzzy"', id="slash_without_w"),
    pytest.param('W/W/"xyzzy"', id="double_weak_prefix"),
    pytest.param('"xyzzy', id="unterminated"),
    pytest.param('xyzzy"', id="unopened"),
    pytest.param('"', id="lone_quote"),
    pytest.param('"a"b"', id="inner_quote"),
    pytest.param('\\"a\\"', id="escaped_quotes"),
    pytest.param('"a b"', id="space_inside"),
    pytest.param('"a\tb"', id="tab_inside"),
    pytest.param('"a\x00"', id="nul"),
    pytest.param('"a\x1f"', id="control_1f"),
    pytest.param('"a\x7f"', id="del_7f"),
    pytest.param('"a\r\n"', id="crlf"),
    pytest.param('"\u0100"', id="above_ff"),
    pytest.param('"\u20ac"', id="euro_sign"),
    pytest.param('"\U0001f600"', id="astral"),
    pytest.param('"a", "b"', id="two_tags"),
    pytest.param('"a" "b"', id="two_tags_without_comma"),
    pytest.param("*", id="star"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="only_spaces"),
    pytest.param('"a"\n', id="trailing_newline_is_not_ows"),
]


@pytest.mark.parametrize(("text", "opaque", "weak"), VALID_TAGS)
def test_parse_valid(text: str, opaque: str, weak: bool) -> None:
    tag = ETag.parse(text)
    assert (tag.opaque, tag.weak) == (opaque, weak)
    assert tag == ETag(opaque, weak=weak)
    assert ETag.parse_or_none(text) == tag
    assert str(tag) == text.strip(" \t")


@pytest.mark.parametrize("text", INVALID_TAGS)
def test_parse_invalid(text: str) -> None:
    assert ETag.parse_or_none(text) is None
    with pytest.raises(InvalidETagError, match="is not an entity-tag"):
        ETag.parse(text)


@pytest.mark.parametrize(
    "opaque",
    [
        pytest.param('a"b', id="quote"),
        pytest.param("a b", id="space"),
        pytest.param("\x00", id="nul"),
        pytest.param("\x7f", id="del"),
        pytest.param("\u0100", id="above_ff"),
        pytest.param('"xyzzy"', id="already_quoted"),
    ],
)
def test_constructor_rejects_what_cannot_be_an_opaque_tag(opaque: str) -> None:
    with pytest.raises(InvalidETagError, match="cannot be an entity-tag's opaque part"):
        ETag(opaque)


@pytest.mark.parametrize("opaque", [b"xyzzy", 1, None], ids=["bytes", "int", "none"])
def test_constructor_rejects_non_text(opaque: Any) -> None:
    with pytest.raises(InvalidETagError):
        ETag(opaque)


def test_invalid_etag_error_is_a_value_error() -> None:
    assert issubclass(InvalidETagError, InvalidValidatorError)
    assert issubclass(InvalidETagError, ValueError)


def test_str_is_the_header_form() -> None:
    assert str(ETag("v1")) == '"v1"'
    assert str(ETag("v1", weak=True)) == 'W/"v1"'
    assert str(ETag("")) == '""'


def test_etag_is_a_value() -> None:
    tag = ETag("v1", weak=True)
    assert tag == ETag.parse('W/"v1"')
    assert tag != ETag("v1")
    assert len({tag, ETag.parse('W/"v1"'), ETag("v1")}) == 2
    assert pickle.loads(pickle.dumps(tag)) == tag
    assert copy.copy(tag) == tag
    assert str(dataclasses.replace(tag, weak=False)) == '"v1"'
    with pytest.raises(dataclasses.FrozenInstanceError):
        tag.opaque = "v2"  # type: ignore[misc]


# --- Lists: If-Match / If-None-Match (R3, R5, R6, R13) ----------------------


def tags(*texts: str) -> list[ETag]:
    return [ETag.parse(text) for text in texts]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("*", ANY, id="star"),
        pytest.param(" \t*\t ", ANY, id="star_with_surrounding_whitespace"),
        pytest.param('"a"', tags('"a"'), id="one"),
        pytest.param('"a", W/"b", "c"', tags('"a"', 'W/"b"', '"c"'), id="three_in_order"),
        pytest.param('"a","b"', tags('"a"', '"b"'), id="no_space_after_comma"),
        pytest.param('"a"\t,\t"b"', tags('"a"', '"b"'), id="tabs_around_comma"),
        pytest.param('"a,b"', tags('"a,b"'), id="comma_inside_is_one_member"),
        pytest.param('"a,b", "c"', tags('"a,b"', '"c"'), id="comma_inside_then_another"),
        pytest.param('","', tags('","'), id="lone_comma_tag"),
        pytest.param('"a", "a"', tags('"a"', '"a"'), id="duplicates_kept"),
        pytest.param('""', tags('""'), id="empty_opaque"),
        pytest.param('"", ""', tags('""', '""'), id="two_empty_opaques"),
        pytest.param(', ,"a",, "b" ,', tags('"a"', '"b"'), id="empty_members_skipped"),
        pytest.param(",", [], id="only_a_comma"),
        pytest.param(" , , ", [], id="only_empty_members"),
        pytest.param("", [], id="empty_list"),
        pytest.param("   ", [], id="only_spaces"),
        pytest.param('"\x80\xff"', tags('"\x80\xff"'), id="obs_text"),
        pytest.param('"a\\", "b"', tags('"a\\"', '"b"'), id="backslash_does_not_escape"),
    ],
)
def test_parse_etag_list_valid(value: str, expected: object) -> None:
    assert parse_etag_list(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('*, "a"', id="star_then_tag"),
        pytest.param('"a", *', id="tag_then_star"),
        pytest.param("*, *", id="two_stars"),
        pytest.param("**", id="double_star"),
        pytest.param('"a" "b"', id="missing_comma"),
        pytest.param('"a""b"', id="adjacent_tags"),
        pytest.param('"a",b', id="unquoted_member"),
        pytest.param('w/"a"', id="lowercase_weak_prefix"),
        pytest.param('W/ "a"', id="space_after_weak_prefix"),
        pytest.param('"a', id="unbalanced_quote"),
        pytest.param('"a", "b', id="unbalanced_last_member"),
        pytest.param('"a" x', id="trailing_junk"),
        pytest.param('"a";q=1', id="parameter"),
        pytest.param('"\u20ac"', id="above_ff"),
        pytest.param('"a\x01"', id="control"),
        pytest.param('"a"\r\n, "b"', id="crlf_is_not_ows"),
        pytest.param('"a b"', id="space_inside"),
    ],
)
def test_parse_etag_list_invalid(value: str) -> None:
    assert parse_etag_list(value) is None


def test_any_repr() -> None:
    assert repr(ANY) == "condget.ANY"


# --- Comparison (§8.8.3.2, RFC 9110 table 3; R10, R11) -----------------------


@pytest.mark.parametrize(
    ("first", "second", "strong", "weak"),
    [
        pytest.param('W/"1"', 'W/"1"', False, True, id="weak_1_weak_1"),
        pytest.param('W/"1"', 'W/"2"', False, False, id="weak_1_weak_2"),
        pytest.param('W/"1"', '"1"', False, True, id="weak_1_strong_1"),
        pytest.param('"1"', '"1"', True, True, id="strong_1_strong_1"),
        # Beyond table 3: octet-exact and case-sensitive.
        pytest.param('"1"', '"2"', False, False, id="strong_1_strong_2"),
        pytest.param('"a"', '"A"', False, False, id="case_sensitive"),
        pytest.param('"a"', '"ab"', False, False, id="prefix_is_not_equal"),
        pytest.param('""', '""', True, True, id="empty_opaques"),
        pytest.param('"\xe9"', '"\xe9"', True, True, id="obs_text"),
    ],
)
def test_comparison(first: str, second: str, strong: bool, weak: bool) -> None:
    a, b = ETag.parse(first), ETag.parse(second)
    assert a.strong_match(b) is strong
    assert b.strong_match(a) is strong
    assert a.weak_match(b) is weak
    assert b.weak_match(a) is weak


# --- ETagHasher ---------------------------------------------------------------


def test_hasher_example_from_its_docstring() -> None:
    hasher = ETagHasher()
    hasher.update(b"hello ")
    hasher.update(b"world")
    assert str(hasher.etag()) == '"uU0nuZNNPgilLlLX2n2r-g"'
    assert str(hasher.etag(weak=True)) == 'W/"uU0nuZNNPgilLlLX2n2r-g"'


def test_hasher_depends_on_bytes_not_chunking() -> None:
    whole, chunked, other = ETagHasher(), ETagHasher(), ETagHasher()
    whole.update(b"abcdef")
    for chunk in (b"a", b"", b"bcd", b"ef"):
        chunked.update(chunk)
    other.update(b"abcdeg")
    assert whole.etag() == chunked.etag()
    assert whole.etag() != other.etag()


def test_hasher_tag_is_a_valid_entity_tag() -> None:
    tag = ETagHasher().etag()
    assert len(tag.opaque) == 22
    assert ETag.parse(str(tag)) == tag
