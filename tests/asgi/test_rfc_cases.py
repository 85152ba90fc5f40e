"""The shared RFC 9110 case table (tests/rfc_cases.py) through the ASGI middleware.

Both modes: the response side (validators read from the app's response; GET
and HEAD only, R36) with and without auto-ETag, and the pre-dispatch hook
(validators given up front; every method). Each is driven with plain ASGI
messages and again through a framework: Starlette's ``TestClient`` for the
response side, httpx's ``ASGITransport`` for the hook.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from condget import Outcome, format_http_date
from condget.asgi import ConditionalMiddleware
from tests.asgi.support import app_sending, call, response_of
from tests.rfc_cases import Case, case_params

BODY = b"the representation"


def without_body(status: int) -> bool:
    return status in (204, 304)


def case_app(case: Case) -> Any:
    headers = [("Content-Type", "text/plain"), *case.response_headers()]
    empty = without_body(case.status)
    return app_sending(
        case.status, headers, chunks=() if empty else (BODY,), content_length=not empty
    )


def check_result(
    case: Case, method: str, status: int, headers: dict[str, str], body: bytes
) -> None:
    served_status, served_body = case.served(method, BODY)
    assert status == served_status
    if status == 206:
        assert headers["content-range"] == f"bytes 0-9/{len(BODY)}"  # R47
        assert headers["content-length"] == "10"
    if case.outcome is Outcome.NOT_MODIFIED:
        assert body == b""
        # R39: the 304 names the validators the 200 would carry.
        if case.etag is not None:
            assert headers.get("etag") == case.etag
        if case.last_modified is not None:
            assert headers.get("last-modified") == format_http_date(case.last_modified)
        assert "content-type" not in headers
        assert "content-length" not in headers
    elif case.outcome.value is None and method != "HEAD" and not without_body(status):
        assert body == served_body  # proceeds: the app's own response, or its 206


def on_the_wire(case: Case) -> bool:
    """Whether the case's header values can be bytes at all.

    ASGI headers are bytes, decoded latin-1, so a value with a character above
    U+00FF (a case for the core's str interface) cannot reach the middleware.
    """
    try:
        for _, value in case.headers:
            value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


# The response side sees what GET and HEAD return for a resource that exists.
RESPONSE_SIDE = case_params(("GET", "HEAD"), where=lambda case: case.exists and on_the_wire(case))
# The hook describes a 2xx (or 412) resource before the app runs.
PRE_DISPATCH = case_params(
    where=lambda case: (200 <= case.status < 300 or case.status == 412) and on_the_wire(case)
)

# starlette.testclient decodes response header values as UTF-8, so an obs-text
# ETag breaks the client, not the app; those cases run in the other three ways.
TEST_CLIENT = case_params(
    ("GET", "HEAD"),
    where=lambda case: case.exists and on_the_wire(case) and (case.etag or "").isascii(),
)


def raw(case: Case) -> list[tuple[str, bytes]]:
    """The request lines as an HTTP client sends them: bytes, so obs-text goes through."""
    return [(name, value.encode("latin-1")) for name, value in case.headers]


@pytest.mark.parametrize("auto_etag", [True, False], ids=["auto_etag", "no_auto_etag"])
@pytest.mark.parametrize(("case", "method"), RESPONSE_SIDE)
def test_response_side_with_asgi_messages(case: Case, method: str, auto_etag: bool) -> None:
    middleware = ConditionalMiddleware(case_app(case), auto_etag=auto_etag)
    response = response_of(call(middleware, method, case.headers))
    headers = {name.lower(): value for name, value in response.headers}
    check_result(case, method, response.status, headers, response.body)


@pytest.mark.parametrize(("case", "method"), PRE_DISPATCH)
def test_pre_dispatch_with_asgi_messages(case: Case, method: str) -> None:
    app = case_app(case)
    middleware = ConditionalMiddleware(app, validators=lambda scope: case.validators())
    response = response_of(call(middleware, method, case.headers))
    headers = {name.lower(): value for name, value in response.headers}
    check_result(case, method, response.status, headers, response.body)
    # R36: the app runs only when the request proceeds.
    assert app.seen == ([method] if case.outcome.value is None else [])


def starlette_app(case: Case) -> Starlette:
    async def endpoint(request: Request) -> Response:
        if without_body(case.status):
            return Response(None, case.status, dict(case.response_headers()))
        return Response(BODY, case.status, dict(case.response_headers()), "text/plain")

    methods = ["GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS", "TRACE", "CONNECT"]
    return Starlette(routes=[Route("/", endpoint, methods=methods)])


@pytest.mark.parametrize(("case", "method"), TEST_CLIENT)
def test_response_side_through_starlette_test_client(case: Case, method: str) -> None:
    app = starlette_app(case)
    app.add_middleware(ConditionalMiddleware)
    with TestClient(app) as client:
        response = client.request(method, "/", headers=raw(case))
    check_result(case, method, response.status_code, dict(response.headers), response.content)


@pytest.mark.parametrize(("case", "method"), PRE_DISPATCH)
def test_pre_dispatch_through_httpx_asgi_transport(case: Case, method: str) -> None:
    app = starlette_app(case)
    app.add_middleware(ConditionalMiddleware, validators=lambda scope: case.validators())

    async def request() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, "/", headers=raw(case))

    response = asyncio.run(request())
    check_result(case, method, response.status_code, dict(response.headers), response.content)
