"""Flask: a view decorator that answers conditional requests before the view runs.

The Flask counterpart of Django's ``@condition``: a function of the view's
own arguments returns the resource's :class:`condget.Validators`, and the
core decides, before the view runs, whether the request gets a 304, a 412 or
a 428 instead. The view never runs for those, so a PUT with a stale
``If-Match`` changes nothing (R36) and a revalidated GET costs only the
validators. This module imports Flask; the rest of condget does not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec
from wsgiref.types import WSGIEnvironment

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import Headers

from condget import Reply, Validators
from condget.engine import check_before, fill_for
from condget.wsgi import conditions_from_environ

__all__ = ["conditional"]

P = ParamSpec("P")

View = Callable[P, ResponseReturnValue]


def conditional(
    validators: Callable[P, Validators | None], *, require_precondition: bool = False
) -> Callable[[View[P]], View[P]]:
    """Evaluate the request's preconditions before the decorated view runs.

    Put it below ``@app.route``. ``validators`` is called with the view's
    arguments (the URL variables) and returns the current
    :class:`condget.Validators` of the resource, or ``None`` to run the view
    with no conditional handling (for example, to let it answer 404).

    * A 304, 412 or 428 decided by :func:`condget.evaluate` is sent without
      running the view, built by :func:`condget.reply_for` from
      :meth:`condget.Validators.response_headers`: give the fields a 304
      must repeat (``Cache-Control``, ``Vary``, ...) as
      ``Validators(headers=...)`` (R33).
    * Otherwise the view runs. For GET and HEAD, a 2xx response gets the
      fields of ``Validators.response_headers()`` that it does not already
      have (``ETag``, ``Last-Modified``, ``headers``), so the 200 advertises
      exactly what later requests are checked against. The view's own
      fields always win.

    Example:
        >>> from flask import Flask
        >>> from condget import Validators
        >>> from condget.flask import conditional
        >>> app = Flask(__name__)
        >>> VERSIONS = {1: 3}
        >>> @app.route("/items/<int:item_id>", methods=["GET", "PUT"])
        ... @conditional(lambda item_id: Validators(f'"{VERSIONS[item_id]}"'))
        ... def item(item_id: int) -> str:
        ...     return "the item"
        >>> app.test_client().get("/items/1", headers={"If-None-Match": '"3"'}).status_code
        304

    Args:
        validators: Called with the view's arguments; returns the
            resource's validators or ``None``.
        require_precondition: Answer 428 Precondition Required (RFC 6585
            §3) to a state-changing request without ``If-Match``,
            ``If-Unmodified-Since`` or ``If-None-Match: *``: the defence
            of an API against blind overwrites (lost updates).

    Returns:
        The decorator. The view may be ``async`` (Flask's ``ensure_sync``
        runs it).
    """

    def decorate(view: View[P]) -> View[P]:
        @functools.wraps(view)
        def conditional_view(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            found = validators(*args, **kwargs)
            run_view = current_app.ensure_sync(view)
            if found is None:
                result: ResponseReturnValue = run_view(*args, **kwargs)
                return result
            method = request.method
            reply = check_before(
                method,
                conditions_from_environ(request.environ),
                found,
                require_precondition=require_precondition,
            )
            if reply is not None:
                return _ReplyResponse(reply)
            result = run_view(*args, **kwargs)
            if method != "GET" and method != "HEAD":
                return result  # only a GET or HEAD response is filled (fill_for)
            response = current_app.make_response(result)
            for name, value in fill_for(
                method, response.status_code, response.headers.keys(), found
            ):
                response.headers.add(name, value)
            return response

        return conditional_view

    return decorate


class _ReplyResponse(Response):
    """condget's 304, 412 or 428, sent with exactly the header fields the core chose.

    werkzeug drops ``Expires``, ``Content-Location`` and ``Last-Modified``
    from every 304 it sends (its "entity headers"), but RFC 9110 §15.4.5 says
    a 304 must repeat the first two, and caches use the third (R33, R39).
    """

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body, reply.status)
        # Replace, not merge: werkzeug would add a default Content-Type,
        # which a 304 must not carry (R33).
        self.headers = Headers(reply.headers)

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """The fields as built, plus any an ``after_request`` handler added."""
        return self.headers
