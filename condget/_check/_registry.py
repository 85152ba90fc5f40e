"""What a check is and what it finds, and the list of every check in the order they run."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ._http import Exchange, Request, Response
    from ._target import Context

__all__ = [
    "CHECKS",
    "TOPICS",
    "Check",
    "Status",
    "Verdict",
    "check",
    "failed",
    "passed",
    "skipped",
    "verdict",
    "warned",
]


class Status(enum.Enum):
    """How a check came out: a violated MUST fails, a violated SHOULD warns."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check's outcome, a one-line summary, and the exchange it rests on."""

    status: Status
    summary: str
    request: Request | None = None
    response: Response | None = None


Run = Callable[["Context"], Verdict]


@dataclass(frozen=True, slots=True)
class Check:
    """A named check: its topic, the RFC 9110 section it enforces, and its rule in one line."""

    id: str
    topic: str
    section: str
    rule: str
    run: Run

    @property
    def rfc(self) -> str:
        """The citation, for example ``RFC 9110 §13.1.2``."""
        return f"RFC 9110 §{self.section}"


# The report's headings, in order.
TOPICS: Final = (
    "Validators",
    "If-None-Match",
    "If-Modified-Since",
    "HEAD",
    "304 Not Modified",
    "Non-2xx responses",
    "If-Match",
    "If-Unmodified-Since",
    "Range",
    "If-Range",
    "Content coding",
    "Timing",
    "Writes",
)

CHECKS: list[Check] = []
"""Every check, in the order they run (registration order); later checks may read earlier ones."""


def check(id: str, topic: str, section: str, rule: str) -> Callable[[Run], Run]:
    """Register the decorated function as the check ``id``."""
    assert topic in TOPICS, topic

    def register(run: Run) -> Run:
        CHECKS.append(Check(id, topic, section, rule, run))
        return run

    return register


def verdict(status: Status, summary: str, exchange: Exchange | None = None) -> Verdict:
    """A verdict whose evidence is ``exchange``."""
    if exchange is None:
        return Verdict(status, summary)
    return Verdict(status, summary, exchange.request, exchange.response)


def passed(summary: str, exchange: Exchange | None = None) -> Verdict:
    """A pass."""
    return verdict(Status.PASS, summary, exchange)


def failed(summary: str, exchange: Exchange | None = None) -> Verdict:
    """A fail: the server broke a MUST."""
    return verdict(Status.FAIL, summary, exchange)


def warned(summary: str, exchange: Exchange | None = None) -> Verdict:
    """A warning: the server broke a SHOULD."""
    return verdict(Status.WARN, summary, exchange)


def skipped(summary: str, exchange: Exchange | None = None) -> Verdict:
    """A skip: the check does not apply to this resource, and says why."""
    return verdict(Status.SKIP, summary, exchange)
