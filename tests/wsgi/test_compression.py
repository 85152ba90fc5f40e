"""condget and a compressor, in either order: auto-ETags hash identity bytes, so both revalidate.

``GzipMiddleware`` is a minimal WSGI compressor of the usual kind: it gzips
2xx bodies for clients that accept gzip, with the current time in the gzip
header (so the compressed bytes change from one second to the next, as
Python's ``gzip.compress`` makes them), and adds ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from condget.wsgi import ConditionalMiddleware
from tests.wsgi.support import App, environ, serve, with_length

BODY = (b"<p>compress me</p>" * 50,)
GZIP = [("Accept-Encoding", "gzip")]


class GzipMiddleware:
    def __init__(self, app: Any, mtime: float | None = None) -> None:
        self.app = app
        self.mtime = mtime

    def __call__(self, environ: Any, start_response: Any) -> Any:
        started: list[Any] = []

        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        body = self.app(environ, start)
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        status, headers = started
        headers = [*headers, ("Vary", "Accept-Encoding")]
        if status.startswith("2") and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
            data = gzip.compress(data, mtime=self.mtime)
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
            headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(data)))]
        start_response(status, headers)
        return [data]


def app() -> App:
    return App(headers=with_length([("Content-Type", "text/html")], BODY), chunks=BODY)


@pytest.mark.parametrize("order", ["condget_outside", "condget_inside"])
def test_gzip_and_identity_responses_share_the_auto_etag(order: str) -> None:
    if order == "condget_outside":
        wrapped: Any = ConditionalMiddleware(GzipMiddleware(app(), mtime=1))
        other: Any = ConditionalMiddleware(GzipMiddleware(app(), mtime=2))
    else:
        wrapped = GzipMiddleware(ConditionalMiddleware(app()), mtime=1)
        other = GzipMiddleware(ConditionalMiddleware(app()), mtime=2)
    identity = serve(wrapped, environ("GET"))
    zipped = serve(wrapped, environ("GET", GZIP))
    rezipped = serve(other, environ("GET", GZIP))
    assert zipped.header("Content-Encoding") == "gzip"
    assert zipped.body != rezipped.body  # gzip output differs with its timestamp...
    tag = identity.header("ETag")
    assert tag is not None
    assert zipped.header("ETag") == rezipped.header("ETag") == tag  # ...the content does not
    for headers in ([], GZIP):
        response = serve(other, environ("GET", [*headers, ("If-None-Match", tag)]))
        assert (response.code, response.body) == (304, b"")


def test_outside_the_compressor_the_304_repeats_vary() -> None:
    # R33: a 304 carries the Vary the 200 would; only condget outside sees it.
    middleware = ConditionalMiddleware(GzipMiddleware(app()))
    tag = str(serve(middleware, environ("GET", GZIP)).header("ETag"))
    response = serve(middleware, environ("GET", [*GZIP, ("If-None-Match", tag)]))
    assert response.code == 304
    assert response.header("Vary") == "Accept-Encoding"
    assert response.header("Content-Encoding") is None  # R33: not the 304's
