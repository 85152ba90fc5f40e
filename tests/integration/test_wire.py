"""What condget's own replies look like on a real server's wire."""

from __future__ import annotations

import pytest

from tests.integration.support import Server
from tests.integration.upstream import served_app

REPLIES = [
    pytest.param("GET", "/page", {}, 200, id="app-200"),
    pytest.param("GET", "/page", {"If-None-Match": served_app.PAGE_ETAG}, 304, id="R33-304"),
    pytest.param("PUT", "/notes/1", {"If-Match": '"v0"'}, 412, id="R34-412"),
]


@pytest.mark.parametrize(("method", "path", "headers", "status"), REPLIES)
def test_exactly_one_date(
    server: Server, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    """Date is a single field (RFC 9110 §6.6.1), required on 304 and 412 (R33, R34).

    gunicorn and uvicorn add one to every response, so condget's replies
    leave Date to the server: a Date of their own would be a second one.
    """
    got, received, _ = server.request(method, path, headers, b"x" if method == "PUT" else b"")
    assert got == status
    assert len(received.get_all("Date") or []) == 1, received.get_all("Date")
