"""The fuzz targets' invariants, checked by Hypothesis on every run of the suite.

Each target in ``fuzz/`` turns arbitrary bytes into a scenario and asserts
condget's invariants on it (see each module's docstring). atheris explores
them for hours (``fuzz/README.md``); here Hypothesis feeds them random bytes
under the ``ci`` profile (more under ``HYPOTHESIS_PROFILE=deep``), so the
targets cannot rot and every invariant runs in CI. Explicit examples pin the
inputs atheris found interesting.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from fuzz import asgi, etag_list, evaluate, http_date, wsgi

# Scenarios are decoded front to back, so a few hundred bytes reach every choice.
DATA = st.binary(max_size=400)


@given(DATA)
@example(b"")
# Unstructured input; the resource's tag is W/"b", the list's second member.
@example(b'\x00\x03\x01"a,b", W/"b"')  # R5: '"a,b"' is one member
@example(b'\x00\x00\x01"a","')  # unbalanced quotes
@example(b"\x00\x01\x01 \t*\t ")  # "*" with OWS around it (R2, R6)
def test_etag_list_target(data: bytes) -> None:
    etag_list.one_input(data)


@given(DATA)
@example(b"")
@example(b"\x00\x08")  # a leap second on 9999-12-31, past what a datetime holds
@example(b"\x01Sun Nov  6 08:49:37 1994")
@example(b"\x01Sunday, 06-Nov-94 08:49:37 GMT")
def test_http_date_target(data: bytes) -> None:
    http_date.one_input(data)


@given(DATA)
@example(b"")
def test_evaluate_target(data: bytes) -> None:
    evaluate.one_input(data)


@given(DATA)
@example(b"")
# A GET with an empty If-Match (412) to an app whose close() raises.
@example(b"\x00M\xe2\xcf\x00\x00\x00\x00\x00\x00\x00\x00\xf5\xaf\xd3\x00\xf5\xf5")
def test_wsgi_target(data: bytes) -> None:
    wsgi.one_input(data)


@given(DATA)
@example(b"")
def test_asgi_target(data: bytes) -> None:
    asgi.one_input(data)
