"""Typeset the parts of the print document in parallel and join them into the PDF.

The order of work, and why:

1. the cover and every body part go to the workers at once;
2. with the page count of every part known, the contents are typeset with the real page numbers
   and the folio parts (page numbers only) with the total — all at once.  Both depend on how
   many pages the contents take, so that count is guessed first (the previous build's count,
   else :data:`CONTENTS_LINES_PER_PAGE`); when the contents come out longer or shorter than
   guessed, step 2 is repeated with the count they took.  (Typesetting the contents once more
   beforehand with placeholder numbers, only to learn their length, cost a whole pass.)
3. :mod:`.pdf_merge` joins cover, contents and body parts and lays the folios over them.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from manualkit.builders.pdf_pool import merge_in_worker, render_parts
from manualkit.builders.pdf_tree import TocEntry
from manualkit.builders.pdf_worker import PartJob, PartResult

if TYPE_CHECKING:
    from manualkit.builders.pdf_job import TypesettingJob

#: The contents' first guess of their own length, in lines of a section entry (templates/pdf/
#: print.css): the A4 page holds 251 mm of text and a 10.5 pt line at 1.7 is 6.3 mm, so 39.9 such
#: lines; a chapter line is one with 2.5 mm above it (1.4), a subsection line is in 9.5 pt (0.9),
#: and the title takes 2.5 lines on the first page.  Measured, a page holds 39.3 lines on average
#: (a line that does not fit moves to the next page): the real manual's 10 + 40 + 16 entries take
#: 2 pages, the 10× manual's 74 + 356 + 160 take 16, the 50× manual's 354 + 1756 + 800 take 76,
#: and this model gives 1.8, 15.4 and 75.7.  A wrong guess costs one more pass of contents and
#: folios (15 s at 50×), never a wrong number.
CONTENTS_LINES_PER_PAGE = 39.3
CONTENTS_LINE_HEIGHT = {1: 1.4, 2: 1.0, 3: 0.9}
CONTENTS_TITLE_LINES = 2.5
_MAX_TOC_PASSES = 4


class AssemblyError(Exception):
    """A part could not be typeset (message names the cause); no PDF is written."""


class AssemblyCancelled(AssemblyError):
    """The build that wanted this PDF failed meanwhile: typesetting stopped, nothing written."""


class Reporter(Protocol):
    """Where the assembly's progress lines and WeasyPrint's warnings go.

    Why not Sphinx's logger directly: the assembly may run after its Sphinx application has
    finished (``build all`` typesets while the next output builds), when Sphinx's logging belongs
    to another application and would count the PDF's warnings against it.
    """

    def info(self, message: str) -> None: ...

    def warning(self, message: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class PartSpec:
    """What the print template needs to render one part (see templates/pdf/print.html)."""

    kind: str
    body: str = ""
    #: The running header at the part's start ("8 附则与附件"), empty when a heading sets it.
    chapter: str = ""
    pages: int = 0
    cover_pages: int = 0
    #: A folio part's first page (0-based, in the whole manual) and how many pages it numbers.
    first: int = 0
    count: int = 0


@dataclasses.dataclass(frozen=True)
class NumberedEntry:
    """A contents line with its page number (the template's ``entry``)."""

    anchor: str
    number: str
    title: str
    level: int
    page: str


@dataclasses.dataclass(frozen=True)
class Assembled:
    """The joined PDF, its page count, and how many pages the contents took (the next guess)."""

    pdf: bytes
    pages: int
    toc_pages: int


@dataclasses.dataclass
class PrintAssembly:
    """One PDF: the typesetting job in (see :mod:`.pdf_job`), the joined PDF out."""

    job: TypesettingJob
    report: Reporter
    #: Set by another thread to stop between parts (see :class:`AssemblyCancelled`).
    cancelled: threading.Event = dataclasses.field(default_factory=threading.Event)

    def build(self, toc_pages_guess: int = 0) -> Assembled:
        job = self.job
        toc = job.toc
        bodies = [PartSpec("body", body=body, chapter=chapter) for chapter, body in job.bodies]
        specs = [PartSpec("cover"), *bodies]
        htmls = [job.template.render(spec, ()) for spec in specs]
        # Job numbers: 0 cover, 1 contents, 2… bodies, then the folio.
        numbers = [0, *range(2, len(specs) + 1)]
        for number, spec, html in zip(numbers, specs, htmls, strict=True):
            job.keep_html(f"{number:02d}-{spec.kind}", html)
        jobs = [self._job(number, html) for number, html in zip(numbers, htmls, strict=True)]
        first = self._render(jobs, "parts")
        cover, body_results = first[0], first[1:]
        toc_pages = toc_pages_guess if toc_pages_guess > 0 else guess_contents_pages(toc)
        for _ in range(_MAX_TOC_PASSES):
            numbered = self._numbered_toc(toc, cover.pages + toc_pages, body_results)
            total = cover.pages + toc_pages + sum(part.pages for part in body_results)
            toc_html = job.template.render(PartSpec("toc"), numbered)
            job.keep_html("01-toc", toc_html)
            folio_jobs = []
            for index, spec in enumerate(folio_specs(total, cover.pages, job.folio_part_pages)):
                folio_html = job.template.render(spec, ())
                job.keep_html(f"99-folio-{index + 1:02d}", folio_html)
                folio_jobs.append(self._job(len(specs) + 1 + index, folio_html, tagged=False))
            final_toc, *folios = self._render(
                [self._job(1, toc_html), *folio_jobs], "contents and page numbers"
            )
            if final_toc.pages == toc_pages:
                break
            self.report.info(
                f"manualkit pdf: the contents take {final_toc.pages} pages, not {toc_pages}: numbering again"
            )
            toc_pages = final_toc.pages
        else:
            raise AssemblyError("the table of contents changes its length with every page numbering")
        parts = [cover, final_toc, *body_results]
        self._stop_if_cancelled()
        self.report.info(f"manualkit pdf: joining {len(parts)} parts ({total} pages)")
        return Assembled(merge_in_worker(parts, folios, job.identifier), total, toc_pages)

    def _job(self, index: int, html: str, tagged: bool = True) -> PartJob:
        job = self.job
        options = dict(job.options)
        if not tagged:
            options["pdf_variant"] = None
        # Every part goes through the merge, which rebuilds every font program.
        return PartJob(
            index, html, str(job.work_dir), job.roots, options, job.anchors, fonts_left_to_merge=True
        )

    def _render(self, jobs: list[PartJob], what: str) -> list[PartResult]:
        results: dict[int, PartResult] = {}
        for done, result in enumerate(render_parts(jobs, self.job.workers), start=1):
            self._stop_if_cancelled()
            for message in result.messages:
                self.report.warning(f"WeasyPrint: {message}")
            if result.error:
                raise AssemblyError(result.error)
            self.report.info(f"manualkit pdf: typeset {what} {done}/{len(jobs)} ({result.pages} pages)")
            results[result.index] = result
        return [results[job.index] for job in jobs]

    def _stop_if_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise AssemblyCancelled("typesetting stopped: the build failed")

    @staticmethod
    def _numbered_toc(
        toc: Sequence[TocEntry], first_body_page: int, bodies: Sequence[PartResult]
    ) -> list[NumberedEntry]:
        """Each contents line with the 1-based page its anchor lands on."""
        pages: dict[str, int] = {}
        offset = first_body_page
        for part in bodies:
            for anchor, page in part.anchors.items():
                pages.setdefault(anchor, offset + page + 1)
            offset += part.pages
        return [_numbered(entry, str(pages[entry.anchor]) if entry.anchor in pages else "") for entry in toc]


def folio_specs(total: int, cover_pages: int, per_part: int) -> list[PartSpec]:
    """The folio parts numbering ``total`` pages, ``per_part`` at most each (at least one page)."""
    step = max(1, per_part)
    return [
        PartSpec("folio", pages=total, cover_pages=cover_pages, first=first, count=min(step, total - first))
        for first in range(0, total, step)
    ]


def guess_contents_pages(toc: Sequence[TocEntry]) -> int:
    """The contents' page count before they are typeset (see :data:`CONTENTS_LINES_PER_PAGE`)."""
    lines = CONTENTS_TITLE_LINES + sum(CONTENTS_LINE_HEIGHT.get(entry.level, 1.0) for entry in toc)
    return max(1, math.ceil(lines / CONTENTS_LINES_PER_PAGE))


def _numbered(entry: TocEntry, page: str) -> NumberedEntry:
    return NumberedEntry(entry.anchor, entry.number, entry.title, entry.level, page)


__all__ = [
    "Assembled",
    "AssemblyCancelled",
    "AssemblyError",
    "NumberedEntry",
    "PartSpec",
    "PrintAssembly",
    "Reporter",
    "folio_specs",
    "guess_contents_pages",
]
