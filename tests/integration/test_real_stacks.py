"""Four real stacks wrapped in condget as the docs say, under real servers, by curl and httpx.

Flask and Django run under gunicorn, Starlette and FastAPI under uvicorn
(:mod:`tests.integration.stacks` builds them). condget hides a GET's or
HEAD's conditional fields from each framework (``hide_conditions``), so
``send_file``, Django's ``ConditionalGetMiddleware``, ``StaticFiles`` and
``FileResponse`` always produce their full 200, and every 304, 412 and 206
on the wire is condget's. Each test checks the real response, read raw (curl
``--include``, httpx's header list), for:

* R33 (§15.4.5): a 304 carries the 200's fields minus representation
  metadata, never ``Content-Length: 0``, with the 200's own validators;
* R31 (§9.3.2): HEAD is answered like GET, with the same ETag;
* R34 (§15.5.13): a 412 carries no representation;
* R36 (§13.1.1): a stale conditional write changes nothing, a current one is done;
* R47, R46 (§14.2, §13.1.5): condget serves ``Range`` (206) and honours ``If-Range``;
* R28 (§13.2.1): a GET of a missing resource gets the application's own 404.

The four servers start once for the module, side by side.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import httpx
import pytest

from tests.integration.stacks import FILE_BYTES, NOTE_CACHE_CONTROL
from tests.integration.support import (
    HTTP_TIMEOUT,
    ROOT,
    free_port,
    require_tool,
    server_command,
    stop,
    wait_for_port,
)

# stack -> (server, application)
STACKS = {
    "flask": ("gunicorn", "tests.integration.stacks.flask_stack:app"),
    "django": ("gunicorn", "tests.integration.stacks.django_stack:application"),
    "starlette": ("uvicorn", "tests.integration.stacks.starlette_stack:app"),
    "fastapi": ("uvicorn", "tests.integration.stacks.fastapi_stack:app"),
}
SEED_NOTE = "seed"  # a note each stack holds from the start, for the read tests
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}

# Fields left out when a 304's field names are compared with its 200's:
# representation metadata a 304 drops or may drop (R33: Content-Length,
# Content-Type, Content-Encoding, Content-Range, Transfer-Encoding; §15.4.5:
# other metadata "SHOULD NOT" be sent: Content-Disposition, Accept-Ranges),
# and the connection's framing fields a server adds to every response. Date is
# checked on its own: exactly one on every 304.
NOT_COMPARED = frozenset(
    {
        "content-length",
        "content-type",
        "content-encoding",
        "content-disposition",
        "content-range",
        "accept-ranges",
        "transfer-encoding",
        "date",
        "server",
        "connection",
        "keep-alive",
    }
)
# What a 206 carries of its 200 (R50, §15.3.7).
KEPT_ON_206 = ("cache-control", "etag", "expires", "content-location", "vary")
# condget's own 412 body is short text; a representation is not (R34).
SHORT_BODY = 100


@dataclass(frozen=True)
class Answer:
    """A response as it came off the wire: status, field lines (names lower-cased), body."""

    status: int
    fields: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.fields)

    def all(self, name: str) -> list[str]:
        return [value for field, value in self.fields if field == name]

    def get(self, name: str) -> str | None:
        values = self.all(name)
        return ", ".join(values) if values else None

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        assert value is not None, f"no {name} in {self.fields}"
        return value


# method, URL, request fields, request body -> the response
Client: TypeAlias = Callable[[str, str, Mapping[str, str], bytes | None], Answer]


def curl(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Answer:
    """One request by curl; the response read from its raw ``--include`` output."""
    args = [require_tool("curl"), "--silent", "--show-error", "--include", "--noproxy", "*"]
    args += ["--max-time", str(HTTP_TIMEOUT), "--header", "Expect:"]  # no 100-continue
    args += ["--head"] if method == "HEAD" else ["--request", method]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    if body is not None:
        args += ["--data-binary", "@-"]
    done = subprocess.run([*args, url], input=body or b"", capture_output=True, check=True)
    output = done.stdout
    while True:
        head, _, output = output.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        if status >= 200:  # curl also prints any 1xx it got first
            break
    fields = tuple(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(":") for line in lines)
    )
    return Answer(status, fields, output)


def via_httpx(session: httpx.Client) -> Client:
    def send(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Answer:
        response = session.request(method, url, headers=dict(headers), content=body)
        fields = tuple((name.lower(), value) for name, value in response.headers.multi_items())
        return Answer(response.status_code, fields, response.content)

    return send


@dataclass
class Running:
    """One stack's server and where it listens."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    """The four stacks, started side by side (one gunicorn worker each), each with its own data."""
    running: dict[str, Running] = {}
    try:
        for name, (kind, app) in STACKS.items():
            data = tmp_path_factory.mktemp(name)
            port, log = free_port(), data / f"{kind}.log"
            env = {**os.environ, "CONDGET_STACK_DATA": str(data)}
            with log.open("wb") as out:
                process = subprocess.Popen(
                    server_command(kind, port, ROOT, app),
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            running[name] = Running(name, process, port, log)
        for stack in running.values():
            wait_for_port(stack.port, stack.process, stack.log)
        with httpx.Client(timeout=HTTP_TIMEOUT, trust_env=False) as session:
            for stack in running.values():
                seeded = session.put(f"{stack.url}/notes/{SEED_NOTE}", content=b"Buy milk.")
                assert seeded.status_code == 200, (stack.name, seeded.text)
        yield running
    finally:
        for stack in running.values():
            stop(stack.process)
    for stack in running.values():
        logged = stack.log.read_text()
        # Whatever the tests did, no server logged an error: condget broke nothing.
        assert "Traceback" not in logged, f"{stack.name}:\n{logged}"
        assert "ERROR" not in logged, f"{stack.name}:\n{logged}"


@pytest.fixture(scope="module")
def session() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=HTTP_TIMEOUT, trust_env=False) as client:
        yield client


