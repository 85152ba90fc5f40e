"""Core benchmark: condget.evaluate and the HTTP-date parser against the anchors, side by side.

Run: .venv/bin/python benchmarks/bench_core.py [--rounds N] [--number N] [--quick]

Every contender runs every scenario in interleaved rounds, in a new random
order each round (so machine noise hits all alike); the table shows the
median process CPU time per call (``time.process_time``) and ratios. Each
scenario is measured on a realistic request (six ordinary header fields plus
the scenario's) and on a bare one (a dict, or for Werkzeug an environ, with
only the scenario's fields). Targets: condget at least 3x faster than
Werkzeug's ``is_resource_modified`` in every scenario, with both kinds of
headers (issue 9); within 1.5x of the naive evaluator and IMF-fixdate parsing
at least 2.5x faster than email.utils (issue 2).
"""

from __future__ import annotations

import argparse
import email.utils
import os
import random
import statistics
import sys
import time
import timeit
from collections.abc import Callable

import django
from django.conf import settings

settings.configure(DEBUG=False, USE_TZ=True, DEFAULT_CHARSET="utf-8", ALLOWED_HOSTS=["*"])
django.setup()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.utils.cache import get_conditional_response  # noqa: E402
from django.utils.http import parse_http_date as django_parse_http_date  # noqa: E402
from werkzeug.http import is_resource_modified, parse_date  # noqa: E402

import condget  # noqa: E402

ETAG = '"33a64df551425fcc55e4d42a148795d9f25f89d4"'
LAST_MODIFIED = 1_700_000_000
LAST_MODIFIED_TEXT = "Tue, 14 Nov 2023 22:13:20 GMT"
BASE_HEADERS = {
    "Host": "example.com",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.5",
    "Accept-Encoding": "gzip, deflate, br",
    "Connection": "keep-alive",
}
SCENARIOS: dict[str, dict[str, str]] = {
    "no conditional headers": {},
    "INM one matching strong tag": {"If-None-Match": ETAG},
    "INM 10 tags, none matching": {
        "If-None-Match": ", ".join(f'"{i:040x}"' for i in range(10)),
    },
    "IMS valid, not modified": {"If-Modified-Since": LAST_MODIFIED_TEXT},
    "IMS invalid": {"If-Modified-Since": "yesterday at noon"},
    "INM *": {"If-None-Match": "*"},
}


def naive_evaluate(method: str, headers: dict[str, str], etag: str, last_modified: int) -> int:
    """A 20-line evaluator of the kind people write by hand: the speed floor."""
    fields = {name.lower(): value for name, value in headers.items()}
    if_match = fields.get("if-match")
    if if_match is not None and etag not in [t.strip() for t in if_match.split(",")]:
        return 412
    if_none_match = fields.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        if if_none_match.strip() == "*" or etag in tags:
            return 304 if method in ("GET", "HEAD") else 412
        return 200
    if_modified_since = fields.get("if-modified-since")
    if if_modified_since is not None and method in ("GET", "HEAD"):
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return 200
        if last_modified <= since:
            return 304
    return 200


def environ_for(headers: dict[str, str]) -> dict[str, str]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x", "SERVER_PORT": "80"}
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def django_request(headers: dict[str, str]) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.META = environ_for(headers)
    return request


def contenders(extra: dict[str, str]) -> dict[str, Callable[[], object]]:
    """The evaluators for one scenario: ``extra`` are its conditional fields."""
    headers = {**BASE_HEADERS, **extra}
    pairs = list(headers.items())
    bare = dict(extra)
    environ = environ_for(headers)
    bare_environ = {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in extra.items()
    }
    request = django_request(headers)
    response = HttpResponse(b"x")
    response.headers["ETag"] = ETAG
    response.headers["Last-Modified"] = LAST_MODIFIED_TEXT
    etag = condget.ETag.parse(ETAG)
    return {
        "condget.evaluate": lambda: condget.evaluate(
            "GET", headers, etag=etag, last_modified=LAST_MODIFIED
        ),
        "condget (pairs)": lambda: condget.evaluate(
            "GET", pairs, etag=etag, last_modified=LAST_MODIFIED
        ),
        "condget (bare dict)": lambda: condget.evaluate(
            "GET", bare, etag=etag, last_modified=LAST_MODIFIED
        ),
        "naive": lambda: naive_evaluate("GET", headers, ETAG, LAST_MODIFIED),
        "werkzeug": lambda: is_resource_modified(
            environ, etag=ETAG, last_modified=LAST_MODIFIED_TEXT
        ),
        "werkzeug (bare environ)": lambda: is_resource_modified(
            bare_environ, etag=ETAG, last_modified=LAST_MODIFIED_TEXT
        ),
        "django": lambda: get_conditional_response(
            request, etag=ETAG, last_modified=LAST_MODIFIED, response=response
        ),
    }


