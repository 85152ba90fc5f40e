"""A Starlette app with condget: auto-ETags, app ETags, a per-route check, compression.

Run: uvicorn examples.starlette_app:app    (from the repository root)

Then try:
    curl -i localhost:8000/hello
    curl -i localhost:8000/hello -H 'If-None-Match: <that ETag>'        # 304
    curl -I localhost:8000/articles/1                                   # HEAD
    curl -i localhost:8000/articles/1 -H 'If-None-Match: "article-1-v3"'
                                                    # 304, the endpoint does not run
    curl -s localhost:8000/big | wc -c              # 10 MiB, streamed
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.starlette import conditional

ARTICLES = {
    "1": {
        "title": "Conditional requests",
        "version": 3,
        "changed": datetime(2026, 1, 2, tzinfo=UTC),
    },
    "2": {"title": "Entity tags", "version": 1, "changed": datetime(2026, 3, 4, tzinfo=UTC)},
}
BIG_CHUNK = b"0123456789abcdef" * 4096  # 64 KiB
BIG_CHUNKS = 160  # 10 MiB in all


async def hello(request: Request) -> Response:
    # No ETag here: the middleware hashes the body and adds a weak one.
    return PlainTextResponse("Hello, conditional world!\n" * 40)


def article_validators(request: Request) -> Validators | None:
    article = ARTICLES.get(request.path_params["article_id"])
    if article is None:
        return None  # unknown: the endpoint runs and answers 404
    return Validators(
        f'"article-{request.path_params["article_id"]}-v{article["version"]}"',
        article["changed"],
        headers={"Cache-Control": "max-age=60", "Vary": "Accept-Encoding"},
    )


@conditional(article_validators)
async def article(request: Request) -> Response:
    # Runs only when the client's copy is stale: on a 304 or 412 it never does.
    found = ARTICLES.get(request.path_params["article_id"])
    if found is None:
        return JSONResponse({"error": "no such article"}, status_code=404)
    return JSONResponse({"title": found["title"], "version": found["version"]})


async def big(request: Request) -> Response:
    # 10 MiB, streamed: above max_buffer, so it goes out as it is produced, untagged.
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(BIG_CHUNKS):
            yield BIG_CHUNK

    length = str(len(BIG_CHUNK) * BIG_CHUNKS)
    return StreamingResponse(
        chunks(), media_type="application/octet-stream", headers={"Content-Length": length}
    )


routes = [
    Route("/hello", hello),
    Route("/articles/{article_id}", article),
    Route("/big", big),
]

# The first middleware in the list is the outermost: condget goes outside the
# compressor, so its 304s never pass through it (docs/asgi.md, "Compression").
app = Starlette(
    routes=routes,
    middleware=[Middleware(ConditionalMiddleware), Middleware(GZipMiddleware)],
)
