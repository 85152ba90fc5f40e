"""The ``condget`` command line: ``condget check URL [URL...]``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Final
from urllib.parse import urlsplit

from condget import __version__

from ._report import Report, render_text
from ._run import check_url
from ._target import MAX_REQUESTS, Options

__all__ = ["main"]

_SAFETY: Final = f"""\
safety: by default only GET and HEAD requests are sent, at most {MAX_REQUESTS} per
URL, one per connection, and redirects are not followed. --writes adds PUT
and DELETE requests whose preconditions must fail (If-Match:
"condget-check-stale-<random>", and If-Unmodified-Since a day before the
resource's Last-Modified), so a correct server changes nothing. A server that
ignores them WOULD perform the write: the PUT carries the resource's current
content (so it stays the same), and a DELETE is sent only after the same
precondition on a PUT got 412. Use --writes only on a server you may modify.

exit status: 0 when no check fails, 1 when one fails, 2 for a usage error or a
URL that cannot be checked (no connection, no answer, no 200)."""


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME: VALUE")
    return name.strip(), value.strip()


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return seconds


def _url(text: str) -> str:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="condget", description="condget: HTTP conditional requests (RFC 9110 §13)."
    )
    parser.add_argument("--version", action="version", version=f"condget {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    checker = commands.add_parser(
        "check",
        help="grade a server's conditional requests, ranges and 304s",
        description=(
            "Send conditional requests (If-None-Match, If-Modified-Since, If-Match, "
            "If-Unmodified-Since, If-Range, Range) to each URL and grade the answers "
            "against RFC 9110: a broken MUST is a failure, a broken SHOULD a warning, "
            "each citing its section."
        ),
        epilog=_SAFETY,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    checker.add_argument("urls", nargs="+", type=_url, metavar="URL", help="a URL that answers 200")
    checker.add_argument(
        "--json",
        action="store_true",
        help="print JSON: one object for one URL, a list of them for several",
    )
    checker.add_argument(
        "--timeout",
        type=_timeout,
        default=5.0,
        metavar="SECONDS",
        help="timeout of each request (default: 5)",
    )
    checker.add_argument(
        "--follow-redirects",
        action="store_true",
        help="follow redirects of the first GET and check where they lead",
    )
    checker.add_argument(
        "--writes",
        action="store_true",
        help="also send PUT and DELETE with preconditions that must fail (see below)",
    )
    checker.add_argument(
        "-H",
        "--header",
        type=_header,
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a field to send with every request (for example Authorization); repeatable",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``condget`` command line; returns the exit status.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns:
        0 when no check failed, 1 when one did, 2 for a usage error or a URL
        that could not be checked.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse has reported
        return 0 if stop.code in (0, None) else 2
    options = Options(
        timeout=args.timeout,
        follow_redirects=args.follow_redirects,
        writes=args.writes,
        headers=tuple(args.header),
    )
    reports = [check_url(url, options) for url in args.urls]
    if args.json:
        documents = [report.to_json() for report in reports]
        json.dump(documents[0] if len(documents) == 1 else documents, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        sys.stdout.write("\n".join(render_text(report, colour=colour) for report in reports))
    return _exit_status(reports)


def _exit_status(reports: list[Report]) -> int:
    if any(report.error is not None for report in reports):
        return 2
    if any(report.counts()["fail"] for report in reports):
        return 1
    return 0
