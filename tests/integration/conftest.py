from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.support import SERVERS, Server


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The served example under gunicorn, then under uvicorn, for the module's tests."""
    running = Server(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield running
    finally:
        logged = running.close()
    # Whatever the tests did, the server logged no error: condget broke nothing.
    assert "Traceback" not in logged, logged
    assert "ERROR" not in logged, logged
