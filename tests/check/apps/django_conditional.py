"""Django with ``ConditionalGetMiddleware``, no condget: a view that sets Last-Modified."""

from __future__ import annotations

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.http.ConditionalGetMiddleware"],
    SECRET_KEY="condget-check-not-secret",
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from tests.check.site import LAST_MODIFIED, PAGE  # noqa: E402


def page(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(PAGE, content_type="text/html; charset=utf-8")
    response["Last-Modified"] = LAST_MODIFIED
    response["Cache-Control"] = "max-age=60"
    return response


urlpatterns = [path("page", page)]
application = get_wsgi_application()
