"""Why condget sent what it sent: the event a middleware reports for each decision.

No framework, server or middleware says why it sent (or did not send) a 304
or 412; condget does, opt-in and at no cost when off. The event's attribute
names follow OpenTelemetry's HTTP semantic conventions where one exists
(``http.request.method``, ``url.path``, ``http.response.status_code``) and
``condget.*`` otherwise. Reason codes are listed in docs/observability.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeAlias, TypeVar

__all__ = [
    "DECISION_HEADER",
    "LOGGER",
    "DecisionEvent",
    "Observation",
    "Observer",
    "Watch",
]

LOGGER: Final = logging.getLogger("condget")
"""The ``condget`` logger: one DEBUG record per decision, with the event's attributes."""

DECISION_HEADER: Final = "Condget-Decision"
"""The development response field that shows each decision (``decision_header=True``)."""


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """What condget decided for one response, and why.

    Attributes:
        method: The request method.
        path: The request path (no query: it may hold secrets).
        app_status: The status the application's response had (``None``
            when condget answered before running it).
        status: The status condget sent (304, 412, 206...) or passed on.
        outcome: ``"proceed"``, ``"not-modified"``, ``"precondition-failed"``,
            ``"precondition-required"``, ``"partial"`` or
            ``"range-not-satisfiable"``.
        decided_by: The request field that decided a 304 or 412, if any.
        reason: The decision's stable code (:attr:`condget.Decision.reason`,
            or ``no-validators`` when a response had none to check).
        notes: Codes for what else condget did or declined, such as
            ``auto-etag`` or ``range-ignored:if-range`` (docs/observability.md
            lists them all).
        etag: The entity-tag the request was checked against, if any.
        last_modified: The ``Last-Modified`` it was checked against, if any.
        bytes_saved: Body bytes the client did not have to receive, when
            known (a 304 or 412 in place of a 200 with a Content-Length).
    """

    method: str
    path: str
    app_status: int | None
    status: int
    outcome: str
    decided_by: str | None
    reason: str
    notes: tuple[str, ...]
    etag: str | None
    last_modified: str | None
    bytes_saved: int | None

    def attributes(self) -> dict[str, str | int | tuple[str, ...]]:
        """The event as span or log attributes (OpenTelemetry names where they exist)."""
        attributes: dict[str, str | int | tuple[str, ...]] = {
            "http.request.method": self.method,
            "url.path": self.path,
            "http.response.status_code": self.status,
            "condget.outcome": self.outcome,
            "condget.reason": self.reason,
        }
        optional = (
            ("condget.app_status", self.app_status),
            ("condget.decided_by", self.decided_by),
            ("condget.etag", self.etag),
            ("condget.last_modified", self.last_modified),
            ("condget.bytes_saved", self.bytes_saved),
        )
        attributes.update((name, value) for name, value in optional if value is not None)
        if self.notes:
            attributes["condget.notes"] = self.notes
        return attributes

    def header_value(self) -> str:
        """A one-line summary for a development response header, e.g. ``304; inm-match``."""
        parts = [str(self.status), self.reason, *self.notes]
        if self.decided_by is not None:
            parts.append(f"by={self.decided_by}")
        return "; ".join(parts)


_Request = TypeVar("_Request")

Observer: TypeAlias = Callable[[DecisionEvent], object]
"""A middleware's ``observer=``: called once per decision, on the request's thread or task."""


def _log(event: DecisionEvent) -> None:
    if LOGGER.isEnabledFor(logging.DEBUG):
        LOGGER.debug(
            "%s %s: %s %s (%s)",
            event.method,
            event.path,
            event.status,
            event.outcome,
            event.reason,
            extra={"condget": event.attributes()},
        )


@dataclass(frozen=True, slots=True)
class Watch:
    """How one request's decisions are observed; the engine's ``watch=``.

    Attributes:
        path: The request path, for the events.
        observer: The middleware's observer, if any.
        header: Whether the response gets the development ``Condget-Decision``
            field.
    """

    path: str
    observer: Observer | None
    header: bool

    def tell(self, event: DecisionEvent) -> list[tuple[str, str]]:
        """Log ``event`` and give it to the observer; the fields to add to the response.

        An observer that raises is logged (ERROR, with the traceback) and
        never fails the request.
        """
        _log(event)
        observer = self.observer
        if observer is not None:
            try:
                observer(event)
            except Exception:
                LOGGER.exception("condget: the observer %r raised", observer)
        return [(DECISION_HEADER, event.header_value())] if self.header else []


class Observation:
    """A middleware's observation options, turned into each request's :class:`Watch`.

    Args:
        observer: Called with each :class:`DecisionEvent`.
        header: Add the development ``Condget-Decision`` field.
    """

    __slots__ = ("_always", "_header", "_observer")

    def __init__(self, observer: Observer | None, header: bool) -> None:
        self._observer = observer
        self._header = header
        self._always = observer is not None or header

    def watch(self, request: _Request, path_of: Callable[[_Request], str]) -> Watch | None:
        """The request's :class:`Watch`, or ``None`` when nobody is watching.

        Nobody is watching when there is no observer, no header and the
        ``condget`` logger is not enabled for DEBUG: the engine then builds no
        event at all, and ``path_of(request)`` is not called. The logger's
        level is read per request, so logging configured after the
        application was built still takes effect.
        """
        if self._always or LOGGER.isEnabledFor(logging.DEBUG):
            return Watch(path_of(request), self._observer, self._header)
        return None
