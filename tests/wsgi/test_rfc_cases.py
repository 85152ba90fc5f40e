"""The shared RFC 9110 case table (tests/rfc_cases.py) through the WSGI middleware.

Both modes: the response side (validators read from the app's response; GET
and HEAD only, R36), with and without auto-ETag, and the pre-dispatch hook
(validators given up front; every method of every case). Each runs twice:
with raw environ dicts under ``wsgiref.validate.validator`` on both sides of
the middleware, and through werkzeug's test ``Client`` around a werkzeug
application.
"""

from __future__ import annotations

from typing import Any
from wsgiref.validate import validator

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from condget import Conditions, format_http_date
from condget.wsgi import ConditionalMiddleware
from tests.rfc_cases import Case, case_params
from tests.wsgi.support import App, environ, serve

BODY = b"the representation"

# The response side sees what GET and HEAD return for a resource that exists.
RESPONSE_SIDE = case_params(("GET", "HEAD"), where=lambda case: case.exists)
# The hook describes a 2xx (or 412) resource before the app runs.
PRE_DISPATCH = case_params(where=lambda case: 200 <= case.status < 300 or case.status == 412)
# wsgiref.validate warns about CONNECT, which R29's cases use on purpose.
UNKNOWN_METHOD_IS_FINE = pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")


def without_body(status: int) -> bool:
    return status in (204, 304)


def raw_app(case: Case) -> App:
    if without_body(case.status):
        return App(f"{case.status} X", case.response_headers(), ())
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]
    return App(f"{case.status} X", [*headers, *case.response_headers()], (BODY,))


def werkzeug_app(case: Case) -> Any:
    calls: list[str] = []

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        calls.append(request.method)
        body = b"" if without_body(case.status) else BODY
        return Response(body, case.status, case.response_headers(), content_type="text/plain")

    app.calls = calls  # type: ignore[attr-defined]
    return app


def check(
    case: Case,
    method: str,
    response: tuple[int, dict[str, str], bytes],
    *,
    head_body: bytes,
    pre_dispatch: bool,
) -> None:
    """Assert the response is the case's: condget's 304/412, or the app's own one.

    ``head_body`` is what the app's HEAD response carries when condget lets it
    through (a bare app sends its body, werkzeug strips it).
    """
    status, headers, body = response
    served_status, served_body = case.served(method, BODY)
    assert status == served_status
    # The response side answers only 2xx responses (R28); the hook assumes one.
    replied = case.outcome.value is not None and (pre_dispatch or 200 <= case.status < 300)
    if replied and status == 304:
        assert body == b""
        # R39: the 304 names the validators the 200 would carry.
        if case.etag is not None:
            assert headers.get("etag") == case.etag
        if case.last_modified is not None:
            assert headers.get("last-modified") == format_http_date(case.last_modified)
        assert "content-type" not in headers  # R33
        assert "content-length" not in headers
    elif replied:
        assert body == (b"" if method == "HEAD" else b"412 Precondition Failed\n")
        assert headers["content-length"] == "24"  # R34: its own length, not the 200's
    elif without_body(status):
        assert body == b""
    else:
        assert body == (head_body if method == "HEAD" else served_body)  # the app's, or its 206


def response_side_tags(case: Case) -> bool:
    """Whether the response side gives this case's response an auto-ETag (a 2xx with a body)."""
    return 200 <= case.status < 300 and not without_body(case.status)


def lowered(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


@pytest.mark.parametrize("auto_etag", [True, False], ids=["auto_etag", "no_auto_etag"])
@pytest.mark.parametrize(("case", "method"), RESPONSE_SIDE)
def test_response_side_with_raw_environ_under_validator(
    case: Case, method: str, auto_etag: bool
) -> None:
    app = raw_app(case)
    middleware = ConditionalMiddleware(validator(app), auto_etag=auto_etag)
    response = serve(middleware, environ(method, case.headers), validate=True)
    result = (response.code, lowered(response.headers), response.body)
    # A conditional HEAD without a tag is answered from the GET (§9.3.2):
    # the GET's body is hashed, none of it sent.
    fetched = app.methods == ["HEAD", "GET"]
    assert fetched == (
        method == "HEAD"
        and auto_etag
        and case.etag is None
        and response_side_tags(case)
        and Conditions.from_headers(case.headers).decisive
    )
    check(case, method, result, head_body=b"" if fetched else BODY, pre_dispatch=False)
    assert app.closed == (2 if fetched else 1)


@pytest.mark.parametrize("auto_etag", [True, False], ids=["auto_etag", "no_auto_etag"])
@pytest.mark.parametrize(("case", "method"), RESPONSE_SIDE)
def test_response_side_through_werkzeug_client(case: Case, method: str, auto_etag: bool) -> None:
    client = Client(ConditionalMiddleware(werkzeug_app(case), auto_etag=auto_etag))
    response = client.open("/", method=method, headers=list(case.headers))
    result = (response.status_code, lowered(response.headers), response.get_data())
    check(case, method, result, head_body=b"", pre_dispatch=False)


@UNKNOWN_METHOD_IS_FINE
@pytest.mark.parametrize(("case", "method"), PRE_DISPATCH)
def test_pre_dispatch_with_raw_environ_under_validator(case: Case, method: str) -> None:
    app = raw_app(case)
    middleware = ConditionalMiddleware(validator(app), validators=lambda env: case.validators())
    response = serve(middleware, environ(method, case.headers), validate=True)
    result = (response.code, lowered(response.headers), response.body)
    check(case, method, result, head_body=BODY, pre_dispatch=True)
    # R36: the app runs only when the request proceeds.
    assert app.methods == ([method] if case.outcome.value is None else [])


@pytest.mark.parametrize(("case", "method"), PRE_DISPATCH)
def test_pre_dispatch_through_werkzeug_client(case: Case, method: str) -> None:
    app = werkzeug_app(case)
    client = Client(ConditionalMiddleware(app, validators=lambda env: case.validators()))
    response = client.open("/", method=method, headers=list(case.headers))
    result = (response.status_code, lowered(response.headers), response.get_data())
    check(case, method, result, head_body=b"", pre_dispatch=True)
    assert app.calls == ([method] if case.outcome.value is None else [])
