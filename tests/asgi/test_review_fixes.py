"""Regressions found in review: HEAD with Range, and repeated fields from a route's validators."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.starlette import conditional, precondition

REPEATED = [
    ("Set-Cookie", "a=1"),
    ("Set-Cookie", "b=2"),
    ("Vary", "Accept"),
    ("Vary", "Cookie"),
]


async def ranged(scope: dict[str, Any], receive: Any, send: Any) -> None:
    # Serves Range only for GET, as R23 says; HEAD gets the 200's header.
    headers = dict(scope["headers"])
    if scope["method"] == "GET" and b"range" in headers:
        await send(
            {
                "type": "http.response.start",
                "status": 206,
                "headers": [(b"content-range", b"bytes 0-1/10"), (b"content-length", b"2")],
            }
        )
        await send({"type": "http.response.body", "body": b"01"})
        return
    length = [(b"content-length", b"10")]
    await send({"type": "http.response.start", "status": 200, "headers": length})
    await send({"type": "http.response.body", "body": b"0123456789"})


@pytest.mark.anyio
@pytest.mark.parametrize("extra", [{}, {"If-Range": '"x"'}])
async def test_head_with_range_gets_what_the_bare_app_sends(extra: dict[str, str]) -> None:
    # R23, R31: HEAD is answered from a GET for its auto-ETag, but Range must
    # not come along, or a HEAD would get a 206.
    headers = {"Range": "bytes=0-1", **extra}
    answers = []
    for app in (ranged, ConditionalMiddleware(ranged)):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.head("/", headers=headers)
        answers.append((response.status_code, response.headers.get("content-length")))
    assert answers[0] == answers[1] == (200, "10")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _repeated(request: Request) -> Validators:
    return Validators('"v1"', headers=REPEATED)


def _lines(response: httpx.Response, name: str) -> list[str]:
    return response.headers.get_list(name)


def test_starlette_decorator_200_carries_every_repeated_field() -> None:
    @conditional(_repeated)
    async def page(request: Request) -> Response:
        return PlainTextResponse("hello")

    client = TestClient(Starlette(routes=[Route("/", page)]))
    ok = client.get("/")
    revalidated = client.get("/", headers={"If-None-Match": '"v1"'})
    assert revalidated.status_code == 304
    for name in ("set-cookie", "vary"):
        # R33, R40: the 200 a cache stores and the 304 that freshens it agree.
        assert (
            _lines(ok, name)
            == _lines(revalidated, name)
            == [value for field, value in REPEATED if field.lower() == name]
        )


def test_fastapi_dependency_keeps_set_cookie_lines_apart() -> None:
    app = FastAPI()

    @app.get("/item", dependencies=[Depends(precondition(_repeated))])
    async def item() -> dict[str, str]:
        return {"name": "condget"}

    client = TestClient(app)
    ok = client.get("/item")
    revalidated = client.get("/item", headers={"If-None-Match": '"v1"'})
    failed = client.get("/item", headers={"If-Match": '"v0"'})
    assert (revalidated.status_code, failed.status_code) == (304, 412)
    for response in (ok, revalidated, failed):
        # RFC 9110 §5.3: Set-Cookie lines can never be joined into one.
        assert _lines(response, "set-cookie") == ["a=1", "b=2"]
