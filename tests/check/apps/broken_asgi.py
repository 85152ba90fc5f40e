"""A bare ASGI app with known conditional-request defects, for ``condget check`` to find.

Each defect is a mistake seen in real code; tests/check/test_real_servers.py
lists the findings they must produce, and nothing else:

1. If-None-Match compared strongly (``W/"x"`` does not match ``"x"``), §13.1.2.
2. Its 304 carries ``Content-Length: 0`` and no ETag, §8.6 and §15.4.5.
3. ``If-None-Match: *`` gets 304 even on a 404, §13.2.1.
4. If-Match and If-Unmodified-Since are ignored, §13.1.1 and §13.1.4.
5. If-Range is ignored, and the Content-Range of a 206 is one byte too long, §13.1.5, §15.3.7.1.
6. A 416 without Content-Range, §15.5.17; an unknown range unit gets 416, §14.2.
7. gzip with the identity response's strong ETag and no Vary, §8.8.3, §12.5.5.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from condget import parse_http_date
from tests.check.site import LAST_MODIFIED, PAGE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ETAG = '"broken-v1"'
_RANGE = re.compile(r"(\w+)=(\d+)-(\d*)")
_MODIFIED = parse_http_date(LAST_MODIFIED)


def _not_modified_since(value: str | None) -> bool:
    since = None if value is None else parse_http_date(value)
    return since is not None and since >= _MODIFIED


async def _send(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    fields = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
    head = scope["method"] == "HEAD"
    inm = fields.get("if-none-match")
    not_modified = [("Content-Length", "0"), ("Cache-Control", "max-age=60")]  # defect 2
    if scope["path"] != "/page":
        if inm == "*":
            await _send(send, 304, not_modified, b"")  # defect 3
            return
        await _send(send, 404, [("Content-Type", "text/plain")], b"not found\n")
        return
    if inm is not None:
        # Defect 1: "W/" stays part of the tag, so only the exact strong tag matches.
        if inm.strip() == "*" or ETAG in [tag.strip() for tag in inm.split(",")]:
            await _send(send, 304, not_modified, b"")
            return
    elif _not_modified_since(fields.get("if-modified-since")):
        await _send(send, 304, not_modified, b"")
        return
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("ETag", ETAG),
        ("Last-Modified", LAST_MODIFIED),
        ("Cache-Control", "max-age=60"),
    ]
    # Defect 4: If-Match and If-Unmodified-Since are never looked at.
    asked = _RANGE.fullmatch(fields.get("range", "")) if not head else None
    if asked is not None:  # defect 5: If-Range is never looked at either
        unit, first, last = asked[1], int(asked[2]), int(asked[3] or len(PAGE) - 1)
        if unit != "bytes" or first >= len(PAGE):
            await _send(send, 416, [("Content-Type", "text/plain")], b"")  # defect 6
            return
        last = min(last, len(PAGE) - 1)
        part = PAGE[first : last + 1]
        content_range = f"bytes {first}-{last + 1}/{len(PAGE)}"  # defect 5: one too far
        await _send(send, 206, [*headers, ("Content-Range", content_range)], part)
        return
    body = PAGE
    if "gzip" in fields.get("accept-encoding", ""):
        body = gzip.compress(PAGE, mtime=0)  # defect 7: same strong ETag, no Vary
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(body))))
    await _send(send, 200, headers, b"" if head else body)
