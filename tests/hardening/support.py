"""Strict in-process servers that record what a client would see, with timeouts.

``wsgi_serve`` follows PEP 3333's example server: headers go out with the
first non-empty body bytes, ``exc_info`` is re-raised once they have, and
``close()`` is always called. ``asgi_serve`` records the messages sent. Both
record the exception that reached the server (the object itself, to check
that it is the application's, unchanged) and fail if the exchange does not
finish within a few seconds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

TIMEOUT = 5.0  # seconds; nothing here should take a fraction of that

Headers = list[tuple[str, str]]
Message = dict[str, Any]


@dataclass
class WSGIExchange:
    """What the server sent for one request, and how it ended."""

    status: str | None = None
    headers: Headers | None = None
    body: bytes = b""
    error: BaseException | None = None


def wsgi_environ(method: str = "GET", headers: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": "/"}
    for name, value in headers:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def wsgi_serve(
    app: Callable[..., Iterable[bytes]],
    environ: dict[str, Any],
    *,
    stop_after: int | None = None,
) -> WSGIExchange:
    """Serve one request; ``stop_after`` chunks, the client goes away (the server stops reading)."""
    exchange = WSGIExchange()
    pending: list[tuple[str, Headers]] = []

    def send(data: bytes) -> None:
        assert type(data) is bytes
        if data and exchange.status is None:
            exchange.status, exchange.headers = pending[-1]
        exchange.body += data

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Any:
        if exc_info is not None and exchange.status is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        assert exc_info is not None or not pending, "start_response twice (PEP 3333)"
        pending.append((status, headers))
        return send

    def serve() -> None:
        try:
            body = app(environ, start_response)
            try:
                for count, chunk in enumerate(body, 1):
                    send(chunk)
                    if stop_after is not None and count >= stop_after:
                        return
                if exchange.status is None:
                    exchange.status, exchange.headers = pending[-1]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        except Exception as error:
            exchange.error = error

    _within_timeout(serve)
    return exchange


def _within_timeout(function: Callable[[], None]) -> None:
    thread = threading.Thread(target=function, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), f"still running after {TIMEOUT} s: it hangs"


@dataclass
class ASGIExchange:
    """The messages the server got for one request, and how it ended."""

    messages: list[Message] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def starts(self) -> list[Message]:
        return [m for m in self.messages if m["type"] == "http.response.start"]

    @property
    def body(self) -> bytes:
        return b"".join(
            m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"
        )


class Disconnected(OSError):
    """What a server's ``send`` raises once the client has gone (ASGI spec 2.4)."""


def asgi_scope(method: str = "GET", headers: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers],
    }


def asgi_serve(
    app: Callable[..., Any], scope: dict[str, Any], *, gone_after: int | None = None
) -> ASGIExchange:
    """Serve one request; after ``gone_after`` messages ``send`` raises ``Disconnected``.

    ``receive`` gives the (empty) request, then says ``http.disconnect``: an
    application that asks again learns that the client has gone.
    """
    exchange = ASGIExchange()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if gone_after is not None and len(exchange.messages) >= gone_after:
            raise Disconnected("client went away")
        exchange.messages.append(message)

    async def serve() -> None:
        try:
            await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"still running after {TIMEOUT} s: it hangs") from None
        except Exception as error:
            exchange.error = error

    asyncio.run(serve())
    return exchange
