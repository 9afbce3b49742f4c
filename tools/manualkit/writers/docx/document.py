"""Assemble the whole DOCX: styles, cover, section break, TOC, translated body, header/footer.

``render_docx`` is the writer's single entry point; it returns the file's bytes and the counts
the builder reports.  Page geometry: A4 with 2.54 cm top/bottom and 2.3 cm side margins.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path

import docx
from docutils import nodes
from docx.document import Document
from sphinx.builders import Builder
from sphinx.util import logging

from manualkit.builders.doctrees import peek_doctree
from manualkit.builders.flowchart_notes import flowchart_codes
from manualkit.builders.pdf_document import print_document
from manualkit.models import ManualData
from manualkit.writers.docx.base import DocxTranslatorBase
from manualkit.writers.docx.chapters import (
    add_chapter_headers,
    bare_section,
    break_chapters,
    chapter_header_ids,
    end_section,
    holds_section_break,
    reference_header,
)
from manualkit.writers.docx.context import Bookmarks, Relations, RenderContext, Stats
from manualkit.writers.docx.cover import cover_blocks
from manualkit.writers.docx.fields import append_field, toc_paragraphs
from manualkit.writers.docx.footnotes import Footnotes
from manualkit.writers.docx.graphs import GraphRenderer, dot_arguments, dot_executable
from manualkit.writers.docx.numbering import ListNumbering
from manualkit.writers.docx.oxml import Element, paragraph, sub, text_run, val, w
from manualkit.writers.docx.package import (
    package_members,
    reproducible_zip,
    set_app_properties,
    set_core_properties,
    source_date,
)
from manualkit.writers.docx.parallel import (
    CHILD_PART_NAME,
    ChapterLayout,
    ChildPart,
    ChildPartLost,
    doctree_sizes,
    plan_parts,
    translate_in_parts,
)
from manualkit.writers.docx.styles import Fonts, apply_styles
from manualkit.writers.docx.translator import DocxTranslator

logger = logging.getLogger(__name__)

PAGE_WIDTH = 11906  # A4, twips
PAGE_HEIGHT = 16838
MARGIN_TOP_BOTTOM = 1440
MARGIN_SIDES = 1304
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDES
#: The ZIP member of the document part (the body).
DOCUMENT_MEMBER = "word/document.xml"


@dataclasses.dataclass(frozen=True)
class RenderResult:
    content: bytes
    stats: Stats


def render_docx(
    tree: nodes.document,
    builder: Builder,
    data: ManualData,
    fonts: Fonts,
    cache_dir: Path | None = None,
    graphs: GraphRenderer | None = None,
) -> RenderResult:
    """Render the assembled doctree ``tree`` into DOCX bytes.

    Flowchart PNGs come from ``graphs`` (the builder's, which may have started them while the
    sources were read), else from a renderer of this call's own, cached in ``cache_dir``.
    """
    if graphs is None:
        with GraphRenderer(dot_executable(builder.config), cache_dir, dot_arguments(builder.config)) as own:
            return render_docx(tree, builder, data, fonts, cache_dir, own)
    document, context, translator = _start(tree, builder, data, fonts, graphs)
    graphs.prerender(flowchart_codes(tree))
    translator.translate(tree)
    return _finish(document, context, translator, data, _install_body(document, translator))


@dataclasses.dataclass(frozen=True)
class PartsRendered:
    """:func:`render_docx_in_parts`: the DOCX, and the tree this process assembled for it."""

    result: RenderResult
    tree: nodes.document


def render_docx_in_parts(
    builder: Builder,
    data: ManualData,
    fonts: Fonts,
    graphs: GraphRenderer,
    unresolved: list[nodes.Node] | None = None,
) -> PartsRendered | None:
    """Assemble and render the manual in two processes (:mod:`~manualkit.writers.docx.parallel`).

    The document is the one :func:`render_docx` makes of the assembled manual.  None when the
    manual cannot be split, or the split did not work out: the caller then assembles the manual
    and calls :func:`render_docx`.  Flowcharts must have been settled (``graphs.settle()``) and no
    other thread may run: the process forks.
    """
    env = builder.env
    root = builder.config.root_doc
    plan = plan_parts(peek_doctree(env, root), env.toctree_includes, root, doctree_sizes(env))
    if plan is None:
        return None

    def start(tree: nodes.document, bookmarks: Bookmarks) -> tuple[Document, RenderContext, DocxTranslator]:
        return _start(tree, builder, data, fonts, graphs, bookmarks)

    parts = translate_in_parts(builder, plan, start, _install_body, unresolved)
    if parts is None:
        logger.debug("[docx] the manual could not be translated in two parts; translating it whole")
        return None
    assert isinstance(parts.translator, DocxTranslator)
    try:
        result = _finish(parts.document, parts.context, parts.translator, data, parts.section, parts.child)
    except ChildPartLost as exc:
        logger.debug("[docx] the child's part was lost (%s); translating the manual whole", exc)
        return None
    finally:
        parts.child.close()
    return PartsRendered(result, parts.tree)


def _install_body(document: Document, translator: DocxTranslatorBase) -> Element:
    """Put the translated body in the document, in place of the template's; return the template's
    final section properties (the page geometry), which :func:`_finish` appends to it.

    The body replaces the document's ``w:body`` as one subtree: moving its twenty thousand
    blocks one by one cost a tenth of a second at 10×, and even as one subtree its nodes are
    moved into the document's tree (0.03 s for half the 10× manual), which a large manual does
    while the child process still translates (``translate_in_parts``).
    """
    template_body = document.element.body
    final_sect_pr: Element = template_body.find(w("sectPr"))
    document.element.replace(template_body, translator.body)
    return final_sect_pr


def _finish(
    document: Document,
    context: RenderContext,
    translator: DocxTranslator,
    data: ManualData,
    final_sect_pr: Element,
    child: ChildPart | None = None,
) -> RenderResult:
    """The translated body (installed by :func:`_install_body`) with the cover, the TOC and the
    headers and footers, as DOCX bytes.

    ``child``: the manual's last chapters, translated by another process (:func:`render_docx_in_parts`):
    their blocks follow this body's in ``word/document.xml``, with their sections ended and
    headed as this function does it for the whole manual.
    """
    translator.release()
    # The cover, the section break and the TOC go in front of the body, the final section
    # properties after it.
    translated = translator.body
    opens_with_chapter = _starts_new_page(next(iter(translated), None))
    section = bare_section(final_sect_pr)
    chapters = break_chapters(translated, section)
    chapter_titles = [title for title, _ in chapters]
    sections = None
    if child is not None:
        sections = _SectionsInParts(translated, section, final_sect_pr, child, chapters)
        chapter_titles += child.titles
    front: list[Element] = cover_blocks(data, TEXT_WIDTH)
    front.append(_section_break(final_sect_pr))
    front.extend(_toc_blocks(context, page_break=not opens_with_chapter))
    for index, block in enumerate(front):
        translated.insert(index, block)
    if child is not None:
        sub(translated, CHILD_PART_NAME)
    translated.append(final_sect_pr)

    if len(context.chapter_numbers) != len(chapter_titles):
        raise AssertionError("every Heading 1 comes from a section title")  # pragma: no cover
    chapter_list = list(zip(context.chapter_numbers, chapter_titles, strict=True))
    _header_footer(document, data, chapter_list, sections.place if sections is not None else None)
    set_core_properties(document, data)
    set_app_properties(document, data)
    members = package_members(document)
    if child is not None:
        members[DOCUMENT_MEMBER] = child.splice(members[DOCUMENT_MEMBER])
    content = reproducible_zip(members, source_date(data))
    return RenderResult(content, context.stats)


class _SectionsInParts:
    """Where the chapters' sections end when the body is written in two parts, so that each
    chapter's header goes where the serial ``add_chapter_headers`` puts it.

    Every Heading 1 starts a section: the break before chapter i ends the section of chapter
    i - 1 (the first break, the contents'), the body's final section properties the last
    chapter's.  This side holds the breaks before its own chapters and, in its last paragraph
    when that can hold one, the break before the child's first chapter; the child holds the
    rest (:class:`~manualkit.writers.docx.parallel.ChapterLayout`).
    """

    def __init__(
        self,
        body: Element,
        section: Element,
        final_sect_pr: Element,
        child: ChildPart,
        chapters: list[tuple[str, Element | None]],
    ) -> None:
        self.final_sect_pr = final_sect_pr
        self.child = child
        self.breaks: list[Element] = [ends for _, ends in chapters if ends is not None]
        last = body[-1] if len(body) else None
        self.child_holds_break = not holds_section_break(last)
        if last is not None and not self.child_holds_break:
            self.breaks.append(end_section(last, section))

    def place(self, header_ids: list[str]) -> None:
        """Put the chapters' headers (their ids in chapter order) where their sections end."""
        for index, ends in enumerate(self.breaks[1:], start=1):
            reference_header(ends, header_ids[index - 1])
        reference_header(self.final_sect_pr, header_ids[-1])
        first = len(self.breaks)  # the first break the child's part holds, in document order
        theirs = [header_ids[index - 1] if index else None for index in range(first, len(header_ids))]
        self.child.lay_out(ChapterLayout(self.child_holds_break, theirs))


def _start(
    tree: nodes.document,
    builder: Builder,
    data: ManualData,
    fonts: Fonts,
    graphs: GraphRenderer,
    bookmarks: Bookmarks | None = None,
) -> tuple[Document, RenderContext, DocxTranslator]:
    """A new Word document with the manual's styles, and a translator ready to fill its body.

    ``bookmarks``: the names of the whole manual's ids, when ``tree`` holds only part of it.
    """
    document: Document = docx.Document()
    apply_styles(document, fonts)
    _page_setup(document.element.body.find(w("sectPr")))
    if bookmarks is None:
        bookmarks = Bookmarks()
        bookmarks.collect(tree, builder.config.root_doc)
    relations = Relations(document)
    context = RenderContext(
        document=document,
        data=data,
        fonts=fonts,
        numbering=ListNumbering(document),
        footnotes=Footnotes(document, relations.footnotes_part),
        bookmarks=bookmarks,
        graphs=graphs,
        root_doc=builder.config.root_doc,
        text_width_twips=TEXT_WIDTH,
        relations=relations,
    )
    return document, context, DocxTranslator(tree, builder, context)


def _page_setup(sect_pr: Element) -> None:
    for tag in ("pgSz", "pgMar"):
        for old in sect_pr.findall(w(tag)):
            sect_pr.remove(old)
    size = sub(sect_pr, "pgSz", {"w": str(PAGE_WIDTH), "h": str(PAGE_HEIGHT)})
    margins = sub(
        sect_pr,
        "pgMar",
        {
            "top": str(MARGIN_TOP_BOTTOM),
            "right": str(MARGIN_SIDES),
            "bottom": str(MARGIN_TOP_BOTTOM),
            "left": str(MARGIN_SIDES),
            "header": "851",
            "footer": "851",
            "gutter": "0",
        },
    )
    # pgSz/pgMar come before cols/docGrid in schema order.
    anchor = sect_pr.find(w("cols"))
    if anchor is not None:
        anchor.addprevious(size)
        anchor.addprevious(margins)


def _section_break(final_sect_pr: Element) -> Element:
    """End of the cover section: same page geometry, no header or footer."""
    p = paragraph()
    ppr = sub(p, "pPr")
    ppr.append(bare_section(final_sect_pr))
    return p


def _starts_new_page(first: Element | None) -> bool:
    """Whether the body opens (with ``first``) with a Heading 1, whose style already breaks the page."""
    if first is None:
        return False
    style = first.find(f"{w('pPr')}/{w('pStyle')}")
    return style is not None and style.get(w("val")) == "Heading1"


def _toc_blocks(context: RenderContext, *, page_break: bool) -> list[Element]:
    heading = paragraph("TOCHeading")
    heading.append(text_run("目　录"))
    entries = [(e.level, e.text, e.bookmark) for e in context.toc if e.level <= 3]
    blocks = [heading, *toc_paragraphs(entries, TEXT_WIDTH)]
    if page_break:
        breaker = paragraph()
        run = sub(breaker, "r")
        sub(run, "br", {"type": "page"})
        blocks.append(breaker)
    return blocks


def _header_footer(
    document: Document,
    data: ManualData,
    chapters: list[tuple[str, str]],
    place: Callable[[list[str]], None] | None = None,
) -> None:
    """Header: document number + what the page holds; footer: version, classification, page X / Y.

    Defined on the first section after the cover (the contents); each Heading 1 — front matter
    such as 前言 as well as the chapters — starts a section with a header of its own
    (:mod:`.chapters`) that inherits the footer.  ``chapters`` holds each one's (Word-numbered
    number or "", title).  The contents' header names the manual in plain text: a STYLEREF
    there finds no Heading 1 before it, so Word would search forward and head the contents
    with the first chapter's title.  ``place``: given the chapters' header ids, puts them
    where the chapters' sections end (the body is written in two parts); by default the last
    sections of the body are the chapters'.
    """
    section = document.sections[1]
    header = section.header
    header.is_linked_to_previous = False
    hdr: Element = header._element
    _fill_header(hdr, data, "", data.meta.title, running=False)

    def chapter_header(number: str, title: str) -> Element:
        own = copy.deepcopy(hdr)
        _fill_header(own, data, number, title, running=True)
        return own

    if place is None:
        add_chapter_headers(document, chapters, chapter_header)
    else:
        place(chapter_header_ids(document, chapters, chapter_header))

    footer = section.footer
    footer.is_linked_to_previous = False
    ftr: Element = footer._element
    for old in ftr.findall(w("p")):
        ftr.remove(old)
    p = sub(ftr, "p")
    ppr = sub(p, "pPr")
    val(ppr, "pStyle", "Footer")
    # As the PDF's footer: every printed page carries the classification (and a draft's mark).
    marking = print_document(data).classification_with_mark
    facts = "　".join(filter(None, (data.meta.document_number, f"版本 {data.meta.version}", marking)))
    p.append(text_run(f"{facts}　　第 "))
    append_field(p, "PAGE", "1")
    p.append(text_run(" 页 / 共 "))
    append_field(p, "NUMPAGES", "1")
    p.append(text_run(" 页"))


def _fill_header(hdr: Element, data: ManualData, number: str, title: str, *, running: bool) -> None:
    """The header's one paragraph: document number, then ``title``.

    ``running``: the title is a STYLEREF field holding ``title`` until updated, so that Word
    follows a renamed heading; else plain text.  A chapter numbered by Word's heading list
    shows its number through a second STYLEREF (``\\n``: the paragraph's number), since the
    heading's text no longer holds it.
    """
    for old in hdr.findall(w("p")):
        hdr.remove(old)
    p = sub(hdr, "p")
    ppr = sub(p, "pPr")
    val(ppr, "pStyle", "Header")
    tabs = sub(ppr, "tabs")
    sub(tabs, "tab", {"val": "right", "pos": str(TEXT_WIDTH)})
    p.append(text_run(data.meta.document_number))
    tab_run = sub(p, "r")
    sub(tab_run, "tab")
    if not running:
        p.append(text_run(title))
        return
    if number:
        append_field(p, 'STYLEREF "Heading 1" \\n', number)
        p.append(text_run(" "))
    append_field(p, 'STYLEREF "Heading 1" \\* MERGEFORMAT', title)
