"""The responses condget sends itself: 304, 412 and 428, and which header fields they carry.

This is the one place that decides what a 304 or 412 keeps from the headers
the 200 would have carried (R33, R34, R40). Adapters only translate the result.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Final

from ._dates import format_http_date
from ._headers import Headers, header_items
from ._model import Decision, Outcome

__all__ = [
    "ERROR_DROPPED",
    "ERROR_KEPT",
    "REPRESENTATION_HEADERS",
    "Reply",
    "not_modified",
    "precondition_failed",
    "precondition_required",
    "range_not_satisfiable",
    "reply_for",
]

REPRESENTATION_HEADERS: Final = frozenset(
    {
        # Representation metadata that describes a body the reply does not
        # carry (§8.3-8.6, §15.4.5). RFC 9111 §3.2 makes a cache copy a 304's
        # fields onto its stored 200, so a Content-Type or Content-Encoding
        # left here would corrupt the cached entry (R33, R40).
        "content-type",
        "content-encoding",
        "content-language",
        "content-range",
        "content-md5",
        # RFC 9530 §2: a digest of the message content, and a 304 has none.
        # (Repr-Digest describes the selected representation, as ETag does,
        # and stays.)
        "content-digest",
        # Framing of the 200's body (RFC 9112 §6): a 304 has no content and
        # no trailers, and its Content-Length may only ever repeat the 200's
        # true length, which middleware cannot vouch for.
        "content-length",
        "transfer-encoding",
        "trailer",
    }
)
"""Header fields (lowercase) that :func:`not_modified` drops.

Pass your own set as ``drop=`` to change it, for example
``REPRESENTATION_HEADERS | {"content-disposition"}``.
"""

# A 412 or 428 is not a response about the representation: it carries its
# own small body, so nothing that describes the 200's content may stay (a
# Content-Disposition would make a browser save "412 Precondition Failed" as
# report.pdf), and nothing that advertises freshness (a cache could store the
# error in place of the resource, RFC 9111 §3), R34. What stays is what
# describes the resource's state and the exchange: ETag and Last-Modified
# (what to retry against, §15.5.13 allows them), Date, Vary, Set-Cookie, CORS
# fields, and fields of the application's own (request ids).
ERROR_KEPT: Final = frozenset(
    {"etag", "last-modified", "date", "vary", "set-cookie", "server", "via", "alt-svc"}
)
"""Standard fields (lowercase) that a 412 or 428 keeps from the 200's headers.

Besides these, :func:`precondition_failed` keeps ``Access-Control-*`` and
every field that is not standard HTTP metadata of a response (custom fields
such as ``X-Request-Id``), and drops ``Content-*`` and the fields in
``ERROR_DROPPED``.
"""
ERROR_DROPPED: Final = frozenset(
    {
        "accept-ranges",
        "age",
        "cache-control",
        "digest",
        "expires",
        "link",
        "location",
        "pragma",
        "refresh",
        "repr-digest",
        "trailer",
        "transfer-encoding",
        "want-content-digest",
        "want-repr-digest",
        "warning",
    }
)
"""Standard fields (lowercase) besides ``Content-*`` that a 412 or 428 never carries."""


def _error_keeps(name: str) -> bool:
    return name in ERROR_KEPT or not (name.startswith("content-") or name in ERROR_DROPPED)


_TEXT_PLAIN: Final = ("Content-Type", "text/plain; charset=utf-8")


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete response for an adapter to send instead of the application's.

    Attributes:
        status: The status code.
        reason: The reason phrase (``"Not Modified"``), for protocols that
            send one.
        headers: The header fields, in order, names as given.
        body: The content; empty for a 304.
        decision: The decision it carries out, when :func:`reply_for` built
            it (its ``reason`` says why, for logs and metrics).
    """

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    decision: Decision | None = field(default=None, compare=False)


def _kept(headers: Headers, keep: Callable[[str], bool], add_date: bool) -> list[tuple[str, str]]:
    kept = []
    has_date = False
    for name, value in header_items(headers):
        lowered = name.lower()
        if keep(lowered):
            kept.append((name, value))
            has_date = has_date or lowered == "date"
    if add_date and not has_date:
        # §6.6.1: an origin server with a clock MUST send Date on 2xx-4xx.
        kept.append(("Date", format_http_date()))
    return kept


