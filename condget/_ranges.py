"""Range requests (RFC 9110 §14): read ``Range``, lay out a 206, cut it from a streamed body.

Sans-IO pieces for a representation whose length is known before its body
is sent. :func:`parse_range` turns a ``Range`` field into the byte ranges to
send, or says to ignore the field (a 200) or to answer 416.
:class:`PartialContent` lays out the 206: one part with ``Content-Range``,
or ``multipart/byteranges``, with its exact ``Content-Length`` known before
the first body byte. :class:`RangeSlicer` cuts that 206 body out of the 200
body as the chunks stream past, holding nothing but the chunk in hand.
Which requests may get a 206 at all (GET only, If-Range, preconditions
first: R42, R46) is :func:`condget.evaluate`'s business, not this module's.
"""

from __future__ import annotations

import enum
import itertools
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple

from ._abnf import OWS
from ._errors import CondgetError

__all__ = [
    "MAX_RANGES",
    "ByteRange",
    "InvalidRangeError",
    "PartialContent",
    "RangeSlicer",
    "RangeStatus",
    "content_range",
    "ignored_because",
    "parse_range",
    "unsatisfied_range",
]

MAX_RANGES: Final = 100
"""How many list members :func:`parse_range` reads by default before ignoring the field (R49)."""

# The largest length accepted: Content-Length as a signed 64-bit count, the
# most any common server or client keeps. It bounds every number the parser
# converts to 19 digits, so int() is never slow and never hits Python's
# 4300-digit limit on int(str).
_MAX_LENGTH: Final = 2**63 - 1

# range-spec   = int-range / suffix-range / other-range      (RFC 9110 §14.1.1)
# int-range    = first-pos "-" [ last-pos ]
# suffix-range = "-" suffix-length
# first-pos = last-pos = suffix-length = 1*DIGIT
# other-range  = 1*( %x21-2B / %x2D-7E )  ; means nothing for bytes: invalid (R43)
# ASCII digits only: int() alone would also take "٣", "+1", " 1" and "1_0".
# Possessive quantifiers, so matching is linear in the member's length.
_RANGE_SPEC: Final = re.compile(r"([0-9]++)-([0-9]*+)|-([0-9]++)")

# boundary := 0*69<bchars> bcharsnospace                      (RFC 2046 §5.1.1)
# A boundary given by the caller is held to the bchars that are also tchars
# (RFC 9110 §5.6.2), so the Content-Type parameter never needs quoting.
_BOUNDARY: Final = re.compile(r"[0-9A-Za-z'+_.-]{1,70}")

# field-value = *field-content: visible ASCII, obs-text, SP, HTAB (§5.5).
# No CR or LF, so a Content-Type cannot add a line to a part's header.
_FIELD_VALUE: Final = re.compile(r"[\t\x20-\x7e\x80-\xff]*+")


class InvalidRangeError(CondgetError, ValueError):
    """The application gave a length, range, boundary or Content-Type that cannot be sent.

    Request fields never raise this: a ``Range`` a client got wrong is
    ignored (R43).
    """


class ByteRange(NamedTuple):
    """Bytes ``first`` to ``last`` of a representation, both included (RFC 9110 §14.1.2).

    A plain tuple: ``ByteRange(0, 99) == (0, 99)``.

    Attributes:
        first: The offset of the first byte.
        last: The offset of the last byte, at least ``first``.
    """

    first: int
    last: int

    @property
    def size(self) -> int:
        """How many bytes the range holds."""
        return self.last - self.first + 1


class RangeStatus(enum.Enum):
    """What :func:`parse_range` returns when there is no byte range to send."""

    IGNORE = 200
    """Ignore ``Range``: send the full response as if it were absent (R43, R45, R49)."""
    UNSATISFIABLE = 416
    """Send 416 Range Not Satisfiable with ``Content-Range: bytes */length`` (R45)."""


def _check_length(length: int) -> None:
    if not isinstance(length, int) or not 0 <= length <= _MAX_LENGTH:
        raise InvalidRangeError(
            f"a representation's length is 0 to 2**63 - 1 bytes, not {length!r}"
        )


