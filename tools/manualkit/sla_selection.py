"""What an ``:::{sla-table}`` lists: its options, read once, and the rule they apply.

The directive, the redline's generated lists, the checker (MK130) and ``manualkit new sla`` all
need to know which SLAs a table shows.  They share this one reading of the options so that
"listed by the chapter's table" means the same thing while writing, checking and building.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Set

from manualkit.models import Sla


def comma_list(argument: str | None) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]`` (how every comma-separated directive option reads)."""
    return [part.strip() for part in (argument or "").split(",") if part.strip()]


@dataclasses.dataclass(frozen=True)
class SlaTableFilter:
    """The filters of one SLA table, combined with "and"; an empty filter does not filter.

    ``chapter`` is the document name of ``:chapter:`` (``""``: the table's own chapter), or
    ``None`` when the option is absent.
    """

    tags: frozenset[str] = frozenset()
    section: str = ""
    chapter: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, str | None]) -> SlaTableFilter:
        chapter = options.get("chapter")
        return cls(
            tags=frozenset(comma_list(options.get("tags"))),
            section=(options.get("section") or "").strip(),
            chapter=None if chapter is None else chapter.strip(),
        )

    def selects(self, sla: Sla, chapter_labels: Set[str] | None = None) -> bool:
        """Whether the table lists ``sla``; ``chapter_labels`` are the section labels of the
        chapter named by ``:chapter:`` (ignored when the table has no such option)."""
        if self.section and sla.section != self.section:
            return False
        if self.tags and not self.tags.intersection(sla.tags):
            return False
        if self.chapter is not None:
            return chapter_labels is not None and sla.section in chapter_labels
        return True

    def describe(self) -> str:
        """The options as a writer typed them: ``:tags: complaint``."""
        parts = []
        if self.tags:
            parts.append(f":tags: {', '.join(sorted(self.tags))}")
        if self.section:
            parts.append(f":section: {self.section}")
        if self.chapter is not None:
            parts.append(f":chapter: {self.chapter}".rstrip())
        return "; ".join(parts) or "no filter (every SLA)"


def listed(
    slas: Iterable[Sla], table: SlaTableFilter, chapter_labels: Callable[[str], Set[str] | None]
) -> list[Sla]:
    """The SLAs ``table`` lists, in data order; ``chapter_labels(name)`` gives a chapter's labels."""
    labels = None if table.chapter is None else chapter_labels(table.chapter)
    return [sla for sla in slas if table.selects(sla, labels)]
