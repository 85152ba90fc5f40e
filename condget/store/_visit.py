"""One request's use of a validator store, for a middleware: check before the view, settle after.

Both middlewares do the same three things with a store, and every rule about
them lives here, once:

1. **Before the application** (:meth:`Visit.check`): a GET or HEAD looks its
   target up and is answered 304 (or 412) from the stored validators when its
   conditional fields say so; an unsafe request with ``If-Match`` or
   ``If-Unmodified-Since`` gets its 412 the same way (RFC 9110 §13.2.1, R36).
2. **After a GET** (:meth:`Visit.settled`, the response engine's hook): the
   validators a 2xx response goes out with are recorded, under the generation
   read before the view ran, so that a write during the view wins.
3. **After a write** (the same hook): a non-error response to an unsafe method
   invalidates the target's path and those its ``Content-Location`` and
   ``Location`` name (RFC 9111 §4.4), before the response start is handed to
   the server.

A store that fails (:class:`StoreUnavailableError`) never fails the request:
the request goes on as without a store, and the event notes say so.
"""

from __future__ import annotations

import contextlib
from typing import Final

from condget import Conditions, Reply, Validators
from condget.engine import check_before
from condget.observe import Watch

from ._base import ValidatorStore
from ._errors import StoreUnavailableError
from ._flow import Found, lookup, record
from ._keys import HeaderLookup, KeyFunction, KeyRequest, RequestKey, invalidation_paths

__all__ = ["Visit", "visit"]

_HIT: Final = ("store-hit",)


def visit(
    store: ValidatorStore,
    key_function: KeyFunction,
    method: str,
    request: KeyRequest,
    *,
    ttl: float | None = None,
) -> Visit | None:
    """The request's :class:`Visit`, or ``None`` when it does not use the store.

    GET, HEAD and the unsafe methods use it; the other safe methods, OPTIONS
    and TRACE (RFC 9110 §9.2.1), do not, nor a
    request whose key function gives no key (a malformed ``Host``, an
    oversized target, or the application's own choice).

    Args:
        store: The store.
        key_function: Builds the key from the request's public target
            (:func:`~condget.store.default_key` unless told otherwise).
        method: The request method.
        request: The request's scheme, ``Host``, path, query and fields.
        ttl: Entry lifetime in seconds for what this request records
            (default: the store's).
    """
    if method == "OPTIONS" or method == "TRACE":
        return None
    key = key_function(request)
    if key is None:
        return None
    return Visit(store, key, method, request.header, ttl=ttl)