def _at_most(digits: str, width: int, cap: int) -> int:
    # min(int(digits), cap) for digits without leading zeros, where cap has at
    # most `width` digits: a longer number is larger than cap, unconverted.
    if len(digits) > width:
        return cap
    return min(int(digits or "0"), cap)


def parse_range(
    field: str | None, length: int, *, max_ranges: int = MAX_RANGES
) -> tuple[ByteRange, ...] | RangeStatus:
    """Read a ``Range`` field value against the representation's length (RFC 9110 §14.2).

    Call it only when a 206 is allowed (:attr:`condget.Decision.range_allowed`:
    GET, preconditions passed, If-Range true; R42, R46). ``Range`` is not a
    list field: two lines joined by a server make an invalid value, ignored.
    Never raises because of ``field``, and costs time linear in its length
    with at most ``max_ranges`` small objects.

    The unit ``bytes`` is case-insensitive (§14.1); spaces and tabs around the
    value and around each list member are skipped, and so are empty members
    (§5.6.1.2), but nothing else is tolerated. Each range is clamped: a
    ``last`` past the end becomes ``length - 1``, a suffix longer than the
    representation means all of it (R44). Then, in this order:

    - The field is ignored if it is absent, if the unit is not ``bytes``, if
      any member is invalid (``first > last``, a sign, a space inside, a
      non-``bytes`` form: the whole field is then invalid, R43, R44), or if
      the representation is empty (R45 allows it; no byte could be sent).
    - It is ignored (R49) if it has more than ``max_ranges`` members, empty
      ones included, counted before anything is built; or if the sizes of
      its satisfiable ranges add up to more than ``length``, before
      coalescing, as Go's ``ServeContent`` does: hundreds of overlapping
      ``0-`` ranges get the plain 200 (Apache CVE-2011-3192).
    - A range whose first byte is past the end, or a suffix of 0, is
      unsatisfiable and dropped; if that leaves none, the answer is
      :attr:`RangeStatus.UNSATISFIABLE` (R45).
    - Overlapping and adjacent ranges are coalesced (R48 allows it); each
      merged range takes the place of the earliest-requested range in it, and
      the rest keep the order they were asked in (§15.3.7.2: the parts go in
      the requested order, less those coalesced or unsatisfiable). So the
      result may not be ascending: see :attr:`PartialContent.streamable`.

    Args:
        field: The ``Range`` field value, or ``None`` when absent.
        length: The representation's length in bytes (its content-coded
            bytes, R51).
        max_ranges: The most list members read (R49).

    Returns:
        The ranges to send, never overlapping or adjacent, in the order
        described above; or a :class:`RangeStatus`.

    Raises:
        InvalidRangeError: ``length`` is negative or above ``2**63 - 1``, or
            ``max_ranges`` is below 1.
    """
    _check_length(length)
    if not isinstance(max_ranges, int) or max_ranges < 1:
        raise InvalidRangeError(f"max_ranges must be at least 1, not {max_ranges!r}")
    if field is None or length == 0:
        return RangeStatus.IGNORE
    unit, equals, range_set = field.strip(OWS).partition("=")
    if (
        not equals
        or unit.lower() != "bytes"  # §14.1: range units are case-insensitive
        # R49: count the members before splitting, so a hostile field costs
        # one scan in C and builds nothing.
        or range_set.count(",") >= max_ranges
        # range-set = 1#range-spec: at least one member that is not empty.
        or not range_set.strip(",\t ")
    ):
        return RangeStatus.IGNORE
    width = len(str(length))
    satisfiable: list[ByteRange] = []
    total = 0
    for member in range_set.split(","):
        member = member.strip(OWS)
        if not member:
            continue  # §5.6.1.2: empty list members are allowed and skipped
        match = _RANGE_SPEC.fullmatch(member)
        if match is None:
            return RangeStatus.IGNORE  # R43: an invalid range-set invalidates the field
        first_digits, last_digits, suffix_digits = match.groups()
        if suffix_digits is not None:
            # R44: a suffix longer than the representation selects all of it;
            # a suffix of 0 gives first == length, unsatisfiable below.
            first = length - _at_most(suffix_digits.lstrip("0"), width, length)
            last = length - 1
        else:
            first_digits = first_digits.lstrip("0")
            first = _at_most(first_digits, width, length)
            last = length - 1
            if last_digits:
                last_digits = last_digits.lstrip("0")
                # R44: first > last is invalid. Compared as digit strings, so
                # numbers too long to convert still compare exactly.
                if (len(first_digits), first_digits) > (len(last_digits), last_digits):
                    return RangeStatus.IGNORE
                last = _at_most(last_digits, width, length - 1)
        if first < length:  # R45: otherwise this range is unsatisfiable
            satisfiable.append(ByteRange(first, last))
            total += last - first + 1
    if not satisfiable:
        return RangeStatus.UNSATISFIABLE
    if total > length:
        return RangeStatus.IGNORE  # R49: more bytes asked for than there are
    if len(satisfiable) == 1:
        return (satisfiable[0],)
    return _coalesce(satisfiable)


