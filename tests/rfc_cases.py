"""RFC 9110 §13 conditional requests as one table of named cases, shared by every evaluator test.

Each :class:`Case` is one sentence of the RFC turned into a request: the
conditional header lines a client sends, the validators the server holds
(``ETag``, ``Last-Modified``, whether the resource exists), the status the
response would have without preconditions, and what must happen: the
:class:`condget.Outcome`, the :class:`condget.Precondition` that decided it,
and, for If-Range, whether a ``Range`` may be honoured. ``rules`` names the
rules of ``shared/rfc-rules.md`` (R1-R41) the case pins down. Ids are
snake_case sentences, as in Go's ``fs_test.go`` (``ifmatch_star``...).

The same table drives ``tests/core/test_evaluate.py`` (the core) and the
adapters' tests. Cases whose result depends on the method list the methods
it holds for (GET and HEAD alike, R31; PUT, DELETE and POST where 412
applies), and :func:`case_params` expands them into ``(case, method)``
pytest params with ids like ``GET-if_match_star_with_existing_resource``.

How an adapter test uses it (WSGI shown; ASGI is the same with a scope)::

    import pytest
    from tests.rfc_cases import Case, case_params

    # Response-side middleware sees only GET and HEAD (R36) and an existing
    # resource; a pre-dispatch hook can run every case.
    @pytest.mark.parametrize(
        ("case", "method"), case_params(("GET", "HEAD"), where=lambda case: case.exists)
    )
    def test_rfc_case(case: Case, method: str) -> None:
        def app(environ, start_response):
            start_response(f"{case.status} X", case.response_headers())
            return [b"body"]

        environ = {"REQUEST_METHOD": method, ...}
        for name, value in case.joined_headers().items():  # lines joined, R1
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status = ...  # run the middleware around app
        assert status == case.expected_status

Useful members: ``case.headers`` (the request lines, repeats kept, for
servers that take raw lines such as ASGI), ``case.joined_headers()`` (one
value per field, as a WSGI server or a ``dict`` holds them),
``case.response_headers()`` (the ``ETag``/``Last-Modified`` lines the app
would send), ``case.validators()`` (a :class:`condget.Validators` for
pre-dispatch hooks) and ``case.expected_status`` (condget's 304/412, or the
app's own status when the request proceeds).

All dates are decades in the past or far in the future, so no case depends
on the clock; R14 (a Last-Modified in the current second is weak) needs the
clock and is tested in ``test_evaluate.py`` instead. The one exception is
the rfc850 two-digit year ``94``, which means 1994 until the year 2043 (R7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Final

import pytest

import condget
from condget import Outcome, Precondition

__all__ = [
    "ALL",
    "CASES",
    "CASE_PARAMS",
    "ETAG",
    "GET_HEAD",
    "LM",
    "LM_IMF",
    "SELECT_NOTHING",
    "UNSAFE",
    "Case",
    "case_params",
    "cases_for",
]

GET_HEAD: Final = ("GET", "HEAD")
UNSAFE: Final = ("PUT", "DELETE", "POST")
ALL: Final = GET_HEAD + UNSAFE
SELECT_NOTHING: Final = ("OPTIONS", "TRACE", "CONNECT")

# The resource most cases talk about: RFC 9110's own example validators.
ETAG: Final = '"xyzzy"'
WEAK_ETAG: Final = 'W/"xyzzy"'
LM: Final = 784111777
LM_IMF: Final = "Sun, 06 Nov 1994 08:49:37 GMT"
LM_RFC850: Final = "Sunday, 06-Nov-94 08:49:37 GMT"
LM_ASCTIME: Final = "Sun Nov  6 08:49:37 1994"
SECOND_BEFORE: Final = "Sun, 06 Nov 1994 08:49:36 GMT"
SECOND_AFTER: Final = "Sun, 06 Nov 1994 08:49:38 GMT"
FAR_FUTURE: Final = "Fri, 31 Dec 9999 23:59:59 GMT"
RANGE: Final = ("Range", "bytes=0-9")

PROCEED: Final = Outcome.PROCEED
NOT_MODIFIED: Final = Outcome.NOT_MODIFIED
FAILED: Final = Outcome.PRECONDITION_FAILED
IM: Final = Precondition.IF_MATCH
INM: Final = Precondition.IF_NONE_MATCH
IMS: Final = Precondition.IF_MODIFIED_SINCE
IUS: Final = Precondition.IF_UNMODIFIED_SINCE


def if_match(value: str) -> tuple[str, str]:
    return ("If-Match", value)


def if_none_match(value: str) -> tuple[str, str]:
    return ("If-None-Match", value)


def if_modified_since(value: str) -> tuple[str, str]:
    return ("If-Modified-Since", value)


def if_unmodified_since(value: str) -> tuple[str, str]:
    return ("If-Unmodified-Since", value)


def if_range(value: str) -> tuple[str, str]:
    return ("If-Range", value)


@dataclass(frozen=True, slots=True)
class Case:
    """One named conditional request and what RFC 9110 says must come of it.

    Attributes:
        id: A snake_case sentence naming the behaviour.
        methods: The request methods the expectation holds for.
        headers: The request's header lines as ``(name, value)`` pairs, in
            order; a name may repeat (R1). Stored as a tuple.
        outcome: What :func:`condget.evaluate` must decide.
        decided_by: The field that decides a 304 or 412, else ``None``.
        rules: The rules of ``rfc-rules.md`` this case covers.
        etag: The selected representation's ``ETag`` in header form, or ``None``.
        last_modified: Its ``Last-Modified`` in POSIX seconds, or ``None``.
        exists: Whether the resource has a current representation.
        status: The status the response would have without preconditions.
        range_allowed: Whether a ``Range`` may be honoured (206); ``None``
            when the case does not check it.
    """

    id: str
    methods: tuple[str, ...]
    headers: Sequence[tuple[str, str]]
    outcome: Outcome
    decided_by: Precondition | None
    _: KW_ONLY
    rules: tuple[str, ...]
    etag: str | None = ETAG
    last_modified: int | None = LM
    exists: bool = True
    status: int = 200
    range_allowed: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", tuple(self.headers))

    @property
    def expected_status(self) -> int:
        """The status to send: condget's 304 or 412, or the app's own when it proceeds."""
        status: int | None = self.outcome.value
        return self.status if status is None else status

    def served(self, method: str, body: bytes) -> tuple[int, bytes]:
        """The status and body a middleware serving ranges sends for this ``body`` (R42-R47).

        The core's answer, except that a GET that proceeds with a ``Range``
        it may honour gets its 206 (the table's ranges are single and
        satisfiable, ``bytes=0-9``).
        """
        ranged = any(name.lower() == "range" for name, _ in self.headers)
        if (
            self.outcome is Outcome.PROCEED
            and method == "GET"
            and self.status == 200
            and self.range_allowed
            and ranged
        ):
            return 206, body[:10]
        return self.expected_status, body

    def joined_headers(self) -> dict[str, str]:
        """One value per field, repeated lines joined with ``", "`` (R1), first spelling kept."""
        spelled: dict[str, str] = {}
        joined: dict[str, str] = {}
        for name, value in self.headers:
            key = spelled.setdefault(name.lower(), name)
            joined[key] = value if key not in joined else f"{joined[key]}, {value}"
        return joined

    def response_headers(self) -> list[tuple[str, str]]:
        """The validator fields the application's 200 carries."""
        fields = []
        if self.etag is not None:
            fields.append(("ETag", self.etag))
        if self.last_modified is not None:
            fields.append(("Last-Modified", condget.format_http_date(self.last_modified)))
        return fields

    def validators(self) -> condget.Validators:
        """The case's validators, for a pre-dispatch hook."""
        return condget.Validators(self.etag, self.last_modified, exists=self.exists)


