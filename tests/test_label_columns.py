"""Which tables keep their first column's labels on one line (``manualkit.sphinx.label_columns``)."""

from __future__ import annotations

from docutils import nodes

from conftest import SphinxRun
from manualkit.node_classes import SHORT_LABELS_CLASS
from manualkit.sphinx.label_columns import has_short_labels


def _table(*firsts: str, classes: tuple[str, ...] = (), cols: int = 3) -> nodes.table:
    rows = [
        nodes.row(
            "", *(nodes.entry("", nodes.paragraph(text=text)) for text in (first, "说明", "要求")[:cols])
        )
        for first in firsts
    ]
    group = nodes.tgroup(
        "", *(nodes.colspec(colwidth=1) for _ in range(cols)), nodes.tbody("", *rows), cols=cols
    )
    return nodes.table("", group, classes=list(classes))


def test_labels_of_up_to_eight_characters_on_one_line() -> None:
    assert has_short_labels(_table("服务类", "系统与技术类", "客户信息变更审批"))  # 8 characters
    assert not has_short_labels(_table("服务类", "业务办理准确性综合评价"))  # 10 characters: a sentence
    assert not has_short_labels(_table("服务类", "系统\n技术类"))  # written on two lines
    assert has_short_labels(_table("1", "GB/T 35273-2020"))  # 15 half-ems
    assert not has_short_labels(_table("服务类", classes=("mk-sla-rows",)))  # generated: own widths
    assert not has_short_labels(_table("服务类", cols=1))
    assert not has_short_labels(nodes.table("", nodes.tgroup("", nodes.tbody(), cols=2)))


def test_a_chapters_table_is_marked_and_the_generated_ones_are_not(basic_html: SphinxRun) -> None:
    doctree = basic_html.app.env.get_doctree("01-complaints")
    marked = [table for table in doctree.findall(nodes.table) if SHORT_LABELS_CLASS in table["classes"]]
    assert [table.next_node(nodes.entry).astext() for table in marked] == ["类别"]
    generated = [table for table in doctree.findall(nodes.table) if table not in marked]
    assert generated and all(any(c.startswith("mk-") for c in table["classes"]) for table in generated)
