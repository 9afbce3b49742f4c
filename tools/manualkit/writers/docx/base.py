"""Translator state shared by the node-handler mixins: block and inline stacks, styles, bookmarks.

The translator follows Sphinx's writers (``sphinx/writers/text.py``): one ``visit_``/``depart_``
pair per node type.  Block elements (paragraphs, tables) are appended to the innermost *block
container* (the body, a table cell, a footnote); runs go to the innermost *inline container*
(the current paragraph or a hyperlink inside it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, TypeAlias

from docutils import nodes
from lxml import etree
from sphinx.builders import Builder
from sphinx.util.docutils import SphinxTranslator

from manualkit.node_classes import CHAPTER_INFO_CLASS, introduces_next
from manualkit.writers.docx.context import RenderContext, TocEntry
from manualkit.writers.docx.fields import bookmark
from manualkit.writers.docx.numbering import NUMBERED_HEADING_STYLES, HeadingCounter, set_numbering
from manualkit.writers.docx.oxml import (
    W14_NS,
    Element,
    Prototypes,
    clone,
    new,
    paragraph,
    paragraph_properties,
    run_properties,
    sub,
    text_run,
    val,
    w,
)

#: A line break in source between two CJK characters is no space in Chinese typesetting.
_CJK_NEWLINE = re.compile(
    r"(?<=[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f])\n(?=[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f])"
)

#: Class of the "本节于 vX.Y 修订" marker paragraph (``manualkit.sphinx.revision_markers``).
REVISED_CLASS = "mk-revised"
#: Checklist items are paragraphs starting with this box inside a ``mk-checklist`` container.
CHECKBOX = "☐"
CHECKLIST_CLASS = "mk-checklist"
#: A printable form's container (``manualkit.sphinx.directives``): counted, kept together, styled.
FORM_CLASS = "mk-form"

#: Word tables have no bottom margin: text right after one gets this space above it (twips),
#: as the HTML and PDF have below every table.
SPACE_AFTER_TABLE = 180
#: Styles without space of their own above them (headings and captions have theirs).
_SPACED_AFTER_TABLE = frozenset(
    {
        "Normal",
        "ListBullet",
        "ListNumber",
        "ListContinue",
        "ChecklistItem",
        "DefinitionTerm",
        "Definition",
        "FormNote",
    }
)
#: ``w:pPr`` children that come after ``w:spacing`` in the schema (CT_PPrBase order).
_AFTER_SPACING = frozenset(
    w(tag)
    for tag in (
        "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
        "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
    )
)  # fmt: skip

#: A bound ``visit_``/``depart_`` method.
Handler: TypeAlias = Callable[[Any], None]


def footnote_mark() -> Element:
    """The run that shows a footnote's own number at the start of its text."""
    run = new("r")
    rpr = sub(run, "rPr")
    val(rpr, "rStyle", "FootnoteReference")
    sub(run, "footnoteRef")
    return run


@dataclasses.dataclass
class ListState:
    """One open bullet or enumerated list."""

    num_id: int
    bullet: bool
    level: int
    item_started: bool = False