def ignored_because(field: str, length: int, max_ranges: int = MAX_RANGES) -> str:
    """Why :func:`parse_range` ignored ``field``, as a reason code (docs/observability.md).

    ``range-ignored:unit`` (not ``bytes=``, R43), ``range-ignored:too-many``
    (more than ``max_ranges`` members, R49), ``range-ignored:invalid`` (a
    member that is not a range-spec, R43) or ``range-ignored:too-much`` (the
    ranges add up to more than the representation, R49), or
    ``range-ignored:empty`` (a representation of no bytes has no range). Only
    called for a field already ignored, so its members are already counted.
    """
    if length == 0:
        return "range-ignored:empty"
    unit, equals, range_set = field.strip(OWS).partition("=")
    if not equals or unit.lower() != "bytes":
        return "range-ignored:unit"
    if range_set.count(",") >= max_ranges:
        return "range-ignored:too-many"
    for member in range_set.split(","):
        member = member.strip(OWS)
        if not member:
            continue
        match = _RANGE_SPEC.fullmatch(member)
        if match is None:
            return "range-ignored:invalid"
        first, last, _ = match.groups()
        if (
            first is not None
            and last
            and (len(first.lstrip("0")), first.lstrip("0"))
            > (
                len(last.lstrip("0")),
                last.lstrip("0"),
            )
        ):
            return "range-ignored:invalid"
    if not range_set.strip(",\t "):
        return "range-ignored:invalid"
    return "range-ignored:too-much"


def _coalesce(ranges: list[ByteRange]) -> tuple[ByteRange, ...]:
    # R48: overlapping or adjacent ranges become one, placed where the first
    # requested of them was; the order is otherwise the request's (§15.3.7.2).
    merged: list[list[int]] = []  # [position, first, last], ascending by first
    for first, position, last in sorted((r.first, i, r.last) for i, r in enumerate(ranges)):
        if merged and first <= merged[-1][2] + 1:
            group = merged[-1]
            group[0] = min(group[0], position)
            group[2] = max(group[2], last)
        else:
            merged.append([position, first, last])
    merged.sort()
    return tuple(ByteRange(first, last) for _, first, last in merged)


def content_range(first: int, last: int, length: int) -> str:
    """The ``Content-Range`` value of a part: ``"bytes 0-99/1000"`` (RFC 9110 §14.4, R47).

    Raises:
        InvalidRangeError: The range is not within ``length`` bytes.
    """
    _check_length(length)
    if not 0 <= first <= last < length:
        raise InvalidRangeError(f"bytes {first}-{last} are not within a length of {length}")
    return f"bytes {first}-{last}/{length}"


def unsatisfied_range(length: int) -> str:
    """The ``Content-Range`` value of a 416: ``"bytes */1000"`` (RFC 9110 §14.4, R45).

    Raises:
        InvalidRangeError: ``length`` is negative or above ``2**63 - 1``.
    """
    _check_length(length)
    return f"bytes */{length}"


