"""Each chapter its own Word section, so that every client's running header names it.

The header's chapter title is a ``STYLEREF "Heading 1"`` field: Word recomputes it on every page,
but LibreOffice (7.4 here) and other clients show the field's stored result — one text for the
whole document, the manual's title on every page.  So every chapter starts a section (a
next-page break, which also replaces its heading's page-break-before) with a header of its own
whose field already holds that chapter's title: right in every client, still a live field in Word.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.parts.hdrftr import HeaderPart
from lxml import etree

from manualkit.writers.docx.oxml import W_NS, Element, paragraph, paragraph_properties, sub, w

_SECTION_OF_PARAGRAPH = f"{w('pPr')}/{w('sectPr')}"
#: The body's Heading 1 paragraphs, found by libxml2 (a Python loop over 20,000 blocks: 40 ms).
_CHAPTER_HEADINGS = etree.XPath("./w:p[w:pPr/w:pStyle/@w:val='Heading1']", namespaces={"w": W_NS})
#: pPr children that come before pageBreakBefore (schema order).
_BEFORE_PAGE_BREAK = frozenset({w("pStyle"), w("keepNext"), w("keepLines")})


def bare_section(sect_pr: Element) -> Element:
    """A copy of ``sect_pr``'s page geometry without header/footer references."""
    section = copy.deepcopy(sect_pr)
    for ref in section.findall(w("headerReference")) + section.findall(w("footerReference")):
        section.remove(ref)
    for attr in list(section.attrib):
        del section.attrib[attr]
    return section


def split_chapters(body: Element, section: Element) -> list[str]:
    """End a section before every Heading 1 of ``body``; return the chapter titles in order.

    The break goes into the paragraph before the heading (no extra line), or into an empty
    paragraph when a table or nothing precedes it.  The heading's style breaks the page too:
    that is switched off on the heading itself, the section break already starts a new page.
    """
    return [title for title, _ in break_chapters(body, section)]


def break_chapters(
    body: Element, section: Element, *, first_break: bool = True
) -> list[tuple[str, Element | None]]:
    """:func:`split_chapters`, with each chapter's title the section properties ending the
    section before it (the previous chapter's header is referenced there: :func:`reference_header`).

    ``first_break`` False: ``body`` is the second part of a manual translated in two processes
    (:mod:`.parallel`), whose first part ends with the paragraph that holds the break before
    this part's first chapter (None then in its place).
    """
    chapters: list[tuple[str, Element | None]] = []
    for index, heading in enumerate(chapter_headings(body)):
        ends: Element | None = None
        if index or first_break:
            previous = heading.getprevious()
            if not holds_section_break(previous):
                previous = paragraph()
                heading.addprevious(previous)
            assert previous is not None
            ends = end_section(previous, section)
        ppr = paragraph_properties(heading)
        position = sum(1 for child in ppr if child.tag in _BEFORE_PAGE_BREAK)
        no_break = ppr.makeelement(w("pageBreakBefore"), {w("val"): "0"})
        ppr.insert(position, no_break)
        chapters.append((heading_title(heading), ends))
    return chapters


def chapter_headings(body: Element) -> list[Element]:
    """The Heading 1 paragraphs among ``body``'s blocks, in order."""
    found: list[Element] = _CHAPTER_HEADINGS(body)
    return found


def heading_title(heading: Element) -> str:
    return "".join(t.text or "" for t in heading.iter(w("t"))).strip()


def end_section(paragraph_: Element, section: Element) -> Element:
    """End a section with ``paragraph_``: a copy of ``section`` in its properties, returned."""
    ends = copy.deepcopy(section)
    paragraph_properties(paragraph_).append(ends)
    return ends


def holds_section_break(block: Element | None) -> bool:
    """Whether a section break before the block after ``block`` goes into ``block`` itself: a
    paragraph that ends no section yet."""
    return block is not None and block.tag == w("p") and block.find(_SECTION_OF_PARAGRAPH) is None


def add_chapter_headers(
    document: Document, chapters: Sequence[tuple[str, str]], make_header: Callable[[str, str], Element]
) -> None:
    """Give each chapter's section (the last ``len(chapters)`` sections) a header naming it.

    ``chapters`` holds each chapter's (number, title); ``make_header(number, title)`` builds the
    ``w:hdr`` content.  Sections without one inherit the previous section's header and footer,
    which is what the sections before the chapters rely on.
    """
    header_ids = chapter_header_ids(document, chapters, make_header)
    sections = document.sections
    chapter_sections = list(sections)[len(sections) - len(chapters) :] if chapters else []
    for section, rid in zip(chapter_sections, header_ids, strict=True):
        reference_header(section._sectPr, rid)


def chapter_header_ids(
    document: Document, chapters: Sequence[tuple[str, str]], make_header: Callable[[str, str], Element]
) -> list[str]:
    """Make each chapter's header part, in order; return their relationship ids."""
    document_part = document.part
    package = document_part.package
    header_ids: list[str] = []
    for number, title in chapters:
        partname = package.next_partname("/word/header%d.xml")
        part = HeaderPart(partname, CT.WML_HEADER, make_header(number, title), package)
        header_ids.append(document_part.relate_to(part, RT.HEADER))
    return header_ids


def reference_header(sect_pr: Element, rid: str) -> None:
    """Make the header ``rid`` the one of the section that ``sect_pr`` ends."""
    for old in sect_pr.findall(w("headerReference")):
        sect_pr.remove(old)
    reference = sub(sect_pr, "headerReference", {"type": "default", "r:id": rid})
    sect_pr.insert(0, reference)
