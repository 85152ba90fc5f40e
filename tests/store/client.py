"""Drive an application through either middleware in-process, as a server would; keep events."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from wsgiref.util import setup_testing_defaults

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.observe import DecisionEvent
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import check_protocol, response_of
from tests.store.apps import Items
from tests.wsgi.support import serve

SURFACES = ("wsgi", "asgi")


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: bytes
    events: list[DecisionEvent] = field(default_factory=list)

    @property
    def event(self) -> DecisionEvent:
        [event] = self.events
        return event


class Client:
    """Requests through ``surface``'s middleware around ``items``, with ``options``."""

    def __init__(self, surface: str, items: Items, **options: Any) -> None:
        self.surface = surface
        self.events: list[DecisionEvent] = []
        options.setdefault("observer", self.events.append)
        if surface == "wsgi":
            self.app: Any = WSGIMiddleware(items.wsgi, **options)
        else:
            self.app = ASGIMiddleware(items.asgi, **options)

    def request(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        *,
        body: bytes = b"",
        host: str | None = "example.com",
    ) -> Result:
        """One request; ``target`` as the client sends it (percent-encoded, with a query)."""
        path, _, query = target.partition("?")
        fields = list(headers) if host is None else [("Host", host), *headers]
        self.events.clear()
        if self.surface == "wsgi":
            status, names, content = self._wsgi(method, path, query, fields, body)
        else:
            status, names, content = self._asgi(method, path, query, fields, body)
        return Result(status, names, content, list(self.events))

    def _wsgi(
        self, method: str, path: str, query: str, fields: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, encoding="latin-1"),  # as a server decodes it
            "QUERY_STRING": query,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
        }
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in fields:  # repeated lines joined, as servers join them
            key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = value if key not in environ else f"{environ[key]}, {value}"
        setup_testing_defaults(environ)
        if not any(name.lower() == "host" for name, _ in fields):
            del environ["HTTP_HOST"]
        response = serve(self.app, environ, validate=True)
        return response.code, {n.lower(): v for n, v in response.headers}, response.body

    def _asgi(
        self, method: str, path: str, query: str, fields: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in fields],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        sent: list[dict[str, Any]] = []
        requests = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return requests.pop() if requests else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        check_protocol(sent, method)
        response = response_of(sent)
        return response.status, {n.lower(): v for n, v in response.headers}, response.body
