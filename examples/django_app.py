"""A one-file Django project whose WSGI application is wrapped in condget.

Run it with ``gunicorn --chdir examples django_app:application``, or
``python examples/django_app.py runserver``. In a real project the same line
goes in ``wsgi.py``::

    application = ConditionalMiddleware(get_wsgi_application())

- ``/`` sets no ETag: condget hashes the body (a weak auto-ETag) and answers
  revalidations with 304. Django's ``CommonMiddleware`` sets the
  ``Content-Length`` that tells condget the body is complete.
- ``/articles/<slug>``: a ``validators`` hook knows each article's version
  before Django runs, so a 304 (or a 412 for a stale ``If-Match``) costs no
  view, no template, no database query (R36). The 200 gets the hook's
  ``ETag`` and ``Cache-Control`` from condget.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="an example, not a secret",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import Http404, HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from condget import Validators  # noqa: E402
from condget.wsgi import ConditionalMiddleware  # noqa: E402

if TYPE_CHECKING:
    from wsgiref.types import WSGIEnvironment

# The "database": article slug -> (version, text).
ARTICLES = {"hello": (3, "Hello, conditional requests."), "rfc": (1, "RFC 9110 §13, in short.")}


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>condget + Django</h1>" + "<p>An auto-ETag page.</p>" * 40)


def article(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in ARTICLES:
        raise Http404(slug)
    version, text = ARTICLES[slug]
    return HttpResponse(f"<h1>{slug}</h1><p>{text}</p><p>version {version}</p>")


urlpatterns = [path("", index), path("articles/<slug:slug>", article)]


def article_validators(environ: WSGIEnvironment) -> Validators | None:
    """The article's version, read before Django runs; ``None`` for other paths."""
    prefix = "/articles/"
    path_info: str = environ.get("PATH_INFO", "")
    if not path_info.startswith(prefix) or path_info[len(prefix) :] not in ARTICLES:
        return None
    version, _ = ARTICLES[path_info[len(prefix) :]]
    return Validators(f'"v{version}"', headers=[("Cache-Control", "no-cache")])


application = ConditionalMiddleware(get_wsgi_application(), validators=article_validators)


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
