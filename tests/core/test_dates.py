"""HTTP-date (RFC 9110 §5.6.7): exactly three formats in, IMF-fixdate out (R7, R8, R12)."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from condget import InvalidValidatorError, _dates, format_http_date, parse_http_date

SUN_06_NOV_1994 = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT", SUN_06_NOV_1994, id="imf_fixdate"),
        pytest.param("Sunday, 06-Nov-94 08:49:37 GMT", SUN_06_NOV_1994, id="rfc850"),
        pytest.param("Sun Nov  6 08:49:37 1994", SUN_06_NOV_1994, id="asctime_padded_day"),
        pytest.param("Sun Nov 06 08:49:37 1994", SUN_06_NOV_1994, id="asctime_two_digit_day"),
        pytest.param(
            "Thu, 10 Nov 1994 08:49:37 GMT",
            datetime(1994, 11, 10, 8, 49, 37, tzinfo=UTC),
            id="imf_day_10",
        ),
        pytest.param(
            " \tSun, 06 Nov 1994 08:49:37 GMT\t ", SUN_06_NOV_1994, id="surrounding_whitespace"
        ),
        pytest.param(
            "Mon, 06 Nov 1994 08:49:37 GMT", SUN_06_NOV_1994, id="wrong_day_name_is_ignored"
        ),
        pytest.param("Thu, 01 Jan 1970 00:00:00 GMT", datetime(1970, 1, 1, tzinfo=UTC), id="epoch"),
        pytest.param(
            "Tue, 29 Feb 2000 12:00:00 GMT",
            datetime(2000, 2, 29, 12, tzinfo=UTC),
            id="leap_day_400_year_rule",
        ),
        pytest.param(
            "Thu, 29 Feb 2024 00:00:00 GMT",
            datetime(2024, 2, 29, tzinfo=UTC),
            id="leap_day_4_year_rule",
        ),
        pytest.param(
            "Sat, 31 Dec 2016 23:59:60 GMT",
            datetime(2017, 1, 1, tzinfo=UTC),
            id="leap_second_is_the_next_second",
        ),
        pytest.param(
            "Sun Dec 31 23:59:60 2016", datetime(2017, 1, 1, tzinfo=UTC), id="asctime_leap_second"
        ),
        pytest.param("Mon, 01 Jan 0001 00:00:00 GMT", datetime(1, 1, 1, tzinfo=UTC), id="year_1"),
        pytest.param(
            "Fri, 31 Dec 9999 23:59:59 GMT",
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
            id="year_9999",
        ),
        pytest.param(
            "Wed, 30 Nov 1994 23:59:59 GMT",
            datetime(1994, 11, 30, 23, 59, 59, tzinfo=UTC),
            id="last_second_of_november",
        ),
    ],
)
def test_parse_valid(text: str, expected: datetime) -> None:
    parsed = parse_http_date(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("Sun, 06 Nov 1994 08:49:37", id="no_zone"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 gmt", id="lowercase_gmt"),
        pytest.param("sun, 06 nov 1994 08:49:37 GMT", id="lowercase_names"),
        pytest.param("SUN, 06 NOV 1994 08:49:37 GMT", id="uppercase_names"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 UTC", id="utc"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 UT", id="ut"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 Z", id="z"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 +0000", id="plus_0000"),
        pytest.param("Sun, 06 Nov 1994 09:49:37 +0100", id="plus_0100"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 EST", id="est"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT+1", id="gmt_plus_1"),
        pytest.param("1994-11-06T08:49:37Z", id="iso_8601"),
        pytest.param("1994-11-06 08:49:37", id="iso_8601_space"),
        pytest.param("784111777", id="posix_seconds"),
        pytest.param("Sun,  06 Nov 1994 08:49:37 GMT", id="double_space_after_comma"),
        pytest.param("Sun, 06  Nov 1994 08:49:37 GMT", id="double_space_after_day"),
        pytest.param("Sun, 06 Nov 1994  08:49:37 GMT", id="double_space_before_time"),
        pytest.param("Sun, 06 Nov 1994 08:49:37  GMT", id="double_space_before_zone"),
        pytest.param("Sun,06 Nov 1994 08:49:37 GMT", id="no_space_after_comma"),
        pytest.param("Sun 06 Nov 1994 08:49:37 GMT", id="no_comma"),
        pytest.param("06 Nov 1994 08:49:37 GMT", id="no_day_name"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT; length=1234", id="length_parameter"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT", id="list"),
        pytest.param("Sun, 6 Nov 1994 08:49:37 GMT", id="one_digit_day"),
        pytest.param("Sun, 06 Nov 94 08:49:37 GMT", id="two_digit_year_in_imf"),
        pytest.param("Sun, 06 Nov 01994 08:49:37 GMT", id="five_digit_year"),
        pytest.param("Sun, 06 Nov 1994 8:49:37 GMT", id="one_digit_hour"),
        pytest.param("Sun, 06 Nov 1994 08:49 GMT", id="no_seconds"),
        pytest.param("Sun, 06 Nov 1994 08:49:37.5 GMT", id="fractional_seconds"),
        pytest.param("Sunday, 06 Nov 1994 08:49:37 GMT", id="long_day_name_in_imf"),
        pytest.param("Sun, 06-Nov-94 08:49:37 GMT", id="short_day_name_in_rfc850"),
        pytest.param("Sunday, 06-Nov-1994 08:49:37 GMT", id="four_digit_year_in_rfc850"),
        pytest.param("Sunday, 06-Nov-94 08:49:37 UTC", id="rfc850_utc"),
        pytest.param("Sun Nov 6 08:49:37 1994", id="asctime_unpadded_day"),
        pytest.param("Sun Nov  6 08:49:37 1994 GMT", id="asctime_with_zone"),
        pytest.param("Sun Nov  6 08:49:37 94", id="asctime_two_digit_year"),
        pytest.param("Sunday Nov  6 08:49:37 1994", id="asctime_long_day_name"),
        pytest.param("Sun, 06 November 1994 08:49:37 GMT", id="long_month_name"),
        pytest.param("Wed, 31 Nov 1994 08:49:37 GMT", id="31_november"),
        pytest.param("Thu, 31 Apr 1994 08:49:37 GMT", id="31_april"),
        pytest.param("Wed, 30 Feb 2000 08:49:37 GMT", id="30_february"),
        pytest.param("Thu, 29 Feb 2001 08:49:37 GMT", id="29_february_common_year"),
        pytest.param("Thu, 29 Feb 1900 08:49:37 GMT", id="29_february_1900_100_year_rule"),
        pytest.param("Sun Feb 29 08:49:37 2001", id="asctime_29_february_common_year"),
        pytest.param("Sun, 00 Nov 1994 08:49:37 GMT", id="day_0"),
        pytest.param("Sun, 32 Nov 1994 08:49:37 GMT", id="day_32"),
        pytest.param("Sun Nov  0 08:49:37 1994", id="asctime_day_0"),
        pytest.param("Sun, 06 Nov 1994 24:00:00 GMT", id="hour_24"),
        pytest.param("Sun, 06 Nov 1994 08:60:00 GMT", id="minute_60"),
        pytest.param("Sun, 06 Nov 1994 08:49:61 GMT", id="second_61"),
        pytest.param("Sun, 06 Nov 1994 08:49:99 GMT", id="second_99"),
        pytest.param("Sat, 01 Jan 0000 00:00:00 GMT", id="year_0"),
        pytest.param("Sun Jan  1 00:00:00 0000", id="asctime_year_0"),
        pytest.param("Sun, \u0660\u0666 Nov 1994 08:49:37 GMT", id="arabic_indic_digits"),
        pytest.param("Sun, \uff10\uff16 Nov 1994 08:49:37 GMT", id="fullwidth_digits"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT\x00", id="trailing_nul"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT\n", id="trailing_newline_is_not_ows"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 G\u039cT", id="greek_mu_in_gmt"),
    ],
)
def test_parse_invalid(text: str) -> None:
    assert parse_http_date(text) is None
    assert _dates.parse_http_date_seconds(text) is None


def test_leap_second_at_the_end_of_9999_cannot_be_a_datetime() -> None:
    # It is a valid HTTP-date (the evaluator compares it as seconds), but
    # the next second is in the year 10000, which datetime cannot hold.
    text = "Fri, 31 Dec 9999 23:59:60 GMT"
    assert _dates.parse_http_date_seconds(text) == 253402300800
    assert parse_http_date(text) is None


# --- The rfc850 two-digit year: 50-year rule (§5.6.7, R7) --------------------


class FrozenYear(SimpleNamespace):
    """Stands in for the ``time`` module inside condget._dates: the clock reads mid-``year``."""

    def __init__(self, year: int) -> None:
        super().__init__()
        self.instant = datetime(year, 7, 1, tzinfo=UTC).timestamp()

    def gmtime(self, seconds: float | None = None) -> time.struct_time:
        return time.gmtime(self.instant if seconds is None else seconds)

    def time(self) -> float:
        return self.instant


@pytest.mark.parametrize(
    ("this_year", "two_digits", "year"),
    [
        pytest.param(2026, "94", 1994, id="2026_94_is_past"),
        pytest.param(2026, "26", 2026, id="2026_26_is_this_year"),
        pytest.param(2026, "76", 2076, id="2026_76_is_50_years_ahead"),
        pytest.param(2026, "77", 1977, id="2026_77_is_51_years_ahead_so_past"),
        pytest.param(2026, "00", 2000, id="2026_00"),
        pytest.param(2070, "20", 2120, id="2070_20_is_50_years_ahead"),
        pytest.param(2070, "21", 2021, id="2070_21_is_past"),
        pytest.param(2070, "19", 2119, id="2070_19_is_49_years_ahead"),
        pytest.param(2099, "49", 2149, id="2099_49_next_century"),
        pytest.param(2099, "50", 2050, id="2099_50_past"),
        pytest.param(2100, "50", 2150, id="2100_50_is_50_years_ahead"),
        pytest.param(2100, "51", 2051, id="2100_51_past"),
    ],
)
def test_rfc850_two_digit_year(
    monkeypatch: pytest.MonkeyPatch, this_year: int, two_digits: str, year: int
) -> None:
    # §5.6.7: "a timestamp that appears to be more than 50 years in the future"
    # is "the most recent year in the past that had the same last two digits".
    monkeypatch.setattr(_dates, "time", FrozenYear(this_year))
    parsed = parse_http_date(f"Sunday, 06-Nov-{two_digits} 08:49:37 GMT")
    assert parsed == datetime(year, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_rfc850_two_digit_year_on_the_real_clock() -> None:
    this_year = time.gmtime().tm_year
    ahead_50 = f"{(this_year + 50) % 100:02d}"
    ahead_51 = f"{(this_year + 51) % 100:02d}"
    parsed_50 = parse_http_date(f"Monday, 01-Jan-{ahead_50} 00:00:00 GMT")
    parsed_51 = parse_http_date(f"Monday, 01-Jan-{ahead_51} 00:00:00 GMT")
    assert parsed_50 is not None
    assert parsed_51 is not None
    assert parsed_50.year == this_year + 50
    assert parsed_51.year == this_year + 51 - 100


def test_rfc850_leap_day_follows_the_resolved_century(monkeypatch: pytest.MonkeyPatch) -> None:
    # "00" is 2000 (a leap year) in 2026, but 2100 (not one) in 2060.
    monkeypatch.setattr(_dates, "time", FrozenYear(2026))
    assert parse_http_date("Tuesday, 29-Feb-00 00:00:00 GMT") == datetime(2000, 2, 29, tzinfo=UTC)
    monkeypatch.setattr(_dates, "time", FrozenYear(2060))
    assert parse_http_date("Monday, 29-Feb-00 00:00:00 GMT") is None


# --- Formatting and the application's times (R12) ---------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(784111777, "Sun, 06 Nov 1994 08:49:37 GMT", id="int"),
        pytest.param(784111777.999, "Sun, 06 Nov 1994 08:49:37 GMT", id="float_truncated"),
        pytest.param(0, "Thu, 01 Jan 1970 00:00:00 GMT", id="epoch"),
        pytest.param(-0.5, "Wed, 31 Dec 1969 23:59:59 GMT", id="negative_float_floors"),
        pytest.param(-62135596800, "Mon, 01 Jan 0001 00:00:00 GMT", id="first_second_of_year_1"),
        pytest.param(253402300799, "Fri, 31 Dec 9999 23:59:59 GMT", id="last_second_of_9999"),
        pytest.param(
            datetime(1994, 11, 6, 8, 49, 37, 999999, tzinfo=UTC),
            "Sun, 06 Nov 1994 08:49:37 GMT",
            id="datetime_microseconds_truncated",
        ),
        pytest.param(
            datetime(1994, 11, 6, 3, 49, 37, tzinfo=timezone(timedelta(hours=-5))),
            "Sun, 06 Nov 1994 08:49:37 GMT",
            id="datetime_with_offset_in_gmt",
        ),
        pytest.param(
            datetime(3000, 1, 1, 0, 0, 0, 999999, tzinfo=UTC),
            "Wed, 01 Jan 3000 00:00:00 GMT",
            id="microseconds_truncated_where_a_float_would_round_up",
        ),
        pytest.param(
            datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            "Fri, 31 Dec 9999 23:59:59 GMT",
            id="last_microsecond_of_9999",
        ),
        pytest.param(
            datetime(1, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))),
            "Mon, 01 Jan 0001 00:00:00 GMT",
            id="datetime_with_offset_at_year_1",
        ),
    ],
)
def test_format(value: Any, text: str) -> None:
    assert format_http_date(value) == text
    assert format_http_date(value) == text  # again: the one-entry cache answers
    assert _dates.to_seconds(value) == _dates.parse_http_date_seconds(text)


def test_format_now() -> None:
    before = int(time.time())
    parsed = parse_http_date(format_http_date())
    after = int(time.time())
    assert parsed is not None
    assert before <= parsed.timestamp() <= after


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(datetime(1994, 11, 6), "naive datetime", id="naive_datetime"),  # noqa: DTZ001
        pytest.param(
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),
            "outside the years",
            id="aware_datetime_in_year_10000_utc",
        ),
        pytest.param(
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=2))),
            "outside the years",
            id="aware_datetime_in_year_0_utc",
        ),
        pytest.param(-62135596801, "outside the years", id="before_year_1"),
        pytest.param(253402300800, "outside the years", id="year_10000"),
        pytest.param(math.nan, "outside the years", id="nan"),
        pytest.param(math.inf, "outside the years", id="inf"),
        pytest.param(True, "not a modification time", id="bool"),
        pytest.param(b"0", "not a modification time", id="bytes"),
    ],
)
def test_format_rejects(value: Any, message: str) -> None:
    with pytest.raises(InvalidValidatorError, match=message):
        format_http_date(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT", 784111777, id="http_date"),
        pytest.param("Sun Nov  6 08:49:37 1994", 784111777, id="asctime"),
        pytest.param(784111777, 784111777, id="int"),
        pytest.param(784111777.5, 784111777, id="float"),
    ],
)
def test_to_seconds(value: Any, seconds: int) -> None:
    assert _dates.to_seconds(value) == seconds
    assert type(_dates.to_seconds(value)) is int


def test_to_seconds_rejects_a_string_that_is_not_a_date() -> None:
    with pytest.raises(InvalidValidatorError, match="not an HTTP-date"):
        _dates.to_seconds("1994-11-06T08:49:37Z")
