"""A Flask site wrapped in condget's WSGI middleware: revalidation for every page, for free.

Run it with ``flask --app examples/flask_app.py run`` or
``gunicorn --chdir examples flask_app:app``, then::

    curl -i http://127.0.0.1:5000/                       # 200, ETag: W/"..."
    curl -i http://127.0.0.1:5000/ -H 'If-None-Match: W/"..."'   # 304, no body

- ``/`` and ``/about`` set no ETag: condget hashes their bodies (a weak
  auto-ETag) and answers revalidations with 304.
- ``/report/<year>`` sets its own strong ETag and Last-Modified: condget
  uses them as they are, for ``If-None-Match``, ``If-Modified-Since`` and
  ``If-Match`` (R28).
- ``/big`` streams 10 MiB: longer than ``max_buffer``, so it goes out as it
  is produced, untagged, in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, Response

from condget.wsgi import ConditionalMiddleware

BIG_CHUNK = b"0123456789abcdef" * 4096  # 64 KiB
BIG_CHUNKS = 160  # 10 MiB

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "<h1>condget</h1>" + "<p>This page gets a weak ETag from its body.</p>" * 40


@app.get("/about")
def about() -> str:
    return "<p>Conditional requests (RFC 9110 §13) for any WSGI app.</p>"


@app.get("/report/<int:year>")
def report(year: int) -> Response:
    response = Response(f"Annual report {year}\n" * 100, mimetype="text/plain")
    response.set_etag(f"report-{year}-rev2")
    response.last_modified = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    response.cache_control.max_age = 3600
    return response


@app.get("/big")
def big() -> Response:
    def chunks() -> Iterator[bytes]:
        for _ in range(BIG_CHUNKS):
            yield BIG_CHUNK

    response = Response(chunks(), mimetype="application/octet-stream")
    response.content_length = len(BIG_CHUNK) * BIG_CHUNKS
    return response


# The one line that matters: the WSGI app inside Flask, wrapped.
app.wsgi_app = ConditionalMiddleware(app.wsgi_app)  # type: ignore[method-assign]
