"""condget.starlette: per-route preconditions for Starlette endpoints and FastAPI routes."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse as FastAPIPlainText
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.starlette import conditional, precondition

LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT"
ROUTE_FIELDS = {"Cache-Control": "max-age=60", "Vary": "Accept"}


def page_validators(request: Request) -> Validators | None:
    if request.path_params["name"] == "unknown":
        return None
    return Validators('"v1"', LAST_MODIFIED, headers=ROUTE_FIELDS)


async def async_page_validators(request: Request) -> Validators | None:
    await asyncio.sleep(0)
    return page_validators(request)


VALIDATORS = [
    pytest.param(page_validators, id="sync"),
    pytest.param(async_page_validators, id="async"),
]


def starlette_app(validators: Any, calls: list[str], *, sync_endpoint: bool = False) -> Starlette:
    if sync_endpoint:

        @conditional(validators, require_precondition=True)
        def page(request: Request) -> Response:
            calls.append(request.method)
            return PlainTextResponse("page")

    else:

        @conditional(validators, require_precondition=True)
        async def page(request: Request) -> Response:
            calls.append(request.method)
            return PlainTextResponse("page", headers={"Cache-Control": "no-cache"})

    return Starlette(routes=[Route("/pages/{name}", page, methods=["GET", "HEAD", "PUT"])])


@pytest.mark.parametrize("validators", VALIDATORS)
def test_decorated_endpoint_does_not_run_on_304(validators: Any) -> None:
    calls: list[str] = []
    with TestClient(starlette_app(validators, calls)) as client:
        response = client.get("/pages/a", headers={"If-None-Match": '"v1"'})
    assert calls == []
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"v1"'
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["vary"] == "Accept"
    assert response.headers["last-modified"] == LAST_MODIFIED
    assert "content-length" not in response.headers
    assert "content-type" not in response.headers


@pytest.mark.parametrize("validators", VALIDATORS)
def test_decorated_endpoint_does_not_run_on_412_or_428(validators: Any) -> None:
    calls: list[str] = []
    with TestClient(starlette_app(validators, calls)) as client:
        stale = client.put("/pages/a", headers={"If-Match": '"v0"'}, content=b"new")
        blind = client.put("/pages/a", content=b"new")
        fresh = client.put("/pages/a", headers={"If-Match": '"v1"'}, content=b"new")
    assert calls == ["PUT"]
    assert stale.status_code == 412
    assert stale.headers["content-length"] == str(len(stale.content))
    assert "cache-control" not in stale.headers  # R34: an error is not the representation
    assert blind.status_code == 428
    assert fresh.status_code == 200


@pytest.mark.parametrize("sync_endpoint", [False, True])
def test_decorated_endpoint_runs_and_its_200_gets_the_routes_fields(sync_endpoint: bool) -> None:
    calls: list[str] = []
    app = starlette_app(page_validators, calls, sync_endpoint=sync_endpoint)
    with TestClient(app) as client:
        response = client.get("/pages/a", headers={"If-None-Match": '"v0"'})
        head = client.head("/pages/a")
    assert calls == ["GET", "HEAD"]
    assert response.status_code == 200
    assert response.text == "page"
    assert response.headers["etag"] == '"v1"'
    assert response.headers["last-modified"] == LAST_MODIFIED
    assert response.headers["vary"] == "Accept"
    expected_cache_control = "max-age=60" if sync_endpoint else "no-cache"  # the endpoint's wins
    assert response.headers["cache-control"] == expected_cache_control
    assert head.headers["etag"] == '"v1"'


def test_put_response_is_not_given_the_old_validators() -> None:
    calls: list[str] = []
    with TestClient(starlette_app(page_validators, calls)) as client:
        response = client.put("/pages/a", headers={"If-Match": '"v1"'})
    assert "etag" not in response.headers


def test_validators_none_lets_the_endpoint_run_untouched() -> None:
    calls: list[str] = []
    with TestClient(starlette_app(page_validators, calls)) as client:
        response = client.get("/pages/unknown", headers={"If-None-Match": "*"})
        put = client.put("/pages/unknown")  # require_precondition needs validators to apply
    assert response.status_code == 200
    assert put.status_code == 200
    assert "etag" not in response.headers
    assert calls == ["GET", "PUT"]


def test_decorated_endpoint_keeps_its_name_and_error_responses_are_not_filled() -> None:
    @conditional(lambda request: Validators('"v1"'))
    async def missing(request: Request) -> Response:
        return PlainTextResponse("gone", 404)

    assert missing.__name__ == "missing"
    app = Starlette(routes=[Route("/", missing)])
    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 404
    assert "etag" not in response.headers


def test_decorator_and_middleware_together() -> None:
    """The route's 304 passes the middleware (an app's own 304 is left alone, R28)."""
    calls: list[str] = []
    app = starlette_app(page_validators, calls)
    app.add_middleware(ConditionalMiddleware)
    with TestClient(app) as client:
        assert client.get("/pages/a", headers={"If-None-Match": '"v1"'}).status_code == 304
        assert client.get("/pages/a").headers["etag"] == '"v1"'
    assert calls == ["GET"]


# --- FastAPI dependency --------------------------------------------------------------


# At module level: FastAPI resolves the (string) annotations below in this module's globals.
check = precondition(async_page_validators, require_precondition=True)


def fastapi_app(calls: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/pages/{name}")
    async def read(
        name: str, validators: Annotated[Validators | None, Depends(check)]
    ) -> dict[str, Any]:
        calls.append(f"read {name}")
        return {"name": name, "etag": None if validators is None else str(validators.etag)}

    @app.put("/pages/{name}", dependencies=[Depends(check)])
    async def write(name: str) -> dict[str, str]:
        calls.append(f"write {name}")
        return {"name": name}

    @app.get("/raw/{name}", dependencies=[Depends(precondition(page_validators))])
    async def raw(name: str) -> Response:
        calls.append(f"raw {name}")
        return FastAPIPlainText("raw")

    return app


def test_fastapi_dependency_304_skips_the_endpoint() -> None:
    calls: list[str] = []
    with TestClient(fastapi_app(calls)) as client:
        response = client.get("/pages/a", headers={"If-None-Match": 'W/"v1"'})
    assert calls == []
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"v1"'
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["vary"] == "Accept"
    assert "content-length" not in response.headers


def test_fastapi_dependency_412_and_428_skip_the_endpoint() -> None:
    calls: list[str] = []
    with TestClient(fastapi_app(calls)) as client:
        stale = client.put("/pages/a", headers={"If-Match": '"v0"'})
        blind = client.put("/pages/a")
        fresh = client.put("/pages/a", headers={"If-Match": '"v1"'})
    assert calls == ["write a"]
    assert stale.status_code == 412
    assert stale.json() == {"detail": "Precondition Failed"}
    assert stale.headers["etag"] == '"v1"'  # R34: what to retry against
    assert stale.headers["content-length"] == str(len(stale.content))
    assert blind.status_code == 428
    assert fresh.status_code == 200


def test_fastapi_dependency_gives_validators_and_fills_the_200() -> None:
    calls: list[str] = []
    with TestClient(fastapi_app(calls)) as client:
        response = client.get("/pages/a")
        unknown = client.get("/pages/unknown")
    assert response.json() == {"name": "a", "etag": '"v1"'}
    assert response.headers["etag"] == '"v1"'
    assert response.headers["cache-control"] == "max-age=60"
    assert unknown.json() == {"name": "unknown", "etag": None}
    assert "etag" not in unknown.headers


def test_fastapi_endpoint_returning_its_own_response_is_not_filled() -> None:
    """FastAPI copies the dependency's header fields only onto responses it builds itself."""
    calls: list[str] = []
    with TestClient(fastapi_app(calls)) as client:
        response = client.get("/raw/a")
        not_modified = client.get("/raw/a", headers={"If-None-Match": '"v1"'})
    assert response.text == "raw"
    assert not_modified.status_code == 304
    assert calls == ["raw a"]


def test_fastapi_repeated_fields_are_joined_in_the_exception() -> None:
    app = FastAPI()
    fields = [("Vary", "Accept"), ("Vary", "Origin")]

    @app.get("/", dependencies=[Depends(precondition(lambda r: Validators('"v"', headers=fields)))])
    async def index() -> JSONResponse:
        return JSONResponse({})

    with TestClient(app) as client:
        response = client.get("/", headers={"If-None-Match": '"v"'})
    assert response.status_code == 304
    assert response.headers["vary"] == "Accept, Origin"
