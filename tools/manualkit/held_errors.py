"""Sphinx's unknown-id errors, held back while the checker reports the same problems.

A role or directive naming an id the data lacks (``{sla}`complaint.genral.resolve```) fails the
build in Sphinx, and ``manualkit build`` runs the checker beside it, which reports the same id as
MK101 with its column and a did-you-mean.  Printed both, a writer read every such mistake twice,
in two formats.  So while the checker runs, Sphinx's error still counts (the build fails and
publishes nothing) but its line is held here; once the checker's findings are printed, only the
held lines the checker did not report at the same file and line are printed — a problem is
never reported zero times.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from manualkit.diagnostics import Diagnostic

#: ``type`` and ``subtype`` of the Sphinx log records of manualkit's roles and directives
#: (``suppress_warnings = ["manualkit.unknown_id"]`` addresses them the Sphinx way).
LOG_TYPE: Final = "manualkit"
UNKNOWN_ID: Final = "unknown_id"
#: The checker's code for the same problem.
CHECKER_CODE: Final = "MK101"


@dataclasses.dataclass(frozen=True)
class HeldError:
    """One held line: where (project-relative path, line) and the text Sphinx would have printed."""

    path: str
    line: int | None
    text: str


class UnknownIdHold(logging.Filter):
    """A filter for Sphinx's warning handler: keeps unknown-id records instead of printing them.

    Added after Sphinx's own filters, so the record has been counted (the build fails) and its
    location translated to ``path:line`` already.
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.held: list[HeldError] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "type", "") != LOG_TYPE or getattr(record, "subtype", "") != UNKNOWN_ID:
            return True
        path, line = self._place(str(getattr(record, "location", "") or ""))
        where = f"{path}:{line}" if line is not None else path
        level = "ERROR" if record.levelno >= logging.ERROR else "WARNING"
        self.held.append(HeldError(path, line, f"{where}: {level}: {record.getMessage()}"))
        return False

    def _place(self, location: str) -> tuple[str, int | None]:
        path, _, line = location.rpartition(":")
        if not line.isdigit():
            path, line = location, ""
        with contextlib.suppress(ValueError):  # outside the project: keep it as Sphinx gave it
            path = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        return path, int(line) if line else None


def install(app: Any, hold: UnknownIdHold) -> None:
    """Put ``hold`` behind the filters of the application's warning handler(s)."""
    from sphinx.util.logging import NAMESPACE, WarningStreamHandler

    for handler in logging.getLogger(NAMESPACE).handlers:
        if isinstance(handler, WarningStreamHandler):
            handler.addFilter(hold)


def not_reported(held: Iterable[HeldError], diagnostics: Iterable[Diagnostic], root: Path) -> list[HeldError]:
    """The held errors the checker did not report as MK101 at the same file and line."""
    places = (d.location.relative_to(root) for d in diagnostics if d.code == CHECKER_CODE)
    reported = {(Path(p.path).as_posix(), p.line) for p in places}
    return [h for h in held if (h.path, h.line) not in reported]
