"""A chapter's table whose first column holds short labels keeps each label on one line.

Prose tables (类别 | 含义 | 示例 …) are laid out automatically, and a browser or WeasyPrint
gives the label column no more than a minimum once the sentences beside it take the row: the
PDF printed "系统与技术" / "类" and "政策与流程" / "类".  A table whose every body row starts
with a label of at most ``LABEL_MAX_WIDTH`` half-ems (eight Chinese characters) on one line is
classed ``mk-short-labels`` while it is read; the site's and the PDF's style sheets keep that
column's cells unbroken and the DOCX writer sizes the column to its longest label.  The tables
manualkit generates from data (classed ``mk-…``) size their columns themselves.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

from manualkit.cjk_text import display_width
from manualkit.node_classes import LABEL_MAX_WIDTH, SHORT_LABELS_CLASS


def has_short_labels(table: nodes.table) -> bool:
    """Whether every body row of ``table`` starts with a one-line label of at most eight characters."""
    if any(cls.startswith("mk-") for cls in table["classes"]):
        return False
    groups = [child for child in table.children if isinstance(child, nodes.tgroup)]
    if len(groups) != 1 or int(groups[0].get("cols", 0)) < 2:
        return False
    rows = [row for part in groups[0].children if isinstance(part, nodes.tbody) for row in part.children]
    if not rows:
        return False
    for row in rows:
        first = row.children[0] if isinstance(row, nodes.row) and row.children else None
        if not isinstance(first, nodes.entry) or first.get("morecols") or first.get("morerows"):
            return False
        text = first.astext().strip()
        if "\n" in text or display_width(text) > LABEL_MAX_WIDTH:
            return False
    return True


class MarkShortLabelColumns(SphinxTransform):
    """Class ``mk-short-labels`` on each table whose first column holds short labels."""

    default_priority = 700

    def apply(self, **kwargs: Any) -> None:
        for table in self.document.findall(nodes.table):
            if has_short_labels(table) and SHORT_LABELS_CLASS not in table["classes"]:
                table["classes"].append(SHORT_LABELS_CLASS)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(MarkShortLabelColumns)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
