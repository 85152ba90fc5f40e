"""condget's demo: a small notes API under gunicorn, and real HTTP exchanges against it.

Run it with ``python3 dev.py demo`` (sets up everything), or inside the
virtualenv with ``python examples/demo.py``. ``--once`` prints the transcript
and exits instead of serving until Ctrl-C.

The app is plain WSGI, wrapped in ``condget.wsgi.ConditionalMiddleware``:
- ``GET /notes/1`` returns a note; a ``validators`` hook tells condget the
  note's version *before* the app runs, so a revalidation gets 304 and a stale
  ``If-Match`` gets 412 without the handler running (RFC 9110 §13.2.1, R36);
  ``require_precondition`` answers 428 to a blind PUT (RFC 6585).
- ``GET /about`` sets no ETag: condget computes one from the body (auto-ETag).
- A ``Range`` request gets its 206 from condget, after the preconditions.
- ``/wiki/home`` is a second app wrapped with the README's one line and no
  hook: a stale ``If-Match`` PUT still gets 412, judged by a GET of the page.
- ``decision_header=True`` shows why condget answered as it did, in a
  ``Condget-Decision`` field (for development only: docs/observability.md).

``--fleet`` runs two gunicorn servers of two workers each instead, sharing
one SQLite validator store (``store=``, docs/fleets.md) and one note in a
SQLite file: a tag learnt through one server answers a revalidation through
the other without running the view, and a write through either is seen by
both at once.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from condget import Validators
from condget.store import SQLiteStore
from condget.wsgi import ConditionalMiddleware

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

HERE = Path(__file__).resolve().parent

# The "database": one note with a version number, shared by the server's threads.
_lock = threading.Lock()
_note = {"version": 1, "text": "Buy milk. " * 40}


def _note_etag() -> str:
    return f'"v{_note["version"]}"'


def notes_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The application, unaware of conditional requests."""
    path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
    if path == "/notes/1" and method in ("GET", "HEAD"):
        with _lock:
            body = json.dumps(_note).encode()
            etag = _note_etag()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("ETag", etag),
            ("Cache-Control", "no-cache"),
        ]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]  # a HEAD has no body (§9.3.2)
    if path == "/notes/1" and method == "PUT":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        text = environ["wsgi.input"].read(length).decode()
        with _lock:
            _note["version"] += 1
            _note["text"] = text
            etag = _note_etag()
        start_response("204 No Content", [("ETag", etag)])
        return []
    if path == "/about" and method in ("GET", "HEAD"):
        body = b"<h1>condget demo</h1>" + b"<p>Conditional requests, done right.</p>" * 50
        start_response(
            "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
        )
        return [] if method == "HEAD" else [body]
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10")])
    return [b"not found\n"]


def note_validators(environ: WSGIEnvironment) -> Validators | None:
    """What condget should know before the app runs: the note's current version."""
    if environ.get("PATH_INFO") != "/notes/1":
        return None
    with _lock:
        return Validators(etag=_note_etag(), headers=[("Cache-Control", "no-cache")])


notes = ConditionalMiddleware(
    notes_app, validators=note_validators, require_precondition=True, decision_header=True
)

# The wiki is wrapped with the README's one line and no hook: condget learns
# the page's current tag with a GET of it before a conditional PUT runs
# (check_writes, docs/wsgi.md), so a stale save still gets 412.
_wiki = {"revision": 1, "text": "Welcome."}


