"""Publishing a built file: shared by the PDF and DOCX builders.

A build replaces its output only once the new file is complete, so a failed or
interrupted build always leaves the previous PDF/DOCX in place.  Run by ``sphinx-build``
the builders publish their file themselves; run by the ``manualkit`` CLI they hand it over
as a :class:`PendingFile` and the CLI publishes it once the checker approved.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


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


#: A manual output's file name: ``<document number>-v<version>.pdf`` / ``.docx``.
_VERSIONED_OUTPUT = re.compile(r"^.+-v\d+(?:\.\d+)+\.(?:pdf|docx)$")


def publish_output(target: Path, content: bytes) -> None:
    """Write ``target`` atomically, then remove the folder's other versions of the manual.

    ``build/pdf/`` is the current manual: after version 1.1 is built, a KF-SC-001-v1.0.pdf
    left beside it is a superseded copy that anyone picking "the PDF" may take.  Released
    versions stay in the published site (``manualkit release``); only files named like a
    manual output (``<number>-v<version>.<ext>``, same extension) are removed.
    """
    atomic_write(target, content)
    for sibling in target.parent.glob(f"*{target.suffix}"):
        if sibling != target and sibling.is_file() and _VERSIONED_OUTPUT.match(sibling.name):
            sibling.unlink(missing_ok=True)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory where possible, for the build's last line."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@dataclasses.dataclass(frozen=True)
class FinishedFile:
    """A builder's finished output that its runner publishes: where it goes, its bytes, its summary."""

    path: Path
    content: bytes
    #: The one-line account of what was written ("67 pages, 1061.0 KiB").
    summary: str


class OutputFailed(Exception):
    """A pending output could not be finished; the message says why, ``warnings`` what was said."""

    def __init__(self, message: str, warnings: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.warnings = tuple(warnings)


class PendingFile(Protocol):
    """An output a builder finished (or is still finishing) without publishing it.

    Why: the ``manualkit`` CLI publishes only what the checker approved, and builds while the
    checker runs; the PDF may still be typesetting in its worker processes while the next output
    builds.  Builders run by ``sphinx-build`` publish by themselves and have none.
    """

    def result(self) -> FinishedFile:
        """Wait for the file; raise :class:`OutputFailed` when it cannot be produced."""
        ...

    def cancel(self) -> None:
        """Stop the work still going on (the build failed elsewhere); never raises."""
        ...


@dataclasses.dataclass(frozen=True)
class ReadyFile:
    """A :class:`PendingFile` that was complete when the builder finished."""

    finished: FinishedFile

    def result(self) -> FinishedFile:
        return self.finished

    def cancel(self) -> None:
        return None
