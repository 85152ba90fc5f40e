"""Entity-tags (RFC 9110 §8.8.3): the ``ETag`` value, list parsing and comparison."""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Final

from ._abnf import ENTITY_TAG, ENTITY_TAG_LIST, ENTITY_TAG_MEMBER, OWS
from ._errors import InvalidValidatorError

__all__ = [
    "ANY",
    "ETag",
    "ETagHasher",
    "InvalidETagError",
    "check_list",
    "list_has_member",
    "list_members",
    "parse_etag_list",
]


class InvalidETagError(InvalidValidatorError):
    """The application supplied an entity-tag that breaks the RFC 9110 §8.8.3 grammar."""


@dataclass(frozen=True, slots=True)
class ETag:
    """An entity-tag: an opaque validator, strong or weak (RFC 9110 §8.8.3).

    ``ETag("v1")`` is the strong tag written ``"v1"`` on the wire;
    ``ETag("v1", weak=True)`` is ``W/"v1"``. ``str()`` gives the header form.

    Attributes:
        opaque: The characters between the quotes. Only ``etagc`` characters
            are allowed: no space, no control character, no ``"``.
        weak: Whether the tag is weak (``W/`` prefix, §8.8.1).

    Raises:
        InvalidETagError: ``opaque`` holds a character that cannot be in an
            entity-tag.
    """

    opaque: str
    weak: bool = False
    # The opaque part in its quotes: what comparisons look for in a request
    # field, kept so the evaluator's hot path builds no strings.
    quoted: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        quoted = f'"{self.opaque}"' if isinstance(self.opaque, str) else ""
        if ENTITY_TAG.fullmatch(quoted) is None:
            raise InvalidETagError(
                f"{self.opaque!r} cannot be an entity-tag's opaque part: RFC 9110 §8.8.3 "
                "allows only visible ASCII other than '\"', and octets 0x80-0xFF"
            )
        object.__setattr__(self, "quoted", quoted)

    @classmethod
    def parse(cls, value: str) -> ETag:
        """Parse one entity-tag in header form, strictly (R4).

        Surrounding spaces and tabs are trimmed (R2). ``W/`` is
        case-sensitive, the quotes are required and a backslash is an ordinary
        character (no unescaping).

        Args:
            value: For example ``'"v1"'`` or ``'W/"v1"'``.

        Returns:
            The tag.

        Raises:
            InvalidETagError: ``value`` is not exactly one entity-tag. Use
                this for values your application produces; to read a value a
                client sent, use :meth:`parse_or_none`.
        """
        tag = cls.parse_or_none(value)
        if tag is None:
            raise InvalidETagError(
                f"{value!r} is not an entity-tag: RFC 9110 §8.8.3 wants "
                'a quoted string such as "v1" or W/"v1"'
            )
        return tag

    @classmethod
    def parse_or_none(cls, value: str) -> ETag | None:
        """Parse one entity-tag like :meth:`parse`, but give ``None`` instead of raising."""
        match = ENTITY_TAG.fullmatch(value.strip(OWS))
        if match is None:
            return None
        return _valid_etag(match[2], match[1] is not None)

    def __str__(self) -> str:
        return f"W/{self.quoted}" if self.weak else self.quoted

    def strong_match(self, other: ETag) -> bool:
        """Strong comparison (§8.8.3.2): both strong and the opaque tags equal."""
        return not self.weak and not other.weak and self.opaque == other.opaque

    def weak_match(self, other: ETag) -> bool:
        """Weak comparison (§8.8.3.2): the opaque tags equal, ``W/`` ignored."""
        return self.opaque == other.opaque


