"""The FastAPI + Redis example of docs/fleets.md, run against a real redis-server.

tests/docs/test_snippets.py runs every block without a Redis (RedisStore
connects on first use); here the FastAPI block is served, through
Starlette's test client, with ``REDIS_URL`` naming the session's
redis-server, and then naming a closed port.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.store.redis_server import RedisServer, free_port

PAGE = Path(__file__).resolve().parents[2] / "docs" / "fleets.md"


def fastapi_example(monkeypatch: pytest.MonkeyPatch, url: str) -> dict[str, Any]:
    blocks = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(), re.DOTALL | re.MULTILINE)
    [code] = [block for block in blocks if "RedisStore(" in block and "FastAPI" in block]
    monkeypatch.setenv("REDIS_URL", url)
    namespace: dict[str, Any] = {"__name__": "fleets_fastapi_example"}
    exec(compile(code, str(PAGE), "exec"), namespace)
    return namespace


def test_the_fastapi_example_answers_from_redis(
    monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer
) -> None:
    example = fastapi_example(monkeypatch, redis_server.url)
    served = example["served"]
    with TestClient(example["app"]) as client:
        first = client.get("/items/1")
        tag = first.headers["etag"]
        assert (first.status_code, served) == (200, [1])
        hit = client.get("/items/1", headers={"If-None-Match": tag})
        assert (hit.status_code, served) == (304, [1])  # from Redis: the view did not run
        assert client.put("/items/1", params={"name": "uno"}).status_code == 204
        fresh = client.get("/items/1", headers={"If-None-Match": tag})
        assert (fresh.status_code, fresh.json()["name"], served) == (200, "uno", [1, 1])
    example["store"].close()


def test_the_fastapi_example_works_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    example = fastapi_example(monkeypatch, f"redis://127.0.0.1:{free_port()}/0")
    served = example["served"]
    with TestClient(example["app"]) as client:
        tag = client.get("/items/1").headers["etag"]
        again = client.get("/items/1", headers={"If-None-Match": tag})
        assert again.status_code == 304  # the response side, after the view ran
        assert served == [1, 1]
        assert client.put("/items/1", params={"name": "uno"}).status_code == 204
    example["store"].close()
