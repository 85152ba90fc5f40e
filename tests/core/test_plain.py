"""plain_start: what a GET or HEAD without conditional fields goes out with, judged at its start.

The middlewares skip the engine for such requests when ``plain_start`` can
tell from the start alone; it must then say exactly what
:meth:`Exchange.start` would release, or the two paths would disagree.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from condget import Conditions
from condget.engine import (
    FORWARD,
    Exchange,
    Release,
    plain_request,
    plain_start,
)
from condget.types import Fields


class Options:
    """The middleware options plain_start reads."""

    def __init__(self, *, auto_etag: bool, ranges: bool) -> None:
        self.auto_etag = auto_etag
        self.ranges = ranges
        self.max_buffer = 1024 * 1024
        self.max_ranges = 100
        self.check_writes = True
        self.hide_conditions = True


field_lines = st.lists(
    st.sampled_from(
        [
            ("ETag", '"a"'),
            ("etag", 'W/"b"'),
            ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("Content-Length", "5"),
            ("Content-Length", "0"),
            ("content-length", "x5"),
            ("Content-Encoding", "gzip"),
            ("Content-Encoding", "identity"),
            ("Content-Range", "bytes 0-4/10"),
            ("Accept-Ranges", "none"),
            ("Accept-Ranges", "bytes"),
            ("Content-Type", "text/plain"),
            # Any spelling of a name is the same field.
            ("ETAG", '"c"'),
            ("CONTENT-ENCODING", "br"),
            ("content-RANGE", "bytes 0-4/10"),
            ("accept-ranges", "none"),
            ("CONTENT-LENGTH", "7"),
        ]
    ),
    max_size=5,
)


@given(
    method=st.sampled_from(["GET", "HEAD"]),
    status=st.sampled_from([200, 201, 204, 206, 304, 404, 500]),
    headers=field_lines,
    auto_etag=st.booleans(),
    ranges=st.booleans(),
    as_bytes=st.booleans(),
)
def test_plain_start_says_what_the_engine_would_release(
    method: str,
    status: int,
    headers: list[tuple[str, str]],
    auto_etag: bool,
    ranges: bool,
    as_bytes: bool,
) -> None:
    options: Any = Options(auto_etag=auto_etag, ranges=ranges)
    sent: Fields = headers
    if as_bytes:  # ASGI's
        sent = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    added = plain_start(options, method, status, sent)
    steps = [
        Exchange(method, Conditions(), auto_etag=auto_etag, ranges=ranges).start(
            status, sent, complete=complete
        )
        for complete in (False, True)
    ]
    # None leaves the response to the engine, which is always right; fields
    # must be the engine's own answer, whatever the body turns out to be.
    if added is not None:
        assert steps == [Release(list(added), []) if added else FORWARD] * 2


def test_the_common_responses_need_no_engine() -> None:
    options: Any = Options(auto_etag=True, ranges=True)
    tagged = [("ETag", '"a"'), ("Content-Length", "5")]
    assert plain_start(options, "GET", 200, tagged) == (("Accept-Ranges", "bytes"),)
    assert plain_start(options, "GET", 404, []) == ()
    coded = [("ETag", '"a"'), ("Content-Encoding", "gzip")]
    assert plain_start(options, "GET", 200, coded) == ()  # never cut (R51)
    unknown = [("ETag", '"a"')]
    assert plain_start(options, "GET", 200, unknown) == ()  # no length: nothing to advertise
    untagged = [("Content-Length", "5")]
    assert plain_start(options, "GET", 200, untagged) is None  # hashed for an auto-ETag
    assert plain_start(options, "HEAD", 200, untagged) == (("Accept-Ranges", "bytes"),)


def test_only_a_get_or_head_without_any_field_is_plain() -> None:
    assert plain_request("GET", Conditions())
    assert plain_request("HEAD", Conditions())
    assert not plain_request("PUT", Conditions())
    assert not plain_request("GET", Conditions(range="bytes=0-1"))
    assert not plain_request("GET", Conditions(if_none_match='"a"'))


@pytest.mark.parametrize("kind", [str, bytes])
def test_names_spelled_many_ways_are_each_read_right(
    kind: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spellings met are remembered up to a bound (str and bytes apart); past
    # it each is read again.
    import condget._engine

    table = "_text_roles" if kind is str else "_byte_roles"
    monkeypatch.setattr(condget._engine, table, {})  # this test's own, not the next's

    def fields(*pairs: tuple[str, str]) -> Any:
        if kind is str:
            return list(pairs)
        return [(name.encode(), value.encode()) for name, value in pairs]

    options: Any = Options(auto_etag=True, ranges=True)
    for number in range(600):
        invented = fields((f"x-invented-{number}", "1"), ("etag", '"a"'), ("content-length", "5"))
        assert plain_start(options, "GET", 200, invented) == (("Accept-Ranges", "bytes"),)
    assert len(getattr(condget._engine, table)) <= condget._engine._KEPT_SPELLINGS
    coded = fields(("ETag", '"a"'), ("Content-Length", "5"), ("cOnTeNt-EnCoDiNg", "gzip"))
    assert plain_start(options, "GET", 200, coded) == ()  # never cut (R51)
