"""HTTP-date: parse exactly the three RFC 9110 §5.6.7 formats, format IMF-fixdate.

Internally a date is an ``int`` of POSIX seconds: HTTP dates have one-second
resolution (§8.8.2, R12), and integer comparison is what the evaluator needs.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Final

from ._abnf import ASCTIME_DATE, IMF_FIXDATE, MONTHS, RFC850_DATE
from ._errors import InvalidValidatorError

__all__ = [
    "MAX_SECONDS",
    "MIN_SECONDS",
    "Timestamp",
    "format_http_date",
    "parse_http_date",
    "parse_http_date_seconds",
    "to_seconds",
]

Timestamp = datetime | int | float
"""What condget accepts as a modification time: an aware datetime or POSIX seconds."""

_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES: Final = tuple(MONTHS)
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DAYS_BEFORE_MONTH: Final = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_TWO: Final = {f"{number:02d}": number for number in range(100)}
MIN_SECONDS: Final = -62135596800  # 0001-01-01T00:00:00Z
MAX_SECONDS: Final = 253402300800  # 10000-01-01T00:00:00Z
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND: Final = timedelta(seconds=1)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_Fields = tuple[int, int, int, int, int, int]


def _fields(value: str) -> _Fields | None:
    # Year, month, day, hour, minute, second of an HTTP-date, or None.
    # R2: a field value excludes surrounding whitespace; nothing else is
    # tolerated (R8: If-(Un)Modified-Since restrict the robust parsing that
    # §5.6.7 otherwise encourages). The grammar has checked every range but
    # the day against its month, done last.
    value = value.strip(" \t")
    match = IMF_FIXDATE.fullmatch(value)
    if match is not None:
        # The one format senders generate (§5.6.7), so the hot path: two-digit
        # fields come from a table instead of int().
        day, month, year, hour, minute, second = match.groups()
        fields = (int(year), MONTHS[month], _TWO[day], _TWO[hour], _TWO[minute], _TWO[second])
    elif (match := RFC850_DATE.fullmatch(value)) is not None:
        day, month, year2, hour, minute, second = match.groups()
        # §5.6.7: a two-digit year that appears to be more than 50 years in
        # the future is the most recent past year with those digits.
        this_year = time.gmtime().tm_year
        full_year = this_year - this_year % 100 + _TWO[year2]
        if full_year > this_year + 50:
            full_year -= 100
        elif full_year <= this_year - 50:
            full_year += 100
        fields = (full_year, MONTHS[month], _TWO[day], _TWO[hour], _TWO[minute], _TWO[second])
    elif (match := ASCTIME_DATE.fullmatch(value)) is not None:
        month, day, hour, minute, second, year = match.groups()
        fields = (int(year), MONTHS[month], int(day), _TWO[hour], _TWO[minute], _TWO[second])
    else:
        return None
    year, month, day = fields[0], fields[1], fields[2]
    if year == 0:
        return None  # "0000": there is no year zero
    # A real calendar date is required (R7: 31 Nov is not a date).
    if day > 28 and day > _DAYS_IN_MONTH[month] + (month == 2 and _is_leap(year)):
        return None
    return fields


def parse_http_date_seconds(value: str) -> int | None:
    """Parse an HTTP-date into POSIX seconds, or ``None`` if it is not one.

    The allocation-light form of :func:`parse_http_date` that the evaluator
    uses. Never raises.
    """
    fields = _fields(value)
    if fields is None:
        return None
    year, month, day, hour, minute, second = fields
    # Days since 1970-01-01 in the proleptic Gregorian calendar, by integer
    # arithmetic: several times cheaper than a datetime or calendar.timegm.
    # Second 60, the leap second the grammar allows, counts as the next
    # second, as POSIX time has no leap seconds.
    before = year - 1
    days = (
        before * 365
        + before // 4
        - before // 100
        + before // 400
        - 719162  # days from 0001-01-01 to 1970-01-01
        + _DAYS_BEFORE_MONTH[month]
        + (month > 2 and _is_leap(year))
        + day
        - 1
    )
    return days * 86400 + hour * 3600 + minute * 60 + second


def parse_http_date(value: str) -> datetime | None:
    """Parse an HTTP-date (RFC 9110 §5.6.7) into an aware UTC ``datetime``.

    Accepts exactly the three formats a recipient must accept: IMF-fixdate
    (``Sun, 06 Nov 1994 08:49:37 GMT``), rfc850-date
    (``Sunday, 06-Nov-94 08:49:37 GMT``, with the 50-year rule for the
    two-digit year) and asctime-date (``Sun Nov  6 08:49:37 1994``), after
    trimming surrounding spaces and tabs. Names and ``GMT`` are
    case-sensitive and the calendar date must exist. Anything else, including
    ISO 8601, numeric zones and other zone names, gives ``None`` (R7, R8);
    this function never raises. A day name that does not match the date is
    accepted, as Go and the anchors do: the date itself is unambiguous.

    Args:
        value: The field value, as text.

    Returns:
        The instant, or ``None`` when ``value`` is not an HTTP-date. A leap
        second (``23:59:60``) is the first second of the next minute.
    """
    fields = _fields(value)
    if fields is None:
        return None
    year, month, day, hour, minute, second = fields
    if second == 60:
        seconds = parse_http_date_seconds(value)
        if seconds is None or seconds >= MAX_SECONDS:  # 9999-12-31 23:59:60
            return None
        return datetime.fromtimestamp(seconds, UTC)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def to_seconds(value: Timestamp | str) -> int:
    """Turn an application's modification time into whole POSIX seconds.

    Sub-second parts are truncated, so the value compares exactly as the
    ``Last-Modified`` header it would be written as (R12, §8.8.2).

    Args:
        value: An aware ``datetime``, POSIX seconds (``int`` or ``float``, as
            ``os.stat().st_mtime`` gives) or an HTTP-date string.

    Returns:
        POSIX seconds.

    Raises:
        InvalidValidatorError: ``value`` is a naive datetime, a string that is
            not an HTTP-date, not finite, or of another type.
    """
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise InvalidValidatorError(
                f"naive datetime {value!r}: HTTP dates are UTC, pass an aware "
                "datetime (e.g. datetime.now(UTC)) or POSIX seconds"
            )
        # Exact integer arithmetic: value.timestamp() is a float, which from
        # the year 2514 on rounds x.999999 s up to the next second.
        value = (value - _EPOCH) // _ONE_SECOND
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An IMF-fixdate has a four-digit year: 0001-01-01 to 9999-12-31,
        # in UTC (an aware datetime near either end can fall outside).
        if not MIN_SECONDS <= value < MAX_SECONDS:
            raise InvalidValidatorError(
                f"POSIX time {value!r} is outside the years 1 to 9999 an HTTP-date can hold"
            )
        return int(value // 1)
    if isinstance(value, str):
        seconds = parse_http_date_seconds(value)
        if seconds is None:
            raise InvalidValidatorError(f"not an HTTP-date (RFC 9110 §5.6.7): {value!r}")
        return seconds
    raise InvalidValidatorError(f"not a modification time: {value!r}")


_last_formatted: tuple[int, str] = (-1, "")


def format_http_date(value: Timestamp | None = None) -> str:
    """Format an instant as an IMF-fixdate, the only HTTP-date form a sender may generate.

    Args:
        value: An aware ``datetime`` or POSIX seconds; ``None`` means now.
            Sub-second parts are truncated (R12).

    Returns:
        For example ``"Sun, 06 Nov 1994 08:49:37 GMT"``.

    Raises:
        InvalidValidatorError: ``value`` is a naive datetime or not a time.
    """
    global _last_formatted
    seconds = int(time.time()) if value is None else to_seconds(value)
    # A server formats the same few seconds over and over (Date headers);
    # remember the last one. Replacing a tuple is atomic, so threads are safe.
    cached_seconds, cached_text = _last_formatted
    if seconds == cached_seconds:
        return cached_text
    t = time.gmtime(seconds)
    text = (
        f"{_DAY_NAMES[t.tm_wday]}, {t.tm_mday:02d} {_MONTH_NAMES[t.tm_mon - 1]} "
        f"{t.tm_year:04d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )
    _last_formatted = (seconds, text)
    return text
