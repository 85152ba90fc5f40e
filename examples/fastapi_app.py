"""A FastAPI notes API with condget: cheap revalidation and no lost updates.

Run: uvicorn examples.fastapi_app:app    (from the repository root)

Reads get an ETag and a 304 when the client's copy is current. Writes use
optimistic concurrency: a PUT or DELETE must name the version it changes
(``If-Match``), or ``If-None-Match: *`` to create; a stale one gets 412 and
a blind one 428, and in both cases the handler never runs, so the data
stays as it was.

    curl -i localhost:8000/notes/welcome                                   # 200, ETag: "1"
    curl -i localhost:8000/notes/welcome -H 'If-None-Match: "1"'           # 304
    curl -i -X PUT localhost:8000/notes/welcome -H 'If-Match: "1"' \\
         -H 'Content-Type: application/json' -d '{"text": "edited"}'       # 200, ETag: "2"
    curl -i -X PUT localhost:8000/notes/welcome -H 'If-Match: "1"' \\
         -H 'Content-Type: application/json' -d '{"text": "lost?"}'        # 412: not lost
    curl -i -X PUT localhost:8000/notes/new -H 'If-None-Match: *' \\
         -H 'Content-Type: application/json' -d '{"text": "fresh"}'        # 201
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from condget import Validators
from condget.asgi import ConditionalMiddleware
from condget.starlette import precondition


class NoteIn(BaseModel):
    text: str


@dataclass
class Note:
    text: str
    version: int

    def etag(self) -> str:
        return f'"{self.version}"'


def create_app() -> FastAPI:
    notes = {"welcome": Note("Hello from condget!", 1)}

    def note_validators(request: Request) -> Validators:
        note = notes.get(request.path_params["note_id"])
        if note is None:
            return Validators(exists=False)  # If-None-Match: * lets a PUT create it
        return Validators(note.etag(), headers={"Cache-Control": "no-cache"})

    # Reads: 304 when current. Writes: 412 when stale, 428 when unguarded.
    read_check = Depends(precondition(note_validators))
    write_check = Depends(precondition(note_validators, require_precondition=True))

    app = FastAPI(title="condget notes")
    # Everything else (here, the list) gets an auto-ETag and 304s from the middleware.
    app.add_middleware(ConditionalMiddleware)

    @app.get("/notes")
    async def list_notes() -> dict[str, list[str]]:
        return {"notes": sorted(notes)}

    @app.get("/notes/{note_id}", dependencies=[read_check])
    async def read_note(note_id: str) -> dict[str, str | int]:
        note = notes.get(note_id)
        if note is None:
            raise HTTPException(404, "no such note")
        return {"id": note_id, "text": note.text, "version": note.version}

    @app.put("/notes/{note_id}", dependencies=[write_check])
    async def put_note(note_id: str, body: NoteIn) -> JSONResponse:
        # Only reached when If-Match named the current version (or
        # If-None-Match: * found nothing): nobody's change is overwritten.
        old = notes.get(note_id)
        note = notes[note_id] = Note(body.text, 1 if old is None else old.version + 1)
        content = {"id": note_id, "text": note.text, "version": note.version}
        return JSONResponse(content, 201 if old is None else 200, {"ETag": note.etag()})

    @app.delete("/notes/{note_id}", dependencies=[write_check], status_code=204)
    async def delete_note(note_id: str) -> None:
        if notes.pop(note_id, None) is None:
            raise HTTPException(404, "no such note")

    return app


app = create_app()
