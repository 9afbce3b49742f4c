"""The DOCX builder, checked the way a user would: python-docx and LibreOffice read the file.

The fixture manual (tests/fixtures/docx) has three chapters with nested lists, a merged-cell
grid table, an admonition, a footnote, cross-references, a glossary, a literal block and the
manualkit directives (sla role, sla-table, process flowchart, form, checklist).
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import threading
import weakref
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
from docutils import nodes
from lxml import etree
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util.docutils import docutils_namespace, patch_docutils

import manualkit.builders.docx as docx_builder
import manualkit.writers.docx.document as docx_document
import manualkit.writers.docx.parallel as docx_parallel
from manualkit.builders.docx import WRITE_PHASE_FILE
from manualkit.builders.flowchart_notes import FLOWCHARTS_ATTR
from manualkit.cjk_text import display_width
from manualkit.column_layout import (
    CELL_PADDING,
    LEAST_ROOM,
    TWIPS_PER_HALF_EM,
    fit_column_widths,
    text_width,
    unbreakable_widths,
)
from manualkit.node_classes import NOWRAP_CLASS
from manualkit.writers.docx.base import _starts_page
from manualkit.writers.docx.blocks import keep_together
from manualkit.writers.docx.document import TEXT_WIDTH
from manualkit.writers.docx.graphs import GraphRenderer, GraphvizError, render_dot_png
from manualkit.writers.docx.numbering import HeadingCounter
from manualkit.writers.docx.tables import (
    COMPACT_TWIPS_PER_HALF_EM,
    keep_rows_together,
    layout_columns,
    starts_own_line,
)
from ooxml_helpers import numbered_headings, word_would_repair

FIXTURE = Path(__file__).parent / "fixtures" / "docx"
UNKNOWN_FIXTURE = FIXTURE / "unknown"
ARTIFACTS = Path(__file__).parent / "artifacts"
#: The builds' day, 2025-06-15: after the fixture's approvals (an earlier day makes a review draft).
EPOCH = "1750000000"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
DOCX_NAME = "CS-OPS-TEST-001-v2.1.docx"
CHAPTER_TITLES = ("服务基础与规范", "投诉处理", "表单与检查清单")

pytestmark = pytest.mark.slow


@dataclass
class Build:
    status: int
    output: Path
    log: str
    warnings: str
    gc_threshold: tuple[int, ...] = ()

    def xml(self, member: str) -> etree._Element:
        with zipfile.ZipFile(self.output) as archive:
            return etree.fromstring(archive.read(member))


def build(
    project: Path,
    work: Path,
    *,
    warnings_are_errors: bool = False,
    overrides: dict[str, str] | None = None,
    on_env_updated: Callable[[Sphinx, object], None] | None = None,
) -> Build:
    """Run the ``docx`` builder on ``project`` with every output under ``work``.

    ``on_env_updated`` is connected to Sphinx's ``env-updated`` event: every document read,
    nothing written yet.
    """
    status, warnings = io.StringIO(), io.StringIO()
    threshold = gc.get_threshold()
    out_dir = work / "build"
    # docutils keeps roles/directives in process-wide registries: namespace them per build.
    with patch_docutils(str(project)), docutils_namespace():
        app = Sphinx(
            str(project / "manual"),
            str(project),
            str(work / "sphinx"),
            str(work / "doctrees"),
            "docx",
            confoverrides={"manualkit_output_dir": str(out_dir), **(overrides or {})},
            status=status,
            warning=warnings,
            freshenv=True,
            warningiserror=warnings_are_errors,
        )
        if on_env_updated is not None:
            app.connect("env-updated", on_env_updated)
        app.build()
    return Build(
        app.statuscode, out_dir / "docx" / DOCX_NAME, status.getvalue(), warnings.getvalue(), threshold
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        yield build(FIXTURE, tmp_path_factory.mktemp("docx"))


def test_build_writes_named_file_and_reports_counts(built: Build) -> None:
    assert built.status == 0, built.warnings
    assert built.warnings == ""
    assert built.output.is_file()
    last_line = built.log.strip().splitlines()[-1]
    assert DOCX_NAME in last_line
    for word in ("headings", "tables", "forms", "KiB"):
        assert word in last_line
    assert "2 forms" in last_line  # F-03-01 in its section and again as its appendix
    # The builder relaxes the garbage collector while building; it must be as before afterwards.
    assert gc.isenabled()
    assert gc.get_threshold() == built.gc_threshold


def test_write_phase_is_recorded_for_the_bench(built: Build, tmp_path: Path) -> None:
    """The builder times doctree → .docx itself and records it beside its Sphinx output."""
    record = built.output.parents[2] / "sphinx" / WRITE_PHASE_FILE
    phase = json.loads(record.read_text(encoding="utf-8"))
    assert phase["output_bytes"] == built.output.stat().st_size
    assert phase["documents"] == 4  # index + three chapters
    assert 0 < phase["seconds"] < 120 and phase["peak_kib"] > 10_000
    assert f"written in {phase['seconds']:.2f} s" in built.log.strip().splitlines()[-1]
    # A build that writes no DOCX leaves no record behind (the bench would read stale figures).
    assert build(UNKNOWN_FIXTURE, tmp_path).status == 0
    assert (tmp_path / "sphinx" / WRITE_PHASE_FILE).is_file()
    failed = build(UNKNOWN_FIXTURE, tmp_path, warnings_are_errors=True)
    assert failed.status != 0 and not (tmp_path / "sphinx" / WRITE_PHASE_FILE).exists()


def test_written_manual_is_freed_without_the_garbage_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every node of the assembled manual is freed when the write ends, by reference counting.

    Resolving references detaches nodes (a cross-reference's original content): left in their
    reference cycles they waited for the collector, which at 10× spent 0.18 s on them at the end
    of the write phase.  The chapters' emptied document roots are not watched: copies of a
    reference's content that Sphinx's resolvers make and drop still point to them.  The garbage
    of the reading (MyST's last renderer, which holds nodes of the last chapter read) is
    collected before the write: what is checked is that the write leaves none of its own.
    """
    watched: list[weakref.ref[nodes.Node]] = []
    cross_references = 0
    real = docx_builder.assemble_manual
    real_write = docx_builder.DocxBuilder.write_documents
    after_write: dict[str, list[str]] = {}

    def assemble(builder: object, unresolved: list[nodes.Node] | None = None) -> nodes.document:
        nonlocal cross_references
        tree = real(builder, unresolved)
        for node in unresolved or ():
            if not isinstance(node, nodes.document):
                watched.append(weakref.ref(node))
                cross_references += isinstance(node, addnodes.pending_xref)
        return tree

    def write_documents(builder: docx_builder.DocxBuilder, docnames: set[str]) -> None:
        gc.collect()
        real_write(builder, docnames)
        alive = [(ref, type(ref()).__name__) for ref in watched if ref() is not None]
        gc.collect()
        after_write["alive"] = [kind for _ref, kind in alive]
        after_write["collected"] = sorted({kind for ref, kind in alive if ref() is None})

    monkeypatch.setattr(docx_builder, "assemble_manual", assemble)
    monkeypatch.setattr(docx_builder.DocxBuilder, "write_documents", write_documents)
    gc.disable()
    try:
        result = build(FIXTURE, tmp_path)
    finally:
        gc.enable()
    assert result.status == 0, result.warnings
    assert len(watched) > 100 and cross_references > 0
    assert len(after_write["alive"]) < len(watched) // 4, after_write["alive"]
    assert after_write["collected"] == [], f"freed only by the collector: {after_write['collected']}"


def test_a_process_ending_with_its_builds_freezes_the_written_manual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``manualkit build`` exits right after: the tree is left to the exit, out of the
    collector's sight, instead of being taken apart node by node."""
    taken_apart: list[int] = []
    monkeypatch.setattr(docx_builder, "dismantle", lambda *args: taken_apart.append(1))

    def ending_process(app: Sphinx, env: object) -> None:
        app.builder.free_after_writing = False  # what manualkit.buildrunner sets for `build`

    frozen_before = gc.get_freeze_count()
    try:
        result = build(FIXTURE, tmp_path, on_env_updated=ending_process)
        frozen = gc.get_freeze_count() - frozen_before
    finally:
        gc.unfreeze()
    assert result.status == 0, result.warnings
    assert taken_apart == [] and frozen > 10_000


def test_heading_hierarchy_numbered_like_html(built: Build) -> None:
    """Word numbers the headings (a multilevel list on Heading 1–3), with the HTML's numbers."""
    headings = numbered_headings(built.output)
    level1 = [text for style, text in headings if style == "Heading1"]
    assert level1 == [f"{n} {title}" for n, title in enumerate(CHAPTER_TITLES, start=1)]
    assert ("Heading2", "1.1 服务理念") in headings
    assert ("Heading2", "2.1 投诉受理") in headings
    # The number is Word's, not typed: inserting a section in Word renumbers the rest.
    document = docx.Document(str(built.output))
    typed = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert typed == list(CHAPTER_TITLES)
    # The root document's title is on the cover, not a chapter heading.
    assert all("测试）" not in text for _, text in headings)


