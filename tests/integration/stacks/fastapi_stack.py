"""FastAPI under uvicorn: ``GZipMiddleware`` inside, condget outside (added after it).

docs/cookbook.md and docs/asgi.md: condget outside the compressor, so its
304 repeats the ``Vary: Accept-Encoding`` GZip puts on the 200, and its
auto-ETag (weak, over the identity bytes) is the same for the gzip and the
identity response.

* ``/report``: a JSON route (no ETag of its own: condget's auto-ETag), long
  enough for GZip to compress;
* ``/notes/{name}``: GET, PUT, DELETE of a :class:`tests.integration.stacks.Notes` note
  (short: under ``minimum_size``, so GZip leaves it and its strong tag alone).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.middleware.gzip import GZipMiddleware

from condget.asgi import ConditionalMiddleware
from tests.integration.stacks import Notes, data_dir, note_fields

GZIP_MINIMUM_SIZE = 200
NOTES = Notes(data_dir())
REPORT = {"rows": [{"id": row, "total": row * 37 % 1000} for row in range(1, 120)]}

app = FastAPI()


@app.api_route("/report", methods=["GET", "HEAD"])  # FastAPI adds no HEAD
def report() -> dict[str, list[dict[str, int]]]:
    return REPORT


@app.api_route("/notes/{name}", methods=["GET", "HEAD"])
def read_note(name: str) -> Response:
    found = NOTES.get(name)
    if found is None:
        return Response(b"no such note\n", 404, media_type="text/plain")
    body, etag = found
    return Response(body, 200, note_fields(name, etag), media_type="application/json")


@app.put("/notes/{name}")
async def put_note(name: str, request: Request) -> Response:
    stored = NOTES.put(name, await request.body())
    if stored is None:
        return Response(b"bad name\n", 400, media_type="text/plain")
    body, etag = stored
    return Response(body, 200, {"ETag": etag}, media_type="application/json")


@app.delete("/notes/{name}")
def delete_note(name: str) -> Response:
    return Response(status_code=204 if NOTES.delete(name) else 404)


app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE)
app.add_middleware(ConditionalMiddleware)  # added last: outermost, outside GZip