# fmt: off
CASES: Final[tuple[Case, ...]] = (
    # --- No preconditions ---------------------------------------------------
    Case("no_conditional_headers", ALL, [], PROCEED, None, rules=("R32",)),
    Case("no_conditional_headers_get_may_serve_range", ("GET",), [RANGE], PROCEED, None,
         rules=("R32",), range_allowed=True),

    # --- If-Match (§13.1.1) -------------------------------------------------
    Case("if_match_star_with_existing_resource", ALL, [if_match("*")], PROCEED, None,
         rules=("R6", "R15")),
    Case("if_match_star_without_etag", ALL, [if_match("*")], PROCEED, None,
         rules=("R15",), etag=None),
    Case("if_match_star_with_weak_etag", ALL, [if_match("*")], PROCEED, None,
         rules=("R15",), etag=WEAK_ETAG),
    Case("if_match_star_when_resource_missing_fails", UNSAFE, [if_match("*")], FAILED, IM,
         rules=("R15", "R16", "R36"), etag=None, last_modified=None, exists=False),
    Case("if_match_matching_strong_etag", ALL, [if_match(ETAG)], PROCEED, None,
         rules=("R11", "R15")),
    Case("if_match_list_with_matching_member", ALL, [if_match('"a", "xyzzy", "b"')], PROCEED, None,
         rules=("R3", "R15")),
    Case("if_match_mismatch_fails", UNSAFE, [if_match('"other"')], FAILED, IM,
         rules=("R15", "R16", "R36")),
    Case("if_match_mismatch_fails_on_get", GET_HEAD, [if_match('"other"')], FAILED, IM,
         rules=("R16", "R30", "R31")),
    Case("if_match_weak_request_tag_never_matches", ALL, [if_match(WEAK_ETAG)], FAILED, IM,
         rules=("R10", "R11", "R15")),
    Case("if_match_strong_request_tag_against_weak_etag_fails", ALL, [if_match(ETAG)], FAILED, IM,
         rules=("R10", "R11", "R15"), etag=WEAK_ETAG),
    Case("if_match_weak_tags_on_both_sides_fail", ALL, [if_match(WEAK_ETAG)], FAILED, IM,
         rules=("R11", "R15"), etag=WEAK_ETAG),
    Case("if_match_without_etag_fails", ALL, [if_match(ETAG)], FAILED, IM,
         rules=("R15",), etag=None),
    Case("if_match_is_case_sensitive", ALL, [if_match('"XYZZY"')], FAILED, IM,
         rules=("R11",)),
    Case("if_match_empty_value_fails", ALL, [if_match("")], FAILED, IM,
         rules=("R13",)),
    Case("if_match_unquoted_tag_fails", ALL, [if_match("xyzzy")], FAILED, IM,
         rules=("R4", "R13")),
    Case("if_match_invalid_member_fails_whole_field", ALL, [if_match('"xyzzy", w/"a"')], FAILED, IM,
         rules=("R4", "R13")),
    Case("if_match_star_mixed_with_tag_fails", ALL, [if_match('*, "xyzzy"')], FAILED, IM,
         rules=("R6", "R13")),
    Case("if_match_double_star_fails", ALL, [if_match("*, *")], FAILED, IM,
         rules=("R6", "R13")),
    Case("if_match_comma_inside_tag_is_one_member", ALL, [if_match('"a,xyzzy"')], FAILED, IM,
         rules=("R5",)),
    Case("if_match_on_two_lines_matches_second_line", ALL,
         [if_match('"a"'), if_match(ETAG)], PROCEED, None, rules=("R1",)),
    Case("if_match_with_surrounding_whitespace", ALL, [if_match(' \t"xyzzy" \t')], PROCEED, None,
         rules=("R2",)),
    Case("if_match_star_with_surrounding_whitespace", ALL, [if_match(" * ")], PROCEED, None,
         rules=("R2", "R6")),
    Case("if_match_list_with_empty_members", ALL, [if_match(', ,"a",, "xyzzy" ,')], PROCEED, None,
         rules=("R3",)),

    # --- If-None-Match (§13.1.2) --------------------------------------------
    Case("if_none_match_matches", GET_HEAD, [if_none_match(ETAG)], NOT_MODIFIED, INM,
         rules=("R17", "R18", "R31")),
    Case("if_none_match_matches_on_unsafe_method_fails", UNSAFE, [if_none_match(ETAG)], FAILED, INM,
         rules=("R17", "R18", "R36")),
    Case("if_none_match_mismatch", ALL, [if_none_match('"other"')], PROCEED, None,
         rules=("R17",)),
    Case("if_none_match_weak_equals_strong", GET_HEAD, [if_none_match(WEAK_ETAG)], NOT_MODIFIED,
         INM, rules=("R10", "R11", "R17")),
    Case("if_none_match_strong_equals_weak_etag", GET_HEAD, [if_none_match(ETAG)], NOT_MODIFIED,
         INM, rules=("R10", "R11", "R17"), etag=WEAK_ETAG),
    Case("if_none_match_weak_equals_weak", GET_HEAD, [if_none_match(WEAK_ETAG)], NOT_MODIFIED, INM,
         rules=("R11", "R17"), etag=WEAK_ETAG),
    Case("if_none_match_weak_comparison_on_unsafe_method_fails", UNSAFE,
         [if_none_match(WEAK_ETAG)], FAILED, INM, rules=("R17", "R18")),
    Case("if_none_match_is_case_sensitive", ALL, [if_none_match('"XYZZY"')], PROCEED, None,
         rules=("R11",)),
    Case("if_none_match_list_with_matching_member", GET_HEAD,
         [if_none_match('"a", W/"b", "xyzzy"')], NOT_MODIFIED, INM, rules=("R3", "R17")),
    Case("if_none_match_star_with_existing_resource", GET_HEAD, [if_none_match("*")],
         NOT_MODIFIED, INM, rules=("R6", "R17")),
    Case("if_none_match_star_without_validators", GET_HEAD, [if_none_match("*")],
         NOT_MODIFIED, INM, rules=("R17",), etag=None, last_modified=None),
    Case("if_none_match_star_on_existing_resource_unsafe_fails", UNSAFE, [if_none_match("*")],
         FAILED, INM, rules=("R17", "R18")),
    Case("if_none_match_star_creates_missing_resource", ("PUT", "POST"), [if_none_match("*")],
         PROCEED, None, rules=("R17", "R18"), etag=None, last_modified=None, exists=False),
    Case("if_none_match_without_etag", ALL, [if_none_match(ETAG)], PROCEED, None,
         rules=("R17",), etag=None),
    Case("if_none_match_empty_value_is_true", ALL, [if_none_match("")], PROCEED, None,
         rules=("R13",)),
    Case("if_none_match_unquoted_tag_is_invalid", ALL, [if_none_match("xyzzy")], PROCEED, None,
         rules=("R4", "R13")),
    Case("if_none_match_lowercase_weak_prefix_is_invalid", ALL, [if_none_match('w/"xyzzy"')],
         PROCEED, None, rules=("R4", "R13")),
    Case("if_none_match_space_after_weak_prefix_is_invalid", ALL, [if_none_match('W/ "xyzzy"')],
         PROCEED, None, rules=("R4", "R13")),
    Case("if_none_match_invalid_member_makes_whole_field_true", ALL,
         [if_none_match('"xyzzy", bad')], PROCEED, None, rules=("R13",)),
    Case("if_none_match_star_mixed_with_tag_is_invalid", ALL, [if_none_match('*, "xyzzy"')],
         PROCEED, None, rules=("R6", "R13")),
    Case("if_none_match_comma_inside_tag_is_one_member", ALL, [if_none_match('"a,xyzzy"')],
         PROCEED, None, rules=("R5",)),
    Case("if_none_match_tag_with_comma_matches_whole", GET_HEAD, [if_none_match('"a,b"')],
         NOT_MODIFIED, INM, rules=("R4", "R5"), etag='"a,b"'),
    Case("if_none_match_empty_opaque_tag_matches", GET_HEAD, [if_none_match('""')],
         NOT_MODIFIED, INM, rules=("R4",), etag='""'),
    Case("if_none_match_empty_opaque_tag_does_not_match_other", ALL, [if_none_match('""')],
         PROCEED, None, rules=("R4",)),
    Case("if_none_match_backslash_is_ordinary", GET_HEAD, [if_none_match('"a\\b"')],
         NOT_MODIFIED, INM, rules=("R4",), etag='"a\\b"'),
    Case("if_none_match_backslash_is_not_an_escape", ALL, [if_none_match('"a\\b"')],
         PROCEED, None, rules=("R4",), etag='"ab"'),
    Case("if_none_match_obs_text_matches", GET_HEAD, [if_none_match('"caf\xe9\xff"')],
         NOT_MODIFIED, INM, rules=("R4",), etag='"caf\xe9\xff"'),
    Case("if_none_match_character_above_latin1_is_invalid", ALL,
         [if_none_match('"\u20ac", "xyzzy"')], PROCEED, None, rules=("R4", "R13")),
    Case("if_none_match_control_character_is_invalid", ALL,
         [if_none_match('"a\x01", "xyzzy"')], PROCEED, None, rules=("R4", "R13")),
    Case("if_none_match_on_two_lines_matches_second_line", GET_HEAD,
         [if_none_match('"a"'), if_none_match(ETAG)], NOT_MODIFIED, INM, rules=("R1",)),
    Case("if_none_match_lines_with_differently_cased_names_join", GET_HEAD,
         [("if-none-match", '"a"'), ("IF-NONE-MATCH", ETAG)], NOT_MODIFIED, INM, rules=("R1",)),
    Case("if_none_match_with_surrounding_whitespace", GET_HEAD, [if_none_match('\t "xyzzy" \t')],
         NOT_MODIFIED, INM, rules=("R2",)),
    Case("if_none_match_list_with_empty_members", GET_HEAD,
         [if_none_match(', ,"a",, "xyzzy" ,')], NOT_MODIFIED, INM, rules=("R3",)),
    Case("if_none_match_tabs_around_commas", GET_HEAD, [if_none_match('"a"\t,\t"xyzzy"')],
         NOT_MODIFIED, INM, rules=("R3",)),

    # --- If-Modified-Since (§13.1.3) ----------------------------------------
    Case("if_modified_since_equal_to_last_modified", GET_HEAD, [if_modified_since(LM_IMF)],
         NOT_MODIFIED, IMS, rules=("R7", "R20", "R31")),
    Case("if_modified_since_after_last_modified", GET_HEAD, [if_modified_since(SECOND_AFTER)],
         NOT_MODIFIED, IMS, rules=("R20",)),
    Case("if_modified_since_before_last_modified", GET_HEAD, [if_modified_since(SECOND_BEFORE)],
         PROCEED, None, rules=("R20",)),
    Case("if_modified_since_in_the_far_future", GET_HEAD, [if_modified_since(FAR_FUTURE)],
         NOT_MODIFIED, IMS, rules=("R20",)),
    Case("if_modified_since_rfc850_date", GET_HEAD, [if_modified_since(LM_RFC850)],
         NOT_MODIFIED, IMS, rules=("R7",)),
    Case("if_modified_since_rfc850_date_before", GET_HEAD,
         [if_modified_since("Sunday, 06-Nov-94 08:49:36 GMT")], PROCEED, None, rules=("R7",)),
    Case("if_modified_since_asctime_date", GET_HEAD, [if_modified_since(LM_ASCTIME)],
         NOT_MODIFIED, IMS, rules=("R7",)),
    Case("if_modified_since_asctime_date_before", GET_HEAD,
         [if_modified_since("Sun Nov  6 08:49:36 1994")], PROCEED, None, rules=("R7",)),
    Case("if_modified_since_leap_second", GET_HEAD,
         [if_modified_since("Sat, 31 Dec 2016 23:59:60 GMT")], NOT_MODIFIED, IMS,
         rules=("R7",), last_modified=1483228800),
    Case("if_modified_since_leap_second_is_before_the_next_second", GET_HEAD,
         [if_modified_since("Sat, 31 Dec 2016 23:59:60 GMT")], PROCEED, None,
         rules=("R7",), last_modified=1483228801),
    Case("if_modified_since_leap_day", GET_HEAD,
         [if_modified_since("Tue, 29 Feb 2000 12:00:00 GMT")], NOT_MODIFIED, IMS,
         rules=("R7",), last_modified=951825600),
    Case("if_modified_since_29_february_of_common_year_is_ignored", GET_HEAD,
         [if_modified_since("Thu, 29 Feb 2001 00:00:00 GMT")], PROCEED, None, rules=("R7", "R8")),
    Case("if_modified_since_31_november_is_ignored", GET_HEAD,
         [if_modified_since("Wed, 31 Nov 1994 08:49:37 GMT")], PROCEED, None, rules=("R7", "R8")),
    Case("if_modified_since_lowercase_names_are_ignored", GET_HEAD,
         [if_modified_since("sun, 06 nov 1994 08:49:37 gmt")], PROCEED, None, rules=("R7", "R8")),
    Case("if_modified_since_lowercase_gmt_is_ignored", GET_HEAD,
         [if_modified_since("Sun, 06 Nov 1994 08:49:37 gmt")], PROCEED, None, rules=("R7", "R8")),
    Case("if_modified_since_utc_zone_is_ignored", GET_HEAD,
         [if_modified_since("Sun, 06 Nov 1994 08:49:37 UTC")], PROCEED, None, rules=("R8",)),
    Case("if_modified_since_numeric_zone_is_ignored", GET_HEAD,
         [if_modified_since("Sun, 06 Nov 1994 08:49:37 +0000")], PROCEED, None, rules=("R8",)),
    Case("if_modified_since_non_gmt_offset_is_ignored", GET_HEAD,
         [if_modified_since("Sun, 06 Nov 1994 09:49:37 +0100")], PROCEED, None, rules=("R8",)),
    Case("if_modified_since_iso_8601_is_ignored", GET_HEAD,
         [if_modified_since("1994-11-06T08:49:37Z")], PROCEED, None, rules=("R8",)),
    Case("if_modified_since_double_space_is_ignored", GET_HEAD,
         [if_modified_since("Sun,  06 Nov 1994 08:49:37 GMT")], PROCEED, None, rules=("R7", "R8")),
    Case("if_modified_since_length_parameter_is_ignored", GET_HEAD,
         [if_modified_since(LM_IMF + "; length=1234")], PROCEED, None, rules=("R8",)),
    Case("if_modified_since_two_digit_year_in_imf_fixdate_is_ignored", GET_HEAD,
         [if_modified_since("Sun, 06 Nov 94 08:49:37 GMT")], PROCEED, None, rules=("R7", "R8")),
    Case("if_modified_since_on_two_lines_is_ignored", GET_HEAD,
         [if_modified_since(LM_IMF), if_modified_since(LM_IMF)], PROCEED, None,
         rules=("R1", "R9")),
    Case("if_modified_since_list_of_dates_is_ignored", GET_HEAD,
         [if_modified_since(f"{LM_IMF}, {FAR_FUTURE}")], PROCEED, None, rules=("R9",)),
    Case("if_modified_since_with_surrounding_whitespace", GET_HEAD,
         [if_modified_since(f" \t{LM_IMF}\t ")], NOT_MODIFIED, IMS, rules=("R2",)),
    Case("if_modified_since_without_last_modified_is_ignored", GET_HEAD,
         [if_modified_since(FAR_FUTURE)], PROCEED, None, rules=("R12", "R19"), last_modified=None),
    Case("if_modified_since_ignored_on_unsafe_methods", UNSAFE, [if_modified_since(LM_IMF)],
         PROCEED, None, rules=("R19",)),
    Case("if_none_match_mismatch_ignores_if_modified_since", GET_HEAD,
         [if_none_match('"other"'), if_modified_since(LM_IMF)], PROCEED, None,
         rules=("R19", "R32", "R37")),
    Case("if_none_match_empty_ignores_if_modified_since", GET_HEAD,
         [if_none_match(""), if_modified_since(LM_IMF)], PROCEED, None, rules=("R13", "R19")),
    Case("if_none_match_invalid_ignores_if_modified_since", GET_HEAD,
         [if_none_match('w/"xyzzy"'), if_modified_since(LM_IMF)], PROCEED, None,
         rules=("R13", "R19")),
    Case("if_none_match_without_etag_ignores_if_modified_since", GET_HEAD,
         [if_none_match(ETAG), if_modified_since(LM_IMF)], PROCEED, None,
         rules=("R17", "R19"), etag=None),
    Case("cache_revalidation_sends_both_and_if_none_match_wins", GET_HEAD,
         [if_none_match(ETAG), if_modified_since(SECOND_BEFORE)], NOT_MODIFIED, INM,
         rules=("R19", "R32", "R37")),

    # --- If-Unmodified-Since (§13.1.4) --------------------------------------
    Case("if_unmodified_since_equal_to_last_modified", ALL, [if_unmodified_since(LM_IMF)],
         PROCEED, None, rules=("R22",)),
    Case("if_unmodified_since_after_last_modified", ALL, [if_unmodified_since(SECOND_AFTER)],
         PROCEED, None, rules=("R22",)),
    Case("if_unmodified_since_before_last_modified_fails", UNSAFE,
         [if_unmodified_since(SECOND_BEFORE)], FAILED, IUS, rules=("R22", "R36")),
    Case("if_unmodified_since_before_last_modified_fails_on_get", GET_HEAD,
         [if_unmodified_since(SECOND_BEFORE)], FAILED, IUS, rules=("R21", "R22", "R30")),
    Case("if_unmodified_since_rfc850_date_before_fails", ALL,
         [if_unmodified_since("Sunday, 06-Nov-94 08:49:36 GMT")], FAILED, IUS, rules=("R7", "R22")),
    Case("if_match_present_ignores_if_unmodified_since", ALL,
         [if_match(ETAG), if_unmodified_since(SECOND_BEFORE)], PROCEED, None, rules=("R21", "R32")),
    Case("if_unmodified_since_invalid_date_is_ignored", ALL,
         [if_unmodified_since("1994-11-06T08:49:36Z")], PROCEED, None, rules=("R8", "R21")),
    Case("if_unmodified_since_non_gmt_zone_is_ignored", ALL,
         [if_unmodified_since("Sun, 06 Nov 1994 08:49:36 -0100")], PROCEED, None,
         rules=("R8", "R21")),
    Case("if_unmodified_since_on_two_lines_is_ignored", ALL,
         [if_unmodified_since(SECOND_BEFORE), if_unmodified_since(SECOND_BEFORE)], PROCEED, None,
         rules=("R1", "R9", "R21")),
    Case("if_unmodified_since_without_last_modified_is_ignored", ALL,
         [if_unmodified_since(SECOND_BEFORE)], PROCEED, None, rules=("R12", "R21"),
         last_modified=None),

    # --- Precedence (§13.2.2) -----------------------------------------------
    Case("if_match_failure_beats_not_modified", GET_HEAD,
         [if_match('"other"'), if_none_match(ETAG)], FAILED, IM, rules=("R32",)),
    Case("if_unmodified_since_failure_beats_not_modified", GET_HEAD,
         [if_unmodified_since(SECOND_BEFORE), if_none_match(ETAG)], FAILED, IUS, rules=("R32",)),
    Case("if_unmodified_since_failure_beats_if_modified_since", GET_HEAD,
         [if_unmodified_since(SECOND_BEFORE), if_modified_since(LM_IMF)], FAILED, IUS,
         rules=("R32",)),
    Case("if_match_true_then_if_none_match_matches", GET_HEAD,
         [if_match(ETAG), if_none_match(ETAG)], NOT_MODIFIED, INM, rules=("R32",)),
    Case("if_match_true_then_if_modified_since_gives_304", GET_HEAD,
         [if_match(ETAG), if_modified_since(LM_IMF)], NOT_MODIFIED, IMS, rules=("R32",)),
    Case("if_match_true_then_if_none_match_fails_unsafe_method", UNSAFE,
         [if_match(ETAG), if_none_match(ETAG)], FAILED, INM, rules=("R18", "R32")),
    Case("if_unmodified_since_true_then_if_none_match_matches", GET_HEAD,
         [if_unmodified_since(LM_IMF), if_none_match(ETAG)], NOT_MODIFIED, INM, rules=("R32",)),
    Case("all_four_preconditions_pass", ALL,
         [if_match(ETAG), if_unmodified_since(LM_IMF), if_none_match('"other"'),
          if_modified_since(SECOND_BEFORE)], PROCEED, None, rules=("R32",)),

    # --- If-Range (§13.1.5) and Range (§14.2) -------------------------------
    Case("if_range_strong_etag_matches", ("GET",), [RANGE, if_range(ETAG)], PROCEED, None,
         rules=("R25", "R27"), range_allowed=True),
    Case("if_range_etag_mismatch_sends_full_response", ("GET",), [RANGE, if_range('"other"')],
         PROCEED, None, rules=("R25", "R27"), range_allowed=False),
    Case("if_range_weak_tag_against_strong_etag", ("GET",), [RANGE, if_range(WEAK_ETAG)],
         PROCEED, None, rules=("R24", "R25"), range_allowed=False),
    Case("if_range_weak_tags_on_both_sides", ("GET",), [RANGE, if_range(WEAK_ETAG)],
         PROCEED, None, rules=("R25",), etag=WEAK_ETAG, range_allowed=False),
    Case("if_range_strong_tag_against_weak_etag", ("GET",), [RANGE, if_range(ETAG)],
         PROCEED, None, rules=("R25",), etag=WEAK_ETAG, range_allowed=False),
    Case("if_range_etag_without_etag", ("GET",), [RANGE, if_range(ETAG)], PROCEED, None,
         rules=("R25", "R26"), etag=None, range_allowed=False),
    Case("if_range_list_is_not_an_entity_tag", ("GET",), [RANGE, if_range('"xyzzy", "a"')],
         PROCEED, None, rules=("R24",), range_allowed=False),
    Case("if_range_with_surrounding_whitespace", ("GET",), [RANGE, if_range(' "xyzzy"\t')],
         PROCEED, None, rules=("R2", "R25"), range_allowed=True),
    Case("if_range_date_equal_to_last_modified", ("GET",), [RANGE, if_range(LM_IMF)],
         PROCEED, None, rules=("R14", "R24", "R26"), range_allowed=True),
    Case("if_range_date_after_last_modified_does_not_match", ("GET",),
         [RANGE, if_range(SECOND_AFTER)], PROCEED, None, rules=("R26",), range_allowed=False),
    Case("if_range_date_before_last_modified_does_not_match", ("GET",),
         [RANGE, if_range(SECOND_BEFORE)], PROCEED, None, rules=("R26",), range_allowed=False),
    Case("if_range_rfc850_date_equal_instant", ("GET",), [RANGE, if_range(LM_RFC850)],
         PROCEED, None, rules=("R7", "R26"), range_allowed=True),
    Case("if_range_asctime_date_equal_instant", ("GET",), [RANGE, if_range(LM_ASCTIME)],
         PROCEED, None, rules=("R7", "R26"), range_allowed=True),
    Case("if_range_date_without_last_modified", ("GET",), [RANGE, if_range(LM_IMF)],
         PROCEED, None, rules=("R26",), last_modified=None, range_allowed=False),
    Case("if_range_invalid_date", ("GET",), [RANGE, if_range("1994-11-06T08:49:37Z")],
         PROCEED, None, rules=("R26",), range_allowed=False),
    Case("if_range_without_range_is_ignored", ("GET",), [if_range('"other"')], PROCEED, None,
         rules=("R23",), range_allowed=True),
    Case("head_ignores_range_and_if_range", ("HEAD",), [RANGE, if_range(ETAG)], PROCEED, None,
         rules=("R23", "R31"), range_allowed=False),
    Case("range_on_unsafe_method_is_ignored", UNSAFE, [RANGE], PROCEED, None,
         rules=("R23",), range_allowed=False),
    Case("not_modified_beats_range", ("GET",), [RANGE, if_range(ETAG), if_none_match(ETAG)],
         NOT_MODIFIED, INM, rules=("R27", "R32"), range_allowed=False),
    Case("failed_if_match_beats_range", ("GET",), [RANGE, if_range(ETAG), if_match('"other"')],
         FAILED, IM, rules=("R27", "R32"), range_allowed=False),

    # --- When preconditions apply at all (§13.2.1) --------------------------
    Case("preconditions_ignored_on_404", ALL,
         [if_match('"other"'), if_unmodified_since(SECOND_BEFORE)], PROCEED, None,
         rules=("R28",), status=404),
    Case("if_none_match_ignored_on_the_apps_own_304", GET_HEAD, [if_none_match(ETAG)],
         PROCEED, None, rules=("R28",), status=304),
    Case("if_none_match_ignored_on_redirect", GET_HEAD, [if_none_match(ETAG)], PROCEED, None,
         rules=("R28",), status=301),
    Case("if_modified_since_ignored_on_server_error", GET_HEAD, [if_modified_since(LM_IMF)],
         PROCEED, None, rules=("R28",), status=500),
    Case("if_match_evaluated_when_the_app_would_send_412", ALL, [if_match('"other"')],
         FAILED, IM, rules=("R28",), status=412),
    Case("if_none_match_evaluated_on_204", GET_HEAD, [if_none_match(ETAG)], NOT_MODIFIED, INM,
         rules=("R28",), status=204),
    Case("if_none_match_evaluated_on_206", GET_HEAD, [if_none_match(ETAG)], NOT_MODIFIED, INM,
         rules=("R28",), status=206),
    Case("methods_that_select_nothing_ignore_preconditions", SELECT_NOTHING,
         [if_match('"other"'), if_unmodified_since(SECOND_BEFORE), if_none_match(ETAG),
          if_modified_since(LM_IMF), RANGE, if_range('"other"')], PROCEED, None,
         rules=("R29",), range_allowed=False),
)
# fmt: on


def cases_for(method: str) -> list[Case]:
    """The cases whose expectation holds for ``method``."""
    return [case for case in CASES if method in case.methods]


def case_params(
    methods: Iterable[str] | None = None, *, where: Callable[[Case], bool] | None = None
) -> list[Any]:
    """``(case, method)`` pytest params, ids ``"METHOD-case_id"``.

    Args:
        methods: Keep only these methods (all of each case's by default).
        where: Keep only the cases for which this returns true.
    """
    wanted = None if methods is None else set(methods)
    return [
        pytest.param(case, method, id=f"{method}-{case.id}")
        for case in CASES
        if where is None or where(case)
        for method in case.methods
        if wanted is None or method in wanted
    ]


CASE_PARAMS: Final = case_params()
"""Every case for every one of its methods."""