@dataclass(frozen=True, slots=True, init=False)
class PartialContent:
    """The layout of a 206 response: its header fields and its body, as segments.

    One range is sent as itself, with ``Content-Range`` and the
    representation's own ``Content-Type`` (R47). Several are sent as
    ``multipart/byteranges`` (R48, §14.6): each part has the representation's
    ``Content-Type`` (when it has one) and its ``Content-Range``, lines end in
    CRLF, and there is no top-level ``Content-Range``. Ranges left single by
    coalescing get the single form too (§15.3.7.2 allows either).

    The body is :attr:`segments`: literal framing bytes and the ranges of the
    representation between them. A file-backed adapter seeks and reads each
    range (any order works); a streamed body goes through
    :class:`RangeSlicer` (ascending ranges only).

    The boundary is 32 hex digits, 128 bits from :func:`secrets.token_hex`,
    new for every response. RFC 2046 §5.1.1 wants a delimiter (CRLF, ``--``,
    boundary) that occurs in no part. Our part headers never start a line
    with ``--`` (every line starts ``Content-``), so only the content could
    hold it; and the content was made without sight of a boundary drawn
    afterwards, so it holds those 32 digits at one of its n offsets with
    probability at most n / 2**128: below 2**-88 for a terabyte. Scanning the
    content first would add nothing but a second pass, which a stream cannot
    make. (Go's ``mime/multipart`` draws its boundaries the same way.)

    Args:
        ranges: The ranges, as :func:`parse_range` returns them: at least
            one, each within ``length``.
        length: The representation's length in bytes.
        content_type: The ``Content-Type`` the 200 would carry, repeated in
            every part; ``None`` if it would carry none.
        boundary: A fixed boundary, for tests: 1 to 70 characters of
            letters, digits and ``'+_.-``. By default, a random one.

    Raises:
        InvalidRangeError: A value above is not valid.
    """

    ranges: tuple[ByteRange, ...]
    """The ranges, in the order they are sent."""
    length: int
    """The representation's length in bytes."""
    boundary: str | None
    """The multipart boundary, or ``None`` for a single range."""
    headers: tuple[tuple[str, str], ...]
    """``Content-Range`` (one range) or ``Content-Type`` (multipart), then ``Content-Length``.

    Set them on the 206 in place of the 200's fields of those names.
    """
    segments: tuple[bytes | ByteRange, ...]
    """The body in order: ``bytes`` to send as they are, a :class:`ByteRange` to copy.

    For one range, just that range. For several: each part's header bytes
    (delimiter, fields, blank line; from the second part on, preceded by the
    CRLF that ends the previous part), then its range, and after the last
    range the closing delimiter ``CRLF --boundary-- CRLF``.
    """
    content_length: int
    """The exact length of the body, known before any of it is produced."""
    streamable: bool
    """Whether each range starts after the previous one ends, as :class:`RangeSlicer` needs.

    When not, an adapter that can seek reads :attr:`segments` in any order;
    one that cannot must buffer the body up to some bound or ignore
    ``Range`` and send the 200 (R43).
    """

    def __init__(
        self,
        ranges: Iterable[tuple[int, int]],
        length: int,
        content_type: str | None = None,
        *,
        boundary: str | None = None,
    ) -> None:
        _check_length(length)
        checked = tuple(ByteRange(first, last) for first, last in ranges)
        if not checked or not all(0 <= first <= last < length for first, last in checked):
            raise InvalidRangeError(
                f"a 206 needs at least one range within a length of {length}: {checked!r}"
            )
        if content_type is not None and _FIELD_VALUE.fullmatch(content_type) is None:
            raise InvalidRangeError(f"not a field value: Content-Type {content_type!r}")
        if boundary is not None and _BOUNDARY.fullmatch(boundary) is None:
            raise InvalidRangeError(f"not a multipart boundary condget writes: {boundary!r}")
        object.__setattr__(self, "ranges", checked)
        object.__setattr__(self, "length", length)
        object.__setattr__(
            self,
            "streamable",
            all(after.first > before.last for before, after in itertools.pairwise(checked)),
        )
        if len(checked) == 1:
            (only,) = checked
            object.__setattr__(self, "boundary", None)
            object.__setattr__(self, "segments", checked)
            object.__setattr__(self, "content_length", only.size)
            object.__setattr__(
                self,
                "headers",
                (
                    ("Content-Range", content_range(only.first, only.last, length)),
                    ("Content-Length", str(only.size)),
                ),
            )
            return
        boundary = secrets.token_hex(16) if boundary is None else boundary
        type_line = "" if content_type is None else f"Content-Type: {content_type}\r\n"
        segments: list[bytes | ByteRange] = []
        delimiter = f"--{boundary}\r\n"
        for part in checked:
            head = f"{delimiter}{type_line}Content-Range: bytes {part.first}-{part.last}/{length}"
            # latin-1: header text is latin-1 throughout condget (_abnf.py).
            segments += (f"{head}\r\n\r\n".encode("latin-1"), part)
            delimiter = f"\r\n--{boundary}\r\n"
        segments.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
        total = sum(len(s) if isinstance(s, bytes) else s.size for s in segments)
        object.__setattr__(self, "boundary", boundary)
        object.__setattr__(self, "segments", tuple(segments))
        object.__setattr__(self, "content_length", total)
        object.__setattr__(
            self,
            "headers",
            (
                ("Content-Type", f"multipart/byteranges; boundary={boundary}"),
                ("Content-Length", str(total)),
            ),
        )


