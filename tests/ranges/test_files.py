"""File bodies are sought, not read up to: WSGI ``wsgi.file_wrapper`` and ASGI ``pathsend`` (§14.2).

A range of a file handed over by ``wsgi.file_wrapper`` or by path is read at
its offset; what it skips is never read. The 206 is byte for byte the one a
streamed body gives, and a full 200 keeps the server's own file wrapper (its
sendfile) or pathsend.
"""

from __future__ import annotations

import email.parser
import io
from pathlib import Path
from typing import Any

import pytest

from condget.asgi import ConditionalMiddleware as ASGIMiddleware
from condget.wsgi import ConditionalMiddleware as WSGIMiddleware
from tests.asgi.support import call, call_async, response_of, scope
from tests.wsgi.support import environ, serve

DATA = bytes(range(256)) * 40  # 10,240 bytes
ETAG = '"file-v1"'


class CountingFile(io.BytesIO):
    """A seekable file that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0
        self.closed_by: list[str] = []

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self.closed_by.append("close")
        super().close()


class Unseekable(CountingFile):
    def seekable(self) -> bool:
        return False


def file_app(file: io.BytesIO, data: bytes = DATA) -> Any:
    def app(env: dict[str, Any], start_response: Any) -> Any:
        headers = [("Content-Length", str(len(data))), ("ETag", ETAG)]
        start_response("200 OK", headers)
        return env["wsgi.file_wrapper"](file, 1024)

    return app


def parts(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return [
        (part["Content-Range"], part.get_payload(decode=True)) for part in message.get_payload()
    ]


def test_wsgi_a_range_of_a_file_is_sought() -> None:
    file = CountingFile(DATA)
    response = serve(WSGIMiddleware(file_app(file)), environ("GET", [("Range", "bytes=9000-9099")]))
    assert response.code == 206
    assert response.body == DATA[9000:9100]
    assert response.header("content-range") == "bytes 9000-9099/10240"
    assert file.bytes_read == 100  # nothing before the range was read
    assert file.closed_by == ["close"]


def test_wsgi_several_ranges_of_a_file_are_sought() -> None:
    file = CountingFile(DATA)
    env = environ("GET", [("Range", "bytes=10-19, 5000-5009, -5")])
    response = serve(WSGIMiddleware(file_app(file)), env)
    assert response.code == 206
    found = parts(response.header("content-type") or "", response.body)
    assert found == [
        ("bytes 10-19/10240", DATA[10:20]),
        ("bytes 5000-5009/10240", DATA[5000:5010]),
        ("bytes 10235-10239/10240", DATA[-5:]),
    ]
    assert int(response.header("content-length") or 0) == len(response.body)
    assert file.bytes_read == 25


def test_wsgi_a_file_read_from_where_it_stands() -> None:
    """A file wrapper sends from the file's position: so do its ranges."""
    file = CountingFile(b"HEADER" + DATA)
    file.seek(6)
    response = serve(WSGIMiddleware(file_app(file)), environ("GET", [("Range", "bytes=0-3")]))
    assert response.body == DATA[:4]


def test_wsgi_a_file_shorter_than_announced_ends_the_206_short() -> None:
    file = CountingFile(DATA[:100])
    response = serve(WSGIMiddleware(file_app(file)), environ("GET", [("Range", "bytes=50-199")]))
    assert response.code == 206
    assert response.body == DATA[50:100]


def test_wsgi_an_unseekable_file_is_streamed_and_cut() -> None:
    file = Unseekable(DATA)
    response = serve(WSGIMiddleware(file_app(file)), environ("GET", [("Range", "bytes=100-199")]))
    assert response.code == 206
    assert response.body == DATA[100:200]
    assert file.bytes_read < len(DATA)  # the rest was never read (the iterable was closed)


class ServerWrapper:
    """A server's own wsgi.file_wrapper, as gunicorn's (which it sends with sendfile)."""

    def __init__(self, filelike: Any, blksize: int = 8192) -> None:
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self) -> Any:
        return iter(lambda: self.filelike.read(self.blksize), b"")

    def close(self) -> None:
        self.filelike.close()


def test_wsgi_a_full_file_goes_back_through_the_servers_wrapper() -> None:
    file = CountingFile(DATA)
    env = environ("GET", [("Range", "bytes=0-9"), ("If-Range", '"other"')])
    env["wsgi.file_wrapper"] = ServerWrapper
    returned: list[Any] = []
    middleware = WSGIMiddleware(file_app(file))

    def spy(environ: Any, start_response: Any) -> Any:
        body = middleware(environ, start_response)
        returned.append(body)
        return body

    response = serve(spy, env)
    assert response.code == 200  # If-Range failed: the whole file (R46)
    assert response.body == DATA
    assert type(returned[0]) is ServerWrapper  # the server can still sendfile it


