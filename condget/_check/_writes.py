"""``--writes``: PUT and DELETE with preconditions that must fail: a correct server changes nothing.

Only stale validators are sent: ``If-Match`` with a tag the server never
made, and ``If-Unmodified-Since`` a day before Last-Modified. A PUT carries
the representation's own bytes, so even a server that wrongly performs it
keeps its content. A DELETE is sent only after the same precondition on a
PUT got its 412: a server that ignored it could have deleted the resource.
"""

from __future__ import annotations

from ._conditions import older, shown
from ._registry import Status, Verdict, check, failed, passed, skipped, warned
from ._target import Context

__all__: list[str] = []

_WRITES = "Writes"
_IF_MATCH = "If-Match"
_IUS = "If-Unmodified-Since"


def _write(ctx: Context, key: str, method: str, field: str, gate: str | None = None) -> Verdict:
    target = ctx.target
    if not ctx.session.options.writes:
        return skipped("not sent: pass --writes to send it")
    if field == _IUS and target.last_modified is None:
        return skipped("no valid Last-Modified: the server would ignore If-Unmodified-Since")
    if target.full is None:
        return skipped("the representation is longer than the checker reads")
    if gate is not None and ctx.verdicts[gate].status is not Status.PASS:
        return skipped(f"sent only once {gate} passes: a server that ignores it could delete")
    precondition = [(field, ctx.stale_tag() if field == _IF_MATCH else older(ctx))]
    headers = list(precondition)
    body = b""
    if method == "PUT":
        body = target.full
        headers.append(("Content-Type", target.response.get("Content-Type") or "text/plain"))
    exchange = ctx.probe(key, method, headers, body=body)
    status = exchange.response.status
    sent = f"{method} with {shown(precondition)}"
    if status == 412:
        return passed(f"{sent} → 412: nothing changed", exchange)
    if 400 <= status < 500:
        return skipped(f"{sent} → {status}: refused before the precondition counted", exchange)
    if 200 <= status < 300 and method == "PUT":
        return warned(
            f"{sent} → {status}: allowed only if the server found the PUT already applied; "
            "it probably ignored the precondition (the content sent was the current one)",
            exchange,
        )
    if 200 <= status < 300:
        return failed(f"{sent} → {status}: performed despite a false precondition", exchange)
    return warned(f"{sent} → {status}: expected 412", exchange)


@check(
    "writes-put-if-match",
    _WRITES,
    "13.1.1",
    "PUT with a stale If-Match MUST NOT be performed: 412 (2xx only if the change was "
    "already made).",
)
def _put_if_match(ctx: Context) -> Verdict:
    return _write(ctx, "put-if-match", "PUT", _IF_MATCH)


@check(
    "writes-put-ius",
    _WRITES,
    "13.1.4",
    "PUT with an If-Unmodified-Since before Last-Modified MUST NOT be performed: 412.",
)
def _put_ius(ctx: Context) -> Verdict:
    return _write(ctx, "put-ius", "PUT", _IUS)


@check(
    "writes-delete-if-match",
    _WRITES,
    "13.1.1",
    "DELETE with a stale If-Match MUST NOT be performed: 412.",
)
def _delete_if_match(ctx: Context) -> Verdict:
    return _write(ctx, "delete-if-match", "DELETE", _IF_MATCH, "writes-put-if-match")


@check(
    "writes-delete-ius",
    _WRITES,
    "13.1.4",
    "DELETE with an If-Unmodified-Since before Last-Modified MUST NOT be performed: 412.",
)
def _delete_ius(ctx: Context) -> Verdict:
    return _write(ctx, "delete-ius", "DELETE", _IUS, "writes-put-ius")
