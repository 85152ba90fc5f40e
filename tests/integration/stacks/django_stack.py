# mypy: disable-error-code="import-untyped,untyped-decorator"
# (Django ships no type information.)
"""Django under gunicorn, ``ConditionalGetMiddleware`` left on, condget around the WSGI app.

The brief of this stack is the project a user already has: Django's own
``ConditionalGetMiddleware`` enabled (it sets a strong MD5 ``ETag`` on GET
responses and answers 304/412 itself), and condget added in ``wsgi.py`` as
docs/django.md says. condget hides a GET's conditions from Django
(``hide_conditions``), so Django always renders the full 200 and condget
alone answers.

* ``/page``: a plain view; Django's middleware sets its ETag; the view sets
  ``Cache-Control``, ``Expires``, ``Vary`` and ``Last-Modified``, which a 304
  must repeat (R33);
* ``/notes/<name>``: GET, PUT, DELETE of a :class:`tests.integration.stacks.Notes` note.
"""

from __future__ import annotations

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="a test stack, not a secret",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    MIDDLEWARE=[
        "django.middleware.http.ConditionalGetMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from condget.wsgi import ConditionalMiddleware  # noqa: E402
from tests.integration.stacks import Notes, data_dir, note_fields  # noqa: E402

NOTES = Notes(data_dir())
PAGE = "<h1>condget + Django</h1>" + "<p>A page Django tags with its MD5 ETag.</p>" * 40
PAGE_FIELDS = {
    "Cache-Control": "max-age=60",
    "Expires": "Wed, 01 Jan 2025 12:01:00 GMT",
    "Vary": "Accept-Language",
    "Last-Modified": "Wed, 01 Jan 2025 12:00:00 GMT",
}


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, headers=PAGE_FIELDS)


@csrf_exempt
def note(request: HttpRequest, name: str) -> HttpResponse:
    if request.method == "PUT":
        stored = NOTES.put(name, request.body)
        if stored is None:
            return HttpResponse("bad name\n", status=400, content_type="text/plain")
        body, etag = stored
        return HttpResponse(body, content_type="application/json", headers={"ETag": etag})
    if request.method == "DELETE":
        return HttpResponse(status=204 if NOTES.delete(name) else 404)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, PUT, DELETE"})
    found = NOTES.get(name)
    if found is None:
        return HttpResponse("no such note\n", status=404, content_type="text/plain")
    body, etag = found
    return HttpResponse(body, content_type="application/json", headers=note_fields(name, etag))


urlpatterns = [path("page", page), path("notes/<str:name>", note)]

application = ConditionalMiddleware(get_wsgi_application())
