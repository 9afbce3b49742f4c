"""Sphinx's unknown-id errors, held back while the checker reports the same problems.

A role or directive naming an id the data lacks (``{sla}`complaint.genral.resolve```) fails the
build in Sphinx, and ``manualkit build`` runs the checker beside it, which reports the same id as
MK101 with its column and a did-you-mean.  Printed both, a writer read every such mistake twice,
in two formats.  So while the checker runs, Sphinx's error still counts (the build fails and
publishes nothing) but its line is held here; once the checker's findings are printed, only the
held lines the checker did not report are printed — a problem is never reported zero times.
The checker reports the role's own line; Sphinx, the line its paragraph starts on (a role in a
wrapped paragraph, a list item, an admonition): the two are matched by the id they name.
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
#: The log record's attribute holding the unknown id (``extra`` of the logging call).
ITEM_ID: Final = "manualkit_item_id"


@dataclasses.dataclass(frozen=True)
class HeldError:
    """One held line: where (project-relative path, line), the text Sphinx would have printed
    and the id it names (None: not known)."""

    path: str
    line: int | None
    text: str
    item_id: str | None = None


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
        # The message alone: Sphinx's record class puts its location and level in front.
        message = logging.LogRecord.getMessage(record)
        item_id = getattr(record, ITEM_ID, None)
        self.held.append(
            HeldError(
                path, line, f"{where}: {level}: {message}", item_id if isinstance(item_id, str) else None
            )
        )
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
    """The held errors the checker did not report as MK101: at the same file and line, or in
    the same file from Sphinx's line on, naming the same id (quoted, as its messages do)."""
    found = [
        (Path(d.location.relative_to(root).path).as_posix(), d.location.line, d.message)
        for d in diagnostics
        if d.code == CHECKER_CODE
    ]

    def reported(error: HeldError) -> bool:
        for path, line, message in found:
            if path != error.path:
                continue
            if line == error.line:
                return True
            if (
                error.item_id
                and (error.line is None or line >= error.line)
                and repr(error.item_id) in message
            ):
                return True
        return False

    return [error for error in held if not reported(error)]
