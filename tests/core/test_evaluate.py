"""``condget.evaluate``: the shared RFC table, then the rest of its API."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import condget
import condget.types
from condget import (
    Conditions,
    Decision,
    ETag,
    InvalidETagError,
    InvalidValidatorError,
    Outcome,
    Precondition,
    evaluate,
)
from tests.rfc_cases import CASE_PARAMS, CASES, LM, LM_IMF, Case

# --- The table --------------------------------------------------------------

HeaderForm = Callable[[Case], Any]
HEADER_FORMS: list[Any] = [
    pytest.param(lambda case: case.joined_headers(), id="dict"),
    pytest.param(lambda case: list(case.headers), id="pairs"),
    pytest.param(lambda case: Conditions.from_headers(case.headers), id="conditions"),
]


@pytest.mark.parametrize("form", HEADER_FORMS)
@pytest.mark.parametrize(("case", "method"), CASE_PARAMS)
def test_rfc_case(case: Case, method: str, form: HeaderForm) -> None:
    decision = evaluate(
        method,
        form(case),
        etag=case.etag,
        last_modified=case.last_modified,
        exists=case.exists,
        status=case.status,
    )
    assert decision.outcome is case.outcome
    assert decision.decided_by is case.decided_by
    assert decision.status == case.outcome.value
    if case.range_allowed is not None:
        assert decision.range_allowed is case.range_allowed


def test_case_ids_are_unique_snake_case_sentences() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    for case_id in ids:
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", case_id), case_id


# Rules an origin evaluator's table cannot hold, and where they are covered.
# (R14's other half, a Last-Modified too recent to be strong, needs the clock:
# test_if_range_date_needs_a_strong_last_modified.)
RULES_COVERED_ELSEWHERE = {
    "R33": "test_replies.py (the 304's header fields and empty body)",
    "R34": "test_replies.py (the 412's body, Content-Length and fields)",
    "R35": "not the core's: condget never builds a 206, it only says range_allowed",
}


def test_table_covers_every_origin_rule() -> None:
    covered = {rule for case in CASES for rule in case.rules}
    origin_rules = {f"R{n}" for n in range(1, 37)}
    assert origin_rules - covered == set(RULES_COVERED_ELSEWHERE)
    # R37 and R39 are cache-side; the table pins R37 ("INM wins over IMS"),
    # test_replies.py pins R39 (the 304 carries ETag and Last-Modified).
    assert "R37" in covered
    assert covered <= origin_rules | {"R37"}


def test_every_case_is_consistent() -> None:
    for case in CASES:
        assert case.methods, case.id
        assert (case.decided_by is None) == (case.outcome is Outcome.PROCEED), case.id
        assert case.rules, case.id
        if case.range_allowed:
            assert case.methods == ("GET",), case.id


def test_case_helpers() -> None:
    case = next(c for c in CASES if c.id == "if_none_match_lines_with_differently_cased_names_join")
    assert case.headers == (("if-none-match", '"a"'), ("IF-NONE-MATCH", '"xyzzy"'))
    assert case.joined_headers() == {"if-none-match": '"a", "xyzzy"'}
    assert case.response_headers() == [("ETag", '"xyzzy"'), ("Last-Modified", LM_IMF)]
    assert case.validators() == condget.Validators('"xyzzy"', LM)
    assert case.expected_status == 304
    proceed = next(c for c in CASES if c.id == "if_none_match_ignored_on_redirect")
    assert proceed.expected_status == 301
    missing = next(c for c in CASES if c.id == "if_match_star_when_resource_missing_fails")
    assert missing.response_headers() == []
    assert missing.validators().exists is False
    assert missing.expected_status == 412


# --- §13.2.1: when preconditions apply (R28, R29) ---------------------------

FAILING_IF_MATCH = {"If-Match": '"other"'}


@pytest.mark.parametrize(
    ("status", "applies"),
    [
        pytest.param(None, True, id="unknown_yet_counts_as_2xx"),
        pytest.param(100, False, id="100"),
        pytest.param(199, False, id="199"),
        pytest.param(200, True, id="200"),
        pytest.param(201, True, id="201"),
        pytest.param(204, True, id="204"),
        pytest.param(206, True, id="206"),
        pytest.param(299, True, id="299"),
        pytest.param(300, False, id="300"),
        pytest.param(301, False, id="301"),
        pytest.param(304, False, id="304_the_apps_own"),
        pytest.param(400, False, id="400"),
        pytest.param(404, False, id="404"),
        pytest.param(409, False, id="409"),
        pytest.param(411, False, id="411"),
        pytest.param(412, True, id="412"),
        pytest.param(413, False, id="413"),
        pytest.param(428, False, id="428"),
        pytest.param(500, False, id="500"),
    ],
)
def test_preconditions_apply_only_to_2xx_and_412(status: int | None, applies: bool) -> None:
    # R28, §13.2.1: "... if the response would have been anything other than a 2xx
    # (Successful) or a 412 (Precondition Failed)" the preconditions are ignored.
    failed = evaluate("PUT", FAILING_IF_MATCH, etag='"v"', status=status)
    assert failed.status == (412 if applies else None)
    unchanged = evaluate("GET", {"If-None-Match": '"v"'}, etag='"v"', status=status)
    assert unchanged.status == (304 if applies else None)
    required = evaluate("PUT", {}, status=status, require_precondition=True)
    assert required.status == (428 if applies else None)


@pytest.mark.parametrize("method", ["CONNECT", "OPTIONS", "TRACE"])
def test_methods_that_select_nothing_ignore_every_field(method: str) -> None:
    # R29, §13.2.1: CONNECT, OPTIONS and TRACE MUST ignore every conditional field,
    # and need no precondition for 428 either.
    headers = {
        "If-Match": '"other"',
        "If-None-Match": "*",
        "If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:36 GMT",
        "If-Modified-Since": LM_IMF,
        "Range": "bytes=0-1",
        "If-Range": '"v"',
    }
    decision = evaluate(method, headers, etag='"v"', last_modified=LM, require_precondition=True)
    assert decision == Decision(Outcome.PROCEED, None, range_allowed=False)
    assert decision.reason == "method-ignores-preconditions"


def test_method_names_are_case_sensitive() -> None:
    # §9.1: "get" is not GET; an unknown method is not safe, so a false
    # If-None-Match gives it 412, not 304 (R18).
    assert evaluate("get", {"If-None-Match": '"v"'}, etag='"v"').status == 412
    assert evaluate("options", {"If-Match": '"x"'}, etag='"v"').status == 412


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST", "PATCH"])
def test_before_the_handler_runs_status_is_unknown(method: str) -> None:
    # R36: the core decides without a response, so unsafe methods can be
    # stopped before their action; status=None counts as 2xx.
    validators = condget.Validators('"v2"', LM)
    decision = evaluate(
        method,
        {"If-Match": '"v1"'},
        etag=validators.etag,
        last_modified=validators.last_modified,
        status=None,
    )
    assert decision == Decision(Outcome.PRECONDITION_FAILED, Precondition.IF_MATCH)


# --- require_precondition: 428 (RFC 6585 §3) --------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        pytest.param("PUT", {}, 428, id="put_without_precondition"),
        pytest.param("DELETE", {}, 428, id="delete_without_precondition"),
        pytest.param("POST", {}, 428, id="post_without_precondition"),
        pytest.param("PATCH", {}, 428, id="patch_without_precondition"),
        pytest.param("GET", {}, None, id="get_is_safe"),
        pytest.param("HEAD", {}, None, id="head_is_safe"),
        pytest.param("PUT", {"If-Match": '"v"'}, None, id="if_match_satisfies"),
        pytest.param("PUT", {"If-Match": "*"}, None, id="if_match_star_satisfies"),
        pytest.param("PUT", {"If-Match": '"old"'}, 412, id="failing_if_match_gives_412_not_428"),
        pytest.param("PUT", {"If-Unmodified-Since": LM_IMF}, None, id="if_unmodified_since"),
        # If-None-Match: * satisfies the requirement, then fails on this
        # existing resource (R18): 412, not 428.
        pytest.param("PUT", {"If-None-Match": "*"}, 412, id="if_none_match_star_satisfies"),
        pytest.param("PUT", {"If-None-Match": " * "}, 412, id="if_none_match_star_trimmed"),
        pytest.param("PUT", {"If-None-Match": '"v"'}, 428, id="if_none_match_tag_is_not_enough"),
        pytest.param("PUT", {"If-None-Match": '"other"'}, 428, id="if_none_match_other_tag"),
        pytest.param("PUT", {"If-Modified-Since": LM_IMF}, 428, id="if_modified_since_is_not"),
        pytest.param("PUT", {"If-Range": '"v"', "Range": "bytes=0-1"}, 428, id="if_range_is_not"),
    ],
)
def test_require_precondition(method: str, headers: dict[str, str], status: int | None) -> None:
    decision = evaluate(method, headers, etag='"v"', last_modified=LM, require_precondition=True)
    assert decision.status == status
    if status == 428:
        assert decision == Decision(Outcome.PRECONDITION_REQUIRED, None)


def test_require_precondition_is_off_by_default() -> None:
    assert evaluate("PUT", {}, etag='"v"').status is None


def test_if_none_match_star_creates_under_require_precondition() -> None:
    decision = evaluate("PUT", {"If-None-Match": "*"}, exists=False, require_precondition=True)
    assert decision == Decision(Outcome.PROCEED)


# --- The application's validators: accepted types and loud errors ----------


@pytest.mark.parametrize(
    "etag",
    [
        pytest.param('"v"', id="str"),
        pytest.param(' "v"\t', id="str_with_surrounding_whitespace"),
        pytest.param(ETag("v"), id="ETag"),
    ],
)
def test_etag_forms(etag: condget.types.ETagLike) -> None:
    assert evaluate("GET", {"If-None-Match": '"v"'}, etag=etag).status == 304
    assert evaluate("PUT", {"If-Match": '"v"'}, etag=etag).status is None


@pytest.mark.parametrize(
    "etag",
    [
        pytest.param("v", id="unquoted"),
        pytest.param('w/"v"', id="lowercase_weak"),
        pytest.param('"v" "w"', id="two_tags"),
        pytest.param('"a b"', id="space"),
        pytest.param("*", id="star"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_etag_string_raises(etag: str) -> None:
    with pytest.raises(InvalidETagError) as raised:
        evaluate("GET", {}, etag=etag)
    assert isinstance(raised.value, InvalidValidatorError)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, condget.CondgetError)


@pytest.mark.parametrize("etag", [b'"v"', 1, ["v"]], ids=["bytes", "int", "list"])
def test_etag_of_another_type_raises(etag: Any) -> None:
    with pytest.raises(InvalidValidatorError, match="not an entity-tag"):
        evaluate("GET", {}, etag=etag)


@pytest.mark.parametrize(
    "last_modified",
    [
        pytest.param(LM, id="int"),
        pytest.param(LM + 0.999, id="float_truncated"),
        pytest.param(datetime(1994, 11, 6, 8, 49, 37, 999999, tzinfo=UTC), id="datetime_utc"),
        pytest.param(
            datetime(1994, 11, 6, 9, 49, 37, tzinfo=timezone(timedelta(hours=1))),
            id="datetime_other_offset",
        ),
        pytest.param(LM_IMF, id="http_date"),
        pytest.param("Sunday, 06-Nov-94 08:49:37 GMT", id="rfc850_date"),
    ],
)
def test_last_modified_forms(last_modified: condget.types.Timestamp | str) -> None:
    # R12: sub-second parts are truncated, so the value compares as the
    # Last-Modified header it would be written as.
    assert evaluate("GET", {"If-Modified-Since": LM_IMF}, last_modified=last_modified).status == 304
    before = {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:36 GMT"}
    assert evaluate("GET", before, last_modified=last_modified).status is None


@pytest.mark.parametrize(
    ("last_modified", "message"),
    [
        pytest.param(datetime(1994, 11, 6, 8, 49, 37), "naive datetime", id="naive_datetime"),  # noqa: DTZ001
        pytest.param("1994-11-06T08:49:37Z", "not an HTTP-date", id="iso_8601"),
        pytest.param("yesterday", "not an HTTP-date", id="junk"),
        pytest.param(True, "not a modification time", id="bool"),
        pytest.param(b"x", "not a modification time", id="bytes"),
        pytest.param(math.nan, "outside the years", id="nan"),
        pytest.param(math.inf, "outside the years", id="inf"),
        pytest.param(-math.inf, "outside the years", id="minus_inf"),
        pytest.param(1e300, "outside the years", id="float_beyond_9999"),
    ],
)
def test_invalid_last_modified_raises(last_modified: Any, message: str) -> None:
    with pytest.raises(InvalidValidatorError, match=message):
        evaluate("GET", {}, last_modified=last_modified)


@pytest.mark.parametrize(
    ("method", "status", "validators"),
    [
        pytest.param("GET", 404, {"etag": "bad"}, id="excluded_status_bad_etag"),
        pytest.param("OPTIONS", 200, {"last_modified": "bad"}, id="options_bad_date"),
        pytest.param("GET", 200, {"last_modified": 10**20}, id="int_date_out_of_range"),
    ],
)
def test_validators_are_checked_on_every_request(
    method: str, status: int, validators: dict[str, object]
) -> None:
    # The application's mistake fails on every request, not only on those
    # whose preconditions consult it (R28/R29 would skip evaluating them).
    with pytest.raises(InvalidValidatorError):
        evaluate(method, {}, status=status, **validators)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "last_modified", "status"),
    [
        pytest.param({}, LM, 428, id="no_precondition"),
        pytest.param({"If-Unmodified-Since": LM_IMF}, LM, None, id="valid_ius_guards"),
        pytest.param({"If-Unmodified-Since": "yesterday"}, LM, 428, id="invalid_ius_is_ignored"),
        pytest.param({"If-Unmodified-Since": LM_IMF}, None, 428, id="ius_without_last_modified"),
        pytest.param({"If-Match": "garbage"}, LM, 412, id="invalid_if_match_still_guards"),
    ],
)
def test_require_precondition_counts_only_preconditions_that_will_be_evaluated(
    headers: dict[str, str], last_modified: int | None, status: int | None
) -> None:
    # R21: an If-Unmodified-Since that is not a date, or a resource without a
    # modification date, is ignored; letting it satisfy the 428 check would let
    # the write through unguarded (RFC 6585 §3).
    decision = evaluate(
        "PUT", headers, etag='"v"', last_modified=last_modified, require_precondition=True
    )
    assert decision.status == status


def test_missing_resource_has_no_validators() -> None:
    # A representation that does not exist has no tag or date to match,
    # whatever the caller passed (§13.1.1-13.1.2).
    headers = {"If-None-Match": '"v"', "If-Modified-Since": LM_IMF}
    assert evaluate("PUT", headers, etag='"v"', last_modified=LM, exists=False).status is None
    assert evaluate("PUT", {"If-Match": '"v"'}, etag='"v"', exists=False).status == 412
    assert (
        evaluate("PUT", {"If-Unmodified-Since": LM_IMF}, last_modified=LM + 9, exists=False).status
        is None
    )


# --- If-Range and the strength of Last-Modified (R14, R26) ------------------


def test_if_range_date_needs_a_strong_last_modified() -> None:
    # R14, §8.8.2.2: a Last-Modified within the current second may hide a
    # second change in the same second, so it is weak and If-Range fails.
    # A value in the future can never be strong, whatever the clock reads.
    future = int(time.time()) + 3600
    headers = {"Range": "bytes=0-1", "If-Range": condget.format_http_date(future)}
    assert evaluate("GET", headers, last_modified=future).range_allowed is False
    past = int(time.time()) - 120
    headers = {"Range": "bytes=0-1", "If-Range": condget.format_http_date(past)}
    assert evaluate("GET", headers, last_modified=past).range_allowed is True


# --- Decision -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.PROCEED, None),
        (Outcome.NOT_MODIFIED, 304),
        (Outcome.PRECONDITION_FAILED, 412),
        (Outcome.PRECONDITION_REQUIRED, 428),
    ],
)
def test_decision_status(outcome: Outcome, status: int | None) -> None:
    assert Decision(outcome).status == status
    assert Decision(outcome).decided_by is None
    assert Decision(outcome).range_allowed is False


def test_conditions_are_read_from_any_header_form() -> None:
    conditions = Conditions(if_none_match='"v"')
    assert evaluate("GET", conditions, etag='"v"').decided_by is Precondition.IF_NONE_MATCH
    assert evaluate("GET", [("if-none-match", '"v"')], etag='"v"').status == 304
    assert evaluate("GET", (("IF-NONE-MATCH", '"v"'),), etag='"v"').status == 304
    assert evaluate("GET", iter([("If-None-Match", '"v"')]), etag='"v"').status == 304


# --- The request side's parse caches ----------------------------------------------------


def test_request_values_are_cached_apart_from_the_applications_and_bounded() -> None:
    from condget import _evaluate, _model

    evaluate("GET", {"If-None-Match": '"warm"'}, etag='"app"')  # the app's tag is cached
    application = _model._cached_etag.cache_info().currsize
    for n in range(3000):  # a client sending ever-new values
        tags = f'"{n}"'
        assert evaluate("GET", {"If-None-Match": tags}, etag='"app"').reason == "inm-no-match"
        assert evaluate("GET", {"If-Modified-Since": f"day {n}"}, last_modified=0).reason == (
            "ims-ignored"
        )
    assert _model._cached_etag.cache_info().currsize == application
    assert _evaluate._cached_list.cache_info().currsize == 1024
    assert _evaluate._cached_date.cache_info().currsize == 1024
    huge = ", ".join(f'"{n:040x}"' for n in range(100))  # over 1 KiB: parsed, not kept
    _evaluate._cached_list.cache_clear()
    assert evaluate("GET", {"If-None-Match": huge}, etag='"app"').reason == "inm-no-match"
    assert evaluate("GET", {"If-None-Match": huge}, etag='"app"').reason == "inm-no-match"
    assert _evaluate._cached_list.cache_info().currsize == 0


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_cached_value_decides_as_a_fresh_one(method: str) -> None:
    from condget import _evaluate

    headers = {"If-None-Match": 'W/"a", "b"', "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"}
    _evaluate._cached_list.cache_clear()
    first = evaluate(method, headers, etag='"b"', last_modified=0)
    again = evaluate(method, headers, etag='"b"', last_modified=0)
    other = evaluate(method, headers, etag='"c"', last_modified=0)
    assert (first.outcome, again.outcome) == (Outcome.NOT_MODIFIED, Outcome.NOT_MODIFIED)
    assert other.reason == "inm-no-match"
