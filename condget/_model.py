"""The core's values: what the server knows (``Validators``) and what to do (``Decision``)."""

from __future__ import annotations

import enum
import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from ._dates import Timestamp, format_http_date, parse_http_date_seconds, to_seconds
from ._errors import InvalidValidatorError
from ._etag import ETag
from ._headers import HeaderPairs, Headers, header_items

__all__ = ["Decision", "ETagLike", "Outcome", "Precondition", "Validators"]

ETagLike = ETag | str
"""An entity-tag as an :class:`ETag` or in header form (``'"v1"'``, ``'W/"v1"'``)."""


# An application sends the same few ETag and Last-Modified values over and
# over, so the response side remembers what they parse to. Only application
# values go in (never a client's, which could churn the cache), and only
# short ones: 4096 entries of at most 128 characters bound it to about 1 MiB.
_CACHED_LENGTH: Final = 128
_cached_etag: Final = functools.lru_cache(maxsize=4096)(ETag.parse_or_none)
_cached_date: Final = functools.lru_cache(maxsize=4096)(parse_http_date_seconds)


def response_etag(value: str) -> ETag | None:
    """An application's ``ETag`` value parsed, or ``None`` when it is not an entity-tag."""
    return _cached_etag(value) if len(value) <= _CACHED_LENGTH else ETag.parse_or_none(value)


def response_date(value: str) -> int | None:
    """An application's ``Last-Modified`` value in seconds, or ``None`` when it is no date."""
    if len(value) <= _CACHED_LENGTH:
        return _cached_date(value)
    return parse_http_date_seconds(value)


class Outcome(enum.Enum):
    """What the server should do with the request."""

    PROCEED = None
    """Carry on: perform the method, send the response the app would send."""
    NOT_MODIFIED = 304
    """Send 304 Not Modified (RFC 9110 §15.4.5)."""
    PRECONDITION_FAILED = 412
    """Send 412 Precondition Failed (RFC 9110 §15.5.13); do not perform the method."""
    PRECONDITION_REQUIRED = 428
    """Send 428 Precondition Required (RFC 6585 §3); do not perform the method."""


