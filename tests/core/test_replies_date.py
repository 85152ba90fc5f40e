"""``add_date=False``: servers that add Date to every response must not get two (§6.6.1)."""

from __future__ import annotations

import pytest

import condget
from condget import Decision, Outcome, Precondition

DECISIONS = [
    pytest.param(Decision(Outcome.NOT_MODIFIED, Precondition.IF_NONE_MATCH), id="304"),
    pytest.param(Decision(Outcome.PRECONDITION_FAILED, Precondition.IF_MATCH), id="412"),
    pytest.param(Decision(Outcome.PRECONDITION_REQUIRED), id="428"),
]


def _dates(reply: condget.Reply | None) -> list[str]:
    assert reply is not None
    return [value for name, value in reply.headers if name.lower() == "date"]


@pytest.mark.parametrize("decision", DECISIONS)
def test_reply_without_date_when_the_server_adds_it(decision: Decision) -> None:
    assert _dates(condget.reply_for(decision, [("ETag", '"a"')], add_date=False)) == []


@pytest.mark.parametrize("decision", DECISIONS)
def test_reply_adds_date_by_default(decision: Decision) -> None:
    assert len(_dates(condget.reply_for(decision, [("ETag", '"a"')]))) == 1


@pytest.mark.parametrize("decision", DECISIONS)
def test_reply_keeps_the_applications_own_date_either_way(decision: Decision) -> None:
    date = "Sun, 06 Nov 1994 08:49:37 GMT"
    for add_date in (True, False):
        reply = condget.reply_for(decision, [("Date", date)], add_date=add_date)
        assert _dates(reply) == [date]
