"""Reading the request's conditional fields out of whatever headers object a caller has."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, NamedTuple

__all__ = [
    "Conditions",
    "HeaderPairs",
    "Headers",
    "ResponseFields",
    "header_items",
    "scan_response",
]

HeaderPairs = Iterable[tuple[str, str]]
"""Header fields as ``(name, value)`` pairs; a name may repeat."""

Headers = Mapping[str, str] | HeaderPairs
"""A mapping (case-insensitive names) or ``(name, value)`` pairs."""

_LOWER_CASE_FIELDS: Final = {
    "if-match": 0,
    "if-none-match": 1,
    "if-modified-since": 2,
    "if-unmodified-since": 3,
    "if-range": 4,
    "range": 5,
}
# Each name in lower case and in its usual spelling, found without lower().
_FIELDS: Final = {
    **_LOWER_CASE_FIELDS,
    **{name.title(): index for name, index in _LOWER_CASE_FIELDS.items()},
}
_FIELD_LENGTHS: Final = frozenset(len(name) for name in _FIELDS)


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

    @property
    def decisive(self) -> bool:
        """Whether a field that can turn a response into a 304 or 412 is present.

        If-Range and Range alone never do (R27): they can only choose
        between a 206 and a 200.
        """
        return (
            self.if_match is not None
            or self.if_none_match is not None
            or self.if_modified_since is not None
            or self.if_unmodified_since is not None
        )

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
            # Most request fields (Host, Accept, User-Agent...) are told apart
            # by their length alone, without lower-casing them.
            if len(name) not in _FIELD_LENGTHS:
                continue
            index = _FIELDS.get(name)
            if index is None:
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


class ResponseFields(NamedTuple):
    """The few fields of a response that condget's rules consult, as text (``None``: absent).

    Built by :func:`scan_response` in one pass over the response's header
    fields, whatever their type: ``str`` pairs (WSGI) or lowercase ``bytes``
    pairs (ASGI), so no adapter decodes a header it does not need.
    """

    etag: str | None
    last_modified: str | None
    content_length: str | None
    content_encoding: str | None
    content_type: str | None
    content_range: str | None
    cache_control: str | None
    accept_ranges: str | None


_RESPONSE_NAMES: Final = (
    "etag",
    "last-modified",
    "content-length",
    "content-encoding",
    "content-type",
    "content-range",
    "cache-control",
    "accept-ranges",
)
_CACHE_CONTROL: Final = 6
# Lower case and the usual spellings (ETag, Content-Length), found without
# lower(). ASGI's bytes have a table of their own: a bytes name looked up
# among equal str names would compare the two, which `python -b` reports
# (and `-bb` raises).
_RESPONSE_INDEX: Final[dict[str, int]] = {
    **{name: index for index, name in enumerate(_RESPONSE_NAMES)},
    **{name.title(): index for index, name in enumerate(_RESPONSE_NAMES)},
    "ETag": 0,
}
_RESPONSE_INDEX_BYTES: Final[dict[bytes, int]] = {
    name.encode("ascii"): index for index, name in enumerate(_RESPONSE_NAMES)
}
# A name of another length cannot be one of ours: most fields are passed
# over for the price of len().
_RESPONSE_LENGTHS: Final = frozenset(len(name) for name in _RESPONSE_NAMES)


def scan_response(
    headers: Iterable[tuple[str, str]] | Iterable[tuple[bytes, bytes]],
) -> ResponseFields:
    """Read :class:`ResponseFields` from a response's header fields, in one pass.

    Names match case-insensitively. Cache-Control is a list, so repeated
    lines are joined (§5.3); for the others the last line wins.
    """
    found: list[str | None] = [None, None, None, None, None, None, None, None]
    for name, value in headers:
        if len(name) in _RESPONSE_LENGTHS:
            if isinstance(name, str):
                index = _RESPONSE_INDEX.get(name)
                if index is None:
                    index = _RESPONSE_INDEX.get(name.lower())
            else:
                index = _RESPONSE_INDEX_BYTES.get(name)
                if index is None:
                    index = _RESPONSE_INDEX_BYTES.get(name.lower())
            if index is None:
                continue
            text = value if isinstance(value, str) else value.decode("latin-1")
            earlier = found[index]
            if index == _CACHE_CONTROL and earlier is not None:
                text = f"{earlier}, {text}"
            found[index] = text
    return tuple.__new__(ResponseFields, found)
