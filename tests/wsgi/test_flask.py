"""Flask: the ``condget.flask.conditional`` view decorator, and the two Flask examples."""

from __future__ import annotations

import doctest
from typing import Any

import pytest
from flask import Flask, Response, abort

import condget.flask
from condget import Validators, format_http_date
from condget.flask import conditional
from tests.rfc_cases import Case, case_params
from tests.wsgi.support import load_example

ETAG = '"v3"'
LM = format_http_date(784111777)
EXPIRES = format_http_date(2000000000)
HEADERS = [
    ("Cache-Control", "max-age=60"),
    ("Vary", "Accept"),
    ("Expires", EXPIRES),
    ("Content-Location", "/things/a.json"),
]


def make_app(**options: Any) -> tuple[Flask, list[tuple[str, Any]]]:
    """An app whose views record their runs; ``/things/<name>`` is decorated."""
    app = Flask(__name__)
    runs: list[tuple[str, Any]] = []

    def validators(name: str) -> Validators | None:
        if name == "unknown":
            return None
        if name == "missing":
            return Validators(exists=False)
        return Validators(ETAG, LM, headers=HEADERS)

    @app.route("/things/<name>", methods=["GET", "PUT", "DELETE", "POST"])
    @conditional(validators, **options)
    def thing(name: str) -> Any:
        runs.append(("thing", name))
        if name == "gone":
            abort(410)
        if name == "not-here":
            return "not here", 404
        if name == "own-etag":
            response = Response("mine")
            response.headers["ETag"] = '"own"'
            response.headers["Cache-Control"] = "no-store"
            return response
        return f"thing {name}"

    return app, runs


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_304_without_running_the_view(method: str) -> None:
    app, runs = make_app()
    response = app.test_client().open("/things/a", method=method, headers={"If-None-Match": ETAG})
    assert response.status_code == 304
    assert response.data == b""
    assert runs == []
    # R33: the fields the 200 would carry, from Validators(headers=...).
    assert response.headers["ETag"] == ETAG
    assert response.headers["Last-Modified"] == LM
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["Vary"] == "Accept"
    # werkzeug drops these three from its own 304s; RFC 9110 §15.4.5 wants them.
    assert response.headers["Expires"] == EXPIRES
    assert response.headers["Content-Location"] == "/things/a.json"
    assert response.headers["Last-Modified"] == LM
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_412_stops_the_view_before_it_runs(method: str) -> None:
    app, runs = make_app()
    client = app.test_client()
    response = client.open("/things/a", method=method, headers={"If-Match": '"v2"'})
    assert response.status_code == 412  # R36
    assert response.data == b"412 Precondition Failed\n"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["ETag"] == ETAG  # what to retry against (R34)
    assert runs == []
    assert client.open("/things/a", method=method, headers={"If-Match": ETAG}).status_code == 200
    assert runs == [("thing", "a")]


def test_412_to_head_has_no_body() -> None:
    app, _ = make_app()
    response = app.test_client().head("/things/a", headers={"If-Match": '"v2"'})
    assert (response.status_code, response.data) == (412, b"")


def test_require_precondition_answers_428() -> None:
    app, runs = make_app(require_precondition=True)
    client = app.test_client()
    response = client.put("/things/a")
    assert response.status_code == 428
    assert response.data == b"428 Precondition Required\n"
    assert runs == []
    assert client.get("/things/a").status_code == 200  # safe methods need nothing
    assert client.put("/things/a", headers={"If-Match": ETAG}).status_code == 200
    assert client.put("/things/unknown").status_code == 200  # None: not guarded
    assert len(runs) == 3


def test_create_only_if_absent() -> None:
    app, runs = make_app()
    client = app.test_client()
    assert client.put("/things/missing", headers={"If-None-Match": "*"}).status_code == 200
    assert client.put("/things/a", headers={"If-None-Match": "*"}).status_code == 412
    assert client.put("/things/missing", headers={"If-Match": "*"}).status_code == 412
    assert runs == [("thing", "missing")]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_200_gets_the_validators_it_lacks(method: str) -> None:
    app, runs = make_app()
    response = app.test_client().open("/things/a", method=method)
    assert response.status_code == 200
    assert response.headers["ETag"] == ETAG
    assert response.headers["Last-Modified"] == LM
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.data == (b"thing a" if method == "GET" else b"")
    assert runs == [("thing", "a")]


def test_the_views_own_fields_win() -> None:
    app, _ = make_app()
    response = app.test_client().get("/things/own-etag")
    assert response.headers.getlist("ETag") == ['"own"']
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert response.headers["Vary"] == "Accept"  # the view set none


