"""Preconditions come after authentication (RFC 9110 §13.2.1, R28): no 304 or 412 for strangers.

A 304 or a 412 tells the client something about the resource: that it
exists, and (through ETag and Last-Modified, which both replies carry) its
current validators. §13.2.1 puts precondition evaluation after
authentication and authorization for that reason. condget evaluates where it
is put, so these tests pin down the placements that are safe, in each of the
ways condget can run before the application (docs/security.md):

* Flask's ``@conditional`` and Starlette's ``@conditional`` / FastAPI's
  ``precondition`` dependency, under the framework's own authentication;
* the middlewares' pre-dispatch ``validators`` hook, which must sit *inside*
  the authentication middleware (the wrong order is shown too, as the hazard
  the docs warn about);
* the response side (no hook), which is safe in any order: a 401 or 403 is
  not 2xx, so it goes through untouched.

Each unauthenticated request carries conditional fields that *would* match,
so any leak would show as a 304 or 412.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from flask import Flask, abort
from flask import request as flask_request
from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
    requires,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from condget import Validators
from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.flask import conditional as flask_conditional
from condget.starlette import conditional as starlette_conditional
from condget.starlette import precondition
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.hardening.support import asgi_scope, asgi_serve, wsgi_environ, wsgi_serve

ETAG = '"secret-v7"'
LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT"
ALICE = {"Authorization": "Bearer alice"}  # may read and write
BOB = {"Authorization": "Bearer bob"}  # authenticated, not allowed

# Conditional fields that would give 304 (GET) or 412 (GET, PUT) if evaluated.
WOULD_ANSWER = [
    pytest.param("GET", {"If-None-Match": ETAG}, 304, id="get_if_none_match"),
    pytest.param("GET", {"If-Modified-Since": LAST_MODIFIED}, 304, id="get_if_modified_since"),
    pytest.param("GET", {"If-Match": '"stale"'}, 412, id="get_if_match_stale"),
    pytest.param("PUT", {"If-Match": '"stale"'}, 412, id="put_if_match_stale"),
    pytest.param("PUT", {"If-None-Match": "*"}, 412, id="put_if_none_match_star"),
]


class Lookups:
    """Counts how often the resource's validators were looked up."""

    def __init__(self) -> None:
        self.count = 0

    def validators(self, *args: Any) -> Validators:
        self.count += 1
        return Validators(ETAG, LAST_MODIFIED, headers=[("Cache-Control", "private")])


def assert_no_leak(status: int, headers: Iterable[tuple[str, str]], expected: int) -> None:
    assert status == expected
    names = {name.lower() for name, _ in headers}
    assert "etag" not in names
    assert "last-modified" not in names


# --- Flask: @conditional under Flask's authentication ------------------------------------


def flask_app(lookups: Lookups, *, auth: str) -> Flask:
    app = Flask(__name__)

    def user() -> str | None:
        token = flask_request.headers.get("Authorization", "")
        return token.removeprefix("Bearer ") or None

    if auth == "before_request":

        @app.before_request
        def authenticate() -> None:
            if user() is None:
                abort(401)
            if user() != "alice":
                abort(403)

    def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
        def checked(*args: Any, **kwargs: Any) -> Any:
            if user() is None:
                abort(401)
            if user() != "alice":
                abort(403)
            return view(*args, **kwargs)

        return checked

    def document() -> str:
        return "the document"

    view: Callable[..., Any] = flask_conditional(lookups.validators)(document)
    if auth == "decorator_outside":
        view = login_required(view)  # @login_required above @conditional: right
    elif auth == "decorator_inside":
        view = flask_conditional(lookups.validators)(login_required(document))  # wrong
    app.add_url_rule("/doc", "doc", view, methods=["GET", "PUT"])
    return app


@pytest.mark.parametrize(("method", "fields", "answer"), WOULD_ANSWER)
@pytest.mark.parametrize("auth", ["before_request", "decorator_outside"])
@pytest.mark.parametrize(("who", "expected"), [(None, 401), (BOB, 403)], ids=["anonymous", "bob"])
def test_flask_conditional_runs_after_authentication(
    auth: str,
    who: dict[str, str] | None,
    expected: int,
    method: str,
    fields: dict[str, str],
    answer: int,
) -> None:
    lookups = Lookups()
    client = flask_app(lookups, auth=auth).test_client()
    response = client.open("/doc", method=method, headers={**fields, **(who or {})})
    assert_no_leak(response.status_code, response.headers.items(), expected)
    assert lookups.count == 0  # the resource was not even looked up
    # The same request from Alice is answered by the precondition.
    allowed = client.open("/doc", method=method, headers={**fields, **ALICE})
    assert allowed.status_code == answer


