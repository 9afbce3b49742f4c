"""Which paragraph introduces the table or list after it (kept on its page in PDF and DOCX)."""

from __future__ import annotations

from docutils import nodes

from manualkit.node_classes import introduces_next


def _section(*children: nodes.Node) -> nodes.section:
    section = nodes.section()
    section.extend(children)
    return section


def test_a_colon_before_a_table_or_list_introduces_it() -> None:
    intro = nodes.paragraph(text="评估从以下维度进行：")
    _section(intro, nodes.container("", nodes.table()))
    assert introduces_next(intro)
    intro = nodes.paragraph(text="处理步骤如下:")
    _section(intro, nodes.enumerated_list())
    assert introduces_next(intro)
    checklist = nodes.container(
        "", nodes.paragraph(text="CL-04-01 投诉办结检查清单"), classes=["mk-checklist"]
    )
    intro = nodes.paragraph(text="按以下清单逐项核对：")
    _section(intro, checklist)
    assert introduces_next(intro)
    chart = nodes.Element()
    chart.tagname = "graphviz"
    intro = nodes.paragraph(text="流程如下：")
    _section(intro, chart)
    assert introduces_next(intro)


def test_other_paragraphs_do_not() -> None:
    plain = nodes.paragraph(text="本章规定服务标准。")
    _section(plain, nodes.table())
    assert not introduces_next(plain)
    before_text = nodes.paragraph(text="如下：")
    _section(before_text, nodes.paragraph(text="正文。"))
    assert not introduces_next(before_text)
    last = nodes.paragraph(text="如下：")
    _section(last)
    assert not introduces_next(last)
