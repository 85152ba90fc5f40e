"""condget under Litestar: nothing in the middleware is Starlette-specific."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar, Request, get, head, put
from litestar.middleware import DefineMiddleware
from litestar.response import Response
from litestar.testing import TestClient

from condget import Validators
from condget.asgi import ConditionalMiddleware

DOCUMENT = {"version": 1, "text": "first"}


@get("/text", media_type="text/plain", sync_to_thread=False)
def text() -> str:
    return "hello from litestar"


@get("/document", sync_to_thread=False)
def read_document() -> Response[dict[str, Any]]:
    return Response(DOCUMENT, headers={"ETag": f'"{DOCUMENT["version"]}"'})


@head("/document", sync_to_thread=False)
def head_document() -> Response[None]:
    return Response(None, headers={"ETag": f'"{DOCUMENT["version"]}"'})


@put("/document")
async def write_document(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    DOCUMENT["text"] = (await request.body()).decode()
    DOCUMENT["version"] += 1
    return Response(DOCUMENT, headers={"ETag": f'"{DOCUMENT["version"]}"'})


def document_validators(scope: Any) -> Validators | None:
    if scope["path"] != "/document":
        return None
    return Validators(f'"{DOCUMENT["version"]}"', headers={"Cache-Control": "no-cache"})


def litestar_with_condget_middleware() -> Any:
    middleware = DefineMiddleware(ConditionalMiddleware, validators=document_validators)
    return Litestar([text, read_document, head_document, write_document], middleware=[middleware])


def litestar_wrapped() -> Any:
    app = Litestar([text, read_document, head_document, write_document])
    return ConditionalMiddleware(app, validators=document_validators)


APPS = [
    pytest.param(litestar_with_condget_middleware, id="litestar_middleware"),
    pytest.param(litestar_wrapped, id="wrapped_asgi_app"),
]


@pytest.fixture(autouse=True)
def fresh_document() -> None:
    DOCUMENT.update(version=1, text="first")


@pytest.mark.parametrize("make_app", APPS)
def test_auto_etag_and_revalidation(make_app: Any) -> None:
    with TestClient(make_app()) as client:
        first = client.get("/text")
        assert first.text == "hello from litestar"
        tag = first.headers["etag"]
        assert tag.startswith('W/"')
        again = client.get("/text", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("make_app", APPS)
def test_head(make_app: Any) -> None:
    # Litestar routes HEAD to HEAD handlers only, before its middleware runs.
    with TestClient(make_app()) as client:
        plain = client.head("/document")
        revalidated = client.head("/document", headers={"If-None-Match": '"1"'})
    assert plain.status_code == 200
    assert plain.headers["etag"] == '"1"'
    assert plain.content == b""
    assert revalidated.status_code == 304


@pytest.mark.parametrize("make_app", APPS)
def test_optimistic_concurrency_before_the_handler(make_app: Any) -> None:
    with TestClient(make_app()) as client:
        stale = client.put("/document", headers={"If-Match": '"0"'}, content=b"lost")
        fresh = client.put("/document", headers={"If-Match": '"1"'}, content=b"second")
        current = client.get("/document", headers={"If-None-Match": '"2"'})
    assert stale.status_code == 412
    assert fresh.status_code == 200
    assert current.status_code == 304
    assert current.headers["cache-control"] == "no-cache"
    assert DOCUMENT == {"version": 2, "text": "second"}


@pytest.mark.anyio
@pytest.mark.parametrize("make_app", APPS)
async def test_through_httpx_asgi_transport(make_app: Any) -> None:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = await client.get("/document")
        again = await client.get("/document", headers={"If-None-Match": first.headers["etag"]})
    assert first.json() == DOCUMENT
    assert again.status_code == 304


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
