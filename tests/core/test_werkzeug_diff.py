"""condget against ``werkzeug.http``: the same answers wherever RFC 9110 leaves no choice.

Three functions are compared: ``parse_etags`` with :func:`condget.parse_etag_list`,
``parse_date`` with :func:`condget.parse_http_date`, and ``is_resource_modified``
(turned into a status the way Werkzeug's ``Response.make_conditional`` turns it,
for GET, ranges aside) with :func:`condget.evaluate`.

Hypothesis checks agreement on inputs where the RFC and Werkzeug coincide.
Every place where condget answers differently on purpose is one named entry
of :data:`DIFFERENCES`, with the rule of ``rfc-rules.md`` that decides it;
the docs cite this table. Each entry is checked both ways: condget gives the
RFC's answer, and Werkzeug (3.1 when this was written) still gives the
other one, so the table cannot go stale silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.http import is_resource_modified, parse_date, parse_etags

from condget import ANY, ETag, InvalidValidatorError, evaluate, format_http_date, parse_etag_list
from condget import parse_http_date as condget_parse_http_date

LM: Final = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT
LM_IMF: Final = "Sun, 06 Nov 1994 08:49:37 GMT"

# --- Both libraries' answers in one comparable form --------------------------------


def ours_etags(value: str) -> str:
    parsed = parse_etag_list(value)
    if parsed is None:
        return "invalid"
    if parsed is ANY:
        return "*"
    assert isinstance(parsed, list)
    return ", ".join(sorted({str(tag) for tag in parsed}))


def werkzeug_etags(value: str) -> str:
    etags = parse_etags(value)
    if etags.star_tag:
        return "*"
    strong = {"None" if tag is None else f'"{tag}"' for tag in etags._strong}
    weak = {f'W/"{tag}"' for tag in etags._weak}
    return ", ".join(sorted(strong | weak))


def ours_date(value: str) -> str:
    parsed = condget_parse_http_date(value)
    return "invalid" if parsed is None else parsed.isoformat()


def werkzeug_date(value: str) -> str:
    parsed = parse_date(value)
    return "invalid" if parsed is None else parsed.isoformat()


Headers = tuple[tuple[str, str], ...]


def ours_status(headers: Headers, etag: str | None, last_modified: int | None) -> int:
    decision = evaluate("GET", headers, etag=etag, last_modified=last_modified)
    return decision.status or 200


def werkzeug_status(headers: Headers, etag: str | None, last_modified: int | None) -> int:
    environ: dict[str, str] = {}
    for name, value in headers:  # a WSGI server joins repeated lines (R1)
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = value if key not in environ else f"{environ[key]}, {value}"
    modified_at = None if last_modified is None else datetime.fromtimestamp(last_modified, UTC)
    if is_resource_modified(environ, etag, last_modified=modified_at):
        return 200
    # Response.make_conditional: "not modified" is a 412 when If-Match parses.
    return 412 if parse_etags(environ.get("HTTP_IF_MATCH")) else 304


# --- The deliberate differences -------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One input on which condget and Werkzeug answer differently, and why condget's is right.

    Attributes:
        id: A snake_case name.
        rules: The rules of ``rfc-rules.md`` that decide it.
        compares: ``"parse_etags"``, ``"parse_date"`` or ``"is_resource_modified"``.
        ours: condget's answer (a list, a date, or a GET's status).
        werkzeug: Werkzeug's answer, in the same form.
        value: The field value, for the two parsers.
        headers: The request's fields, for ``is_resource_modified``.
        etag: The response's ``ETag``, for ``is_resource_modified``.
        last_modified: The response's ``Last-Modified``, in POSIX seconds.
    """

    id: str
    rules: tuple[str, ...]
    compares: str
    ours: str
    werkzeug: str
    value: str = ""
    headers: Headers = ()
    etag: str | None = '"a"'
    last_modified: int | None = LM


def _etags(id: str, rules: tuple[str, ...], value: str, ours: str, werkzeug: str) -> Difference:
    return Difference(id, rules, "parse_etags", ours, werkzeug, value=value)


def _date(id: str, rules: tuple[str, ...], value: str, ours: str, werkzeug: str) -> Difference:
    return Difference(id, rules, "parse_date", ours, werkzeug, value=value)


def _status(
    id: str,
    rules: tuple[str, ...],
    headers: Headers,
    ours: int,
    werkzeug: int,
    *,
    etag: str | None = '"a"',
    last_modified: int | None = LM,
) -> Difference:
    return Difference(
        id,
        rules,
        "is_resource_modified",
        str(ours),
        str(werkzeug),
        headers=headers,
        etag=etag,
        last_modified=last_modified,
    )


