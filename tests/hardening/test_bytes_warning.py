"""condget under ``python -bb``: it never compares bytes with str.

A project that runs its tests with ``-bb`` (a ``BytesWarning`` is then an
error) must be able to import condget and send requests through both
middlewares, whose tables hold ASGI's ``bytes`` names beside WSGI's ``str``
ones. The flag is the interpreter's, so the requests run in a child process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

REQUESTS = textwrap.dedent(
    """
    import asyncio, io

    from condget import Conditions, evaluate
    from condget.asgi import ConditionalMiddleware as AsgiMiddleware
    from condget.engine import plain_start, scan_response
    from condget.wsgi import ConditionalMiddleware as WsgiMiddleware

    BODY = b"hello world"
    TAG = '"v1"'
    ASKS = [
        {},
        {"If-None-Match": TAG},
        {"If-None-Match": 'W/"other"'},
        {"If-Match": '"other"'},
        {"Range": "bytes=0-4"},
        {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},
    ]
    FIELDS = [
        [("Content-Type", "text/plain"), ("Content-Length", "11"), ("ETag", TAG)],
        [("content-type", "text/plain"), ("CONTENT-LENGTH", "11")],
        [("Content-Encoding", "identity"), ("Accept-Ranges", "bytes")],
    ]

    def wsgi_app(fields):
        def app(environ, start_response):
            start_response("200 OK", list(fields))
            return [BODY]
        return app

    def asgi_app(fields):
        async def app(scope, receive, send):
            headers = [(n.lower().encode(), v.encode()) for n, v in fields]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": BODY})
        return app

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    codes = []
    for fields in FIELDS:
        for method in ("GET", "HEAD"):
            for ask in ASKS:
                environ = {"REQUEST_METHOD": method, "PATH_INFO": "/", "wsgi.input": io.BytesIO()}
                environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in ask.items()})
                started = []
                body = WsgiMiddleware(wsgi_app(fields))(
                    environ, lambda status, headers, exc_info=None: started.append(status)
                )
                b"".join(body)
                codes.append(started[-1][:3])
                scope = {
                    "type": "http",
                    "method": method,
                    "path": "/",
                    "query_string": b"",
                    "headers": [(k.lower().encode(), v.encode()) for k, v in ask.items()],
                }
                asyncio.run(AsgiMiddleware(asgi_app(fields))(scope, receive, send))
        for pairs in (fields, [(n.encode(), v.encode()) for n, v in fields]):
            scan_response(pairs)
    assert "304" in codes and "206" in codes and "412" in codes, codes
    evaluate("GET", Conditions(if_none_match=TAG), etag=TAG)
    print("ok")
    """
)


def test_condget_never_compares_bytes_with_str() -> None:
    done = subprocess.run(
        [sys.executable, "-bb", "-c", REQUESTS], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"
