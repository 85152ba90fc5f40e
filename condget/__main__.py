"""``python -m condget check URL``: the ``condget`` command line."""

from __future__ import annotations

import sys

from ._check import main

if __name__ == "__main__":
    sys.exit(main())
