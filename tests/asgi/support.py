"""Drive ASGI applications with plain messages, and check what they send.

:func:`call` runs an application for one request and returns every message
it sent; :func:`check_protocol` asserts the sequence is one a server
accepts (exactly one ``http.response.start``, a body that ends once, no body
on HEAD or 304, a Content-Length that matches the body).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def scope(
    method: str = "GET", headers: Iterable[tuple[str, str]] = (), path: str = "/"
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "extensions": {"http.response.trailers": {}, "http.response.pathsend": {}},
    }


async def call_async(
    app: ASGIApp,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] = (),
    path: str = "/",
    *,
    request_body: bytes = b"",
) -> list[Message]:
    sent: list[Message] = []
    requests = [{"type": "http.request", "body": request_body, "more_body": False}]

    async def receive() -> Message:
        if requests:
            return requests.pop()
        await asyncio.sleep(3600)  # a real server blocks until the client goes
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope(method, headers, path), receive, send)
    return sent


def call(
    app: ASGIApp,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] = (),
    path: str = "/",
    *,
    request_body: bytes = b"",
) -> list[Message]:
    """Run ``app`` for one request; every message it sent, checked with :func:`check_protocol`."""
    sent = asyncio.run(call_async(app, method, headers, path, request_body=request_body))
    check_protocol(sent, method)
    return sent


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    start: Message

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        assert len(values) <= 1, f"{name} appears {len(values)} times"
        return values[0] if values else None

    def names(self) -> set[str]:
        return {n.lower() for n, _ in self.headers}


def response_of(messages: Sequence[Message]) -> Response:
    starts = [m for m in messages if m["type"] == "http.response.start"]
    assert len(starts) == 1, messages
    start = starts[0]
    headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in start.get("headers", [])]
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return Response(start["status"], headers, body, start)


BODY_KINDS = {"http.response.body", "http.response.pathsend", "http.response.zerocopysend"}
COUNTED_KINDS = {"http.response.start", "http.response.body", "http.response.trailers"}


def check_protocol(messages: Sequence[Message], method: str) -> None:
    """Assert that ``messages`` is a response an ASGI server can send."""
    kinds = [m["type"] for m in messages]
    assert kinds.count("http.response.start") == 1, kinds
    start = messages[kinds.index("http.response.start")]
    ended = False
    body = b""
    for message in messages[kinds.index("http.response.start") + 1 :]:
        kind = message["type"]
        if kind == "http.response.trailers":
            assert start.get("trailers", False), "trailers that the start did not announce"
            continue
        if kind not in BODY_KINDS:
            continue  # an extension message condget knows nothing about
        assert not ended, f"{kind} after the end of the body"
        if kind == "http.response.body":
            body += message.get("body", b"")
            ended = not message.get("more_body", False)
        elif kind == "http.response.pathsend":
            ended = True
        elif kind == "http.response.zerocopysend":
            ended = not message.get("more_body", False)
    status = start["status"]
    headers = {n.lower(): v for n, v in start.get("headers", [])}
    if method == "HEAD" or status in (204, 304):
        assert body == b"", f"a body on {method} {status}"
    if status == 304:
        assert not start.get("trailers", False), "a 304 announcing trailers"
        assert b"content-length" not in headers, "a Content-Length on a 304"
    elif b"content-length" in headers and method != "HEAD" and set(kinds) <= COUNTED_KINDS:
        assert int(headers[b"content-length"]) == len(body), "Content-Length disagrees with body"


def app_sending(
    status: int = 200,
    headers: Iterable[tuple[str, str]] = (("Content-Type", "text/plain"),),
    chunks: Sequence[bytes] = (b"hello, world",),
    *,
    content_length: bool = True,
    trailers: Sequence[tuple[str, str]] | None = None,
) -> ASGIApp:
    """An ASGI app that sends this response, body in ``chunks``; records what it was asked."""
    raw = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers]
    if content_length:
        raw.append((b"content-length", str(sum(map(len, chunks))).encode()))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        app.seen.append(scope["method"])  # type: ignore[attr-defined]
        start: Message = {"type": "http.response.start", "status": status, "headers": list(raw)}
        if trailers is not None:
            start["trailers"] = True
        await send(start)
        if scope["method"] == "HEAD":  # as frameworks do: the header fields, no body
            await send({"type": "http.response.body", "body": b""})
            return
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": not last})
        if not chunks:
            await send({"type": "http.response.body", "body": b""})
        if trailers is not None:
            await send(
                {
                    "type": "http.response.trailers",
                    "headers": [(n.encode(), v.encode()) for n, v in trailers],
                    "more_trailers": False,
                }
            )

    app.seen = []  # type: ignore[attr-defined]
    return app