@pytest.fixture(params=["curl", "httpx"], ids=["by curl", "by httpx"])
def client(request: pytest.FixtureRequest, session: httpx.Client) -> Client:
    return curl if request.param == "curl" else via_httpx(session)


@dataclass(frozen=True)
class Route:
    """A readable route of a stack: path, request fields, and whether its 200 has Last-Modified."""

    stack: str
    path: str
    what: str
    headers: Mapping[str, str]
    dated: bool  # the 200 carries Last-Modified
    file: bool  # the body is FILE_BYTES

    def param(self, *more: object, suffix: str = "") -> object:
        return pytest.param(self, *more, id=f"{self.stack} {self.what}{suffix}")


SEED = f"/notes/{SEED_NOTE}"
ROUTES = [
    Route("flask", "/file", "send_file", {}, dated=True, file=True),
    Route("flask", "/download", "send_file as attachment", {}, dated=True, file=True),
    Route("flask", SEED, "note", {}, dated=False, file=False),
    Route("django", "/page", "page ConditionalGetMiddleware tags", {}, dated=True, file=False),
    Route("django", SEED, "note", {}, dated=False, file=False),
    Route("starlette", "/static/report.csv", "StaticFiles", {}, dated=True, file=True),
    Route("starlette", "/file", "FileResponse", {}, dated=True, file=True),
    Route("starlette", "/download", "FileResponse as attachment", {}, dated=True, file=True),
    Route("starlette", SEED, "note", {}, dated=False, file=False),
    Route("fastapi", "/report", "JSON route, gzipped", GZIP, dated=False, file=False),
    Route("fastapi", "/report", "JSON route, identity", IDENTITY, dated=False, file=False),
    Route("fastapi", SEED, "note", {}, dated=False, file=False),
]
# Routes whose 200 condget can cut into ranges: known length, no content-coding (R51).
RANGED = [
    route for route in ROUTES if route.file or route.path == "/page" or route.headers == IDENTITY
]


def revalidations() -> list[object]:
    """Each route with each validator its 200 offers (R33: the 304 must match either way)."""
    return [
        route.param(field, method, suffix=f", {field}, {method}")
        for route in ROUTES
        for field in ("If-None-Match", "If-Modified-Since")
        if field == "If-None-Match" or route.dated
        for method in ("GET", "HEAD")
    ]


