"""``evaluate``: RFC 9110 §13.2 — when preconditions apply, and in which order."""

from __future__ import annotations

import functools
import time
from typing import Final

from ._abnf import OWS
from ._dates import MAX_SECONDS, MIN_SECONDS, Timestamp, parse_http_date_seconds, to_seconds
from ._errors import InvalidValidatorError
from ._etag import ETag, _Any, check_list, list_has_member
from ._headers import Conditions, Headers
from ._model import Decision, ETagLike, Outcome, Precondition, response_etag

__all__ = ["evaluate"]

# §13.2.1: "... CONNECT, OPTIONS, or TRACE ... MUST ignore" every conditional field (R29).
_SELECTS_NOTHING: Final = frozenset({"CONNECT", "OPTIONS", "TRACE"})
# §9.2.1: the safe methods. Everything else changes state, and is what 428 guards.
_SAFE: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_GET_OR_HEAD: Final = frozenset({"GET", "HEAD"})

# A resource's clients send back the same few validators (the tag and the
# date they were given), so the request side too remembers what recent field
# values parse to. Its caches are its own: a client sending ever-new values
# can evict only these, costing itself the parse, never the application's
# (condget._model). 1024 entries of at most 1 KiB bound them to about 1 MiB.
_CACHED_LENGTH: Final = 1024
_cached_list: Final = functools.lru_cache(maxsize=1024)(check_list)
_cached_date: Final = functools.lru_cache(maxsize=1024)(parse_http_date_seconds)


def _entity_tag_list(value: str) -> str | _Any | None:
    return _cached_list(value) if len(value) <= _CACHED_LENGTH else check_list(value)


def _request_date(value: str) -> int | None:
    return _cached_date(value) if len(value) <= _CACHED_LENGTH else parse_http_date_seconds(value)


# Decisions are immutable, so the few possible ones are built once, each
# with its reason (docs/observability.md lists them).
_PROCEED_REASONS: Final = (
    "no-preconditions",
    "not-2xx",
    "method-ignores-preconditions",
    "im-match",
    "ius-unmodified",
    "ius-ignored",
    "inm-no-match",
    "inm-invalid",
    "ims-modified",
    "ims-ignored",
)
# Indexed by range_allowed: two dicts rather than a tuple key, which would be
# built and hashed on every call.
_PROCEEDS: Final = tuple(
    {
        reason: Decision(Outcome.PROCEED, range_allowed=ranged, reason=reason)
        for reason in _PROCEED_REASONS
    }
    for ranged in (False, True)
)
_NOT_2XX: Final = _PROCEEDS[False]["not-2xx"]
_SELECTS_NOTHING_DECISION: Final = _PROCEEDS[False]["method-ignores-preconditions"]
_REQUIRED: Final = Decision(Outcome.PRECONDITION_REQUIRED, reason="precondition-required")
_FAILED: Final = {
    (field, reason): Decision(Outcome.PRECONDITION_FAILED, field, reason=reason)
    for field, reason in (
        (Precondition.IF_MATCH, "im-no-match"),
        (Precondition.IF_MATCH, "im-weak-tag"),
        (Precondition.IF_MATCH, "im-no-current"),
        (Precondition.IF_MATCH, "im-invalid"),
        (Precondition.IF_UNMODIFIED_SINCE, "ius-modified"),
        (Precondition.IF_NONE_MATCH, "inm-match"),
    )
}
_NOT_MODIFIED: Final = {
    Precondition.IF_NONE_MATCH: Decision(
        Outcome.NOT_MODIFIED, Precondition.IF_NONE_MATCH, reason="inm-match"
    ),
    Precondition.IF_MODIFIED_SINCE: Decision(
        Outcome.NOT_MODIFIED, Precondition.IF_MODIFIED_SINCE, reason="ims-not-modified"
    ),
}


