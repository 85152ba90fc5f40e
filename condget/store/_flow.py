"""The two calls a middleware makes around a GET: ``lookup`` before the view, ``record`` after.

A target's record says either "these validators" (no Vary) or "the response
varies on these fields": then the validators are in the variant for the
request's values of them, one more read. Both calls are pure functions of a
:class:`~condget.store.ValidatorStore`, so any backend works.
"""

from __future__ import annotations

from typing import NamedTuple

from condget import Validators

from ._base import Lookup, StoredValidators, ValidatorStore
from ._keys import (
    HeaderLookup,
    Headers,
    RequestKey,
    _pairs,
    response_vary,
    storable,
    vary_fields,
)

__all__ = ["Found", "lookup", "record"]


class Found(NamedTuple):
    """What :func:`lookup` found for a request, and what :func:`record` needs afterwards.

    Attributes:
        validators: The stored validators for this request's variant, or
            ``None`` (a miss: run the view).
        generation: The path's generation before the view ran; ``""`` when
            the request must not be recorded.
        vary: The Vary names of the target's record, ``None`` if it has none.
    """

    validators: StoredValidators | None
    generation: str
    vary: tuple[str, ...] | None = None


_NOT_FOR_THE_STORE = Found(None, "")


def lookup(store: ValidatorStore, key: RequestKey, header: HeaderLookup) -> Found:
    """Find the validators stored for a request; call it before the view runs.

    A request with ``Authorization`` and a key without a user component does
    not use the store at all: the view's access check must run for it, and
    what it returns is not for other users (RFC 9111 §3.5).

    Raises:
        StoreUnavailableError: The store did not answer (treat it as a miss,
            and skip :func:`record`).
    """
    if key.user is None and header("authorization") is not None:
        return _NOT_FOR_THE_STORE
    first = store.get(key.entry())
    entry = first.entry
    if entry is None or not entry.vary:
        return Found(entry, first.generation)
    variant = key.variant(vary_fields(entry.vary, header))
    if variant is None:
        return Found(None, first.generation, entry.vary)
    second: Lookup = store.get(variant)
    found = second.entry
    if second.generation != first.generation or found is None or found.vary != entry.vary:
        return Found(None, first.generation, entry.vary)
    return Found(found, first.generation, entry.vary)


def record(
    store: ValidatorStore,
    key: RequestKey,
    found: Found,
    validators: Validators,
    headers: Headers,
    header: HeaderLookup,
    *,
    ttl: float | None = None,
    wait: bool = True,
) -> bool | None:
    """Store a 2xx GET response's validators; call it after the view ran.

    Args:
        store: The store.
        key: The request's key.
        found: What :func:`lookup` returned *before* the view ran: its
            generation is what makes a write during the view win.
        validators: The response's (``Validators.from_response_headers``,
            or the auto-ETag).
        headers: The response's header fields, for ``Vary`` and
            ``Cache-Control``.
        header: The request's fields, for the values of the Vary'd ones.
        ttl: Entry lifetime in seconds (default: the store's).
        wait: Whether to wait for a network store's answer. Without
            waiting (the store's ``put_nowait``, when it has one:
            :meth:`~condget.store.BaseStore.put_nowait`) the record costs
            the request a send, not a round trip.

    An entry found with the same validators and fields is not written again
    (it lives its TTL from when it was written).

    Returns:
        Whether the validators are stored: not for a response that is not
        :func:`storable`, has no validator, or raced with an invalidation;
        ``None`` when they were sent and the answer not awaited.

    Raises:
        StoreUnavailableError: The store did not answer.
    """
    if not found.generation or (validators.etag is None and validators.last_modified is None):
        return False
    vary = response_vary(headers)
    if vary is None or not storable(headers, private_ok=key.user is not None):
        return False
    entry = StoredValidators.from_validators(validators, vary=vary, headers=_pairs(headers))
    if found.validators == entry and (found.vary or ()) == vary:
        # Already there, under the generation read before the view: a write
        # since has made it a miss, so not rewriting it is as safe, and an
        # unconditional GET of an unchanged target costs no write.
        return True
    # put_nowait is optional in the protocol: a store without it waits.
    put = store.put if wait else getattr(store, "put_nowait", store.put)
    if not vary:
        return put(key.entry(), entry, generation=found.generation, ttl=ttl)
    variant = key.variant(vary_fields(vary, header))
    if variant is None:
        return False
    if found.vary != vary:
        # A marker refused means the generation moved: so would the variant be.
        marker = StoredValidators(vary=vary)
        if put(key.entry(), marker, generation=found.generation, ttl=ttl) is False:
            return False
    return put(variant, entry, generation=found.generation, ttl=ttl)
