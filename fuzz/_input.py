"""Turning the fuzzer's bytes into choices, and the values the targets choose from.

``Input`` plays the part of atheris' ``FuzzedDataProvider`` without needing
atheris, so the targets also run under Hypothesis in the test suite. When the
bytes run out every read returns zero or empty, so any input is a scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

T = TypeVar("T")


class Input:
    """Reads choices from the fuzzer's bytes, front to back.

    Args:
        data: The bytes the fuzzer (or Hypothesis) generated.
    """

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def byte(self) -> int:
        """The next byte, 0 when there are none left."""
        if self._pos >= len(self._data):
            return 0
        self._pos += 1
        return self._data[self._pos - 1]

    def below(self, bound: int) -> int:
        """A number in ``range(bound)``, from one byte (two for bounds above 256)."""
        if bound <= 1:
            return 0
        if bound <= 256:
            return self.byte() % bound
        return (self.byte() << 8 | self.byte()) % bound

    def flag(self) -> bool:
        """A yes or no."""
        return self.byte() & 1 == 1

    def pick(self, options: Sequence[T]) -> T:
        """One of ``options``."""
        return options[self.below(len(options))]

    def raw(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (the count comes first)."""
        size = self.below(limit + 1)
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk

    def text(self, limit: int) -> str:
        """Up to ``limit`` bytes as text, decoded latin-1, as servers hand header values over."""
        return self.raw(limit).decode("latin-1")

    def rest(self) -> bytes:
        """Every byte not read yet."""
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk


# Opaque parts that make matching interesting: empty, a comma (R5: '"a,b"' is
# one tag), "W/" inside the quotes, obs-text, a backslash (never unescaped, R4).
OPAQUES: Final = ("v1", "v2", "", ",", "a,b", "b", "W/", ",W/", "\xe9", "a\\", "xyzzy")

# Conditional field names as clients send them, odd cases included (names are
# case-insensitive), and a few bystanders.
CONDITIONAL_NAMES: Final = (
    "If-None-Match",
    "If-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "If-Range",
    "Range",
    "if-none-match",
    "IF-MATCH",
    "if-modified-since",
    "IF-UNMODIFIED-SINCE",
)
OTHER_NAMES: Final = ("Accept", "Cookie", "Authorization", "X-If-None-Match")

DATES: Final = (
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Sun, 06 Nov 1994 08:49:38 GMT",
    "Sun, 06 Nov 1994 08:49:36 GMT",
    "Sat, 01 Jan 2000 00:00:00 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Fri, 31 Dec 9999 23:59:60 GMT",
    "Sun, 06 Nov 1994 08:49:37 +0000",
    "Sun, 06 Nov 1994 08:49:37 gmt",
    "Mon, 29 Feb 2021 00:00:00 GMT",
    "1994-11-06T08:49:37Z",
)
# DATES[0] as POSIX seconds, and its neighbours: the validators side.
LAST_MODIFIED: Final = (784111777, 784111776, 784111778, 946684800, 0, -1, 253402300799)


def etag_value(source: Input) -> str:
    """A request list member or field value: tags from the pool, ``*``, or junk."""
    kind = source.below(6)
    if kind == 0:
        return f'"{source.pick(OPAQUES)}"'
    if kind == 1:
        return f'W/"{source.pick(OPAQUES)}"'
    if kind == 2:
        return "*"
    if kind == 3:
        return source.pick(('"', "W/", "w/", ",", " ", "\t", "W/ ", '"a', 'a"', "\x00"))
    return source.text(12)


def etag_list(source: Input) -> str:
    """An If-Match / If-None-Match value: members joined by commas and odd whitespace."""
    members = [etag_value(source) for _ in range(source.below(5))]
    separators = (", ", ",", " , ", ",,", "\t,", " ")
    out = ""
    for index, member in enumerate(members):
        if index:
            out += source.pick(separators)
        out += member
    return out


def field_value(source: Input, name: str) -> str:
    """A value for the request field ``name``: well-formed most of the time, junk otherwise."""
    lowered = name.lower()
    if source.below(8) == 0:
        return source.text(40)
    if lowered in ("if-match", "if-none-match"):
        return etag_list(source)
    if lowered == "if-range":
        return etag_value(source) if source.flag() else source.pick(DATES)
    if lowered == "range":
        return source.pick(("bytes=0-1", "bytes=5-", "items=1-2", ""))
    if lowered in ("if-modified-since", "if-unmodified-since"):
        return source.pick(DATES)
    return source.text(8)


def request_fields(source: Input, limit: int = 4) -> list[tuple[str, str]]:
    """A request's header fields: conditional ones (repeats allowed) and bystanders."""
    fields = []
    for _ in range(source.below(limit + 1)):
        names = OTHER_NAMES if source.below(6) == 0 else CONDITIONAL_NAMES
        name = source.pick(names)
        fields.append((name, field_value(source, name)))
    return fields
