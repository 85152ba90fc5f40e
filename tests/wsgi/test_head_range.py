"""Review regression: a HEAD answered from a GET must not carry Range into the app (R23, R31)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pytest
from werkzeug.test import Client

from condget.wsgi import ConditionalMiddleware

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment


def ranged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    # Serves Range only for GET, as R23 says; HEAD gets the 200's header.
    if environ["REQUEST_METHOD"] == "GET" and "HTTP_RANGE" in environ:
        start_response(
            "206 Partial Content", [("Content-Range", "bytes 0-1/10"), ("Content-Length", "2")]
        )
        return [b"01"]
    start_response("200 OK", [("Content-Length", "10")])
    return [b"0123456789"]


@pytest.mark.parametrize("extra", [{}, {"If-Range": '"x"'}])
def test_head_with_range_gets_what_the_bare_app_sends(extra: dict[str, str]) -> None:
    headers = {"Range": "bytes=0-1", **extra}
    answers = []
    for app in (ranged, ConditionalMiddleware(ranged)):
        response = Client(app).head("/", headers=headers)
        answers.append((response.status_code, response.headers.get("Content-Length")))
    assert answers[0] == answers[1] == (200, "10")