def test_wsgi_requests_without_range_keep_the_servers_wrapper() -> None:
    env = environ("GET")
    env["wsgi.file_wrapper"] = ServerWrapper
    seen: list[Any] = []

    def app(environ: Any, start_response: Any) -> Any:
        seen.append(environ["wsgi.file_wrapper"])
        start_response("200 OK", [("Content-Length", "3"), ("ETag", ETAG)])
        return [b"abc"]

    serve(WSGIMiddleware(app), env)
    assert seen == [ServerWrapper]


def pathsend_app(path: Path, length: int) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-length", str(length).encode()), (b"etag", ETAG.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": str(path)})
        else:
            await send({"type": "http.response.body", "body": path.read_bytes()})

    return app


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


def test_asgi_a_range_of_a_pathsend_file_is_sought(data_file: Path) -> None:
    messages = call(
        ASGIMiddleware(pathsend_app(data_file, len(DATA))), "GET", [("Range", "bytes=9000-")]
    )
    response = response_of(messages)
    assert response.status == 206
    assert response.body == DATA[9000:]
    assert response.header("content-range") == "bytes 9000-10239/10240"


def test_asgi_several_ranges_of_a_pathsend_file(data_file: Path) -> None:
    headers = [("Range", "bytes=0-0,-1")]
    response = response_of(call(ASGIMiddleware(pathsend_app(data_file, len(DATA))), "GET", headers))
    assert response.status == 206
    found = parts(response.header("content-type") or "", response.body)
    assert found == [("bytes 0-0/10240", DATA[:1]), ("bytes 10239-10239/10240", DATA[-1:])]


def test_asgi_a_pathsend_file_shorter_than_announced_ends_short(data_file: Path) -> None:
    import asyncio

    app = pathsend_app(data_file, 20_000)
    # Not call(): its protocol check would (rightly) flag the short body.
    messages = asyncio.run(call_async(ASGIMiddleware(app), "GET", [("Range", "bytes=10000-10999")]))
    assert messages[0]["status"] == 206
    assert b"".join(m.get("body", b"") for m in messages[1:]) == DATA[10000:]


def test_asgi_offers_pathsend_for_a_range_and_sends_a_full_file_itself(
    data_file: Path,
) -> None:
    """A server without pathsend (uvicorn): condget offers it, and reads the file for a 200."""
    import asyncio

    request = scope("GET", [("Range", "bytes=0-9"), ("If-Range", '"other"')])
    request["extensions"] = {}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("not read")  # pragma: no cover

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    app = pathsend_app(data_file, len(DATA))
    asyncio.run(ASGIMiddleware(app)(request, receive, send))
    assert sent[0]["status"] == 200  # If-Range failed (R46)
    assert {m["type"] for m in sent[1:]} == {"http.response.body"}
    assert b"".join(m["body"] for m in sent[1:]) == DATA
    assert sent[-1].get("more_body", False) is False


def test_asgi_a_server_with_pathsend_gets_the_path_for_a_full_file(data_file: Path) -> None:
    messages = call(
        ASGIMiddleware(pathsend_app(data_file, len(DATA))),
        "GET",
        [("Range", "bytes=0-9"), ("If-Range", '"other"')],
    )
    assert messages[0]["status"] == 200
    assert messages[1] == {"type": "http.response.pathsend", "path": str(data_file)}


@pytest.mark.parametrize("hide_conditions", [True, False])
def test_wsgi_flask_send_file_with_its_own_ranges(tmp_path: Path, hide_conditions: bool) -> None:
    """Range hidden, condget cuts the 206; shown, Werkzeug seeks condget's wrapper to cut it."""
    from flask import Flask, send_file

    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    app = Flask(__name__)

    @app.get("/data.bin")
    def data() -> Any:
        return send_file(path)  # conditional=True: Werkzeug answers Range itself

    app.wsgi_app = WSGIMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, hide_conditions=hide_conditions
    )
    client = app.test_client()
    with client.get("/data.bin", headers={"Range": "bytes=5000-5009"}) as response:
        assert response.status_code == 206
        assert response.data == DATA[5000:5010]
    with client.get("/data.bin") as full:
        assert (full.status_code, full.data) == (200, DATA)
