"""Hypothesis profiles: ``ci`` (the default, fast) and ``deep`` (long runs).

Select one with ``HYPOTHESIS_PROFILE=deep``. A test that fixes its own
``max_examples`` keeps it under either profile, so property tests should leave
the number of examples to the profile unless they are unusually expensive.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# The whole suite must stay under five minutes on two shared cores: the default
# hundred examples, and no per-example deadline, which a loaded machine would
# turn into flaky failures. print_blob lets a CI failure be replayed locally.
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
# For an hour-long hunt: two hundred times the examples; slow data generation
# is expected at that size, not a problem to report.
settings.register_profile(
    "deep",
    max_examples=20_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _condget_logger_level() -> Iterator[None]:
    """A test (or a docs snippet) that turns the ``condget`` logger to DEBUG does so for itself."""
    logger = logging.getLogger("condget")
    level = logger.level
    yield
    logger.setLevel(level)