def test_front_matter_stays_out_of_the_heading_numbers(tmp_path: Path) -> None:
    """An unnumbered Heading 1 (前言 in the root document) is taken out of Word's heading list,
    so it shows no number and chapter 1 is still 1; the running header repeats the numbers."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    index = project / "manual" / "index.md"
    source = index.read_text(encoding="utf-8")
    front_matter = "---\nowner: service.manager\nreview_due: 2027-06-30\n---\n\n"
    index.write_text(
        front_matter + source.replace("```{toctree}", "## 前言\n\n本手册的前言。\n\n```{toctree}", 1),
        encoding="utf-8",
    )
    result = build(project, tmp_path / "work")
    assert result.status == 0, result.warnings
    headings = numbered_headings(result.output)
    level1 = [text for style, text in headings if style == "Heading1"]
    assert level1 == ["前言", *(f"{n} {title}" for n, title in enumerate(CHAPTER_TITLES, start=1))]
    with zipfile.ZipFile(result.output) as archive:
        headers = [
            "".join(t.text or "" for t in etree.fromstring(archive.read(name)).iter(W + "t"))
            for name in sorted(archive.namelist())
            if name.startswith("word/header")
        ]
    assert any(header.endswith("2 投诉处理") for header in headers), headers
    assert any(header.endswith("前言") for header in headers), headers
    # 前言 has a section of its own: its header's STYLEREF finds 前言 on the page, while the
    # contents before it name the manual in plain text (see the next test).
    _, contents, preface, *_ = docx.Document(str(result.output)).sections
    assert _visible_text(contents.header._element).endswith("客户服务操作手册（测试）")
    assert "STYLEREF" not in _instructions(contents.header._element)
    assert 'STYLEREF "Heading 1"' in _instructions(preface.header._element)
    assert _visible_text(preface.header._element).endswith("前言")
    # The root's document-control line went to the cover with its title, not before 前言.
    body = etree.fromstring(zipfile.ZipFile(result.output).read("word/document.xml"))
    infos = _paragraphs_with_style(body, "ChapterInfo")
    texts = ["".join(p.itertext()) for p in infos]
    assert len(texts) == len(CHAPTER_TITLES) and all("2026年1月31日" in text for text in texts), texts


def test_heading_counter_follows_word_and_refuses_other_numbers() -> None:
    counter = HeadingCounter()
    assert not counter.takes(1, "")  # unnumbered front matter
    assert counter.takes(1, "1") and counter.takes(2, "1.1") and counter.takes(3, "1.1.1")
    assert counter.takes(2, "1.2") and counter.takes(1, "2") and counter.takes(2, "2.1")
    assert not counter.takes(2, "2.3")  # Word would show 2.2
    assert counter.takes(2, "2.2")
    assert not counter.takes(4, "2.2.1.1")  # Heading 4 is not in the list
    assert not counter.takes(2, "3.1")  # no chapter 3 yet


def test_east_asian_fonts_and_chinese_language(built: Build) -> None:
    styles = built.xml("word/styles.xml")
    defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    assert defaults is not None
    assert defaults.find("w:rFonts", NS).get(W + "eastAsia") == "Noto Serif CJK SC"
    assert defaults.find("w:lang", NS).get(W + "eastAsia") == "zh-CN"
    for style in styles.findall("w:style", NS):
        if style.get(W + "type") not in ("paragraph", "character"):
            continue
        name = style.find("w:name", NS).get(W + "val")
        fonts = style.find("w:rPr/w:rFonts", NS)
        assert fonts is not None and fonts.get(W + "eastAsia"), f"style {name} has no East Asian font"
        assert fonts.get(W + "eastAsiaTheme") is None, f"theme font overrides {name}"
        assert style.find("w:rPr/w:lang", NS).get(W + "eastAsia") == "zh-CN", name
    heading = styles.find("w:style[@w:styleId='Heading1']", NS)
    assert heading.find("w:rPr/w:rFonts", NS).get(W + "eastAsia") == "Noto Sans CJK SC"
    # Runs of Chinese text ask for the East Asian font (so “” and … are not set in the Latin one).
    body = built.xml("word/document.xml")
    chinese_runs = [r for r in body.iter(W + "r") if re.search("[\u4e00-\u9fff]", "".join(r.itertext()))]
    assert chinese_runs
    for run in chinese_runs:
        assert run.find("w:rPr/w:rFonts", NS).get(W + "hint") == "eastAsia"
    settings = built.xml("word/settings.xml")
    assert settings.find("w:themeFontLang", NS).get(W + "eastAsia") == "zh-CN"
    assert settings.find("w:updateFields", NS).get(W + "val") == "true"


def _instructions(root: etree._Element) -> str:
    return " ".join(t.text or "" for t in root.iter(W + "instrText"))


def test_chapter_owner_and_review_date_under_the_chapter_heading(built: Build) -> None:
    body = built.xml("word/document.xml").find("w:body", NS)
    assert body is not None
    blocks = list(body)
    headings = [i for i, b in enumerate(blocks) if b.tag == W + "p" and _style(b) == "Heading1"]
    assert len(headings) == len(CHAPTER_TITLES)
    for index in headings:
        info = blocks[index + 1]
        assert _style(info) == "ChapterInfo"
        assert "".join(info.itertext()).startswith("本章文档信息：责任岗位 ")


def test_toc_page_fields_and_section_break(built: Build) -> None:
    body = built.xml("word/document.xml")
    assert 'TOC \\o "1-3" \\h \\z \\u' in _instructions(body)
    document = docx.Document(str(built.output))
    # The cover, the contents, then one section per chapter (its header names the chapter).
    cover, contents, *chapters = document.sections
    assert len(chapters) == len(CHAPTER_TITLES)
    assert not cover.header._has_definition and not cover.footer._has_definition
    header_xml = etree.tostring(contents.header._element, encoding="unicode")
    footer_xml = etree.tostring(contents.footer._element, encoding="unicode")
    assert "CS-OPS-TEST-001" in header_xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml and "版本 2.1" in footer_xml
    # Every printed page carries the classification, as the PDF's footer does.
    assert "版本 2.1　内部" in _visible_text(contents.footer._element)
    for number, (section, title) in enumerate(zip(chapters, CHAPTER_TITLES, strict=True), start=1):
        # A live STYLEREF for Word whose stored result already names the chapter (LibreOffice
        # shows that); the page numbers run on (the chapters inherit the contents' footer).
        assert section.header._has_definition and section.footer.is_linked_to_previous
        header = section.header._element
        assert 'STYLEREF "Heading 1"' in "".join(header.itertext())
        assert f"CS-OPS-TEST-001\t{number} {title}" in _visible_text(header)


def test_contents_header_names_the_manual_not_the_first_heading(built: Build) -> None:
    """Word updates a STYLEREF "Heading 1" that finds no such heading before it by searching
    forward: in the contents' header it would have named the first chapter (or 前言) over the
    contents.  That header is plain text; the chapters' headers keep their fields."""
    document = docx.Document(str(built.output))
    contents = document.sections[1].header._element
    for field in ("w:fldChar", "w:instrText", "w:fldSimple"):
        assert contents.find(f".//{field}", NS) is None, field
    assert _visible_text(contents).endswith("CS-OPS-TEST-001\t客户服务操作手册（测试）")
    for section in document.sections[2:]:
        assert 'STYLEREF "Heading 1"' in _instructions(section.header._element)


def _visible_text(element: etree._Element) -> str:
    """Text as shown: runs' text and tabs, field instructions left out."""
    return "".join(
        "\t" if node.tag == W + "tab" else node.text or "" for node in element.iter(W + "t", W + "tab")
    )


def test_chapters_start_on_a_new_page_once(built: Build) -> None:
    """Each chapter's section break starts its page: the heading's own page break is switched off."""
    body = built.xml("word/document.xml").find("w:body", NS)
    assert body is not None
    blocks = list(body)
    for index, block in enumerate(blocks):
        if block.tag == W + "p" and _style(block) == "Heading1":
            assert blocks[index - 1].find("w:pPr/w:sectPr", NS) is not None
            no_break = block.find("w:pPr/w:pageBreakBefore", NS)
            assert no_break is not None and no_break.get(W + "val") == "0"


