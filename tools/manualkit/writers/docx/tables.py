"""Tables: docutils table → ``w:tbl`` with merged cells, repeated header rows and a caption.

Spans (``morecols``/``morerows``) become ``w:gridSpan`` and ``w:vMerge``; Word needs an explicit
continuation cell in every row a vertical merge covers, so open merges are tracked per column.
Tables inside form containers (class ``mk-form``) get fillable content controls in their
empty value cells.
"""

from __future__ import annotations

import dataclasses
import re

from docutils import nodes
from docx.shared import Mm

from manualkit.cjk_text import display_width
from manualkit.doctree_walk import walk
from manualkit.node_classes import NOWRAP_CLASS, SHORT_LABELS_CLASS
from manualkit.sphinx.helpers import SEAL_CLASS
from manualkit.writers.docx.base import FORM_CLASS, DocxTranslatorBase
from manualkit.writers.docx.oxml import Element, clone, new, paragraph, sub, text_run, val
from manualkit.writers.docx.styles import TABLE_STYLE_ID

FIELD_CLASS = "mk-field"
#: A form's rows leave the room to write by hand the PDF leaves (templates/pdf/print.css: the
#: fill-in cell's height plus its 1.2 mm top and bottom padding): a field 6 mm, a multi-line
#: field 14 mm, a signature 10 mm, a seal 28 mm (about 4 cm across with its label).  Word's
#: row height includes the cell margins.  Taller rows (22 mm for multi-line fields) pushed the
#: last row and the signature lines of half the forms onto a second page in Word and LibreOffice.
FIELD_ROW_TWIPS: int = Mm(6 + 2.4).twips
MULTILINE_ROW_TWIPS: int = Mm(14 + 2.4).twips
SIGNATURE_ROW_TWIPS: int = Mm(10 + 2.4).twips
SEAL_ROW_TWIPS: int = Mm(28 + 2.4).twips
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
    label: str = ""
    content_widths: list[int] = dataclasses.field(default_factory=list)
    #: Set in 小五 (``TableTextCompact``): too many columns for 五号 (see ``layout_columns``).
    compact: bool = False
    #: Per column, the widest text that must stay on one line ({nowrap}: a date, "35273-2020").
    unbreakable_widths: list[int] = dataclasses.field(default_factory=list)
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
        self.tables.pop()
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
        state = self.tables[-1]
        state.content_widths, state.unbreakable_widths = content_widths(node, int(node.get("cols", 0)))
        table = node.parent
        if isinstance(table, nodes.table) and SHORT_LABELS_CLASS in table["classes"] and state.content_widths:
            # Short row labels (类别 …) stay on one line, as in the site and the PDF.
            state.unbreakable_widths[0] = max(state.unbreakable_widths[0], state.content_widths[0])

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
        if len(set(state.colwidths)) <= 1 and len(state.content_widths) == len(state.colwidths):
            # No widths given by the author: size columns by their content, as browsers do.
            layout = layout_columns(state.content_widths, width, state.unbreakable_widths)
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
            if state.field_row and text:
                state.label = text
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
        self.pop_container()
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
        sdt_pr = sub(sdt, "sdtPr")
        if label:
            val(sdt_pr, "alias", label[:60])
            val(sdt_pr, "tag", label[:60])
        sub(sdt_pr, "text", {"multiLine": "1"})
        sub(sdt, "sdtContent").append(text_run(" "))


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


#: Where Chinese meets Latin letters or digits ("2020年10月1日"): Word and LibreOffice add about
#: a quarter em there (autospacing: half a half-em), which a width holding the text on one line counts.
_SCRIPT_BOUNDARY = re.compile(r"(?<=[0-9A-Za-z])(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])(?=[0-9A-Za-z])")


#: Punctuation that never starts a line: after {nowrap} text it goes on that text's line.
_CLOSING = frozenset("）】」』》〉，。、；：！？)")


def unbreakable_widths(tgroup: nodes.Element) -> dict[int, int]:
    """Per cell (``id`` of its entry): the widest text that stays on one line ({nowrap}), in
    half-ems with autospacing and a closing mark right after it ("2026年11月6日）": Word
    never starts a line with "）").  One walk over the table, not one per cell."""
    widths: dict[int, int] = {}
    for node in walk(tgroup):
        if node.__class__ is nodes.inline and NOWRAP_CLASS in node["classes"]:
            entry = node.parent
            while entry is not None and not isinstance(entry, nodes.entry):
                entry = entry.parent
            if entry is not None:
                text = node.astext() + _closing_mark_after(node)
                width = display_width(text) + len(_SCRIPT_BOUNDARY.findall(text)) // 2
                widths[id(entry)] = max(widths.get(id(entry), 0), width)
    return widths


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


def text_width(text: str) -> float:
    """Width of ``text`` on one line in half-ems, with a quarter em where scripts meet."""
    return display_width(text) + 0.5 * len(_SCRIPT_BOUNDARY.findall(text))