class DocxTranslatorBase(SphinxTranslator):
    """State and helpers; node handlers live in the mixins (inline, blocks, tables, media)."""

    def __init__(self, document: nodes.document, builder: Builder, context: RenderContext) -> None:
        super().__init__(document, builder)
        self.ctx = context
        #: Where block elements go; index 0 is the detached body container.  Detached on purpose:
        #: under the Word document's root (thirty namespace declarations) every element added
        #: costs a namespace search, which made translating 35% slower than moving the blocks.
        self.blocks: list[Element] = [new("body")]
        #: Default paragraph style of the current block context (Normal, TableText …).
        self.styles: list[str] = ["Normal"]
        self.para: Element | None = None
        #: Hyperlinks open inside the current paragraph (runs go into the innermost one).
        self.links: list[Element] = []
        self.lists: list[ListState] = []
        self.docnames: list[str] = [context.root_doc]
        self.pending_bookmarks: list[str] = []
        #: Body paragraphs that directly follow a table (spaced once their properties are final).
        self.after_tables: list[Element] = []
        #: Where each open form or checklist began: its container and the block before it.
        self.form_starts: list[tuple[Element, Element | None]] = []
        self.section_level = 0
        self.outer_levels: list[int] = []
        self.root_section_seen = False
        #: Inside a form's fill-in cell or a checklist: "☐" becomes a check box control (> 0).
        self.tickable = 0
        #: A checklist item's paragraph until its box is written: the space after the box is a tab.
        self.box_then_tab = False
        #: Inside {nowrap} text (> 0): no line break at its spaces and hyphens.
        self.unbroken = 0
        #: In a form's fill-in cell: its width in half-ems, and how much of its line is used.
        self.option_room = 0
        self.option_line = 0
        #: In a table cell: room for text on one of its lines, in half-ems (0: not in a cell).
        self.cell_room = 0.0
        #: Word's count of the headings it numbers (see ``numbering.HeadingCounter``).
        self.heading_counter = HeadingCounter()
        self.bold = 0
        self.italic = 0
        self.code = 0
        self.superscript = 0
        self.subscript = 0
        self.literal_text = 0
        self._rpr_cache: dict[tuple[bool, ...], Element | None] = {}
        #: Runs and paragraphs are cloned from per-format prototypes (the writer's hot path).
        self.protos = Prototypes()
        self._visitors: dict[type, Handler] = {}
        self._departures: dict[type, Handler] = {}

    # -- results -------------------------------------------------------------------------------

    @property
    def body(self) -> Element:
        """The detached container holding the translated body blocks."""
        return self.blocks[0]

    # -- traversal ------------------------------------------------------------------------------

    def translate(self, node: nodes.Node) -> None:
        """``node.walkabout(self)`` without its per-node debug logging.

        docutils formats two debug messages for every node it visits (156,000 on a 10×
        manual) even when nobody listens; the handlers here only ever raise ``SkipNode``
        and ``SkipDeparture``, which this walk honours the same way.  Text nodes (a third of
        all nodes) go straight to ``add_text``: they have no ids, no children and no departure.
        """
        if node.__class__ is nodes.Text:
            # ``astext`` drops docutils' escape markers (NUL) in three passes over the text;
            # MyST's text has none, so a text without one is taken as it is.
            self.add_text(node.astext() if "\x00" in node else str(node))
            return
        try:
            self.dispatch_visit(node)
        except nodes.SkipNode:
            return
        except nodes.SkipDeparture:
            for child in node.children[:]:
                self.translate(child)
            return
        for child in node.children[:]:
            self.translate(child)
        self.dispatch_departure(node)

    def release(self) -> None:
        """Drop the handler caches once translated.

        They hold bound methods of the translator, a reference cycle that would keep the
        translator, its context and the whole Word document alive until the garbage collector
        next runs, instead of freeing them when rendering returns.
        """
        self._visitors.clear()
        self._departures.clear()

    # -- dispatch: ids become bookmarks wherever they are ----------------------------------------

    def dispatch_visit(self, node: nodes.Node) -> None:
        if (
            isinstance(node, nodes.Element)
            and node.attributes.get("ids")
            and not isinstance(node, nodes.footnote)
        ):
            docname = self.docnames[-1]
            names = [self.ctx.bookmarks.name(docname, node_id) for node_id in node["ids"]]
            valid = [name for name in names if name]
            if self.para is not None and isinstance(node, nodes.Inline | nodes.target):
                for name in valid:
                    bookmark(self.para, name, self.ctx.bookmark_id())
            else:
                self.pending_bookmarks.extend(valid)
        handler = self._visitors.get(node.__class__)
        if handler is None:
            handler = self._visitors[node.__class__] = self._handler("visit_", node, self.unknown_visit)
        handler(node)

    def dispatch_departure(self, node: nodes.Node) -> None:
        handler = self._departures.get(node.__class__)
        if handler is None:
            handler = self._departures[node.__class__] = self._handler(
                "depart_", node, self.unknown_departure
            )
        handler(node)

    def _handler(
        self, prefix: str, node: nodes.Node, fallback: Callable[[Any], None]
    ) -> Callable[[Any], None]:
        """The method Sphinx's ``SphinxTranslator`` would pick for ``node``, looked up once per class.

        Sphinx searches the class's MRO with ``getattr`` for every node; on a 10× manual that
        lookup alone cost more than building the XML.
        """
        for node_class in node.__class__.__mro__:
            method = getattr(self, prefix + node_class.__name__, None)
            if method is not None:
                return method  # type: ignore[no-any-return]
        return getattr(self, prefix + node.tagname, fallback)  # type: ignore[no-any-return]

    # -- blocks ---------------------------------------------------------------------------------

    def add_block(self, element: Element) -> Element:
        """Append a block to the current container; consecutive tables get a spacer paragraph."""
        container = self.blocks[-1]
        # getprevious-style check on the last child: len() on lxml elements is O(children).
        if element.tag == w("tbl"):
            last = next(container.iterchildren(reversed=True), None)
            if last is not None and last.tag == w("tbl"):
                container.append(paragraph("TableText"))
        container.append(element)
        return element

    def open_paragraph(self, style: str | None = None) -> Element:
        """Start a paragraph in the current container and make it the target of runs."""
        style = style or self.styles[-1]
        p = self.protos.paragraph(style)
        container = self.blocks[-1]
        if container.tag == w("footnote") and container.find(w("p")) is None:
            p.append(footnote_mark())
        if len(self.blocks) == 1 and style in _SPACED_AFTER_TABLE:
            last = next(container.iterchildren(reversed=True), None)
            if last is not None and last.tag == w("tbl"):
                self.after_tables.append(p)
        self.add_block(p)
        self.para = p
        self.links = []
        self.flush_bookmarks()
        return p

    def ensure_paragraph(self) -> Element:
        """The current paragraph, or a new one in the context style for stray inline content."""
        if self.para is None:
            return self.open_paragraph()
        return self.para

    def close_paragraph(self) -> None:
        self.para = None
        self.links = []

    def flush_bookmarks(self) -> None:
        if self.para is None or not self.pending_bookmarks:
            return
        for name in self.pending_bookmarks:
            bookmark(self.para, name, self.ctx.bookmark_id())
        self.pending_bookmarks = []

    def push_container(self, container: Element, style: str | None = None) -> None:
        self.close_paragraph()
        self.blocks.append(container)
        self.styles.append(style or self.styles[-1])

    def pop_container(self) -> Element:
        """Leave a container; table cells and footnotes must end with a paragraph."""
        self.close_paragraph()
        container = self.blocks.pop()
        self.styles.pop()
        if container.tag in (w("tc"), w("footnote")) and (not len(container) or container[-1].tag != w("p")):
            container.append(paragraph(self.styles[-1] if container.tag == w("tc") else "FootnoteText"))
        return container

    # -- runs -----------------------------------------------------------------------------------

    def current_rpr(self) -> Element | None:
        return self._rpr(self._format_key())

    def _format_key(self) -> tuple[bool, ...]:
        """What shapes the current run's properties (code, link, bold, italic, sup, sub)."""
        return (
            bool(self.code),
            bool(self.links),
            bool(self.bold),
            bool(self.italic),
            bool(self.superscript),
            bool(self.subscript),
        )

    def _rpr(self, key: tuple[bool, ...]) -> Element | None:
        if key not in self._rpr_cache:
            code, link, bold, italic, sup, sub_ = key
            style = "VerbatimChar" if code else "Hyperlink" if link else None
            if style is None and bold:
                style, bold = "Strong", False
            elif style is None and italic:
                style, italic = "Emphasis", False
            self._rpr_cache[key] = run_properties(
                style=style, bold=bold, italic=italic, superscript=sup, subscript=sub_
            )
        return self._rpr_cache[key]

    def add_text(self, text: str) -> None:
        """Append ``text`` as a run to the current paragraph (or hyperlink)."""
        if not text:
            return
        if not self.literal_text and "\n" in text:
            text = _CJK_NEWLINE.sub("", text).replace("\n", " ")
        if self.unbroken:
            # {nowrap} (a date, "35273-2020"): fixed spaces, Word's non-breaking hyphens.
            for index, piece in enumerate(text.replace(" ", "\u00a0").split("-")):
                if index:
                    self.add_run(self._no_break_hyphen())
                self._add_boxes(piece)
            return
        self._add_boxes(text)

    def _add_boxes(self, text: str) -> None:
        """``text`` as runs; in a form's options or a checklist each ☐ is a Word check box."""
        if self.tickable and CHECKBOX in text:
            for index, piece in enumerate(text.split(CHECKBOX)):
                if index:
                    self.add_run(checkbox_control(self.ctx.fonts.east_asia("body")))
                    if self.box_then_tab and piece.startswith(" "):
                        # The item's text starts at the hanging indent whatever the box's width:
                        # after a space it started 4 pt right of its wrapped lines.
                        self.add_run(tab_run())
                        piece = piece[1:]
                    self.box_then_tab = False
                self._add_run_text(piece)
            return
        self._add_run_text(text)

    def _add_run_text(self, text: str) -> None:
        """One run of plain ``text`` in the current paragraph (or hyperlink), formatted as set."""
        if not text:
            return
        target = self.links[-1] if self.links else self.ensure_paragraph()
        key = self._format_key()
        target.append(self.protos.run(key, self._rpr(key), text))

    def _no_break_hyphen(self) -> Element:
        """A run holding ``w:noBreakHyphen``, formatted as the text around it."""
        run = new("r")
        rpr = self._rpr(self._format_key())
        if rpr is not None:
            run.append(clone(rpr))
        sub(run, "noBreakHyphen")
        return run

    def add_run(self, run: Element) -> None:
        target = self.links[-1] if self.links else self.ensure_paragraph()
        target.append(run)

    def visit_Text(self, node: nodes.Text) -> None:
        self.add_text(node.astext())

    def depart_Text(self, node: nodes.Text) -> None:
        pass

    # -- document structure ---------------------------------------------------------------------

    def visit_document(self, node: nodes.document) -> None:
        pass

    def depart_document(self, node: nodes.document) -> None:
        if self.pending_bookmarks:
            self.open_paragraph()
            self.close_paragraph()
        for p in self.after_tables:
            space_before(p, SPACE_AFTER_TABLE)

    def visit_start_of_file(self, node: Any) -> None:
        # Heading levels count within each source file: a chapter is Heading 1 even when the
        # root's toctree sits inside a section of the root document.
        self.docnames.append(node["docname"])
        self.outer_levels.append(self.section_level)
        self.section_level = 0

    def depart_start_of_file(self, node: Any) -> None:
        self.docnames.pop()
        self.section_level = self.outer_levels.pop()

    def visit_section(self, node: nodes.section) -> None:
        self.close_paragraph()
        is_root = node.get("docname", self.ctx.root_doc) == self.ctx.root_doc and self.section_level == 0
        if is_root and not self.root_section_seen:
            # The root document's title is the manual's title: it is on the cover, not a chapter.
            self.root_section_seen = True
            node["mk_root"] = True
            return
        self.section_level += 1

    def depart_section(self, node: nodes.section) -> None:
        self.close_paragraph()
        if not node.get("mk_root"):
            self.section_level -= 1

    def visit_title(self, node: nodes.title) -> None:
        parent = node.parent
        if isinstance(parent, nodes.section):
            if parent.get("mk_root"):
                self.pending_bookmarks.clear()
                raise nodes.SkipNode
            level = min(self.section_level, 4)
            heading = self.open_paragraph(f"Heading{level}")
            if _starts_page(parent):
                sub(paragraph_properties(heading), "pageBreakBefore")
            number = self.section_number(parent)
            numbered_by_word = self.heading_counter.takes(level, number)
            if not numbered_by_word:
                # Not Word's next number (front matter, Heading 4): out of the list, number as text.
                if level <= len(NUMBERED_HEADING_STYLES):
                    set_numbering(paragraph_properties(heading), 0)
                if number:
                    self.add_text(number + " ")
            if level == 1:
                self.ctx.chapter_numbers.append(number if numbered_by_word else "")
            self.ctx.stats.headings += 1
            ids = parent.get("ids") or [""]
            anchor = self.ctx.bookmarks.name(self.docnames[-1], ids[0])
            text = f"{number} {node.astext()}" if number else node.astext()
            self.ctx.toc.append(TocEntry(level, text, anchor))
        elif isinstance(parent, nodes.table):
            raise nodes.SkipNode  # rendered as the table's caption by the table handler
        elif isinstance(parent, nodes.Admonition | nodes.topic | nodes.sidebar):
            self.open_paragraph("AdmonitionTitle")
        else:
            self.open_paragraph("Caption")

    def depart_title(self, node: nodes.title) -> None:
        self.close_paragraph()

    def section_number(self, section: nodes.section) -> str:
        """The number Sphinx assigned this section (``1.2.3``), as the HTML builder shows it."""
        docname = section.get("docname") or self.docnames[-1]
        secnumbers = self.builder.env.toc_secnumbers.get(docname, {})
        ids = section.get("ids") or [""]
        number = secnumbers.get("#" + ids[0]) or secnumbers.get("")
        return ".".join(map(str, number)) if number else ""

    def visit_paragraph(self, node: nodes.paragraph) -> None:
        style = None
        if self.lists and isinstance(node.parent, nodes.list_item):
            state = self.lists[-1]
            if not state.item_started:
                state.item_started = True
                p = self.open_paragraph("ListBullet" if state.bullet else "ListNumber")
                self.number_paragraph(p, state)
                return
            style = "ListContinue"
        classes = node.get("classes", [])
        if "mk-signature" in classes:
            style = "SignatureLine"
        elif CHAPTER_INFO_CLASS in classes:
            if node.parent.get("mk_root"):
                # The root's title is on the cover, not a heading: its document-control line
                # would stand alone before 前言 (the cover has the manual's document control).
                raise nodes.SkipNode
            style = "ChapterInfo"
        elif REVISED_CLASS in classes:
            style = "RevisionNote"
        elif style is None and _directly_in(node, CHECKLIST_CLASS) and node.astext().startswith(CHECKBOX):
            style = "ChecklistItem"
            self.box_then_tab = True
        elif style is None and _directly_in(node, FORM_CLASS):
            style = "FormNote"
        p = self.open_paragraph(style)
        if style == "ListContinue":
            self.indent_paragraph(p, self.lists[-1].level)
        if introduces_next(node):
            keep_with_next(p)  # "…从以下维度进行：" stays on the page of what it introduces

    def depart_paragraph(self, node: nodes.paragraph) -> None:
        self.close_paragraph()

    def number_paragraph(self, p: Element, state: ListState) -> None:
        ppr = p[0]
        num = sub(ppr, "numPr")
        sub(num, "ilvl", {"val": str(state.level)})
        sub(num, "numId", {"val": str(state.num_id)})

    def indent_paragraph(self, p: Element, level: int) -> None:
        from manualkit.writers.docx.numbering import indent_for_level

        sub(p[0], "ind", {"left": str(indent_for_level(level))})


