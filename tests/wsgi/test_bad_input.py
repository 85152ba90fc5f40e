"""Absurd request header values never make the WSGI middleware fail (never a 500).

Each value goes into each conditional field, for GET, HEAD and PUT, through
the response side (with and without auto-ETag) and the pre-dispatch hook.
Raw environ dicts show that nothing raises; a Flask application, which turns
any exception into a 500, shows that no client can provoke one.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from condget import Validators
from condget.wsgi import ConditionalMiddleware
from tests.wsgi.support import App, environ, serve

ETAG = '"v1"'
LM = "Sun, 06 Nov 1994 08:49:37 GMT"

BAD_VALUES = {
    "64_kib_of_a": "a" * 65536,
    "64_kib_of_quotes": '"' * 65536,
    "64_kib_of_commas": "," * 65536,
    "64_kib_date_like": "Sun, 06 Nov 1994 08:49:37 GMT " * 2185,
    "10000_members": ", ".join(f'"tag{n}"' for n in range(10000)),
    "10000_members_then_match": ", ".join(f'"tag{n}"' for n in range(10000)) + f", {ETAG}",
    "10000_weak_members": ", ".join(f'W/"{n}"' for n in range(10000)),
    "10000_empty_members": ", " * 10000,
    "10000_stars": ", ".join("*" * 10000),
    "nul_bytes": '"v1\x00"\x00',
    "nul_in_date": "Sun, 06 Nov 1994 08:49:37\x00GMT",
    "only_nul": "\x00" * 100,
    "control_characters": "".join(map(chr, range(32))),
    "utf8_as_latin1": '"é€😀"'.encode().decode("latin-1"),
    "utf8_date_as_latin1": "Sün, 06 Növ 1994 08:49:37 GMT".encode().decode("latin-1"),
    "high_latin1": "".join(map(chr, range(128, 256))),
    "unterminated_quote": '"v1',
    "bare_w_slash": "W/",
    "huge_year": "Sun, 06 Nov 99999999999 08:49:37 GMT",
    "range_garbage": "bytes=" + "-" * 1000,
}
FIELDS = ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"]
SANE = {200, 206, 304, 412, 416, 428}  # 206 and 416: the Range field (R42-R45)


def hook(env: Any) -> Validators:
    return Validators(ETAG, LM)


def middlewares(app: Any) -> dict[str, Any]:
    return {
        "auto_etag": ConditionalMiddleware(app),
        "no_auto_etag": ConditionalMiddleware(app, auto_etag=False),
        "pre_dispatch": ConditionalMiddleware(app, validators=hook, require_precondition=True),
    }


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT"])
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_values_in_raw_environ(value: str, field: str, method: str) -> None:
    for name, app in (("tagged", App(headers=[("ETag", ETAG)])), ("untagged", App())):
        for mode, middleware in middlewares(app).items():
            started = time.perf_counter()
            response = serve(middleware, environ(method, [(field, value), ("Range", "bytes=0-1")]))
            assert response.code in SANE, (name, mode)
            assert time.perf_counter() - started < 1.0, (name, mode)  # linear, R3


@pytest.fixture(scope="module")
def flask_apps() -> dict[str, Any]:
    flask = Flask(__name__)

    @flask.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "hello"

    return {mode: middleware for mode, middleware in middlewares(flask.wsgi_app).items()}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_values_never_give_flask_a_500(value: str, field: str, flask_apps: Any) -> None:
    for mode, middleware in flask_apps.items():
        for method in ("GET", "HEAD", "PUT"):
            response = serve(middleware, environ(method, [(field, value)]))
            assert response.code in SANE, (mode, method)