def test_flask_conditional_above_the_auth_decorator_leaks() -> None:
    # The hazard docs/security.md warns about: @conditional outside (above)
    # the authentication decorator evaluates first and answers a stranger.
    lookups = Lookups()
    client = flask_app(lookups, auth="decorator_inside").test_client()
    response = client.get("/doc", headers={"If-None-Match": ETAG})
    assert response.status_code == 304
    assert response.headers["ETag"] == ETAG


# --- Starlette and FastAPI ---------------------------------------------------------------


class BearerBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        token = conn.headers.get("authorization", "").removeprefix("Bearer ")
        if not token:
            return None
        return AuthCredentials(["authenticated", *(["docs"] if token == "alice" else [])]), (
            SimpleUser(token)
        )


def starlette_app(lookups: Lookups) -> Starlette:
    @requires(["authenticated", "docs"])  # outside: checked before the preconditions
    @starlette_conditional(lookups.validators)
    async def document(request: Request) -> Response:
        return PlainTextResponse("the document")

    return Starlette(
        routes=[Route("/doc", document, methods=["GET", "PUT"])],
        middleware=[Middleware(AuthenticationMiddleware, backend=BearerBackend())],
    )


@pytest.mark.parametrize(("method", "fields", "answer"), WOULD_ANSWER)
@pytest.mark.parametrize("who", [None, BOB], ids=["anonymous", "bob"])
def test_starlette_conditional_runs_after_authentication(
    who: dict[str, str] | None, method: str, fields: dict[str, str], answer: int
) -> None:
    lookups = Lookups()
    with TestClient(starlette_app(lookups)) as client:
        response = client.request(method, "/doc", headers={**fields, **(who or {})})
        # Starlette's @requires answers 403 to both (it has no 401 of its own).
        assert_no_leak(response.status_code, response.headers.items(), 403)
        assert lookups.count == 0
        allowed = client.request(method, "/doc", headers={**fields, **ALICE})
        assert allowed.status_code == answer


def fastapi_app(lookups: Lookups, *, router_level: bool) -> FastAPI:
    def authenticate(request: Request) -> str:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not token:
            raise HTTPException(401, headers={"WWW-Authenticate": "Bearer"})
        if token != "alice":
            raise HTTPException(403)
        return token

    check = Depends(precondition(lookups.validators))
    if router_level:
        app = FastAPI(dependencies=[Depends(authenticate)])
        dependencies = [check]
    else:
        app = FastAPI()
        dependencies = [Depends(authenticate), check]  # resolved in this order

    @app.api_route("/doc", methods=["GET", "PUT"], dependencies=dependencies)
    async def document() -> dict[str, str]:
        return {"doc": "the document"}

    return app


@pytest.mark.parametrize(("method", "fields", "answer"), WOULD_ANSWER)
@pytest.mark.parametrize("router_level", [False, True], ids=["route_dependency", "app_dependency"])
@pytest.mark.parametrize(("who", "expected"), [(None, 401), (BOB, 403)], ids=["anonymous", "bob"])
def test_fastapi_precondition_runs_after_authentication(
    router_level: bool,
    who: dict[str, str] | None,
    expected: int,
    method: str,
    fields: dict[str, str],
    answer: int,
) -> None:
    lookups = Lookups()
    with TestClient(fastapi_app(lookups, router_level=router_level)) as client:
        response = client.request(method, "/doc", headers={**fields, **(who or {})})
        assert_no_leak(response.status_code, response.headers.items(), expected)
        assert lookups.count == 0
        allowed = client.request(method, "/doc", headers={**fields, **ALICE})
        assert allowed.status_code == answer


# --- The middlewares' pre-dispatch hook, inside or outside an auth middleware -----------


def wsgi_document(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "12")])
    return [b"the document"]


def wsgi_auth(app: Any) -> Any:
    """An authentication middleware: 401 without a bearer token, 403 for anyone but alice."""

    def gate(environ: dict[str, Any], start_response: Any) -> Any:
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        if token != "alice":
            status = "401 Unauthorized" if not token else "403 Forbidden"
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "6")])
            return [b"denied"]
        return app(environ, start_response)

    return gate


def asgi_document() -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"12")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"the document"})

    return app


def asgi_auth(app: Any) -> Any:
    async def gate(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)  # lifespan, websocket
            return
        token = dict(scope["headers"]).get(b"authorization", b"").removeprefix(b"Bearer ")
        if token != b"alice":
            headers = [(b"content-type", b"text/plain"), (b"content-length", b"6")]
            status = 401 if not token else 403
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b"denied"})
            return
        await app(scope, receive, send)

    return gate