def starts_own_line(node: nodes.Element, room: float) -> bool:
    """Whether {nowrap} ``node`` has to begin a new line of its cell to stay whole.

    Word and LibreOffice fill a line as far as it goes and break Chinese text between any two
    characters; a column wide enough for "11月13日" therefore still printed "（合规管理人员，
    2026年11" / "月13日）".  The DOCX has no no-break span, so the writer follows the line
    filling of the cell's paragraph up to ``node`` (``room`` half-ems a line, each earlier
    {nowrap} piece kept whole the same way) and says whether ``node`` would cross the line's
    end: it then gets a line break of its own.  Text wider than a whole line breaks anyway.
    """
    width = text_width(node.astext() + _closing_mark_after(node))
    paragraph = node.parent
    while paragraph is not None and not isinstance(paragraph, nodes.paragraph):
        paragraph = paragraph.parent
    if paragraph is None or room <= 0 or width > room:
        return False
    fill = 0.0
    last = ""
    for piece, whole in _pieces_before(paragraph, node):
        for token in (piece,) if whole else _TOKEN.findall(piece):
            gap = 0.5 if last and _SCRIPT_BOUNDARY.search(last + token[0]) else 0.0
            size = text_width(token)
            if fill and fill + gap + size > room and token not in _CLOSING:
                fill = min(size, room)
            else:
                fill += gap + size
            last = token[-1]
    gap = 0.5 if last and _SCRIPT_BOUNDARY.search(last + node.astext()[:1]) else 0.0
    return fill > 0 and fill + gap + width > room


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


def _closing_mark_after(node: nodes.Element) -> str:
    """The closing punctuation mark right after ``node`` in its paragraph, if any."""
    parent = node.parent
    if parent is None:
        return ""
    index = parent.index(node)
    following = parent.children[index + 1] if index + 1 < len(parent.children) else None
    if isinstance(following, nodes.Text) and following[:1] in _CLOSING:
        return str(following[:1])
    return ""


def content_widths(tgroup: nodes.tgroup, cols: int) -> tuple[list[int], list[int]]:
    """Display width (half-ems) of each column's longest line and of its widest unbreakable text.

    Cells spanning several columns are ignored; rows shortened by a vertical merge above are
    placed correctly by tracking the merge like the cell writer does.
    """
    if cols <= 0:
        return [], []
    longest = [0] * cols
    unbreakable = [0] * cols
    held = unbreakable_widths(tgroup)
    pending: dict[int, int] = {}
    for row in tgroup.findall(nodes.row):
        col = 0
        for entry in row.children:
            while col in pending:
                pending[col] -= 1
                if pending[col] == 0:
                    del pending[col]
                col += 1
            span = int(entry.get("morecols", 0)) + 1
            if entry.get("morerows"):
                for offset in range(span):
                    pending[col + offset] = int(entry["morerows"])
            if span == 1 and col < cols:
                lines = entry.astext().splitlines() or [""]
                longest[col] = max(longest[col], *(display_width(line) for line in lines))
                unbreakable[col] = max(unbreakable[col], held.get(id(entry), 0))
            col += span
        for rest in [c for c in pending if c >= col]:
            pending[rest] -= 1
            if pending[rest] == 0:
                del pending[rest]
    return longest, unbreakable


#: Table text is 10.5 pt (五号): one half-em (a Latin character) is 105 twips.
TWIPS_PER_HALF_EM = 105
#: A form's text is 10 pt (styles: FormText).
FORM_TWIPS_PER_HALF_EM = 100
#: A table too dense for 五号 is set in 小五 (9 pt): 90 twips a half-em.
COMPACT_TWIPS_PER_HALF_EM = 90
#: Word's default cell margins (2 × 108 twips).
CELL_MARGINS = 216
#: Word's default cell margins and a little slack for rounding in layout.
CELL_PADDING = 280
#: A column's share of spare width grows with its content up to 60 Chinese characters (a cell
#: longer than that wraps anyway).  Capped at 24, a process's 步骤 column (a name and a
#: sentence, 65 characters) got no more room than 下一步 (27) and ran to seven lines a row.
WEIGHT_CAP = 120
#: Text up to this many half-ems (6, then 4, 3, 2 Chinese characters: a date, a role, a deadline)
#: should not wrap — the first limit whose minimums fit the page applies.
NOWRAP_LIMITS = (12, 8, 6, 4)
#: A column whose longest line misses its width by at most this many half-ems (two Chinese
#: characters) is widened to hold it (see ``_close_small_gaps``).
ORPHAN_GAP = 4
#: A column of long text (more than 12 Chinese characters on a line) given room for fewer
#: than 6 a line reads as a strip of characters: its table is too dense for 五号.
LONG_TEXT, LEAST_ROOM = 24, 12


@dataclasses.dataclass(frozen=True)
class ColumnLayout:
    """A table's column widths (twips) and whether it is set in the compact 小五 text."""

    twips: list[int]
    compact: bool


