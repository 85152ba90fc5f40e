"""Fuzz target: HTTP-date parsing and formatting (``parse_http_date``, ``format_http_date``).

Invariants, for any latin-1 text:

* nothing raises;
* ``parse_http_date`` agrees with the reference parser in ``_reference.py``:
  the same instant, or ``None`` for anything but the three RFC 9110 §5.6.7
  forms of a real calendar date (R7, R8);
* a parsed date is aware UTC with no sub-second part, and formatting it gives
  an IMF-fixdate that parses back to it; an IMF-fixdate whose day name is
  right is formatted back to exactly itself;
* ``evaluate`` gives If-Modified-Since (R19, R20) and If-Unmodified-Since (R21,
  R22) the answer the parsed date implies, against a Last-Modified on either
  side of it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from condget import evaluate, format_http_date, parse_http_date
from fuzz import _reference
from fuzz._input import DATES, LAST_MODIFIED, Input

_LAST_SECOND = 253402300800  # 10000-01-01T00:00:00Z, past what a datetime holds


def one_input(data: bytes) -> None:
    """Check one input (see the module docstring)."""
    source = Input(data)
    kind = source.below(4)
    if kind == 0:
        # Mutate a valid date, so the fuzzer starts next to the grammar.
        base = bytearray(source.pick(DATES).encode("latin-1"))
        for _ in range(source.below(4)):
            if base:
                base[source.below(len(base))] = source.byte()
        value = base.decode("latin-1")
    else:
        value = source.rest().decode("latin-1")
    last_modified = source.pick(LAST_MODIFIED)

    parsed = parse_http_date(value)
    expected = _reference.parse_date(value)
    if expected is None or expected >= _LAST_SECOND:
        assert parsed is None, (value, parsed)
    else:
        assert parsed == datetime.fromtimestamp(expected, UTC), (value, parsed, expected)
    if parsed is not None:
        assert parsed.tzinfo is UTC, parsed
        assert parsed.microsecond == 0, parsed
        formatted = format_http_date(parsed)
        assert parse_http_date(formatted) == parsed, (value, formatted)
        stripped = value.strip(" \t")
        if (
            len(stripped) == 29
            and stripped[:3] == formatted[:3]
            and stripped[23:25] != "60"  # a leap second is written as the next minute
        ):
            assert formatted == stripped, (value, formatted)

    for field in ("If-Modified-Since", "If-Unmodified-Since"):
        for lm in (last_modified, expected):
            if lm is None or not -62135596800 <= lm < _LAST_SECOND:
                continue
            fields = [(field, value)]
            decision = evaluate("GET", fields, last_modified=lm)
            status, _ = _reference.evaluate("GET", fields, None, lm, True, 200, False)
            assert decision.status == status, (field, value, lm, decision)
