"""Load: condget under gunicorn and uvicorn at saturation, next to the same app without it.

    python benchmarks/load.py                # 60 s per configuration
    python benchmarks/load.py --seconds 5    # the CI version (tests/integration/test_load.py)

Serves examples/served_app.py four ways (gunicorn: ``plain_wsgi`` and
``wsgi``; uvicorn: ``plain_asgi`` and ``asgi``) and drives each with wrk
(the Debian package; ``python3 scripts/ensure_tools.py`` installs it) and a
Lua script that cycles through a mix of 8 requests: 3 plain GETs (200),
4 conditional GETs (If-None-Match with the app's strong tag and with
condget's weak auto-ETag, If-Modified-Since, and If-None-Match on the note
the pre-dispatch hook knows: 304) and 1 PUT whose If-Match names an old
version (412). Without condget the same requests get 200s and a 204.
``--mix plain`` sends only unconditional GETs (/page, /auto, /notes/1),
where condget can only add work (reading headers, hashing /auto's body):
its overhead.

The two apps of a server run side by side and take turns under wrk, in
rounds of at most 5 s, so that whatever else the machine does weighs on
both alike. For each configuration it reports requests/s, the statuses
seen, the errors (any status but 2xx, 304 and 412, and wrk's socket errors: connect,
read, write, timeout) and the serving process's resident memory, open file
descriptors and threads from /proc after a warm-up and after the run.
It exits 1 when a run had an error or a resource grew past the bounds below.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SERVERS = {
    "gunicorn": ("plain_wsgi", "wsgi"),
    "uvicorn": ("plain_asgi", "asgi"),
}
# Growth allowed between the warm-up and the end of a run: no descriptor or
# thread more, and a little memory (allocator noise, not per-request state).
RSS_GROWTH_KIB = 16 * 1024
# The apps of one server take turns under wrk in rounds this long at most.
ROUND_SECONDS = 5

LUA = r"""
-- condget's load mix; the validators come from load.py as script arguments.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local page_etag, auto_etag, last_modified, kind = args[1], args[2], args[3], args[4]
  if kind == "plain" then
    mix = {wrk.format("GET", "/page"), wrk.format("GET", "/auto"), wrk.format("GET", "/notes/1")}
  else mix = {
    wrk.format("GET", "/page"),
    wrk.format("GET", "/page", {["If-None-Match"] = page_etag}),
    wrk.format("GET", "/auto"),
    wrk.format("GET", "/auto", {["If-None-Match"] = auto_etag}),
    wrk.format("GET", "/page", {["If-Modified-Since"] = last_modified}),
    wrk.format("GET", "/notes/1", {["If-None-Match"] = '"v1"'}),
    wrk.format("GET", "/page"),
    wrk.format("PUT", "/notes/1", {["If-Match"] = '"v0"'}, "lost update"),
  } end
  i = 0
  ok, not_modified, failed, other = 0, 0, 0, 0
end

