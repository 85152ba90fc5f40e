"""condget: HTTP conditional requests (RFC 9110 §13) done right, for any Python web app.

The core imported here is sans-IO and has no dependencies: it turns a
request's conditional header fields and what the server knows about the
resource into a :class:`Decision` (proceed, 304 Not Modified, 412
Precondition Failed), and builds the replies. The adapters live in
``condget.wsgi`` and ``condget.asgi`` and are imported only when asked for;
the response engine they share, for other adapters, in ``condget.engine``,
and the type aliases of the signatures in ``condget.types``.
"""

from __future__ import annotations

from ._dates import format_http_date as format_http_date
from ._dates import parse_http_date as parse_http_date
from ._errors import CondgetError as CondgetError
from ._errors import InvalidValidatorError as InvalidValidatorError
from ._etag import ANY as ANY
from ._etag import ETag as ETag
from ._etag import InvalidETagError as InvalidETagError
from ._etag import parse_etag_list as parse_etag_list
from ._evaluate import evaluate as evaluate
from ._headers import Conditions as Conditions
from ._model import Decision as Decision
from ._model import Outcome as Outcome
from ._model import Precondition as Precondition
from ._model import Validators as Validators
from ._replies import REPRESENTATION_HEADERS as REPRESENTATION_HEADERS
from ._replies import Reply as Reply
from ._replies import not_modified as not_modified
from ._replies import precondition_failed as precondition_failed
from ._replies import precondition_required as precondition_required
from ._replies import range_not_satisfiable as range_not_satisfiable
from ._replies import reply_for as reply_for

__version__ = "0.1.0"

__all__ = [
    "ANY",
    "REPRESENTATION_HEADERS",
    "CondgetError",
    "Conditions",
    "Decision",
    "ETag",
    "InvalidETagError",
    "InvalidValidatorError",
    "Outcome",
    "Precondition",
    "Reply",
    "Validators",
    "__version__",
    "evaluate",
    "format_http_date",
    "not_modified",
    "parse_etag_list",
    "parse_http_date",
    "precondition_failed",
    "precondition_required",
    "range_not_satisfiable",
    "reply_for",
]