def layout_columns(natural: list[int], total: int, unbreakable: list[int] | None = None) -> ColumnLayout:
    """Column widths for a table without given widths, in 五号 or, when that is too dense, 小五.

    Why: a table of seven columns at 五号 has room for 44 Chinese characters a row, and dates
    and document numbers kept whole take a third of it.  The reference list then had its titles
    four characters wide (a title over seven lines) and the revision history its summary two,
    one row filling a page.  Word documents set such tables in 小五, as a typesetter would.
    """
    regular = fit_column_widths(natural, total, unbreakable)
    if not _cramped(natural, regular, TWIPS_PER_HALF_EM):
        return ColumnLayout(regular, compact=False)
    smaller = fit_column_widths(natural, total, unbreakable, COMPACT_TWIPS_PER_HALF_EM)
    return ColumnLayout(smaller, compact=True)


def _cramped(natural: list[int], widths: list[int], half_em: int) -> bool:
    """Whether a column of long text got room for fewer than ``LEAST_ROOM`` half-ems a line."""
    return any(
        n > LONG_TEXT and (width - CELL_PADDING) // half_em < LEAST_ROOM
        for n, width in zip(natural, widths, strict=True)
    )


def fit_column_widths(
    natural: list[int],
    total: int,
    unbreakable: list[int] | None = None,
    half_em: int = TWIPS_PER_HALF_EM,
) -> list[int]:
    """Column widths in twips from each column's longest line (``natural``, in half-ems of
    ``half_em`` twips: the table text's size).

    Like a browser's automatic table layout: spare width goes to the columns with the most
    text, but no column is squeezed below a minimum that keeps short content on one line —
    short columns (序号, 版本, dates, roles) used to be cut to a character per line because
    the long columns took the width in proportion to their text.  Text that must not break
    (``unbreakable``, in half-ems: "35273-2020") sets a minimum of its own while it fits; when
    such minimums alone would fill the row they are given up (Word breaks that text then)
    rather than pressing every other column to a few characters.
    """
    if not natural:
        return []
    weight = [min(n, WEIGHT_CAP) * half_em + CELL_PADDING for n in natural]
    none_held = [0] * len(natural)
    held = unbreakable if unbreakable and len(unbreakable) == len(natural) else none_held
    floor = _floors(natural, held, total, half_em) or _floors(natural, none_held, total, half_em)
    if floor is None:
        return _proportional(_floor(natural, none_held, NOWRAP_LIMITS[-1], half_em), total)
    widths = _proportional(weight, total)
    fixed: set[int] = set()
    while True:
        short = {i for i in range(len(widths)) if i not in fixed and widths[i] < floor[i]}
        if not short:
            return _close_small_gaps(widths, natural, floor, half_em)
        fixed |= short
        free = [i for i in range(len(widths)) if i not in fixed]
        rest = total - sum(floor[i] for i in fixed)
        for i in fixed:
            widths[i] = floor[i]
        for i, share in zip(free, _proportional([weight[i] for i in free], rest), strict=True):
            widths[i] = share


def _close_small_gaps(widths: list[int], natural: list[int], floor: list[int], half_em: int) -> list[int]:
    """Widen a column whose longest line misses by at most ``ORPHAN_GAP`` half-ems, taking the
    room from the widest column whose longest line takes no more lines without it.

    Why: proportional shares left "信息科技运维人" / "员" in a 责任岗位 column, a line for one
    character, while the 要求 column beside it had room to spare on its last line.
    """
    need = [n * half_em + CELL_PADDING for n in natural]
    for i in sorted(range(len(widths)), key=lambda k: need[k] - widths[k]):
        gap = need[i] - widths[i]
        if gap <= 0 or gap > ORPHAN_GAP * half_em:
            continue
        donors = [
            j
            for j in range(len(widths))
            if j != i
            and widths[j] - gap >= floor[j]
            and _lines(natural[j], widths[j] - gap, half_em) == _lines(natural[j], widths[j], half_em)
        ]
        if donors:
            donor = max(donors, key=lambda j: widths[j])
            widths[donor] -= gap
            widths[i] += gap
    return widths


def _lines(half_ems: int, width: int, half_em: int) -> int:
    """Lines a text of ``half_ems`` takes in a column ``width`` twips wide."""
    room = max(1, width - CELL_PADDING)
    return max(1, -(-half_ems * half_em // room))


def _floors(natural: list[int], held: list[int], total: int, half_em: int) -> list[int] | None:
    """Each column's least width under the first of ``NOWRAP_LIMITS`` whose minimums fit ``total``."""
    for limit in NOWRAP_LIMITS:
        floor = _floor(natural, held, limit, half_em)
        if sum(floor) <= total:
            return floor
    return None


def _floor(natural: list[int], held: list[int], limit: int, half_em: int) -> list[int]:
    """Each column's least width (twips) keeping text up to ``limit`` half-ems and ``held`` whole."""
    return [max(min(n, limit), m) * half_em + CELL_PADDING for n, m in zip(natural, held, strict=True)]


def _proportional(weights: list[int], total: int) -> list[int]:
    """``total`` split in proportion to ``weights`` (never below 300 twips, about 5 mm)."""
    whole = sum(weights) or 1
    return [max(300, total * w // whole) for w in weights]


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
