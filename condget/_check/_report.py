"""The report: findings grouped by topic, as text for people (coloured on a TTY) or as JSON."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from ._http import Exchange, Request, Response
from ._registry import TOPICS, Check, Status, Verdict

__all__ = ["Finding", "Report", "render_text"]

# The response fields a finding's evidence shows, when present.
EVIDENCE: Final = (
    "ETag",
    "Last-Modified",
    "Content-Length",
    "Content-Range",
    "Content-Type",
    "Content-Encoding",
    "Vary",
    "Cache-Control",
    "Expires",
    "Content-Location",
    "Date",
)
_TEXT_EVIDENCE: Final = EVIDENCE[:7]
_COLOURS: Final = {
    Status.PASS: "\x1b[32m",
    Status.FAIL: "\x1b[1;31m",
    Status.WARN: "\x1b[33m",
    Status.SKIP: "\x1b[2m",
}
_BOLD: Final = "\x1b[1m"
_RESET: Final = "\x1b[0m"


@dataclass(frozen=True, slots=True)
class Finding:
    """A check and its verdict."""

    check: Check
    verdict: Verdict

    def to_json(self) -> dict[str, object]:
        """``{"id", "status", "rfc", "summary", "request", "response"}``."""
        verdict = self.verdict
        return {
            "id": self.check.id,
            "status": verdict.status.value,
            "rfc": self.check.rfc,
            "summary": verdict.summary,
            "request": None if verdict.request is None else _request_json(verdict.request),
            "response": None if verdict.response is None else _response_json(verdict.response),
        }


def _request_json(request: Request) -> dict[str, object]:
    return {"method": request.method, "url": request.url, "headers": dict(request.headers)}


def _response_json(response: Response) -> dict[str, object]:
    fields = {name: value for name in EVIDENCE if (value := response.get(name)) is not None}
    return {"status": response.status, "headers": fields}


@dataclass(frozen=True, slots=True)
class Report:
    """Everything found for one URL, or why it could not be checked (``error``)."""

    url: str
    findings: list[Finding]
    error: str | None
    requests: int
    baseline: Exchange | None = None

    def counts(self) -> dict[str, int]:
        """How many findings have each status, every status named."""
        counted = Counter(finding.verdict.status for finding in self.findings)
        return {status.value: counted[status] for status in Status}

    def to_json(self) -> dict[str, object]:
        """``{"url", "checks", "summary"}``, and ``"error"`` when the URL could not be checked."""
        result: dict[str, object] = {
            "url": self.url,
            "checks": [finding.to_json() for finding in self.findings],
            "summary": self.counts(),
        }
        if self.error is not None:
            result["error"] = self.error
        return result


def render_text(report: Report, *, colour: bool) -> str:
    """The report for a terminal: a heading per topic, one line per check."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    lines = [paint(f"condget check {report.url}", _BOLD)]
    if report.error is not None:
        lines.append(f"  cannot check: {report.error}")
        return "\n".join(lines) + "\n"
    assert report.baseline is not None  # a report without an error has its plain GET
    lines.append("  " + evidence(report.baseline.request, report.baseline.response))
    width = max(len(finding.check.id) for finding in report.findings)
    for topic in TOPICS:  # every topic has checks
        findings = [finding for finding in report.findings if finding.check.topic == topic]
        lines.append("")
        lines.append(paint(topic, _BOLD))
        for finding in findings:
            status = finding.verdict.status
            label = paint(status.value.upper().ljust(4), _COLOURS[status])
            lines.append(
                f"  {label}  {finding.check.id.ljust(width)}  {finding.verdict.summary}"
                f"  ({finding.check.rfc})"
            )
            shows_evidence = status in (Status.FAIL, Status.WARN)
            if shows_evidence and finding.verdict.request is not None:
                line = evidence(finding.verdict.request, finding.verdict.response)
                lines.append(" " * (width + 10) + line)
    counts = report.counts()
    tally = ", ".join(f"{counts[status.value]} {status.value}" for status in Status)
    lines.append("")
    lines.append(paint(f"{tally} ({report.requests} requests)", _BOLD))
    return "\n".join(lines) + "\n"


def evidence(request: Request, response: Response | None) -> str:
    """One line: the request's method and added fields, the status and the telling fields."""
    sent = "".join(f" {name}: {value};" for name, value in request.headers).rstrip(";")
    line = f"{request.method}{sent}"
    if response is None:
        return f"{line} → no response"
    fields = ", ".join(
        f"{name}: {value}" for name in _TEXT_EVIDENCE if (value := response.get(name)) is not None
    )
    return f"{line} → {response.status}" + (f" ({fields})" if fields else "")