def evaluate(
    method: str,
    headers: Headers | Conditions,
    *,
    etag: ETagLike | None = None,
    last_modified: Timestamp | str | None = None,
    exists: bool = True,
    status: int | None = 200,
    require_precondition: bool = False,
) -> Decision:
    """Evaluate a request's preconditions against the selected representation.

    Follows RFC 9110 §13.2.1 (when) and §13.2.2 (in which order) exactly:
    If-Match, else If-Unmodified-Since; then If-None-Match, else (GET and
    HEAD only) If-Modified-Since; then If-Range. Malformed request fields get
    the RFC's answer and never raise.

    Args:
        method: The request method, case-sensitive (§9.1): ``"GET"``.
        headers: The request's header fields: a mapping with case-insensitive
            names, ``(name, value)`` pairs (repeated lines allowed), or a
            :class:`Conditions`.
        etag: The selected representation's entity-tag, as an :class:`ETag`
            or in header form.
        last_modified: Its modification time: an aware ``datetime``, POSIX
            seconds or an HTTP-date. Truncated to whole seconds (R12).
        exists: Whether the target resource has a current representation
            (``False`` for a PUT that would create it).
        status: The status the response would have without preconditions.
            Preconditions apply only when it is 2xx or 412 (§13.2.1); for
            anything else (a redirect, an error, an application's own 304)
            the request proceeds untouched. ``None`` means "not known yet",
            as before running a handler, and counts as 2xx.
        require_precondition: Answer 428 Precondition Required (RFC 6585)
            to a state-changing request that carries no ``If-Match``, no
            ``If-Unmodified-Since`` and no ``If-None-Match: *``: an API's
            defence against blind overwrites.

    Returns:
        The decision: proceed, 304, 412 or 428, which field decided, and
        whether a ``Range`` may be honoured.

    Raises:
        InvalidValidatorError: ``etag`` or ``last_modified`` is malformed.
            These come from the application, so they fail loudly.
    """
    # The application's values are checked first, whatever the request: a
    # bad one fails on every request, not only on those that consult it.
    if isinstance(etag, str):
        # The application's few tags are parsed once (a bounded cache); a bad
        # one is parsed again, to raise.
        etag = response_etag(etag) or ETag.parse(etag)
    elif etag is not None and not isinstance(etag, ETag):
        raise InvalidValidatorError(f"not an entity-tag: {etag!r}")
    if last_modified is not None and not (
        type(last_modified) is int and MIN_SECONDS <= last_modified < MAX_SECONDS
    ):
        last_modified = to_seconds(last_modified)
    if not isinstance(headers, Conditions):
        headers = Conditions.from_headers(headers)
    if status is not None and not (200 <= status < 300 or status == 412):
        return _NOT_2XX  # §13.2.1 (R28)
    if method in _SELECTS_NOTHING:
        return _SELECTS_NOTHING_DECISION  # R29
    if not exists:
        # Validators describe a current representation; without one there
        # is nothing for a tag or a date to match.
        etag = last_modified = None

    if_match, if_none_match, if_modified_since, if_unmodified_since, if_range, range_ = headers
    if (
        require_precondition
        and method not in _SAFE
        and if_match is None
        # RFC 6585 §3: the request must name the state it expects. An
        # If-Unmodified-Since counts only when it will be evaluated (R21: an
        # invalid date, or a resource without one, makes it ignored); for a
        # create, If-None-Match: * names the state "absent" (§13.1.2).
        and (
            if_unmodified_since is None
            or last_modified is None
            or _request_date(if_unmodified_since) is None
        )
        and (if_none_match is None or if_none_match.strip(OWS) != "*")
    ):
        return _REQUIRED

    # Step 1: If-Match. Step 2: only without If-Match, If-Unmodified-Since.
    reason = "no-preconditions"
    if if_match is not None:
        if not _if_match_passes(if_match, etag, exists):
            return _FAILED[Precondition.IF_MATCH, _if_match_failure(if_match, etag, exists)]
        reason = "im-match"
    elif if_unmodified_since is not None:
        passed = _if_unmodified_since_passes(if_unmodified_since, last_modified)
        if passed is None:
            return _FAILED[Precondition.IF_UNMODIFIED_SINCE, "ius-modified"]
        reason = passed

    # Step 3: If-None-Match. Step 4: only without If-None-Match, whatever its
    # value (R19), and only for GET/HEAD, If-Modified-Since.
    if if_none_match is not None:
        passed = _if_none_match_passes(if_none_match, etag, exists)
        if passed is None:
            if method in _GET_OR_HEAD:
                return _NOT_MODIFIED[Precondition.IF_NONE_MATCH]
            return _FAILED[Precondition.IF_NONE_MATCH, "inm-match"]  # R18
        reason = passed
    elif if_modified_since is not None and method in _GET_OR_HEAD:
        passed = _if_modified_since_passes(if_modified_since, last_modified)
        if passed is None:
            return _NOT_MODIFIED[Precondition.IF_MODIFIED_SINCE]
        reason = passed

    # Step 5: Range is defined only for GET (§14.2, R23); If-Range decides
    # whether it may be honoured, and never yields 304 or 412 itself (R27).
    if method != "GET":
        return _PROCEEDS[False][reason]
    ranged = if_range is None or range_ is None or _if_range_passes(if_range, etag, last_modified)
    return _PROCEEDS[ranged][reason]