def test_a_review_draft_says_so_on_its_cover_and_every_page(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built before its version's approval day, the DOCX claimed to be a controlled copy with the
    planned approval date printed as if signed; a copy mailed for comment looked approved."""
    from manualkit.review_draft import DRAFT_MARK

    approved = dt.datetime(2025, 2, 20, tzinfo=dt.UTC)  # the fixture's version 2.1
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(approved.timestamp()) - 86400))
    draft = docx.Document(str(build(FIXTURE, tmp_path).output))
    facts = {row.cells[0].text: row.cells[1].text for row in draft.tables[0].rows}
    assert facts["受控状态"] == "送审稿：2.1版拟于2025年2月20日批准，批准前仅供审核，不得作为办理依据"
    approval = next(row for row in draft.tables[1].rows if row.cells[0].text == "批准")
    assert approval.cells[-1].text == ""  # planned, not signed: dated by hand when it is
    assert DRAFT_MARK in draft.paragraphs[0].text  # the cover's top line
    assert draft.core_properties.content_status == "送审稿"  # Word's Status property
    footers = {p.text for section in draft.sections for p in section.footer.paragraphs}
    assert any(DRAFT_MARK in text for text in footers)
    # Built after the approval (the module's builds), it is the approved manual.
    final = docx.Document(str(built.output))
    assert all(DRAFT_MARK not in p.text for s in final.sections for p in s.footer.paragraphs)
    assert DRAFT_MARK not in final.paragraphs[0].text


def test_cover_shows_document_facts_and_approvals(built: Build) -> None:
    document = docx.Document(str(built.output))
    cover_text = "\n".join(
        cell.text for table in document.tables[:2] for row in table.rows for cell in row.cells
    )
    for fact in ("文件编号", "CS-OPS-TEST-001", "2.1", "2025年3月1日", "个人金融部", "内部", "受控副本"):
        assert fact in cover_text
    # Approval block from the newest revision (2.1), not the first one.
    for name in ("陈晨", "李静", "周强", "客户服务经理", "2025年2月20日"):
        assert name in cover_text
    assert "赵刚" not in cover_text
    # The drafting date of 2.1 is printed in its row; 2.0's is not on the cover.
    drafted = next(row for row in document.tables[1].rows if row.cells[0].text == "编制")
    assert drafted.cells[-1].text == "2025年2月10日" and "2024年6月1日" not in cover_text
    title = next(p for p in document.paragraphs if p.style is not None and p.style.name == "Title")
    assert title.text == "客户服务操作手册（测试）"


def test_merged_cells_and_repeated_header_rows(built: Build) -> None:
    body = built.xml("word/document.xml")
    merged = next(
        t
        for t in body.iter(W + "tbl")
        if "一般投诉" in "".join(t.itertext()) and "重大投诉" in "".join(t.itertext())
    )
    assert merged.find(".//w:vMerge[@w:val='restart']", NS) is not None
    assert merged.find(".//w:tcPr/w:vMerge", NS) is not None
    assert merged.find(".//w:gridSpan[@w:val='2']", NS) is not None
    assert merged.find("w:tr/w:trPr/w:tblHeader", NS) is not None
    # Every row covers the whole grid (Word rejects ragged merged tables).
    columns = len(merged.findall("w:tblGrid/w:gridCol", NS))
    for row in merged.findall("w:tr", NS):
        spans = [
            int(tc.find("w:tcPr/w:gridSpan", NS).get(W + "val"))
            if tc.find("w:tcPr/w:gridSpan", NS) is not None
            else 1
            for tc in row.findall("w:tc", NS)
        ]
        assert sum(spans) == columns
    document = docx.Document(str(built.output))
    assert len(document.tables) >= 5


def test_a_forms_date_blanks_are_a_date_picker_showing_them(built: Build) -> None:
    """Typed over, "＿＿＿＿年＿＿月＿＿日" broke its line: the blanks are now a date control's
    placeholder (a click selects them, typing or the picker replaces them), named after the
    field — printed unfilled, the form still shows the blanks."""
    body = built.xml("word/document.xml")
    controls = [
        c
        for c in body.iter(W + "sdt")
        if c.find("w:sdtPr/w:alias", NS) is not None
        and c.find("w:sdtPr/w:alias", NS).get(W + "val") == "应办结日期"
    ]
    assert controls  # (the form printed in its chapter and in the appendix)
    for control in controls:
        properties = control.find("w:sdtPr", NS)
        assert properties.find("w:showingPlcHdr", NS) is not None
        assert properties.find("w:date/w:dateFormat", NS).get(W + "val") == "yyyy'年'M'月'd'日'"
        assert properties.find("w:date/w:lid", NS).get(W + "val") == "zh-CN"
        assert "".join(t.text or "" for t in control.iter(W + "t")) == "＿＿＿＿年＿＿月＿＿日"
        assert control.getparent().tag == W + "p"  # in the cell's paragraph, as the text fields


def test_form_is_a_fillable_table(built: Build) -> None:
    body = built.xml("word/document.xml")
    form_table = next(t for t in body.iter(W + "tbl") if "客户姓名" in "".join(t.itertext()))
    controls = form_table.xpath(".//w:sdt[w:sdtPr/w:text]", namespaces=NS)
    aliases = {c.find("w:sdtPr/w:alias", NS).get(W + "val") for c in controls}
    assert any("客户姓名" in alias for alias in aliases)
    assert any("投诉内容" in alias for alias in aliases)
    # The field is inside the cell's only paragraph: a block-level control needs an empty
    # paragraph after it (a cell ends with one), which made a field row 11.8 mm high, not 8.4.
    for control in controls:
        cell = control.getparent().getparent()
        assert control.getparent().tag == W + "p" and cell.tag == W + "tc"
        assert len(cell.findall("w:p", NS)) == 1
    text = "".join(body.itertext())
    assert "☐已核实客户身份" in text  # checklist items keep their boxes (a tab after each)
    # Room to write by hand, as much as the PDF leaves (print.css, in twips: 1 mm = 56.7):
    # a field 7.1 mm, a multi-line field 15.6 mm, a seal 29.6 mm — no more, or the last row and
    # the signature lines of the longest form (seventeen fields) no longer fit its page.
    heights = {
        "".join(row.find("w:tc", NS).itertext()): int(row.find("w:trPr/w:trHeight", NS).get(W + "val"))
        for row in form_table.findall("w:tr", NS)
        if row.find("w:trPr/w:trHeight", NS) is not None
    }
    assert 380 <= heights["客户姓名（必填）"] <= 420
    assert 860 <= heights["投诉内容（必填）"] <= 900
    assert 1650 <= heights["部门盖章"] <= 1700 and "（盖章）" in "".join(form_table.itertext())
    # Its text set as print.css sets a form's (9.5 pt, about single spacing), not as a chapter's
    # tables (10.5 pt, 1.25 lines): with those, four forms ran onto a second page in LibreOffice.
    cell_styles = {_style(p) for p in form_table.iter(W + "p")}
    assert {"FormText", "FormHeading"} <= cell_styles and "TableText" not in cell_styles
    styles = built.xml("word/styles.xml")
    form_text = next(s for s in styles.iter(W + "style") if s.get(W + "styleId") == "FormText")
    assert form_text.find("w:rPr/w:sz", NS).get(W + "val") == "19"
    assert int(form_text.find("w:pPr/w:spacing", NS).get(W + "line")) <= 260
    # The form's own lines (用途, 填写责任, 注：…) are set small like the PDF's, not as body text.
    purpose = next(p for p in body.iter(W + "p") if "".join(p.itertext()).startswith("用途："))
    assert _style(purpose) == "FormNote"
    form_note = next(s for s in styles.iter(W + "style") if s.get(W + "styleId") == "FormNote")
    assert form_note.find("w:rPr/w:sz", NS).get(W + "val") == "21"
    plain_table = next(t for t in body.iter(W + "tbl") if t.find(".//w:sdt", NS) is None)
    assert "TableText" in {_style(p) for p in plain_table.iter(W + "p")}
    # Every box can be ticked in Word: a check box content control, showing ☐ as printed.
    w14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
    boxes = list(form_table.iter(w14 + "checkbox"))
    assert boxes and len(boxes) == "".join(form_table.itertext()).count("☐")
    items = _paragraphs_with_style(body, "ChecklistItem")
    assert all(len(list(p.iter(w14 + "checkbox"))) == 1 for p in items)
    # Options that do not fit one line start a new line whole: never "☐ 电" / "话告知并记录在案".
    channel = next(row for row in form_table.iter(W + "tr") if "受理渠道" in "".join(row.itertext()))
    runs = [r for r in channel.iter(W + "r") if r.find("w:br", NS) is not None or "".join(r.itertext())]
    texts = ["\n" if r.find("w:br", NS) is not None else "".join(r.itertext()) for r in runs]
    joined = "".join(texts)
    assert "\n☐\u00a0网点现场登记并留存影像" in joined, joined
    assert "☐\u00a0电话告知并记录在案" in joined  # each option whole


def _form_blocks(rows: int, row_height: int) -> list[etree._Element]:
    tbl = etree.Element(W + "tbl")
    for _ in range(rows):
        tr = etree.SubElement(tbl, W + "tr")
        height = etree.SubElement(etree.SubElement(tr, W + "trPr"), W + "trHeight")
        height.set(W + "val", str(row_height))
        etree.SubElement(etree.SubElement(tr, W + "tc"), W + "p")
    return [tbl, etree.Element(W + "p"), etree.Element(W + "p")]


def _keeps_with_next(p: etree._Element) -> bool:
    return p.find("w:pPr/w:keepNext", NS) is not None


def test_a_form_taller_than_a_page_keeps_its_last_row_with_the_signatures() -> None:
    """Chaining a whole form taller than a page made the break fall before the signature lines,
    which then printed on a sheet of their own."""
    short = _form_blocks(rows=8, row_height=480)
    keep_together(short)
    paragraphs = [p for block in short for p in block.iter(W + "p")]
    assert [_keeps_with_next(p) for p in paragraphs] == [True] * 9 + [False]
    tall = _form_blocks(rows=20, row_height=1250)
    keep_together(tall)
    paragraphs = [p for block in tall for p in block.iter(W + "p")]
    assert [_keeps_with_next(p) for p in paragraphs] == [False] * 19 + [True] * 2 + [False]


def _paragraphs_with_style(body: etree._Element, style: str) -> list[etree._Element]:
    return [p for p in body.iter(W + "p") if p.find(f"w:pPr/w:pStyle[@w:val='{style}']", NS) is not None]


def _plain_table(body_rows: int, text: str = "一行", header: bool = True) -> etree._Element:
    """A one-column table as the writer makes it (cell width, row properties), ``text`` a cell."""
    tbl = etree.Element(W + "tbl")
    for index in range(body_rows + header):
        tr = etree.SubElement(tbl, W + "tr")
        tr_pr = etree.SubElement(tr, W + "trPr")
        if header and index == 0:
            etree.SubElement(tr_pr, W + "tblHeader")
        tc = etree.SubElement(tr, W + "tc")
        etree.SubElement(etree.SubElement(tc, W + "tcPr"), W + "tcW").set(W + "w", "3000")
        etree.SubElement(etree.SubElement(etree.SubElement(tc, W + "p"), W + "r"), W + "t").text = text
    return tbl


def _rows_kept(tbl: etree._Element) -> list[bool]:
    """Per row: whether all its paragraphs keep with the next (the row stays with the next row)."""
    return [all(_keeps_with_next(p) for p in row.iter(W + "p")) for row in tbl.findall("w:tr", NS)]


def test_short_tables_keep_whole_and_long_ones_keep_two_rows_at_either_end() -> None:
    """Pages held only a table's repeated header and one row, or only its 合计 row."""
    short = _plain_table(8)
    keep_rows_together(short)
    assert _rows_kept(short) == [True] * 8 + [False]
    assert all(row.find("w:trPr/w:cantSplit", NS) is not None for row in short.findall("w:tr", NS))
    # Over eight body rows: the header with two rows, and the last two rows, stay together.
    long = _plain_table(9)
    keep_rows_together(long)
    assert _rows_kept(long) == [True, True] + [False] * 6 + [True, False]
    # A 3000-twip cell holds 13 characters a line.  Rows of over three lines make no short
    # table, nor do rows of three that add up to more than a third of a page (1000 twips each).
    tall = _plain_table(4)
    tall.findall("w:tr", NS)[2].find(".//w:t", NS).text = "长" * 40
    keep_rows_together(tall)
    assert _rows_kept(tall) == [True, True, False, True, False]
    within_a_third = _plain_table(3, text="长" * 39)
    keep_rows_together(within_a_third)
    assert _rows_kept(within_a_third) == [True] * 3 + [False]
    over_a_third = _plain_table(4, text="长" * 39)
    keep_rows_together(over_a_third)
    assert _rows_kept(over_a_third) == [True, True, False, True, False]
    # Nothing keeps the last row with what follows the table.
    single = _plain_table(1, text="长" * 100)
    keep_rows_together(single)
    assert _rows_kept(single) == [True, False]
    headless = _plain_table(3, header=False)
    keep_rows_together(headless)
    assert _rows_kept(headless) == [True, True, False]


def test_tables_keep_their_rows_together_and_forms_as_before(built: Build) -> None:
    body = built.xml("word/document.xml")
    tables = {"".join(t.find("w:tr", NS).itertext()): t for t in body.iter(W + "tbl")}
    deadlines = tables["投诉类型渠道办结时限"]
    assert _rows_kept(deadlines) == [True, True, True, False]
    revisions = next(t for text, t in tables.items() if text.startswith("版本"))
    assert _rows_kept(revisions) == [True, True, False]  # its rows are long: the header and row 1
    form = next(t for t in body.iter(W + "tbl") if t.find(".//w:sdt", NS) is not None)
    assert all(_rows_kept(form))  # kept with the form's notes and signatures (blocks.keep_together)


def test_cover_columns_hold_names_and_the_controlled_copy_note_on_one_line(tmp_path: Path) -> None:
    """Fixed widths printed "消费者权益保护委" / "员会", "消费者权益保护负责" / "人" and
    "…书面许可不得复" / "制、外传" on the cover; every cover cell now holds its text on one line."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    for name, old, new in (
        ("roles.yaml", "name: 部门负责人", "name: 消费者权益保护负责人"),
        ("revisions.yaml", "name: 周强", "name: 消费者权益保护委员会"),
        ("manual.yaml", "受控副本，未经批准不得复制", "受控文本，未经客户服务部书面许可不得复制、外传"),
    ):
        path = project / "data" / name
        source = path.read_text(encoding="utf-8")
        assert old in source
        path.write_text(source.replace(old, new), encoding="utf-8")
    result = build(project, tmp_path / "work")
    assert result.status == 0, result.warnings
    facts, approvals = list(result.xml("word/document.xml").iter(W + "tbl"))[:2]
    texts = "".join(approvals.itertext()) + "".join(facts.itertext())
    assert "消费者权益保护负责人" in texts and "消费者权益保护委员会" in texts and "外传" in texts
    for table in (facts, approvals):
        grid = [int(col.get(W + "w")) for col in table.findall("w:tblGrid/w:gridCol", NS)]
        assert sum(grid) <= TEXT_WIDTH
        for row in table.findall("w:tr", NS):
            cells = row.findall("w:tc", NS)
            widths = [int(tc.find("w:tcPr/w:tcW", NS).get(W + "w")) for tc in cells]
            assert widths == grid
            for tc, width in zip(cells, widths, strict=True):
                text = "".join(tc.itertext())
                # Word's cell margins are 108 twips a side.
                assert text_width(text) * TWIPS_PER_HALF_EM <= width - 216, (text, width)
    signature = approvals.findall("w:tblGrid/w:gridCol", NS)[3]
    assert int(signature.get(W + "w")) >= 1300  # room to sign (print.css: 16 % of the row)


def test_checklist_items_hang_after_their_box(built: Build) -> None:
    body = built.xml("word/document.xml")
    items = ["".join(p.itertext()) for p in _paragraphs_with_style(body, "ChecklistItem")]
    assert items and all(text.startswith("☐") and not text.startswith("☐ ") for text in items)
    assert any("已核实客户身份" in text for text in items)
    # A tab, not a space, after the box: the text starts at the hanging indent, where its wrapped
    # lines start (after a space it began 4 pt further right in LibreOffice).
    for item in _paragraphs_with_style(body, "ChecklistItem"):
        box = next(child for child in item if child.tag == W + "sdt")
        assert box.getnext().find("w:tab", NS) is not None
    styles = built.xml("word/styles.xml")
    ind = styles.find(".//w:style[@w:styleId='ChecklistItem']/w:pPr/w:ind", NS)
    assert ind is not None and ind.get(W + "hanging") == ind.get(W + "left")
    # The checklist stays on one page: its title never ends a page alone.
    items = _paragraphs_with_style(body, "ChecklistItem")
    title = items[0].getprevious().getprevious()
    assert "受理检查清单" in "".join(title.itertext()) or "CL-" in "".join(title.itertext())
    assert all(_keeps_with_next(p) for p in [title, *items[:-1]])


def test_revision_marker_is_a_styled_note_under_its_heading(built: Build) -> None:
    body = built.xml("word/document.xml")
    notes = _paragraphs_with_style(body, "RevisionNote")
    assert ["".join(p.itertext()) for p in notes] == ["本节于 v2.1 修订：一般投诉办结时限调整为7个工作日。"]
    heading = notes[0].getprevious()
    assert heading.find("w:pPr/w:pStyle", NS).get(W + "val") == "Heading2"
    assert "".join(heading.itertext()) == "投诉受理"  # numbered 2.1 by Word
    styles = built.xml("word/styles.xml")
    style = styles.find(".//w:style[@w:styleId='RevisionNote']", NS)
    assert style.find("w:pPr/w:pBdr/w:left", NS) is not None  # the marker bar of the HTML/PDF
    assert style.find("w:pPr/w:shd", NS).get(W + "fill") == "FFF8E1"


def test_revision_decisions_are_a_numbered_list(built: Build) -> None:
    body = built.xml("word/document.xml")
    paragraphs = list(body.iter(W + "p"))
    intro = next(i for i, p in enumerate(paragraphs) if "编辑决定" in "".join(p.itertext()))
    items = paragraphs[intro + 1 : intro + 3]
    assert ["".join(p.itertext()) for p in items] == [
        "原始资料中两处办结时限不一致，以7个工作日为准。",
        "原始资料未给出回访时限，本版不作规定。",
    ]
    num_ids = {p.find("w:pPr/w:numPr/w:numId", NS).get(W + "val") for p in items}
    assert len(num_ids) == 1  # one list, numbered 1. 2. by Word
    numbering = built.xml("word/numbering.xml")
    num = numbering.find(f"w:num[@w:numId='{num_ids.pop()}']", NS)
    abstract_id = num.find("w:abstractNumId", NS).get(W + "val")
    level0 = numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']/w:lvl[@w:ilvl='0']", NS)
    assert level0.find("w:numFmt", NS).get(W + "val") == "decimal"


#: ``w:pPr`` children in schema order (ECMA-376 CT_PPrBase), the ones this writer uses.
PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "widowControl", "numPr", "pBdr", "shd",
    "tabs", "spacing", "ind", "jc", "outlineLvl", "rPr", "sectPr",
)  # fmt: skip


def test_text_after_a_table_is_spaced_and_properties_in_schema_order(built: Build) -> None:
    body = built.xml("word/document.xml").find("w:body", NS)
    after_tables = [
        p
        for p in body.findall("w:p", NS)
        if p.getprevious() is not None
        and p.getprevious().tag == W + "tbl"
        and p.find("w:pPr/w:pStyle", NS).get(W + "val") in ("Normal", "FormNote")
        and "".join(p.itertext())
    ]
    assert any("修订内容" in "".join(p.itertext()) for p in after_tables)
    assert any("".join(p.itertext()).startswith("注：") for p in after_tables)  # under a form
    for p in after_tables:
        assert p.find("w:pPr/w:spacing", NS).get(W + "before") == "180"
    for ppr in body.iter(W + "pPr"):
        tags = [etree.QName(child).localname for child in ppr]
        known = [tag for tag in tags if tag in PPR_ORDER]
        assert known == sorted(known, key=PPR_ORDER.index), tags


def test_a_headings_linked_character_style_looks_like_the_heading(built: Build) -> None:
    """Heading 1 applied to part of a paragraph uses "Heading 1 Char": it was python-docx's blue
    serif 14 pt beside the manual's black sans 16 pt heading."""
    from lxml import etree

    styles = built.xml("word/styles.xml")
    linked = 0
    for style in styles.findall("w:style[@w:type='paragraph']", NS):
        link = style.find("w:link", NS)
        if link is None or style.find("w:rPr", NS) is None:
            continue
        char = styles.find(f"w:style[@w:styleId='{link.get(W + 'val')}']", NS)
        assert char is not None and char.get(W + "type") == "character"
        assert etree.tostring(char.find("w:rPr", NS)) == etree.tostring(style.find("w:rPr", NS))
        linked += 1
    assert linked >= 3  # Heading 1–3 at least


def test_flowcharts_declare_their_print_resolution(built: Build) -> None:
    """Without a resolution Word takes a picture for 96 dpi: "Reset picture" blew a 200-dpi
    flowchart up to twice the page's width."""
    import docx

    document = docx.Document(str(built.output))
    images = [rel.target_part.image for rel in document.part.rels.values() if "image" in rel.reltype]
    assert images
    assert {(image.horz_dpi, image.vert_dpi) for image in images} == {(200, 200)}


def test_words_own_styles_are_not_marked_custom(built: Build) -> None:
    """Marked custom, "toc 1" and "Hyperlink" stood beside Word's built-in styles of the same
    name, which a TOC update uses; the manual's own styles (Form Text …) are custom."""
    styles = built.xml("word/styles.xml")
    custom = {
        s.find("w:name", NS).get(W + "val"): s.get(W + "customStyle") == "1"
        for s in styles.findall("w:style", NS)
    }
    assert not [
        name for name in ("toc 1", "toc 2", "toc 3", "Hyperlink", "footnote text") if custom.get(name)
    ]
    assert custom["Form Text"] and custom["Checklist Item"]


def test_every_style_the_text_uses_is_defined(built: Build) -> None:
    """A paragraph naming a style styles.xml lacks falls back to Normal in Word (the admonition
    boxes' text did): writers restyling "Note" in Word would change nothing."""
    with zipfile.ZipFile(built.output) as archive:
        names = archive.namelist()
        parts = [
            etree.fromstring(archive.read(name))
            for name in names
            if re.fullmatch(r"word/(document|header\d+|footer\d+|footnotes)\.xml", name)
        ]
    styles = built.xml("word/styles.xml")
    defined = {s.get(W + "styleId") for s in styles.findall("w:style", NS)}
    used: set[str] = set()
    for part in parts:
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used |= {e.get(W + "val") for e in part.iter(W + tag)}
    for style in styles.findall("w:style", NS):
        for tag in ("basedOn", "next", "link"):
            used |= {e.get(W + "val") for e in style.findall(f"w:{tag}", NS)}
    assert {"Note", "AdmonitionTitle", "ManualTable"} <= used
    assert used - defined == set()
    box_text = [
        p
        for p in _paragraphs_with_style(built.xml("word/document.xml"), "Note")
        if "".join(p.itertext()).strip()
    ]
    assert box_text, "the admonition's text is in the Note style"


def test_list_styles_number_what_they_are_applied_to(built: Build) -> None:
    """A writer applying List Bullet or List Number in Word gets a bullet or a number."""
    styles = built.xml("word/styles.xml")
    numbering = built.xml("word/numbering.xml")
    formats = {}
    linked_abstract = {}
    for style_id in ("ListBullet", "ListNumber", "Heading1", "Heading2", "Heading3"):
        style = styles.find(f"w:style[@w:styleId='{style_id}']", NS)
        num_id = style.find("w:pPr/w:numPr/w:numId", NS).get(W + "val")
        abstract_id = numbering.find(f"w:num[@w:numId='{num_id}']/w:abstractNumId", NS).get(W + "val")
        linked_abstract[style_id] = abstract_id
        lvl = numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']/w:lvl[@w:ilvl='0']", NS)
        formats[style_id] = lvl.find("w:numFmt", NS).get(W + "val")
    # One list per style: no other list claims these styles (w:lvl/w:pStyle).
    claims = [link.get(W + "val") for link in numbering.iter(W + "pStyle")]
    assert all(claims.count(style_id) <= 1 for style_id in formats), claims
    assert all(claims.count(f"Heading{n}") == 1 for n in (1, 2, 3)), claims
    for abstract in numbering.iterfind("w:abstractNum", NS):
        for link in abstract.iterfind("w:lvl/w:pStyle", NS):
            if link.get(W + "val") in linked_abstract:
                assert abstract.get(W + "abstractNumId") == linked_abstract[link.get(W + "val")]
    assert formats == {
        "ListBullet": "bullet",
        "ListNumber": "decimal",
        "Heading1": "decimal",
        "Heading2": "decimal",
        "Heading3": "decimal",
    }


def test_a_sentence_introducing_a_list_stays_with_it(built: Build) -> None:
    """The sentence "处理步骤如下：" never ends a page without the steps it introduces."""
    body = built.xml("word/document.xml")
    intro = next(p for p in body.iter(W + "p") if "".join(p.itertext()) == "处理步骤如下：")
    assert _keeps_with_next(intro)
    assert not _keeps_with_next(intro.getprevious())


def test_unbroken_text_keeps_its_hyphens_and_spaces(built: Build) -> None:
    """{nowrap}`GB/T 35273-2020` must not print as "35273-" / "2020": Word's non-breaking hyphen
    and a fixed space."""
    body = built.xml("word/document.xml")
    p = next(p for p in body.iter(W + "p") if "信息安全依据" in "".join(p.itertext()))
    assert "GB/T\u00a035273" in "".join(p.itertext())
    assert p.find(".//w:noBreakHyphen", NS) is not None
    assert "35273-" not in "".join(p.itertext())


def test_unbreakable_text_sets_its_columns_minimum() -> None:
    natural = [4, 130, 15, 30, 24, 14, 44]
    total = 9298
    free = fit_column_widths(natural, total)
    held = fit_column_widths(natural, total, [0, 0, 15, 0, 18, 0, 0])
    assert held[2] >= 15 * TWIPS_PER_HALF_EM + CELL_PADDING > free[2]
    assert held[4] >= 18 * TWIPS_PER_HALF_EM + CELL_PADDING
    assert sum(held) <= total + len(held)


def test_tables_keep_their_computed_column_widths(built: Build) -> None:
    """``w:tblLayout`` takes ``w:type``: with ``w:val`` Word ignored it and autofitted every table."""
    document = docx.Document(str(built.output))
    assert len(document.tables) >= 5
    assert all(table.autofit is False for table in document.tables)


def test_no_stale_copy_of_the_template_styles(built: Build) -> None:
    """python-docx's template carries Word 2010's ``stylesWithEffects.xml``, which Word 2010
    reads instead of styles.xml: without this writer's styles and with Japanese defaults."""
    with zipfile.ZipFile(built.output) as archive:
        names = archive.namelist()
        content_types = archive.read("[Content_Types].xml").decode()
        relationships = archive.read("word/_rels/document.xml.rels").decode()
    assert "word/styles.xml" in names
    assert not any("stylesWithEffects" in text for text in (*names, content_types, relationships))


def test_word_would_open_it_without_repair(built: Build) -> None:
    """LibreOffice forgives what Word repairs or rejects ("unreadable content"): the file is
    checked against the OOXML schemas and Word's semantic constraints (openxml-audit)."""
    assert word_would_repair(built.output) == []


def test_flowchart_not_glued_to_the_step_table(built: Build) -> None:
    """A picture line at 1.5 spacing, kept with the table after it, left blank pages (a chart
    that did not fit below its introduction moved, and half a page stayed empty)."""
    body = built.xml("word/document.xml")
    picture = next(p for p in body.iter(W + "p") if p.find(".//w:drawing", NS) is not None)
    ppr = picture.find("w:pPr", NS)
    assert ppr.find("w:keepNext", NS) is None
    assert ppr.find("w:spacing", NS).get(W + "line") == "240"


def test_short_columns_keep_their_text_on_one_line() -> None:
    total = 9298
    # 序号 | 步骤 (long) | 责任岗位 | 时限 | 表单 | 下一步 (long)
    natural = [4, 60, 12, 9, 22, 40]
    widths = fit_column_widths(natural, total)
    assert abs(sum(widths) - total) <= len(widths)
    for column in (0, 2, 3):
        assert widths[column] >= natural[column] * TWIPS_PER_HALF_EM + CELL_PADDING
    assert widths[1] == max(widths)  # the spare width goes to the text column
    # More text, more room: 步骤 (65 characters) against 下一步 (27) of a process's step table.
    steps = fit_column_widths([4, 130, 12, 11, 22, 54], total)
    assert steps[1] > 1.4 * steps[5]
    # Seven columns that cannot all stay unwrapped: the tiny one still does.
    crowded = fit_column_widths([4, 130, 30, 24, 44, 14, 14], total)
    assert crowded[0] >= 4 * TWIPS_PER_HALF_EM + CELL_PADDING
    assert abs(sum(crowded) - total) <= len(crowded)
    assert fit_column_widths([], total) == []


def test_no_cell_ends_with_one_character_alone_where_a_column_can_spare_the_room() -> None:
    """ "投诉处理完毕并形成处理结" / "论": a column one character short of a cell's last line gets
    that character from a column that needs no more lines for it; none is taken from a column
    that would need one."""
    total = 9298
    # 事项 | 截止 (a 13-character cell) | 依据 (a 60-character note, room to spare on its last line)
    natural = [20, 26, 120]
    texts = [[20, 12], [26, 10, 14], [120, 40]]
    before = fit_column_widths(natural, total)
    after = fit_column_widths(natural, total, texts=texts)

    def room(width: int) -> int:  # Chinese characters a line
        return (width - CELL_PADDING) // TWIPS_PER_HALF_EM // 2

    assert 13 % room(before[1]) == 1  # the last line held "论" alone
    assert 13 % room(after[1]) != 1 and sum(after) == sum(before)
    assert -(-60 // room(after[2])) == -(-60 // room(before[2]))  # 依据 took no more lines
    # No column can spare the room: nothing moves.
    tight = [[16], [26], [40, 40, 40]]
    assert fit_column_widths([16, 26, 40], 3000, texts=tight) == fit_column_widths([16, 26, 40], 3000)


def test_a_table_too_dense_for_wuhao_is_set_in_xiaowu(built: Build) -> None:
    """Seven columns, four holding dates: at 五号 the real revision history's summary was two
    characters wide and its one row filled a page in LibreOffice.  Set in 小五, the summary has
    room for six characters a line and more; a roomy table keeps 五号."""
    body = built.xml("word/document.xml")
    history = next(t for t in body.iter(W + "tbl") if "修订摘要" in "".join(t.itertext()))
    cell_styles = {_style(p) for p in history.iter(W + "p")}
    assert cell_styles == {"TableHeadingCompact", "TableTextCompact"}
    grid = [int(col.get(W + "w")) for col in history.find("w:tblGrid", NS)]
    assert grid[1] > max(grid[2:5])  # the summary is wider than each column of names
    # A date beside a name may break after 年, never inside "2024年" or "6月1日".
    doctree = pickle.loads((built.output.parents[2] / "doctrees" / "03-forms.doctree").read_bytes())
    kept = {node.astext() for node in doctree.findall(nodes.inline) if NOWRAP_CLASS in node["classes"]}
    assert {"2024年", "6月1日", "2025年", "2月14日"} <= kept and "2024年6月1日" not in kept
    assert (grid[1] - CELL_PADDING) // COMPACT_TWIPS_PER_HALF_EM >= LEAST_ROOM
    roomy = next(t for t in body.iter(W + "tbl") if "办结时限" in "".join(t.itertext()))
    assert "TableText" in {_style(p) for p in roomy.iter(W + "p")}
    styles = {s.get(W + "styleId"): s for s in built.xml("word/styles.xml").iter(W + "style")}
    for style_id, based_on in (("TableTextCompact", "TableText"), ("TableHeadingCompact", "TableHeading")):
        style = styles[style_id]
        assert style.find("w:basedOn", NS).get(W + "val") == based_on
        assert style.find("w:rPr/w:sz", NS).get(W + "val") == "18"
        assert style.find("w:rPr/w:rFonts", NS).get(W + "eastAsia")


def test_layout_columns_chooses_xiaowu_only_when_wuhao_is_cramped() -> None:
    total = 9298
    # The revision history: 版本 | 修订摘要 | 起草 | 审核 | 批准 | 批准日期 | 生效日期.
    natural, held = [4, 136, 45, 42, 44, 14, 13], [0, 0, 9, 9, 0, 16, 15]
    regular = fit_column_widths(natural, total, held)
    assert (regular[1] - CELL_PADDING) // TWIPS_PER_HALF_EM < LEAST_ROOM
    layout = layout_columns(natural, total, held)
    assert layout.compact
    assert (layout.twips[1] - CELL_PADDING) // COMPACT_TWIPS_PER_HALF_EM >= LEAST_ROOM
    assert layout.twips[5] >= 16 * COMPACT_TWIPS_PER_HALF_EM + CELL_PADDING
    assert abs(sum(layout.twips) - total) <= len(natural)
    # A process's step table has room at 五号 and keeps it.
    steps = layout_columns([4, 130, 12, 11, 22, 54], total)
    assert not steps.compact
    assert steps.twips == fit_column_widths([4, 130, 12, 11, 22, 54], total)


def test_unbreakable_minimums_that_fill_the_row_are_given_up() -> None:
    """Four dates kept whole left no room at 五号: every column was then cut to its minimum,
    the summary to two characters.  Now the dates may wrap and the text column gets the room."""
    widths = fit_column_widths([4, 136, 45, 42, 44, 14, 13], 9298, [0, 0, 16, 16, 0, 16, 15])
    assert widths[1] == max(widths)
    assert (widths[1] - CELL_PADDING) // TWIPS_PER_HALF_EM >= 2 * LEAST_ROOM


def test_dates_that_break_after_the_year_anyway_leave_their_room_to_the_summary() -> None:
    """The revision history's dates ("2026年" / "11月20日") break after the year at 12 half-ems
    as at 9.  Held at 12, they left the summary six characters a line, and its one row was nine
    lines high in LibreOffice.  Each date stays whole; the summary is the tallest cell no more."""
    # 版本 | 修订摘要 | 起草 | 审核 | 批准 | 批准日期 | 生效日期, as the real manual's row has them.
    natural, held = [4, 132, 45, 42, 44, 14, 13], [0, 0, 10, 11, 0, 9, 8]
    texts = [[4, 3], [8, 132], [4, 45], [4, 42], [4, 44], [8, 14], [8, 13]]
    layout = layout_columns(natural, TEXT_WIDTH, held, texts)
    assert layout.compact and abs(sum(layout.twips) - TEXT_WIDTH) <= len(natural)
    room = [(width - CELL_PADDING) // COMPACT_TWIPS_PER_HALF_EM for width in layout.twips]
    assert room[5] >= held[5] and room[6] >= held[6]  # "11月20日" and "12月1日" stay whole
    assert max(room[5:]) < 12  # and are not kept 12 half-ems wide to no purpose
    lines = [-(-text // (columns // 2 * 2)) for text, columns in zip(natural, room, strict=True)]
    assert lines[1] <= max(lines[2:5]) + 2  # the summary no longer the tallest cell by far
    # Dates not marked where they may break keep the 12 half-ems: a break inside "11月20日" is
    # worse than a narrower summary.
    unmarked = layout_columns(natural, TEXT_WIDTH, [*held[:5], 0, 0], texts)
    assert min(unmarked.twips[5:]) >= 12 * COMPACT_TWIPS_PER_HALF_EM + CELL_PADDING
    assert unmarked.twips[1] < layout.twips[1]


def test_a_closing_mark_after_unbroken_text_counts_with_it() -> None:
    """Word never starts a line with "）": "11月13日）" needs the room of both."""

    def width(after: str) -> int:
        date = nodes.inline("", "11月13日", classes=[NOWRAP_CLASS])
        entry = nodes.entry("", nodes.paragraph("", "", date, nodes.Text(after)))
        return unbreakable_widths(nodes.tgroup("", nodes.tbody("", nodes.row("", entry))))[id(entry)]

    assert width("）") == width("起") + 2
    assert width("起") == width("")


def test_a_date_that_would_cross_the_line_end_starts_a_line() -> None:
    """Word fills a cell's line and breaks Chinese anywhere: "人员，2026年11" / "月13日）".

    A cell of 11.7 half-ems holds "法律合规部（合规管理人员，" as 5 + 5 + 3 characters; "2026年"
    does not fit after the last three, so it starts a line, and "11月13日）" the next."""
    year = nodes.inline("", "2026年", classes=[NOWRAP_CLASS])
    month_day = nodes.inline("", "11月13日", classes=[NOWRAP_CLASS])
    nodes.paragraph("", "", nodes.Text("法律合规部（合规管理人员，"), year, month_day, nodes.Text("）"))
    assert starts_own_line(year, 11.7)
    assert starts_own_line(month_day, 11.7)
    # Room for the whole text on one line, or for the name and the year: no break.
    assert not starts_own_line(year, 60) and not starts_own_line(month_day, 60)
    assert not starts_own_line(year, 34)
    # Too wide for any line of the cell: it breaks anyway, a line of its own would not help.
    assert not starts_own_line(month_day, 8)
    # Nothing before it on the line: it already starts one.
    alone = nodes.inline("", "2026年11月20日", classes=[NOWRAP_CLASS])
    nodes.paragraph("", "", alone)
    assert not starts_own_line(alone, 16)


def test_cross_references_are_hyperlinks_to_bookmarks(built: Build) -> None:
    body = built.xml("word/document.xml")
    bookmarks = {b.get(W + "name") for b in body.iter(W + "bookmarkStart")}
    anchors = [h.get(W + "anchor") for h in body.iter(W + "hyperlink") if h.get(W + "anchor")]
    assert "complaint_intake" in anchors  # {ref}`complaint-intake` from chapter 1
    # Printed, a link cannot be followed: it shows the section's number with its title.
    citing = next(p for p in body.iter(W + "p") if "投诉处理要求见" in "".join(p.itertext()))
    intake = next(h for h in citing.iter(W + "hyperlink") if h.get(W + "anchor") == "complaint_intake")
    assert "".join(t.text or "" for t in intake.iter(W + "t")) == "2.1 投诉受理"
    # The number is a field Word recomputes from the heading's numbering, not typed-in text: a
    # section a writer inserts in Word would otherwise leave it naming the wrong section.
    (instruction,) = [i.text for i in intake.iter(W + "instrText")]
    assert instruction == " REF complaint_intake \\w "
    assert "service_principles" in anchors
    assert set(anchors) <= bookmarks, set(anchors) - bookmarks
    for name in bookmarks:  # Word's rules for bookmark names; "_…" ones are hidden (as _Toc…)
        assert re.fullmatch(r"_?[A-Za-z][A-Za-z0-9_]{0,38}", name) and len(name) <= 40, name
    # Generated names stay out of Word's bookmark list, the manual's labels are in it.
    assert any(name.startswith("_mk_") for name in bookmarks)
    assert not [name for name in bookmarks if name.startswith("mk_")]
    sla_link = next(h for h in body.iter(W + "hyperlink") if "".join(h.itertext()) == "7个工作日")
    assert sla_link.get(W + "anchor") in bookmarks


def test_footnote_admonition_flowchart_and_code(built: Build) -> None:
    footnotes = built.xml("word/footnotes.xml")
    assert "消费者权益保护法" in "".join(footnotes.itertext())
    body = built.xml("word/document.xml")
    assert body.find(".//w:footnoteReference", NS) is not None
    # The mark is raised by its style (restyling it in Word changes every mark), not run by run.
    styles = built.xml("word/styles.xml")
    mark_style = styles.find("w:style[@w:styleId='FootnoteReference']", NS)
    assert mark_style.find("w:rPr/w:vertAlign", NS).get(W + "val") == "superscript"
    for part in (body, footnotes):
        for rpr in part.iter(W + "rPr"):
            if rpr.find("w:rStyle[@w:val='FootnoteReference']", NS) is not None:
                assert rpr.find("w:vertAlign", NS) is None
    box = next(t for t in body.iter(W + "tbl") if "节假日服务时间" in "".join(t.itertext()))
    assert box.find("w:tblPr/w:tblStyle", NS).get(W + "val") == "AdmonitionBox"
    # A warning is not read as a note: its own box style; the look lives in the styles only,
    # so restyling a box style in Word changes every box.
    warning = next(t for t in body.iter(W + "tbl") if "警告" in "".join(t.itertext()))
    assert warning.find("w:tblPr/w:tblStyle", NS).get(W + "val") == "WarningBox"
    assert box.find(".//w:tcPr/w:shd", NS) is None and warning.find(".//w:tcPr/w:shd", NS) is None
    styles = built.xml("word/styles.xml")
    fills = {
        style_id: styles.find(f"w:style[@w:styleId='{style_id}']/w:tcPr/w:shd", NS).get(W + "fill")
        for style_id in ("AdmonitionBox", "WarningBox")
    }
    assert len(set(fills.values())) == 2, fills
    with zipfile.ZipFile(built.output) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/") and n.endswith(".png")]
    assert images, "the process flowchart should be embedded as PNG"
    code = [p for p in body.iter(W + "p") if p.find("w:pPr/w:pStyle[@w:val='SourceCode']", NS) is not None]
    assert "CS-YYYYMMDD-NNNN" in "".join(code[0].itertext())


def test_word_sees_this_tool_and_current_layout_rules(built: Build) -> None:
    """python-docx's template said "Microsoft Macintosh Word", Normal.dotm, one page, no words,
    and Word 2010 compatibility mode (Word shows 兼容模式 in the title bar)."""
    app = built.xml("docProps/app.xml")
    ns = {"ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"}
    assert app.findtext("ep:Application", namespaces=ns) == "manualkit"
    assert app.findtext("ep:Company", namespaces=ns) == "测试银行股份有限公司"
    for absent in ("Template", "Pages", "Words", "AppVersion"):
        assert app.find(f"ep:{absent}", ns) is None
    settings = built.xml("word/settings.xml")
    mode = settings.find(".//w:compatSetting[@w:name='compatibilityMode']", NS)
    assert mode is not None and mode.get(W + "val") == "15"
    assert (
        built.xml("docProps/core.xml").find(
            "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastPrinted"
        )
        is None
    )


def test_core_properties_from_data(built: Build) -> None:
    props = docx.Document(str(built.output)).core_properties
    assert props.title == "客户服务操作手册（测试）"
    assert props.author == "个人金融部"
    assert props.version == "2.1"
    assert "2.1" in props.keywords and "CS-OPS-TEST-001" in props.keywords
    assert props.revision == 2
    assert props.created is not None and props.created.date().isoformat() == "2024-06-15"
    assert props.modified is not None and props.modified.date().isoformat() == "2025-02-20"


def test_reproducible_bytes(built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = build(FIXTURE, tmp_path)
    assert again.output.read_bytes() == built.output.read_bytes()
    with zipfile.ZipFile(built.output) as archive:
        names = archive.namelist()
        stamps = {info.date_time for info in archive.infolist()}
    assert names[0] == "[Content_Types].xml"
    stamp = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC)
    assert stamps == {(stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)}


def test_unknown_node_warns_with_location_and_keeps_text(tmp_path: Path) -> None:
    result = build(UNKNOWN_FIXTURE, tmp_path)
    assert "'mystery'" in result.warnings
    assert "index.md:7" in result.warnings
    text = "".join(etree.fromstring(zipfile.ZipFile(result.output).read("word/document.xml")).itertext())
    assert "神秘节点中的文字不得丢失。" in text


def test_svg_drawings_become_pictures_and_bad_images_are_located(tmp_path: Path) -> None:
    """An SVG in a chapter stopped the DOCX build with an internal UnrecognizedImageError."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    drawing = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="300" height="150"><rect width="300" height="150" fill="#dde"/>'
        '<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    (project / "manual" / "chart.svg").write_text(drawing, encoding="utf-8")
    # A picture the site shows but Word does not take (an unreadable SVG is refused by every build).
    (project / "manual" / "broken.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8 ")
    chapter = sorted((project / "manual").glob("0*.md"))[0]
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n![服务示意图](chart.svg)\n\n![损坏的图](broken.webp)\n")
    line = len(chapter.read_text(encoding="utf-8").splitlines())

    result = build(project, tmp_path / "work")

    assert result.status == 0 and result.output.is_file()
    assert re.search(
        rf"{chapter.name}:{line}: WARNING: cannot put image broken.webp into the DOCX", result.warnings
    )
    body = result.xml("word/document.xml")
    extents = [
        (int(e.get("cx")), int(e.get("cy")))
        for e in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent")
    ]
    assert (300 * 9525, 150 * 9525) in extents  # the size the drawing declares (9525 EMU a CSS pixel)
    with zipfile.ZipFile(result.output) as archive:
        pictures = [archive.read(n) for n in archive.namelist() if n.startswith("word/media/")]
    assert any(p.startswith(b"\x89PNG") and len(p) < 50_000 for p in pictures)
    assert "损坏的图" in "".join(body.itertext())  # the alt text stands in for the picture


def test_warnings_as_errors_fail_and_keep_previous_file(tmp_path: Path) -> None:
    previous = tmp_path / "build" / "docx" / DOCX_NAME
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"previous build")
    try:
        result = build(UNKNOWN_FIXTURE, tmp_path, warnings_are_errors=True)
    except SphinxError:
        pass  # older Sphinx raises on the first warning
    else:
        assert result.status != 0
    assert previous.read_bytes() == b"previous build"
    assert [p.name for p in previous.parent.iterdir()] == [DOCX_NAME]  # no temp files left


def test_invalid_data_fails_and_keeps_previous_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(UNKNOWN_FIXTURE, project)
    shutil.copytree(FIXTURE / "data", tmp_path / "data")
    (tmp_path / "data" / "manual.yaml").write_text("title: 缺少其他字段\n", encoding="utf-8")
    previous = tmp_path / "build" / "docx" / DOCX_NAME
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"previous build")
    with pytest.raises(SphinxError, match=r"manual\.yaml"):
        build(project, tmp_path)
    assert previous.read_bytes() == b"previous build"


def test_graphviz_failure_is_reported_not_swallowed(tmp_path: Path) -> None:
    with pytest.raises(GraphvizError, match="syntax error"):
        render_dot_png("digraph { a -> }")
    with pytest.raises(GraphvizError, match="not found"):
        render_dot_png("digraph { a -> b }", dot="no-such-dot-binary")
    renderer = GraphRenderer("dot", tmp_path)
    png = renderer.png("digraph { 受理 -> 答复 }")
    assert png.startswith(b"\x89PNG")
    assert len(list(tmp_path.glob("graphviz-*.png"))) == 1  # cached for the next build


def _logging_dot(tmp_path: Path, *, wait_for: Path | None = None) -> tuple[Path, Path]:
    """A ``dot`` that logs each start (and first waits for ``wait_for`` to exist, 20 s at most)."""
    real_dot = shutil.which("dot")
    assert real_dot is not None, "graphviz is part of the project's system packages"
    log = tmp_path / "dot-starts.log"
    wait = (
        f'for _ in $(seq 400); do [ -e "{wait_for}" ] && break; sleep 0.05; done\n'
        f'[ -e "{wait_for}" ] || exit 3\n'
        if wait_for is not None
        else ""
    )
    stub = tmp_path / "dot"
    stub.write_text(f'#!/bin/sh\necho started >> "{log}"\n{wait}exec "{real_dot}" "$@"\n', encoding="utf-8")
    stub.chmod(0o755)
    return stub, log


def test_flowcharts_render_while_the_caller_goes_on(tmp_path: Path) -> None:
    """``prerender`` returns at once; ``png`` waits for the render it needs."""
    go = tmp_path / "go"
    dot, log = _logging_dot(tmp_path, wait_for=go)
    threads = threading.active_count()
    with GraphRenderer(str(dot), tmp_path / "cache") as renderer:
        # A render run in the caller would wait here for "go" until the stub gives up (exit 3).
        renderer.prerender(["digraph { 受理 -> 答复 }", "digraph { 答复 -> 归档 }"])
        assert not go.exists()
        # No thread waits for them: Sphinx may fork its parallel readers meanwhile.
        assert threading.active_count() == threads
        go.touch()
        assert renderer.png("digraph { 受理 -> 答复 }").startswith(b"\x89PNG")
        assert renderer.png("digraph { 答复 -> 归档 }").startswith(b"\x89PNG")
    assert log.read_text(encoding="utf-8").count("started") == 2


def test_flowcharts_start_rendering_while_the_sources_are_read(tmp_path: Path) -> None:
    """``dot`` runs during the read (another core), not in the write phase after it."""
    dot, log = _logging_dot(tmp_path)
    started_before_writing: list[int] = []

    def count_starts(app: Sphinx, env: object) -> None:
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        started_before_writing.append(text.count("started"))

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = build(FIXTURE, tmp_path, overrides={"graphviz_dot": str(dot)}, on_env_updated=count_starts)
    assert result.status == 0, result.warnings
    flowcharts = len(docx.Document(str(result.output)).inline_shapes)
    assert flowcharts >= 1
    assert started_before_writing == [log.read_text(encoding="utf-8").count("started")]
    assert started_before_writing[0] >= 1


def test_flowcharts_get_the_dot_arguments_the_html_and_pdf_charts_get(tmp_path: Path) -> None:
    """conf.py's ``graphviz_dot_args`` reach the DOCX's ``dot`` too, not only Sphinx's own runs."""
    real_dot = shutil.which("dot")
    assert real_dot is not None, "graphviz is part of the project's system packages"
    log = tmp_path / "dot-args.log"
    stub = tmp_path / "dot"
    stub.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real_dot}" "$@"\n', encoding="utf-8")
    stub.chmod(0o755)
    overrides = {"graphviz_dot": str(stub), "graphviz_dot_args": ["-Nfontname=Noto Sans CJK SC"]}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = build(FIXTURE, tmp_path, overrides=overrides)
    assert result.status == 0, result.warnings
    png_runs = [line for line in log.read_text(encoding="utf-8").splitlines() if "-Tpng" in line]
    assert png_runs, "the DOCX flowcharts were drawn"
    assert all(line.startswith("-Nfontname=Noto Sans CJK SC ") for line in png_runs), png_runs


@pytest.mark.libreoffice
def test_libreoffice_converts_to_pdf_with_every_chapter(built: Build, tmp_path: Path) -> None:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler-utils not installed")
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(built.output),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / DOCX_NAME.replace(".docx", ".pdf")
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in CHAPTER_TITLES:
        assert title in text
    # LibreOffice numbers the headings from Word's heading list.
    assert re.search(r"^\s*2\s+投诉处理", text, re.MULTILINE), text
    assert re.search(r"^\s*1\.1\s+服务理念", text, re.MULTILINE), text
    for fact in ("CS-OPS-TEST-001", "个人金融部", "7个工作日", "投诉受理登记表"):
        assert fact.replace("个工作日", "") in text.replace(" ", "")
    # The revision history's dates beside names break after 年 at most, never inside "2月14日".
    lines = [line.replace(" ", "") for line in text.splitlines()]
    for date in ("2024年", "6月1日", "2025年", "2月10日", "2月14日"):
        assert any(date in line for line in lines), date
    pages = tmp_path / "pages"
    pages.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pages / "docx-fixture-page")], check=True)
    rendered = sorted(pages.glob("docx-fixture-page-*.png"))
    assert len(rendered) == text.count("\f")  # one image per page (pdftotext ends each with a form feed)
    # For a human to look at (README, Tests): this run's PDF and pages, none left from an earlier run.
    ARTIFACTS.mkdir(exist_ok=True)
    for earlier in ARTIFACTS.glob("docx-fixture*"):
        earlier.unlink()
    shutil.copy(pdf, ARTIFACTS / "docx-fixture.pdf")
    for page in rendered:
        shutil.copy(page, ARTIFACTS)


@pytest.mark.libreoffice
def test_a_section_inserted_in_word_renumbers_the_references_to_those_after_it(
    built: Build, tmp_path: Path
) -> None:
    """A writer inserts a section before 投诉受理 (2.1): the reference "2.1 投诉受理" in chapter 1
    follows it to 2.2, as Word's cross-references do (LibreOffice computes the REF field)."""
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler-utils not installed")
    import docx

    document = docx.Document(str(built.output))
    intake = next(p for p in document.paragraphs if p.style.name == "Heading 2" and p.text == "投诉受理")
    intake.insert_paragraph_before("新增小节", style="Heading 2")
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(edited)],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    text = (
        subprocess.run(
            ["pdftotext", str(tmp_path / "edited.pdf"), "-"], capture_output=True, text=True, check=True
        )
        .stdout.replace(" ", "")
        .replace("\n", "")
    )
    assert "投诉处理要求见2.2投诉受理" in text, text


