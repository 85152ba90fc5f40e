"""``condget check``: arguments, the text and JSON reports, exit statuses, ``python -m condget``."""

from __future__ import annotations

import json
import re
import runpy
import sys

import pytest

from condget._check import main
from condget._check._registry import CHECKS, TOPICS
from tests.check.support import Origin, Seen, response, serving


def test_a_passing_url_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(Origin()) as server:
        assert main(["check", server.url()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f'condget check {server.url()}\n  GET → 200 (ETag: "v1"')
    for topic in TOPICS:
        assert f"\n{topic}\n" in out
    assert "\x1b[" not in out  # not a TTY: no colour
    assert "  PASS  inm-exact" in out
    assert "(RFC 9110 §13.1.2)" in out
    assert out.rstrip().endswith("requests)")


def test_a_failing_url_exits_1_and_shows_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    plain = Origin()
    origin = Origin(
        override=lambda seen: (
            plain(Seen(seen.method, seen.path, [])) if seen.get("If-Match") else None
        )
    )
    with serving(origin) as server:
        assert main(["check", server.url()]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  if-match-stale" in out
    assert re.search(r'\n {30,}GET If-Match: "condget-check-stale-\w+" → 200 \(ETag', out)


def test_colour_on_a_tty_unless_no_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    with serving(Origin()) as server:
        main(["check", server.url()])
        assert "\x1b[32mPASS\x1b[0m" in capsys.readouterr().out
        monkeypatch.setenv("NO_COLOR", "1")
        main(["check", server.url()])
        assert "\x1b[" not in capsys.readouterr().out


def test_json_for_one_url(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(Origin()) as server:
        assert main(["check", "--json", server.url()]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"url", "checks", "summary"}
    assert document["url"] == server.url()
    assert [c["id"] for c in document["checks"]] == [
        c.id for c in sorted(CHECKS, key=lambda c: TOPICS.index(c.topic))
    ]
    assert sum(document["summary"].values()) == len(CHECKS)
    [inm] = [c for c in document["checks"] if c["id"] == "inm-exact"]
    assert inm == {
        "id": "inm-exact",
        "status": "pass",
        "rfc": "RFC 9110 §13.1.2",
        "summary": 'If-None-Match: "v1" → 304',
        "request": {"method": "GET", "url": server.url(), "headers": {"If-None-Match": '"v1"'}},
        "response": {
            "status": 304,
            "headers": {
                "ETag": '"v1"',
                "Last-Modified": "Wed, 01 Jan 2025 12:00:00 GMT",
                "Cache-Control": "max-age=60",
                "Date": "Thu, 01 Jan 2026 00:00:00 GMT",
            },
        },
    }
    [timing] = [c for c in document["checks"] if c["id"] == "ttfb-304"]
    assert timing["request"] is None
    assert timing["response"] is None


def test_json_for_several_urls_is_a_list(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(Origin()) as server:
        assert main(["check", "--json", server.url(), server.url("/nowhere")]) == 2
    first, second = json.loads(capsys.readouterr().out)
    assert first["summary"]["fail"] == 0
    assert second == {
        "url": server.url("/nowhere"),
        "checks": [],
        "summary": {"pass": 0, "fail": 0, "warn": 0, "skip": 0},
        "error": f"GET {server.url('/nowhere')} → 404: the checks need a URL that answers 200",
    }


def test_a_url_that_cannot_be_checked_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(lambda _: b"") as server:
        url = server.url()
    assert main(["check", "--timeout", "1", url]) == 2
    out = capsys.readouterr().out
    assert out.startswith(f"condget check {url}\n  cannot check: GET {url}: ConnectionRefusedError")


def _redirecting(hops: int, location: bool = True) -> Origin:
    plain = Origin()

    def answer(seen: Seen) -> bytes | None:
        if not seen.path.startswith("/hop"):
            return None
        left = int(seen.path[4:])
        if left == 0:
            return plain(Seen(seen.method, "/page", seen.headers))
        where = [("Location", f"/hop{left - 1}")] if location else []
        return response(302, where)

    return Origin(override=answer)


def test_a_redirect_is_not_followed_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(_redirecting(1)) as server:
        assert main(["check", server.url("/hop1")]) == 2
        assert "→ 302, Location: /hop0 (pass --follow-redirects" in capsys.readouterr().out
        assert main(["check", "--follow-redirects", "--json", server.url("/hop1")]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["url"] == server.url("/hop1")
    [inm] = [c for c in document["checks"] if c["id"] == "inm-exact"]
    assert inm["request"]["url"] == server.url("/hop0")


def test_too_many_redirects(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(_redirecting(9)) as server:
        assert main(["check", "--follow-redirects", server.url("/hop9")]) == 2
    assert "more than 5 redirects" in capsys.readouterr().out


def test_a_redirect_without_location_is_no_200(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(_redirecting(1, location=False)) as server:
        assert main(["check", "--follow-redirects", server.url("/hop1")]) == 2
    assert "→ 302: the checks need a URL that answers 200" in capsys.readouterr().out


def test_extra_headers_go_with_every_request() -> None:
    seen: list[Seen] = []
    plain = Origin()
    with serving(Origin(override=lambda s: seen.append(s) or plain(s))) as server:
        assert (
            main(["check", "-H", "Authorization: Bearer x", "--header", "X-Y:z", server.url()]) == 0
        )
    assert {s.get("Authorization") for s in seen} == {"Bearer x"}
    assert {s.get("X-Y") for s in seen} == {"z"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["check"], "the following arguments are required: URL"),
        (["check", "ftp://example.com/"], "is not an http:// or https:// URL"),
        (["check", "http://"], "is not an http:// or https:// URL"),
        (["check", "http://127.0.0.1:port/"], "is not an http:// or https:// URL"),
        (["check", "--timeout", "0", "http://a/"], "is not a positive number of seconds"),
        (["check", "--timeout", "soon", "http://a/"], "is not a positive number of seconds"),
        (["check", "-H", "nocolon", "http://a/"], "is not NAME: VALUE"),
        (["check", "-H", ": value", "http://a/"], "is not NAME: VALUE"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_help_says_what_is_safe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "only GET and HEAD requests are sent" in out
    assert "--writes adds PUT and DELETE requests whose preconditions must fail" in out
    assert "a correct server changes nothing" in out
    assert "exit status: 0 when no check fails, 1 when one fails, 2" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("condget ")


def test_python_dash_m_condget(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(Origin()) as server:
        monkeypatch.setattr(sys, "argv", ["condget", "check", "--json", server.url()])
        with pytest.raises(SystemExit) as stop:
            runpy.run_module("condget", run_name="__main__")
    assert stop.value.code == 0
    assert json.loads(capsys.readouterr().out)["url"] == server.url()


def test_importing_condget_main_runs_nothing() -> None:
    import condget.__main__  # noqa: F401


def test_a_probe_without_an_answer_shows_no_response(capsys: pytest.CaptureFixture[str]) -> None:
    origin = Origin(
        override=lambda seen: b"garbage\r\n\r\n" if seen.get("If-Match") == "*" else None
    )
    with serving(origin) as server:
        assert main(["check", server.url()]) == 1
    assert "GET If-Match: * → no response" in capsys.readouterr().out


def test_the_console_script_is_main() -> None:
    import importlib
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    target = tomllib.loads(pyproject.read_text())["project"]["scripts"]["condget"]
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name) is main
