"""A plain reference model of ``condget._ranges.parse_range``, for the property tests.

Written from RFC 9110 §14.1-14.2 and the policy documented on ``parse_range``,
by other means: string methods instead of a regex, digits converted one by
one instead of by ``int()``, and coalescing done on a bitmap of the covered
bytes instead of by sorting intervals. It is slow (linear in the
representation's length) and only fit for small lengths, which is the point:
it has nothing clever to get wrong.
"""

from __future__ import annotations

IGNORE = "ignore"
UNSATISFIABLE = "unsatisfiable"
OWS = " \t"


def is_digits(text: str) -> bool:
    return text != "" and all("0" <= char <= "9" for char in text)


def number(digits: str) -> int:
    value = 0
    for char in digits:
        value = value * 10 + ord(char) - ord("0")
    return value


def reference_ranges(
    field: str | None, length: int, max_ranges: int = 100
) -> str | list[tuple[int, int]]:
    """IGNORE, UNSATISFIABLE, or the (first, last) ranges to send, in order."""
    if field is None or length == 0:
        return IGNORE  # absent, or nothing to send (R45)
    value = field.strip(OWS)
    if "=" not in value:
        return IGNORE
    unit, range_set = value.split("=", 1)
    if unit.lower() != "bytes":
        return IGNORE  # R43, §14.1
    members = range_set.split(",")
    if len(members) > max_ranges:
        return IGNORE  # R49
    specs = [member.strip(OWS) for member in members if member.strip(OWS)]
    if not specs:
        return IGNORE  # 1#range-spec
    wanted: list[tuple[int, int]] = []
    for spec in specs:
        if spec.startswith("-"):
            if not is_digits(spec[1:]):
                return IGNORE
            suffix = number(spec[1:])
            if suffix > 0:  # R44: a suffix of 0 is unsatisfiable
                wanted.append((max(length - suffix, 0), length - 1))
            continue
        first_text, dash, last_text = spec.partition("-")
        if not dash or not is_digits(first_text) or (last_text and not is_digits(last_text)):
            return IGNORE
        first = number(first_text)
        last = number(last_text) if last_text else length - 1
        if last_text and first > last:
            return IGNORE  # R44
        if first < length:  # R45
            wanted.append((first, min(last, length - 1)))
    if not wanted:
        return UNSATISFIABLE
    if sum(last - first + 1 for first, last in wanted) > length:
        return IGNORE  # R49
    covered = [False] * (length + 1)  # one spare False ends the last run
    for first, last in wanted:
        for offset in range(first, last + 1):
            covered[offset] = True
    runs = []
    start = None
    for offset, inside in enumerate(covered):
        if inside and start is None:
            start = offset
        elif not inside and start is not None:
            runs.append((start, offset - 1))
            start = None

    def asked_at(run: tuple[int, int]) -> int:
        # A run's place: that of the first requested range inside it (R48, §15.3.7.2).
        return min(i for i, (first, last) in enumerate(wanted) if run[0] <= first <= run[1])

    return sorted(runs, key=asked_at)


def reference_body(
    body: bytes, ranges: list[tuple[int, int]], boundary: str, ctype: str | None
) -> bytes:
    """The 206 body, written out in one go from RFC 9110 §14.6 and RFC 2046 §5.1."""
    if len(ranges) == 1:
        first, last = ranges[0]
        return body[first : last + 1]
    out = b""
    for first, last in ranges:
        out += b"\r\n--" + boundary.encode() + b"\r\n"
        if ctype is not None:
            out += b"Content-Type: " + ctype.encode("latin-1") + b"\r\n"
        out += f"Content-Range: bytes {first}-{last}/{len(body)}\r\n\r\n".encode()
        out += body[first : last + 1]
    out += b"\r\n--" + boundary.encode() + b"--\r\n"
    return out[2:]  # the first delimiter starts the body, without a CRLF before it