def test_form_appendices_start_a_new_page_with_their_first_form(built: Build) -> None:
    """As in the PDF: the appendices start a page, and their first form shares it with them.

    Breaking before the first form too left the appendices' heading alone at a page's foot.
    """
    body = built.xml("word/document.xml")
    headings = {
        "".join(p.itertext()): p
        for p in body.iter(W + "p")
        if (style := p.find("w:pPr/w:pStyle", NS)) is not None and style.get(W + "val").startswith("Heading")
    }
    (holder,) = [p for text, p in headings.items() if text.endswith("附件")]
    (first,) = [p for text, p in headings.items() if "附件1" in text]
    assert holder.find("w:pPr/w:pageBreakBefore", NS) is not None
    assert first.find("w:pPr/w:pageBreakBefore", NS) is None


def test_every_later_form_appendix_starts_a_page_of_its_own() -> None:
    holder = nodes.section("", nodes.title("附件", "附件"))
    appendices = [
        nodes.section("", nodes.title(f"附件{n}", f"附件{n}"), classes=["mk-form-appendix"])
        for n in (1, 2, 3)
    ]
    holder.extend(appendices)
    other = nodes.section("", nodes.title("其他", "其他"))
    starts = [_starts_page(section) for section in (holder, *appendices, other)]
    assert starts == [True, False, True, True, False]
    holder.insert(1, nodes.paragraph("", "说明"))  # text between the heading and the first form
    assert _starts_page(appendices[0])


