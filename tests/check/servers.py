"""Real servers for ``condget check`` to grade, shared by the tests and scripts/check_matrix.py.

Each starts on 127.0.0.1 on a free port, in its own temporary directory, and
serves the page of tests/check/site.py at a URL that answers 200:

- nginx (the Debian package, found as tests/integration does) serving it as
  a static file, with gzip on;
- Flask's static route (Werkzeug's ``send_file``) under gunicorn;
- Starlette's ``StaticFiles`` under uvicorn;
- Django's ``ConditionalGetMiddleware`` around a view, under gunicorn;
- condget itself: the demo app (WSGI, gunicorn) and the served example
  (ASGI, uvicorn);
- a bare ASGI app with known defects (tests/check/apps/broken_asgi.py), under uvicorn.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from tests.check.site import STATIC_ENV, write_site
from tests.integration.support import (
    ROOT,
    free_port,
    require_tool,
    server_command,
    stop,
    wait_for_port,
)

NGINX_CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/html html; }}
    gzip on;
    gzip_types text/html;
    gzip_min_length 0;
    gzip_vary on;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
    }}
}}
"""


def nginx_version() -> str:
    done = subprocess.run([require_tool("nginx"), "-v"], capture_output=True, text=True, check=True)
    return done.stderr.strip().rpartition("/")[2]


@contextmanager
def nginx(tmp: Path) -> Iterator[str]:
    """nginx serving the page as a static file."""
    write_site(tmp / "www")
    # As root, nginx's workers would switch to a user that cannot enter the
    # 0700 temporary directory; they stay root instead.
    user = "user root;\n" if os.geteuid() == 0 else ""
    port = free_port()
    config = tmp / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(user=user, tmp=tmp, port=port))
    command = [
        require_tool("nginx"),
        "-p",
        str(tmp),
        "-c",
        str(config),
        "-e",
        str(tmp / "error.log"),
    ]
    log = tmp / "stderr.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}/page.html"
    finally:
        stop(process)


def _python_server(
    kind: str, app_dir: Path, app: str, path: str
) -> Callable[[Path], AbstractContextManager[str]]:
    @contextmanager
    def start(tmp: Path) -> Iterator[str]:
        port = free_port()
        log = tmp / "server.log"
        env = {**os.environ, STATIC_ENV: str(write_site(tmp / "www"))}
        with log.open("wb") as output:
            process = subprocess.Popen(
                server_command(kind, port, app_dir, app),
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_for_port(port, process, log)
            yield f"http://127.0.0.1:{port}{path}"
        finally:
            stop(process)

    return start


@dataclass(frozen=True)
class Subject:
    """A server under test: its name in tests, its column and label in the matrix, how to start."""

    name: str
    column: str
    label: str
    start: Callable[[Path], AbstractContextManager[str]]


def subjects() -> list[Subject]:
    """Every server under test, in the matrix's column order."""
    examples = ROOT / "examples"
    return [
        Subject("nginx", "nginx", f"nginx {nginx_version()}, a static file, gzip on", nginx),
        Subject(
            "flask",
            "Flask",
            f"Flask {version('flask')} (Werkzeug {version('werkzeug')}), its static route, "
            f"under gunicorn {version('gunicorn')}",
            _python_server(
                "gunicorn", ROOT, "tests.check.apps.flask_static:app", "/static/page.html"
            ),
        ),
        Subject(
            "starlette",
            "Starlette",
            f"Starlette {version('starlette')} StaticFiles, under uvicorn {version('uvicorn')}",
            _python_server(
                "uvicorn", ROOT, "tests.check.apps.starlette_static:app", "/static/page.html"
            ),
        ),
        Subject(
            "django",
            "Django",
            f"Django {version('django')} ConditionalGetMiddleware around a view that sets "
            "Last-Modified, under gunicorn",
            _python_server(
                "gunicorn", ROOT, "tests.check.apps.django_conditional:application", "/page"
            ),
        ),
        Subject(
            "condget-demo",
            "condget WSGI",
            "condget's demo (examples/demo.py, `/notes/1`), WSGI, under gunicorn",
            _python_server("gunicorn", examples, "demo:application", "/notes/1"),
        ),
        Subject(
            "condget-asgi",
            "condget ASGI",
            "condget's served example (examples/served_app.py, `/page`), ASGI, under uvicorn",
            _python_server("uvicorn", examples, "served_app:asgi", "/page"),
        ),
        Subject(
            "broken",
            "broken",
            "a bare ASGI app with known defects (tests/check/apps/broken_asgi.py), under uvicorn",
            _python_server("uvicorn", ROOT, "tests.check.apps.broken_asgi:app", "/page"),
        ),
    ]
