"""Range requests (RFC 9110 §14), sans-IO: for serving a 206 from any framework.

The middlewares serve ranges themselves (on by default); these are the pieces
they use, for code that serves a body of its own: :func:`parse_range` reads a
``Range`` field against the representation's length, :class:`PartialContent`
lays out the 206 (one part, or ``multipart/byteranges``) with its exact
``Content-Length``, and :class:`RangeSlicer` cuts it from a body as it streams.
"""

from __future__ import annotations

from ._ranges import MAX_RANGES as MAX_RANGES
from ._ranges import ByteRange as ByteRange
from ._ranges import InvalidRangeError as InvalidRangeError
from ._ranges import PartialContent as PartialContent
from ._ranges import RangeSlicer as RangeSlicer
from ._ranges import RangeStatus as RangeStatus
from ._ranges import content_range as content_range
from ._ranges import parse_range as parse_range
from ._ranges import unsatisfied_range as unsatisfied_range

__all__ = [
    "MAX_RANGES",
    "ByteRange",
    "InvalidRangeError",
    "PartialContent",
    "RangeSlicer",
    "RangeStatus",
    "content_range",
    "parse_range",
    "unsatisfied_range",
]