LM_1994 = "1994-11-06T08:49:37+00:00"

DIFFERENCES: Final[tuple[Difference, ...]] = (
    # parse_etags: condget reads the entity-tag grammar strictly (R4) and a
    # field with any invalid member as invalid as a whole (R13).
    _etags("lowercase_weak_prefix", ("R4",), 'w/"a"', "invalid", 'W/"a"'),
    _etags("unquoted_tag", ("R4",), "a", "invalid", '"a"'),
    _etags("empty_opaque_tag", ("R4",), '""', '""', "None"),
    _etags("space_inside_tag", ("R4",), '"a b"', "invalid", '"a b"'),
    _etags("control_character_inside_tag", ("R4",), '"a\x01"', "invalid", '"a\x01"'),
    _etags("character_above_latin1", ("R4",), '"\u20ac"', "invalid", '"\u20ac"'),
    _etags("star_mixed_with_tags", ("R6", "R13"), '*, "a"', "invalid", '"*", "a"'),
    _etags("star_with_surrounding_whitespace", ("R2", "R6"), " * ", "*", '"*"'),
    _etags("missing_comma", ("R5", "R13"), '"a" "b"', "invalid", ""),
    _etags("crlf_is_not_optional_whitespace", ("R3", "R13"), '"a"\r\n, "b"', "invalid", '"b"'),
    # parse_date: condget takes exactly the three HTTP-date formats (R7, R8);
    # Werkzeug takes whatever email.utils.parsedate_to_datetime takes.
    _date("lowercase_names", ("R7", "R8"), "sun, 06 nov 1994 08:49:37 gmt", "invalid", LM_1994),
    _date("utc_zone", ("R8",), "Sun, 06 Nov 1994 08:49:37 UTC", "invalid", LM_1994),
    _date("numeric_zone", ("R8",), "Sun, 06 Nov 1994 08:49:37 +0000", "invalid", LM_1994),
    _date(
        "non_gmt_offset",
        ("R8",),
        "Sun, 06 Nov 1994 09:49:37 +0100",
        "invalid",
        "1994-11-06T09:49:37+01:00",
    ),
    _date(
        "other_zone_name",
        ("R8",),
        "Sun, 06 Nov 1994 08:49:37 EST",
        "invalid",
        "1994-11-06T08:49:37-05:00",
    ),
    _date("missing_zone", ("R7", "R8"), "Sun, 06 Nov 1994 08:49:37", "invalid", LM_1994),
    _date("double_space", ("R7", "R8"), "Sun,  06 Nov 1994 08:49:37 GMT", "invalid", LM_1994),
    _date("length_parameter", ("R8",), f"{LM_IMF}; length=1234", "invalid", LM_1994),
    _date("list_of_dates", ("R9",), f"{LM_IMF}, {LM_IMF}", "invalid", LM_1994),
    _date(
        "two_digit_year_in_imf_fixdate", ("R7",), "Sun, 06 Nov 94 08:49:37 GMT", "invalid", LM_1994
    ),
    _date("one_digit_day", ("R7",), "Sun, 6 Nov 1994 08:49:37 GMT", "invalid", LM_1994),
    _date("no_day_name", ("R7",), "06 Nov 1994 08:49:37 GMT", "invalid", LM_1994),
    _date("long_month_name", ("R7",), "Sun, 06 November 1994 08:49:37 GMT", "invalid", LM_1994),
    _date(
        "no_seconds", ("R7",), "Sun, 06 Nov 1994 08:49 GMT", "invalid", "1994-11-06T08:49:00+00:00"
    ),
    _date(
        "leap_second",
        ("R7",),
        "Sat, 31 Dec 2016 23:59:60 GMT",
        "2017-01-01T00:00:00+00:00",
        "invalid",
    ),
    _date(
        "four_digit_year_is_literal",
        ("R7",),
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "0001-01-01T00:00:00+00:00",
        "2001-01-01T00:00:00+00:00",
    ),
    _date(
        "rfc850_fifty_year_rule",
        ("R7",),
        "Wednesday, 06-Nov-69 08:49:37 GMT",  # 2069 from 2019 to 2118
        "2069-11-06T08:49:37+00:00",
        "1969-11-06T08:49:37+00:00",
    ),
    # is_resource_modified + make_conditional, on GET: Werkzeug reduces the
    # request to one bool, reassigned header by header (the last wins), and
    # re-reads If-Match to choose between 304 and 412.
    _status("if_match_star", ("R15",), (("If-Match", "*"),), 200, 412),
    _status(
        "if_match_against_weak_etag", ("R11", "R15"), (("If-Match", '"a"'),), 412, 200, etag='W/"a"'
    ),
    _status("if_match_without_etag", ("R15",), (("If-Match", '"a"'),), 412, 200, etag=None),
    _status("if_match_empty", ("R13",), (("If-Match", ""),), 412, 200),
    _status("if_match_invalid", ("R13",), (("If-Match", '"a" "b"'),), 412, 200),
    _status(
        "if_unmodified_since_false",
        ("R22",),
        (("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"),),
        412,
        200,
    ),
    _status(
        "if_match_true_then_if_modified_since",
        ("R32",),
        (("If-Match", '"a"'), ("If-Modified-Since", LM_IMF)),
        304,
        200,
    ),
    _status(
        "if_match_true_then_if_none_match",
        ("R32",),
        (("If-Match", '"a"'), ("If-None-Match", '"a"')),
        304,
        200,
    ),
    _status(
        "invalid_if_none_match_still_hides_if_modified_since",
        ("R13", "R19"),
        (("If-None-Match", '"a" "b"'), ("If-Modified-Since", LM_IMF)),
        200,
        304,
    ),
    _status(
        "empty_if_none_match_still_hides_if_modified_since",
        ("R13", "R19"),
        (("If-None-Match", ""), ("If-Modified-Since", LM_IMF)),
        200,
        304,
    ),
    _status(
        "if_none_match_without_etag_still_hides_if_modified_since",
        ("R17", "R19"),
        (("If-None-Match", '"a"'), ("If-Modified-Since", LM_IMF)),
        200,
        304,
        etag=None,
    ),
    _status(
        "if_none_match_star_without_etag", ("R17",), (("If-None-Match", "*"),), 304, 200, etag=None
    ),
    _status(
        "if_none_match_empty_opaque_tag", ("R4",), (("If-None-Match", '""'),), 304, 200, etag='""'
    ),
    _status(
        "if_none_match_lowercase_weak_prefix",
        ("R4", "R13"),
        (("If-None-Match", 'w/"a"'),),
        200,
        304,
    ),
    _status("if_none_match_unquoted_tag", ("R4", "R13"), (("If-None-Match", "a"),), 200, 304),
    _status(
        "if_modified_since_on_two_lines",
        ("R1", "R9"),
        (("If-Modified-Since", LM_IMF), ("If-Modified-Since", LM_IMF)),
        200,
        304,
    ),
    _status(
        "if_modified_since_with_non_gmt_offset",
        ("R8",),
        (("If-Modified-Since", "Sun, 06 Nov 1994 09:49:37 +0100"),),
        200,
        304,
    ),
    _status(
        "if_modified_since_leap_second",
        ("R7",),
        (("If-Modified-Since", "Sat, 31 Dec 2016 23:59:60 GMT"),),
        304,
        200,
        last_modified=1483228800,
    ),
)