@pytest.mark.parametrize(("route", "field", "method"), revalidations())
def test_a_304_carries_the_200s_fields_but_no_representation_metadata(
    stacks: dict[str, Running], client: Client, route: Route, field: str, method: str
) -> None:
    """R33 (§15.4.5): the 200's fields, its validators' values, one Date, no Content-Length: 0.

    A HEAD revalidates the stored GET response (R31, RFC 9111 §4.3.4), so its
    304 is compared with the GET's 200.
    """
    url = stacks[route.stack].url + route.path
    full = client("GET", url, route.headers, None)
    assert full.status == 200
    validator = full["etag" if field == "If-None-Match" else "last-modified"]
    not_modified = client(method, url, {**route.headers, field: validator}, None)
    assert not_modified.status == 304, not_modified
    assert not_modified.body == b""
    assert not_modified.names - NOT_COMPARED == full.names - NOT_COMPARED
    # The 304 names the representation the client holds: a cache updates the
    # stored response whose validators it repeats (RFC 9111 §4.3.4).
    assert not_modified.get("etag") == full.get("etag")
    assert not_modified.get("last-modified") == full.get("last-modified")
    # Never Content-Length: 0 (a cache would copy it onto the stored 200); one
    # that stays must be the 200's (RFC 9110 §8.6).
    assert not_modified.all("content-length") in ([], full.all("content-length"))
    assert "content-encoding" not in not_modified.names  # R40: it would recode the stored body
    assert len(not_modified.all("date")) == 1  # §6.6.1


@pytest.mark.parametrize("route", [route.param() for route in ROUTES])
def test_head_carries_the_etag_get_carries(
    stacks: dict[str, Running], client: Client, route: Route
) -> None:
    """R31, §9.3.2: HEAD is GET without the body; where both carry an ETag it is the same one.

    Also for a conditional HEAD that still gets its 200 (If-None-Match that
    matches nothing): the ETag it carries is the one a GET would be checked on.
    """
    url = stacks[route.stack].url + route.path
    get = client("GET", url, route.headers, None)
    assert get.status == 200
    assert get.get("etag") is not None
    for extra in ({}, {"If-None-Match": '"other"'}):
        head = client("HEAD", url, {**route.headers, **extra}, None)
        assert (head.status, head.body) == (200, b"")
        assert head.get("etag") in (None, get.get("etag")), extra


def assert_no_representation(failed: Answer, full: Answer | None) -> None:
    """R34 (§15.5.13): a 412 has condget's short text, never the representation or its fields."""
    assert failed.status == 412, failed
    assert len(failed.body) < SHORT_BODY
    assert failed.body not in (FILE_BYTES, b"")
    assert failed.all("content-length") == [str(len(failed.body))]
    assert failed.names.isdisjoint({"content-disposition", "content-encoding", "content-range"})
    assert failed["content-type"].startswith("text/plain")  # condget's own text, never the 200's
    if full is not None:
        assert failed.body != full.body
        assert failed.get("content-type") != full.get("content-type")


@pytest.mark.parametrize("route", [route.param() for route in ROUTES])
def test_a_get_with_a_false_if_match_gets_a_412_without_the_representation(
    stacks: dict[str, Running], client: Client, route: Route
) -> None:
    """R32 step 1 and R34: If-Match "other" on an existing resource: 412, condget's own body."""
    url = stacks[route.stack].url + route.path
    full = client("GET", url, route.headers, None)
    assert full.status == 200
    failed = client("GET", url, {**route.headers, "If-Match": '"other"'}, None)
    assert_no_representation(failed, full)


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("if_match", ['"other"', "*"])
def test_a_get_of_a_missing_note_with_if_match_gets_the_apps_404(
    stacks: dict[str, Running], client: Client, stack: str, if_match: str
) -> None:
    """R28 (§13.2.1): the response without the precondition is a 404, so it is sent as it is."""
    missing = client("GET", f"{stacks[stack].url}/notes/missing", {"If-Match": if_match}, None)
    assert (missing.status, missing.body) == (404, b"no such note\n")


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("if_match", ['"other"', "*"])
def test_a_write_with_if_match_to_a_missing_note_gets_a_412_and_creates_nothing(
    stacks: dict[str, Running], client: Client, stack: str, method: str, if_match: str
) -> None:
    """§13.1.1: no current representation, so If-Match (even ``*``) is false: 412, no write."""
    url = f"{stacks[stack].url}/notes/absent-{uuid.uuid4().hex[:12]}"
    body = b"created?" if method == "PUT" else None
    assert_no_representation(client(method, url, {"If-Match": if_match}, body), None)
    assert client("GET", url, {}, None).status == 404


