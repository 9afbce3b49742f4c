"""Typeset one part of the manual with WeasyPrint, in a worker process.

Why parts and processes: WeasyPrint keeps the layout of every page in memory until the PDF is
written (about 2.5 MB a page; 1.7 GB for the 10× manual) and uses one core.  The print document is
therefore cut into parts at page breaks the layout has anyway (chapters, form appendices); the
parts are typeset in parallel worker processes and :mod:`.pdf_merge` joins the results.  Memory is
bounded by the largest part, not by the manual.

What a part cannot know, it leaves to the merge and reports instead:

* links to anchors in other parts: WeasyPrint drops a link whose anchor it cannot find, so the
  worker registers those anchors (at the top of the part's last page) before writing; the link
  keeps its named destination and the merge points the name at the real place;
* page numbers: the footer ("第 X 页 / 共 Y 页") is typeset separately once the page count is
  known (see the ``folio`` part of templates/pdf/print.html);
* bookmarks: returned with their levels, because a part that starts inside a chapter has no
  level-1 heading of its own to hang its sections on.

Everything in this module runs in the worker; it is imported (with WeasyPrint) by the fork
server before the first part is sent, and never by the Sphinx process.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from manualkit.builders.pdf_fontmerge import FontSource, fingerprint

#: CSS px → PDF points (WeasyPrint typesets at 96 dpi, PDF counts 72 points per inch).
PX_TO_PT = 0.75

_WEASYPRINT_LOGGERS = ("weasyprint", "weasyprint.progress")


@dataclasses.dataclass(frozen=True)
class PartJob:
    """One part to typeset: its complete print HTML and where it may fetch resources from."""

    index: int
    html: str
    base_dir: str
    roots: tuple[str, ...]
    options: dict[str, Any]
    #: Anchors of the whole manual: a link to one of these that is not in this part is kept.
    anchors: frozenset[str]
    #: Embed placeholder font programs: the merge rebuilds every face from its file anyway.
    fonts_left_to_merge: bool = False


@dataclasses.dataclass(frozen=True)
class Bookmark:
    """A PDF bookmark, positioned in PDF points from the page's lower-left corner."""

    page: int
    level: int
    label: str
    x: float
    y: float
    open: bool


@dataclasses.dataclass(frozen=True)
class PartResult:
    """What the merge needs from one typeset part (picklable: it crosses the process boundary)."""

    index: int
    pdf: bytes
    pages: int
    #: Anchors really defined in this part, with their 0-based page.
    anchors: dict[str, int]
    #: Anchors registered only so that links leaving the part survive (not real destinations).
    borrowed: tuple[str, ...]
    bookmarks: tuple[Bookmark, ...]
    #: WeasyPrint's warnings and errors, for the Sphinx log of the parent.
    messages: tuple[str, ...]
    #: The faces embedded (PDF font name without the slash → where the face came from).
    fonts: dict[str, FontSource] = dataclasses.field(default_factory=dict)
    #: Faces embedded with a placeholder program (``PartJob.fonts_left_to_merge``): the merge
    #: must rebuild each of them, or the text would have no glyphs.
    placeholder_fonts: tuple[str, ...] = ()
    #: Set when the part could not be typeset (a refused resource); ``pdf`` is empty then.
    error: str | None = None


