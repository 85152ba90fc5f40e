"""Reading the request's conditional fields out of whatever headers object a caller has."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, NamedTuple

__all__ = ["Conditions", "HeaderPairs", "Headers", "header_items"]

HeaderPairs = Iterable[tuple[str, str]]
"""Header fields as ``(name, value)`` pairs; a name may repeat."""

Headers = Mapping[str, str] | HeaderPairs
"""A mapping (case-insensitive names) or ``(name, value)`` pairs."""

_FIELDS: Final = {
    "if-match": 0,
    "if-none-match": 1,
    "if-modified-since": 2,
    "if-unmodified-since": 3,
    "if-range": 4,
    "range": 5,
}


def header_items(headers: Headers) -> HeaderPairs:
    """The ``(name, value)`` pairs of ``headers``, a mapping or already pairs."""
    # A Mapping iterates over its keys, so it must be asked for its items;
    # multi-value mappings (werkzeug, Starlette, Django) list every line there.
    # So does email.message.Message (http.server's headers), which is no
    # Mapping but iterates over its names too.
    if type(headers) is list:
        return headers  # what adapters pass: no need to ask further
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        return headers.items()
    return headers


class Conditions(NamedTuple):
    """The request's conditional header fields, as raw text (RFC 9110 §13.1).

    Each attribute holds the field value, or ``None`` when the field is
    absent; build it with keyword arguments. Parsing happens in
    :func:`condget.evaluate`, and only for the fields that the §13.2.2 order
    actually consults. Adapters build this directly from their protocol (for
    WSGI, ``environ["HTTP_IF_NONE_MATCH"]`` already holds repeated lines
    joined by the server). It is an immutable named tuple rather than a
    dataclass because adapters build one per request and a tuple is built
    several times faster.

    Attributes:
        if_match: ``If-Match`` (§13.1.1).
        if_none_match: ``If-None-Match`` (§13.1.2).
        if_modified_since: ``If-Modified-Since`` (§13.1.3).
        if_unmodified_since: ``If-Unmodified-Since`` (§13.1.4).
        if_range: ``If-Range`` (§13.1.5).
        range: ``Range`` (§14.2); If-Range means nothing without it.
    """

    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_unmodified_since: str | None = None
    if_range: str | None = None
    range: str | None = None

    @classmethod
    def from_headers(cls, headers: Headers) -> Conditions:
        """Collect the conditional fields from request headers.

        Names are matched case-insensitively. A field that arrives on several
        lines is joined with ``", "`` (R1, §5.3): right for the lists
        If-Match and If-None-Match, and for the single-valued date fields it
        gives a value that is no longer a date, which is then ignored as
        §13.1.3-13.1.4 require (R9).

        Args:
            headers: A mapping with case-insensitive names (werkzeug,
                Starlette, Django and ``email.message`` headers, or a ``dict``)
                or an iterable of ``(name, value)`` pairs.
        """
        found: list[str | None] | None = None
        repeated: dict[int, list[str]] | None = None
        for name, value in header_items(headers):
            index = _FIELDS.get(name.lower())
            if index is None:
                continue
            if found is None:
                found = [None, None, None, None, None, None]
            earlier = found[index]
            if earlier is None:
                found[index] = value
            else:
                # Joined once per field at the end: linear in the number of
                # lines, where joining line by line would copy the growing
                # value every time.
                if repeated is None:
                    repeated = {}
                repeated.setdefault(index, [earlier]).append(value)
        if found is None:
            return _NONE
        if repeated is not None:
            for index, values in repeated.items():
                found[index] = ", ".join(values)
        return tuple.__new__(cls, found)


_NONE: Final = Conditions()
