"""Flask under gunicorn: ``send_file`` routes and a note resource, wrapped as docs/flask.md says.

* ``/file``: ``send_file`` with its defaults (``conditional=True``: Werkzeug
  sets ``ETag``, ``Last-Modified``, ``Cache-Control: no-cache`` and would
  answer 304 and 206 itself if it saw the conditions);
* ``/download``: the same file ``as_attachment`` with ``max_age=60``, so the
  200 also has ``Content-Disposition``, ``Expires`` and a public
  ``Cache-Control`` (Werkzeug's own 304 drops ``Expires``: condget's must not);
* ``/notes/<name>``: GET, PUT, DELETE of a :class:`tests.integration.stacks.Notes` note.
"""

from __future__ import annotations

from flask import Flask, Response, request, send_file

from condget.wsgi import ConditionalMiddleware
from tests.integration.stacks import FILE_NAME, Notes, data_dir, files_dir, note_fields

FILES = files_dir()
NOTES = Notes(data_dir())

app = Flask(__name__)


@app.get("/file")
def file() -> Response:
    return send_file(FILES / FILE_NAME)


@app.get("/download")
def download() -> Response:
    return send_file(FILES / FILE_NAME, as_attachment=True, max_age=60)


@app.route("/notes/<name>", methods=["GET", "PUT", "DELETE"])
def note(name: str) -> Response:
    if request.method == "PUT":
        stored = NOTES.put(name, request.get_data())
        if stored is None:
            return Response("bad name\n", 400, mimetype="text/plain")
        body, etag = stored
        return Response(body, 200, {"ETag": etag}, mimetype="application/json")
    if request.method == "DELETE":
        return Response(status=204 if NOTES.delete(name) else 404)
    found = NOTES.get(name)
    if found is None:
        return Response("no such note\n", 404, mimetype="text/plain")
    body, etag = found
    return Response(body, 200, note_fields(name, etag), mimetype="application/json")


app.wsgi_app = ConditionalMiddleware(app.wsgi_app)  # type: ignore[method-assign]
