"""Starlette under uvicorn: ``StaticFiles``, ``FileResponse`` routes and a note resource.

Wrapped with ``app.add_middleware(ConditionalMiddleware)`` (docs/asgi.md).
Starlette's ``StaticFiles`` answers ``If-None-Match`` with its own 304, and
its ``FileResponse`` serves ``Range``; condget hides both from them.

* ``/static/report.csv``: ``StaticFiles`` (stat-based ``ETag`` and ``Last-Modified``);
* ``/file``: a ``FileResponse``;
* ``/download``: a ``FileResponse`` with ``filename=``, so ``Content-Disposition``;
* ``/notes/{name}``: GET, PUT, DELETE of a :class:`tests.integration.stacks.Notes` note.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from condget.asgi import ConditionalMiddleware
from tests.integration.stacks import FILE_NAME, Notes, data_dir, files_dir, note_fields

FILES = files_dir()
NOTES = Notes(data_dir())


async def file(request: Request) -> Response:
    return FileResponse(FILES / FILE_NAME)


async def download(request: Request) -> Response:
    return FileResponse(FILES / FILE_NAME, filename=FILE_NAME)


async def note(request: Request) -> Response:
    name = request.path_params["name"]
    if request.method == "PUT":
        stored = NOTES.put(name, await request.body())
        if stored is None:
            return Response("bad name\n", 400, media_type="text/plain")
        body, etag = stored
        return Response(body, 200, {"ETag": etag}, media_type="application/json")
    if request.method == "DELETE":
        return Response(status_code=204 if NOTES.delete(name) else 404)
    found = NOTES.get(name)
    if found is None:
        return Response("no such note\n", 404, media_type="text/plain")
    body, etag = found
    return Response(body, 200, note_fields(name, etag), media_type="application/json")


app = Starlette(
    routes=[
        Route("/file", file),
        Route("/download", download),
        Route("/notes/{name}", note, methods=["GET", "PUT", "DELETE"]),
        Mount("/static", app=StaticFiles(directory=FILES), name="static"),
    ]
)
app.add_middleware(ConditionalMiddleware)
