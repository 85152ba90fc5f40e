"""Django: ``examples/django_app.py``, a Django WSGI application wrapped in condget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from tests.wsgi.support import load_example


@pytest.fixture(scope="module")
def example() -> Any:
    return load_example("django_app")


@pytest.fixture
def django_runs(example: Any) -> Iterator[list[str]]:
    """The paths Django handled (its request_started signal), to see what condget answered alone."""
    from django.core.signals import request_started

    runs: list[str] = []

    def started(sender: Any, environ: Any, **kwargs: Any) -> None:
        runs.append(environ["PATH_INFO"])

    request_started.connect(started)
    yield runs
    request_started.disconnect(started)


def test_auto_etag_page_200_then_304(example: Any, django_runs: list[str]) -> None:
    client = Client(example.application)
    first = client.get("/")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Content-Length"] == str(len(first.data))
    revalidated = client.get("/", headers={"If-None-Match": etag})
    assert (revalidated.status_code, revalidated.data) == (304, b"")
    assert revalidated.headers["ETag"] == etag
    assert "Content-Type" not in revalidated.headers
    head = client.head("/", headers={"If-None-Match": '"other"'})  # checked as GET (R31)
    assert (head.status_code, head.headers["ETag"]) == (200, etag)  # its body: the server drops it
    # The response side needs Django's response; the conditional HEAD, the GET's too.
    assert django_runs == ["/", "/", "/", "/"]


def test_article_304_and_412_without_running_django(example: Any, django_runs: list[str]) -> None:
    client = Client(example.application)
    first = client.get("/articles/hello")
    assert first.status_code == 200
    assert first.headers["ETag"] == '"v3"'  # filled in from the hook
    assert first.headers["Cache-Control"] == "no-cache"
    revalidated = client.get("/articles/hello", headers={"If-None-Match": '"v3"'})
    assert (revalidated.status_code, revalidated.headers["Cache-Control"]) == (304, "no-cache")
    stale = client.get("/articles/hello", headers={"If-Match": '"v2"'})
    assert stale.status_code == 412
    assert django_runs == ["/articles/hello"]


def test_django_errors_pass_through(example: Any) -> None:
    client = Client(example.application)
    missing = client.get("/articles/nope", headers={"If-None-Match": "*"})
    assert missing.status_code == 404
    assert "ETag" not in missing.headers


def test_the_opt_out_keeps_djangos_condition_before_the_view(example: Any) -> None:
    """hide_conditions=False: Django's @condition still answers 304 before its view runs."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse
    from django.views.decorators.http import condition

    from condget.wsgi import ConditionalMiddleware

    runs: list[str] = []

    @condition(etag_func=lambda request: '"v7"')
    def view(request: Any) -> HttpResponse:
        runs.append(request.method)
        return HttpResponse(b"costly page")

    def application(environ: Any, start_response: Any) -> list[bytes]:
        response = view(WSGIRequest(environ))
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]

    for hide_conditions, expected_runs in ((False, []), (True, ["GET"])):
        runs.clear()
        wrapped = ConditionalMiddleware(application, hide_conditions=hide_conditions)
        answer = Client(wrapped).get("/", headers={"If-None-Match": '"v7"'})
        assert answer.status_code == 304
        assert runs == expected_runs  # hidden, the view runs and condget answers from it
