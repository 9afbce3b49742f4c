"""The printed generated tables get column widths fitted to their content (``pdf_tree``)."""

from __future__ import annotations

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from manualkit.builders.pdf_tree import PRINT_TABLE_HALF_EM, fit_generated_columns
from manualkit.cjk_text import display_width
from manualkit.column_layout import CELL_PADDING

_HEAD = ("事项", "起算", "截止", "时限", "责任岗位", "依据")
_ROW = (
    "信息安全培训周期",
    "上一次信息安全培训完成",
    "下一次信息安全培训完成",
    "每年",
    "信息安全管理员",
    "《关于加强金融机构客户信息安全管理的通知》（待核实）",
)


def _table(cls: str) -> nodes.table:
    def row(cells: tuple[str, ...]) -> nodes.row:
        return nodes.row("", *(nodes.entry("", nodes.paragraph(text=text)) for text in cells))

    specs = [nodes.colspec(colwidth=1) for _ in _HEAD]
    group = nodes.tgroup("", *specs, nodes.thead("", row(_HEAD)), nodes.tbody("", row(_ROW)), cols=len(_HEAD))
    return nodes.table("", group, classes=[cls, "colwidths-auto"])


def _document(*tables: nodes.table) -> nodes.document:
    document = new_document("<test>", get_default_settings(Parser))
    document.extend(tables)
    return document


def _widths(table: nodes.table) -> list[int]:
    return [int(spec["colwidth"]) for spec in table.findall(nodes.colspec)]


def test_an_sla_tables_columns_follow_its_content() -> None:
    """With fixed percentages the 时限 column held "每年" in 12 % of the row, 依据 ran to four
    lines and "信息安全管理员" broke before its last character."""
    sla, references = _table("mk-sla-rows"), _table("mk-reference-rows")
    fit_generated_columns(_document(sla, references))
    widths = _widths(sla)
    assert "colwidths-given" in sla["classes"] and "colwidths-auto" not in sla["classes"]
    assert widths[3] < min(widths[1], widths[2], widths[5])  # 时限 "每年" is the narrowest text
    assert widths[4] >= display_width("信息安全管理员") * PRINT_TABLE_HALF_EM + CELL_PADDING
    assert widths[5] == max(widths)  # the longest text gets the most room
    # The reference list keeps the widths its style sheet sets by hand.
    assert _widths(references) == [1] * len(_HEAD) and "colwidths-auto" in references["classes"]
