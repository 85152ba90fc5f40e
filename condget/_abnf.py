"""RFC 9110 grammar used by condget, compiled once, with the ABNF beside each pattern.

Every pattern is anchored and built from possessive quantifiers (``*+``,
``?+``), so the regex engine never backtracks: matching is linear in the
length of the input, whatever a client sends (rfc-rules R3: long lists are a
denial-of-service vector).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "ASCTIME_DATE",
    "ENTITY_TAG",
    "ENTITY_TAG_LIST",
    "ENTITY_TAG_MEMBER",
    "IMF_FIXDATE",
    "MONTHS",
    "OWS",
    "RFC850_DATE",
]

# OWS = *( SP / HTAB )                                    (RFC 9110 §5.6.3)
OWS: Final = " \t"

# entity-tag = [ weak ] opaque-tag                        (RFC 9110 §8.8.3)
# weak       = %s"W/"            ; case-sensitive (R4)
# opaque-tag = DQUOTE *etagc DQUOTE
# etagc      = %x21 / %x23-7E / obs-text
# obs-text   = %x80-FF
# Header values reach us as str decoded from latin-1 (PEP 3333 does this for
# WSGI and the ASGI adapter does it for bytes), so obs-text is U+0080-U+00FF;
# any code point above U+00FF cannot have come off the wire and is rejected.
_ETAGC: Final = r"\x21\x23-\x7e\x80-\xff"
_ENTITY_TAG: Final = rf'(W/)?+"([{_ETAGC}]*+)"'
ENTITY_TAG: Final = re.compile(_ENTITY_TAG)

# If-Match / If-None-Match = "*" / #entity-tag           (RFC 9110 §13.1.1-2)
# #element allows empty members and OWS around commas, and RFC 9110 allows
# the empty list (§5.6.1.2; R3, R13). "*" is only valid alone (R6) and is
# handled before this pattern is used.
_MEMBER: Final = rf"[{OWS}]*+(?:{_ENTITY_TAG})?+[{OWS}]*+"
ENTITY_TAG_LIST: Final = re.compile(rf"{_MEMBER}(?:,{_MEMBER})*+")
# Used only on a value that ENTITY_TAG_LIST has validated, where quotes pair
# up, so each match is exactly one member's entity-tag (R5: "a,b" is one tag).
ENTITY_TAG_MEMBER: Final = re.compile(rf'(W/)?"([{_ETAGC}]*)"')

# HTTP-date = IMF-fixdate / obs-date                      (RFC 9110 §5.6.7)
# Names and "GMT" are case-sensitive; exactly one SP between tokens (R7, R8).
_DAY_NAME: Final = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_DAY_NAME_L: Final = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTH: Final = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# time-of-day = hour ":" minute ":" second, ranges checked here (R7):
# hour 00-23, minute 00-59, second 00-60 (60: a leap second, §5.6.7).
_TIME: Final = "([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)"
# day = 2DIGIT, 01-31 here; whether the month has that day is checked in code.
_DAY: Final = "(0[1-9]|[12][0-9]|3[01])"
MONTHS: Final = {name: number for number, name in enumerate(_MONTH.split("|"), 1)}

# IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
# date1       = day SP month SP year   ; e.g., 02 Jun 1982
IMF_FIXDATE: Final = re.compile(rf"(?:{_DAY_NAME}), {_DAY} ({_MONTH}) ([0-9]{{4}}) {_TIME} GMT")
# rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT
# date2       = day "-" month "-" 2DIGIT   ; e.g., 02-Jun-82
RFC850_DATE: Final = re.compile(rf"(?:{_DAY_NAME_L}), {_DAY}-({_MONTH})-([0-9]{{2}}) {_TIME} GMT")
# asctime-date = day-name SP date3 SP time-of-day SP year
# date3        = month SP ( 2DIGIT / ( SP DIGIT ) )   ; e.g., Jun  2
ASCTIME_DATE: Final = re.compile(
    rf"(?:{_DAY_NAME}) ({_MONTH}) ({_DAY[1:-1]}| [1-9]) {_TIME} ([0-9]{{4}})"
)
