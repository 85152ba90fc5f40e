"""Why condget sent what it sent: decision events, the ``condget`` logger, the development field.

Both middlewares take ``observer=`` (a callable given a :class:`DecisionEvent`
for each response condget decided) and ``decision_header=`` (a
``Condget-Decision`` field on those responses, for development); every event
is also logged on the :data:`LOGGER` at DEBUG. With none of them on, no event
is built. The reason codes are listed in docs/observability.md.

:class:`Observation` and :class:`Watch` are for adapter writers: a middleware
keeps one ``Observation`` and hands the engine each request's ``Watch``.
"""

from __future__ import annotations

from ._observe import DECISION_HEADER as DECISION_HEADER
from ._observe import LOGGER as LOGGER
from ._observe import DecisionEvent as DecisionEvent
from ._observe import Observation as Observation
from ._observe import Observer as Observer
from ._observe import Watch as Watch

__all__ = ["DECISION_HEADER", "LOGGER", "DecisionEvent", "Observation", "Observer", "Watch"]
