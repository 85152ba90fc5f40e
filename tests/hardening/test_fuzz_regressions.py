"""What fuzzing found, each pinned down as a named, readable case.

Found by the ``fuzz/wsgi.py`` target (atheris, and Hypothesis in
``test_fuzz_targets.py``) within seconds. PEP 3333 says the server calls the
iterable's ``close()`` once; condget stands between the two, so it must pass
exactly one ``close()`` to the application, whatever the path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from condget.wsgi import ConditionalMiddleware


class Closing:
    """An application's body that counts ``close()`` and may raise in it."""

    def __init__(self, chunks: list[bytes], *, fail_in_close: bool = False) -> None:
        self._chunks = iter(chunks)
        self.closed = 0
        self._fail_in_close = fail_in_close

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self.closed += 1
        if self._fail_in_close:
            raise CloseError


class CloseError(Exception):
    pass


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return lambda data: None


def test_wsgi_close_once_when_the_client_leaves_after_the_auto_etag_gave_up() -> None:
    # 4 bytes with Content-Length, max_buffer=1: condget holds "a", "b", gives
    # up the auto-ETag, and streams the rest. The client leaves after 3 chunks.
    body = Closing([b"a", b"b", b"c", b"d"])

    def app(environ: dict[str, Any], start_response: Any) -> Closing:
        start_response("200 OK", [("Content-Length", "4")])
        return body

    chain: Any = ConditionalMiddleware(app, max_buffer=1)({"REQUEST_METHOD": "GET"}, start_response)
    for count, _ in enumerate(chain, 1):
        if count == 3:
            break  # the server stops iterating, as when the client goes away...
    chain.close()  # ...and calls close(), as PEP 3333 requires
    assert body.closed == 1


@pytest.mark.parametrize(
    ("method", "request_field"),
    [
        pytest.param("GET", ("HTTP_IF_NONE_MATCH", '"v1"'), id="not_modified"),
        pytest.param("GET", ("HTTP_IF_MATCH", '"v0"'), id="precondition_failed"),
        pytest.param("HEAD", ("HTTP_IF_NONE_MATCH", '"v1"'), id="head_not_modified"),
    ],
)
def test_wsgi_close_that_raises_is_not_called_again(
    method: str, request_field: tuple[str, str]
) -> None:
    body = Closing([b"hello"], fail_in_close=True)

    def app(environ: dict[str, Any], start_response: Any) -> Closing:
        start_response("200 OK", [("ETag", '"v1"'), ("Content-Length", "5")])
        return body

    environ = {"REQUEST_METHOD": method, request_field[0]: request_field[1]}
    with pytest.raises(CloseError):
        # The failure reaches the server unchanged, as it would without condget...
        ConditionalMiddleware(app)(environ, start_response)
    assert body.closed == 1  # ...after exactly one close()