class Precondition(enum.Enum):
    """A conditional header field (RFC 9110 §13.1), named in a :class:`Decision`."""

    IF_MATCH = "If-Match"
    IF_NONE_MATCH = "If-None-Match"
    IF_MODIFIED_SINCE = "If-Modified-Since"
    IF_UNMODIFIED_SINCE = "If-Unmodified-Since"
    IF_RANGE = "If-Range"


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of :func:`condget.evaluate`.

    Attributes:
        outcome: What to do.
        decided_by: The field whose evaluation produced a 304 or 412, or
            ``None`` (the request proceeds, or it lacked a required
            precondition).
        range_allowed: Whether the request's ``Range`` field, if any, may be
            honoured with a 206 (§13.1.5, §14.2): ``True`` only for GET when
            ``If-Range`` is absent or true. Servers that never serve ranges can
            ignore it.
        reason: A stable code that says why, for logs and metrics: on a 412
            ``im-no-match``, ``im-weak-tag`` (If-Match needs a strong tag,
            §13.1.1), ``im-no-current``, ``im-invalid``, ``ius-modified`` or
            ``inm-match``; on a 304 ``inm-match`` or ``ims-not-modified``;
            ``precondition-required`` for 428; to proceed, the last field that
            was consulted (``im-match``, ``ius-unmodified``, ``ius-ignored``,
            ``inm-no-match``, ``inm-invalid``, ``ims-modified``,
            ``ims-ignored``), or ``no-preconditions``, ``not-2xx`` (R28),
            ``method-ignores-preconditions`` (R29).
    """

    outcome: Outcome
    decided_by: Precondition | None = None
    range_allowed: bool = False
    # Diagnostic: two decisions that do the same are equal whatever their reason.
    reason: str = field(default="no-preconditions", compare=False)

    @property
    def status(self) -> int | None:
        """``304``, ``412``, ``428``, or ``None`` to proceed."""
        status: int | None = self.outcome.value
        return status


@dataclass(frozen=True, slots=True, init=False)
class Validators:
    """What the server knows about the selected representation (RFC 9110 §8.8).

    Give whatever the resource has: an entity-tag, a modification time, or
    both. Values are checked and normalised once, here, so a bad one fails
    loudly at the application's line of code rather than per request.

    Args:
        etag: An :class:`ETag` or a header-form string such as ``'"v1"'``.
        last_modified: When the representation last changed: an aware
            ``datetime``, POSIX seconds (``os.stat().st_mtime``) or an
            HTTP-date string. Truncated to whole seconds (R12).
        exists: Whether the resource has a current representation. ``False``
            for a PUT that would create it, so that ``If-None-Match: *``
            lets it through and ``If-Match: *`` stops it (§13.1.1-13.1.2).
        headers: Other fields the 200 would carry, above all those a 304
            must repeat: ``Cache-Control``, ``Content-Location``,
            ``Expires``, ``Vary`` (§15.4.5). When condget answers 304 or 412
            without running the application, these are its headers
            (representation metadata is dropped by the reply builders).

    Raises:
        InvalidValidatorError: A value is malformed (its message names it).
    """

    etag: ETag | None
    """The entity-tag, if any."""
    last_modified: int | None
    """The modification time in whole POSIX seconds, if any."""
    exists: bool
    """Whether a current representation exists."""
    headers: tuple[tuple[str, str], ...]
    """Other fields the 200 would carry (see ``headers`` above)."""

    def __init__(
        self,
        etag: ETagLike | None = None,
        last_modified: Timestamp | str | None = None,
        *,
        exists: bool = True,
        headers: Headers = (),
    ) -> None:
        if isinstance(etag, str):
            etag = ETag.parse(etag)
        elif etag is not None and not isinstance(etag, ETag):
            raise InvalidValidatorError(f"not an entity-tag: {etag!r}")
        object.__setattr__(self, "etag", etag)
        seconds = None if last_modified is None else to_seconds(last_modified)
        object.__setattr__(self, "last_modified", seconds)
        object.__setattr__(self, "exists", exists)
        object.__setattr__(self, "headers", tuple(header_items(headers)))

    @classmethod
    def from_response_headers(cls, headers: Headers) -> Validators:
        """Read the validators a response carries (``ETag``, ``Last-Modified``).

        This is how middleware learns the validators of a response it did
        not build. A value that does not parse is treated as absent, as
        §8.8.2 says for Last-Modified, so a slightly wrong application keeps
        working exactly as it did without condget.
        """
        etag = last_modified = None
        for name, value in header_items(headers):
            size = len(name)  # cheaper than lowering every name
            if size == 4 and name.lower() == "etag":
                etag = response_etag(value)
            elif size == 13 and name.lower() == "last-modified":
                last_modified = response_date(value)
        validators = object.__new__(cls)
        object.__setattr__(validators, "etag", etag)
        object.__setattr__(validators, "last_modified", last_modified)
        object.__setattr__(validators, "exists", True)
        object.__setattr__(validators, "headers", ())
        return validators

    def missing_from(
        self, names: Iterable[str], *, now: int | None = None
    ) -> list[tuple[str, str]]:
        """The fields of :meth:`response_headers` a response with these names lacks.

        A response that runs after its validators were checked (a pre-dispatch
        hook, a view decorator) should advertise exactly what later requests
        are checked against: it gets these fields, while its own always win.
        Whether a field is missing is judged on the names present *before*
        filling, so a field the validators repeat (``Vary``, ``Set-Cookie``)
        arrives on every line, as the 304 would carry it (R33, R40).

        Args:
            names: The header names the response already has, in any case.
            now: The message's ``Date`` in POSIX seconds (see
                :meth:`response_headers`).
        """
        present = {name.lower() for name in names}
        return [
            (name, value)
            for name, value in self.response_headers(now=now)
            if name.lower() not in present
        ]

    def last_modified_at(self, now: int | None = None) -> int | None:
        """:attr:`last_modified`, no later than ``now`` (default: the current second).

        An origin server MUST NOT send a Last-Modified later than the
        message's Date (§8.8.2.1): a modification time from a clock ahead of
        this one is sent, and evaluated, as "now".
        """
        last_modified = self.last_modified
        if last_modified is None:
            return None
        if now is None:
            now = int(time.time())
        return last_modified if last_modified <= now else now

    def response_headers(self, *, now: int | None = None) -> list[tuple[str, str]]:
        """The header fields a 304 (or 200) for this representation carries.

        ``ETag`` and ``Last-Modified`` from the validators, then
        :attr:`headers`. Feed them to :func:`condget.not_modified` or
        :func:`condget.precondition_failed`.

        Args:
            now: The message's ``Date`` in POSIX seconds, which
                ``Last-Modified`` never exceeds (:meth:`last_modified_at`);
                the current second by default.
        """
        fields: HeaderPairs = self.headers
        result = []
        if self.etag is not None:
            result.append(("ETag", str(self.etag)))
        last_modified = self.last_modified_at(now)
        if last_modified is not None:
            result.append(("Last-Modified", format_http_date(last_modified)))
        result.extend(fields)
        return result
