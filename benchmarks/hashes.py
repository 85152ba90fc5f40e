"""Which hash should ETagHasher use? Throughput of the candidates on this machine.

Run: .venv/bin/python benchmarks/hashes.py

The standard library's candidates are timed on a 10 MiB body, best of 5.
ETagHasher uses SHA-256: the fastest stdlib hash on CPUs with SHA extensions
that nobody can forge a collision for (MD5 and SHA-1 are broken; CRC is not a
hash of the content's identity). xxHash, if installed, is shown for scale.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Callable

BODY = os.urandom(10 * 1024 * 1024)


def throughput(function: Callable[[bytes], object]) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        function(BODY)
        best = min(best, time.perf_counter() - start)
    return len(BODY) / best / 1e9


CANDIDATES: dict[str, Callable[[bytes], object]] = {
    "sha256 (chosen)": lambda b: hashlib.sha256(b).digest(),
    "sha1": lambda b: hashlib.sha1(b).digest(),
    "md5": lambda b: hashlib.md5(b, usedforsecurity=False).digest(),
    "blake2b-128": lambda b: hashlib.blake2b(b, digest_size=16).digest(),
    "blake2s": lambda b: hashlib.blake2s(b).digest(),
    "crc32 (not a content hash)": zlib.crc32,
}

try:
    import xxhash

    CANDIDATES["xxh3_128 (third-party)"] = lambda b: xxhash.xxh3_128(b).digest()
except ImportError:
    pass


def main() -> None:
    print("| hash | GB/s |\n|---|---|")
    for name, function in CANDIDATES.items():
        print(f"| {name} | {throughput(function):.2f} |")


if __name__ == "__main__":
    main()
