"""Publishing a built file: shared by the PDF and DOCX builders.

A build replaces its output only once the new file is complete, so a failed or
interrupted build always leaves the previous PDF/DOCX in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(target: Path, content: bytes) -> None:
    """Write next to ``target`` and ``os.replace`` it, so readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def display_path(path: Path) -> str:
    """``path`` relative to the working directory where possible, for the build's last line."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
