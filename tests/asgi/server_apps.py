"""Apps the real-server tests start in a subprocess, beside the ones in examples/."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from condget.asgi import ConditionalMiddleware
from examples.starlette_app import routes

# The example's routes with the compressor outside condget (the example has
# the recommended order, condget outside).
gzip_outside = Starlette(
    routes=routes, middleware=[Middleware(GZipMiddleware), Middleware(ConditionalMiddleware)]
)

# The hazard docs/asgi.md warns about: a compressor that gzips even an empty
# body, outside condget, turns its 304 into one with a 20-byte body.
gzip_everything_outside = Starlette(
    routes=routes,
    middleware=[Middleware(GZipMiddleware, minimum_size=0), Middleware(ConditionalMiddleware)],
)