COMPARED = {
    "parse_etags": (ours_etags, werkzeug_etags),
    "parse_date": (ours_date, werkzeug_date),
}


@pytest.mark.parametrize("difference", [pytest.param(d, id=d.id) for d in DIFFERENCES])
def test_difference(difference: Difference) -> None:
    if difference.compares == "is_resource_modified":
        args = (difference.headers, difference.etag, difference.last_modified)
        ours, theirs = str(ours_status(*args)), str(werkzeug_status(*args))
    else:
        ours_of, werkzeug_of = COMPARED[difference.compares]
        ours, theirs = ours_of(difference.value), werkzeug_of(difference.value)
    assert ours == difference.ours
    assert theirs == difference.werkzeug, "Werkzeug changed: update or drop this entry"
    assert ours != theirs


def test_differences_are_named_once_with_rules() -> None:
    assert len({d.id for d in DIFFERENCES}) == len(DIFFERENCES)
    for difference in DIFFERENCES:
        assert difference.rules
        assert all(rule.startswith("R") and rule[1:].isdigit() for rule in difference.rules)


def test_naive_datetime() -> None:
    # Werkzeug assumes a naive Last-Modified is UTC; condget refuses it, as an
    # HTTP-date is always GMT and a datetime without a zone is ambiguous (R7).
    naive = datetime(1994, 11, 6, 8, 49, 37)  # noqa: DTZ001
    assert is_resource_modified({"HTTP_IF_MODIFIED_SINCE": LM_IMF}, last_modified=naive) is False
    with pytest.raises(InvalidValidatorError):
        evaluate("GET", {"If-Modified-Since": LM_IMF}, last_modified=naive)


