"""Type aliases that appear in condget's signatures, for annotating code that calls it."""

from __future__ import annotations

from ._dates import Timestamp as Timestamp
from ._engine import Fields as Fields
from ._headers import HeaderPairs as HeaderPairs
from ._headers import Headers as Headers
from ._model import ETagLike as ETagLike

__all__ = ["ETagLike", "Fields", "HeaderPairs", "Headers", "Timestamp"]