def not_modified(
    headers: Headers = (),
    *,
    drop: Collection[str] = REPRESENTATION_HEADERS,
    add_date: bool = True,
) -> Reply:
    """Build the 304 Not Modified that replaces a 200 (RFC 9110 §15.4.5).

    Keeps every field the 200 would carry except ``drop``: above all
    Cache-Control, Content-Location, Date, ETag, Expires and Vary, which a
    304 MUST repeat, and Last-Modified, which caches use to pick the stored
    response to freshen (RFC 9111 §4.3.4, R39). Fields that are not
    representation metadata (Set-Cookie, ``Access-Control-*``, request ids)
    stay too. Adds ``Date`` when missing. The body is empty (R33).

    Args:
        headers: The header fields the 200 would have carried.
        drop: Lowercase names to drop; :data:`REPRESENTATION_HEADERS` by
            default.
        add_date: Add ``Date`` when ``headers`` have none (§6.6.1). Pass
            ``False`` when the server adds it to every response itself, as
            gunicorn, uvicorn and hypercorn do, or the reply would carry two.
    """
    return Reply(304, "Not Modified", _kept(headers, lambda name: name not in drop, add_date), b"")


def _error(
    status: int,
    reason: str,
    headers: Headers,
    add_date: bool,
    *extra: tuple[str, str],
    decision: Decision | None = None,
) -> Reply:
    body = f"{status} {reason}\n".encode("ascii")
    kept = _kept(headers, _error_keeps, add_date)
    kept.extend(extra)
    kept.append(_TEXT_PLAIN)
    kept.append(("Content-Length", str(len(body))))
    return Reply(status, reason, kept, body, decision)


def precondition_failed(headers: Headers = (), *, add_date: bool = True) -> Reply:
    """Build a 412 Precondition Failed (RFC 9110 §15.5.13).

    A short text body with a Content-Length that matches it. From
    ``headers`` (the fields the 200 would carry) it keeps what describes the
    resource's state and the exchange: the current ETag and Last-Modified,
    which tell a client what to retry against, Date, Vary, Set-Cookie, CORS
    fields and the application's own fields (:data:`ERROR_KEPT`). Nothing
    about the 200's content or freshness stays: no ``Content-*`` (such as
    ``Content-Disposition``), no Cache-Control, Expires, Accept-Ranges or
    digests (:data:`ERROR_DROPPED`, R34). Adds ``Date`` when missing, unless
    ``add_date`` is false (see :func:`not_modified`).
    """
    return _error(412, "Precondition Failed", headers, add_date)


def precondition_required(headers: Headers = (), *, add_date: bool = True) -> Reply:
    """Build a 428 Precondition Required (RFC 6585 §3), kept like :func:`precondition_failed`."""
    return _error(428, "Precondition Required", headers, add_date)


def range_not_satisfiable(headers: Headers = (), *, length: int, add_date: bool = True) -> Reply:
    """Build a 416 Range Not Satisfiable (RFC 9110 §15.5.17), kept like :func:`precondition_failed`.

    It carries ``Content-Range: bytes */length``, which tells the client the
    representation's current length (R45).

    Args:
        headers: The header fields the 200 would carry.
        length: The representation's length in bytes.
        add_date: Add ``Date`` when ``headers`` have none (see :func:`not_modified`).
    """
    return _error(
        416, "Range Not Satisfiable", headers, add_date, ("Content-Range", f"bytes */{length}")
    )


def reply_for(decision: Decision, headers: Headers = (), *, add_date: bool = True) -> Reply | None:
    """The reply that carries out ``decision``, or ``None`` to proceed.

    Args:
        decision: What :func:`condget.evaluate` returned.
        headers: The header fields the 200 would have carried (or, before
            the application runs, :meth:`condget.Validators.response_headers`).
        add_date: Add ``Date`` when ``headers`` have none; ``False`` when the
            server adds it to every response (see :func:`not_modified`).
    """
    outcome = decision.outcome
    if outcome is Outcome.NOT_MODIFIED:
        kept = _kept(headers, _not_representation, add_date)
        return Reply(304, "Not Modified", kept, b"", decision)
    if outcome is Outcome.PRECONDITION_FAILED:
        return _error(412, "Precondition Failed", headers, add_date, decision=decision)
    if outcome is Outcome.PRECONDITION_REQUIRED:
        return _error(428, "Precondition Required", headers, add_date, decision=decision)
    return None


def _not_representation(name: str) -> bool:
    return name not in REPRESENTATION_HEADERS
