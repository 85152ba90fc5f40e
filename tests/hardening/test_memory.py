"""Bounded memory: a 64 MiB body through each middleware with auto-ETag on.

condget holds a body back only to hash it for an auto-ETag, and only up to
``max_buffer`` bytes; past that it streams in constant extra memory. The
peaks come from tracemalloc, bare versus wrapped, through the same code as
the 1 GiB run in ``benchmarks/memory_1gib.py`` (figures in docs/security.md).
The bound is ``max_buffer`` + 64 KiB: the chunk that crosses the limit is held
too, and these applications send 64 KiB chunks.
"""

from __future__ import annotations

import pytest

from benchmarks.memory_1gib import KIB, MIB, extra_memory

SIZE = 64 * MIB


@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    "length",
    [pytest.param(None, id="true_content_length"), pytest.param(10, id="content_length_too_small")],
)
@pytest.mark.parametrize("max_buffer", [1 * MIB, 256 * KIB], ids=["1MiB", "256KiB"])
def test_peak_extra_memory_stays_under_max_buffer(
    adapter: str, length: int | None, max_buffer: int
) -> None:
    result = extra_memory(adapter, SIZE, max_buffer=max_buffer, length=length)
    assert result["extra"] < max_buffer + 64 * KIB, result


@pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
def test_tiny_chunks_hold_no_more_than_max_buffer(adapter: str) -> None:
    # An application that streams small pieces (lines, records) under a
    # Content-Length that allows an auto-ETag: condget holds them until
    # max_buffer bytes are in, and the holding must not cost many times that.
    result = extra_memory(adapter, 1 * MIB, chunk=16, max_buffer=256 * KIB, length=10)
    assert result["extra"] < 256 * KIB + 64 * KIB, result