def wiki_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A second application, unaware of conditional requests, with a strong ETag."""
    method = environ["REQUEST_METHOD"]
    if method == "PUT":
        text = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        with _lock:
            _wiki["revision"] += 1
            _wiki["text"] = text
        start_response("204 No Content", [])
        return []
    with _lock:
        body = json.dumps(_wiki).encode()
        etag = f'"r{_wiki["revision"]}"'
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("ETag", etag)],
    )
    return [] if method == "HEAD" else [body]


wiki = ConditionalMiddleware(wiki_app, decision_header=True)


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """What gunicorn serves: /wiki/home from the one-line wrap, the rest from the notes."""
    if environ.get("PATH_INFO") == "/wiki/home":
        return wiki(environ, start_response)
    return notes(environ, start_response)


# ---------------------------------------------------------------- --fleet

_FLEET = os.environ.get("CONDGET_DEMO_FLEET")  # the folder the servers share


def _shared_note() -> sqlite3.Connection:
    assert _FLEET is not None
    connection = sqlite3.connect(Path(_FLEET) / "notes.db", timeout=5, isolation_level=None)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS note"
        " (id INTEGER PRIMARY KEY, version INT, text TEXT, views INT)"
    )
    connection.execute("INSERT OR IGNORE INTO note VALUES (1, 1, 'Buy milk.', 0)")
    return connection


def fleet_notes_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The notes app of every server in the fleet: the note and a view count in one file."""
    path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
    if path != "/notes/1" or method not in ("GET", "HEAD", "PUT"):
        start_response("404 Not Found", [("Content-Length", "10")])
        return [b"not found\n"]
    with _shared_note() as connection:
        if method == "PUT":
            text = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
            connection.execute(
                "UPDATE note SET version = version + 1, text = ? WHERE id = 1", (text,)
            )
            (version,) = connection.execute("SELECT version FROM note").fetchone()
            start_response("204 No Content", [("ETag", f'"v{version}"')])
            return []
        connection.execute("UPDATE note SET views = views + 1 WHERE id = 1")
        version, text, views = connection.execute(
            "SELECT version, text, views FROM note"
        ).fetchone()
    body = json.dumps({"version": version, "text": text, "views": views}).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("ETag", f'"v{version}"'),
        ("Cache-Control", "no-cache"),
    ]
    start_response("200 OK", headers)
    return [] if method == "HEAD" else [body]


def _fleet_views() -> int:
    with _shared_note() as connection:
        (views,) = connection.execute("SELECT views FROM note").fetchone()
    return int(views)


if _FLEET is not None:
    # No hook: the store learns each note's tag from its 200s, and a write
    # through any server forgets it before the write's response leaves.
    fleet_application = ConditionalMiddleware(
        fleet_notes_app, store=SQLiteStore(Path(_FLEET) / "validators.db"), decision_header=True
    )


