"""The response engine and its building blocks, for adapters and framework integrations.

Most users never import this module: the middlewares in :mod:`condget.wsgi`
and :mod:`condget.asgi` and the helpers in :mod:`condget.flask` and
:mod:`condget.starlette` are built on it. It is public so that an adapter for
another protocol or framework can reuse exactly the same rules:
:class:`Exchange` for the response side, :func:`check_before` and
:func:`fill_for` for validators known before the handler runs, the
:data:`Settled` hook through which a validator store records and
invalidates, and :class:`AutoETag` / :class:`ETagHasher` for computed tags.
"""

from __future__ import annotations

from ._autoetag import AutoETag as AutoETag
from ._engine import CHECK_WRITE as CHECK_WRITE
from ._engine import CHUNK_COST as CHUNK_COST
from ._engine import DROP as DROP
from ._engine import FETCH_GET as FETCH_GET
from ._engine import FETCH_GET_DROPPED as FETCH_GET_DROPPED
from ._engine import FORWARD as FORWARD
from ._engine import HIDDEN_CONDITIONS as HIDDEN_CONDITIONS
from ._engine import HOLD as HOLD
from ._engine import IGNORE as IGNORE
from ._engine import WRITE_CHECK_DROPPED as WRITE_CHECK_DROPPED
from ._engine import Emit as Emit
from ._engine import EngineError as EngineError
from ._engine import Exchange as Exchange
from ._engine import Handling as Handling
from ._engine import MiddlewareOptions as MiddlewareOptions
from ._engine import Partial as Partial
from ._engine import PartialFile as PartialFile
from ._engine import Release as Release
from ._engine import Settled as Settled
from ._engine import Step as Step
from ._engine import StoreCheck as StoreCheck
from ._engine import answer_before as answer_before
from ._engine import check_before as check_before
from ._engine import check_options as check_options
from ._engine import check_write as check_write
from ._engine import exchange_for as exchange_for
from ._engine import fill_for as fill_for
from ._engine import handling_for as handling_for
from ._engine import hidden_from_app as hidden_from_app
from ._engine import judges_write as judges_write
from ._engine import plain_request as plain_request
from ._engine import plain_start as plain_start
from ._engine import seeks_ranges as seeks_ranges
from ._engine import write_needs_check as write_needs_check
from ._etag import ETagHasher as ETagHasher
from ._headers import ResponseFields as ResponseFields
from ._headers import scan_response as scan_response
from ._replies import ERROR_DROPPED as ERROR_DROPPED
from ._replies import ERROR_KEPT as ERROR_KEPT

__all__ = [
    "CHECK_WRITE",
    "CHUNK_COST",
    "DROP",
    "ERROR_DROPPED",
    "ERROR_KEPT",
    "FETCH_GET",
    "FETCH_GET_DROPPED",
    "FORWARD",
    "HIDDEN_CONDITIONS",
    "HOLD",
    "IGNORE",
    "WRITE_CHECK_DROPPED",
    "AutoETag",
    "ETagHasher",
    "Emit",
    "EngineError",
    "Exchange",
    "Handling",
    "MiddlewareOptions",
    "Partial",
    "PartialFile",
    "Release",
    "ResponseFields",
    "Settled",
    "Step",
    "StoreCheck",
    "answer_before",
    "check_before",
    "check_options",
    "check_write",
    "exchange_for",
    "fill_for",
    "handling_for",
    "hidden_from_app",
    "judges_write",
    "plain_request",
    "plain_start",
    "scan_response",
    "seeks_ranges",
    "write_needs_check",
]
