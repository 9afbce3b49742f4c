"""Block nodes: lists, definition lists, admonitions as shaded boxes, quotes, code, footnotes."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.locale import admonitionlabels

from manualkit.column_layout import TWIPS_PER_HALF_EM
from manualkit.writers.docx.base import (
    CHECKLIST_CLASS,
    FORM_CLASS,
    DocxTranslatorBase,
    ListState,
    keep_with_next,
)
from manualkit.writers.docx.oxml import Element, new, sub, val, w
from manualkit.writers.docx.styles import BOX_STYLE_ID, WARNING_BOX_STYLE_ID

#: Admonitions that warn (警告, 注意, 危险, 错误, 重要 …): boxed in the Warning Box style.
_WARNINGS = (nodes.warning, nodes.caution, nodes.danger, nodes.error, nodes.attention, nodes.important)


class BlockMixin(DocxTranslatorBase):
    # -- lists -----------------------------------------------------------------------------------

    def visit_bullet_list(self, node: nodes.bullet_list) -> None:
        self.close_paragraph()
        num_id = self.ctx.numbering.new_list(bullet=True)
        self.lists.append(ListState(num_id=num_id, bullet=True, level=len(self.lists)))

    def depart_bullet_list(self, node: nodes.bullet_list) -> None:
        self.lists.pop()
        self.close_paragraph()

    def visit_enumerated_list(self, node: nodes.enumerated_list) -> None:
        self.close_paragraph()
        num_id = self.ctx.numbering.new_list(bullet=False, start=int(node.get("start", 1)))
        self.lists.append(ListState(num_id=num_id, bullet=False, level=len(self.lists)))

    def depart_enumerated_list(self, node: nodes.enumerated_list) -> None:
        self.lists.pop()
        self.close_paragraph()

    def visit_list_item(self, node: nodes.list_item) -> None:
        self.close_paragraph()
        self.lists[-1].item_started = False
        if not node.children or not isinstance(node.children[0], nodes.paragraph):
            # An item that starts with a nested list still needs its own bullet/number.
            state = self.lists[-1]
            state.item_started = True
            p = self.open_paragraph("ListBullet" if state.bullet else "ListNumber")
            self.number_paragraph(p, state)
            self.close_paragraph()

    def depart_list_item(self, node: nodes.list_item) -> None:
        self.close_paragraph()

    # -- definition lists (glossary) and field lists -----------------------------------------------

    def visit_definition_list(self, node: nodes.definition_list) -> None:
        self.close_paragraph()

    def depart_definition_list(self, node: nodes.definition_list) -> None:
        self.close_paragraph()

    def visit_definition_list_item(self, node: nodes.definition_list_item) -> None:
        pass

    def depart_definition_list_item(self, node: nodes.definition_list_item) -> None:
        self.close_paragraph()

    def visit_term(self, node: nodes.term) -> None:
        if self.para is None or not isinstance(node.previous_sibling(), nodes.term):
            self.open_paragraph("DefinitionTerm")
        else:
            self.add_text("；")

    def depart_term(self, node: nodes.term) -> None:
        pass

    def visit_classifier(self, node: nodes.classifier) -> None:
        self.add_text(" : ")

    def depart_classifier(self, node: nodes.classifier) -> None:
        pass

    def visit_definition(self, node: nodes.definition) -> None:
        self.close_paragraph()
        self.styles.append("Definition")

    def depart_definition(self, node: nodes.definition) -> None:
        self.close_paragraph()
        self.styles.pop()

    def visit_field_list(self, node: nodes.field_list) -> None:
        self.close_paragraph()

    def depart_field_list(self, node: nodes.field_list) -> None:
        self.close_paragraph()

    visit_docinfo = visit_field_list
    depart_docinfo = depart_field_list

    def visit_field(self, node: nodes.field) -> None:
        pass

    def depart_field(self, node: nodes.field) -> None:
        self.close_paragraph()

    def visit_field_name(self, node: nodes.field_name) -> None:
        self.open_paragraph("DefinitionTerm")

    def depart_field_name(self, node: nodes.field_name) -> None:
        self.close_paragraph()

    visit_field_body = visit_definition
    depart_field_body = depart_definition

    # -- admonitions, topics, sidebars: shaded one-cell boxes --------------------------------------

    def open_box(self, style_id: str = BOX_STYLE_ID) -> None:
        """A one-cell table in a box style (Admonition Box, Warning Box); content goes into its cell."""
        self.close_paragraph()
        tbl = new("tbl")
        tbl_pr = sub(tbl, "tblPr")
        val(tbl_pr, "tblStyle", style_id)
        sub(tbl_pr, "tblW", {"w": "5000", "type": "pct"})
        sub(tbl_pr, "tblLayout", {"type": "fixed"})
        sub(
            tbl_pr,
            "tblLook",
            {
                "val": "0000",
                "firstRow": "0",
                "lastRow": "0",
                "firstColumn": "0",
                "lastColumn": "0",
                "noHBand": "1",
                "noVBand": "1",
            },
        )
        grid = sub(tbl, "tblGrid")
        sub(grid, "gridCol", {"w": str(self.ctx.text_width_twips)})
        tr = sub(tbl, "tr")
        tr_pr = sub(tr, "trPr")
        sub(tr_pr, "cantSplit")
        tc = sub(tr, "tc")
        tc_pr = sub(tc, "tcPr")
        sub(tc_pr, "tcW", {"w": str(self.ctx.text_width_twips), "type": "dxa"})
        self.add_block(tbl)
        self.push_container(tc, "Note")

    def visit_admonition(self, node: nodes.Element) -> None:
        self.open_box(WARNING_BOX_STYLE_ID if isinstance(node, _WARNINGS) else BOX_STYLE_ID)
        label = admonitionlabels.get(node.tagname)
        if label and not isinstance(node, nodes.admonition):
            self.open_paragraph("AdmonitionTitle")
            self.add_text(str(label))
            self.close_paragraph()

    def depart_admonition(self, node: nodes.Element) -> None:
        self.pop_container()

    visit_topic = visit_admonition
    depart_topic = depart_admonition
    visit_sidebar = visit_admonition
    depart_sidebar = depart_admonition
    visit_seealso = visit_admonition
    depart_seealso = depart_admonition

    # docutils' specific admonitions all share the box
    visit_note = visit_tip = visit_hint = visit_important = visit_attention = visit_admonition
    visit_caution = visit_warning = visit_danger = visit_error = visit_admonition
    depart_note = depart_tip = depart_hint = depart_important = depart_attention = depart_admonition
    depart_caution = depart_warning = depart_danger = depart_error = depart_admonition

    # -- quotes, code, misc ------------------------------------------------------------------------

    def visit_block_quote(self, node: nodes.block_quote) -> None:
        self.close_paragraph()
        self.styles.append("Quote")

    def depart_block_quote(self, node: nodes.block_quote) -> None:
        self.close_paragraph()
        self.styles.pop()

    def visit_attribution(self, node: nodes.attribution) -> None:
        self.open_paragraph("Quote")
        self.add_text("—— ")

    def depart_attribution(self, node: nodes.attribution) -> None:
        self.close_paragraph()

    def visit_literal_block(self, node: nodes.literal_block) -> None:
        self.open_paragraph("SourceCode")
        self.literal_text += 1
        self.add_text(node.astext().rstrip("\n"))
        self.literal_text -= 1
        self.close_paragraph()
        raise nodes.SkipNode

    visit_doctest_block = visit_literal_block

    def visit_line_block(self, node: nodes.line_block) -> None:
        self.close_paragraph()

    def depart_line_block(self, node: nodes.line_block) -> None:
        self.close_paragraph()

    def visit_line(self, node: nodes.line) -> None:
        self.open_paragraph()

    def depart_line(self, node: nodes.line) -> None:
        self.close_paragraph()

    def visit_rubric(self, node: nodes.rubric) -> None:
        self.open_paragraph("DefinitionTerm")

    def depart_rubric(self, node: nodes.rubric) -> None:
        self.close_paragraph()

    def visit_transition(self, node: nodes.transition) -> None:
        following = node.parent.children[node.parent.index(node) + 1 :] if node.parent else []
        if following and all(isinstance(n, nodes.footnote) for n in following):
            # MyST's rule above the footnotes: Word puts footnotes at the page foot itself.
            raise nodes.SkipNode
        p = self.open_paragraph()
        borders = sub(p[0], "pBdr")
        sub(borders, "bottom", {"val": "single", "sz": "4", "space": "1", "color": "808080"})
        self.close_paragraph()
        raise nodes.SkipNode

    def visit_compact_paragraph(self, node: Any) -> None:
        self.open_paragraph()

    def depart_compact_paragraph(self, node: Any) -> None:
        self.close_paragraph()

    def visit_container(self, node: nodes.container) -> None:
        self.close_paragraph()
        classes = node.get("classes", [])
        if FORM_CLASS in classes:
            self.ctx.stats.forms += 1
        if FORM_CLASS in classes or CHECKLIST_CLASS in classes:
            # The block before the form, not its index: len() and slicing walk every child of
            # an lxml element, and the body holds all of the manual's blocks.
            container = self.blocks[-1]
            self.form_starts.append((container, next(container.iterchildren(reversed=True), None)))
        if CHECKLIST_CLASS in classes:
            self.tickable += 1

    def depart_container(self, node: nodes.container) -> None:
        self.close_paragraph()
        classes = node.get("classes", [])
        if CHECKLIST_CLASS in classes:
            self.tickable -= 1
        if FORM_CLASS in classes or CHECKLIST_CLASS in classes:
            # A checklist is used in one go, like a form: its title never ends a page alone.
            container, before = self.form_starts.pop()
            keep_together(list(container) if before is None else list(before.itersiblings()))

    def visit_glossary(self, node: Any) -> None:
        pass

    def depart_glossary(self, node: Any) -> None:
        pass

    visit_compound = visit_glossary
    depart_compound = depart_glossary
    visit_only = visit_glossary
    depart_only = depart_glossary
    visit_centered = visit_rubric
    depart_centered = depart_rubric

    # -- footnotes and citations -----------------------------------------------------------------------

    def visit_footnote(self, node: nodes.footnote) -> None:
        """Render the footnote's paragraphs into a real ``w:footnote`` (not into the body)."""
        self.close_paragraph()
        ids = node.get("ids") or [""]
        element: Element = self.ctx.footnotes.create(self.ctx.footnotes.number(self.docnames[-1], ids[0]))
        self.push_container(element, "FootnoteText")

    def depart_footnote(self, node: nodes.footnote) -> None:
        self.pop_container()

    def visit_label(self, node: nodes.label) -> None:
        parent = node.parent
        if isinstance(parent, nodes.citation):
            self.open_paragraph("FootnoteText")
            self.add_text(f"[{node.astext()}] ")
        raise nodes.SkipNode  # Word numbers footnotes itself

    def visit_citation(self, node: nodes.citation) -> None:
        self.close_paragraph()
        self.styles.append("FootnoteText")

    def depart_citation(self, node: nodes.citation) -> None:
        self.close_paragraph()
        self.styles.pop()


