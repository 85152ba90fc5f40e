"""What the checker knows about the URL (its plain GET), and how probes are sent and counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from condget import ETag, parse_http_date

from ._http import Exchange, ProbeError, Request, Response, fetch
from ._registry import Verdict

__all__ = [
    "MAX_REQUESTS",
    "MUST_REPEAT",
    "Context",
    "Options",
    "ProbeFailed",
    "Session",
    "Target",
    "missing_fields",
]

MAX_REQUESTS: Final = 50
"""The most requests the checker sends for one URL, redirects included (it needs 45)."""

MUST_REPEAT: Final = ("Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary")
"""The fields a 304 (§15.4.5) and a 206 (§15.3.7) must carry when the 200 would."""


@dataclass(frozen=True, slots=True)
class Options:
    """How to check: the command line's options."""

    timeout: float = 5.0
    follow_redirects: bool = False
    writes: bool = False
    headers: tuple[tuple[str, str], ...] = ()


class ProbeFailed(Exception):
    """A probe got no valid response; the check that sent it fails with this message."""

    def __init__(self, request: Request, message: str) -> None:
        super().__init__(message)
        self.request = request
        self.message = message


class Session:
    """Sends the probes for one URL: each once (checks share them), within the request budget."""

    def __init__(self, options: Options, token: str) -> None:
        self.options = options
        self.token = token  # makes the checker's tags and paths unique to this run
        self.sent = 0
        self._done: dict[str, Exchange | ProbeFailed] = {}

    def send(self, key: str, request: Request) -> Exchange:
        """The exchange for the probe ``key``, sending ``request`` the first time it is asked for.

        Raises:
            ProbeFailed: The request got no valid response.
        """
        done = self._done.get(key)
        if done is None:
            assert self.sent < MAX_REQUESTS, "the checker broke its request budget"
            self.sent += 1
            try:
                response = fetch(request, timeout=self.options.timeout, extra=self.options.headers)
                done = Exchange(request, response)
            except ProbeError as error:
                done = ProbeFailed(request, str(error))
            self._done[key] = done
        if isinstance(done, ProbeFailed):
            raise done
        return done

    def sent_exchange(self, key: str) -> Exchange | None:
        """The answered exchange of the probe ``key``, if it was sent."""
        done = self._done.get(key)
        return done if isinstance(done, Exchange) else None

    def exchanges(self) -> Iterable[Exchange]:
        """Every answered exchange so far, in the order sent."""
        return (done for done in self._done.values() if isinstance(done, Exchange))


@dataclass(frozen=True, slots=True)
class Target:
    """The URL and what its plain GET (the baseline, a 200) said about the representation.

    Attributes:
        exchange: The baseline GET.
        etag_text: The ETag field, if there is exactly one.
        etag: That field parsed, if it is a valid entity-tag.
        last_modified_text: The Last-Modified field, if there is exactly one.
        last_modified: That field parsed, if it is an HTTP-date.
        date: The Date field, parsed.
        behind_cache: Whether a cache answered (Age or Via present): caches
            MAY ignore If-Match and If-Unmodified-Since (§13.1.1, §13.1.4).
    """

    exchange: Exchange
    etag_text: str | None
    etag: ETag | None
    last_modified_text: str | None
    last_modified: datetime | None
    date: datetime | None
    behind_cache: bool

    @classmethod
    def from_exchange(cls, exchange: Exchange) -> Target:
        """Read the validators out of the baseline GET."""
        response = exchange.response
        etag_text = _single(response, "ETag")
        last_modified_text = _single(response, "Last-Modified")
        last_modified = None if last_modified_text is None else parse_http_date(last_modified_text)
        return cls(
            exchange=exchange,
            etag_text=etag_text,
            etag=None if etag_text is None else ETag.parse_or_none(etag_text),
            last_modified_text=last_modified_text,
            last_modified=last_modified,
            date=parse_http_date(response.get("Date") or ""),
            behind_cache=response.get("Age") is not None or response.get("Via") is not None,
        )

    @property
    def url(self) -> str:
        """The URL every probe goes to (after redirects, with ``--follow-redirects``)."""
        return self.exchange.request.url

    @property
    def response(self) -> Response:
        """The baseline 200."""
        return self.exchange.response

    @property
    def full(self) -> bytes | None:
        """The representation's bytes, or ``None`` if longer than the checker reads."""
        return self.response.body if self.response.complete else None


def _single(response: Response, name: str) -> str | None:
    values = response.values(name)
    return values[0].strip() if len(values) == 1 else None


def missing_fields(baseline: Response, response: Response) -> list[str]:
    """The fields of :data:`MUST_REPEAT` that ``baseline`` has and ``response`` lacks."""
    return [
        name
        for name in MUST_REPEAT
        if baseline.get(name) is not None and response.get(name) is None
    ]


@dataclass
class Context:
    """What a check gets: the target, the session, and the verdicts of the checks before it."""

    target: Target
    session: Session
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    def probe(
        self,
        key: str,
        method: str = "GET",
        headers: Iterable[tuple[str, str]] = (),
        *,
        url: str | None = None,
        body: bytes = b"",
    ) -> Exchange:
        """Send (once) the probe ``key``: ``method`` on the target with ``headers`` added."""
        request = Request(method, url or self.target.url, tuple(headers), body)
        return self.session.send(key, request)

    def content_length(self) -> str | None:
        """The length of the representation's content, or ``None`` if two plain GETs disagree.

        A representation that changes from one GET to the next (a timestamp, a
        token) gives no length a HEAD or a 304 can be held to.
        """
        baseline = self.target.response
        again = self.probe("again").response
        if again.body != baseline.body:
            return None
        return str(len(baseline.body)) if baseline.complete else baseline.get("Content-Length")

    def stale_tag(self) -> str:
        """An entity-tag no server has: the checker's stale validator."""
        return f'"condget-check-stale-{self.session.token}"'
