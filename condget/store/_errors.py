"""The one exception a validator store raises when its backend cannot answer."""

from __future__ import annotations

from condget import CondgetError

__all__ = ["StoreUnavailableError"]


class StoreUnavailableError(CondgetError, ConnectionError):
    """The store's backend did not answer: refused, timed out, closed or broken.

    Every backend turns its own connection, timeout and server errors into
    this one type, so a caller catches exactly it and carries on as if there
    were no store (the view runs). The message names the backend and the
    kind of failure; it never contains a password, and the backend's own
    exception is not chained (its text could).
    """