def test_error_responses_and_writes_get_no_fields() -> None:
    app, _ = make_app()
    client = app.test_client()
    gone = client.get("/things/gone")
    assert gone.status_code == 410
    assert "ETag" not in gone.headers
    not_here = client.get("/things/not-here")
    assert not_here.status_code == 404
    assert "ETag" not in not_here.headers
    put = client.put("/things/a", headers={"If-Match": ETAG})
    assert "ETag" not in put.headers  # the old version's tag would be wrong after a write


def test_validators_returning_none_runs_the_view_as_is() -> None:
    app, runs = make_app()
    response = app.test_client().get("/things/unknown", headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert runs == [("thing", "unknown")]


def test_the_decorated_view_keeps_its_name() -> None:
    app, _ = make_app()
    assert "thing" in app.view_functions
    assert app.view_functions["thing"].__name__ == "thing"


def test_an_async_view_works() -> None:
    app = Flask(__name__)

    @app.get("/async")
    @conditional(lambda: Validators(ETAG))
    async def view() -> str:
        return "async"

    client = app.test_client()
    response = client.get("/async")
    assert (response.status_code, response.data, response.headers["ETag"]) == (200, b"async", ETAG)
    assert client.get("/async", headers={"If-None-Match": ETAG}).status_code == 304


def test_the_docstring_example_runs() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(condget.flask.conditional, "conditional", globs={}):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert (results.attempted, results.failed) == (7, 0)


# --- The shared RFC table through the decorator (every method, R36) ---------------


@pytest.mark.parametrize(
    ("case", "method"), case_params(where=lambda case: 200 <= case.status < 300)
)
def test_rfc_case(case: Case, method: str) -> None:
    app = Flask(__name__)
    runs: list[str] = []
    methods = ["GET", "PUT", "DELETE", "POST", "OPTIONS", "TRACE", "CONNECT"]

    @app.route("/", methods=methods)
    @conditional(case.validators)
    def view() -> Response:
        runs.append(method)
        return Response(b"body", case.status)

    response = app.test_client().open("/", method=method, headers=list(case.headers))
    assert response.status_code == case.expected_status
    assert runs == ([method] if case.outcome.value is None else [])
    if response.status_code == 304:
        assert response.headers.get("ETag") == case.etag
        assert "Content-Type" not in response.headers


# --- The examples ---------------------------------------------------------------


def test_flask_app_example() -> None:
    example = load_example("flask_app")
    client = example.app.test_client()
    first = client.get("/")
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    assert client.get("/", headers={"If-None-Match": tag}).status_code == 304
    head = client.head("/", headers={"If-None-Match": tag})  # HEAD checked as GET (R31)
    assert (head.status_code, head.headers["ETag"], head.data) == (304, tag, b"")
    report = client.get("/report/2024")
    assert report.headers["ETag"] == '"report-2024-rev2"'
    revalidated = client.get(
        "/report/2024", headers={"If-Modified-Since": report.headers["Last-Modified"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.headers["Cache-Control"] == "max-age=3600"
    assert client.get("/report/2024", headers={"If-Match": '"old"'}).status_code == 412
    big = client.get("/big")
    assert len(big.data) == 10 * 1024 * 1024
    assert "ETag" not in big.headers  # over max_buffer: streamed untagged


def test_flask_api_example() -> None:
    example = load_example("flask_api")
    client = example.app.test_client()
    got = client.get("/items/1")
    etag = got.headers["ETag"]
    assert (got.status_code, got.json["name"]) == (200, "first item")
    assert got.headers["Cache-Control"] == "no-cache"
    assert client.get("/items/1", headers={"If-None-Match": etag}).status_code == 304
    assert client.put("/items/1", json={"name": "blind"}).status_code == 428
    updated = client.put("/items/1", json={"name": "second"}, headers={"If-Match": etag})
    assert updated.status_code == 200
    assert updated.headers["ETag"] != etag
    stale = client.put("/items/1", json={"name": "lost update"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert client.get("/items/1").json["name"] == "second"  # unchanged by the 412
    assert client.get("/items/99").status_code == 404
    created = client.put("/items/99", json={"name": "new"}, headers={"If-None-Match": "*"})
    assert created.status_code == 201
    again = client.put("/items/99", json={"name": "again"}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert client.delete("/items/99").status_code == 428
    deleted = client.delete("/items/99", headers={"If-Match": created.headers["ETag"]})
    assert deleted.status_code == 204
