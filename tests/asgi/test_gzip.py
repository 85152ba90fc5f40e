"""condget with Starlette's GZipMiddleware, in both orders.

condget's auto-ETags are weak and hash the identity bytes (AutoETag
decompresses a gzip body), so one tag names one content whatever the
encoding, and a revalidation gets its 304 on either side of the compressor.
The recommended order is condget outermost: its 304 then never passes
through the compressor, and it repeats the ``Vary: Accept-Encoding`` the
200 carried (R33).
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from condget.asgi import ConditionalMiddleware

TEXT = "conditional requests, compressed " * 100


async def page(request: Request) -> Response:
    return PlainTextResponse(TEXT)


def streamed(etag: str | None) -> Any:
    async def endpoint(request: Request) -> Response:
        async def chunks() -> Any:
            for start in range(0, len(TEXT), 500):
                yield TEXT[start : start + 500].encode()

        headers = {"Content-Length": str(len(TEXT))}
        if etag is not None:
            headers["ETag"] = etag
        return StreamingResponse(chunks(), media_type="text/plain", headers=headers)

    return endpoint


def app_in_order(order: str, **gzip_options: Any) -> Starlette:
    condget = Middleware(ConditionalMiddleware)
    compressor = Middleware(GZipMiddleware, **gzip_options)
    # Starlette's middleware list runs outermost first.
    middleware = [condget, compressor] if order == "condget_outside" else [compressor, condget]
    routes = [
        Route("/", page),
        Route("/streamed", streamed(None)),
        Route("/streamed-with-etag", streamed('W/"v1"')),
    ]
    return Starlette(routes=routes, middleware=middleware)


ORDERS = ["condget_outside", "gzip_outside"]
# Streamed and compressed, a body loses its Content-Length (the compressor
# cannot know it), so condget outside the compressor does not hold it back for
# an auto-ETag: it could be an open-ended stream. The app's own tag works.
TAGGED = [
    ("condget_outside", "/"),
    ("condget_outside", "/streamed-with-etag"),
    ("gzip_outside", "/"),
    ("gzip_outside", "/streamed"),
    ("gzip_outside", "/streamed-with-etag"),
]


@pytest.mark.parametrize(("order", "path"), TAGGED)
def test_one_tag_per_content_and_never_a_strong_one(order: str, path: str) -> None:
    """§8.8.1: a strong tag may never label two byte sequences; a weak one names the content."""
    seen: dict[str, set[bytes]] = {}
    with TestClient(app_in_order(order)) as client:
        for encoding in ("gzip", "identity", "gzip", "identity"):
            response = client.get(path, headers={"Accept-Encoding": encoding})
            assert response.text == TEXT
            assert response.headers.get("content-encoding", "identity") == encoding
            seen.setdefault(response.headers["etag"], set()).add(response.content)
    assert len(seen) == 1  # gzip and identity: the same content, the same tag
    tag = next(iter(seen))
    assert tag.startswith('W/"')


@pytest.mark.parametrize(("order", "path"), TAGGED)
def test_revalidation_gets_304_after_compression(order: str, path: str) -> None:
    with TestClient(app_in_order(order)) as client:
        first = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert first.headers["content-encoding"] == "gzip"
        for encoding in ("gzip", "identity"):
            again = client.get(
                path, headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["etag"]}
            )
            assert again.status_code == 304
            assert again.content == b""
            assert again.headers["etag"] == first.headers["etag"]
            # The compressor leaves the empty 304 alone (it is under minimum_size).
            assert "content-encoding" not in again.headers
            assert "content-length" not in again.headers


def test_stream_compressed_inside_condget_is_sent_untagged() -> None:
    with TestClient(app_in_order("condget_outside")) as client:
        response = client.get("/streamed", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert "etag" not in response.headers
    assert response.text == TEXT


def test_304_repeats_vary_accept_encoding_only_with_condget_outside() -> None:
    """R33: a 304 MUST carry the Vary the 200 would carry.

    Outside, condget sees the compressor's ``Vary: Accept-Encoding`` and keeps
    it. Inside, its 304 is built before the compressor adds it, and the
    compressor does not add it to an empty body: the reason for the
    recommended order.
    """
    headers = {"Accept-Encoding": "gzip"}
    for order, has_vary in (("condget_outside", True), ("gzip_outside", False)):
        with TestClient(app_in_order(order)) as client:
            tag = client.get("/", headers=headers).headers["etag"]
            response = client.get("/", headers={**headers, "If-None-Match": tag})
        assert response.status_code == 304
        assert ("accept-encoding" in response.headers.get("vary", "").lower()) is has_vary


def test_compressor_with_minimum_size_0_gzips_a_304_passing_through_it() -> None:
    """Starlette's GZipMiddleware(minimum_size=0) compresses the empty body of a 304.

    That gives a 304 with ``Content-Encoding: gzip`` and a 20-byte body, which
    a server must refuse (RFC 9110 §15.4.5). With condget outside, the 304
    never reaches the compressor.
    """
    for order, bogus in (("gzip_outside", True), ("condget_outside", False)):
        sent: list[dict[str, Any]] = []
        app = app_in_order(order, minimum_size=0)

        async def capture(
            scope: Any, receive: Any, send: Any, app: Any = app, sent: Any = sent
        ) -> None:
            async def record(message: dict[str, Any]) -> None:
                sent.append(message)
                await send(message)

            await app(scope, receive, record)

        with TestClient(capture) as client:
            tag = client.get("/", headers={"Accept-Encoding": "gzip"}).headers["etag"]
            sent.clear()
            response = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert response.status_code == 304
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        assert (body != b"") is bogus
        if bogus:
            assert gzip.decompress(body) == b""


def test_outside_the_compressor_no_range_of_a_compressed_body() -> None:
    """R51: condget sees the Content-Encoding a compressor gives, and sends the full response."""
    client = TestClient(app_in_order("condget_outside", minimum_size=10))
    response = client.get("/", headers={"Range": "bytes=0-9", "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-ranges" not in response.headers
    assert response.text == TEXT


def test_inside_the_compressor_a_206_is_not_compressed() -> None:
    """Starlette's GZipMiddleware (1.5 and later) leaves a 206 alone: its bytes stay exact."""
    client = TestClient(app_in_order("condget_inside", minimum_size=10))
    response = client.get("/", headers={"Range": "bytes=0-9", "Accept-Encoding": "gzip"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert response.headers["content-range"] == f"bytes 0-9/{len(TEXT)}"
    assert response.content == TEXT.encode()[:10]
