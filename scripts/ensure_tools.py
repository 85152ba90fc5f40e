"""Make sure the system tools the tests drive are installed: nginx, curl, wrk, redis, chromium.

Run it before the test suite (``python3 dev.py test`` does); it needs only
python3 and is idempotent: a tool already on PATH is left alone. A missing
tool is installed from the Debian/Ubuntu archive with ``apt-get`` when this
runs as root. When a tool cannot be had, the script exits non-zero if the
``CI`` environment variable is set, and prints a loud warning otherwise (the
integration tests that need the tool then fail, naming this script).

    python3 scripts/ensure_tools.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# Executable name -> Debian package that provides it.
TOOLS = {
    "nginx": "nginx",
    "curl": "curl",
    "wrk": "wrk",
    "redis-server": "redis-server",
    # Headless, for tests/ranges/test_real_clients.py (an <audio> element seeking).
    "chromium": "chromium",
}

# nginx lives in /usr/sbin, which a non-root PATH may lack.
_EXTRA_PATH = os.pathsep.join(("/usr/sbin", "/sbin", "/usr/local/sbin"))


def find(tool: str) -> str | None:
    return shutil.which(tool, path=os.environ.get("PATH", "") + os.pathsep + _EXTRA_PATH)


def apt_install(packages: list[str]) -> str | None:
    """Install ``packages`` with apt-get; return why it could not, or None."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available on this system"
    if os.name != "posix" or os.geteuid() != 0:
        return "installing needs root (run: sudo apt-get install -y " + " ".join(packages) + ")"
    # DEBIAN_FRONTEND keeps debconf from prompting; policy-rc.d-free
    # containers may try to start nginx's service, which is harmless.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return f"{' '.join(command)} failed: " + " | ".join(tail)
    return None


def main() -> int:
    missing = [tool for tool in TOOLS if find(tool) is None]
    problem = apt_install([TOOLS[tool] for tool in missing]) if missing else None
    failed = []
    for tool in TOOLS:
        path = find(tool)
        if path is None:
            failed.append(tool)
            print(f"{tool}: MISSING ({problem or 'not found after install'})", flush=True)
        elif tool in missing:
            print(f"{tool}: installed ({path})", flush=True)
        else:
            print(f"{tool}: ok ({path})", flush=True)
    if not failed:
        return 0
    message = (
        f"missing system tools: {', '.join(failed)}; the integration tests in "
        "tests/integration/ and tests/ranges/ need them (install the Debian packages "
        f"{' '.join(TOOLS[tool] for tool in failed)}, or run scripts/ensure_tools.py as root)"
    )
    if os.environ.get("CI"):
        print(f"ERROR: {message}", file=sys.stderr, flush=True)
        return 1
    banner = "!" * 78
    print(f"{banner}\nWARNING: {message}\n{banner}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