def _if_match_failure(value: str, etag: ETag | None, exists: bool) -> str:
    # Why a false If-Match is false (the failure path only, so no hurry).
    checked = check_list(value.strip(OWS))
    if checked is None:
        return "im-invalid"  # R13
    if isinstance(checked, _Any) or etag is None:
        return "im-no-current"
    return "im-weak-tag" if etag.weak else "im-no-match"


def _if_match_passes(value: str, etag: ETag | None, exists: bool) -> bool:
    # §13.1.1 (R15): strong comparison; "*" needs only a current
    # representation; anything invalid or empty is false (R13).
    value = value.strip(OWS)
    if etag is not None and not etag.weak and value == etag.quoted:
        return True  # the common single-tag case
    checked = _entity_tag_list(value)
    if isinstance(checked, _Any):
        return exists
    if checked is None or etag is None or etag.weak:
        return False
    return list_has_member(checked, etag.opaque, strong=True)


def _if_none_match_passes(value: str, etag: ETag | None, exists: bool) -> str | None:
    # §13.1.2 (R17): weak comparison, for every method; "*" is false when a
    # current representation exists, tag or no tag; anything invalid is
    # true (R13). None when false, else the reason it is true.
    value = value.strip(OWS)
    if etag is not None and (
        value == etag.quoted or (value[:2] == "W/" and value[2:] == etag.quoted)
    ):
        return None  # the common single-tag case
    if value == "*":
        return None if exists else "inm-no-match"  # the other common case
    checked = _entity_tag_list(value)
    if checked is None:
        return "inm-invalid"
    assert not isinstance(checked, _Any)  # "*" is answered above
    if etag is None or not list_has_member(checked, etag.opaque, strong=False):
        return "inm-no-match"
    return None


def _if_modified_since_passes(value: str, last_modified: int | None) -> str | None:
    # §13.1.3 (R19, R20): ignored when not an HTTP-date or the resource has
    # no date; otherwise true only if modified after the given date. A date
    # in the future is not special in RFC 9110 (RFC 2616 called it invalid):
    # it gives 304, as the rule reads. None when false, else why it is true.
    since = _request_date(value)
    if since is None or last_modified is None:
        return "ims-ignored"
    return "ims-modified" if last_modified > since else None


def _if_unmodified_since_passes(value: str, last_modified: int | None) -> str | None:
    # §13.1.4 (R21, R22): ignored when not an HTTP-date (a list of dates
    # included, R9) or the resource has no date. None when false, else why
    # it is true.
    since = _request_date(value)
    if since is None or last_modified is None:
        return "ius-ignored"
    return "ius-unmodified" if last_modified <= since else None


def _if_range_passes(value: str, etag: ETag | None, last_modified: int | None) -> bool:
    value = value.strip(OWS)
    # §13.1.5 (R24): a DQUOTE in the first three characters makes an entity-tag.
    if '"' in value[:3]:
        # R25: only a strong match counts, so a weak tag on either side fails.
        tag = ETag.parse_or_none(value)
        return tag is not None and etag is not None and tag.strong_match(etag)
    # R26: a date matches only if it is exactly Last-Modified and that date is
    # strong: the representation cannot have changed twice in its second,
    # which holds once a full second has passed since (R14, §8.8.2.2).
    since = _request_date(value)
    return since is not None and since == last_modified and int(time.time()) - last_modified >= 1