def render_part(job: PartJob) -> PartResult:
    """Typeset ``job``; never raises for a refused resource (the error travels in the result)."""
    import weasyprint

    from manualkit.builders.pdf_fetcher import PRINT_BASE_URL, ConfinedURLFetcher, RefusedURLError
    from manualkit.builders.pdf_render import UnknownVariantError, check_variant, linear_page_references

    try:
        check_variant(job.options.get("pdf_variant"))
    except UnknownVariantError as exc:
        return PartResult(job.index, b"", 0, {}, (), (), (), error=str(exc))
    messages: list[str] = []
    with _collect_messages(messages):
        fetcher = ConfinedURLFetcher((Path(root) for root in job.roots), base_dir=Path(job.base_dir))
        try:
            # Not the folder's real URL: the PDF's bytes must not depend on where it lies.
            document = weasyprint.HTML(string=job.html, base_url=PRINT_BASE_URL, url_fetcher=fetcher).render(
                **job.options
            )
            anchors: dict[str, int] = {}
            for number, page in enumerate(document.pages):
                for name in page.anchors:  # a box split over pages has its anchor on each: keep the first
                    anchors.setdefault(name, number)
            borrowed = _borrow_foreign_anchors(document.pages, anchors, job.anchors)
            bookmarks = tuple(_bookmarks(document.pages))
            placeholders: set[str] = set()
            with linear_page_references(), _placeholder_font_programs(placeholders, job.fonts_left_to_merge):
                pdf_bytes: bytes = document.write_pdf(**job.options)
        except RefusedURLError as exc:
            shown = tuple(fetcher.shown(message) for message in messages)
            return PartResult(job.index, b"", 0, {}, (), (), shown, error=str(exc))
    result = PartResult(
        index=job.index,
        pdf=pdf_bytes,
        pages=len(document.pages),
        anchors=anchors,
        borrowed=borrowed,
        bookmarks=bookmarks,
        messages=tuple(fetcher.shown(message) for message in messages),
        fonts=_font_sources(document),
        placeholder_fonts=tuple(sorted(placeholders)),
    )
    del document
    gc.collect()  # an in-process caller (pdf_render) gets the layout's memory back now
    return result


def _borrow_foreign_anchors(pages: list[Any], own: dict[str, int], known: frozenset[str]) -> tuple[str, ...]:
    """Register, on the last page, every anchor this part links to but another part defines."""
    wanted = sorted(
        {
            target
            for page in pages
            for kind, target, *_ in page.links
            if kind == "internal" and target not in own and target in known
        }
    )
    if wanted and pages:
        last = pages[-1].anchors
        for name in wanted:
            last[name] = (0, 0, 0, 0)
    return tuple(wanted)


def _bookmarks(pages: list[Any]) -> Iterator[Bookmark]:
    for number, page in enumerate(pages):
        for level, label, (x, y), state in page.bookmarks:
            yield Bookmark(
                page=number,
                level=int(level),
                label=str(label),
                x=x * PX_TO_PT,
                y=(page.height - y) * PX_TO_PT,
                open=state != "closed",
            )


def _font_sources(document: Any) -> dict[str, FontSource]:
    """Fingerprint of each embedded face's file, so the merge can find it (see pdf_fontmerge)."""
    from weasyprint.text.fonts import get_hb_object_data

    sources: dict[str, FontSource] = {}
    for font in document.fonts.values():
        name = font.name.decode("latin-1").lstrip("/")
        if name in sources or getattr(font, "bitmap", False):
            continue
        data = get_hb_object_data(font.hb_face)  # the whole font file, as HarfBuzz loaded it
        sources[name] = FontSource(index=int(font.index), size=len(data), fingerprint=fingerprint(data))
    return sources


@contextmanager
def _placeholder_font_programs(names: set[str], enabled: bool) -> Iterator[None]:
    """While ``enabled``, WeasyPrint subsets every face to its .notdef glyph only.

    Why: the merge replaces every part's font program by one subset of the face's file, cut to
    the glyphs of all parts (see :mod:`.pdf_fontmerge`), so the subset each part made was thrown
    away — about 0.15 s of CPU a part for the CJK faces.  Glyph widths and text mappings, which
    the merge does keep, come from WeasyPrint's own tables and are not affected.  The names of
    the faces so treated are added to ``names``; the merge refuses to leave any of them behind.
    """
    if not enabled:
        yield
        return
    from weasyprint.pdf.fonts import Font

    original = Font.__dict__["subset"]

    def notdef_only(font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
        if to_unicode:
            names.add(font.name.decode("latin-1").lstrip("/"))
            to_unicode = {0: ""}
        original(font, to_unicode, hinting)

    Font.subset = notdef_only
    try:
        yield
    finally:
        Font.subset = original


class _Collector(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def _collect_messages(sink: list[str]) -> Iterator[None]:
    """WeasyPrint's warnings go to ``sink`` (the worker has no Sphinx log to write to)."""
    handler = _Collector(sink)
    loggers = [logging.getLogger(name) for name in _WEASYPRINT_LOGGERS]
    saved = [(log, log.propagate) for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.propagate = False
    try:
        yield
    finally:
        for log, propagate in saved:
            log.removeHandler(handler)
            log.propagate = propagate


__all__ = ["Bookmark", "PartJob", "PartResult", "render_part"]
