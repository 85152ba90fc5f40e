"""Reading the conditional fields from any headers object (R1: repeated lines join)."""

from __future__ import annotations

import email.message
import http.client
import io
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

from condget import Conditions
from condget._headers import header_items

ALL_FIELDS = Conditions(
    if_match='"a"',
    if_none_match='"b"',
    if_modified_since="Sun, 06 Nov 1994 08:49:37 GMT",
    if_unmodified_since="Sun, 06 Nov 1994 08:49:38 GMT",
    if_range='"c"',
    range="bytes=0-9",
)
ALL_PAIRS = [
    ("If-Match", '"a"'),
    ("If-None-Match", '"b"'),
    ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:38 GMT"),
    ("If-Range", '"c"'),
    ("Range", "bytes=0-9"),
]


def test_defaults_are_absent() -> None:
    assert Conditions() == (None, None, None, None, None, None)
    assert Conditions.from_headers({}) == Conditions()
    assert Conditions.from_headers([("Accept", "*/*")]) == Conditions()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(dict(ALL_PAIRS), id="dict"),
        pytest.param(ALL_PAIRS, id="pairs"),
        pytest.param(tuple(ALL_PAIRS), id="tuple"),
        pytest.param(iter(ALL_PAIRS), id="iterator"),
        pytest.param(MappingProxyType(dict(ALL_PAIRS)), id="mapping_proxy"),
        pytest.param([(name.lower(), value) for name, value in ALL_PAIRS], id="lowercase"),
        pytest.param([(name.upper(), value) for name, value in ALL_PAIRS], id="uppercase"),
        pytest.param([("Accept", "*/*"), *ALL_PAIRS, ("Cookie", "a=b")], id="among_others"),
    ],
)
def test_every_field_is_read(headers: Any) -> None:
    assert Conditions.from_headers(headers) == ALL_FIELDS


@pytest.mark.parametrize(
    ("pairs", "field", "value"),
    [
        pytest.param(
            [("If-None-Match", '"a"'), ("If-None-Match", '"b"')],
            "if_none_match",
            '"a", "b"',
            id="if_none_match_lines_joined_in_order",
        ),
        pytest.param(
            [("If-Match", '"a"'), ("if-match", '"b"'), ("IF-MATCH", '"c"')],
            "if_match",
            '"a", "b", "c"',
            id="names_differing_in_case_are_one_field",
        ),
        pytest.param(
            [("If-None-Match", '"a"'), ("Accept", "*/*"), ("If-None-Match", '"b"')],
            "if_none_match",
            '"a", "b"',
            id="lines_not_adjacent",
        ),
        pytest.param(
            [("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")] * 2,
            "if_modified_since",
            "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
            id="date_lines_joined_into_a_non_date",
        ),
        pytest.param(
            [("If-None-Match", ""), ("If-None-Match", '"a"')],
            "if_none_match",
            ', "a"',
            id="empty_line_kept",
        ),
        pytest.param([("If-None-Match", "")], "if_none_match", "", id="empty_is_present"),
    ],
)
def test_repeated_lines_are_joined(pairs: list[tuple[str, str]], field: str, value: str) -> None:
    # R1, §5.3: several lines mean one value joined with ", ".
    assert getattr(Conditions.from_headers(pairs), field) == value


def test_values_are_kept_as_given() -> None:
    # Parsing (and trimming, R2) is the evaluator's job, so nothing is lost here.
    conditions = Conditions.from_headers([("If-None-Match", ' \t"a" \t')])
    assert conditions.if_none_match == ' \t"a" \t'


def email_headers() -> email.message.Message:
    message = email.message.Message()
    message["If-None-Match"] = '"a"'
    message["If-None-Match"] = '"b"'
    message["If-Match"] = "*"
    return message


def http_server_headers() -> http.client.HTTPMessage:
    # What http.server.BaseHTTPRequestHandler.headers holds.
    raw = b'If-None-Match: "a"\r\nIf-None-Match: "b"\r\nIf-Match: *\r\n\r\n'
    return http.client.parse_headers(io.BytesIO(raw))


class MultiDict(Mapping[str, str]):
    """A multi-value mapping (werkzeug, Starlette style): ``items()`` lists every line."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> str:
        return next(v for k, v in self._pairs if k.lower() == key.lower())

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._pairs))

    def __len__(self) -> int:
        return len(set(k for k, _ in self._pairs))

    def items(self) -> Any:
        return list(self._pairs)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(email_headers(), id="email_message"),
        pytest.param(http_server_headers(), id="http_server_message"),
        pytest.param(
            MultiDict([("If-None-Match", '"a"'), ("If-None-Match", '"b"'), ("If-Match", "*")]),
            id="multi_value_mapping",
        ),
    ],
)
def test_header_objects_that_hold_repeated_lines(headers: Any) -> None:
    # These iterate over names, not pairs, and list every line in items().
    conditions = Conditions.from_headers(headers)
    assert conditions.if_none_match == '"a", "b"'
    assert conditions.if_match == "*"


def test_header_items() -> None:
    pairs = [("A", "1"), ("A", "2")]
    assert header_items(pairs) is pairs
    assert list(header_items({"A": "1"})) == [("A", "1")]


def test_conditions_is_immutable() -> None:
    conditions = Conditions(if_match="*")
    with pytest.raises(AttributeError):
        conditions.if_match = '"a"'  # type: ignore[misc]