# ---------------------------------------------------------------- the client side


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_serving(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before serving; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start serving within 30 s")


class Transcript:
    """Sends requests with http.client and prints what went over the wire."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.saved = 0
        self.sizes: dict[str, int] = {}

    def send(
        self, label: str, method: str, path: str, headers: dict[str, str], body: str = ""
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path, body=body.encode() or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        sent = "  ".join(f"{name}: {value}" for name, value in headers.items())
        print(f"\n{label}")
        print(f"  > {method} {path}  {sent}".rstrip())
        etag = response.getheader("ETag")
        print(
            f"  < {response.status} {response.reason}"
            + (f"  ETag: {etag}" if etag else "")
            + f"  body: {len(data)} bytes"
        )
        why = response.getheader("Condget-Decision")
        if why:
            print(f"    why: {why}")
        if response.status == 200 and method == "GET":
            self.sizes[path] = len(data)
        if response.status == 304:
            self.saved += self.sizes.get(path, 0)
        return response, data


def run_transcript(port: int) -> None:
    t = Transcript(port)
    first, _ = t.send("1. A client fetches the note.", "GET", "/notes/1", {})
    etag = first.getheader("ETag") or ""
    t.send(
        "2. It revalidates its copy: nothing changed.", "GET", "/notes/1", {"If-None-Match": etag}
    )
    about, _ = t.send("3. A page whose app sets no ETag: condget adds one.", "GET", "/about", {})
    t.send(
        "4. Revalidating that page.",
        "GET",
        "/about",
        {"If-None-Match": about.getheader("ETag") or ""},
    )
    t.send(
        "5. A client resumes an interrupted download: only the bytes it lacks.",
        "GET",
        "/notes/1",
        {"Range": "bytes=100-199", "If-Range": etag},
    )
    t.send(
        "6. An editor saves a change, naming the version it edited.",
        "PUT",
        "/notes/1",
        {"If-Match": etag, "Content-Type": "text/plain"},
        "Buy oat milk.",
    )
    t.send(
        "7. The first client revalidates: the note changed.",
        "GET",
        "/notes/1",
        {"If-None-Match": etag},
    )
    t.send(
        "8. A second editor, still holding the old version, tries to save.",
        "PUT",
        "/notes/1",
        {"If-Match": etag, "Content-Type": "text/plain"},
        "Buy soy milk.",
    )
    t.send("9. A blind save, with no If-Match at all.", "PUT", "/notes/1", {}, "Buy nothing.")
    _, final = t.send(
        "10. The note is what editor 1 wrote: no update was lost.", "GET", "/notes/1", {}
    )
    text = json.loads(final)["text"]
    print(f"  note text: {text!r}")
    wiki, _ = t.send(
        "11. The wiki is wrapped with just the one line, no hook. An editor opens a page.",
        "GET",
        "/wiki/home",
        {},
    )
    page = wiki.getheader("ETag") or ""
    t.send(
        "12. Another editor saves a change to it first.",
        "PUT",
        "/wiki/home",
        {"If-Match": page, "Content-Type": "text/plain"},
        "Welcome, editors.",
    )
    t.send(
        "13. The first editor saves over it: condget checks with a GET, and refuses.",
        "PUT",
        "/wiki/home",
        {"If-Match": page, "Content-Type": "text/plain"},
        "Welcome!",
    )
    _, final = t.send("14. The page kept the other editor's change.", "GET", "/wiki/home", {})
    print(f"  page text: {json.loads(final)['text']!r}")
    print(f"\nBytes not re-sent thanks to 304s: {t.saved}")


# What a load balancer in front of the servers passes on: one public Host,
# which the store's keys are made of (docs/fleets.md).
PUBLIC = {"Host": "notes.example"}


def run_fleet_transcript(port_a: int, port_b: int) -> None:
    a, b = Transcript(port_a), Transcript(port_b)
    first, _ = a.send(
        "1. Server A serves the note; the store learns its tag.", "GET", "/notes/1", PUBLIC
    )
    etag = first.getheader("ETag") or ""
    views = _fleet_views()
    b.send(
        "2. A client revalidates through server B: 304 from the store.",
        "GET",
        "/notes/1",
        {**PUBLIC, "If-None-Match": etag},
    )
    print(f"  views run by the notes app: {views} before, {_fleet_views()} after (no view ran)")
    b.send(
        "3. An editor saves through server B: the store forgets the old tag.",
        "PUT",
        "/notes/1",
        {**PUBLIC, "If-Match": etag, "Content-Type": "text/plain"},
        "Buy oat milk.",
    )
    a.send(
        "4. The client revalidates through server A: the new note, never a stale 304.",
        "GET",
        "/notes/1",
        {**PUBLIC, "If-None-Match": etag},
    )


def _gunicorn(port: int, app: str, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(HERE)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4"]
    # Several gunicorn instances on one machine: no control socket (gunicorn >= 27).
    command += ["--no-control-socket", "--log-level", "warning", app]
    return subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1", **env})


def fleet(once: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="condget-fleet-") as shared:
        ports = _free_port(), _free_port()
        print(f"Starting two gunicorn servers (2 workers each) on ports {ports[0]} and {ports[1]},")
        print(f"sharing one SQLite validator store in {shared} ...")
        env = {"CONDGET_DEMO_FLEET": shared}
        servers = [_gunicorn(port, "demo:fleet_application", 2, env) for port in ports]
        global _FLEET
        _FLEET = shared
        try:
            for port, server in zip(ports, servers, strict=True):
                _wait_until_serving(port, server)
            run_fleet_transcript(*ports)
            if once:
                return
            print("\nStill serving (Ctrl-C to stop):")
            for port in ports:
                print(f"  curl -i http://127.0.0.1:{port}/notes/1")
            while all(server.poll() is None for server in servers):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
            print("\nStopped.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="exit after the transcript")
    parser.add_argument("--port", type=int, default=0, help="port to serve on (default: any free)")
    parser.add_argument(
        "--fleet", action="store_true", help="two servers sharing one validator store"
    )
    args = parser.parse_args()
    if args.fleet:
        fleet(args.once)
        return
    port = args.port or _free_port()
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(HERE),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    # One worker with threads, so the in-memory note is shared by all requests.
    gunicorn += ["--workers", "1", "--threads", "4", "--log-level", "warning", "demo:application"]
    print(f"Starting gunicorn on http://127.0.0.1:{port} with a condget-wrapped WSGI app ...")
    server = subprocess.Popen(gunicorn, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_until_serving(port, server)
        run_transcript(port)
        if args.once:
            return
        url = f"http://127.0.0.1:{port}"
        print(f"\nStill serving on {url}. Try it by hand (Ctrl-C to stop):")
        print(f"  curl -i {url}/notes/1")
        print(f"  curl -i {url}/notes/1 -H 'If-None-Match: \"v2\"'")
        print(f"  curl -i -X PUT {url}/notes/1 -H 'If-Match: \"v1\"' -d 'stale edit'")
        print(f"  curl -i --etag-save /tmp/etag --etag-compare /tmp/etag {url}/about")
        while server.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=10)
        print("\nStopped.")


if __name__ == "__main__":
    main()