def serve(adapter: str, stack: Any, method: str, fields: dict[str, str]) -> tuple[int, Any]:
    if adapter == "wsgi":
        sent = wsgi_serve(stack, wsgi_environ(method, fields.items()))
        assert sent.status is not None
        assert sent.headers is not None
        return int(sent.status[:3]), sent.headers
    exchange = asgi_serve(stack, asgi_scope(method, fields.items()))
    start = exchange.starts[0]
    return start["status"], [(n.decode(), v.decode()) for n, v in start["headers"]]


def hooked(adapter: str, lookups: Lookups) -> Any:
    if adapter == "wsgi":
        return WSGIMiddleware(wsgi_document, validators=lookups.validators)
    return ASGIMiddleware(asgi_document(), validators=lookups.validators)


def auth(adapter: str, app: Any) -> Any:
    return wsgi_auth(app) if adapter == "wsgi" else asgi_auth(app)


@pytest.mark.parametrize(("method", "fields", "answer"), WOULD_ANSWER)
@pytest.mark.parametrize(("who", "expected"), [(None, 401), (BOB, 403)], ids=["anonymous", "bob"])
@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
def test_hook_inside_the_auth_middleware_answers_strangers_401_403(
    adapter: str,
    who: dict[str, str] | None,
    expected: int,
    method: str,
    fields: dict[str, str],
    answer: int,
) -> None:
    lookups = Lookups()
    stack = auth(adapter, hooked(adapter, lookups))  # auth outermost: right
    status, headers = serve(adapter, stack, method, {**fields, **(who or {})})
    assert_no_leak(status, headers, expected)
    assert lookups.count == 0
    assert serve(adapter, stack, method, {**fields, **ALICE})[0] == answer


def test_starlette_middleware_list_puts_auth_outside() -> None:
    # In Starlette's middleware list the first entry is the outermost: list
    # authentication before condget.
    lookups = Lookups()

    class AuthGate:
        def __init__(self, app: Any) -> None:
            self.app = asgi_auth(app)

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    async def document(request: Request) -> Response:
        return PlainTextResponse("the document")

    app = Starlette(
        routes=[Route("/doc", document)],
        middleware=[
            Middleware(AuthGate),
            Middleware(ASGIMiddleware, validators=lookups.validators),
        ],
    )
    with TestClient(app) as client:
        response = client.get("/doc", headers={"If-None-Match": ETAG})
        assert_no_leak(response.status_code, response.headers.items(), 401)
        assert client.get("/doc", headers={"If-None-Match": ETAG, **ALICE}).status_code == 304
    assert lookups.count == 1


@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
def test_hook_outside_the_auth_middleware_leaks(adapter: str) -> None:
    # The hazard docs/security.md warns about: the hook runs before the
    # authentication middleware and answers a stranger with the validators.
    lookups = Lookups()
    stack = (
        WSGIMiddleware(wsgi_auth(wsgi_document), validators=lookups.validators)
        if adapter == "wsgi"
        else ASGIMiddleware(asgi_auth(asgi_document()), validators=lookups.validators)
    )
    status, headers = serve(adapter, stack, "GET", {"If-None-Match": ETAG})
    assert status == 304
    assert ("ETag", ETAG) in headers or ("etag", ETAG) in headers


@pytest.mark.parametrize(("method", "fields", "answer"), WOULD_ANSWER)
@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
def test_response_side_is_safe_in_any_order(
    adapter: str, method: str, fields: dict[str, str], answer: int
) -> None:
    # Without a hook condget only turns a 2xx into a 304/412 (R28): the auth
    # middleware's 401 goes through untouched even with condget outermost.
    def tagged_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        headers = [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED), ("Content-Length", "12")]
        start_response("200 OK", headers)
        return [b"the document"]

    async def tagged_asgi(scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"etag", ETAG.encode()),
            (b"last-modified", LAST_MODIFIED.encode()),
            (b"content-length", b"12"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"the document"})

    stack = (
        WSGIMiddleware(wsgi_auth(tagged_wsgi))
        if adapter == "wsgi"
        else ASGIMiddleware(asgi_auth(tagged_asgi))
    )
    status, headers = serve(adapter, stack, method, fields)
    assert_no_leak(status, headers, 401)
    if method == "GET":
        # Alice's GET is answered on the response side (R36: never PUT).
        assert serve(adapter, stack, method, {**fields, **ALICE})[0] == answer
