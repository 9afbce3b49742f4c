"""What every rule sees: the project root, the validated data, the parsed chapters, today."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from manualkit.checks.datapos import DataPositions, PathPart
from manualkit.checks.source import Block, Document, Suppression
from manualkit.diagnostics import Location
from manualkit.models import ManualData, Sla

if TYPE_CHECKING:
    from manualkit.business_calendar import BusinessCalendar
    from manualkit.checks.printed import PrintedText
    from manualkit.revisions import CoverageResult


@dataclasses.dataclass(frozen=True)
class CheckContext:
    """Immutable inputs of one check run (``cached_property`` only memoises derived views)."""

    root: Path
    data: ManualData
    documents: tuple[Document, ...]
    today: dt.date
    positions: DataPositions
    #: Count a chapter git does not track as missing (``check --tracked-only``, the pre-commit hook:
    #: pre-commit stashes unstaged changes but leaves untracked files, which the commit lacks).
    tracked_only: bool = False

    @property
    def data_dir(self) -> Path:
        return self.positions.data_dir

    @cached_property
    def released_versions(self) -> frozenset[str]:
        """Versions with a release tag (empty outside a git repository): their records are history."""
        from manualkit.revisions import released_versions

        return frozenset(released_versions(self.root) or ())

    @cached_property
    def coverage(self) -> CoverageResult:
        """The changes since the previous release against the newest revision's record (git).

        Two rules read it (MK705, MK710): git is asked once.  Raises what
        :func:`manualkit.revisions.coverage` raises for an unreadable chapter (not cached then).
        """
        from manualkit.revisions import coverage

        return coverage(self.root, self.data)

    @cached_property
    def tracked_manual_files(self) -> frozenset[str] | None:
        """Paths (relative to the root, POSIX) of the files under ``manual/`` in git's index, or
        ``None`` when the project is not in a git repository (or git is missing)."""
        from manualkit.gitrepo import GitError, Repo

        repo = Repo(self.root)
        try:
            if not repo.is_repo():
                return None
            listed = repo.run("ls-files", "-z", "--", "manual")
        except GitError:
            return None
        return frozenset(p for p in listed.split("\0") if p)

    def where(self, collection: str, item_id: str | None = None, *path: PathPart) -> Location:
        """``data/<file>:line:col`` of an entry (or one of its fields) in a data file."""
        return self.positions.locate(collection, item_id, *path)

    @cached_property
    def printed_texts(self) -> tuple[PrintedText, ...]:
        """Every data text the outputs print (:mod:`manualkit.checks.printed`): five rules read
        them, the data is walked once."""
        from manualkit.checks.printed import enumerate_printed

        return tuple(enumerate_printed(self))

    @cached_property
    def calendar(self) -> BusinessCalendar:
        from manualkit.business_calendar import BusinessCalendar

        return BusinessCalendar.load(self.data_dir)

    @cached_property
    def section_documents(self) -> dict[str, Document]:
        """Section label → the chapter that defines it."""
        return {label: doc for doc in self.documents for label in doc.labels}

    @cached_property
    def section_ancestry(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(chapter path, section label) → that label and its enclosing labels, nearest first.

        Replays each chapter's headings with the parser's own nesting rule (a heading closes every
        open heading of the same or a deeper level), so ``complaint-handling-rules`` under
        ``complaint-process`` under ``complaints`` gives all three.  Unlabelled headings are
        skipped: their blocks already carry the nearest labelled section (``Block.section``).
        """
        result: dict[tuple[str, str], tuple[str, ...]] = {}
        for doc in self.documents:
            stack: list[tuple[int, str | None]] = []
            for heading in doc.headings:
                while stack and stack[-1][0] >= heading.level:
                    stack.pop()
                stack.append((heading.level, heading.label))
                if heading.label:
                    chain = tuple(label for _, label in reversed(stack) if label)
                    result.setdefault((doc.path, heading.label), chain)
        return result

    def enclosing_sections(self, doc: Document, section: str | None) -> tuple[str, ...]:
        """``section`` and the labels of the sections enclosing it in ``doc``, nearest first."""
        if not section:
            return ()
        return self.section_ancestry.get((doc.path, section), (section,))

    @cached_property
    def slas_by_id(self) -> dict[str, Sla]:
        return {s.id: s for s in self.data.slas}

    @cached_property
    def section_slas(self) -> dict[str, tuple[Sla, ...]]:
        """Section label → the SLAs whose ``section`` names it (not those of its subsections)."""
        result: dict[str, list[Sla]] = {}
        for sla in self.data.slas:
            if sla.section:
                result.setdefault(sla.section, []).append(sla)
        return {k: tuple(v) for k, v in result.items()}

    @cached_property
    def form_step_slas(self) -> dict[str, tuple[tuple[str, str, int, Sla], ...]]:
        """Form id → (process id, step id, step index, SLA) of every step using the form with an
        SLA; one pass over the processes instead of one per form."""
        slas = {s.id: s for s in self.data.slas}
        result: dict[str, list[tuple[str, str, int, Sla]]] = {}
        for process in self.data.processes:
            for index, step in enumerate(process.steps):
                if step.form and step.sla in slas:
                    result.setdefault(step.form, []).append((process.id, step.id, index, slas[step.sla]))
        return {k: tuple(v) for k, v in result.items()}

    @cached_property
    def suppressions(self) -> dict[str, tuple[Suppression, ...]]:
        """Inline suppressions by file: MyST comments in chapters, YAML comments in data files."""
        from manualkit.checks.source import yaml_suppressions
        from manualkit.models import DATA_FILES

        result = {doc.path: doc.suppressions for doc in self.documents if doc.suppressions}
        for key, name in DATA_FILES.items():
            path = self.data_dir / name
            try:  # an unreadable data file is the loader's error (DATA009), not a crash here
                text = path.read_text(encoding="utf-8") if path.is_file() else ""
            except (OSError, UnicodeDecodeError):
                text = ""
            if text:
                found = yaml_suppressions(text)
                if found:
                    result[self.positions.file(key)] = found
        return result

    def blocks(self) -> list[tuple[Document, Block]]:
        return [(doc, block) for doc in self.documents for block in doc.blocks]

    def location(self, doc: Document, line: int, column: int = 0) -> Location:
        return Location(doc.path, line, column)