def keep_with_next(p: Element) -> None:
    """Set "keep with next" on paragraph ``p`` (``w:keepNext`` in schema position)."""
    ppr = paragraph_properties(p)
    if ppr.find(w("keepNext")) is None:
        ppr.insert(1 if len(ppr) and ppr[0].tag == w("pStyle") else 0, new("keepNext"))


def tab_run() -> Element:
    """A run holding a tab (to the next tab stop; in a hanging paragraph, its hanging indent)."""
    run = new("r")
    sub(run, "tab")
    return run


def checkbox_control(font: str) -> Element:
    """An inline check box content control (Word 2010+, ``w14:checkbox``) showing ☐ / ☒.

    Older clients and LibreOffice show the stored ☐ run, as printed.
    """
    sdt = new("sdt")
    sdt_pr = sub(sdt, "sdtPr")
    box = etree.SubElement(sdt_pr, f"{{{W14_NS}}}checkbox")
    etree.SubElement(box, f"{{{W14_NS}}}checked", {f"{{{W14_NS}}}val": "0"})
    for state, code in (("checkedState", "2612"), ("uncheckedState", "2610")):
        etree.SubElement(box, f"{{{W14_NS}}}{state}", {f"{{{W14_NS}}}val": code, f"{{{W14_NS}}}font": font})
    content = sub(sdt, "sdtContent")
    content.append(text_run(CHECKBOX))
    return sdt


