"""``python -m manualkit`` — the same as the ``manualkit`` console script."""

from __future__ import annotations

import sys

from manualkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
