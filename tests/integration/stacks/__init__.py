"""Four real framework stacks wrapped in condget as the docs say, for test_real_stacks.py.

Each module builds one application at import, from the data directory named
by ``CONDGET_STACK_DATA`` (the test makes a fresh one per server):

* ``flask_stack:app`` (gunicorn): ``send_file`` routes and a note resource;
  ``app.wsgi_app = ConditionalMiddleware(app.wsgi_app)`` (docs/flask.md).
* ``django_stack:application`` (gunicorn): a plain view and a note resource,
  ``ConditionalGetMiddleware`` left on, condget around the WSGI application
  (docs/django.md's ``wsgi.py`` line).
* ``starlette_stack:app`` (uvicorn): ``StaticFiles``, ``FileResponse`` routes
  and a note resource; ``app.add_middleware(ConditionalMiddleware)``.
* ``fastapi_stack:app`` (uvicorn): ``GZipMiddleware`` with condget added
  after it (outside it, docs/cookbook.md), a JSON route and a note resource.

The note resource is the same everywhere (:class:`Notes`): ``GET`` gives its
JSON with a strong ``ETag`` the application sets itself, ``PUT`` replaces it
unconditionally and ``DELETE`` removes it; the applications never look at
``If-Match``, so every 412 a test sees is condget's. The notes live in files,
so what a write did is what the next read sees, whichever thread served it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Final

FILE_NAME: Final = "report.csv"
# A ~4 KiB CSV: text/csv, so condget's text/plain 412 body is told apart from it.
FILE_BYTES: Final = b"id,name,total\n" + b"".join(
    f"{row},item-{row:04d},{row * 37 % 1000:>4}\n".encode() for row in range(1, 196)
)
NOTE_NAME: Final = re.compile(r"[a-z0-9-]{1,64}")
# Fields a note's 200 carries that a 304 must repeat (R33, §15.4.5).
NOTE_CACHE_CONTROL: Final = "no-cache"
NOTE_VARY: Final = "Accept"


def data_dir() -> Path:
    """The directory the test gave this server (files/ and notes/ are made here)."""
    return Path(os.environ["CONDGET_STACK_DATA"])


def files_dir() -> Path:
    """The served files' directory, with ``report.csv`` in it."""
    directory = data_dir() / "files"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    if not path.exists():
        path.write_bytes(FILE_BYTES)
    return directory


def note_fields(name: str, etag: str) -> dict[str, str]:
    """A note's 200 fields besides Content-Type and Content-Length."""
    return {
        "ETag": etag,
        "Cache-Control": NOTE_CACHE_CONTROL,
        "Vary": NOTE_VARY,
        "Content-Location": f"/notes/{name}",
    }


class Notes:
    """Notes in files, one per name; the ETag is a hash of the stored JSON (strong: R10)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "notes"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path | None:
        return self.directory / f"{name}.json" if NOTE_NAME.fullmatch(name) else None

    def get(self, name: str) -> tuple[bytes, str] | None:
        """The note's JSON and its ETag, or ``None`` if there is none."""
        path = self._path(name)
        if path is None:
            return None
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            return None
        return body, tag_of(body)

    def put(self, name: str, text: bytes) -> tuple[bytes, str] | None:
        """Store ``text`` as the note; its new JSON and ETag (``None``: a bad name)."""
        path = self._path(name)
        if path is None:
            return None
        body = json.dumps({"name": name, "text": text.decode("utf-8", "replace")}).encode()
        with self._lock:
            temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
            temporary.write_bytes(body)
            os.replace(temporary, path)  # a reader sees the old note or the new, never half
        return body, tag_of(body)

    def delete(self, name: str) -> bool:
        """Remove the note; whether there was one."""
        path = self._path(name)
        if path is None:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True


def tag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:20]}"'
