"""The store protocol, what an entry holds, and the generation scheme every backend shares.

Generations make invalidation cheap and race-safe. Each path key has a
*generation*: a random token, absent until the path is first invalidated.
``invalidate(path)`` writes a fresh token; it never has to find the entries,
which are hashed and may be many (one per query and Vary variant). An entry
records the generation it was stored under and counts only while that is
still the current one. ``put`` stores only if the generation is still the
one ``get`` returned before the view ran, so a slow GET that read the old
state cannot store it after a concurrent write's invalidation.

Prefix invalidation works the same way one level up: every ``/``-ended
prefix of a path key (:func:`~condget.store.path_prefixes`, at most eight)
and the empty prefix (everything) have generations too, and an entry's
generation is the tuple of all of them.

Generation records live longer (:data:`GENERATION_TTL`) than any entry
(:data:`MAX_TTL`), so an entry never outlives the record it was checked
against, and a token, once replaced, never comes back.
"""

from __future__ import annotations

import abc
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Final, NamedTuple, Protocol, Self

from condget import ETag, Validators

from ._errors import StoreUnavailableError
from ._keys import StoreKey, path_key, path_prefixes, round_prefix

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "DEFAULT_TTL",
    "GENERATION_TTL",
    "MAX_TTL",
    "PENDING_LIMIT",
    "BaseStore",
    "Lookup",
    "StoredValidators",
    "ValidatorStore",
]

DEFAULT_TTL: Final = 3600.0
"""How long an entry lives unless told otherwise: one hour, in seconds."""

MAX_TTL: Final = 86400.0
"""The longest an entry may live: one day, in seconds. It bounds how long an
invalidation that was lost (see :class:`BaseStore`) can leave a stale entry."""

GENERATION_TTL: Final = 2 * MAX_TTL
"""How long a generation record lives after its last bump: two days, in seconds."""

DEFAULT_TIMEOUT_MS: Final = 100
"""The backends' default bound on one call, in milliseconds (connect, read, lock wait)."""

PENDING_LIMIT: Final = 1000
"""How many failed invalidations a process remembers; past it, it invalidates everything."""

_MAX_VALUE: Final = 8192  # bytes of one encoded entry

REPEATED_ON_304: Final = frozenset({"cache-control", "expires", "content-location"})
"""The response fields a store keeps, lower-case: those a 304 must repeat (RFC 9110 §15.4.5)."""
# The seconds an HTTP-date can hold (years 1 to 9999), as condget.Validators checks.
_MIN_SECONDS: Final = -62135596800
_MAX_SECONDS: Final = 253402300800
_EVERYTHING: Final = ("prefix", "")
_KEPT_PATHS: Final = 1024  # paths whose hashed generation keys a store keeps


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredValidators:
    """What a store keeps for one entry: validators, and the fields a 304 must repeat.

    Never a body, and of the response's header fields only those a 304 sent
    in place of it must carry (RFC 9110 §15.4.5, R33): ``Cache-Control``,
    ``Expires`` and ``Content-Location``, none of which holds a secret.

    Attributes:
        etag: The representation's entity-tag.
        last_modified: Its modification time, in POSIX seconds.
        vary: The lower-case names of the request fields the response
            varies on. A target's own record with ``vary`` and no validators
            says "look in the variant for these fields' values".
        fields: The 200's ``Cache-Control``, ``Expires`` and
            ``Content-Location`` lines, as sent.
    """

    etag: ETag | None = None
    last_modified: int | None = None
    vary: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_validators(
        cls,
        validators: Validators,
        *,
        vary: tuple[str, ...] = (),
        headers: Iterable[tuple[str, str]] = (),
    ) -> Self:
        """The storable part of ``validators`` and of the response's ``headers``."""
        fields = tuple((name, value) for name, value in headers if name.lower() in REPEATED_ON_304)
        return cls(
            etag=validators.etag, last_modified=validators.last_modified, vary=vary, fields=fields
        )

    def to_validators(self) -> Validators:
        """:class:`condget.Validators` to evaluate a request against.

        Their headers are what a 304 must repeat (RFC 9110 §15.4.5): ``Vary``
        (the names) and the stored fields.
        """
        headers = [("Vary", ", ".join(self.vary))] if self.vary else []
        headers.extend(self.fields)
        return Validators(self.etag, self.last_modified, headers=headers)


