"""Diagnostics: one shape for every problem the toolkit reports.

The loader, the Sphinx extension and the checker all produce ``Diagnostic``
objects; one formatter turns them into ``file:line:col: severity CODE message``
so a writer sees the same line whichever tool found the problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[Severity, int] = {"error": 0, "warning": 1, "info": 2}


@dataclasses.dataclass(frozen=True, order=True)
class Location:
    """A position in a source file; ``line`` and ``column`` are 1-based (0 = unknown)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path

    def relative_to(self, root: Path) -> Location:
        """The same location with ``path`` relative to the project root where possible."""
        try:
            rel = Path(self.path).resolve().relative_to(root.resolve())
        except ValueError:
            return self
        return dataclasses.replace(self, path=rel.as_posix())


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One finding: a stable ``code`` (``MK103``, ``DATA002``), a severity, a message, a place."""

    code: str
    severity: Severity
    message: str
    location: Location

    def format(self) -> str:
        return f"{self.location}: {self.severity} {self.code} {self.message}"

    def sort_key(self) -> tuple[str, int, int, int, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, SEVERITY_ORDER[self.severity], self.code)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=Diagnostic.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def format_summary(diagnostics: Iterable[Diagnostic]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for d in diagnostics:
        counts[d.severity] += 1
    return f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"


class SourceError(Exception):
    """Raised when sources are invalid; carries every diagnostic of the run."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))
