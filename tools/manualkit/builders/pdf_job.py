"""What typesetting the PDF needs once the print HTML is written, in one picklable object.

Why picklable: the typesetting need not run in the process that ran Sphinx.  ``manualkit build``
runs the PDF's Sphinx build in a child process that hands this job over and exits, so the
environment and doctrees it held (and the memory they fragmented) are gone while WeasyPrint's
workers typeset (see :func:`manualkit.buildrunner.build_pdf_in_child`).  ``sphinx-build`` and the
in-process paths run the same :func:`typeset` in the builder.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from manualkit.builders.pdf_document import PrintDocument
from manualkit.builders.pdf_tree import TocEntry
from manualkit.css_text import css_string

if TYPE_CHECKING:  # the typesetting modules import pikepdf: only loaded when typesetting
    from manualkit.builders.pdf_assembly import NumberedEntry, PartSpec, Reporter

PRINT_TEMPLATE = "print.html"
PRINT_STYLESHEET = "print.css"
#: How many pages the contents took in the last build (the next build's first guess).
CONTENTS_RECORD = "contents-pages.json"

#: Compiled print templates of this process, by template folder (one compilation per build).
_COMPILED: dict[Path, jinja2.Template] = {}
_COMPILED_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class PrintTemplate:
    """Renders each part's print HTML from ``templates/pdf/print.html``."""

    templates_dir: Path
    document: PrintDocument
    #: ``font-family`` value per role (validated family names, quoted).
    fonts: dict[str, str]

    def render(self, part: PartSpec, toc: Sequence[NumberedEntry]) -> str:
        strings = self._running_strings() if part.kind in ("toc", "body") else ""
        return self._template().render(
            doc=self.document,
            toc=toc,
            part={
                "kind": part.kind,
                "body": Markup(part.body),  # the HTML translator's output: escaped by docutils already
                "strings": Markup(strings),
                # A part that starts inside a chapter has no heading to set the running header.
                "chapter": Markup(css_string(part.chapter)) if part.chapter else "",
                "pages": part.pages,
                "cover_pages": part.cover_pages,
                "first": part.first,
                "count": part.count,
            },
            stylesheet=(self.templates_dir / PRINT_STYLESHEET).as_uri(),
            fonts={role: Markup(stack) for role, stack in self.fonts.items()},
            generator=f"manualkit (Sphinx, WeasyPrint {importlib.metadata.version('weasyprint')})",
        )

    def _running_strings(self) -> str:
        """``string-set`` of the document facts the running header and footer show (every part)."""
        values = {
            "docnumber": self.document.document_number,
            "version": self.document.version,
            "classification": self.document.classification_with_mark,
        }
        return ", ".join(f"{name} {css_string(value)}" for name, value in values.items())

    def _template(self) -> jinja2.Template:
        with _COMPILED_LOCK:
            template = _COMPILED.get(self.templates_dir)
            if template is None:
                # It lives in the project (writers may edit it): sandboxed and autoescaped.
                environment = ImmutableSandboxedEnvironment(
                    loader=jinja2.FileSystemLoader(self.templates_dir),
                    autoescape=True,
                    undefined=jinja2.StrictUndefined,
                    keep_trailing_newline=True,
                )
                template = _COMPILED[self.templates_dir] = environment.get_template(PRINT_TEMPLATE)
            return template


def forget_compiled_templates() -> None:
    """A new build reads the print template again (a writer may have edited it meanwhile)."""
    with _COMPILED_LOCK:
        _COMPILED.clear()


@dataclasses.dataclass(frozen=True)
class TypesettingJob:
    """The print HTML's bodies and everything else the typesetting and joining need."""

    template: PrintTemplate
    #: The PDF builder's work folder: resources resolve against it, parts' HTML is kept in it.
    work_dir: Path
    roots: tuple[str, ...]
    options: dict[str, Any]
    workers: int
    anchors: frozenset[str]
    #: (running header at the part's start, body HTML) of each body part.
    bodies: tuple[tuple[str, str], ...]
    toc: tuple[TocEntry, ...]
    #: Where the PDF is published.
    target: Path
    #: Pages of one folio part (see ``manualkit.builders.pdf.DEFAULT_FOLIO_PART_PAGES``).
    folio_part_pages: int = 200

    @property
    def identifier(self) -> bytes:
        return self.template.document.pdf_identifier

    def keep_html(self, name: str, html: str) -> None:
        """Each part's print HTML stays in the work folder, for whoever debugs the layout."""
        (self.work_dir / f"print-{name}.html").write_text(html, encoding="utf-8")


def typeset(
    job: TypesettingJob, report: Reporter, cancelled: threading.Event | None = None
) -> tuple[bytes, int]:
    """Typeset the parts in the workers and join them: the PDF's bytes and page count.

    Raises the assembly's errors (:func:`typesetting_errors`) with a message that explains them.
    """
    from manualkit.builders.pdf_assembly import PrintAssembly
    from manualkit.builders.pdf_pool import cancelled_by

    report.info(
        f"manualkit pdf: typesetting {len(job.bodies) + 2} parts with {job.workers} WeasyPrint worker(s)"
    )
    record = job.work_dir / CONTENTS_RECORD
    event = cancelled or threading.Event()
    assembly = PrintAssembly(job, report, event)
    # The waits for the workers watch the event too: a cancelled build stops them at once
    # instead of waiting for the parts being typeset (the assembly looks only between parts).
    with cancelled_by(event):
        result = assembly.build(_contents_pages_guess(record, len(job.toc)))
    record.write_text(json.dumps({"entries": len(job.toc), "pages": result.toc_pages}) + "\n")
    return result.pdf, result.pages


def typesetting_errors() -> tuple[type[Exception], ...]:
    """The failures of typesetting whose message explains them (imported late: pikepdf)."""
    from manualkit.builders.pdf_assembly import AssemblyError
    from manualkit.builders.pdf_fontmerge import FontMergeError
    from manualkit.builders.pdf_merge import MergeError
    from manualkit.builders.pdf_pool import RendererDiedError, TypesettingCancelled

    return (AssemblyError, RendererDiedError, TypesettingCancelled, MergeError, FontMergeError)


def _contents_pages_guess(record: Path, entries: int) -> int:
    """The contents' length in the previous build, scaled to today's entries (0: no record)."""
    try:
        previous = json.loads(record.read_text(encoding="utf-8"))
        pages, before = int(previous["pages"]), int(previous["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    if pages < 1 or before < 1:
        return 0
    return max(1, round(pages * entries / before))


__all__ = [
    "CONTENTS_RECORD",
    "PRINT_STYLESHEET",
    "PRINT_TEMPLATE",
    "PrintTemplate",
    "TypesettingJob",
    "css_string",
    "forget_compiled_templates",
    "typeset",
    "typesetting_errors",
]
