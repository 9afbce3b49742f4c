"""Diagnostics: one shape for every problem the toolkit reports.

The loader, the Sphinx extension and the checker all produce ``Diagnostic``
objects; one formatter turns them into ``file:line:col: severity CODE message``
so a writer sees the same line whichever tool found the problem.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, Protocol

#: Exit statuses of every ``manualkit`` command (README "Exit status"): 1 = checks or build
#: failed, 2 = invalid sources (the data files could not be loaded) or bad usage.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2

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
        """The same location with ``path`` relative to the project root where possible.

        Paths that are already relative (``data/slas.yaml``) are kept: they are relative to the
        project root by convention, and resolving them against the current directory would be wrong.
        """
        if not Path(self.path).is_absolute():
            return self
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


# --------------------------------------------------------------------------- reporting
#
# One reporter for every front end: ``manualkit data/check/build`` print through it and the
# Sphinx extension forwards diagnostics to Sphinx's logger with :func:`log_to_sphinx`, so a
# finding reads the same in a terminal, in CI annotations and in a Sphinx build log.

#: Output formats understood by :func:`render_diagnostics` and :class:`Reporter`.
FORMATS: tuple[str, ...] = ("text", "json", "github")

_GITHUB_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}


def diagnostic_to_dict(diagnostic: Diagnostic) -> dict[str, str | int]:
    """The JSON shape of one finding (same keys as ``manualkit check --format json``)."""
    loc = diagnostic.location
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
    }


def _github_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command (``::error file=…,line=…::…``) for one finding."""
    loc = diagnostic.location
    props = [f"file={_github_escape(loc.path, prop=True)}"]
    if loc.line:
        props.append(f"line={loc.line}")
    if loc.column:
        props.append(f"col={loc.column}")
    props.append(f"title={_github_escape(diagnostic.code, prop=True)}")
    message = _github_escape(f"{diagnostic.code} {diagnostic.message}")
    return f"::{_GITHUB_LEVEL[diagnostic.severity]} {','.join(props)}::{message}"


def render_diagnostics(
    diagnostics: Iterable[Diagnostic], fmt: str = "text", *, tool: str = "manualkit"
) -> str:
    """Every finding in one format; text and github end with the summary line."""
    items = sort_diagnostics(diagnostics)
    if fmt == "json":
        counts = {"errors": 0, "warnings": 0, "info": 0}
        for d in items:
            counts[{"error": "errors", "warning": "warnings", "info": "info"}[d.severity]] += 1
        document = {
            "version": 1,
            "tool": tool,
            "summary": counts,
            "findings": [diagnostic_to_dict(d) for d in items],
        }
        return json.dumps(document, ensure_ascii=False, indent=2)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    lines = [format_github(d) if fmt == "github" else d.format() for d in items]
    lines.append(format_summary(items))
    return "\n".join(lines)


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class Reporter:
    """Prints diagnostics as they come (text/github) or all at once (json, on :meth:`close`).

    Paths are made relative to ``root`` when given, so output reads ``data/slas.yaml:3:5``
    whatever the current directory.
    """

    def __init__(self, stream: _Writable, fmt: str = "text", *, root: Path | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.stream = stream
        self.fmt = fmt
        self.root = root
        self.seen: list[Diagnostic] = []

    def _relative(self, diagnostic: Diagnostic) -> Diagnostic:
        if self.root is None or not Path(diagnostic.location.path).is_absolute():
            return diagnostic
        return dataclasses.replace(diagnostic, location=diagnostic.location.relative_to(self.root))

    def report(self, diagnostics: Iterable[Diagnostic]) -> None:
        batch = sort_diagnostics(self._relative(d) for d in diagnostics)
        self.seen.extend(batch)
        if self.fmt == "json":
            return
        for d in batch:
            self.stream.write((format_github(d) if self.fmt == "github" else d.format()) + "\n")

    def close(self, *, summary: bool = True) -> None:
        """Finish: the JSON document, or the summary line for text output."""
        if self.fmt == "json":
            self.stream.write(render_diagnostics(self.seen, "json") + "\n")
        elif summary and self.fmt == "text" and self.seen:
            self.stream.write(format_summary(self.seen) + "\n")

    @property
    def has_errors(self) -> bool:
        return has_errors(self.seen)


class _SphinxLogger(Protocol):
    def warning(self, msg: str, *args: object, **kwargs: object) -> None: ...

    def info(self, msg: str, *args: object, **kwargs: object) -> None: ...


def log_to_sphinx(diagnostics: Iterable[Diagnostic], logger: _SphinxLogger) -> None:
    """Forward findings to a Sphinx logger (``sphinx.util.logging.getLogger``) with their location.

    Errors and warnings become Sphinx warnings (so ``-W`` fails the build) of type ``manualkit`` and
    subtype = the code, which ``suppress_warnings = ["manualkit.MK601"]`` can silence.
    """
    for d in sort_diagnostics(diagnostics):
        location = str(d.location)
        if d.severity == "info":
            logger.info(f"{location}: {d.code} {d.message}")
        else:
            logger.warning(f"{d.code} {d.message}", location=location, type="manualkit", subtype=d.code)
