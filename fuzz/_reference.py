"""Slow, obvious reference implementations the fuzz targets compare condget against.

Written from rfc-rules.md without looking at condget's regexes: a
character-by-character scanner for entity-tag lists, a slicing parser for the
three HTTP-date forms, and RFC 9110 §13.2.2 as a straight list of steps. They
share no code with condget, so a disagreement is a bug in one of the two.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Final

OWS: Final = " \t"
STAR: Final = "*"
DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LONG_DAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
MONTH_NAMES: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

Member = tuple[bool, str]  # (weak, opaque)


def is_etagc(char: str) -> bool:
    """``etagc = %x21 / %x23-7E / obs-text`` (RFC 9110 §8.8.3), on latin-1 text."""
    code = ord(char)
    return code == 0x21 or 0x23 <= code <= 0x7E or 0x80 <= code <= 0xFF


def parse_list(value: str) -> list[Member] | str | None:
    """``"*"``, the members of ``#entity-tag``, or ``None`` when invalid (R3-R6, R13)."""
    value = value.strip(OWS)
    if value == STAR:
        return STAR
    members: list[Member] = []
    i, n = 0, len(value)
    while True:
        while i < n and value[i] in OWS:
            i += 1
        if i < n and value[i] != ",":
            weak = value.startswith("W/", i)
            if weak:
                i += 2
            if i >= n or value[i] != '"':
                return None
            end = i + 1
            while end < n and is_etagc(value[end]):
                end += 1
            if end >= n or value[end] != '"':
                return None
            members.append((weak, value[i + 1 : end]))
            i = end + 1
            while i < n and value[i] in OWS:
                i += 1
        if i == n:
            return members
        if value[i] != ",":
            return None
        i += 1


def parse_tag(value: str) -> Member | None:
    """Exactly one entity-tag, after trimming OWS (R2, R4)."""
    members = parse_list(value)
    stripped = value.strip(OWS)
    if not isinstance(members, list) or len(members) != 1:
        return None
    weak, opaque = members[0]
    if stripped != (f'W/"{opaque}"' if weak else f'"{opaque}"'):
        return None
    return members[0]


def _digits(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _instant(year: int, month: int, day: int, clock: str) -> int | None:
    if len(clock) != 8 or clock[2] != ":" or clock[5] != ":":
        return None
    hour, minute, second = _digits(clock[:2]), _digits(clock[3:5]), _digits(clock[6:])
    if hour is None or minute is None or second is None:
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    try:
        instant = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except ValueError:
        return None  # no such calendar date (31 Nov, 29 Feb 2021, year 0)
    # Second 60 is a leap second (§5.6.7): the first second of the next minute.
    return seconds(instant) + (second == 60)


def parse_date(value: str) -> int | None:
    """An HTTP-date in one of its three forms, strictly (R7, R8): POSIX seconds, or ``None``."""
    value = value.strip(OWS)
    # IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
    if len(value) == 29 and value[3:5] == ", " and value[:3] in DAY_NAMES:
        day, year = _digits(value[5:7]), _digits(value[12:16])
        if (
            day is None
            or year is None
            or value[7] != " "
            or value[11] != " "
            or value[16] != " "
            or value[8:11] not in MONTH_NAMES
            or value[25:] != " GMT"
        ):
            return None
        return _instant(year, MONTH_NAMES.index(value[8:11]) + 1, day, value[17:25])
    # rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT".
    name, comma, rest = value.partition(", ")
    if comma and name in LONG_DAY_NAMES:
        if len(rest) != 22 or rest[2] != "-" or rest[6] != "-" or rest[9] != " ":
            return None
        day, two = _digits(rest[:2]), _digits(rest[7:9])
        if day is None or two is None or rest[3:6] not in MONTH_NAMES or rest[18:] != " GMT":
            return None
        # §5.6.7: more than 50 years in the future means the previous century.
        this_year = time.gmtime().tm_year
        year = this_year - this_year % 100 + two
        if year > this_year + 50:
            year -= 100
        return _instant(year, MONTH_NAMES.index(rest[3:6]) + 1, day, rest[10:18])
    # asctime-date: "Sun Nov  6 08:49:37 1994" (24 characters, no zone).
    if len(value) == 24 and value[:3] in DAY_NAMES and value[3] == " ":
        if value[7] != " " or value[10] != " " or value[19] != " ":
            return None
        if value[8] == " ":
            day = _digits(value[9]) if value[9] != "0" else None
        else:
            day = _digits(value[8:10])
        year = _digits(value[20:])
        if day is None or year is None or value[4:7] not in MONTH_NAMES:
            return None
        return _instant(year, MONTH_NAMES.index(value[4:7]) + 1, day, value[11:19])
    return None


def seconds(instant: datetime) -> int:
    """POSIX seconds of an aware datetime, exactly."""
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)


