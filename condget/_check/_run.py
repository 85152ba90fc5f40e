"""Check one URL: fetch it plainly (the baseline), then run every check in order."""

from __future__ import annotations

import secrets
from typing import Final
from urllib.parse import urljoin

# Importing the check modules registers their checks.
from . import _conditions, _ranges, _timing, _validators, _writes  # noqa: F401
from ._http import Exchange, Request
from ._registry import CHECKS, TOPICS, Status, Verdict
from ._report import Finding, Report
from ._target import Context, Options, ProbeFailed, Session, Target

__all__ = ["check_url"]

MAX_REDIRECTS: Final = 5
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


class _Unusable(Exception):
    """The URL cannot be checked: no answer, or no 200."""


def check_url(url: str, options: Options) -> Report:
    """Run every check against ``url``; a URL that gives no 200 gets a report with an error."""
    session = Session(options, secrets.token_hex(4))
    try:
        baseline = _baseline(session, url)
    except _Unusable as error:
        return Report(url, [], error=str(error), requests=session.sent)
    ctx = Context(Target.from_exchange(baseline), session)
    # Topic by topic, in registration order within each: a check may read the
    # probes and verdicts of the topics before it (the 304's shape reads the
    # If-None-Match probes, If-Range reads Range, Timing reads them all).
    ordered = sorted(CHECKS, key=lambda entry: TOPICS.index(entry.topic))
    for entry in ordered:
        try:
            result = entry.run(ctx)
        except ProbeFailed as failure:
            summary = f"no valid response: {failure.message}"
            result = Verdict(Status.FAIL, summary, failure.request)
        ctx.verdicts[entry.id] = result
    findings = [Finding(entry, ctx.verdicts[entry.id]) for entry in ordered]
    return Report(url, findings, error=None, requests=session.sent, baseline=baseline)


def _baseline(session: Session, url: str) -> Exchange:
    """The plain GET every check compares with, after redirects if they are to be followed."""
    for hop in range(MAX_REDIRECTS + 1):
        try:
            exchange = session.send(f"baseline-{hop}", Request("GET", url))
        except ProbeFailed as failure:
            raise _Unusable(f"GET {url}: {failure.message}") from None
        status = exchange.response.status
        location = exchange.response.get("Location")
        if status not in _REDIRECTS or location is None:
            break
        if not session.options.follow_redirects:
            raise _Unusable(
                f"GET {url} → {status}, Location: {location} "
                "(pass --follow-redirects to check where it leads)"
            )
        url = urljoin(url, location)
    else:
        raise _Unusable(f"more than {MAX_REDIRECTS} redirects")
    if status != 200:
        raise _Unusable(f"GET {url} → {status}: the checks need a URL that answers 200")
    return exchange
