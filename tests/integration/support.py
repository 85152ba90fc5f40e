"""Real servers and real tools for the integration tests: start, wait, measure, stop."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENSURE_TOOLS = "python3 scripts/ensure_tools.py"
SERVERS = ("gunicorn", "uvicorn")
START_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0


def require_tool(name: str) -> str:
    """The tool's path; a missing tool fails the test (never skips it) and says how to get it."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin:/usr/local/sbin"
    found = shutil.which(name, path=path)
    if found is None:
        pytest.fail(f"{name} is not installed: run `{ENSURE_TOOLS}` (as root) to install it")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args!r} exited ({process.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    stop(process)
    pytest.fail(
        f"{process.args!r} did not listen on {port} in {START_TIMEOUT} s:\n{log.read_text()}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# What each server serves by default: the served example, seen from the wire.
UPSTREAM = {
    "gunicorn": (ROOT, "tests.integration.upstream:wsgi"),
    "uvicorn": (ROOT, "tests.integration.upstream:asgi"),
}


def server_command(kind: str, port: int, app_dir: Path, app: str) -> list[str]:
    """gunicorn (one gthread worker) or uvicorn serving ``app`` from ``app_dir``."""
    if kind == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "--chdir", str(app_dir),
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
            "--threads", "4", "--log-level", "warning", "--no-control-socket", app,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        "--log-level", "warning", "--lifespan", "off", app,
    ]  # fmt: skip


@dataclass(frozen=True)
class Usage:
    """What a process holds, read from /proc."""

    rss_kib: int
    fds: int
    threads: int


def usage(pid: int) -> Usage:
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return Usage(
        rss_kib=int(status["VmRSS"].split()[0]),
        fds=len(os.listdir(f"/proc/{pid}/fd")),
        threads=int(status["Threads"]),
    )


class Server:
    """A real server on 127.0.0.1 with the served example (or ``app``), and its wire log."""

    def __init__(self, kind: str, workdir: Path, app: tuple[Path, str] | None = None) -> None:
        self.kind = kind
        self.port = free_port()
        self.wire_log = workdir / f"{kind}-wire.jsonl"
        self.wire_log.touch()
        self.log = workdir / f"{kind}.log"
        env = {**os.environ, "CONDGET_WIRE_LOG": str(self.wire_log)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                server_command(kind, self.port, *(app or UPSTREAM[kind])),
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(self.port, self.process, self.log)
        self.url = f"http://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def stats(self) -> dict[str, Any]:
        """What the serving process says about itself (its pid; asyncio tasks under uvicorn)."""
        status, _, body = self.request("GET", "/_stats")
        assert status == 200
        result: dict[str, Any] = json.loads(body)
        return result

    def wire(self) -> list[dict[str, Any]]:
        """Every request the app answered so far: method, path, conditional fields, status."""
        return [json.loads(line) for line in self.wire_log.read_text().splitlines()]

    def close(self) -> str:
        """Stop the server; return what it logged."""
        stop(self.process)
        return self.log.read_text()