def joined(fields: list[tuple[str, str]], name: str) -> str | None:
    """Every line of field ``name`` joined with ``", "`` (R1), or ``None`` when absent."""
    values = [value for field, value in fields if field.lower() == name]
    return ", ".join(values) if values else None


def evaluate(
    method: str,
    fields: list[tuple[str, str]],
    etag: Member | None,
    last_modified: int | None,
    exists: bool,
    status: int | None,
    require: bool,
) -> tuple[int | None, bool]:
    """RFC 9110 §13.2 by the book: ``(304 | 412 | 428 | None, range allowed)``."""
    if status is not None and not (200 <= status < 300 or status == 412):
        return None, False  # R28
    if method in ("CONNECT", "OPTIONS", "TRACE"):
        return None, False  # R29
    if not exists:
        etag, last_modified = None, None
    if_match = joined(fields, "if-match")
    if_none_match = joined(fields, "if-none-match")
    if_modified_since = joined(fields, "if-modified-since")
    if_unmodified_since = joined(fields, "if-unmodified-since")
    if_range = joined(fields, "if-range")
    range_ = joined(fields, "range")
    if (
        require
        and method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        and if_match is None
        # An If-Unmodified-Since names the expected state only if it will be
        # evaluated: a valid date, and a resource that has one (R21).
        and (
            if_unmodified_since is None
            or last_modified is None
            or parse_date(if_unmodified_since) is None
        )
        and (if_none_match is None or if_none_match.strip(OWS) != STAR)
    ):
        return 428, False  # RFC 6585 §3
    # Step 1 (R15) and step 2 (R21, R22).
    if if_match is not None:
        members = parse_list(if_match)
        if isinstance(members, str):  # "*"
            passes = exists
        elif members is None or etag is None or etag[0]:
            passes = False
        else:
            passes = any(not weak and opaque == etag[1] for weak, opaque in members)
        if not passes:
            return 412, False
    elif if_unmodified_since is not None:
        since = parse_date(if_unmodified_since)
        if since is not None and last_modified is not None and last_modified > since:
            return 412, False
    # Step 3 (R17, R18) and step 4 (R19, R20).
    get_or_head = method in ("GET", "HEAD")
    if if_none_match is not None:
        members = parse_list(if_none_match)
        if isinstance(members, str):  # "*"
            matched = exists
        elif members is None or etag is None:
            matched = False
        else:
            matched = any(opaque == etag[1] for _, opaque in members)
        if matched:
            return (304 if get_or_head else 412), False
    elif if_modified_since is not None and get_or_head:
        since = parse_date(if_modified_since)
        if since is not None and last_modified is not None and last_modified <= since:
            return 304, False
    # Step 5 (R23-R27).
    if method != "GET":
        return None, False
    if if_range is None or range_ is None:
        return None, True
    stripped = if_range.strip(OWS)
    if '"' in stripped[:3]:
        tag = parse_tag(stripped)
        return None, tag is not None and etag is not None and not tag[0] and tag == etag
    date = parse_date(stripped)
    strong = last_modified is not None and int(time.time()) - last_modified >= 1
    return None, date is not None and strong and date == last_modified