class RangeSlicer:
    """Cuts the 206 body out of the 200 body as its chunks stream past, in one pass.

    Feed every chunk of the representation, in order; each call returns the
    bytes of the 206 body it completes (framing and slices), possibly none.
    Nothing is kept between calls but two counters. Once :attr:`done` is
    true the 206 body is complete and the rest of the 200 body can be
    dropped unread (close the WSGI iterable). A 200 body that ends before
    :attr:`done` was shorter than the length announced: the promised
    ``Content-Length`` cannot be met, and the response must be aborted.

    Example:
        >>> slicer = RangeSlicer(PartialContent([(2, 5)], 10))
        >>> slicer.feed(b"0123"), slicer.feed(b"4567"), slicer.done
        (b'23', b'45', True)

    Args:
        partial: The layout to produce; its ranges must be ascending.

    Raises:
        InvalidRangeError: ``partial`` is not :attr:`~PartialContent.streamable`.
    """

    __slots__ = ("_index", "_offset", "_segments")

    def __init__(self, partial: PartialContent) -> None:
        if not partial.streamable:
            raise InvalidRangeError(
                "ranges that are not ascending cannot be cut from a stream in one pass: "
                "seek to PartialContent.segments, buffer the body, or send the 200"
            )
        self._segments = partial.segments
        self._index = 0  # the next segment to send
        self._offset = 0  # the representation's bytes fed so far

    @property
    def done(self) -> bool:
        """Whether the whole 206 body has been returned."""
        return self._index == len(self._segments)

    def feed(self, chunk: bytes) -> bytes:
        """Take the next chunk of the representation; return what it adds to the 206 body."""
        start = self._offset
        end = self._offset = start + len(chunk)
        segments = self._segments
        index = self._index
        pieces = []
        while index < len(segments):
            segment = segments[index]
            if isinstance(segment, bytes):
                pieces.append(segment)
            else:
                first, last = segment
                if first >= end:
                    break  # the range starts in a later chunk
                # Bytes before `start` went out with earlier chunks; a stop
                # past the chunk's end is clipped by the slice itself.
                pieces.append(chunk[max(first - start, 0) : last + 1 - start])
                if last >= end:
                    break  # the range goes on in the next chunk
            index += 1
        self._index = index
        # One piece (the usual case) is returned as is, and a chunk that lies
        # wholly inside a range is not even copied.
        return b"".join(pieces)
