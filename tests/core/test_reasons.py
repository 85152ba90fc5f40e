"""Every decision's reason code (docs/observability.md), one named row each, for GET and HEAD."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from condget import Outcome, evaluate, reply_for

ROOT = Path(__file__).resolve().parents[2]
LM = "Sun, 06 Nov 1994 08:49:37 GMT"
EARLIER = "Sat, 05 Nov 1994 08:49:37 GMT"


class Row(NamedTuple):
    name: str
    headers: dict[str, str]
    etag: str | None
    outcome: Outcome
    reason: str
    method: str = "GET"
    status: int | None = 200
    require: bool = False


ROWS = [
    Row("nothing", {}, '"v"', Outcome.PROCEED, "no-preconditions"),
    Row(
        "an error response", {"If-None-Match": '"v"'}, '"v"', Outcome.PROCEED, "not-2xx", status=404
    ),
    Row(
        "options",
        {"If-Match": '"x"'},
        '"v"',
        Outcome.PROCEED,
        "method-ignores-preconditions",
        method="OPTIONS",
    ),
    Row("if-match true", {"If-Match": '"v"'}, '"v"', Outcome.PROCEED, "im-match"),
    Row("if-match other", {"If-Match": '"x"'}, '"v"', Outcome.PRECONDITION_FAILED, "im-no-match"),
    Row(
        "if-match weak", {"If-Match": 'W/"v"'}, 'W/"v"', Outcome.PRECONDITION_FAILED, "im-weak-tag"
    ),
    Row("if-match no tag", {"If-Match": '"v"'}, None, Outcome.PRECONDITION_FAILED, "im-no-current"),
    Row("if-match invalid", {"If-Match": "v"}, '"v"', Outcome.PRECONDITION_FAILED, "im-invalid"),
    Row("ius true", {"If-Unmodified-Since": LM}, None, Outcome.PROCEED, "ius-unmodified"),
    Row(
        "ius false",
        {"If-Unmodified-Since": EARLIER},
        None,
        Outcome.PRECONDITION_FAILED,
        "ius-modified",
    ),
    Row("ius invalid", {"If-Unmodified-Since": "yesterday"}, None, Outcome.PROCEED, "ius-ignored"),
    Row("inm match", {"If-None-Match": '"v"'}, '"v"', Outcome.NOT_MODIFIED, "inm-match"),
    Row("inm other", {"If-None-Match": '"x"'}, '"v"', Outcome.PROCEED, "inm-no-match"),
    Row("inm invalid", {"If-None-Match": "v"}, '"v"', Outcome.PROCEED, "inm-invalid"),
    Row(
        "inm on put",
        {"If-None-Match": "*"},
        '"v"',
        Outcome.PRECONDITION_FAILED,
        "inm-match",
        method="PUT",
    ),
    Row("ims equal", {"If-Modified-Since": LM}, None, Outcome.NOT_MODIFIED, "ims-not-modified"),
    Row("ims earlier", {"If-Modified-Since": EARLIER}, None, Outcome.PROCEED, "ims-modified"),
    Row("ims invalid", {"If-Modified-Since": "soon"}, None, Outcome.PROCEED, "ims-ignored"),
    Row(
        "428",
        {},
        '"v"',
        Outcome.PRECONDITION_REQUIRED,
        "precondition-required",
        method="PUT",
        require=True,
    ),
]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_reason(row: Row, method: str) -> None:
    if row.method != "GET":
        method = row.method
    decision = evaluate(
        method,
        row.headers,
        etag=row.etag,
        last_modified=LM if row.etag is None else None,
        status=row.status,
        require_precondition=row.require,
    )
    assert (decision.outcome, decision.reason) == (row.outcome, row.reason)
    reply = reply_for(decision, [])
    assert reply is None or reply.decision is decision


def test_reasons_do_not_change_equality() -> None:
    one = evaluate("GET", {"If-None-Match": '"x"'}, etag='"v"')
    other = evaluate("GET", {}, etag='"v"')
    assert one.reason != other.reason
    assert one == other


def test_every_reason_is_documented() -> None:
    page = (ROOT / "docs" / "observability.md").read_text()
    documented = set(re.findall(r"^\| `([a-z0-9:-]+)` \|", page, re.MULTILINE))
    assert {row.reason for row in ROWS} <= documented
