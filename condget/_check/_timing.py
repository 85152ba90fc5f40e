"""The one check that measures: does a 304 come back faster than a 200?"""

from __future__ import annotations

from typing import Final

from ._registry import Verdict, check, passed, skipped, warned
from ._target import Context

__all__: list[str] = []

_SLOW: Final = 0.05  # seconds; below this a 304 is fast whatever the 200 takes
_SIMILAR: Final = 0.8


@check(
    "ttfb-304",
    "Timing",
    "13.2.1",
    "Preconditions are evaluated before the method's work: a 304 should come back clearly "
    "faster than a slow 200 (informational: a warning at most).",
)
def _ttfb_304(ctx: Context) -> Verdict:
    exchanges = list(ctx.session.exchanges())
    plain = [
        exchange.response.ttfb
        for exchange in exchanges
        if exchange.request.method == "GET"
        and not exchange.request.headers
        and exchange.response.status == 200
    ]
    not_modified = [
        exchange.response.ttfb for exchange in exchanges if exchange.response.status == 304
    ]
    if not not_modified:
        return skipped("no 304 came back")
    best_200, best_304 = min(plain), min(not_modified)
    summary = (
        f"first byte of a 304 after {best_304 * 1000:.1f} ms, "
        f"of a 200 after {best_200 * 1000:.1f} ms"
    )
    if best_304 >= _SLOW and best_304 >= _SIMILAR * best_200:
        return warned(f"{summary}: the server seems to do the full work before a 304")
    return passed(summary)
