"""``python -m manualkit.checks`` = ``manualkit check``."""

from __future__ import annotations

import sys

from manualkit.checks.cli import main

sys.exit(main())
