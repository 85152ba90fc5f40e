"""``condget check`` against real servers nobody here wrote, and against condget itself.

The checker must find exactly the known defects of tests/check/apps/broken_asgi.py,
nothing at all on condget's own apps, and on the others exactly what they
really do wrong: each finding below was confirmed by hand with curl and rests
on the RFC 9110 sentence its check cites (docs/check.md gives each rationale).
``--writes`` is on: these servers are throwaway, and a correct one changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from condget._check._registry import Status
from condget._check._report import Report
from condget._check._run import check_url
from condget._check._target import Options
from tests.check.servers import Subject, subjects

KNOWN = {
    # nginx 1.22: HEAD with Range gets 206 (§14.2); a matching If-None-Match
    # with an older If-Modified-Since gets 200, the date not ignored (§13.1.3);
    # with gzip_vary the 200 carries Vary and the 304 does not (§15.4.5);
    # dates are matched exactly (if_modified_since exact: a SHOULD, §13.1.3).
    "nginx": {
        "ims-later": "warn",
        "inm-beats-ims-match": "fail",
        "not-modified-headers": "fail",
        "range-head": "fail",
    },
    # Werkzeug's send_file: unquoted tags match (R4), If-Match: * gets 412,
    # If-Unmodified-Since is not evaluated, several ranges and an unknown unit
    # get 416, HEAD gets 206, a weak If-Range matches.
    "flask": {
        "inm-malformed": "fail",
        "if-match-star": "fail",
        "ius-older": "fail",
        "range-multiple": "warn",
        "range-invalid-unit": "fail",
        "range-head": "fail",
        "if-range-weak": "fail",
    },
    # StaticFiles evaluates neither If-Match nor If-Unmodified-Since, answers
    # 400 to an unknown range unit, and 206 to HEAD.
    "starlette": {
        "if-match-weak": "fail",
        "if-match-stale": "fail",
        "ius-older": "fail",
        "range-invalid-unit": "fail",
        "range-head": "fail",
    },
    # ConditionalGetMiddleware handles GET only: HEAD gets no ETag (allowed for
    # one computed from the content) and so no 304; the view answers PUT like GET.
    "django": {
        "head-inm": "warn",
        "writes-put-if-match": "warn",
        "writes-put-ius": "warn",
    },
    "condget-demo": {},
    "condget-asgi": {},
    # tests/check/apps/broken_asgi.py, defect by defect.
    "broken": {
        "inm-weak-comparison": "fail",  # 1
        "not-modified-headers": "fail",  # 2
        "not-modified-content-length": "fail",  # 2
        "error-inm-star": "fail",  # 3
        "if-match-weak": "fail",  # 4
        "if-match-stale": "fail",  # 4
        "ius-older": "fail",  # 4
        "writes-put-if-match": "warn",  # 4
        "writes-put-ius": "warn",  # 4
        "range-single": "fail",  # 5
        "range-large-numbers": "fail",  # 5
        "if-range-strong": "fail",  # 5
        "if-range-weak": "fail",  # 5
        "if-range-stale": "fail",  # 5
        "if-range-date": "fail",  # 5
        "if-range-date-older": "fail",  # 5
        "range-unsatisfiable": "warn",  # 6
        "range-invalid-unit": "fail",  # 6
        "encoding-etag-differs": "warn",  # 7
        "encoding-vary": "warn",  # 7
    },
}
SUBJECTS = subjects()


@pytest.fixture(scope="module", params=SUBJECTS, ids=[subject.name for subject in SUBJECTS])
def report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Report]:
    subject: Subject = request.param
    with subject.start(tmp_path_factory.mktemp(subject.name)) as url:
        yield check_url(url, Options(writes=True))


def _findings(report: Report) -> dict[str, str]:
    return {
        finding.check.id: finding.verdict.status.value
        for finding in report.findings
        if finding.verdict.status in (Status.FAIL, Status.WARN)
    }


def test_the_checker_finds_exactly_the_known_findings(
    report: Report, request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.id
    assert report.error is None
    assert _findings(report) == KNOWN[name]


def test_every_finding_cites_its_section(report: Report) -> None:
    for finding in report.findings:
        assert finding.check.rfc.startswith("RFC 9110 §")
        assert finding.verdict.summary


def test_the_request_budget_holds(report: Report) -> None:
    assert report.requests <= 44


def test_a_correct_server_is_left_as_it_was(tmp_path: Path) -> None:
    [demo] = [subject for subject in SUBJECTS if subject.name == "condget-demo"]
    with demo.start(tmp_path) as url:
        before = check_url(url, Options(writes=True))
        after = check_url(url, Options())
    assert before.baseline is not None
    assert after.baseline is not None
    assert after.baseline.response.body == before.baseline.response.body
    assert after.baseline.response.get("ETag") == before.baseline.response.get("ETag")
