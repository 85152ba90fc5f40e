"""The apps the real-client range tests serve: files behind condget, under real servers.

Three files, written by :func:`write_files` into the directory that the
``CONDGET_RANGES_DIR`` environment variable names:

- ``data.bin``: a few hundred KiB of seeded random bytes, for curl, httpx,
  requests and nginx;
- ``tone.wav``: a 20-second sine tone (stdlib ``wave``), for Chromium's
  ``<audio>`` element;
- ``player.html``: the page that plays and seeks it and reports back by
  requesting ``/report?...``.

Each file goes out with a strong ``ETag`` (a hash of its bytes), its mtime as
``Last-Modified`` and ``Cache-Control: public, max-age=3600``, by an app that
knows nothing about ranges: condget serves them (R42-R52).

- ``wsgi``: Flask's ``send_file(conditional=False)`` (a ``wsgi.file_wrapper``
  stream with a Content-Length; Werkzeug's own range handling is off) inside
  :class:`condget.wsgi.ConditionalMiddleware`, for gunicorn.
- ``asgi``: Starlette's ``FileResponse`` with its own range handling off
  (:class:`WholeFileResponse`) inside
  :class:`condget.asgi.ConditionalMiddleware`, for uvicorn.

Outside condget, where it sees what the server sends, each app writes one
JSON line per request to the file ``CONDGET_WIRE_LOG`` names: the method,
path, query, ``Range`` and ``If-Range`` fields that arrived and the status
that went out.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import random
import wave
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, abort, send_file
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

DATA_SIZE = 300 * 1024 + 17  # a few hundred KiB, not a multiple of any block size
# Long enough that Chromium, which reads no further than the metadata before
# the seek (preload="metadata"), must ask for the seek's bytes with a new
# Range rather than find them in its first response or the socket buffers.
WAV_SECONDS = 90
WAV_RATE = 48_000  # stereo, 16-bit: 192,000 bytes per second after a 44-byte header
WAV_BYTES_PER_SECOND = WAV_RATE * 2 * 2
WAV_HEADER = 44
MTIME = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
LAST_MODIFIED = "Wed, 01 Jan 2025 12:00:00 GMT"
CACHE_CONTROL = "public, max-age=3600"
FILES = ("data.bin", "tone.wav", "player.html")
RECORDED = ("range", "if-range")

# Where Chromium is asked to seek to, in seconds, and what the page reports.
SEEK_TO = 80.0
PLAYER = """\
<!doctype html>
<meta charset="utf-8">
<title>condget range player</title>
<audio id="player" preload="metadata" src="/tone.wav"></audio>
<p id="state">loading</p>
<script>
const player = document.getElementById("player");
const state = document.getElementById("state");
const report = (fields) => {
  state.textContent = JSON.stringify(fields);
  fetch("/report?" + new URLSearchParams(fields), {cache: "no-store"});
};
let played = "not tried";
player.addEventListener("error", () => report({error: String(player.error.code)}));
player.addEventListener("loadedmetadata", () => {
  player.currentTime = %(seek)s;
}, {once: true});
player.addEventListener("seeked", async () => {
  const seekedAt = player.currentTime;
  const done = () => report({
    seeked: String(seekedAt),
    now: String(player.currentTime),
    duration: String(player.duration),
    played: played,
  });
  try {
    await player.play();
    played = "yes";
  } catch (error) {
    played = "no: " + error.name;
    done();
    return;
  }
  // Playing from the new position: wait until it has moved on by a little.
  const moved = () => {
    if (player.currentTime > seekedAt + 0.2) {
      player.removeEventListener("timeupdate", moved);
      done();
    }
  };
  player.addEventListener("timeupdate", moved);
}, {once: true});
</script>
""" % {"seek": SEEK_TO}  # noqa: UP031 - the page's own braces stay as they are


def data_bytes() -> bytes:
    return random.Random(9110).randbytes(DATA_SIZE)


def wav_bytes() -> bytes:
    """A 480 Hz sine tone, stereo 16-bit PCM at 48 kHz: about 17 MB of WAV a browser plays."""
    period = bytearray()  # 480 Hz at 48 kHz: one period is exactly 100 frames
    for n in range(100):
        sample = int(12000 * math.sin(2 * math.pi * n / 100)).to_bytes(2, "little", signed=True)
        period += sample * 2  # left, right
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(WAV_RATE)
        out.writeframes(bytes(period) * (WAV_SECONDS * WAV_RATE // 100))
    content = buffer.getvalue()
    assert len(content) == WAV_HEADER + WAV_SECONDS * WAV_BYTES_PER_SECOND
    return content


def write_files(directory: Path) -> dict[str, bytes]:
    """Write the served files, with mtime ``LAST_MODIFIED``; return their bytes by name."""
    contents = {
        "data.bin": data_bytes(),
        "tone.wav": wav_bytes(),
        "player.html": PLAYER.encode(),
    }
    for name, content in contents.items():
        path = directory / name
        path.write_bytes(content)
        os.utime(path, (MTIME, MTIME))
    return contents


def strong_etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


_DIRECTORY = Path(os.environ.get("CONDGET_RANGES_DIR", "."))
_WIRE_LOG = os.environ.get("CONDGET_WIRE_LOG")
_ETAGS: dict[str, str] = {}


def _served(name: str) -> tuple[Path, str] | None:
    """The file's path and strong ETag, or ``None`` for a name that is not served."""
    if name not in FILES:
        return None
    path = _DIRECTORY / name
    if name not in _ETAGS:
        _ETAGS[name] = strong_etag(path.read_bytes())
    return path, _ETAGS[name]