def space_before(p: Element, twips: int) -> None:
    """Set space above paragraph ``p`` unless it has some: ``w:spacing`` in schema position."""
    ppr = p[0] if len(p) and p[0].tag == w("pPr") else None
    if ppr is None:
        ppr = new("pPr")
        p.insert(0, ppr)
    spacing = ppr.find(w("spacing"))
    if spacing is None:
        spacing = new("spacing")
        anchor = next((child for child in ppr if child.tag in _AFTER_SPACING), None)
        if anchor is None:
            ppr.append(spacing)
        else:
            anchor.addprevious(spacing)
    if spacing.get(w("before")) is None:
        spacing.set(w("before"), str(twips))


def _starts_page(section: nodes.section) -> bool:
    """Whether the section's heading starts a new page, as in the PDF (print.css).

    A form is printed and filled in on its own: the section holding the form appendices starts
    a new page, and so does each appendix — except one that directly follows that section's
    heading, which would otherwise be left alone at the foot of the page before.
    """
    if _holds_form_appendices(section):
        return True
    if "mk-form-appendix" not in section["classes"]:
        return False
    holder = section.parent
    follows_heading = (
        isinstance(holder, nodes.section)
        and holder.index(section) == 1
        and isinstance(holder[0], nodes.title)
    )
    return not follows_heading


def _holds_form_appendices(section: nodes.section) -> bool:
    return any(
        isinstance(child, nodes.section) and "mk-form-appendix" in child["classes"] for child in section
    )


def _directly_in(node: nodes.Node, container_class: str) -> bool:
    """Whether ``node`` is a direct child of a container classed ``container_class``.

    A form's own lines (用途, 注：…) and a checklist's items are; a form's table cells are not.
    """
    parent = node.parent
    return isinstance(parent, nodes.container) and container_class in parent.get("classes", [])
