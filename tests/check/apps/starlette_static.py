"""Starlette's ``StaticFiles``, no condget: ETag, Last-Modified, 304 and ranges of its own."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from tests.check.site import static_directory

app = Starlette(routes=[Mount("/static", StaticFiles(directory=static_directory()))])
