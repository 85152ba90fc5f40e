"""Fuzz target: entity-tag lists (``parse_etag_list``, ``ETag.parse_or_none``).

Also the If-Match and If-None-Match paths of ``evaluate``, whose fast path
scans the raw field value instead of parsing it (``list_has_member``): its
answer must be the one a full parse gives.

Invariants, for any latin-1 text:

* nothing raises;
* ``parse_etag_list`` agrees with the reference scanner in ``_reference.py``
  (``*``, the same members in order, or invalid);
* the members, written back with ``", "``, parse to the same list;
* ``evaluate`` answers If-Match (strong comparison, R15) and If-None-Match
  (weak comparison, R17) exactly as the parsed list says, for GET and PUT, for
  a resource whose tag is drawn from the list itself, from a pool, or absent.
"""

from __future__ import annotations

from condget import ANY, ETag, evaluate, parse_etag_list
from fuzz import _reference
from fuzz._input import OPAQUES, Input, etag_list


def one_input(data: bytes) -> None:
    """Check one input (see the module docstring)."""
    source = Input(data)
    structured = source.flag()
    choice = source.byte()
    exists = source.below(8) != 0
    value = etag_list(source) if structured else source.rest().decode("latin-1")

    parsed = parse_etag_list(value)
    expected = _reference.parse_list(value)
    if expected == _reference.STAR:
        assert parsed is ANY, (value, parsed)
    elif expected is None:
        assert parsed is None, (value, parsed)
    else:
        assert isinstance(parsed, list), (value, parsed)
        assert [(tag.weak, tag.opaque) for tag in parsed] == expected, (value, parsed)
        assert parse_etag_list(", ".join(map(str, parsed))) == parsed
        for tag in parsed:
            assert ETag(tag.opaque, tag.weak) == tag  # every member is a valid tag

    single = ETag.parse_or_none(value)
    expected_single = _reference.parse_tag(value)
    assert (None if single is None else (single.weak, single.opaque)) == expected_single, value

    # The resource's tag: one of the members (so that matches happen), one
    # from the pool, or none.
    resource: _reference.Member | None
    if isinstance(expected, list) and expected and choice % 3 == 0:
        resource = expected[choice // 3 % len(expected)]
    elif choice % 3 == 1:
        resource = (choice & 8 != 0, OPAQUES[choice // 16 % len(OPAQUES)])
    else:
        resource = None
    etag = None if resource is None else ETag(resource[1], weak=resource[0])
    for field in ("If-Match", "If-None-Match"):
        for method in ("GET", "PUT"):
            fields = [(field, value)]
            decision = evaluate(method, fields, etag=etag, exists=exists)
            status, _ = _reference.evaluate(method, fields, resource, None, exists, 200, False)
            assert decision.status == status, (method, field, value, resource, exists, decision)
