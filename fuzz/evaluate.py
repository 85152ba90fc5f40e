"""Fuzz target: ``evaluate`` and the replies built from its decisions.

A random method, random request header fields (well-formed conditional
fields, repeats, odd name case, raw latin-1 bytes), random validators (tag,
weak or strong, date, existence), a random origin status and the 428 option.

Invariants:

* ``evaluate`` never raises on client input, and its answer is the one the
  reference evaluator (RFC 9110 §13.2.2 by the book, ``_reference.py``) gives,
  status and ``range_allowed`` both;
* it is the same whether the fields come as pairs, as a ``Conditions`` or as a
  mapping, and whether the tag is an ``ETag`` or its header form;
* 304 only for GET and HEAD; 412 and 304 only with the field that decided
  present; 428 only when asked for; no answer at all for a status other than
  2xx or 412 (R28) or for CONNECT, OPTIONS, TRACE (R29);
* ``reply_for`` builds a 304 without representation fields or body and a
  412/428 whose Content-Length is its body's, each with a Date.
"""

from __future__ import annotations

from datetime import UTC, datetime

from condget import (
    REPRESENTATION_HEADERS,
    Conditions,
    ETag,
    Outcome,
    Precondition,
    Validators,
    evaluate,
    reply_for,
)
from fuzz import _reference
from fuzz._input import LAST_MODIFIED, OPAQUES, Input, request_fields

_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "get")
_STATUSES = (200, 200, None, 201, 204, 206, 299, 300, 304, 404, 412, 500, 199)


def one_input(data: bytes) -> None:
    """Check one input (see the module docstring)."""
    source = Input(data)
    method = source.pick(_METHODS) if source.below(8) else source.text(8)
    fields = request_fields(source, 6)
    tag = None if source.below(4) == 0 else ETag(source.pick(OPAQUES), weak=source.flag())
    last_modified = None if source.flag() else source.pick(LAST_MODIFIED)
    exists = source.below(6) != 0
    status = source.pick(_STATUSES) if source.below(8) else source.below(1000)
    require = source.flag()

    decision = evaluate(
        method,
        fields,
        etag=tag,
        last_modified=last_modified,
        exists=exists,
        status=status,
        require_precondition=require,
    )
    member = None if tag is None else (tag.weak, tag.opaque)
    expected = _reference.evaluate(method, fields, member, last_modified, exists, status, require)
    assert (decision.status, decision.range_allowed) == expected, (
        method,
        fields,
        tag,
        last_modified,
        exists,
        status,
        require,
        decision,
    )

    # The same request in the other forms the API accepts.
    others = [Conditions.from_headers(fields)]
    if len({name.lower() for name, _ in fields}) == len(fields):
        others.append(dict(fields))  # type: ignore[arg-type]
    for headers in others:
        again = evaluate(
            method,
            headers,
            etag=None if tag is None else str(tag),
            last_modified=None
            if last_modified is None
            else datetime.fromtimestamp(last_modified, UTC),
            exists=exists,
            status=status,
            require_precondition=require,
        )
        assert again == decision, (headers, again, decision)

    present = {name.lower() for name, _ in fields}
    decided_by = decision.decided_by
    if decision.outcome is Outcome.NOT_MODIFIED:
        assert method in ("GET", "HEAD"), decision
        assert decided_by in (Precondition.IF_NONE_MATCH, Precondition.IF_MODIFIED_SINCE)
    if decision.outcome is Outcome.PRECONDITION_FAILED:
        assert decided_by in (
            Precondition.IF_MATCH,
            Precondition.IF_UNMODIFIED_SINCE,
            Precondition.IF_NONE_MATCH,
        )
    if decided_by is not None:
        assert decided_by.value.lower() in present, (decision, fields)
    if decision.outcome is Outcome.PRECONDITION_REQUIRED:
        assert require, decision
        # An If-Unmodified-Since that is ignored (R21) does not guard the write.
        assert "if-match" not in present, decision
    if decision.outcome is not Outcome.PROCEED:
        assert status is None or 200 <= status < 300 or status == 412, decision
        assert method not in ("CONNECT", "OPTIONS", "TRACE"), decision

    validators = Validators(tag, last_modified, exists=exists, headers=[("Vary", "Accept")])
    reply = reply_for(decision, [*validators.response_headers(), ("Content-Length", "5")])
    if reply is None:
        assert decision.outcome is Outcome.PROCEED
        return
    names = [name.lower() for name, _ in reply.headers]
    assert reply.status == decision.status, reply
    assert "date" in names, reply
    assert "vary" in names, reply
    if reply.status == 304:
        assert reply.body == b"", reply
        assert not set(names) & REPRESENTATION_HEADERS, reply
        assert ("etag" in names) == (tag is not None), reply
    else:
        assert dict(reply.headers)["Content-Length"] == str(len(reply.body)), reply
        assert names.count("content-length") == 1, reply
