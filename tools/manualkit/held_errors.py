"""Sphinx's reports of source problems the checker reports too, held back while it runs.

A role or directive naming an id the data lacks (``{sla}`complaint.genral.resolve```), an unknown
role or directive, a toctree entry naming no document, an undefined or duplicate label, a
character the PDF's fonts lack, a code fence never closed: Sphinx (or docutils, MyST, Pygments,
the PDF builder) reports each as it reads, and ``manualkit build`` runs the checker beside it,
which reports the same problem with its column and a did-you-mean.  Printed both, a writer read
every such mistake twice, in two formats.  So while the checker runs, Sphinx's report still
counts (the build fails and publishes nothing) but its line is held here; once the checker's
findings are printed, only the held lines no finding of the checker accounts for are printed — a
problem is never reported zero times.

A finding accounts for a held line when it has one of the checker codes for that kind of report
(:data:`SAME_PROBLEM`), is in the same file and lies at the same line or a little off it: Sphinx
places a role's problem on the line its paragraph starts on (a wrapped paragraph, a list item,
an admonition) and a toctree's on the directive's line, where the checker names the role's or
the entry's own line; docutils names the line after a duplicate label.  An unknown id must be
named by the finding too.  Each finding accounts for one held line at most.
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
#: The log record's attribute holding the unknown id (``extra`` of the logging call).
ITEM_ID: Final = "manualkit_item_id"


@dataclasses.dataclass(frozen=True)
class SameProblem:
    """The checker's codes for one kind of Sphinx report, and the lines (relative to Sphinx's
    line) a finding of them may lie on."""

    codes: frozenset[str]
    first: int
    last: int


#: Sphinx log records' (type, subtype) → the checker findings that report the same problem.
SAME_PROBLEM: Final[dict[tuple[str, str], SameProblem]] = {
    (LOG_TYPE, UNKNOWN_ID): SameProblem(frozenset({"MK101"}), 0, 30),
    ("myst", "role_unknown"): SameProblem(frozenset({"MK120"}), 0, 30),
    ("myst", "directive_unknown"): SameProblem(frozenset({"MK121"}), 0, 0),
    ("toc", "not_readable"): SameProblem(frozenset({"MK109", "MK123"}), 0, 60),
    ("ref", "ref"): SameProblem(frozenset({"MK101"}), 0, 30),
    # Pygments failing on the rest of a chapter that an unclosed fence turned into code (its
    # warning quoted all of it).
    ("misc", "highlighting_failure"): SameProblem(frozenset({"MK129"}), 0, 0),
    # The PDF builder's characters its fonts lack and images it refuses.
    (LOG_TYPE, "pdf"): SameProblem(frozenset({"MK619", "MK124"}), 0, 30),
    # "Duplicate explicit target name", on the line after the label the checker names.
    ("docutils", ""): SameProblem(frozenset({"MK108"}), -1, 0),
}

#: Sphinx warnings that carry no type, by their message template (untranslated: the record's
#: ``msg`` is compared with its translation too) → the checker findings that report the same
#: problem.
SAME_MESSAGE: Final[dict[str, SameProblem]] = {
    # The standard domain's, for a label defined in two chapters: at the heading after the second
    # label line, which the checker's MK108 names.
    "duplicate label %s, other instance in %s": SameProblem(frozenset({"MK108"}), -1, 0),
}


@dataclasses.dataclass(frozen=True)
class HeldError:
    """One held line: where (project-relative path, line), the text Sphinx would have printed,
    which findings of the checker report the same problem, and the id it names (None: none)."""

    path: str
    line: int | None
    text: str
    item_id: str | None = None
    same: SameProblem = SAME_PROBLEM[(LOG_TYPE, UNKNOWN_ID)]


class SourceErrorHold(logging.Filter):
    """A filter for Sphinx's warning handler: keeps the records the checker reports too.

    Added after Sphinx's own filters, so the record has been counted (the build fails) and its
    location translated to ``path:line`` already.
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.held: list[HeldError] = []

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (str(getattr(record, "type", "") or ""), str(getattr(record, "subtype", "") or ""))
        same = SAME_PROBLEM.get(kind) if any(kind) else _same_message(record)
        if same is None:
            return True
        path, line = self._place(str(getattr(record, "location", "") or ""))
        where = f"{path}:{line}" if line is not None else path
        level = "ERROR" if record.levelno >= logging.ERROR else "WARNING"
        # The message alone: Sphinx's record class puts its location and level in front.
        message = logging.LogRecord.getMessage(record)
        item_id = getattr(record, ITEM_ID, None)
        shown = f"{where}: {level}: {message}"
        self.held.append(HeldError(path, line, shown, item_id if isinstance(item_id, str) else None, same))
        return False

    def _place(self, location: str) -> tuple[str, int | None]:
        """(path, line) of a ``path``, ``path:line`` or ``path:line:column`` location."""
        path, _, line = location.rpartition(":")
        if not line.isdigit():
            path, line = location, ""
        elif path.rpartition(":")[2].isdigit():  # path:line:column
            path, _, line = path.rpartition(":")
        with contextlib.suppress(ValueError):  # outside the project: keep it as Sphinx gave it
            path = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        return path, int(line) if line else None


def _same_message(record: logging.LogRecord) -> SameProblem | None:
    """The :data:`SAME_MESSAGE` entry of an untyped record, by its message template."""
    from sphinx.locale import __

    template = str(record.msg)
    for english, same in SAME_MESSAGE.items():
        if template in (english, str(__(english))):
            return same
    return None


def install(app: Any, hold: SourceErrorHold) -> None:
    """Put ``hold`` behind the filters of the application's warning handler(s)."""
    from sphinx.util.logging import NAMESPACE, WarningStreamHandler

    for handler in logging.getLogger(NAMESPACE).handlers:
        if isinstance(handler, WarningStreamHandler):
            handler.addFilter(hold)


def not_reported(held: Iterable[HeldError], diagnostics: Iterable[Diagnostic], root: Path) -> list[HeldError]:
    """The held lines no finding of the checker accounts for (see the module's docstring)."""
    findings = [
        (Path(d.location.relative_to(root).path).as_posix(), d.location.line, d.code, d.message)
        for d in diagnostics
    ]
    used: set[int] = set()

    def accounted(error: HeldError) -> bool:
        for index, (path, line, code, message) in enumerate(findings):
            if index in used or path != error.path or code not in error.same.codes:
                continue
            if error.line is None or line is None:
                near = line == error.line
            else:
                near = error.line + error.same.first <= line <= error.line + error.same.last
            if near and (error.item_id is None or line == error.line or repr(error.item_id) in message):
                used.add(index)
                return True
        return False

    return [error for error in held if not accounted(error)]