function request()
  i = i % #mix + 1
  return mix[i]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status == 304 then not_modified = not_modified + 1
  elseif status == 412 then failed = failed + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local n = {ok = 0, not_modified = 0, failed = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(n) do n[name] = n[name] + thread:get(name) end
  end
  local e = summary.errors
  io.write(string.format(
    'CONDGET {"requests": %d, "duration_us": %d, "2xx": %d, "304": %d, "412": %d, ' ..
    '"other_status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, n.ok, n.not_modified, n.failed, n.other,
    e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass(frozen=True)
class Usage:
    rss_kib: int
    fds: int
    threads: int


@dataclass(frozen=True)
class Result:
    server: str
    app: str
    seconds: float
    requests: int
    rps: float
    statuses: dict[str, int]
    errors: int
    before: Usage
    after: Usage
    server_log_errors: int

    @property
    def grew(self) -> bool:
        return (
            self.after.fds > self.before.fds
            or self.after.threads > self.before.threads
            or self.after.rss_kib - self.before.rss_kib > RSS_GROWTH_KIB
        )


def usage(pid: int) -> Usage:
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return Usage(
        rss_kib=int(status["VmRSS"].split()[0]),
        fds=len(os.listdir(f"/proc/{pid}/fd")),
        threads=int(status["Threads"]),
    )


def settled(pid: int, fds: int | None = None) -> Usage:
    """Usage once the server has closed the clients' connections (or 10 s have passed)."""
    deadline = time.monotonic() + 10
    last, steady = usage(pid), 0
    while time.monotonic() < deadline and steady < 5:
        time.sleep(0.1)
        now = usage(pid)
        if fds is not None and now.fds <= fds:
            return now
        steady = steady + 1 if now.fds >= last.fds else 0
        last = now
    return last


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def command(server: str, app: str, port: int) -> list[str]:
    if server == "gunicorn":
        # One worker with 4 threads (gthread keeps connections alive, as wrk wants).
        return [
            sys.executable, "-m", "gunicorn", "--chdir", str(EXAMPLES),
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
            "--threads", "4", "--log-level", "warning", "--no-control-socket",
            f"served_app:{app}",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        "--log-level", "warning", "--lifespan", "off", f"served_app:{app}",
    ]  # fmt: skip


def serving_pid(server: str, process: subprocess.Popen[bytes]) -> int:
    """The process that runs the app: gunicorn's worker, or uvicorn itself."""
    if server != "gunicorn":
        return process.pid
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == process.pid:
                return int(entry.name)
    raise RuntimeError("gunicorn has no worker")


def wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/page")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{process.args!r} did not answer in 30 s:\n{log.read_text()}")


def validators(port: int) -> list[str]:
    """The Lua script's arguments: /page's ETag, /auto's ETag (if any), Last-Modified."""
    found = []
    for path in ("/page", "/auto"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        found.append(response.getheader("ETag") or '"none"')
    found.append(str(response.getheader("Last-Modified")))
    return found


def wrk(
    port: int, seconds: float, script: Path, args: argparse.Namespace, extra: list[str]
) -> dict[str, int]:
    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        sys.exit("wrk is not installed: run `python3 scripts/ensure_tools.py` (as root)")
    done = subprocess.run(
        [wrk_path, f"--threads={args.threads}", f"--connections={args.connections}",
         f"--duration={max(1, round(seconds))}s", "--timeout=5s", f"--script={script}",
         f"http://127.0.0.1:{port}", "--", *extra],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    match = re.search(r"^CONDGET (.*)$", done.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result: dict[str, int] = json.loads(match.group(1))
    return result


class Served:
    """One server process serving one of the example's apps on a free port."""

    def __init__(self, server: str, app: str, workdir: Path) -> None:
        self.server, self.app = server, app
        self.port = free_port()
        self.log = workdir / f"{server}-{app}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command(server, app, self.port), stdout=out, stderr=subprocess.STDOUT
            )
        wait_until_serving(self.port, self.process, self.log)
        self.pid = serving_pid(server, self.process)
        self.script_args = validators(self.port)

    def close(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()


def run(server: str, args: argparse.Namespace, workdir: Path) -> list[Result]:
    """Both apps under ``server``, measured in alternating rounds of at most 5 s.

    Taking turns, the app with condget and the one without share whatever
    else the machine is doing, so the ratio between them holds even when
    the absolute numbers move.
    """
    script = workdir / "mix.lua"
    script.write_text(LUA)
    rounds = math.ceil(args.seconds / ROUND_SECONDS)
    each = max(1, round(args.seconds / rounds))
    served: list[Served] = []
    try:
        for app in SERVERS[server]:
            served.append(Served(server, app, workdir))
        for one in served:
            wrk(one.port, args.warmup, script, args, [*one.script_args, args.mix])
        before = {one.app: settled(one.pid) for one in served}
        totals: dict[str, Counter[str]] = {one.app: Counter() for one in served}
        for turn in range(rounds):
            for one in served if turn % 2 == 0 else served[::-1]:
                print(f"{server} {one.app}: round {turn + 1}/{rounds}", file=sys.stderr)
                totals[one.app].update(
                    wrk(one.port, each, script, args, [*one.script_args, args.mix])
                )
        after = {one.app: settled(one.pid, before[one.app].fds) for one in served}
    finally:
        logs = {one.app: one.close() for one in served}
    results = []
    for app, measured in totals.items():
        seconds = measured["duration_us"] / 1e6
        socket_errors = sum(measured[kind] for kind in ("connect", "read", "write", "timeout"))
        results.append(
            Result(
                server=server,
                app="condget" if app in ("wsgi", "asgi") else "without condget",
                seconds=round(seconds, 1),
                requests=measured["requests"],
                rps=round(measured["requests"] / seconds),
                statuses={key: measured[key] for key in ("2xx", "304", "412")},
                errors=measured["other_status"] + socket_errors,
                before=before[app],
                after=after[app],
                server_log_errors=logs[app].count("Traceback") + logs[app].count("ERROR"),
            )
        )
    return results


def table(results: list[Result]) -> str:
    lines = [
        "| server | app | req/s | vs without | 2xx / 304 / 412 | errors "
        "| RSS MiB before → after | fds | threads |",
        "|---|---|---:|---:|---|---:|---|---|---|",
    ]
    baseline = {r.server: r.rps for r in results if r.app == "without condget"}
    for r in results:
        relative = f"{r.rps / baseline[r.server]:.0%}" if r.server in baseline else "-"
        s = r.statuses
        lines.append(
            f"| {r.server} | {r.app} | {r.rps:,} | {relative} "
            f"| {s['2xx']:,} / {s['304']:,} / {s['412']:,} | {r.errors + r.server_log_errors} "
            f"| {r.before.rss_kib / 1024:.1f} → {r.after.rss_kib / 1024:.1f} "
            f"| {r.before.fds} → {r.after.fds} | {r.before.threads} → {r.after.threads} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="per configuration (60)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before measuring (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--servers", default="gunicorn,uvicorn", help="comma-separated")
    parser.add_argument("--mix", choices=("conditional", "plain"), default="conditional")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="condget-load-") as workdir:
        for server in args.servers.split(","):
            results.extend(run(server, args, Path(workdir)))
    print(
        f"{args.mix} mix; wrk: {args.threads} thread(s), {args.connections} connections, "
        f"{args.seconds:g} s per configuration in rounds of at most 5 s, taking turns, "
        f"after {args.warmup:g} s of warm-up; "
        f"{os.cpu_count()} CPUs"
    )
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    failed = [r for r in results if r.errors or r.server_log_errors or r.grew]
    for r in failed:
        print(f"FAILED: {r.server} {r.app}: errors or growth (see the table)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
