"""condget's core on its own: no framework, no server, just decisions.

Run: python examples/core_only.py
"""

from __future__ import annotations

from datetime import UTC, datetime

import condget

# What the server knows about the resource right now.
current = condget.Validators(
    etag='"v42"',
    last_modified=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
    headers=[("Cache-Control", "max-age=60")],
)

REQUESTS = [
    ("GET", {}),
    ("GET", {"If-None-Match": '"v42"'}),
    ("GET", {"If-None-Match": '"v41"'}),
    ("GET", {"If-Modified-Since": "Sun, 01 Nov 2026 12:00:00 GMT"}),
    ("HEAD", {"If-None-Match": 'W/"v42"'}),
    ("PUT", {"If-Match": '"v41"'}),
    ("PUT", {"If-Match": '"v42"'}),
    ("DELETE", {"If-Unmodified-Since": "Sat, 31 Oct 2026 00:00:00 GMT"}),
    ("GET", {"If-None-Match": 'garbage "v42"'}),
]


def describe(method: str, headers: dict[str, str]) -> str:
    decision = condget.evaluate(
        method, headers, etag=current.etag, last_modified=current.last_modified
    )
    reply = condget.reply_for(decision, current.response_headers())
    fields = ", ".join(f"{name}: {value}" for name, value in headers.items()) or "(none)"
    if reply is None:
        answer = "proceed (the handler runs and answers normally)"
    else:
        field = decision.decided_by.value if decision.decided_by else "a missing precondition"
        answer = f"{reply.status} {reply.reason}, decided by {field}"
    return f"{method:6} {fields:50} -> {answer}"


def main() -> None:
    for method, headers in REQUESTS:
        print(describe(method, headers))


if __name__ == "__main__":
    main()