#: Height of a page's text area (A4, 2.54 cm margins), in twips.
PAGE_BODY_TWIPS = 16838 - 2 * 1440
#: A form chained whole must be well under a page (its headings, the estimate's error margin).
_WHOLE_FORM_TWIPS = PAGE_BODY_TWIPS * 3 // 4
#: Body text: 12 pt at 1.5 lines with 6 pt after; half-ems (120 twips each) per line of the page.
_BODY_LINE_TWIPS, _BODY_AFTER_TWIPS, _BODY_HALF_EMS = 360, 120, (11906 - 2 * 1304) // 120
#: Table text: 10.5 pt at 1.25 lines (half-ems of 105 twips), cell margins and borders.
_CELL_LINE_TWIPS, _CELL_PADDING_TWIPS, _CELL_MARGINS_TWIPS = 300, 100, 216
#: Rows kept with a too-tall form's signature lines: one, so the page the form breaks on stays
#: full (with three, a third of it could stay blank) and the signatures never stand alone.
_TAIL_ROWS = 1


def keep_together(blocks: list[Element]) -> None:
    """Keep a form (or checklist) on one page: every paragraph but the last keeps with the next.

    A paper form split over two sheets gets its last rows or signature lines lost; Word and
    LibreOffice keep table rows whose paragraphs are "keep with next" on the page of the next
    row.  A form near or over a page must break: chaining it all made LibreOffice break before
    the signature lines, which then filled a sheet of their own; so only its last row, the
    note and the signature lines are kept together.
    """
    paragraphs = [p for block in blocks for p in block.iter(w("p"))]
    if _estimated_height(blocks) > _WHOLE_FORM_TWIPS:
        tables = [block for block in blocks if block.tag == w("tbl")]
        if tables:
            last = tables[-1]
            tail_rows = last.findall(w("tr"))[-_TAIL_ROWS:]
            after = blocks[blocks.index(last) + 1 :]
            paragraphs = [p for block in (*tail_rows, *after) for p in block.iter(w("p"))]
    for p in paragraphs[:-1]:
        keep_with_next(p)