class Lookup(NamedTuple):
    """What :meth:`ValidatorStore.get` found.

    Attributes:
        entry: The entry, or ``None`` (none, expired, or stored under an older
            generation).
        generation: The path's current generation, opaque: give it to
            :meth:`ValidatorStore.put` after the view ran. ``""`` means "do not
            store" (a remembered invalidation is pending for the path).
    """

    entry: StoredValidators | None
    generation: str


class ValidatorStore(Protocol):
    """What a validator store offers the middleware (and out-of-band writers).

    Every method raises :class:`StoreUnavailableError`, and only that, when
    the backend does not answer within its timeout; never for a key's
    content.
    """

    def get(self, key: StoreKey) -> Lookup:
        """The entry at ``key`` if its generation is current, and the current generation."""
        ...

    def put(
        self,
        key: StoreKey,
        entry: StoredValidators,
        *,
        generation: str,
        ttl: float | None = None,
    ) -> bool:
        """Store ``entry`` at ``key`` if the path's generation is still ``generation``.

        Returns whether it was stored. ``ttl`` is in seconds (default: the
        store's, at most :data:`MAX_TTL`).
        """
        ...

    def invalidate(self, path: str) -> None:
        """Make every entry of a path a miss: all its queries and Vary variants.

        ``path`` is a path key; an absolute ``http(s)`` URL is normalised into
        one (its query dropped).
        """
        ...

    def invalidate_prefix(self, prefix: str) -> None:
        """Make every entry whose path key starts with ``prefix`` a miss.

        The prefix is cut after its last ``/``, so this can invalidate more
        than asked, never less; ``""`` invalidates everything.
        """
        ...

    def close(self) -> None:
        """Release the backend's connections; later calls raise :class:`StoreUnavailableError`."""
        ...


def _check_ttl(ttl: float) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, int | float):
        raise TypeError(f"ttl must be seconds, not {ttl!r}")
    if not 0 < ttl <= MAX_TTL:  # also false for NaN
        raise ValueError(f"ttl must be more than 0 and at most {MAX_TTL:g} seconds, not {ttl!r}")
    return float(ttl)


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _encode(generation: str, entry: StoredValidators) -> bytes | None:
    etag = None if entry.etag is None else str(entry.etag)
    fields = [list(pair) for pair in entry.fields]
    data = [generation, etag, entry.last_modified, list(entry.vary), fields]
    value = json.dumps(data, separators=(",", ":")).encode("ascii")
    return value if len(value) <= _MAX_VALUE else None


def _decode(value: bytes | None, generation: str) -> StoredValidators | None:
    # Whatever the backend holds, a value that is not exactly what _encode
    # writes is a miss: never an exception, never a guess.
    if value is None or len(value) > _MAX_VALUE:
        return None
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list) or len(data) != 5 or data[0] != generation:
        return None
    _, text, seconds, vary, fields = data
    etag = None
    if text is not None:
        etag = ETag.parse_or_none(text) if isinstance(text, str) else None
        if etag is None:
            return None
    if seconds is not None and not (
        type(seconds) is int and _MIN_SECONDS <= seconds < _MAX_SECONDS
    ):
        return None
    if not isinstance(vary, list) or not all(isinstance(name, str) for name in vary):
        return None
    if not isinstance(fields, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and pair[0].lower() in REPEATED_ON_304
        and isinstance(pair[1], str)
        for pair in fields
    ):
        return None
    pairs = tuple((name, value) for name, value in fields)
    return StoredValidators(etag=etag, last_modified=seconds, vary=tuple(vary), fields=pairs)