def _record(method: str, path: str, query: str, fields: dict[str, str], status: int) -> None:
    if _WIRE_LOG is None:
        return
    line = json.dumps({"method": method, "path": path, "query": query, "status": status, **fields})
    # O_APPEND writes of one short line do not interleave between threads.
    with open(_WIRE_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


# WSGI: Flask under gunicorn.

flask_app = Flask(__name__)


@flask_app.get("/report")
def flask_report() -> tuple[str, int]:
    return "", 204


@flask_app.get("/<name>")
def flask_file(name: str) -> Any:
    served = _served(name)
    if served is None:
        abort(404)
    path, etag = served
    # conditional=False: Werkzeug neither evaluates preconditions nor serves
    # Range; the response is a plain 200 stream with a Content-Length.
    response = send_file(path, conditional=False, etag=etag.strip('"'), max_age=3600)
    assert response.headers["ETag"] == etag  # strong, as sent
    return response


def _wire_wsgi(app: WSGIApplication) -> WSGIApplication:
    def wire(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        query = environ.get("QUERY_STRING", "")
        fields = {
            name: environ[key]
            for name in RECORDED
            if (key := "HTTP_" + name.upper().replace("-", "_")) in environ
        }

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            _record(method, path, query, fields, int(status[:3]))
            return start_response(status, headers, exc_info)

        return app(environ, recording_start_response)

    return wire


wsgi = _wire_wsgi(WSGIMiddleware(flask_app.wsgi_app))


# ASGI: Starlette under uvicorn.


class WholeFileResponse(FileResponse):
    """Starlette's ``FileResponse`` with its own range handling off: it never sees ``Range``.

    What is left is a 200 streamed in 64 KiB chunks with a Content-Length,
    which condget cuts ranges from.
    """

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [(n, v) for n, v in scope["headers"] if n not in (b"range", b"if-range")]
        await super().__call__(dict(scope, headers=headers), receive, send)


async def starlette_report(request: Request) -> Response:
    return Response(status_code=204)


async def starlette_file(request: Request) -> Response:
    served = _served(request.path_params["name"])
    if served is None:
        return Response("not found", status_code=404)
    path, etag = served
    return WholeFileResponse(path, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})


starlette_app = Starlette(
    routes=[Route("/report", starlette_report), Route("/{name}", starlette_file)]
)


def _wire_asgi(app: Any) -> Any:
    async def wire(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        query = scope["query_string"].decode("latin-1")
        fields = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name.decode("latin-1") in RECORDED
        }

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                _record(method, path, query, fields, message["status"])
            await send(message)

        await app(scope, receive, recording_send)

    return wire


asgi = _wire_asgi(ASGIMiddleware(starlette_app))