def _style(p: etree._Element) -> str:
    style = p.find("w:pPr/w:pStyle", NS)
    return "" if style is None else str(style.get(W + "val"))


def test_a_form_keeps_together_on_one_page(built: Build) -> None:
    """A paper form split over two sheets loses its last rows or signatures: it keeps together."""
    body = built.xml("word/document.xml").find("w:body", NS)
    assert body is not None
    blocks = list(body)
    forms = [
        i
        for i, block in enumerate(blocks)
        if block.tag == W + "tbl" and block.find(".//w:sdt", NS) is not None
    ]
    assert forms
    for index in forms:
        # The form: its table, then its notes and signature lines up to the next heading.
        rest = blocks[index + 1 :]
        end = next(
            (i for i, b in enumerate(rest) if b.tag == W + "tbl" or _style(b).startswith("Heading")),
            len(rest),
        )
        tail = [b for b in rest[:end] if b.tag == W + "p"]
        signatures = [i for i, p in enumerate(tail) if _style(p) == "SignatureLine"]
        assert signatures, "a form ends with its signature lines"
        paragraphs = [*blocks[index].iter(W + "p"), *tail[: signatures[-1] + 1]]
        assert all(p.find("w:pPr/w:keepNext", NS) is not None for p in paragraphs[:-1])
        assert paragraphs[-1].find("w:pPr/w:keepNext", NS) is None
        jc = [p.find("w:pPr/w:jc", NS) for p in paragraphs if _style(p) == "SignatureLine"]
        assert all(j is None for j in jc)  # aligned by the style (right), see the next assertion
    styles = built.xml("word/styles.xml")
    (signature_style,) = [s for s in styles.iter(W + "style") if s.get(W + "styleId") == "SignatureLine"]
    jc = signature_style.find("w:pPr/w:jc", NS)
    assert jc is not None and jc.get(W + "val") == "right"  # the date blanks line up
    # Spaced like the PDF's (2 mm above, single-and-a-quarter lines): with 18 pt above and 1.5
    # lines, three signers took 47 mm and pushed a form's tail onto a second page.
    spacing = signature_style.find("w:pPr/w:spacing", NS)
    above_mm = int(spacing.get(W + "before")) / 1440 * 25.4
    assert 1.5 <= above_mm <= 2.5 and int(spacing.get(W + "line")) <= 300


