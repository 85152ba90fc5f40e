"""``--writes`` (stale preconditions only, DELETE gated on PUT) and the one timing check."""

from __future__ import annotations

import dataclasses

import pytest

from condget._check import _timing
from condget._check._registry import Status
from tests.check.support import BODY, Origin, Seen, response, run, verdicts

WRITES = ("writes-put-if-match", "writes-put-ius", "writes-delete-if-match", "writes-delete-ius")


def test_without_writes_only_get_and_head_are_sent() -> None:
    origin = Origin()
    found = verdicts(origin)
    assert {found[name].status for name in WRITES} == {Status.SKIP}
    assert origin.writes == []


def test_a_correct_server_refuses_every_write() -> None:
    origin = Origin()
    found = verdicts(origin, writes=True)
    assert {name: found[name].status for name in WRITES} == dict.fromkeys(WRITES, Status.PASS)
    assert origin.writes == []  # 412 every time: nothing was written


def test_a_put_carries_the_current_content() -> None:
    seen: list[Seen] = []
    plain = Origin()
    origin = dataclasses.replace(plain, override=lambda s: seen.append(s) or plain(s))
    verdicts(origin, writes=True)
    [put, _] = [s for s in seen if s.method == "PUT"]
    assert put.body == BODY
    assert put.get("Content-Type") == "text/plain"
    assert put.get(
        "If-Match",
    ).startswith('"condget-check-stale-')


def _ignoring_preconditions_on(method: str) -> Origin:
    plain = Origin()

    def deaf(seen: Seen) -> bytes | None:
        if seen.method != method:
            return None
        plain.writes.append(method)
        return response(204, [("Date", "Thu, 01 Jan 2026 00:00:00 GMT")], length=False)

    return dataclasses.replace(plain, override=deaf)


def test_a_put_that_ignores_the_precondition_stops_the_deletes() -> None:
    origin = _ignoring_preconditions_on("PUT")
    found = verdicts(origin, writes=True)
    assert found["writes-put-if-match"].status is Status.WARN
    assert "already applied" in found["writes-put-if-match"].summary
    assert found["writes-delete-if-match"].status is Status.SKIP
    assert "sent only once writes-put-if-match passes" in found["writes-delete-if-match"].summary
    assert "DELETE" not in origin.writes


def test_a_delete_that_ignores_the_precondition_fails() -> None:
    found = verdicts(_ignoring_preconditions_on("DELETE"), writes=True)
    assert found["writes-delete-if-match"].status is Status.FAIL
    assert found["writes-delete-ius"].status is Status.FAIL


@pytest.mark.parametrize(
    ("status", "verdict"), [(405, Status.SKIP), (401, Status.SKIP), (500, Status.WARN)]
)
def test_other_answers_to_a_write(status: int, verdict: Status) -> None:
    origin = dataclasses.replace(
        Origin(), override=lambda seen: response(status) if seen.method == "PUT" else None
    )
    assert verdicts(origin, writes=True)["writes-put-if-match"].status is verdict


def test_if_unmodified_since_needs_a_date() -> None:
    found = verdicts(Origin(last_modified=None), writes=True)
    assert found["writes-put-ius"].status is Status.SKIP
    assert found["writes-delete-ius"].status is Status.SKIP
    assert found["writes-put-if-match"].status is Status.PASS


def test_a_fast_304_passes() -> None:
    verdict = verdicts(Origin())["ttfb-304"]
    assert verdict.status is Status.PASS
    assert "first byte of a 304 after" in verdict.summary


def test_a_304_as_slow_as_a_slow_200_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_timing, "_SLOW", 0.0)
    monkeypatch.setattr(_timing, "_SIMILAR", 0.0)
    report = run(Origin())
    [finding] = [f for f in report.findings if f.check.id == "ttfb-304"]
    assert finding.verdict.status is Status.WARN
    assert finding.verdict.request is None  # it rests on every exchange, not one


def test_no_304_no_timing() -> None:
    bare = Origin(etag=None, last_modified=None)

    def deaf(seen: Seen) -> bytes:
        kept = [(n, v) for n, v in seen.headers if n != "If-None-Match"]
        return bare(Seen(seen.method, seen.path, kept))

    origin = dataclasses.replace(Origin(), override=deaf)
    assert verdicts(origin)["ttfb-304"].status is Status.SKIP
