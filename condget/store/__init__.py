"""A shared validator store: 304s for a whole fleet without running the view.

A store remembers, per normalised request target, the validators (ETag,
Last-Modified) of the last 2xx GET response, so that any worker on any host
can answer a conditional request before the application runs, and forgets
them the moment a write succeeds. Three backends share one protocol:
:class:`MemoryStore` (one process), :class:`SQLiteStore` (the processes of
one host, no server) and :class:`RedisStore` (every host; ``pip install
'condget[redis]'``).

Give a store to either middleware as ``store=`` (``store_key=`` for a key
function of your own): :func:`visit` and :class:`Visit` are the flow they
run around each request, the same for WSGI and ASGI.

Importing this package imports no backend library; redis-py is imported
when a :class:`RedisStore` is created.
"""

from __future__ import annotations

from ._base import DEFAULT_TIMEOUT_MS as DEFAULT_TIMEOUT_MS
from ._base import DEFAULT_TTL as DEFAULT_TTL
from ._base import GENERATION_TTL as GENERATION_TTL
from ._base import MAX_TTL as MAX_TTL
from ._base import PENDING_LIMIT as PENDING_LIMIT
from ._base import BaseStore as BaseStore
from ._base import Lookup as Lookup
from ._base import StoredValidators as StoredValidators
from ._base import ValidatorStore as ValidatorStore
from ._errors import StoreUnavailableError as StoreUnavailableError
from ._flow import Found as Found
from ._flow import lookup as lookup
from ._flow import record as record
from ._keys import MAX_PREFIX_DEPTH as MAX_PREFIX_DEPTH
from ._keys import MAX_TARGET_LENGTH as MAX_TARGET_LENGTH
from ._keys import HeaderLookup as HeaderLookup
from ._keys import Headers as Headers
from ._keys import KeyFunction as KeyFunction
from ._keys import KeyRequest as KeyRequest
from ._keys import RequestKey as RequestKey
from ._keys import StoreKey as StoreKey
from ._keys import default_key as default_key
from ._keys import encode_path as encode_path
from ._keys import invalidation_paths as invalidation_paths
from ._keys import normalize_host as normalize_host
from ._keys import parse_vary as parse_vary
from ._keys import path_key as path_key
from ._keys import path_prefixes as path_prefixes
from ._keys import reference_path_key as reference_path_key
from ._keys import request_key as request_key
from ._keys import response_vary as response_vary
from ._keys import round_prefix as round_prefix
from ._keys import storable as storable
from ._keys import vary_fields as vary_fields
from ._memory import MemoryStore as MemoryStore
from ._redis import RedisStore as RedisStore
from ._sqlite import SQLiteStore as SQLiteStore
from ._visit import Visit as Visit
from ._visit import visit as visit

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "DEFAULT_TTL",
    "GENERATION_TTL",
    "MAX_PREFIX_DEPTH",
    "MAX_TARGET_LENGTH",
    "MAX_TTL",
    "PENDING_LIMIT",
    "BaseStore",
    "Found",
    "HeaderLookup",
    "Headers",
    "KeyFunction",
    "KeyRequest",
    "Lookup",
    "MemoryStore",
    "RedisStore",
    "RequestKey",
    "SQLiteStore",
    "StoreKey",
    "StoreUnavailableError",
    "StoredValidators",
    "ValidatorStore",
    "Visit",
    "default_key",
    "encode_path",
    "invalidation_paths",
    "lookup",
    "normalize_host",
    "parse_vary",
    "path_key",
    "path_prefixes",
    "record",
    "reference_path_key",
    "request_key",
    "response_vary",
    "round_prefix",
    "storable",
    "vary_fields",
    "visit",
]
