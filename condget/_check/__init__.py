"""``condget check URL``: grade a server's conditional requests from the outside.

The checker sends real requests with :mod:`http.client` (GET and HEAD only,
unless ``--writes``), judges each answer against RFC 9110 §13 and §14 with
condget's own core as the oracle, and reports every finding with the section
it rests on. It is a tool built on condget's public API, like an adapter; the
core never imports it.
"""

from __future__ import annotations

from ._cli import main

__all__ = ["main"]
