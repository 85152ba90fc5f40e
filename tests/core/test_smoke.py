from __future__ import annotations

import condget


def test_single_matching_tag_gives_304() -> None:
    decision = condget.evaluate("GET", {"If-None-Match": '"a"'}, etag='"a"')
    assert decision.status == 304
