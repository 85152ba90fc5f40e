"""Auto-ETag: which responses get a computed entity-tag, and how it is computed.

The adapters buffer and stream; every rule about *whether* and *how* to tag a
body lives here, so WSGI and ASGI behave identically.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Final

from ._etag import ETag, hash_etag
from ._headers import Headers, ResponseFields, header_items, scan_response

__all__ = ["AutoETag", "refusal"]

# Content-codings whose identity bytes the standard library can recover
# (§8.4.1.2-8.4.1.3): "deflate" is the zlib format, "gzip" the gzip format.
_WBITS: Final = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}
_DECOMPRESS_STEP: Final = 64 * 1024  # bounds memory whatever the compression ratio


def _has_no_store(cache_control: str) -> bool:
    # Cache-Control = #cache-directive; a directive is a token, perhaps with
    # "=" and an argument (RFC 9111 §5.2), and names are case-insensitive.
    # (A quoted argument holding a comma can only split into pieces that do
    # not start with a directive name followed by "=" or the end.)
    for directive in cache_control.split(","):
        if directive.split("=", 1)[0].strip(" \t").lower() == "no-store":
            return True
    return False


class AutoETag:
    """Computes the entity-tag condget adds to a 2xx response that has none.

    The tag is **weak** (``W/"..."``) and is a hash of the body's *identity*
    bytes: for a ``gzip`` or ``deflate`` body the bytes are decompressed first.
    Weak, because middleware cannot know whether something between it and
    the client (a compressor such as Starlette's ``GZipMiddleware``, a CDN)
    will re-encode the body: one strong tag must never label two byte
    sequences (§8.8.1), while a weak tag means "semantically equivalent",
    which every encoding of the same content is. Identity bytes, because a
    compressor's output is not stable (gzip writes a timestamp) while the
    content is, so revalidation gets its 304 whichever side of the
    compressor condget sits. Weak tags do everything auto-ETags are for:
    If-None-Match uses weak comparison (§13.1.2). If-Match and If-Range need
    strong tags, which only the application can promise: set them yourself.

    Use :meth:`for_response` to learn whether a response qualifies.
    """

    __slots__ = ("_decoded_left", "_decompressor", "_empty", "_failed", "_hash")

    def __init__(
        self, content_coding: str | None = None, *, max_decoded: int | None = None
    ) -> None:
        """Start tagging a body sent with ``content_coding``: ``None`` (identity) or one of ours.

        Args:
            content_coding: The body's ``Content-Encoding``, lowercase.
            max_decoded: The most identity bytes to hash; past it the body
                is left untagged (:attr:`gave_up`). A compressed body can
                inflate a thousandfold, so a bound on the bytes held is no
                bound on the work: this one is (``None``: no bound).

        Raises:
            ValueError: A content-coding whose identity bytes cannot be
                recovered (``br``, ``zstd``...): hashing its bytes as if they
                were the content would break the tag's promise.
        """
        self._hash = hashlib.sha256()  # ETagHasher's, without its call per chunk
        self._empty = True
        self._failed = False
        self._decoded_left = max_decoded
        if content_coding is None:
            self._decompressor = None
        elif content_coding in _WBITS:
            self._decompressor = zlib.decompressobj(_WBITS[content_coding])
        else:
            raise ValueError(
                f"cannot recover the content of a {content_coding!r} body; "
                f"known codings: {', '.join(sorted(_WBITS))}"
            )

    @classmethod
    def for_response(cls, status: int, headers: Headers, *, complete: bool) -> AutoETag | None:
        """An ``AutoETag`` for this response, or ``None`` if it must not get one.

        A response qualifies when it is 2xx other than 206 (a partial body
        is not the representation, §15.3.7, R52), has no ``ETag`` (the
        application's own is never replaced), is not ``Cache-Control:
        no-store`` (nothing will revalidate it), is not an event stream, has
        a content-coding whose identity bytes can be recovered (none,
        ``identity``, ``gzip``, ``x-gzip``, ``deflate``), and has a known
        length: a ``Content-Length``, or ``complete`` because the adapter
        already holds the whole body. Open-ended streams (server-sent
        events, long polls) are never held back.

        Args:
            status: The response status.
            headers: The response's header fields.
            complete: Whether the adapter already has the entire body.
        """
        return cls.for_fields(status, scan_response(header_items(headers)), complete=complete)

    @classmethod
    def for_fields(
        cls,
        status: int,
        fields: ResponseFields,
        *,
        complete: bool,
        max_decoded: int | None = None,
    ) -> AutoETag | None:
        """:meth:`for_response` for fields already read by :func:`scan_response`."""
        if fields.etag is not None or refusal(status, fields, complete=complete) is not None:
            return None
        coding = fields.content_encoding
        if coding is not None:
            coding = coding.strip(" \t").lower()
        return cls(None if coding == "identity" else coding, max_decoded=max_decoded)

    def update(self, chunk: bytes) -> None:
        """Feed the next chunk of the body, as sent."""
        if not chunk or self._failed:
            return
        if self._decompressor is None:
            self._feed(chunk)
            return
        try:
            while chunk:
                if self._decompressor.eof:
                    # Bytes after the end of the compressed stream (a second
                    # gzip member, or junk) would not reach the hash, so two
                    # different bodies could share a tag: leave it untagged.
                    self._failed = True
                    return
                self._feed(self._decompressor.decompress(chunk, _DECOMPRESS_STEP))
                if self.gave_up:
                    return  # past max_decoded: no more inflating
                chunk = self._decompressor.unconsumed_tail or self._decompressor.unused_data
        except zlib.error:
            self._failed = True  # not what its Content-Encoding says: leave it untagged

    @property
    def gave_up(self) -> bool:
        """Whether the body can no longer get a tag (undecodable, or past ``max_decoded``)."""
        return self._failed

    @property
    def empty(self) -> bool:
        """Whether no byte of the identity body has been seen (an empty body gets no tag)."""
        return self._empty

    def _feed(self, identity: bytes) -> None:
        # Emptiness is judged on the identity bytes, so a compressed empty
        # body is as untagged as an empty identity one.
        if identity:
            left = self._decoded_left
            if left is not None:
                left -= len(identity)
                self._decoded_left = left
                if left < 0:
                    self._failed = True
                    return
            self._empty = False
            self._hash.update(identity)

    def etag(self) -> ETag | None:
        """The weak tag for the whole body, or ``None`` for an empty or undecodable one."""
        if self._failed:
            return None
        if self._decompressor is not None:
            self._feed(self._decompressor.flush())
            if self._failed or not self._decompressor.eof:
                return None  # past max_decoded, or a truncated stream
        if self._empty:
            return None
        return hash_etag(self._hash, True)


def refusal(status: int, fields: ResponseFields, *, complete: bool) -> str | None:
    """Why a response without an ``ETag`` gets no auto-ETag, as a note code; ``None`` if it may.

    The codes (docs/observability.md): ``auto-etag-partial`` (a 206 or a
    ``Content-Range``: not the representation), ``auto-etag-no-store``,
    ``auto-etag-stream`` (an event stream, or no length and no complete
    body), ``auto-etag-coding`` (a content-coding condget cannot undo).
    """
    if not 200 <= status < 300:
        return "not-2xx"
    if status == 206 or fields.content_range is not None:
        return "auto-etag-partial"
    if fields.cache_control is not None and _has_no_store(fields.cache_control):
        return "auto-etag-no-store"
    content_type = fields.content_type
    if content_type is not None and content_type.lower().startswith("text/event-stream"):
        return "auto-etag-stream"
    coding = fields.content_encoding
    if coding is not None:
        coding = coding.strip(" \t").lower()
        if coding != "identity" and coding not in _WBITS:
            return "auto-etag-coding"  # br, zstd, or several codings in a row
    if fields.content_length is None and not complete:
        return "auto-etag-stream"
    return None