class BaseStore(abc.ABC):
    """The generation scheme, hashing and failure memory, over four backend primitives.

    A backend implements ``_read``, ``_write_if``, ``_set`` and ``_close`` on
    opaque hashed keys (ASCII strings such as ``{3f2a…}:g``; the ``{…}`` part
    is a Redis Cluster hash tag shared by a path's generation and its
    entries) and raises only :class:`StoreUnavailableError`.

    No raw key reaches the backend: keys are SHA-256 of the namespace and the
    normalised text, truncated to 128 bits.

    **Failed invalidations.** When ``invalidate`` cannot reach the backend,
    the store remembers the path (it still raises, so the caller can log),
    and retries it first thing on a later call, at most every
    :attr:`retry_interval` seconds. Until the retry succeeds, this process
    answers a miss for that path (and refuses to store it). Past
    :data:`PENDING_LIMIT` remembered paths, they are replaced by one
    invalidation of everything. Other processes do not know: they may answer
    from the stale entry until the retry lands or the entry's TTL ends.

    Args:
        ttl: Entry lifetime in seconds when ``put`` gives none (at most
            :data:`MAX_TTL`).
        namespace: Mixed into every key: stores with different namespaces
            never see each other's entries, even in one database. Change it
            with each release that changes how representations look, or call
            ``invalidate_prefix("")`` on deploy.
    """

    retry_interval: float = 0.5
    """Seconds between retries of remembered invalidations while they keep failing."""

    def __init__(self, *, ttl: float = DEFAULT_TTL, namespace: str = "condget") -> None:
        self.ttl: float = _check_ttl(ttl)
        self.namespace: Final = namespace
        self._salt = namespace.encode("utf-8", "surrogatepass") + b"\0"
        self._pending: dict[tuple[str, str], None] = {}
        self._retry_after = 0.0
        self._state = threading.Lock()
        self._closed = False
        self._generation_ttl_ms = _milliseconds(GENERATION_TTL)
        self._keys_by_path: dict[str, tuple[str, ...]] = {}

    # -- the backend's part ------------------------------------------------

    @abc.abstractmethod
    def _read(self, keys: Sequence[str]) -> list[bytes | None]:
        """The live value of each key, ``None`` for a missing or expired one."""

    @abc.abstractmethod
    def _write_if(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool:
        """Set ``key`` to ``value`` for ``ttl_ms`` if each check key holds its value.

        An expected ``b""`` means "missing or expired". ``checks[0]`` shares
        ``key``'s hash tag and must be checked atomically with the write; a
        backend that cannot check the others atomically may skip them, since
        ``get`` compares the whole generation again.
        """

    @abc.abstractmethod
    def _set(self, key: str, value: bytes, ttl_ms: int) -> None:
        """Set ``key`` to ``value`` for ``ttl_ms``, unconditionally."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release the backend's resources."""

    # -- keys --------------------------------------------------------------

    def _digest(self, kind: bytes, text: str) -> str:
        data = self._salt + kind + text.encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()[:32]

    def _generation_key(self, kind: str, text: str) -> str:
        if kind == "path":
            return f"{{{self._digest(b'p', text)}}}:g"
        return f"{{{self._digest(b'x', text)}}}:x"

    def _generation_keys(self, path: str) -> list[str]:
        # Everything, each prefix, then the path itself (last: _write_if's checks[0]).
        return list(self._path_keys(path))

    def _path_keys(self, path: str) -> tuple[str, ...]:
        # A lookup and its record hash the same path's keys: they are kept
        # for the last _KEPT_PATHS paths.
        keys = self._keys_by_path.get(path)
        if keys is None:
            prefixes = ["", *path_prefixes(path)]
            keys = (
                *(self._generation_key("prefix", prefix) for prefix in prefixes),
                self._generation_key("path", path),
            )
            if len(self._keys_by_path) >= _KEPT_PATHS:
                self._keys_by_path.clear()
            self._keys_by_path[path] = keys
        return keys

    def _entry_key(self, key: StoreKey) -> str:
        # The path's hash tag is its generation key's (the last of them).
        tag = self._path_keys(key.path)[-1][:-2]
        return f"{tag}:v:{self._digest(b'v', key.path + chr(0) + key.variant)}"

    # -- failure memory ----------------------------------------------------

    @property
    def pending_invalidations(self) -> frozenset[tuple[str, str]]:
        """The invalidations that failed and await a retry: ``("path" | "prefix", key)`` pairs."""
        with self._state:
            return frozenset(self._pending)

    def _remember(self, item: tuple[str, str]) -> None:
        with self._state:
            if len(self._pending) >= PENDING_LIMIT:
                self._pending.clear()
                item = _EVERYTHING
            self._pending[item] = None
            self._retry_after = time.monotonic() + self.retry_interval

    def _bump(self, item: tuple[str, str]) -> None:
        token = os.urandom(8).hex().encode()
        self._set(self._generation_key(*item), token, self._generation_ttl_ms)

    def _retry(self) -> None:
        with self._state:
            items = list(self._pending)
        for item in items:
            try:
                self._bump(item)
            except StoreUnavailableError:
                with self._state:
                    self._retry_after = time.monotonic() + self.retry_interval
                return
            with self._state:
                self._pending.pop(item, None)

    def _blocked(self, path: str) -> bool:
        with self._state:
            if ("path", path) in self._pending:
                return True
            return any(("prefix", p) in self._pending for p in ["", *path_prefixes(path)])

    def _begin(self) -> None:
        if self._closed:
            raise StoreUnavailableError(f"{self!r} is closed")
        if self._pending and time.monotonic() >= self._retry_after:
            self._retry()

    # -- the protocol ------------------------------------------------------

    def get(self, key: StoreKey) -> Lookup:
        """See :meth:`ValidatorStore.get`."""
        self._begin()
        if self._pending and self._blocked(key.path):
            return Lookup(None, "")
        keys = self._generation_keys(key.path)
        keys.append(self._entry_key(key))
        values = self._read(keys)
        generation = "|".join("" if v is None else v.decode("latin-1") for v in values[:-1])
        return Lookup(_decode(values[-1], generation), generation)

    def put(
        self,
        key: StoreKey,
        entry: StoredValidators,
        *,
        generation: str,
        ttl: float | None = None,
    ) -> bool:
        """See :meth:`ValidatorStore.put`.

        Raises:
            ValueError: ``ttl`` is not in (0, :data:`MAX_TTL`], or ``entry``
                has neither a validator nor Vary names.
        """
        write = self._conditional_write(key, entry, generation, ttl)
        return write is not None and self._write_if(*write)

    def put_nowait(
        self,
        key: StoreKey,
        entry: StoredValidators,
        *,
        generation: str,
        ttl: float | None = None,
    ) -> bool | None:
        """:meth:`put`, without waiting for a network backend's answer; raises as it does.

        Returns ``None`` when the write was sent and its answer left to be
        read later (its outcome is not reported), else what :meth:`put`
        returns. Here it is :meth:`put` itself; :class:`RedisStore`
        overrides it. The write is as safe as :meth:`put`'s: the generation
        is compared on the backend when it runs. Optional in the
        :class:`ValidatorStore` protocol: :func:`~condget.store.record`
        uses :meth:`put` on a store without it.
        """
        return self.put(key, entry, generation=generation, ttl=ttl)

    def _conditional_write(
        self, key: StoreKey, entry: StoredValidators, generation: str, ttl: float | None
    ) -> tuple[str, bytes, int, list[tuple[str, bytes]]] | None:
        """``_write_if``'s arguments for a put, or ``None`` when nothing may be stored."""
        ttl_ms = _milliseconds(self.ttl if ttl is None else _check_ttl(ttl))
        if entry.etag is None and entry.last_modified is None and not entry.vary:
            raise ValueError("an entry needs an etag, a last_modified or vary names")
        self._begin()
        if not generation or (self._pending and self._blocked(key.path)):
            return None
        keys = self._generation_keys(key.path)
        tokens = generation.split("|")
        value = _encode(generation, entry)
        if len(tokens) != len(keys) or value is None:
            return None
        expected = [token.encode("latin-1", "replace") for token in tokens]
        checks = [(keys[-1], expected[-1]), *zip(keys[:-1], expected[:-1], strict=True)]
        return self._entry_key(key), value, ttl_ms, checks

    def invalidate(self, path: str) -> None:
        """See :meth:`ValidatorStore.invalidate`.

        Raises:
            StoreUnavailableError: The backend did not answer; the path is
                remembered and retried (see above).
        """
        self._begin()
        self._invalidate(("path", path_key(path) or path))

    def invalidate_prefix(self, prefix: str) -> None:
        """See :meth:`ValidatorStore.invalidate_prefix`.

        Raises:
            StoreUnavailableError: As for :meth:`invalidate`.
        """
        self._begin()
        self._invalidate(("prefix", round_prefix(prefix)))

    def _invalidate(self, item: tuple[str, str]) -> None:
        try:
            self._bump(item)
        except StoreUnavailableError:
            self._remember(item)
            raise

    def close(self) -> None:
        """See :meth:`ValidatorStore.close`. Closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