def test_short_row_labels_keep_their_column_wide_enough(built: Build) -> None:
    """A prose table's labels stay on one line in every output: "业务办理准确性" (7 characters) is
    more than the five or six a sentence-filled row otherwise leaves its first column."""
    body = built.xml("word/document.xml")
    table = next(t for t in body.iter(W + "tbl") if "业务办理准确性" in "".join(t.itertext()))
    grid = [int(col.get(W + "w")) for col in table.find("w:tblGrid", NS)]
    assert grid[0] >= display_width("业务办理准确性") * TWIPS_PER_HALF_EM + CELL_PADDING, grid


def test_a_column_a_little_too_narrow_takes_room_the_text_column_can_spare() -> None:
    """措施 | 要求 | 责任岗位: proportional shares left "信息科技运维人" / "员", a line for one
    character, while 要求's longest line had room to spare on its last line."""
    natural = [10, 63, 16]  # 数据加密 | a 63 half-em requirement | 信息科技运维人员
    widths = fit_column_widths(natural, 9298)
    assert widths[2] >= 16 * TWIPS_PER_HALF_EM + CELL_PADDING
    room = (widths[1] - CELL_PADDING) // TWIPS_PER_HALF_EM
    assert -(-63 // room) == 2  # the requirement still takes two lines
    assert abs(sum(widths) - 9298) <= len(widths)
    # A requirement that would take a third line for it gives nothing: the role wraps instead.
    tight = fit_column_widths([10, 110, 16], 9298)
    assert tight[2] < 16 * TWIPS_PER_HALF_EM + CELL_PADDING
    assert -(-110 // ((tight[1] - CELL_PADDING) // TWIPS_PER_HALF_EM)) == 2


# -- the body translated by two processes ----------------------------------------------------------


def _force_parallel(monkeypatch: pytest.MonkeyPatch, offset: int) -> list[int]:
    """Work in two processes, the child taking the chapters from ``offset`` (0: all of them).

    Returns a list that receives one entry per child's part whose blocks went into the written
    document.  pytest's own threads (xdist) would otherwise keep the writer from forking.
    """
    merges: list[int] = []
    real_splice = docx_parallel.ChildPart.splice

    def splice(self: docx_parallel.ChildPart, document_xml: bytes) -> bytes:
        spliced = real_splice(self, document_xml)
        merges.append(1)
        return spliced

    def plan(*args: Any) -> docx_parallel.PartPlan | None:
        planned = docx_parallel.plan_parts(*args)
        assert planned is not None
        listed = [*planned.head, *planned.tail]
        return docx_parallel.PartPlan(planned.steps, tuple(listed[:offset]), tuple(listed[offset:]))

    monkeypatch.setattr(docx_builder, "single_file_processes", lambda app: 2)
    monkeypatch.setattr(docx_builder, "fork_is_safe", lambda: True)
    monkeypatch.setattr(docx_document, "plan_parts", plan)
    monkeypatch.setattr(docx_parallel.ChildPart, "splice", splice)
    return merges


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_two_processes_write_the_same_document(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    """Each split of the fixture's three chapters gives the serial translation's bytes.

    From the first chapter on, the child has the footnote, the cross-references into the
    chapters before it and the numbered lists; from the second, the flowchart (a picture and
    its relationship) and the glossary; from the third, the forms and their appendices.
    """
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    merges = _force_parallel(monkeypatch, offset)
    noted: list[dict[str, list[str]]] = []
    result = build(
        FIXTURE,
        tmp_path,
        on_env_updated=lambda app, env: noted.append(dict(getattr(env, FLOWCHARTS_ATTR, {}))),
    )
    assert result.status == 0, result.warnings
    assert merges == [1]
    assert result.output.read_bytes() == built.output.read_bytes()
    # The flowchart was known before writing: drawn while the manual was assembled, not twice.
    assert list(noted[0]) == ["02-complaints"] and "digraph" in noted[0]["02-complaints"][0]


def test_a_childs_part_that_does_not_fit_is_translated_again(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the two sides disagree at the split, the child's blocks are not used."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    merges = _force_parallel(monkeypatch, 1)
    real_state = docx_parallel._state
    monkeypatch.setattr(docx_parallel, "_state", lambda translator: (*real_state(translator), os.getpid()))
    result = build(FIXTURE, tmp_path)
    assert result.status == 0, result.warnings
    assert merges == []
    assert result.output.read_bytes() == built.output.read_bytes()


def _root_tree(*, listed: list[str], after: bool = False) -> nodes.document:
    """document > section > compound > toctree, as the root document is read."""
    tree = nodes.document(None, None)  # type: ignore[arg-type]
    section = nodes.section()
    section += nodes.title("手册", "手册")
    wrapper = nodes.compound(classes=["toctree-wrapper"])
    wrapper += addnodes.toctree(includefiles=listed)
    section += wrapper
    if after:
        section += nodes.paragraph("之后", "之后")
    tree += section
    return tree


def test_the_split_gives_the_child_its_share_of_the_last_chapters() -> None:
    sizes = {"a": 400, "b": 100, "c": 100, "d": 100, "e": 100, "f": 100}
    size = lambda name: sizes.get(name, 0) if name != "index" else sum(sizes.values())  # noqa: E731

    def plan(listed: list[str], *, after: bool = False) -> docx_parallel.PartPlan | None:
        tree = _root_tree(listed=listed, after=after)
        return docx_parallel.plan_parts(tree, {"index": listed}, "index", size)

    planned = plan(list(sizes))
    assert planned is not None
    assert planned.steps == (0, 1, 0)  # document > section (its last child) > compound > toctree
    assert planned.head == ("a", "b", "c")
    assert planned.tail == ("d", "e", "f")  # 300 of 900: the next would pass the child's share
    assert sum(sizes[name] for name in planned.tail) <= docx_parallel.CHILD_SHARE * 900
    # One huge last chapter still goes to the child, and this side keeps one at least.
    sizes.update(a=10, b=1000)
    planned = plan(["a", "b"])
    assert planned is not None and planned.head == ("a",) and planned.tail == ("b",)
    # Content after the chapters, or a single chapter: no split.
    assert plan(list(sizes), after=True) is None
    assert plan(["a"]) is None
    # A document included twice (by the root and by a chapter): no split.
    tree = _root_tree(listed=["a", "b"])
    assert docx_parallel.plan_parts(tree, {"index": ["a", "b"], "a": ["b"]}, "index", size) is None


def test_two_renderers_of_one_chart_share_the_cache(tmp_path: Path) -> None:
    """Two processes translating one manual may draw the same flowchart at the same moment."""
    code = "digraph { 受理 -> 核实 -> 答复 }"
    results: list[bytes] = []
    renderers = [GraphRenderer("dot", tmp_path) for _ in range(4)]
    threads = [threading.Thread(target=lambda r=r: results.append(r.png(code))) for r in renderers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1 and results[0].startswith(b"\x89PNG")
    assert [path.name for path in tmp_path.iterdir() if path.suffix != ".png"] == []


@pytest.mark.parametrize("dies_in", ["_prune", "_translate_tail", "renumber", "break_chapters"])
def test_a_child_that_dies_leaves_the_work_to_this_process(
    built: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies_in: str
) -> None:
    """A child killed (out of memory) before or after the two sides swapped what their parts
    hold, or once this side has taken its part's numbering (renumbering its blocks, or ending
    their sections as told): this side does not wait for ever, and assembles and translates the
    manual itself."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    merges = _force_parallel(monkeypatch, 1)
    monkeypatch.setattr(docx_parallel, dies_in, lambda *args, **kwargs: os._exit(9))
    result = build(FIXTURE, tmp_path)
    assert result.status == 0, result.warnings
    assert merges == []
    assert result.output.read_bytes() == built.output.read_bytes()


def test_warnings_of_the_childs_part_are_reported_once_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child resolves its own chapters: what it warns of comes home once, with its location."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    chapter = project / "manual" / "03-forms.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n另见{ref}`no-such-section`。\n", encoding="utf-8"
    )
    serial = build(project, tmp_path / "serial")
    assert "03-forms.md" in serial.warnings and "no-such-section" in serial.warnings
    merges = _force_parallel(monkeypatch, 1)
    parallel = build(project, tmp_path / "parallel")
    assert merges == [1]
    assert parallel.warnings.splitlines() == serial.warnings.splitlines()
    assert parallel.output.read_bytes() == serial.output.read_bytes()