class Visit:
    """One request's use of a store: :meth:`check` before the application, :meth:`settled` after.

    Build it with :func:`visit`. It holds what the lookup found, so that the
    record after the view uses the generation read before it.

    Args:
        store: The store.
        key: The request's key.
        method: The request method.
        header: The request's fields by lower-case name.
        ttl: Entry lifetime for what is recorded (default: the store's).
    """

    __slots__ = ("_found", "_header", "_key", "_method", "_notes", "_store", "_ttl", "_written")

    def __init__(
        self,
        store: ValidatorStore,
        key: RequestKey,
        method: str,
        header: HeaderLookup,
        *,
        ttl: float | None = None,
    ) -> None:
        self._store = store
        self._key = key
        self._method = method
        self._header = header
        self._ttl = ttl
        self._found: Found | None = None
        self._notes: list[str] = []
        self._written: list[str] = []  # the paths a successful write invalidated

    @property
    def key(self) -> RequestKey:
        """The request's key."""
        return self._key

    @property
    def passed(self) -> bool:
        """Whether :meth:`check` found stored validators and the request passed them."""
        return "store-passed" in self._notes

    @property
    def writes(self) -> bool:
        """Whether the request may change the target: then :meth:`finished` is due at its end."""
        return self._method != "GET" and self._method != "HEAD"

    @property
    def notes(self) -> tuple[str, ...]:
        """The store's note codes so far (``store-miss``, ``store-unavailable``…)."""
        return tuple(self._notes)

    def check(self, conditions: Conditions, *, watch: Watch | None = None) -> Reply | None:
        """Before the application: the reply the stored validators give, or ``None`` to run it.

        A GET is looked up (also unconditional: the lookup reads the
        generation its response is recorded under, and it must be read before
        the view starts) and evaluated against what is stored: a 304, or a
        412 for a false ``If-Match``. So is a HEAD with ``If-None-Match``,
        ``If-Modified-Since``, ``If-Match`` or ``If-Unmodified-Since``; a HEAD
        without them does not use the store (only a GET's response is
        recorded). An unsafe
        request is looked up only when it carries ``If-Match`` or
        ``If-Unmodified-Since``, and only those are evaluated: a 412 when one
        is false. ``If-None-Match`` on an unsafe request (``*`` to create
        only if absent) is left to the application: the store only knows
        that a representation existed when it was last read.

        Args:
            conditions: The request's conditional fields.
            watch: Who observes the request's decisions: told of a reply,
                with the note ``store-hit``.
        """
        method = self._method
        if self.writes:
            if conditions.if_match is None and conditions.if_unmodified_since is None:
                return None
            conditions = Conditions(
                if_match=conditions.if_match,
                if_unmodified_since=conditions.if_unmodified_since,
            )
        elif method == "HEAD" and not conditions.decisive:
            return None
        try:
            found = lookup(self._store, self._key, self._header)
        except StoreUnavailableError:
            self._notes.append("store-unavailable")
            return None
        self._found = found
        stored = found.validators
        if stored is None:
            self._notes.append("store-miss")
            return None
        reply = check_before(method, conditions, stored.to_validators(), watch=watch, notes=_HIT)
        if reply is None:
            self._notes.append("store-passed")
        return reply

    def settled(
        self, status: int, validators: Validators | None, fields: list[tuple[str, str]]
    ) -> tuple[str, ...]:
        """After the application: record or invalidate; the store's notes for the event.

        The response engine's ``settled=`` hook (:data:`condget.engine.Settled`),
        called before the response start is handed to the server. A 2xx
        response to GET records ``validators`` under the generation
        :meth:`check` read, without waiting for a network store's answer
        (:meth:`~condget.store.BaseStore.put_nowait`): the write is on
        its way before the start is handed on, and the note is then
        ``store-record-sent`` rather than ``store-recorded``. A response
        below 400 to an unsafe method (2xx, or a redirect such as POST's
        303, RFC 9111 §4.4) invalidates
        :func:`~condget.store.invalidation_paths`. A failed invalidation is
        remembered and retried by the store (:class:`~condget.store.BaseStore`).
        """
        method = self._method
        if method == "GET":
            found = self._found
            if found is not None and validators is not None and 200 <= status < 300:
                self._record(found, validators, fields)
        elif self.writes and status < 400:
            self._invalidate(fields)
        return tuple(self._notes)

    def _record(self, found: Found, validators: Validators, fields: list[tuple[str, str]]) -> None:
        try:
            stored = record(
                self._store,
                self._key,
                found,
                validators,
                fields,
                self._header,
                ttl=self._ttl,
                wait=False,
            )
        except StoreUnavailableError:
            self._notes.append("store-unavailable")
            return
        if stored is None:
            self._notes.append("store-record-sent")
        elif stored:
            self._notes.append("store-recorded")

    def finished(self) -> None:
        """After the write's response has gone out whole: invalidate its paths once more.

        A write may change the resource after its response started (a
        Starlette background task, a 202 that finishes later, a WSGI body that
        writes as it is iterated); a GET that ran meanwhile could have
        recorded the old state. Invalidating again when the write is over
        leaves no such entry behind. Failures are remembered by the store.
        """
        for path in self._written:
            with contextlib.suppress(StoreUnavailableError):
                self._store.invalidate(path)

    def _invalidate(self, fields: list[tuple[str, str]]) -> None:
        failed = done = False
        self._written = list(invalidation_paths(self._key, fields))
        for path in self._written:
            try:
                self._store.invalidate(path)
            except StoreUnavailableError:
                failed = True  # remembered by the store, and retried
            else:
                done = True
        if done:
            self._notes.append("store-invalidated")
        if failed and "store-unavailable" not in self._notes:
            self._notes.append("store-unavailable")