def _estimated_height(blocks: list[Element]) -> int:
    """The blocks' height in twips, from their text's wrapped lines and the rows' set heights."""
    total = 0
    for block in blocks:
        if block.tag != w("tbl"):
            for p in block.iter(w("p")):
                lines = _lines(p, _BODY_HALF_EMS)
                total += lines * _BODY_LINE_TWIPS + _BODY_AFTER_TWIPS
            continue
        total += sum(row_height(row) for row in block.iter(w("tr")))
    return total


def row_height(row: Element, twips_per_half_em: int = TWIPS_PER_HALF_EM) -> int:
    """Table row ``row``'s height in twips: its wrapped text's or its set least height."""
    height = row.find(f"{w('trPr')}/{w('trHeight')}")
    set_height = int(height.get(w("val"), "0")) if height is not None else 0
    return max(set_height, lines_height(row_lines(row, twips_per_half_em)))


def lines_height(lines: int) -> int:
    """Height in twips of a table row holding ``lines`` lines of table text."""
    return lines * _CELL_LINE_TWIPS + _CELL_PADDING_TWIPS


_TC, _TC_WIDTH, _W, _P = w("tc"), f"{w('tcPr')}/{w('tcW')}", w("w"), w("p")


def row_lines(row: Element, twips_per_half_em: int = TWIPS_PER_HALF_EM) -> int:
    """Lines of text in table row ``row``'s tallest cell, as wrapped at the cells' widths.

    ``twips_per_half_em``: half an em of the cells' text (105 for 五号).  It runs for the rows of
    most tables (``tables.keep_rows_together``), so the tag names are looked up once.
    """
    tallest = 0
    for cell in row.iter(_TC):
        width = cell.find(_TC_WIDTH)
        twips = int(width.get(_W, "0")) if width is not None else 0
        half_ems = max(1, (twips - _CELL_MARGINS_TWIPS) // twips_per_half_em)
        tallest = max(tallest, sum(_lines(p, half_ems) for p in cell.iter(_P)))
    return tallest


def _lines(p: Element, half_ems_per_line: int) -> int:
    """How many lines paragraph ``p``'s text wraps to at most (at least one).

    Chinese text is counted two half-ems a character throughout (an upper bound, and no regex
    over every cell of every form): a form judged too tall only keeps its tail together.
    """
    text = "".join(t.text or "" for t in p.iter(w("t")))
    width = len(text) if text.isascii() else 2 * len(text)
    return max(1, -(-width // half_ems_per_line))