DATES = {
    "condget.parse_http_date": condget.parse_http_date,
    "email.utils": email.utils.parsedate_to_datetime,
    "werkzeug.parse_date": parse_date,
    "django.parse_http_date": django_parse_http_date,
}


def per_call(function: Callable[[], object], number: int) -> float:
    return timeit.timeit(function, number=number, timer=time.process_time) / number


def measure(
    table: dict[str, dict[str, Callable[[], object]]], rounds: int, number: int
) -> dict[str, dict[str, float]]:
    samples: dict[str, dict[str, list[float]]] = {
        row: {name: [] for name in contenders_} for row, contenders_ in table.items()
    }
    cells = [(row, name, function) for row, by in table.items() for name, function in by.items()]
    for _ in range(rounds):
        random.shuffle(cells)
        for row, name, function in cells:
            samples[row][name].append(per_call(function, number))
    return {
        row: {name: statistics.median(values) for name, values in by_name.items()}
        for row, by_name in samples.items()
    }


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, help="rounds (default 15; 3 with --quick)")
    parser.add_argument("--number", type=int, help="calls per sample (default 20,000)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 15)
    number = args.number or (2_000 if args.quick else 20_000)

    evaluators = {name: contenders(extra) for name, extra in SCENARIOS.items()}
    results = measure(evaluators, rounds, number)
    names = list(next(iter(results.values())))
    print(
        f"{time.strftime('%Y-%m-%d')}, CPython {sys.version.split()[0]}, {rounds} rounds of "
        f"{number:,} calls{', --quick' if args.quick else ''}; "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print("### evaluate: median µs per call\n")
    print(
        "Realistic request: 6 ordinary header fields + the scenario's; bare: only the scenario's.\n"
    )
    ratios = ["condget ÷ naive", "werkzeug ÷ condget", "bare: werkzeug ÷ condget"]
    print("| scenario | " + " | ".join(names + ratios) + " |")
    print("|---" + "|---:" * (len(names) + len(ratios)) + "|")
    checks: list[tuple[str, float, bool]] = []
    for scenario, by_name in results.items():
        ours, bare = by_name["condget.evaluate"], by_name["condget (bare dict)"]
        naive = ours / by_name["naive"]
        werkzeug = by_name["werkzeug"] / ours
        werkzeug_bare = by_name["werkzeug (bare environ)"] / bare
        cells = " | ".join(f"{by_name[name] * 1e6:.2f}" for name in names)
        print(f"| {scenario} | {cells} | {naive:.2f}x | {werkzeug:.2f}x | {werkzeug_bare:.2f}x |")
        checks.append((f"werkzeug ÷ condget, {scenario}", werkzeug, werkzeug >= 3))
        checks.append((f"bare: werkzeug ÷ condget, {scenario}", werkzeug_bare, werkzeug_bare >= 3))
        checks.append((f"condget ÷ naive, {scenario}", naive, naive <= 1.5))

    date_inputs = {
        "IMF-fixdate": "Sun, 06 Nov 1994 08:49:37 GMT",
        "rfc850": "Sunday, 06-Nov-94 08:49:37 GMT",
        "asctime": "Sun Nov  6 08:49:37 1994",
        "invalid": "not a date at all",
    }
    date_table = {
        form: {name: (lambda f=f, v=value: _safe(f, v)) for name, f in DATES.items()}
        for form, value in date_inputs.items()
    }
    date_results = measure(date_table, rounds, number)
    names = list(DATES)
    print("\n### HTTP-date parsing: median µs per call\n")
    print("| format | " + " | ".join(names) + " | email.utils ÷ condget |")
    print("|---" + "|---:" * (len(names) + 1) + "|")
    for form, by_name in date_results.items():
        cells = " | ".join(f"{by_name[name] * 1e6:.2f}" for name in names)
        ratio = by_name["email.utils"] / by_name["condget.parse_http_date"]
        print(f"| {form} | {cells} | {ratio:.2f}x |")
        if form == "IMF-fixdate":
            imf = ratio

    print("\nTargets (issue 9): condget at least 3x faster than Werkzeug, in every scenario")
    for label, ratio, met in checks:
        if label.startswith(("werkzeug", "bare")):
            print(f"- {label}: {ratio:.2f}x (target >= 3x): {verdict(met)}")
    print("\nEarlier targets (issue 2):")
    for label, ratio, met in checks:
        if label.startswith("condget ÷ naive"):
            print(f"- {label}: {ratio:.2f}x (target <= 1.5x): {verdict(met)}")
    print(
        f"- IMF-fixdate, email.utils ÷ condget: {imf:.2f}x (target >= 2.5x): {verdict(imf >= 2.5)}"
    )


def _safe(function: Callable[[str], object], value: str) -> object:
    try:
        return function(value)
    except (TypeError, ValueError):
        return None


if __name__ == "__main__":
    main()