# --- Agreement where the RFC leaves no choice ----------------------------------------

etagc = st.characters(
    codec="latin-1", exclude_characters='"', min_codepoint=0x21, exclude_categories=()
).filter(lambda c: c != "\x7f")
# Non-empty opaque tags: Werkzeug reads '""' as the tag None (see DIFFERENCES).
etags = st.builds(ETag, st.text(etagc, min_size=1), st.booleans())
ows = st.sampled_from(["", " ", "\t", " \t "])


@st.composite
def etag_lists(draw: st.DrawFn) -> str:
    tags = draw(st.lists(etags, min_size=1, max_size=6))
    parts = [draw(ows) + str(tag) + draw(ows) for tag in tags]
    # Empty members, which both skip (R3).
    parts += [draw(ows) for _ in range(draw(st.integers(0, 2)))]
    return ",".join(draw(st.permutations(parts)))


@given(value=etag_lists())
def test_parse_etags_agrees_on_valid_lists(value: str) -> None:
    assert ours_etags(value) == werkzeug_etags(value) != "invalid"


@pytest.mark.parametrize(
    "value",
    ["*", '"a"', 'W/"a"', '"a,b"', '"a", W/"b"', ', ,"a",, "b" ,', "", '"a\\b"', '"\xe9"'],
)
def test_parse_etags_agrees(value: str) -> None:
    assert ours_etags(value) == werkzeug_etags(value)


aware = st.datetimes(
    min_value=datetime(1000, 1, 1),  # noqa: DTZ001 (Werkzeug reads years below 100 as 19xx/20xx)
    max_value=datetime(9999, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda moment: moment.replace(microsecond=0))


@given(moment=aware)
def test_parse_date_agrees_on_imf_fixdate_and_asctime(moment: datetime) -> None:
    imf = format_http_date(moment)
    asctime = f"{imf[:3]} {imf[8:11]} {moment.day:>2} {imf[17:25]} {imf[12:16]}"
    for text in (imf, asctime, f" {imf} "):
        ours = condget_parse_http_date(text)
        theirs = parse_date(text)
        assert ours == moment
        assert theirs is not None
        assert theirs.astimezone(UTC) == moment


@pytest.mark.parametrize(
    "value",
    [
        "Sunday, 06-Nov-94 08:49:37 GMT",  # 1994 for both until 2043
        "Wednesday, 31-Dec-25 23:59:59 GMT",
        "Sun Nov  6 08:49:37 1994",
        # Both refuse these.
        "1994-11-06T08:49:37Z",
        "Wed, 31 Nov 1994 08:49:37 GMT",
        "Thu, 29 Feb 2001 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37.5 GMT",
        "",
        "yesterday",
    ],
)
def test_parse_date_agrees(value: str) -> None:
    ours, theirs = condget_parse_http_date(value), parse_date(value)
    assert ours == (theirs and theirs.astimezone(UTC))


small_tags = st.sampled_from(['"a"', 'W/"a"', '"b"', 'W/"b"', '"ab"'])
dates = st.sampled_from([LM - 1, LM, LM + 1, 2**31]).map(format_http_date)


@st.composite
def agreeing_requests(draw: st.DrawFn) -> tuple[Headers, str | None, int | None]:
    # GET requests on which the RFC and Werkzeug's algorithm coincide: no
    # If-Match or If-Unmodified-Since beside other fields, valid non-empty
    # lists, valid dates, and a resource with an ETag when If-None-Match is sent.
    etag = draw(small_tags)
    last_modified = draw(st.none() | st.sampled_from([LM - 1, LM, LM + 1]))
    if draw(st.booleans()):
        members = draw(st.lists(small_tags, min_size=1, max_size=3))
        headers: list[tuple[str, str]] = [("If-Match", ", ".join(members))]
        return tuple(headers), draw(st.sampled_from(['"a"', '"b"'])), last_modified
    headers = []
    if draw(st.booleans()):
        members = draw(st.lists(small_tags | st.just("*"), min_size=1, max_size=3))
        headers.append(("If-None-Match", "*" if "*" in members else ", ".join(members)))
    if draw(st.booleans()):
        headers.append(("If-Modified-Since", draw(dates)))
    if not any(name == "If-None-Match" for name, _ in headers) and draw(st.booleans()):
        etag = None
    return tuple(headers), etag, last_modified


@given(request=agreeing_requests())
def test_is_resource_modified_agrees(request: tuple[Headers, str | None, int | None]) -> None:
    assert ours_status(*request) == werkzeug_status(*request)
