"""examples/served_app.py as the integration tests serve it: condget's apps, seen from the wire.

``wsgi`` and ``asgi`` put two things *outside* condget's middleware, where
they see exactly what the server sends:

- when ``CONDGET_WIRE_LOG`` names a file, one JSON line per request with the
  method, path, the conditional fields that arrived and the status that went
  out: how the tests count the 304s a cache got on the wire;
- ``GET /_stats``: the process id, and the live asyncio tasks of an ASGI
  server (what /proc cannot show).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "served_app.py"
CONDITIONAL = ("if-none-match", "if-modified-since", "if-match", "if-unmodified-since")


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("served_app", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: dataclasses look it up
    spec.loader.exec_module(module)
    return module


served_app = _load_example()
_WIRE_LOG = os.environ.get("CONDGET_WIRE_LOG")


def _record(method: str, path: str, fields: dict[str, str], status: int) -> None:
    if _WIRE_LOG is None:
        return
    line = json.dumps({"method": method, "path": path, "status": status, **fields})
    # O_APPEND writes of one short line do not interleave between threads.
    with open(_WIRE_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _stats(**extra: int) -> bytes:
    return json.dumps({"pid": os.getpid(), **extra}).encode()


def _wrap_wsgi(app: WSGIApplication) -> WSGIApplication:
    def wire(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if path == "/_stats":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [_stats()]
        fields = {
            name: environ[key]
            for name in CONDITIONAL
            if (key := "HTTP_" + name.upper().replace("-", "_")) in environ
        }

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            _record(method, path, fields, int(status[:3]))
            return start_response(status, headers, exc_info)

        return app(environ, recording_start_response)

    return wire


def _wrap_asgi(app: Any) -> Any:
    async def wire(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if path == "/_stats":
            body = _stats(tasks=len(asyncio.all_tasks()))
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        fields = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name.decode("latin-1") in CONDITIONAL
        }

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                _record(method, path, fields, message["status"])
            await send(message)

        await app(scope, receive, recording_send)

    return wire


wsgi = _wrap_wsgi(served_app.wsgi)
asgi = _wrap_asgi(served_app.asgi)