class _Any:
    """The type of :data:`ANY`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "condget.ANY"


ANY: Final = _Any()
"""What :func:`parse_etag_list` returns for ``*``: any current representation (§13.1.1)."""


def parse_etag_list(value: str) -> list[ETag] | _Any | None:
    """Parse an ``If-Match`` or ``If-None-Match`` field value.

    Join repeated field lines with ``", "`` first (R1). The parser scans tag
    by tag, so a comma inside quotes stays in its tag (R5: ``"a,b"`` is one
    member); empty members and optional whitespace are skipped (R3); ``*`` is
    valid only as the whole value (R6). It runs in linear time on any input.

    Args:
        value: The field value.

    Returns:
        :data:`ANY` for ``*``; the list of tags, in order, possibly empty
        (RFC 9110 allows an empty list); or ``None`` when the value is not
        valid, which the evaluator reads as R13 says (If-Match false,
        If-None-Match true).
    """
    members = list_members(value)
    if members is None or isinstance(members, _Any):
        return members
    return [_valid_etag(opaque, weak == "W/") for weak, opaque in members]


def _valid_etag(opaque: str, weak: bool) -> ETag:
    # An ETag from text the grammar has already checked: skip __post_init__.
    tag = object.__new__(ETag)
    object.__setattr__(tag, "opaque", opaque)
    object.__setattr__(tag, "weak", weak)
    object.__setattr__(tag, "quoted", f'"{opaque}"')
    return tag


def list_members(value: str) -> list[tuple[str, str]] | _Any | None:
    """Like :func:`parse_etag_list`, with members as ``(weak, opaque)`` string pairs.

    ``weak`` is ``"W/"`` or ``""``. The evaluator uses this form: it needs no
    objects, only comparisons.
    """
    checked = check_list(value)
    if checked is None or isinstance(checked, _Any):
        return checked
    members: list[tuple[str, str]] = ENTITY_TAG_MEMBER.findall(checked)
    return members


def check_list(value: str) -> str | _Any | None:
    """Validate an entity-tag list: :data:`ANY`, the trimmed value if valid, else ``None``."""
    value = value.strip(OWS)
    if value == "*":
        return ANY
    if ENTITY_TAG_LIST.fullmatch(value) is None:
        return None
    return value


def list_has_member(value: str, opaque: str, *, strong: bool) -> bool:
    """Whether a *validated* entity-tag list holds a tag with this opaque part.

    With ``strong``, weak members do not count (§8.8.3.2). This is the
    evaluator's search: plain substring scans in C, no objects, linear time.
    """
    needle = f'"{opaque}"'
    # In a valid list quotes pair up, so a quote is a member's opening quote
    # exactly when an even number of quotes precedes it; a needle found at an
    # odd position straddles two members (R5: '","' occurs in '"a","b"').
    quotes = 0
    scanned = 0
    start = value.find(needle)
    while start != -1:
        quotes += value.count('"', scanned, start)
        scanned = start
        if quotes % 2 == 0 and not (strong and value[start - 2 : start] == "W/"):
            return True
        start = value.find(needle, start + 1)
    return False


class ETagHasher:
    """Builds an entity-tag from a body that arrives in chunks.

    The tag is a SHA-256 digest of the body bytes, truncated to 128 bits and
    written in unpadded base64url (22 characters, all ``etagc``). SHA-256 was
    chosen by measurement: with the SHA extensions of current CPUs it hashes
    at about 1.6 GB/s, faster than MD5 or BLAKE2 from the standard library,
    and unlike SHA-1 or CRC nobody can forge two bodies with one tag
    (``benchmarks/hashes.py``).

    Example:
        >>> hasher = ETagHasher()
        >>> hasher.update(b"hello ")
        >>> hasher.update(b"world")
        >>> str(hasher.etag())
        '"uU0nuZNNPgilLlLX2n2r-g"'
    """

    __slots__ = ("_hash",)

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        """Feed the next chunk of the body."""
        self._hash.update(chunk)

    def etag(self, *, weak: bool = False) -> ETag:
        """The tag for everything fed so far.

        Args:
            weak: Make a weak tag, for bytes that an intermediary may still
                change without changing the meaning (a compressor, §8.8.1).
        """
        return hash_etag(self._hash, weak)


def hash_etag(body_hash: hashlib._Hash, weak: bool) -> ETag:
    """The tag :class:`ETagHasher` gives for a SHA-256 hash of the body (``AutoETag``'s too)."""
    # 128 bits in unpadded base64url: 22 characters, all etagc, so the
    # grammar needs no second check.
    encoded = binascii.b2a_base64(body_hash.digest()[:16], newline=False)
    return _valid_etag(encoded[:22].translate(_URL_SAFE).decode("ascii"), weak)


_URL_SAFE: Final = bytes.maketrans(b"+/", b"-_")
