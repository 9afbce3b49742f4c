"""Tables: docutils table → ``w:tbl`` with merged cells, repeated header rows and a caption.

Spans (``morecols``/``morerows``) become ``w:gridSpan`` and ``w:vMerge``; Word needs an explicit
continuation cell in every row a vertical merge covers, so open merges are tracked per column.
Tables inside form containers (class ``mk-form``) get fillable content controls in their
empty value cells.  Rows keep together so that no page holds a lone row of a table
(``keep_rows_together``).
"""

from __future__ import annotations

import dataclasses
import re

from docutils import nodes
from docx.shared import Mm

from manualkit.column_layout import (
    CLOSING_MARKS,
    SCRIPT_BOUNDARY,
    TWIPS_PER_HALF_EM,
    closing_mark_after,
    column_texts,
    cramped,
    fit_column_widths,
    text_width,
)
from manualkit.node_classes import NOWRAP_CLASS, SHORT_LABELS_CLASS
from manualkit.sphinx.helpers import SEAL_CLASS
from manualkit.writers.docx.base import FORM_CLASS, DocxTranslatorBase, keep_with_next
from manualkit.writers.docx.blocks import PAGE_BODY_TWIPS, lines_height, row_height
from manualkit.writers.docx.oxml import Element, clone, new, paragraph, sub, text_run, val, w
from manualkit.writers.docx.styles import TABLE_STYLE_ID

FIELD_CLASS = "mk-field"
#: A form's rows leave the room to write by hand the PDF leaves (templates/pdf/print.css: the
#: fill-in cell's height plus its 0.8 mm top and bottom padding): a field 5.5 mm, a multi-line
#: field 14 mm, a signature 10 mm, a seal 28 mm (about 4 cm across with its label).  Word's
#: row height includes the cell margins.  Taller rows (22 mm for multi-line fields) pushed the
#: last row and the signature lines of half the forms onto a second page in Word and LibreOffice.
FIELD_ROW_TWIPS: int = Mm(5.5 + 1.6).twips
MULTILINE_ROW_TWIPS: int = Mm(14 + 1.6).twips
SIGNATURE_ROW_TWIPS: int = Mm(10 + 1.6).twips
SEAL_ROW_TWIPS: int = Mm(28 + 1.6).twips
#: Header texts of the column a form's user writes into.
FILL_HEADERS = frozenset({"填写", "填写内容", "内容"})


@dataclasses.dataclass
class _Merge:
    rows_left: int
    span: int


@dataclasses.dataclass
class TableState:
    tbl: Element
    colwidths: list[int] = dataclasses.field(default_factory=list)
    twips: list[int] = dataclasses.field(default_factory=list)
    in_head: bool = False
    has_head: bool = False
    col: int = 0
    row: Element | None = None
    merges: dict[int, _Merge] = dataclasses.field(default_factory=dict)
    form: bool = False
    field_row: bool = False
    #: The field type of the current form row (``date``, ``datetime`` …: the row's mk-field-* class).
    field_type: str = ""
    label: str = ""
    #: The table's group of columns: its texts size the columns when no widths are given.
    tgroup: nodes.tgroup | None = None
    #: Set in 小五 (``TableTextCompact``): too many columns for 五号 (see ``layout_columns``).
    compact: bool = False
    #: Column that people fill in (header 填写); blank cells there become content controls.
    fill_column: int = 1


