"""The exceptions condget raises: only ever for the application's mistakes, never a client's."""

from __future__ import annotations

__all__ = ["CondgetError", "InvalidValidatorError"]


class CondgetError(Exception):
    """Root of every exception condget raises."""


class InvalidValidatorError(CondgetError, ValueError):
    """The application supplied a validator that is not valid.

    Raised for an entity-tag that breaks the RFC 9110 §8.8.3 grammar, a
    Last-Modified that is not an HTTP-date (§5.6.7), or a naive ``datetime``
    (an HTTP date is always UTC, so a datetime without a zone is ambiguous).
    Request headers never raise this: a malformed client value is answered as
    the RFC says (usually by ignoring the field).
    """