def new_note(stacks: dict[str, Running], client: Client, stack: str, text: bytes) -> str:
    """A fresh note's URL (each test its own: the servers live for the whole module)."""
    url = f"{stacks[stack].url}/notes/n-{uuid.uuid4().hex[:12]}"
    created = client("PUT", url, {"Content-Type": "text/plain"}, text)
    assert created.status == 200, created
    return url


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_stale_if_match_write_gets_a_412_and_changes_nothing(
    stacks: dict[str, Running], client: Client, stack: str, method: str
) -> None:
    """R36 (§13.1.1): a write with the tag of a version someone replaced is not performed."""
    url = new_note(stacks, client, stack, b"first")
    stale = client("GET", url, {}, None)["etag"]
    assert client("PUT", url, {"Content-Type": "text/plain"}, b"second").status == 200
    current = client("GET", url, {}, None)
    assert current.status == 200
    assert current["etag"] != stale

    body = b"lost update" if method == "PUT" else None
    refused = client(method, url, {"If-Match": stale, "Content-Type": "text/plain"}, body)
    assert_no_representation(refused, current)

    after = client("GET", url, {}, None)
    assert (after.status, after.body, after["etag"]) == (200, current.body, current["etag"])


@pytest.mark.parametrize("stack", STACKS)
def test_a_put_with_the_current_tag_is_performed(
    stacks: dict[str, Running], client: Client, stack: str
) -> None:
    """R36 (§13.1.1): If-Match with the tag just read is true: the write runs, the note changes."""
    url = new_note(stacks, client, stack, b"first")
    before = client("GET", url, {}, None)
    written = client("PUT", url, {"If-Match": before["etag"], "Content-Type": "text/plain"}, b"2nd")
    assert written.status == 200, written
    after = client("GET", url, {}, None)
    assert after.status == 200
    assert b'"2nd"' in after.body
    assert after["etag"] == written["etag"] != before["etag"]
    assert after["cache-control"] == NOTE_CACHE_CONTROL


@pytest.mark.parametrize("stack", STACKS)
def test_a_delete_with_the_current_tag_is_performed(
    stacks: dict[str, Running], client: Client, stack: str
) -> None:
    """R36 (§13.1.1): If-Match with the tag just read is true: the note is gone."""
    url = new_note(stacks, client, stack, b"doomed")
    tag = client("GET", url, {}, None)["etag"]
    assert client("DELETE", url, {"If-Match": tag}, None).status == 204
    assert client("GET", url, {}, None).status == 404


@pytest.mark.parametrize("route", [route.param() for route in RANGED])
def test_condget_serves_a_range_and_if_range_decides(
    stacks: dict[str, Running], client: Client, route: Route
) -> None:
    """R47: ``bytes=0-9`` gets a 206 of exactly those bytes; R46: a stale If-Range the full 200."""
    url = stacks[route.stack].url + route.path
    full = client("GET", url, IDENTITY, None)
    assert full.status == 200
    assert not route.file or full.body == FILE_BYTES

    part = client("GET", url, {**IDENTITY, "Range": "bytes=0-9"}, None)
    assert (part.status, part.body) == (206, full.body[:10]), part
    assert part["content-range"] == f"bytes 0-9/{len(full.body)}"
    assert part.all("content-length") == ["10"]
    # R50: what the 200 had of these, the 206 has (Expires by presence: Werkzeug
    # computes it from the clock, so two responses may be a second apart).
    assert part.names.intersection(KEPT_ON_206) == full.names.intersection(KEPT_ON_206)
    assert part["etag"] == full["etag"]

    stale = client("GET", url, {**IDENTITY, "Range": "bytes=0-9", "If-Range": '"stale"'}, None)
    assert (stale.status, stale.body) == (200, full.body)
    assert "content-range" not in stale.names

    # The current tag: a 206 if it is strong; a weak tag never satisfies If-Range (R46, R25).
    tag = full["etag"]
    current = client("GET", url, {**IDENTITY, "Range": "bytes=0-9", "If-Range": tag}, None)
    wanted = (200, full.body) if tag.startswith("W/") else (206, full.body[:10])
    assert (current.status, current.body) == wanted


def test_a_range_of_a_gzipped_body_gets_the_full_200(
    stacks: dict[str, Running], client: Client
) -> None:
    """R51: outside GZip the body is content-coded per request, so condget serves no range of it."""
    url = stacks["fastapi"].url + "/report"
    answer = client("GET", url, {**GZIP, "Range": "bytes=0-9"}, None)
    assert (answer.status, answer["content-encoding"]) == (200, "gzip")
    assert "content-range" not in answer.names
    assert len(answer.body) > 10