class TableMixin(DocxTranslatorBase):
    tables: list[TableState]
    #: Cell prototypes by (width, span, vertical merge): a table has few distinct cell shapes.
    _cell_protos: dict[tuple[int, int, str | None], Element]

    def visit_table(self, node: nodes.table) -> None:
        self.close_paragraph()
        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        if title is not None:
            self.open_paragraph("Caption")
            number = self.table_number(node)
            if number:
                self.add_text(number + " ")
            for child in title.children:
                self.translate(child)
            self.close_paragraph()
        tbl = new("tbl")
        tbl_pr = sub(tbl, "tblPr")
        val(tbl_pr, "tblStyle", TABLE_STYLE_ID)
        sub(tbl_pr, "tblW", {"w": "5000", "type": "pct"})
        sub(tbl_pr, "tblLayout", {"type": "fixed"})  # CT_TblLayoutType: w:type, not w:val
        has_head = any(
            isinstance(part, nodes.thead)
            for group in node.children
            if isinstance(group, nodes.tgroup)
            for part in group.children
        )
        sub(
            tbl_pr,
            "tblLook",
            {
                "val": "04A0" if has_head else "0000",
                "firstRow": "1" if has_head else "0",
                "lastRow": "0",
                "firstColumn": "0",
                "lastColumn": "0",
                "noHBand": "1",
                "noVBand": "1",
            },
        )
        in_form = any(FORM_CLASS in a.get("classes", []) for a in _ancestors(node))
        self.add_block(tbl)
        self.tables.append(TableState(tbl=tbl, has_head=has_head, form=in_form))
        self.ctx.stats.tables += 1

    def depart_table(self, node: nodes.table) -> None:
        state = self.tables.pop()
        if not state.form:
            # A form keeps together as a whole, its notes and signatures with it (blocks.py).
            keep_rows_together(state.tbl, COMPACT_TWIPS_PER_HALF_EM if state.compact else TWIPS_PER_HALF_EM)
        self.close_paragraph()

    def table_number(self, node: nodes.table) -> str:
        """``表 3`` when Sphinx numbered the table (numfig), matching the HTML caption."""
        ids = node.get("ids") or []
        docname = self.docnames[-1]
        numbers = self.builder.env.toc_fignumbers.get(docname, {}).get("table", {})
        if not ids or ids[0] not in numbers:
            return ""
        prefix = self.config.numfig_format.get("table", "Table %s")
        return str(prefix % ".".join(map(str, numbers[ids[0]])))

    def visit_tgroup(self, node: nodes.tgroup) -> None:
        self.tables[-1].tgroup = node

    def depart_tgroup(self, node: nodes.tgroup) -> None:
        pass

    def visit_colspec(self, node: nodes.colspec) -> None:
        self.tables[-1].colwidths.append(int(node.get("colwidth", 1)) or 1)
        raise nodes.SkipNode

    def _ensure_grid(self) -> None:
        state = self.tables[-1]
        if state.twips:
            return
        width = self.ctx.text_width_twips
        # Widths given by the author (a form's ``:widths:``) are used as they are, and the texts
        # are not measured (at 10×, 0.07 s for the forms' tables alone).
        measured = _measured_columns(state.tgroup) if len(set(state.colwidths)) <= 1 else None
        if measured is not None and len(measured[0]) == len(state.colwidths):
            # No widths given by the author: size columns by their content, as browsers do.
            content, unbreakable, texts = measured
            layout = layout_columns(content, width, unbreakable, texts)
            state.twips, state.compact = layout.twips, layout.compact and not state.form
        else:
            total = sum(state.colwidths) or 1
            state.twips = [max(300, width * c // total) for c in state.colwidths]
        state.twips = state.twips or [width]
        grid = sub(state.tbl, "tblGrid")
        for twips in state.twips:
            sub(grid, "gridCol", {"w": str(twips)})

    def visit_thead(self, node: nodes.thead) -> None:
        self._ensure_grid()
        self.tables[-1].in_head = True

    def depart_thead(self, node: nodes.thead) -> None:
        self.tables[-1].in_head = False

    def visit_tbody(self, node: nodes.tbody) -> None:
        self._ensure_grid()
        self.tables[-1].in_head = False

    def depart_tbody(self, node: nodes.tbody) -> None:
        pass

    def visit_row(self, node: nodes.row) -> None:
        state = self.tables[-1]
        tr = sub(state.tbl, "tr")
        tr_pr = sub(tr, "trPr")
        sub(tr_pr, "cantSplit")
        classes = node.get("classes", [])
        height = _row_height(classes, state.form)
        if height:
            sub(tr_pr, "trHeight", {"val": str(height), "hRule": "atLeast"})
        if state.in_head:
            sub(tr_pr, "tblHeader")
        state.row = tr
        state.col = 0
        state.field_row = state.form and not state.in_head
        state.field_type = next(
            (c[len(FIELD_CLASS) + 1 :] for c in classes if c.startswith(FIELD_CLASS + "-")), ""
        )
        state.label = ""

    def depart_row(self, node: nodes.row) -> None:
        state = self.tables[-1]
        self._continue_merges(until=len(state.twips))
        state.row = None

    def _continue_merges(self, until: int | None = None) -> None:
        """Emit continuation cells for vertical merges covering the current column(s)."""
        state = self.tables[-1]
        while state.col in state.merges and (until is None or state.col < until):
            merge = state.merges[state.col]
            tc = self._new_cell(state.col, merge.span, vmerge="continue")
            tc.append(paragraph("TableText"))
            merge.rows_left -= 1
            if merge.rows_left == 0:
                del state.merges[state.col]
            state.col += merge.span
        if until is not None and state.col < until:
            # A short row (possible in hand-written grid tables): pad so Word's grid stays whole.
            while state.col < until:
                if state.col in state.merges:
                    self._continue_merges(until)
                    continue
                self._new_cell(state.col, 1).append(paragraph("TableText"))
                state.col += 1

    def _new_cell(self, col: int, span: int, vmerge: str | None = None) -> Element:
        state = self.tables[-1]
        assert state.row is not None
        width = sum(state.twips[col : col + span]) or self.ctx.text_width_twips
        key = (width, span, vmerge)
        proto = self._cell_protos.get(key)
        if proto is None:
            proto = self._cell_protos[key] = cell_prototype(width, span, vmerge)
        tc = clone(proto)
        state.row.append(tc)
        return tc

    def visit_entry(self, node: nodes.entry) -> None:
        state = self.tables[-1]
        self._continue_merges()
        span = int(node.get("morecols", 0)) + 1
        rows = int(node.get("morerows", 0))
        tc = self._new_cell(state.col, span, vmerge="restart" if rows else None)
        if rows:
            state.merges[state.col] = _Merge(rows_left=rows, span=span)
        node["mk_span"] = span
        style = "TableHeading" if state.in_head else "TableText"
        if state.compact:
            style += "Compact"
        if state.form:
            style = "FormHeading" if state.in_head else "FormText"
            text = node.astext().strip()
            if state.in_head and text in FILL_HEADERS:
                state.fill_column = state.col
            if (
                state.field_row
                and state.col == state.fill_column
                and not text
                and not any(node.findall(nodes.image))
            ):
                # The blank ("\u3000") becomes the field: the cell holds its one paragraph.
                self.push_container(tc, style)
                self._fillable(tc, state.label)
                self.depart_entry(node)
                raise nodes.SkipNode
            if state.field_row and text and state.col < state.fill_column:
                state.label = text  # (the field's name, not what its blanks say)
            if state.field_row and state.col == state.fill_column:
                node["mk_tickable"] = True
                self.tickable += 1
                # Options ("☐ 电话告知并记录") go to the next line whole: Word breaks Chinese
                # text anywhere, and "☐ 电" / "话告知并记录" misleads whoever ticks the box.
                width = sum(state.twips[state.col : state.col + span]) if state.twips else 0
                self.option_room = max(1, (width - CELL_MARGINS) // TWIPS_PER_HALF_EM)
                self.option_line = 0
        node["mk_outer_room"] = self.cell_room
        self.cell_room = _cell_room(state, span)
        self.push_container(tc, style)

    def depart_entry(self, node: nodes.entry) -> None:
        state = self.tables[-1]
        cell = self.pop_container()
        if state.field_row and state.col == state.fill_column and state.field_type in DATE_FIELDS:
            blanks_as_control(cell, state.label, with_time=state.field_type == "datetime")
        if node.get("mk_tickable"):
            self.tickable -= 1
            self.option_room = 0
        self.cell_room = float(node.get("mk_outer_room", 0.0))
        self.tables[-1].col += int(node.get("mk_span", 1))

    def _fillable(self, tc: Element, label: str) -> None:
        """A plain-text content control so the blank cell is a fill-in field in Word.

        The control sits inside the cell's one paragraph.  Around the paragraph (a block-level
        control) the cell needed a second, empty paragraph, since a cell must end with one: a
        field row then stood 11.8 mm high in LibreOffice against the PDF's 8.4 mm, and two
        forms that fit a page in the PDF ran onto a second one.
        """
        p = sub(tc, "p")
        val(sub(p, "pPr"), "pStyle", "FormField")
        sdt = sub(p, "sdt")
        sdt_pr = control_properties(sdt, label)
        sub(sdt_pr, "text", {"multiLine": "1"})
        sub(sdt, "sdtContent").append(text_run(" "))


#: Form fields whose blanks ("＿＿＿＿年＿＿月＿＿日") become a content control in Word.
DATE_FIELDS = frozenset({"date", "datetime"})
#: Word's picture of a date as the blanks show it (``w:dateFormat``).
DATE_FORMAT = "yyyy'年'M'月'd'日'"


def control_properties(sdt: Element, label: str) -> Element:
    """A content control's ``w:sdtPr``, named after its field (what Word shows on the control)."""
    sdt_pr = sub(sdt, "sdtPr")
    if label:
        val(sdt_pr, "alias", label[:60])
        val(sdt_pr, "tag", label[:60])
    return sdt_pr


def blanks_as_control(tc: Element, label: str, *, with_time: bool) -> None:
    """A date field's blanks as a content control showing them as its placeholder.

    Typed over, the underscores of "＿＿＿＿年＿＿月＿＿日" broke the line's layout; now a click
    selects the whole placeholder and typing replaces it.  A date is a date picker that writes
    "2026年12月1日"; a date and time, which no picker gives, a plain-text control.  Printed
    unfilled, the form shows the blanks as before (as does LibreOffice).
    """
    p = tc.find(w("p"))
    if p is None:
        return
    runs = [child for child in p if child.tag != w("pPr")]
    if not runs:
        return
    sdt = new("sdt")
    sdt_pr = control_properties(sdt, label)
    sub(sdt_pr, "showingPlcHdr")
    if with_time:
        sub(sdt_pr, "text")
    else:
        date = sub(sdt_pr, "date")
        val(date, "dateFormat", DATE_FORMAT)
        val(date, "lid", "zh-CN")
        val(date, "storeMappedDataAs", "dateTime")
        val(date, "calendar", "gregorian")
    content = sub(sdt, "sdtContent")
    for run in runs:
        content.append(run)  # (lxml moves it out of the paragraph)
    p.append(sdt)


#: A table of at most this many body rows, none over ``SHORT_ROW_LINES`` lines and all together
#: at most ``SHORT_TABLE_TWIPS`` high, stays on one page: moving it whole leaves less blank than a
#: page holding a row or two of it.  A third of a page, since a process's step table is chained
#: through its caption to the flowchart above it (up to 120 mm, half a page) and the heading
#: above that: a whole six-row step table with its chart did not fit a page, and LibreOffice
#: then put the chart on one page and the table on the next.
SHORT_TABLE_ROWS = 8
SHORT_ROW_LINES = 3
SHORT_TABLE_TWIPS = PAGE_BODY_TWIPS // 3


def keep_rows_together(tbl: Element, twips_per_half_em: int = TWIPS_PER_HALF_EM) -> None:
    """Keep a short table on one page, and never leave one row of a longer one alone.

    Word and LibreOffice broke tables anywhere their rows allow: a page held only the repeated
    header and one row, or only a table's last row (合计).  "Keep with next" on a row's
    paragraphs keeps the row on the page of the next row (Word's documented way to keep a
    table together).  A short table gets it on every row but the last; a longer one on its
    header rows, its first body row and its second-to-last row, so that at least two body rows
    go together at either end and the rows in between break where the page ends.
    """
    rows = tbl.findall(w("tr"))
    head = [row for row in rows if row.find(f"{w('trPr')}/{w('tblHeader')}") is not None]
    body = rows[len(head) :]  # header rows are a table's first rows
    kept = rows[:-1] if _short(head, body, twips_per_half_em) else [*head, *body[:1], *body[-2:-1]]
    for row in rows:
        _cant_split(row)
    for row in kept:
        if row is not rows[-1]:  # the last row would keep the table with what follows it
            for p in row.iter(w("p")):
                keep_with_next(p)


def _short(head: list[Element], body: list[Element], twips_per_half_em: int) -> bool:
    """Whether a table of rows ``head`` and ``body`` is short enough to keep on one page."""
    if len(body) > SHORT_TABLE_ROWS:
        return False
    heights = [row_height(row, twips_per_half_em) for row in body]
    if max(heights, default=0) > lines_height(SHORT_ROW_LINES):
        return False
    return sum(heights) + sum(row_height(row, twips_per_half_em) for row in head) <= SHORT_TABLE_TWIPS


def _cant_split(row: Element) -> None:
    """Keep ``row`` itself on one page: ``w:cantSplit`` (``trPr`` children come in any order)."""
    tr_pr = row.find(w("trPr"))
    if tr_pr is None:
        tr_pr = new("trPr")
        exceptions = row.find(w("tblPrEx"))
        if exceptions is None:
            row.insert(0, tr_pr)
        else:
            exceptions.addnext(tr_pr)
    if tr_pr.find(w("cantSplit")) is None:
        sub(tr_pr, "cantSplit")


def cell_prototype(width: int, span: int, vmerge: str | None) -> Element:
    """An empty ``w:tc`` with its properties: width in twips, column span, vertical merge."""
    tc = new("tc")
    tc_pr = sub(tc, "tcPr")
    sub(tc_pr, "tcW", {"w": str(width), "type": "dxa"})
    if span > 1:
        val(tc_pr, "gridSpan", str(span))
    if vmerge == "restart":
        val(tc_pr, "vMerge", "restart")
    elif vmerge == "continue":
        sub(tc_pr, "vMerge")
    val(tc_pr, "vAlign", "center")
    return tc


def _cell_room(state: TableState, span: int) -> float:
    """Room for text on one line of the current cell, in half-ems of the cell's text size."""
    if not state.twips:
        return 0.0
    width = sum(state.twips[state.col : state.col + span]) - CELL_MARGINS
    if state.form:
        half_em = FORM_TWIPS_PER_HALF_EM
    else:
        half_em = COMPACT_TWIPS_PER_HALF_EM if state.compact else TWIPS_PER_HALF_EM
    return max(0.0, width / half_em)


#: A piece of a line Word never breaks: a Latin word or a number, else one character.
_TOKEN = re.compile(r"[0-9A-Za-z]+|.", re.DOTALL)


def _gap(before: str, after: str) -> float:
    """The autospace (a quarter em) where a line's last character ``before`` meets ``after``."""
    return 0.5 if before and after and SCRIPT_BOUNDARY.search(before + after) else 0.0


def starts_own_line(node: nodes.Element, room: float) -> bool:
    """Whether {nowrap} ``node`` has to begin a new line of its cell to stay whole.

    Word and LibreOffice fill a line as far as it goes and break Chinese text between any two
    characters; a column wide enough for "11月13日" therefore still printed "（合规管理人员，
    2026年11" / "月13日）".  The DOCX has no no-break span, so the writer follows the line
    filling of the cell's paragraph up to ``node`` (``room`` half-ems a line, each earlier
    {nowrap} piece kept whole the same way) and says whether ``node`` would cross the line's
    end: it then gets a line break of its own.  Text wider than a whole line breaks anyway.
    """
    width = text_width(node.astext() + closing_mark_after(node))
    paragraph = node.parent
    while paragraph is not None and not isinstance(paragraph, nodes.paragraph):
        paragraph = paragraph.parent
    if paragraph is None or room <= 0 or width > room:
        return False
    fill = 0.0
    last = ""
    for piece, whole in _pieces_before(paragraph, node):
        for token in (piece,) if whole else _TOKEN.findall(piece):
            gap = _gap(last, token[0])
            size = text_width(token)
            if fill and fill + gap + size > room and token not in CLOSING_MARKS:
                fill = min(size, room)
            else:
                fill += gap + size
            last = token[-1]
    return fill > 0 and fill + _gap(last, node.astext()[:1]) + width > room


def _pieces_before(paragraph: nodes.Element, stop: nodes.Element) -> list[tuple[str, bool]]:
    """The text of ``paragraph`` before ``stop`` in reading order, each {nowrap} part whole (True).

    A loop over an explicit stack: a recursive closure would be a reference cycle holding
    ``stop``, and the written doctree is freed by reference counting (see ``dismantle``).
    """
    pieces: list[tuple[str, bool]] = []
    stack: list[nodes.Node] = list(reversed(paragraph.children))
    while stack:
        node = stack.pop()
        if node is stop:
            break
        if isinstance(node, nodes.Text):
            pieces.append((str(node), False))
        elif isinstance(node, nodes.inline) and NOWRAP_CLASS in node["classes"]:
            pieces.append((node.astext(), True))
        elif isinstance(node, nodes.Element):
            stack.extend(reversed(node.children))
    return pieces


#: A form's text is 9.5 pt (styles: FormText).
FORM_TWIPS_PER_HALF_EM = 95
#: A table too dense for 五号 is set in 小五 (9 pt): 90 twips a half-em.
COMPACT_TWIPS_PER_HALF_EM = 90
#: Word's default cell margins (2 × 108 twips).
CELL_MARGINS = 216


@dataclasses.dataclass(frozen=True)
class ColumnLayout:
    """A table's column widths (twips) and whether it is set in the compact 小五 text."""

    twips: list[int]
    compact: bool


def _measured_columns(tgroup: nodes.tgroup | None) -> tuple[list[int], list[int], list[list[int]]]:
    """``column_texts`` of ``tgroup``, with short row labels (类别 …) kept on one line, as in the
    site and the PDF."""
    if tgroup is None:
        return [], [], []
    content, unbreakable, texts = column_texts(tgroup, int(tgroup.get("cols", 0)))
    table = tgroup.parent
    if isinstance(table, nodes.table) and SHORT_LABELS_CLASS in table["classes"] and content:
        unbreakable[0] = max(unbreakable[0], content[0])
    return content, unbreakable, texts


def layout_columns(
    natural: list[int], total: int, unbreakable: list[int] | None = None, texts: list[list[int]] | None = None
) -> ColumnLayout:
    """Column widths for a table without given widths, in 五号 or, when that is too dense, 小五.

    Why: a table of seven columns at 五号 has room for 44 Chinese characters a row, and dates
    and document numbers kept whole take a third of it.  The reference list then had its titles
    four characters wide (a title over seven lines) and the revision history its summary two,
    one row filling a page.  Word documents set such tables in 小五, as a typesetter would.
    """
    regular = fit_column_widths(natural, total, unbreakable, texts=texts)
    if not cramped(natural, regular, TWIPS_PER_HALF_EM):
        return ColumnLayout(regular, compact=False)
    smaller = fit_column_widths(natural, total, unbreakable, COMPACT_TWIPS_PER_HALF_EM, texts)
    return ColumnLayout(smaller, compact=True)


def _ancestors(node: nodes.Node) -> list[nodes.Element]:
    out: list[nodes.Element] = []
    parent = node.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out


def _row_height(classes: list[str], in_form: bool) -> int:
    """The least height of a table row, in twips: room to write in a form's fields, else 0."""
    if SEAL_CLASS in classes:
        return SEAL_ROW_TWIPS
    if "mk-field-multiline" in classes:
        return MULTILINE_ROW_TWIPS
    if "mk-field-signature" in classes:
        return SIGNATURE_ROW_TWIPS
    if in_form and FIELD_CLASS in classes:
        return FIELD_ROW_TWIPS
    return 0
