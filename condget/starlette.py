"""Starlette and FastAPI: preconditions per route, checked before the endpoint runs.

:func:`conditional` decorates a Starlette endpoint; :func:`precondition` is
the same check as a FastAPI dependency. Either way, a function of the
request gives the route's :class:`condget.Validators`, the core decides
(:func:`condget.evaluate`, :func:`condget.reply_for`), and on a 304, 412 or
428 the endpoint never runs (RFC 9110 §13.2.1, R36). The 304 carries the
validators' ``headers`` (``Cache-Control``, ``Vary``...), as §15.4.5 asks.

This is the only condget module that imports Starlette.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeAlias, cast

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from condget import Conditions, Reply, Validators
from condget.engine import HIDDEN_CONDITIONS, check_before, fill_for

__all__ = ["conditional", "precondition"]

RouteValidators: TypeAlias = Callable[[Request], "Validators | Awaitable[Validators | None] | None"]
"""The validators of a route's target: a function, plain or ``async``, of the request.

It returns ``None`` when it does not know them (the endpoint then runs as
if undecorated). A plain function runs on the event loop, so it should not
block; make it ``async`` if it does I/O.
"""
Endpoint: TypeAlias = Callable[[Request], "Response | Awaitable[Response]"]


def conditional(
    validators: RouteValidators, *, require_precondition: bool = False
) -> Callable[[Endpoint], Callable[[Request], Awaitable[Response]]]:
    """Decorate a Starlette endpoint so that its preconditions are checked first.

    Example:
        >>> from condget import Validators
        >>> from starlette.responses import PlainTextResponse
        >>> def page_validators(request):
        ...     return Validators('"v1"', headers={"Cache-Control": "max-age=60"})
        >>> @conditional(page_validators)
        ... async def page(request):
        ...     return PlainTextResponse("hello")

    On a 304, 412 or 428 the endpoint does not run, and condget's reply is
    returned instead. When it runs, a 2xx response to GET or HEAD gets the
    validators' fields it lacks (``ETag``, ``Last-Modified``,
    ``Validators.headers``), so the 200 advertises what later requests are
    checked against. A plain (``def``) endpoint runs in the thread pool, as
    Starlette would run it.

    Args:
        validators: The route's validators, from the request (see
            :data:`RouteValidators`).
        require_precondition: Answer 428 Precondition Required to a
            state-changing request with no ``If-Match``,
            ``If-Unmodified-Since`` or ``If-None-Match: *`` (RFC 6585 §3).
    """

    def decorate(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        is_async = inspect.iscoroutinefunction(endpoint)

        @functools.wraps(endpoint)
        async def checked(request: Request) -> Response:
            found = await _validators_for(validators, request)
            reply = _reply(request, found, require_precondition)
            if reply is not None:
                response = Response(reply.body, reply.status)
                response.raw_headers = [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in reply.headers
                ]
                return response
            if is_async:
                response = await cast("Awaitable[Response]", endpoint(request))
            else:
                plain = cast("Callable[[Request], Response]", endpoint)
                response = await run_in_threadpool(plain, request)
            if found is not None:
                _fill(request, response, found)
            return response

        return checked

    return decorate


def precondition(
    validators: RouteValidators, *, require_precondition: bool = False
) -> Callable[[Request, Response], Awaitable[Validators | None]]:
    """A FastAPI dependency that checks the route's preconditions before the endpoint.

    Example:
        >>> from fastapi import Depends, FastAPI
        >>> app = FastAPI()
        >>> def item_validators(request):
        ...     return Validators('"v1"', headers={"Cache-Control": "no-cache"})
        >>> @app.get("/item", dependencies=[Depends(precondition(item_validators))])
        ... async def item():
        ...     return {"name": "condget"}

    On a 304, 412 or 428 it raises :class:`starlette.exceptions.HTTPException`
    with the reply's status and header fields, so the endpoint does not run
    and the application's HTTP-exception handler answers: FastAPI's sends
    the 304 without a body and the 412 or 428 with its JSON error body. The
    reply's ``Content-Type`` and ``Content-Length`` describe condget's own
    text body, so they are left to the handler; the headers are a Starlette
    ``Headers``, which keeps repeated lines such as ``Set-Cookie``. Otherwise the
    dependency returns the validators (use it as a parameter,
    ``Depends(...)``, to get them) and, for GET and HEAD, sets the fields
    the response would lack (``ETag``, ``Last-Modified``,
    ``Validators.headers``) on FastAPI's ``Response`` parameter, which
    FastAPI copies onto the endpoint's response unless the endpoint returns
    a ``Response`` of its own.

    Args:
        validators: The route's validators, from the request (see
            :data:`RouteValidators`).
        require_precondition: Answer 428 Precondition Required to a
            state-changing request with no ``If-Match``,
            ``If-Unmodified-Since`` or ``If-None-Match: *`` (RFC 6585 §3).
    """

    async def check_preconditions(request: Request, response: Response) -> Validators | None:
        found = await _validators_for(validators, request)
        reply = _reply(request, found, require_precondition)
        if reply is not None:
            # Starlette's Headers is the Mapping HTTPException asks for, and
            # its items() keeps every line: Set-Cookie must never be joined
            # (RFC 9110 §5.3), and the handler builds the response from items().
            headers = Headers(
                raw=[
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in reply.headers
                    if name.lower() not in ("content-type", "content-length")
                ]
            )
            raise HTTPException(reply.status, reply.reason, headers)
        if found is not None:
            _fill(request, response, found)
        return found

    return check_preconditions


async def _validators_for(validators: RouteValidators, request: Request) -> Validators | None:
    found = validators(request)
    if inspect.isawaitable(found):
        found = await found
    return found


def _reply(request: Request, found: Validators | None, require_precondition: bool) -> Reply | None:
    if found is None:
        return None
    # Behind condget's middleware, the fields it hid from the application.
    conditions: Conditions | None = request.scope.get(HIDDEN_CONDITIONS)
    return check_before(
        request.method,
        Conditions.from_headers(request.headers) if conditions is None else conditions,
        found,
        require_precondition=require_precondition,
    )


def _fill(request: Request, response: Response, found: Validators) -> None:
    headers = response.headers
    for name, value in fill_for(request.method, response.status_code, headers.keys(), found):
        headers.append(name, value)
