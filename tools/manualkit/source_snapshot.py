"""The sources a build started from, compared again before anything is published.

``build all`` checks the manual once and builds three outputs from it over several seconds (a
large manual: a minute).  The checker and the PDF read the sources at the start; the HTML and
DOCX builds that follow re-read whatever changed since.  A chapter saved in between — a writer
at work beside ``make serve``, a ``git pull`` in the same checkout — was published in the site
and the DOCX but not in the PDF, and unchecked: a placeholder the checker refuses (MK615)
went out with exit status 0.

So the build notes every source file's size and modification time before it reads any, and
publishes only if they are the same at the end: else nothing is published, the previous
outputs stay, and the writer is told which files changed.  Sizes and times, not contents:
noting them costs a millisecond; saving a file changes its time.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

from manualkit.project import Project

#: Files at the project's top level that a build reads (Sphinx, docutils, the style rules).
TOP_LEVEL_SOURCES = ("conf.py", "docutils.conf", ".vale.ini", ".autocorrectrc")
#: How many changed files a message names before it says "and N more".
SHOWN = 5

Stamp = tuple[int, int]


def _walk(folder: Path) -> Iterator[Path]:
    for directory, subfolders, files in os.walk(folder):
        subfolders.sort()
        for name in sorted(files):
            yield Path(directory, name)


def _stamps(project: Project) -> dict[str, Stamp]:
    paths = [project.root / name for name in TOP_LEVEL_SOURCES]
    for folder in (project.manual_dir, project.data_dir, project.templates_dir):
        paths.extend(_walk(folder))
    stamps: dict[str, Stamp] = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue  # absent (an optional file) or gone: compared as absent
        stamps[project.relative(path)] = (info.st_size, info.st_mtime_ns)
    return stamps


@dataclasses.dataclass(frozen=True)
class SourceSnapshot:
    """Every source file's size and modification time when the build started."""

    project: Project
    stamps: dict[str, Stamp]

    @classmethod
    def take(cls, project: Project) -> SourceSnapshot:
        return cls(project, _stamps(project))

    def changed(self) -> list[str]:
        """The files added, removed or saved since the snapshot (project-relative, sorted)."""
        now = _stamps(self.project)
        return sorted(
            name for name in self.stamps.keys() | now.keys() if self.stamps.get(name) != now.get(name)
        )


def changed_message(changed: list[str]) -> str:
    """What the writer reads when the sources changed during the build."""
    shown = ", ".join(changed[:SHOWN]) + (f" and {len(changed) - SHOWN} more" if len(changed) > SHOWN else "")
    return (
        f"sources changed while building ({shown}): nothing published, the previous outputs are "
        "kept; build again to publish what the sources say now"
    )
