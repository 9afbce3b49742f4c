"""The manualkit Sphinx extension on the ``basic`` fixture manual: roles, directives, errors, rebuilds."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.ext.graphviz import graphviz

from conftest import SphinxRun, copy_fixture, run_sphinx, touch_later
from manualkit.durations import render_sla
from manualkit.models import ManualData
from manualkit.sphinx.domain import get_domain, get_manual_data
from manualkit.sphinx.formatting import render_reference, render_target, render_window
from manualkit.sphinx.helpers import (
    COLLECTIONS,
    DataIndex,
    UnknownIdError,
    date_in_text,
    document_number,
    lookup,
)


def resolved(run: SphinxRun, docname: str) -> nodes.document:
    return run.app.env.get_and_resolve_doctree(docname, run.app.builder)


def data_of(run: SphinxRun) -> ManualData:
    return get_manual_data(run.app.env)


def containers(tree: nodes.Node, cls: str) -> list[nodes.container]:
    return [c for c in tree.findall(nodes.container) if cls in c["classes"]]


def body_rows(table: nodes.table) -> list[nodes.row]:
    return [row for tbody in table.findall(nodes.tbody) for row in tbody.children]


def inline_texts(tree: nodes.Node, cls: str) -> list[str]:
    return [n.astext() for n in tree.findall(nodes.inline) if cls in n["classes"]]


# -- roles ---------------------------------------------------------------------------------------


def test_roles_render_data_values(basic_html: SphinxRun) -> None:
    data = data_of(basic_html)
    tree = resolved(basic_html, "01-complaints")
    assert render_sla(data.sla("complaint.general.resolve")) == "7个工作日"
    assert "7个工作日" in inline_texts(tree, "mk-role-sla")
    assert render_sla(data.sla("complaint.ack")) in inline_texts(tree, "mk-role-sla")
    assert "F-04-01 投诉受理登记表" in inline_texts(tree, "mk-role-form")
    assert render_reference(data.reference("reg.consumer.protection")) in inline_texts(tree, "mk-role-reg")
    # The number's year and serial stay on one line: "…令" / "〔2020〕第5号", never "第5" / "号".
    assert "〔2020〕第5号" in inline_texts(tree, "mk-nowrap")
    # A duration is never broken ("15个工作" / "日").  A form's id is left to the line breaker
    # (no break inside "F-04-01" in a browser or WeasyPrint): as a {nowrap} span its hyphens
    # became Word's non-breaking hyphens, which Word's Find does not match with "-".
    assert "7个工作日" in inline_texts(tree, "mk-nowrap")
    assert not any(text.startswith("F-04-01") for text in inline_texts(tree, "mk-nowrap"))
    assert inline_texts(tree, "mk-role-target") == [render_target(data.target("callback.rate"))] == ["100%"]
    assert inline_texts(tree, "mk-role-window") == [render_window(data.window("service.hours"))]
    assert inline_texts(tree, "mk-role-window") == ["工作日9:00—18:00"]


def test_linked_roles_point_at_table_rows_and_appendices(basic_html: SphinxRun) -> None:
    tree = resolved(basic_html, "01-complaints")
    targets = {
        ref.astext(): ref.get("refuri") or "#" + ref["refid"]
        for ref in tree.findall(nodes.reference)
        if any("mk-" in c for inline in ref.findall(nodes.inline) for c in inline["classes"])
    }
    # The chapter's own (filtered) table wins over the appendix's complete overview.
    assert targets["7个工作日"] == "#sla-complaint-general-resolve"
    assert targets["F-04-01 投诉受理登记表"] == "02-appendix.html#form-f-04-01"
    reg = next(text for text in targets if text.startswith("《金融消费者"))
    assert targets[reg] == "02-appendix.html#ref-reg-consumer-protection"


# -- directives ----------------------------------------------------------------------------------


def test_sla_table_filters_and_anchors_rows(basic_html: SphinxRun) -> None:
    data = data_of(basic_html)
    chapter = resolved(basic_html, "01-complaints")
    appendix = resolved(basic_html, "02-appendix")
    (filtered,) = containers(chapter, "mk-sla-table")
    (complete,) = containers(appendix, "mk-sla-table")
    tagged = [s for s in data.slas if "complaint" in s.tags]
    assert 0 < len(tagged) < len(data.slas)
    chapter_rows = body_rows(next(filtered.findall(nodes.table)))
    assert [r[0].astext() for r in chapter_rows] == [s.name for s in tagged]
    # Each anchor exists once: on the chapter's selection, which beats the complete overview;
    # the overview keeps the anchors of the SLAs no chapter table lists.
    assert [r["ids"] for r in chapter_rows] == [["sla-" + s.id.replace(".", "-")] for s in tagged]
    rows = body_rows(next(complete.findall(nodes.table)))
    assert [r["ids"] for r in rows] == [
        [] if s in tagged else ["sla-" + s.id.replace(".", "-")] for s in data.slas
    ]
    retention = next(r for r in rows if r["ids"] == ["sla-record-retention"])
    assert render_sla(data.sla("record.retention")) in retention.astext()  # 至少3年
    assert "至少3年" in retention.astext()


def test_sla_basis_says_when_the_cited_document_is_not_in_force(tmp_path: Path) -> None:
    """A compliance reader must not take an unverified or superseded text for settled law."""
    project = copy_fixture("basic", tmp_path)
    references = project / "data" / "references.yaml"
    text = references.read_text(encoding="utf-8")
    references.write_text(text.replace("status: in_force", "status: unverified", 1), encoding="utf-8")
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    data = data_of(run)
    sla = next(s for s in data.slas if s.source)
    assert data.reference(sla.source).status == "unverified"
    (table,) = containers(resolved(run, "02-appendix"), "mk-sla-table")
    row = next(r for r in body_rows(next(table.findall(nodes.table))) if r[0].astext() == sla.name)
    assert "）（待核实）" in row[5].astext()
    in_force = run_sphinx(copy_fixture("basic", tmp_path / "again"))
    (table,) = containers(resolved(in_force, "02-appendix"), "mk-sla-table")
    row = next(r for r in body_rows(next(table.findall(nodes.table))) if r[0].astext() == sla.name)
    assert "待核实" not in row[5].astext()


def test_home_section_table_wins_the_anchor(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n:::{sla-table}\n:section: complaint-handling\n:::\n",
        encoding="utf-8",
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert html.count('id="sla-complaint-general-resolve"') == 1
    appendix = (run.outdir / "02-appendix.html").read_text(encoding="utf-8")
    assert 'id="sla-complaint-general-resolve"' not in appendix
    assert 'href="01-complaints.html#sla-complaint-general-resolve"' in appendix
    assert 'id="sla-complaint-ack"' in html  # not in that section: the chapter's selection keeps it


def test_sla_table_chapter_filter(tmp_path: Path) -> None:
    """``:chapter:`` selects the SLAs whose home section is in a chapter: this one when empty,
    another one by document name; a misspelt chapter is an error naming the close ones."""
    project = copy_fixture("basic", tmp_path)
    slas = project / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    head, tail = text.split("- id: record.retention", 1)
    slas.write_text(
        head + "- id: record.retention" + tail.replace("complaint-handling", "all-slas", 1), encoding="utf-8"
    )
    chapter = project / "manual" / "01-complaints.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n:::{sla-table}\n:chapter:\n:::\n", encoding="utf-8"
    )
    appendix = project / "manual" / "02-appendix.md"
    appendix.write_text(
        appendix.read_text(encoding="utf-8")
        + "\n:::{sla-table}\n:chapter: 01-complaints\n:::\n\n:::{sla-table}\n:chapter: 01-complaint\n:::\n",
        encoding="utf-8",
    )
    run = run_sphinx(project)
    data = data_of(run)
    in_chapter = [s.name for s in data.slas if s.section in {"complaint-intake", "complaint-handling"}]
    assert len(in_chapter) == len(data.slas) - 1
    own = containers(resolved(run, "01-complaints"), "mk-sla-table")[-1]
    assert [r[0].astext() for r in body_rows(next(own.findall(nodes.table)))] == in_chapter
    tables = containers(resolved(run, "02-appendix"), "mk-sla-table")
    assert [r[0].astext() for r in body_rows(next(tables[-1].findall(nodes.table)))] == in_chapter
    assert "unknown chapter id '01-complaint'" in run.warnings
    assert "did you mean: 01-complaints" in run.warnings
    assert run.app.statuscode == 1


def test_form_is_printable(basic_html: SphinxRun) -> None:
    data = data_of(basic_html)
    form = data.form("F-04-01")
    tree = resolved(basic_html, "01-complaints")
    (layout,) = containers(tree, "mk-form")
    assert layout["ids"] == []  # the form's appendix section carries its anchor
    rows = [r for r in layout.findall(nodes.row) if "mk-field" in r["classes"]]
    assert [r[0].astext().removesuffix("（必填）") for r in rows] == [f.label for f in form.fields]
    # "（必填）" is one piece: a narrow label column printed "（必" / "填）".
    required = [r for r, f in zip(rows, form.fields, strict=True) if f.required]
    assert required and all(inline_texts(r[0], "mk-nowrap") == ["（必填）"] for r in required)
    phone = next(r for r, f in zip(rows, form.fields, strict=True) if f.type == "phone")
    assert "mk-field-phone" in phone["classes"] and phone[1].astext() == "□" * 11
    deadline = next(r for r, f in zip(rows, form.fields, strict=True) if f.sla)
    assert render_sla(data.sla("complaint.general.resolve")) in deadline[2].astext()
    signatures = [p for p in layout.findall(nodes.paragraph) if "mk-signature" in p["classes"]]
    assert [p.astext().split("签字")[0] for p in signatures] == [data.role(r).name for r in form.signatures]
    assert all("日期" in p.astext() for p in signatures)
    # Each option keeps its box, and each date blank its 年/月/日, on one line (the {nowrap} role).
    choice = next(r for r, f in zip(rows, form.fields, strict=True) if f.type == "choice")
    options = [n.astext() for n in choice[1].findall(nodes.inline) if "mk-nowrap" in n["classes"]]
    field = next(f for f in form.fields if f.type == "choice")
    assert options == [f"☐\u00a0{option}" for option in field.choices or []]
    for paragraph in signatures:
        # The line to sign on and the date each stay whole: on a phone the blank broke, leaving
        # "＿＿" alone on the date's line.
        blank, date = [n.astext() for n in paragraph.findall(nodes.inline) if "mk-nowrap" in n["classes"]]
        assert set(blank) == {"＿"} and date.startswith("日期：")


def test_each_chapter_shows_its_owner_and_review_date_under_its_title(basic_html: SphinxRun) -> None:
    """The front matter's owner (a role id) and review date, as readers say them."""
    tree = resolved(basic_html, "01-complaints")
    chapter = next(iter(tree.findall(nodes.section)))
    info = chapter[1]
    assert isinstance(info, nodes.paragraph) and "mk-chapter-info" in info["classes"]
    owner = data_of(basic_html).role("cs.supervisor").name
    assert info.astext() == f"本章文档信息：责任岗位 {owner}；下次复核日期 2026年1月1日"
    html = (basic_html.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert f'<p class="mk-chapter-info">本章文档信息：责任岗位 {owner}' in html
    index = resolved(basic_html, "index")  # no front matter: no line
    assert not [p for p in index.findall(nodes.paragraph) if "mk-chapter-info" in p["classes"]]


def test_home_page_document_control_says_page_not_chapter(tmp_path: Path) -> None:
    """The root page (前言, 使用说明) is no chapter: its line must not say "本章"."""
    project = copy_fixture("basic", tmp_path)
    index = project / "manual" / "index.md"
    index.write_text(
        "---\nowner: cs.supervisor\nreview_due: 2026-01-01\n---\n\n" + index.read_text("utf-8"), "utf-8"
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    (info,) = [
        p for p in resolved(run, "index").findall(nodes.paragraph) if "mk-chapter-info" in p["classes"]
    ]
    assert info.astext().startswith("本页文档信息：责任岗位 ")
    chapter = next(
        p
        for p in resolved(run, "01-complaints").findall(nodes.paragraph)
        if "mk-chapter-info" in p["classes"]
    )
    assert chapter.astext().startswith("本章文档信息：")


def test_site_references_to_sections_show_their_numbers(tmp_path: Path) -> None:
    """ "见“4.2.3 监管期限”" as in the PDF and the DOCX: the manual asks to cite sections by number
    and title.  A reference with text of its own keeps it; an unnumbered section has no number."""
    project = copy_fixture("basic", tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8")
        + "\n见“{ref}`glossary`”和“{ref}`appendix`”，另见{ref}`术语的说明 <glossary>`。\n",
        encoding="utf-8",
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    texts = [
        r.astext() for r in resolved(run, "01-complaints").findall(nodes.reference) if "std-ref" in str(r)
    ]
    assert {"2.2. 术语", "2. 附录", "术语的说明"} <= set(texts), texts


def test_pages_name_the_site_icon(basic_html: SphinxRun) -> None:
    """Without an icon link every page made the browser request /favicon.ico, a 404."""
    html = (basic_html.outdir / "index.html").read_text(encoding="utf-8")
    (href,) = re.findall(r'<link rel="shortcut icon" href="([^"]+)"', html)
    assert (basic_html.outdir / href).read_text(encoding="utf-8").startswith("<svg")


def test_glossary_anchors_are_named_after_the_terms_data_ids(tmp_path: Path) -> None:
    """Sphinx numbered them (#term-0, #term-1 …) in page order: a new term renumbered the ones
    after it, breaking bookmarks and links between versions.  {term} links and the search
    index's entries follow the new anchors."""
    project = copy_fixture("basic", tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n时限按{term}`工作日`计算。\n", encoding="utf-8"
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    (glossary,) = containers(resolved(run, "02-appendix"), "mk-glossary")
    anchors = {term.astext(): term["ids"] for term in glossary.findall(nodes.term)}
    assert anchors == {
        "工作日": ["term-working-day"],
        "净推荐值": ["term-nps"],
        "客户投诉": ["term-complaint"],
    }
    links = [
        r["refuri"] for r in resolved(run, "01-complaints").findall(nodes.reference) if r.astext() == "工作日"
    ]
    assert links == ["02-appendix.html#term-working-day"]
    index = (run.outdir / "searchindex.js").read_text(encoding="utf-8")
    assert '"term-working-day"' in index and '"term-0"' not in index


def test_checklist_items_are_tick_boxes(basic_html: SphinxRun) -> None:
    checklist = data_of(basic_html).checklist("CL-04-01")
    tree = resolved(basic_html, "01-complaints")
    (box,) = containers(tree, "mk-checklist")
    items = [p.astext() for p in box.findall(nodes.paragraph) if p.astext().startswith("☐ ")]
    assert [
        item.removeprefix("☐ ")[: len(i.text)] for item, i in zip(items, checklist.items, strict=True)
    ] == [i.text for i in checklist.items]
    assert "客服专员" in box.astext()  # owner role name
    assert any("24小时" in item for item in items)  # related SLA via render_sla
    # Each item is classed, so that its wrapped lines hang under its text, not under its box.
    classed = [p.astext() for p in box.findall(nodes.paragraph) if "mk-checklist-item" in p["classes"]]
    assert classed == items


def test_process_draws_flowchart_and_step_table(basic_html: SphinxRun) -> None:
    from manualkit.sphinx.directives import flowchart_label_lines

    process = data_of(basic_html).process("complaint.handling")
    tree = basic_html.app.env.get_doctree("01-complaints")
    (box,) = containers(tree, "mk-process")
    (chart,) = list(box.findall(graphviz))
    # Read out by screen readers and shown when the image fails: "投诉处理流程图", not "…流程流程图".
    assert process.title == "投诉处理流程" and chart["alt"] == "投诉处理流程图"
    code = chart["code"]
    for step in process.steps:
        assert step.name in code
    for branch in process.steps[1].next:
        # A padded HTML-like label: connectors keep clear of the condition's text.
        cell = "<br/>".join(flowchart_label_lines(branch.when))
        assert f'cellpadding="4"><tr><td>{cell}</td></tr></table>>]' in code
    table = next(box.findall(nodes.table))
    rows = body_rows(table)
    assert len(rows) == len(process.steps)
    assert "客服主管" in rows[2].astext()  # owner role name, not id
    # "转第2步" is one piece in the 下一步 column: "转第" / "2步" read as a broken cell.
    successors = [text for row in rows for text in inline_texts(row[-1], "mk-nowrap")]
    assert successors and all(re.fullmatch(r"转第\d+步", text) for text in successors)
    assert (basic_html.outdir / "_images").is_dir()
    assert any(p.suffix == ".svg" for p in (basic_html.outdir / "_images").iterdir())


def test_every_id_is_on_one_element_of_its_page(basic_html: SphinxRun) -> None:
    """furo copies a table's ids onto its scrolling wrapper; each id must stay unique."""
    from lxml import html

    pages = sorted(basic_html.outdir.glob("*.html"))
    checked = 0
    for page in pages:
        root = html.parse(str(page)).getroot()
        ids = [element.get("id") for element in root.iter() if element.get("id")]
        assert len(ids) == len(set(ids)), (page.name, sorted({i for i in ids if ids.count(i) > 1}))
        for wrapper in root.find_class("table-wrapper"):
            (table,) = wrapper.findall("table")
            checked += bool(table.get("id"))
            assert wrapper.get("id") is None
    assert checked, "the step table of a process has a caption, so an id"


def test_form_table_keeps_the_column_widths_its_template_gives(basic_html: SphinxRun) -> None:
    """The label, blank and note columns are 24/41/35 % on screen and paper, not auto-sized."""
    from lxml import html

    root = html.parse(str(basic_html.outdir / "01-complaints.html")).getroot()
    (table,) = [t for t in root.iter("table") if "mk-fields" in t.get("class", "").split()]
    assert "colwidths-auto" not in table.get("class", "").split()
    widths = [col.get("style", "").removeprefix("width: ").removesuffix("%") for col in table.iter("col")]
    assert [float(width) for width in widths] == [24, 41, 35]


def test_table_cells_hold_data_with_pipes_and_markup_as_text(tmp_path: Path) -> None:
    """Fragment tables are pipe tables: a "|" or "*" in a data value must stay text in its cell."""
    project = copy_fixture("basic", tmp_path)
    forms = project / "data" / "forms.yaml"
    forms.write_text(
        forms.read_text(encoding="utf-8").replace("help: 如实记录客户诉求", "help: '记录 A|B 与 *原话* `x`'"),
        encoding="utf-8",
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    (layout,) = containers(run.app.env.get_doctree("01-complaints"), "mk-form")
    table = next(layout.findall(nodes.table))
    rows = [r for r in body_rows(table) if r[0].astext() == "投诉内容"]
    assert [len(r) for r in rows] == [3]
    assert rows[0][2].astext() == "记录 A|B 与 *原话* `x`"


def test_share_table_adds_up(basic_html: SphinxRun) -> None:
    tree = basic_html.app.env.get_doctree("01-complaints")
    (box,) = containers(tree, "mk-share-table")
    rows = body_rows(next(box.findall(nodes.table)))
    assert rows[-1].astext().split() == ["合计", "100%"]


def test_appendix_lists(basic_html: SphinxRun) -> None:
    data = data_of(basic_html)
    tree = resolved(basic_html, "02-appendix")
    (glossary,) = containers(tree, "mk-glossary")
    assert {t.astext() for t in glossary.findall(nodes.term)} == {t.term for t in data.glossary}
    # Dictionary (pinyin) order — gōngzuòrì, jìng tuījiànzhí, kèhù tóusù — not data or code-point
    # order (净 U+51C0 < 客 U+5BA2 < 工 U+5DE5).
    assert [t.astext() for t in glossary.findall(nodes.term)] == ["工作日", "净推荐值", "客户投诉"]
    (refs,) = containers(tree, "mk-references")
    assert [r["ids"] for r in body_rows(next(refs.findall(nodes.table)))] == [
        ["ref-" + r.id.replace(".", "-")] for r in data.references
    ]
    (revisions,) = containers(tree, "mk-revisions")
    rows = body_rows(next(revisions.findall(nodes.table)))
    assert [r[0].astext() for r in rows] == [r.version for r in data.revisions]
    assert "下列文件同时废止：《旧版投诉管理规定》" in revisions.astext()
    (attachments,) = containers(tree, "mk-attachments")
    rows = body_rows(next(attachments.findall(nodes.table)))
    assert [(r[0].astext(), r[1].astext()) for r in rows] == [
        (f"附件{n}", f.id) for n, f in enumerate(data.forms, start=1)
    ]
    titles = [next(r[2].findall(nodes.reference)) for r in rows]  # {form}`title <id>`: explicit title
    assert [(t.astext(), t["refid"]) for t in titles] == [
        (f.title, f"form-{f.id.lower()}") for f in data.forms
    ]


def test_revision_history_keeps_a_section_removed_since(tmp_path: Path) -> None:
    """A released revision's change to a section merged away later must still build (MK707: its
    record is history): the section is named as removed; an existing one links by its title."""
    project = copy_fixture("basic", tmp_path)
    revisions = project / "data" / "revisions.yaml"
    text = revisions.read_text(encoding="utf-8")
    removed = (
        "    - {section: complaint-old-rules, description: 旧规则并入投诉处理一节}\n"
        "    - {section: complaint-old-forms, title: '投诉<旧>表单 | `附表`', description: 旧表单并入附件}\n"
    )
    revisions.write_text(text.replace("  repeals:", removed + "  repeals:", 1), encoding="utf-8")

    run = run_sphinx(project)

    assert run.error is None and "complaint-old-rules" not in run.warnings, run.warnings
    (history,) = containers(resolved(run, "02-appendix"), "mk-revisions")
    items = [item.astext() for item in history.findall(nodes.list_item)]
    assert "complaint-old-rules（本节已删除）：旧规则并入投诉处理一节" in items
    # Named by the title it had when the entry gives it, as written (markup-free, one line).
    assert "投诉〈旧〉表单 | '附表'（本节已删除）：旧表单并入附件" in items, items
    links = [
        ref
        for ref in history.findall(nodes.reference)
        if ref.get("refuri", "").endswith("#complaint-handling")
    ]
    assert links and "complaint-handling" not in links[0].astext()  # the section's title, linked


def test_a_form_a_revision_covers_is_marked_in_its_appendix(tmp_path: Path) -> None:
    """A changed form recorded with ``covers`` told its readers nothing: no marker anywhere."""
    project = copy_fixture("basic", tmp_path)
    revisions = project / "data" / "revisions.yaml"
    text = revisions.read_text(encoding="utf-8").replace(
        "description: 办结时限改为7个工作日}", "description: 办结时限改为7个工作日, covers: [F-04-02]}"
    )
    revisions.write_text(text, encoding="utf-8")
    conf = project / "conf.py"
    conf.write_text(
        conf.read_text(encoding="utf-8").replace(
            '"manualkit.sphinx"]', '"manualkit.sphinx.revision_markers"]'
        ),
        encoding="utf-8",
    )

    tree = run_sphinx(project).app.env.get_doctree("02-appendix")

    marked = {
        section["ids"][0]: [p.astext() for p in section.children if "mk-revised" in p.get("classes", ())]
        for section in tree.findall(nodes.section)
        if section["ids"] and section["ids"][0].startswith("form-")
    }
    assert marked == {"form-f-04-01": [], "form-f-04-02": ["本表于 v1.1 修订：办结时限改为7个工作日"]}


def test_form_appendices_are_numbered_sections(basic_html: SphinxRun) -> None:
    data = data_of(basic_html)
    tree = basic_html.app.env.get_doctree("02-appendix")
    sections = [s for s in tree.findall(nodes.section) if s["ids"] and s["ids"][0].startswith("form-f-")]
    assert [s["ids"][0] for s in sections] == ["form-" + f.id.lower() for f in data.forms]
    assert sections[0][0].astext() == f"附件1\u3000F-04-01 {data.forms[0].title}"
    assert containers(sections[0], "mk-form")
    numbers = basic_html.app.env.toc_secnumbers["02-appendix"]
    assert numbers["#form-f-04-01"] and numbers["#form-f-04-02"][-1] == numbers["#form-f-04-01"][-1] + 1


# -- HTML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["index.html", "01-complaints.html", "02-appendix.html", "search.html"])
def test_every_page_shows_document_control(basic_html: SphinxRun, page: str) -> None:
    meta = data_of(basic_html).meta
    html = (basic_html.outdir / page).read_text(encoding="utf-8")
    assert f'<span class="mk-docinfo-number">{meta.document_number}</span>' in html
    assert f'<span class="mk-docinfo-version">{meta.version}</span>' in html
    assert "2025年3月1日" in html  # effective date of the fixture
    assert "_static/manualkit.css" in html
    # Only a released page sits in a site with a version-status.css: no request for a missing file.
    assert "version-status.css" not in html and "mk-static-status" not in html


def test_page_furniture_is_in_chinese(basic_html: SphinxRun) -> None:
    """furo's navigation words and the footer read in Chinese, with the organisation named."""
    html = (basic_html.outdir / "01-complaints.html").read_text(encoding="utf-8")
    english_words = ("On this page", "Back to top", "<span>Previous</span>", "Copyright &#169;")
    english_words += ("Link to this",)
    for english in english_words:
        assert english not in html
    for chinese in ("本页目录", "返回顶部", "上一章", 'title="链接到此标题"'):
        assert chinese in html
    assert "Made with" not in html
    # furo's hard-coded screen-reader labels and icon titles, in Chinese too.
    for label in ("Toggle site navigation sidebar", "Toggle Light / Dark", "<title>Light mode</title>"):
        assert label not in html
    assert 'aria-label="显示或隐藏导航栏"' in html and "<title>深色模式</title>" in html
    # A link to an SLA shows the SLA's name on hover, never its internal data id.
    sla = data_of(basic_html).sla("complaint.general.resolve")
    assert f'title="{sla.name}"' in html and 'title="complaint.general.resolve"' not in html
    assert f"&#169; {data_of(basic_html).meta.organisation}" in html
    # Sphinx 8.2's search status line has no zh_CN entry: our catalogue patch loads after Sphinx's.
    search = (basic_html.outdir / "search.html").read_text(encoding="utf-8")
    assert search.index("_static/translations.js") < search.index("_static/manualkit-l10n.js")
    script = (basic_html.outdir / "_static" / "manualkit-l10n.js").read_text(encoding="utf-8")
    assert "Search finished, found ${resultCount} pages matching the search query." in script


def test_general_index_is_in_pinyin_order_under_latin_initials(basic_html: SphinxRun) -> None:
    """Not one heading per Chinese character in code-point order: 工作日 under G, 客户投诉 under K."""
    from manualkit.sphinx.index_order import regroup

    html = (basic_html.outdir / "genindex.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == sorted(headings) and {"G", "J", "K"} <= set(headings)
    assert "符号" not in headings  # 《…》 of a cited document is no symbol
    assert html.index("工作日") < html.index("<h2>J</h2>") < html.index("净推荐值")
    assert html.index("净推荐值") < html.index("<h2>K</h2>") < html.index("客户投诉")
    entry = ("SLA", ([], [], None))
    groups = [("工", [("工作日", ([], [], None))]), ("S", [entry]), ("7", [("7天", ([], [], None))])]
    assert [(letter, [name for name, _ in group]) for letter, group in regroup(groups)] == [
        ("符号", ["7天"]),
        ("G", ["工作日"]),
        ("S", ["SLA"]),
    ]


def test_general_index_names_forms_checklists_flowcharts_deadlines_and_cited_documents(
    basic_html: SphinxRun,
) -> None:
    """Staff look up 投诉受理登记表 under T: each object is listed by name and kind, linked to the
    place every link to it in the text lands on (its home, chosen by the domain)."""
    html = (basic_html.outdir / "genindex.html").read_text(encoding="utf-8")
    data = data_of(basic_html)
    domain = get_domain(basic_html.app.env)
    expected = [
        *((f"{form.title}（表单 {form.id}）", domain.location_of("form", form.id)) for form in data.forms),
        *((f"{c.title}（检查清单 {c.id}）", domain.location_of("checklist", c.id)) for c in data.checklists),
        *((f"{p.title}（流程图）", domain.location_of("process", p.id)) for p in data.processes),
        *((f"{sla.name}（服务时限）", domain.location_of("sla", sla.id)) for sla in data.slas),
        *((f"《{r.title}》", domain.location_of("reg", r.id)) for r in data.references),
    ]
    for name, home in expected:
        assert home is not None, name
        docname, anchor = home
        link = f'<a href="{docname}.html#{anchor}">'
        assert f"{link}{name}" in html, name
    # Under its pinyin initial: 投诉受理登记表 under T.
    letters = [(m.start(), m.group(1)) for m in re.finditer(r"<h2>([^<]+)</h2>", html)]
    form = html.index(f"{data.forms[0].title}（表单")
    assert data.forms[0].title.startswith("投诉")
    assert [letter for start, letter in letters if start < form][-1] == "T"


def test_every_page_links_to_the_index_and_the_index_says_what_it_lists(basic_html: SphinxRun) -> None:
    """furo links the index from no page: staff could not find it."""
    for page in sorted(basic_html.outdir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        if 'class="sidebar-drawer"' not in html:
            continue  # a redirect or a fragment, not a page of the site
        extra = html[html.index('class="sidebar-tree mk-sidebar-index"') :]
        link = re.search(r'<a class="reference internal" href="([^"]*)">([^<]*)</a>', extra)
        assert link is not None, page.name
        target = "#" if page.name == "genindex.html" else "genindex.html"
        assert link.groups() == (target, "索引"), page.name
    index = (basic_html.outdir / "genindex.html").read_text(encoding="utf-8")
    assert "加粗的是术语表中的术语" in index


def test_a_review_draft_says_so_on_every_page_until_its_approval_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built before 1.1's approval day, every page's document bar says 送审稿; the build after
    the approval rewrites every page without it, though no source changed."""
    from manualkit.review_draft import DRAFT_MARK

    project = copy_fixture("basic", tmp_path)
    approved = data_of(run_sphinx(project, "dummy")).current_revision
    assert approved is not None
    noon = dt.datetime(approved.approved_on.year, approved.approved_on.month, approved.approved_on.day, 12)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(noon.replace(tzinfo=dt.UTC).timestamp()) - 86400))
    draft = run_sphinx(project, fresh=False)
    assert draft.error is None, draft.warnings
    pages = sorted(draft.outdir.glob("*.html"))
    assert len(pages) > 3
    badge = f'<strong class="mk-docinfo-item mk-docinfo-draft">{DRAFT_MARK}</strong>'
    assert [page.name for page in pages if badge not in page.read_text(encoding="utf-8")] == []
    # The revision table, like the cover, gives the draft's approval day as planned.
    day = f"{approved.approved_on.year}年{approved.approved_on.month}月{approved.approved_on.day}日"
    appendix = draft.outdir / "02-appendix.html"

    def revision_rows() -> list[str]:
        from lxml import html

        page = html.parse(str(appendix))
        return [" ".join(row.text_content().split()) for row in page.xpath("//table//tr[td]")]

    assert any(f"拟于{day}" in row for row in revision_rows()), revision_rows()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(noon.replace(tzinfo=dt.UTC).timestamp())))
    approved_build = run_sphinx(project, fresh=False)
    assert approved_build.error is None, approved_build.warnings
    assert [page.name for page in pages if DRAFT_MARK in page.read_text(encoding="utf-8")] == []
    rows = revision_rows()  # read again, though no source changed
    assert any(day in row for row in rows) and not any("拟于" in row for row in rows), rows


def test_search_results_name_object_types_without_the_domain(basic_html: SphinxRun) -> None:
    domain = get_domain(basic_html.app.env)
    assert domain.get_type_name(domain.object_types["form"]) == "表单"


def test_print_stylesheet_and_numbered_chapters(basic_html: SphinxRun) -> None:
    css = (basic_html.outdir / "_static" / "manualkit.css").read_text(encoding="utf-8")
    assert "@media print" in css
    assert basic_html.app.env.toc_secnumbers["01-complaints"]["#complaint-intake"] == (1, 1)


# -- errors --------------------------------------------------------------------------------------


def test_lookups_by_id_find_every_item_of_every_kind(basic_html: SphinxRun) -> None:
    """The per-build index answers as a search through the data would, for every id."""
    data = data_of(basic_html)
    index = DataIndex(data)
    for kind, collection in COLLECTIONS.items():
        items = collection(data)
        assert items, f"the fixture has no {kind}"
        for item in items:
            assert lookup(index, kind, item.id) is item
        with pytest.raises(UnknownIdError) as raised:
            lookup(index, kind, items[0].id + "x")
        assert items[0].id in str(raised.value)  # "did you mean" names the close id


def test_unknown_ids_are_errors_at_source_line(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    text += "\n一般投诉应在{sla}`complaint.genral.resolve`内办结。\n\n:::{form} F-04-11\n:::\n"
    chapter.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    role_line = next(n for n, line in enumerate(lines, 1) if "complaint.genral" in line)
    form_line = next(n for n, line in enumerate(lines, 1) if "F-04-11" in line)
    run = run_sphinx(project)
    assert (
        f"01-complaints.md:{role_line}: ERROR: unknown SLA id 'complaint.genral.resolve' "
        "(did you mean: complaint.general.resolve?)"
    ) in run.warnings
    assert f"01-complaints.md:{form_line}: ERROR: form: unknown form id 'F-04-11'" in run.warnings
    assert "did you mean: F-04-01" in run.warnings
    assert run.app.statuscode == 1  # fails even without -W
    # In the live preview (the page is still written) the unknown id stands out, styled.
    page = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert '<span class="mk-unknown">complaint.genral.resolve</span>' in page
    css = (run.outdir / "_static" / "manualkit.css").read_text(encoding="utf-8")
    assert re.search(r"\.mk-unknown \{[^}]*color: #b00020", css)

    again = run_sphinx(project, fresh=False)  # incremental: the page is read again, the error stays
    assert "unknown SLA id 'complaint.genral.resolve'" in again.warnings
    assert again.app.statuscode == 1


def test_data_errors_stop_the_build_with_locations(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    slas = project / "data" / "slas.yaml"
    slas.write_text(slas.read_text(encoding="utf-8").replace("value: 7,", "value: -7,"), encoding="utf-8")
    run = run_sphinx(project)
    assert run.error is not None and "manualkit data error" in str(type(run.error).category)
    assert "data/slas.yaml:" in run.warnings
    assert not (run.outdir / "01-complaints.html").exists()


def test_editing_data_rebuilds_dependent_pages(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    first = run_sphinx(project)
    assert first.error is None, first.warnings
    doctrees = first.outdir / ".doctrees"
    before = {name: (doctrees / f"{name}.doctree").stat().st_mtime_ns for name in ("index", "01-complaints")}

    slas = project / "data" / "slas.yaml"
    slas.write_text(slas.read_text(encoding="utf-8").replace("value: 7,", "value: 5,"), encoding="utf-8")
    touch_later(slas)
    second = run_sphinx(project, fresh=False)
    assert second.error is None, second.warnings
    assert (doctrees / "01-complaints.doctree").stat().st_mtime_ns > before["01-complaints"]
    assert (doctrees / "index.doctree").stat().st_mtime_ns == before["index"]  # uses no SLA
    assert "5个工作日" in inline_texts(resolved(second, "01-complaints"), "mk-role-sla")
    assert "5个工作日" in (second.outdir / "01-complaints.html").read_text(encoding="utf-8")

    # A new glossary term changes the search dictionary: every page is indexed again.
    glossary = project / "data" / "glossary.yaml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8") + "- {id: callback, term: 回访闭环, definition: 办结后回访。}\n",
        encoding="utf-8",
    )
    touch_later(glossary)
    index_before = (doctrees / "index.doctree").stat().st_mtime_ns
    third = run_sphinx(project, fresh=False)
    assert third.error is None, third.warnings
    assert (doctrees / "index.doctree").stat().st_mtime_ns > index_before


def test_domain_merges_parallel_reads(basic_html: SphinxRun) -> None:
    domain = get_domain(basic_html.app.env)
    saved = dict(domain.objects)
    try:
        other = {"candidates": {"sla:x.y": {"other-doc": ("sla-x-y", 0)}, "sla:z": {"ignored": ("sla-z", 0)}}}
        domain.merge_domaindata({"other-doc"}, other)
        assert domain.location_of("sla", "x.y") == ("other-doc", "sla-x-y")
        assert domain.location_of("sla", "z") is None
        domain.clear_doc("other-doc")
        assert domain.location_of("sla", "x.y") is None
    finally:
        domain.data["objects"] = saved


def test_only_html_builders_build_a_search_index(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    run = run_sphinx(project, "singlehtml")
    assert run.error is None, run.warnings
    assert run.app.builder.search is False
    assert not (run.outdir / ".doctrees" / "manualkit-jieba-dict.txt").exists()


def test_project_templates_override_shipped_fragments(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    fragments = project / "templates" / "fragments"
    fragments.mkdir(parents=True)
    (fragments / "share-table.md.j2").write_text(
        "{% for part in share.parts %}\n{{ part.label }}占{{ mk.percent(part.percent) }}。\n\n{% endfor %}\n",
        encoding="utf-8",
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    tree = run.app.env.get_doctree("01-complaints")
    (box,) = containers(tree, "mk-share-table")
    share = data_of(run).share("complaint.category.share")
    assert [p.astext() for p in box.findall(nodes.paragraph)] == [
        f"{p.label}占{p.percent:g}%。" for p in share.parts
    ]
    assert containers(tree, "mk-form")  # the other fragments still come from the shipped templates


def test_editing_a_fragment_template_rebuilds_the_pages_using_it(tmp_path: Path) -> None:
    """A changed template must reach the site on the next incremental build, not only after a
    clean one (the 8.2 decisions list once stayed invisible that way)."""
    project = copy_fixture("basic", tmp_path)
    fragments = project / "templates" / "fragments"
    fragments.mkdir(parents=True)
    template = fragments / "share-table.md.j2"
    template.write_text(
        "{% for part in share.parts %}\n{{ part.label }}。\n\n{% endfor %}\n", encoding="utf-8"
    )
    first = run_sphinx(project)
    assert first.error is None, first.warnings
    template.write_text(
        "{% for part in share.parts %}\n{{ part.label }}：修订后。\n\n{% endfor %}\n", encoding="utf-8"
    )
    touch_later(template)
    second = run_sphinx(project, fresh=False)
    assert second.error is None, second.warnings
    (box,) = containers(second.app.env.get_doctree("01-complaints"), "mk-share-table")
    assert all(p.astext().endswith("：修订后。") for p in box.findall(nodes.paragraph))
    assert "修订后" in (second.outdir / "01-complaints.html").read_text(encoding="utf-8")


def test_long_branch_labels_are_set_on_short_lines() -> None:
    """One long label beside a curved connector got crossed by it: about ten characters a line."""
    from manualkit.sphinx.directives import flowchart_label_lines
    from manualkit.templating import dot_edge_label

    assert flowchart_label_lines("需要后续跟踪的业务（理财、贷款等）") == [
        "需要后续跟踪的业务",
        "（理财、贷款等）",
    ]
    assert flowchart_label_lines("客户不满意的，转入投诉处理流程并记录") == [
        "客户不满意的，",
        "转入投诉处理",
        "流程并记录",
    ]
    assert flowchart_label_lines("紧急投诉") == ["紧急投诉"]
    label = str(dot_edge_label(["A&B <新>", "（理财）"]))
    assert label.endswith("<tr><td>A&amp;B &lt;新&gt;<br/>（理财）</td></tr></table>>")
    assert "".join(flowchart_label_lines("一二三四五六七八九十" * 3)) == "一二三四五六七八九十" * 3


def test_a_date_inside_a_cell_breaks_only_after_its_year() -> None:
    """Kept whole, the dates in the revision history's 起草 and 审核 cells ran into the next
    column of the PDF and set the width of those columns in the DOCX."""
    assert date_in_text(dt.date(2026, 11, 6)) == "{nowrap}`2026年`{nowrap}`11月6日`"
    assert date_in_text(None) == ""


def test_document_numbers_break_only_between_their_latin_parts() -> None:
    """In the reference list's narrow 文号 column "GB/T 35273-2020" printed as "35273-202" / "0"."""
    assert document_number("GB/T 35273-2020") == "{nowrap}`GB/T` {nowrap}`35273-2020`"
    # A Chinese number breaks after its issuer, never inside its year and serial.
    assert document_number("中国人民银行令〔2020〕第5号") == "中国人民银行令{nowrap}`〔2020〕第5号`"
    assert document_number("中国银保监会令2020年第3号") == "中国银保监会令{nowrap}`2020年第3号`"
    long_tail = document_number("某某文件（二〇二〇年度第三批补充规定之一）")
    assert "nowrap" not in long_tail


def test_deleting_the_table_a_deadline_is_linked_to_moves_its_links_to_the_next_table(tmp_path: Path) -> None:
    """The complaint table of chapter 1 carries the deadline's anchor; the overview in the
    appendix lists it too.  Delete the chapter's table: an incremental build re-reads only chapter
    1, and must link the deadline to the overview's row as a fresh build does (it lost the row's
    anchor and every link to it until a fresh build)."""
    project = copy_fixture("basic", tmp_path)
    first = run_sphinx(project)
    assert first.error is None, first.warnings
    assert get_domain(first.app.env).location_of("sla", "complaint.general.resolve") == (
        "01-complaints",
        "sla-complaint-general-resolve",
    )
    chapter = project / "manual" / "01-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    table = ":::{sla-table}\n:tags: complaint\n:::\n"
    assert table in text
    chapter.write_text(text.replace(table, ""), encoding="utf-8")
    touch_later(chapter)
    rebuilt = run_sphinx(project, fresh=False)
    assert rebuilt.error is None, rebuilt.warnings
    fresh = run_sphinx(project, outdir=tmp_path / "fresh", fresh=True)
    assert fresh.error is None, fresh.warnings
    anchor = 'href="02-appendix.html#sla-complaint-general-resolve"'
    for run in (fresh, rebuilt):
        assert 'id="sla-complaint-general-resolve"' in (run.outdir / "02-appendix.html").read_text(
            encoding="utf-8"
        )
        assert anchor in (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
