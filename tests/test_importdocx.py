"""`manualkit import-docx` turns a Word manual into MyST chapters and lists durations to make SLAs."""

from __future__ import annotations

import argparse
from pathlib import Path

import docutils.nodes
import docx
import pytest
from docutils import nodes
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from manualkit.importdocx import DocxImportError, add_import_docx_parser, import_docx


def _outline_paragraph(document: docx.document.Document, text: str, level0: int) -> None:
    """A paragraph that is a heading only through its outline level (no Heading style)."""
    paragraph = document.add_paragraph(text)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level0))
    paragraph._p.get_or_add_pPr().append(outline)


def _word_manual(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("客户服务操作手册", level=0)
    # A cover line and a table of contents, as a Word manual opens.
    document.add_paragraph("文件编号：KF-001，本手册自发布之日起5个工作日后施行。")
    for name in ("TOC Heading", "toc 1", "toc 2"):
        if name not in [style.name for style in document.styles]:
            document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("目录", style="TOC Heading")
    document.add_paragraph("第1章 投诉处理\t1", style="toc 1")
    document.add_paragraph("1.1 投诉受理\t1", style="toc 2")
    document.add_heading("第1章 投诉处理", level=1)
    # manualkit's own DOCX carries a generated document-control line under each chapter title.
    document.styles.add_style("Chapter Info", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph(
        "本章文档信息：责任岗位 客服主管；下次复核日期 2027年11月30日", style="Chapter Info"
    )
    document.add_heading("1.1 投诉受理", level=2)
    document.add_paragraph("客服专员收到投诉后，应在7个工作日内答复客户，并提前3天告知进展。")
    document.add_paragraph("核实客户身份", style="List Bullet")
    document.add_paragraph("登记投诉内容", style="List Bullet")
    _outline_paragraph(document, "1.1.1 登记要求", 2)
    table = document.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("事项", "时限"), ("首次响应", "24小时"), ("回访", "每季度")]):
        table.cell(r, 0).text = a
        table.cell(r, 1).text = b
    outline_style = document.styles.add_style("大纲一级", WD_STYLE_TYPE.PARAGRAPH)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "0")
    outline_style.element.get_or_add_pPr().append(outline)
    document.add_paragraph("第二章 Service Standards", style="大纲一级")
    document.add_paragraph("服务用语应规范，*不得*使用[内部]术语。")
    document.save(str(path))
    return path


def test_import_structure_tables_and_duration_report(tmp_path: Path) -> None:
    source = _word_manual(tmp_path / "旧手册.docx")
    out = tmp_path / "out"

    result = import_docx(source, out, owner="cs.manager")

    assert [p.name for p in result.files] == ["01-chapter-1.md", "02-service-standards.md"]
    first = result.files[0].read_text(encoding="utf-8")
    assert first.startswith("---\nowner: cs.manager\nreview_due: ")
    expected = (
        "(chapter-1)=\n# 投诉处理\n\n"
        "(section-1-1)=\n## 投诉受理\n\n"
        "客服专员收到投诉后，应在7个工作日内答复客户，并提前3天告知进展。\n\n"
        "- 核实客户身份\n- 登记投诉内容\n\n"
        "(section-1-1-1)=\n### 登记要求\n\n"
        ":::{list-table}\n:header-rows: 1\n\n"
        "* - 事项\n  - 时限\n* - 首次响应\n  - 24小时\n* - 回访\n  - 每季度\n:::\n"
    )
    assert expected in first
    second = result.files[1].read_text(encoding="utf-8")
    assert "(service-standards)=\n# Service Standards\n" in second, "outline level from the style"
    assert "服务用语应规范，\\*不得\\*使用\\[内部\\]术语。" in second, "markup characters escaped"

    found = {(f.path.name, f.mention) for f in result.findings}
    assert found == {
        ("index.md", "5个工作日"),
        ("01-chapter-1.md", "7个工作日"),
        ("01-chapter-1.md", "提前3天"),
        ("01-chapter-1.md", "24小时"),
        ("01-chapter-1.md", "每季度"),
    }
    seven = next(f for f in result.findings if f.mention == "7个工作日")
    assert "7个工作日" in first.splitlines()[seven.line - 1], "report line points at the MyST output"
    assert "--value 7 --unit working_days" in seven.suggestion
    report = (out / "import-report.txt").read_text(encoding="utf-8")
    assert f"01-chapter-1.md:{seven.line}: 7个工作日" in report
    index = (out / "index.md").read_text(encoding="utf-8")
    assert index.startswith("---\nowner: cs.manager\nreview_due: ")
    # The Title paragraph heads the index; the text before the first chapter opens it (no chapter
    # of its own); the table of contents and generated lines are not imported as prose.
    assert (
        "\n---\n\n# 客户服务操作手册\n\n文件编号：KF-001，本手册自发布之日起5个工作日后施行。\n\n```{toctree}"
        in index
    )
    assert "01-chapter-1\n02-service-standards\n```" in index
    assert "目录" not in index and "\t1" not in first and "本章文档信息" not in first
    opening = next(f for f in result.findings if f.path.name == "index.md")
    assert opening.mention == "5个工作日" and "5个工作日" in index.splitlines()[opening.line - 1]


def test_refuses_to_overwrite_and_rejects_non_docx(tmp_path: Path) -> None:
    source = _word_manual(tmp_path / "m.docx")
    import_docx(source, tmp_path / "out")
    with pytest.raises(DocxImportError, match=r"would overwrite 01-chapter-1\.md"):
        import_docx(source, tmp_path / "out")
    import_docx(source, tmp_path / "out", force=True)
    bogus = tmp_path / "notes.docx"
    bogus.write_text("not a zip", encoding="utf-8")
    with pytest.raises(DocxImportError, match=r"not a readable \.docx"):
        import_docx(bogus, tmp_path / "out2")


def test_the_terminal_lists_ten_durations_and_the_saved_report_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Importing a whole manual printed 210 durations (56 KB) to the terminal."""
    document = docx.Document()
    document.add_heading("投诉处理", level=1)
    for n in range(1, 15):
        document.add_paragraph(f"第{n}类事项应在{n}个工作日内办结。")
    source = tmp_path / "m.docx"
    document.save(str(source))
    parser = argparse.ArgumentParser(prog="manualkit")
    add_import_docx_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import-docx", str(source), "--out", str(tmp_path / "o")])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "Durations that should become SLAs: 14" in out
    assert out.count("个工作日 in “") == 10
    assert "… and 4 more in the saved report" in out
    saved = (tmp_path / "o" / "import-report.txt").read_text(encoding="utf-8")
    assert saved.count("个工作日 in “") == 14


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _word_manual(tmp_path / "m.docx")
    parser = argparse.ArgumentParser(prog="manualkit")
    add_import_docx_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import-docx", str(source), "--out", str(tmp_path / "o")])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "Durations that should become SLAs: 5" in out
    assert "No --owner given" in out
    args = parser.parse_args(["import-docx", str(tmp_path / "missing.docx")])
    assert args.handler(args) == 2, "README: 2 is invalid input or usage"
    assert "file not found" in capsys.readouterr().err


def _imported_chapter(document: docx.document.Document, tmp_path: Path) -> str:
    """``document`` saved, imported, and its one chapter's MyST text."""
    source = tmp_path / "source.docx"
    document.save(str(source))
    out = tmp_path / "out"
    import_docx(source, out)
    return next(p for p in out.glob("*.md") if p.name != "index.md").read_text(encoding="utf-8")


def _content_control(child: object) -> object:
    """``child`` wrapped in a content control (``w:sdt``), as Word's forms and templates have them."""
    sdt = OxmlElement("w:sdt")
    sdt.append(OxmlElement("w:sdtPr"))
    content = OxmlElement("w:sdtContent")
    content.append(child)
    sdt.append(content)
    return sdt


def test_text_inside_content_controls_is_imported(tmp_path: Path) -> None:
    """python-docx's ``Paragraph.text`` skips content controls: a filled-in field, a check box's
    ☐ and a whole section inside a block control vanished from the import without a word."""
    document = docx.Document()
    document.add_heading("第1章 投诉处理", level=1)
    paragraph = document.add_paragraph("受理渠道：")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "☐"
    run.append(text)
    paragraph._p.append(_content_control(run))
    paragraph.add_run(" 电话")
    inner = document.add_paragraph("客服专员应在7个工作日内答复客户。")
    document.element.body.remove(inner._p)
    marker = document.add_paragraph("")
    marker._p.addprevious(_content_control(inner._p))
    document.element.body.remove(marker._p)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "客户姓名"
    filled = OxmlElement("w:r")
    value = OxmlElement("w:t")
    value.text = "示例客户"
    filled.append(value)
    table.cell(0, 1).paragraphs[0]._p.append(_content_control(filled))
    chapter = _imported_chapter(document, tmp_path)
    assert "受理渠道：☐ 电话" in chapter
    assert "7个工作日内答复客户" in chapter
    assert "示例客户" in chapter


def _run_with(paragraph: object, *parts: str) -> None:
    """Append a run of ``parts``: text, or "<br>" / "<nbh>" for a line break / non-breaking hyphen."""
    run = OxmlElement("w:r")
    for part in parts:
        if part == "<br>":
            run.append(OxmlElement("w:br"))
        elif part == "<nbh>":
            run.append(OxmlElement("w:noBreakHyphen"))
        else:
            text = OxmlElement("w:t")
            text.set(qn("xml:space"), "preserve")
            text.text = part
            run.append(text)
    paragraph._p.append(run)  # type: ignore[attr-defined]


def test_hyphens_and_line_breaks_read_as_the_text_shows(tmp_path: Path) -> None:
    """Importing manualkit's own DOCX wrote "GB/T 352732020" (the non-breaking hyphen was read as
    nothing) and "经理， 2026年 11月6日）" (each line break in a cell read as a space)."""
    document = docx.Document()
    document.add_heading("第1章 信息安全", level=1)
    _run_with(document.add_paragraph(), "依据《个人信息安全规范》（GB/T\u00a035273", "<nbh>", "2020）执行。")
    _run_with(document.add_paragraph(), "Service", "<br>", "Standards 与服务", "<br>", "用语")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "起草"
    _run_with(table.cell(0, 1).paragraphs[0], "客户服务部（经理，", "<br>", "2026年", "<br>", "11月6日）")
    chapter = _imported_chapter(document, tmp_path)
    assert "GB/T 35273-2020" in chapter
    assert "客户服务部（经理，2026年11月6日）" in chapter
    assert "Service Standards 与服务用语" in chapter


def _rewritten(source: Path, target: Path, keep: dict[str, bytes | None]) -> Path:
    """``source``'s package with the parts in ``keep`` replaced (``None``: left out)."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = keep.get(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info, data)
    return target


def _damaged(kind: str, tmp_path: Path) -> Path:
    """A .docx damaged as a writer's file can be: ``kind`` names the damage."""
    import zipfile

    good = _word_manual(tmp_path / "good.docx")
    path = tmp_path / f"{kind}.docx"
    if kind == "truncated-xml":
        with zipfile.ZipFile(good) as package:
            body = package.read("word/document.xml")
        return _rewritten(good, path, {"word/document.xml": body[: len(body) // 2]})
    if kind == "stub":
        with zipfile.ZipFile(path, "w") as package:
            package.writestr("[Content_Types].xml", "<Types/>")
        return path
    if kind == "no-document":
        return _rewritten(good, path, {"word/document.xml": None})
    if kind == "text":
        path.write_text("这不是 Word 文件", encoding="utf-8")
        return path
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a download cut short
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("truncated-xml", "(word/document.xml is damaged: "),
        ("stub", "(_rels/.rels is missing: the file is not a complete Word package)"),
        ("no-document", "(word/document.xml is missing: the package holds no Word document)"),
        ("text", "(expected a ZIP package, as every .docx is, found another kind of file"),
        ("truncated-zip", "(the ZIP package is truncated or damaged;"),
    ],
)
def test_damaged_docx_is_one_line_exit_2_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, reason: str
) -> None:
    source = _damaged(kind, tmp_path)
    parser = argparse.ArgumentParser(prog="manualkit")
    add_import_docx_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import-docx", str(source), "--out", str(tmp_path / "out")])
    assert args.handler(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"manualkit import-docx: {source}: not a readable .docx file {reason}")
    assert err.count("\n") == 1 and "Package not found" not in err
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_refused_before_importing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _word_manual(tmp_path / "m.docx")
    taken = tmp_path / "notes.txt"
    taken.write_text("x", encoding="utf-8")
    parser = argparse.ArgumentParser(prog="manualkit")
    add_import_docx_parser(parser.add_subparsers(dest="command"))
    for out, message in [
        (taken, f"--out {taken}: is a file, expected a directory"),
        (taken / "sub", f"--out {taken / 'sub'}: expected a directory path, found that {taken} is a file"),
    ]:
        args = parser.parse_args(["import-docx", str(source), "--out", str(out)])
        assert args.handler(args) == 2
        assert capsys.readouterr().err == f"manualkit import-docx: {message}\n"
    assert taken.read_text(encoding="utf-8") == "x"


# --------------------------------------------------------------------------- Word as manuals use it

_W_XMLNS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
)


def _xml_paragraph(document: docx.document.Document, inner: str) -> None:
    """Append a ``w:p`` written as XML (tracked changes, fields, text boxes python-docx cannot make)."""
    from docx.oxml import parse_xml

    document.element.body.find(qn("w:sectPr")).addprevious(parse_xml(f"<w:p {_W_XMLNS}>{inner}</w:p>"))


def _doctree(myst: str) -> docutils.nodes.document:
    """``myst`` parsed as the manual's MyST setup reads it (``colon_fence``), as a docutils tree."""
    import warnings

    from docutils.core import publish_doctree
    from myst_parser.parsers.docutils_ import Parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # myst-parser's own traverse()
        return publish_doctree(
            myst,
            parser=Parser(),
            settings_overrides={"myst_enable_extensions": ["colon_fence"], "report_level": 5},
        )


def _rendered(myst: str) -> str:
    """The text MyST shows for ``myst`` (docutils' text of the parsed document), one line per block."""
    return _doctree(myst).astext()


def test_tracked_changes_text_boxes_and_toc_fields_read_as_word_shows_them(tmp_path: Path) -> None:
    """The source of a tracked move came in beside its destination, a text box twice (Word writes a
    VML copy of each), and a table of contents made by a TOC field (not "toc N" styled) as prose."""
    document = docx.Document()
    _xml_paragraph(
        document,
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o "1-3" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>第一章 投诉处理\t1</w:t></w:r>',
    )
    _xml_paragraph(document, '<w:r><w:t>一、受理\t2</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
    document.add_heading("第一章 投诉处理", level=1)
    _xml_paragraph(
        document,
        '<w:moveFrom w:id="1" w:author="a"><w:r><w:t>应于当日登记。</w:t></w:r></w:moveFrom>'
        "<w:r><w:t>受理后</w:t></w:r>"
        '<w:del w:id="2" w:author="a"><w:r><w:delText>10个工作日</w:delText></w:r></w:del>'
        '<w:ins w:id="3" w:author="a"><w:r><w:t>7个工作日</w:t></w:r></w:ins>'
        "<w:r><w:t>内答复。</w:t></w:r>"
        '<w:moveTo w:id="4" w:author="a"><w:r><w:t>应于当日登记。</w:t></w:r></w:moveTo>',
    )
    _xml_paragraph(
        document,
        '<w:r><w:t>见右侧说明</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        "<w:txbxContent><w:p><w:r><w:t>说明：须核实身份</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>说明：须核实身份</w:t></w:r></w:p></w:txbxContent>"
        "</w:pict></mc:Fallback></mc:AlternateContent></w:r>",
    )
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8")
    assert "受理后7个工作日内答复。应于当日登记。" in chapter and chapter.count("应于当日登记") == 1
    assert "10个工作日" not in chapter
    assert chapter.count("说明：须核实身份") == 1
    index = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    assert "受理\t2" not in index and "一、受理" not in index and "投诉处理 1" not in index


def test_tables_keep_nested_tables_merged_cells_and_marked_header_rows(tmp_path: Path) -> None:
    """A table inside a cell was lost; a vertically merged cell's duration came in the report once
    per row; a table whose heading rows Word marks got one heading row only.  The merged cell's
    text is in each of its rows (a list-table has no merged cells), its duration reported once."""
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    table = document.add_table(rows=4, cols=2)
    for r, (a, b) in enumerate([("类别", "时限"), ("分类", "时限"), ("一般投诉", "7个工作日"), ("", "")]):
        table.cell(r, 0).text = a
        table.cell(r, 1).text = b
    table.cell(2, 1).merge(table.cell(3, 1))
    table.cell(3, 0).text = "复杂投诉"
    for row in table.rows[:2]:
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "回访"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("电话", "3个工作日"), ("信函", "5个工作日")]):
        inner.cell(r, 0).text = a
        inner.cell(r, 1).text = b
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8")
    assert ":header-rows: 2\n" in chapter
    assert "* - 一般投诉\n  - 7个工作日\n* - 复杂投诉\n  - 7个工作日\n" in chapter
    assert "* - 回访\n  - - 电话，3个工作日\n    - 信函，5个工作日\n" in chapter
    assert sorted(f.mention for f in result.findings) == ["3个工作日", "5个工作日", "7个工作日"]
    rendered = _rendered(chapter)
    assert "电话，3个工作日" in rendered and "信函，5个工作日" in rendered


def _add_footnotes(document: docx.document.Document, notes: dict[int, str]) -> None:
    """A footnotes part with ``notes`` (id → text), as Word writes it (python-docx makes none)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    body = "".join(
        f'<w:footnote w:id="{i}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>'
        for i, text in notes.items()
    )
    separator = '<w:footnote w:type="separator" w:id="-1"><w:p/></w:footnote>'
    xml = f"<w:footnotes {_W_XMLNS}>{separator}{body}</w:footnotes>"
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        xml.encode("utf-8"),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)


def test_footnotes_links_and_bold_come_in_as_myst(tmp_path: Path) -> None:
    """Footnote text was lost (only the body was read), a link kept its text but lost its address,
    and bold was dropped; "**注意：**客户" would not even print bold (CommonMark's flanking rule)."""
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    _xml_paragraph(
        document,
        "<w:r><w:t>一般投诉7个工作日内办结</w:t></w:r>"
        '<w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>。</w:t></w:r>',
    )
    link = document.part.relate_to(
        "https://www.nfra.gov.cn/",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
        is_external=True,
    )
    _xml_paragraph(
        document,
        f'<w:r><w:t>详见</w:t></w:r><w:hyperlink r:id="{link}"><w:r><w:t>监管网站</w:t></w:r></w:hyperlink>'
        "<w:r><w:rPr><w:b/></w:rPr><w:t>注意：</w:t></w:r><w:r><w:t>客户身份</w:t></w:r>"
        "<w:r><w:rPr><w:b/></w:rPr><w:t>必须</w:t></w:r><w:r><w:t>先核实。</w:t></w:r>",
    )
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).paragraphs[0]._p.append(
        __import__("docx.oxml", fromlist=["parse_xml"]).parse_xml(
            f'<w:r {_W_XMLNS}><w:footnoteReference w:id="2"/></w:r>'
        )
    )
    table.cell(0, 0).paragraphs[0].insert_paragraph_before("重大投诉")
    _add_footnotes(document, {1: "依据监管规定，特殊情况可延长至15个工作日。", 2: "含监管转办投诉。"})
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8")
    assert "* - 重大投诉\n\n    注：含监管转办投诉。\n" in chapter and "\ue005" not in chapter
    assert "一般投诉7个工作日内办结[^1]。\n" in chapter
    assert "\n[^1]: 依据监管规定，特殊情况可延长至15个工作日。\n" in chapter
    assert "详见[监管网站](https://www.nfra.gov.cn/)**注意**：客户身份**必须**先核实。" in chapter
    assert "15个工作日" in {f.mention for f in result.findings}, "footnote durations are reported"


@pytest.mark.parametrize("text", ["~~~", "---", "+++", "1) 按顺序办理", "1.", "&amp; 与 &lt;"])
def test_paragraph_text_that_looks_like_block_syntax_prints_as_typed(tmp_path: Path, text: str) -> None:
    """ "~~~" opened a code fence that swallowed the rest of the chapter, "---" became a rule, "&amp;"
    printed "&", and "1) …" was written "\\1) …", which printed its backslash."""
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    document.add_paragraph(text)
    document.add_paragraph("其后的段落。")
    chapter = _imported_chapter(document, tmp_path)
    assert _rendered(chapter).split("\n\n")[-2:] == [text, "其后的段落。"]


def test_heading_titles_keep_their_words_and_levels_do_not_skip(tmp_path: Path) -> None:
    """ "2026年工作要点" came in as "年工作要点" (the year was taken for manual numbering), "一、" and
    "（一）" stayed in the titles, and a Heading 3 right under a Heading 1 skipped a level."""
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    document.add_heading("2026年工作要点", level=3)
    document.add_heading("一、受理渠道", level=2)
    document.add_heading("（一）电话渠道", level=3)
    document.add_heading("24小时服务承诺", level=3)
    chapter = _imported_chapter(document, tmp_path)
    assert "\n## 2026年工作要点\n" in chapter
    assert "\n## 受理渠道\n" in chapter and "\n### 电话渠道\n" in chapter
    assert "\n### 24小时服务承诺\n" in chapter


def test_bold_paragraphs_with_typed_numbers_are_headings(tmp_path: Path) -> None:
    """A manual typed in the Normal style, headings as bold numbered lines, came in as one chapter of
    paragraphs; an article (第一条 …。) or a bold sentence stays a paragraph."""
    document = docx.Document()
    for text, bold in [
        ("第一章 总则", True),
        ("第一条 为规范投诉处理，制定本手册。", True),
        ("一、受理", True),
        ("（一）电话渠道", True),
        ("客户来电应在2小时内响应。", False),
        ("第二章 附则", True),
        ("二、不是标题而是正文", False),
    ]:
        document.add_paragraph().add_run(text).bold = bold
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    assert len(result.files) == 2
    first = result.files[0].read_text(encoding="utf-8")
    assert "\n# 总则\n" in first and "\n## 受理\n" in first and "\n### 电话渠道\n" in first
    assert "\n**第一条 为规范投诉处理，制定本手册。**\n" in first
    second = result.files[1].read_text(encoding="utf-8")
    assert "\n# 附则\n" in second and "\n二、不是标题而是正文\n" in second


def test_lists_nest_under_their_items_and_keep_their_numbers(tmp_path: Path) -> None:
    """A bullet under a numbered item was indented 2 (MyST then ends the numbered list), "List
    Bullet 2" came in at the top level, and a list that goes on after a note restarted at 1."""
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    document.add_paragraph("核实身份", style="List Number")
    document.add_paragraph("查验证件", style="List Bullet 2")
    document.add_paragraph("登记诉求", style="List Number")
    document.add_paragraph("注：紧急投诉另行处理。")
    document.add_paragraph("告知时限", style="List Number")
    chapter = _imported_chapter(document, tmp_path)
    assert "1. 核实身份\n   - 查验证件\n2. 登记诉求\n\n注：紧急投诉另行处理。\n\n3. 告知时限\n" in chapter
    rendered = _rendered(chapter)
    assert "核实身份\n\n查验证件" in rendered


def test_round_trip_keeps_labels_and_the_preface(tmp_path: Path) -> None:
    """manualkit's DOCX: 前言 is an unnumbered Heading 1 before chapter 1 and every labelled heading
    carries a bookmark of its label.  The import made 前言 chapter 1 (renumbering every chapter)
    and generated new labels, so data/ and other chapters referred to labels that no longer exist."""
    document = docx.Document()
    document.add_paragraph("客户服务操作手册", style="Title")
    preface = document.add_heading("前言", level=1)
    numpr = OxmlElement("w:numPr")
    num_id = OxmlElement("w:numId")
    num_id.set(qn("w:val"), "0")
    numpr.append(num_id)
    preface._p.get_or_add_pPr().append(numpr)
    document.add_paragraph("本手册规定客户服务工作的基本要求。")
    heading_style = document.styles["Heading 1"].element.get_or_add_pPr()
    style_numpr = OxmlElement("w:numPr")
    style_num = OxmlElement("w:numId")
    style_num.set(qn("w:val"), "1")
    style_numpr.append(style_num)
    heading_style.append(style_numpr)
    for level, title, label in [(1, "投诉处理", "complaints"), (2, "投诉受理", "complaint_intake")]:
        heading = document.add_heading(title, level=level)
        mark = OxmlElement("w:bookmarkStart")
        mark.set(qn("w:id"), str(level))
        mark.set(qn("w:name"), label)
        heading._p.insert(1, mark)
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    assert [p.name for p in result.files] == ["01-complaints.md"]
    chapter = result.files[0].read_text(encoding="utf-8")
    assert "(complaints)=\n# 投诉处理\n" in chapter and "(complaint-intake)=\n## 投诉受理\n" in chapter
    index = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    assert "# 客户服务操作手册\n\n(preface-1)=\n## 前言\n\n本手册规定客户服务工作的基本要求。\n" in index


def test_cross_references_to_headings_become_ref_roles(tmp_path: Path) -> None:
    """Word's cross-references (a REF field to a heading's hidden _Ref bookmark, a hyperlink to
    its bookmark) came in as frozen text: "见4.2 投诉受理" kept saying 4.2 after sections moved."""
    document = docx.Document()
    for level, title, mark in [(1, "投诉处理", "_Ref100"), (2, "投诉受理", "_Ref200"), (2, "投诉办结", "")]:
        heading = document.add_heading(title, level=level)
        if mark:
            start = OxmlElement("w:bookmarkStart")
            start.set(qn("w:id"), mark[-3:])
            start.set(qn("w:name"), mark)
            heading._p.insert(1, start)
    _xml_paragraph(
        document,
        "<w:r><w:t>受理要求见“</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> REF _Ref200 \\r \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>1.1</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> 投诉受理</w:t></w:r>'
        "<w:r><w:t>”，时限见</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> REF _Ref200 \\w \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>1.1</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> REF _Ref200 \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>投诉受理</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        "<w:r><w:t>；第</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> REF _Ref200 \\r \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>1.1</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        "<w:r><w:t>节；流程见</w:t></w:r>"
        '<w:hyperlink w:anchor="_Ref100"><w:r><w:t>本章总则</w:t></w:r></w:hyperlink>'
        '<w:r><w:t>；另见</w:t></w:r><w:hyperlink w:anchor="_Ref999"><w:r><w:t>附表</w:t></w:r></w:hyperlink>'
        "<w:r><w:t>。</w:t></w:r>",
    )
    chapter = _imported_chapter(document, tmp_path)
    intake = chapter.split("(")[2].split(")=")[0]  # the label of 投诉受理
    # Number and title, typed or as a second cross-reference: the role, which prints both.
    assert f"受理要求见“{{ref}}`{intake}`”，时限见{{ref}}`{intake}`；" in chapter
    # A number alone: the role too, without the 第…节 typed around it (it prints number and title).
    assert f"{{ref}}`{intake}`；{{ref}}`{intake}`；流程见" in chapter
    assert "流程见{ref}`本章总则 <" in chapter
    assert "另见附表。" in chapter  # a bookmark on no heading: plain text, no broken link
    assert "\ue006" not in chapter and "\ue007" not in chapter


def _ref_field(bookmark: str, switches: str, result: str) -> str:
    """The runs of Word's cross-reference field ``REF bookmark switches`` showing ``result``."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> REF {bookmark} {switches} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{result}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def test_a_reference_to_a_section_number_follows_the_number(tmp_path: Path) -> None:
    """Word's "paragraph number" cross-reference (REF \\r, showing "1.2") came in as the role's
    text, ``{ref}`1.2 <label>```: still "1.2" once the chapter was moved to another number, as the
    import's chapters are.  It is the role that prints the section's number (with its title),
    whatever number Word last showed; so is a reference showing a typed number and the title."""
    document = docx.Document()

    def heading(level: int, title: str, mark: str) -> None:
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), mark[-3:])
        start.set(qn("w:name"), mark)
        document.add_heading(title, level=level)._p.insert(1, start)

    heading(1, "第一章 投诉处理", "_Ref100")
    heading(2, "投诉受理", "_Ref200")
    heading(2, "投诉办结", "_Ref300")
    _xml_paragraph(
        document,
        "<w:r><w:t>受理要求见</w:t></w:r>"
        + _ref_field("_Ref200", "\\r \\h", "1.1")
        + "<w:r><w:t>，办结按第</w:t></w:r>"
        + _ref_field("_Ref300", "\\n \\h", "3.2")  # a field Word has not updated since 3.2 moved
        + "<w:r><w:t>节办理，归档见</w:t></w:r>"
        + _ref_field("_Ref400", "\\h", "第二章 档案管理")
        + "<w:r><w:t>，另见</w:t></w:r>"
        + '<w:hyperlink w:anchor="_Ref100"><w:r><w:t>第一章</w:t></w:r></w:hyperlink>'
        + "<w:r><w:t>。</w:t></w:r>",
    )
    heading(1, "第二章 档案管理", "_Ref400")
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8")
    complaints, intake, closing = (line[1:-2] for line in chapter.splitlines() if line.endswith(")="))
    archive = result.files[1].read_text(encoding="utf-8").split("(", 1)[1].split(")=")[0]
    assert (
        f"受理要求见{{ref}}`{intake}`，办结按{{ref}}`{closing}`办理，归档见{{ref}}`{archive}`，"
        f"另见{{ref}}`{complaints}`。\n"
    ) in chapter
    assert "1.1" not in chapter and "3.2" not in chapter and "第一章" not in chapter


def test_index_is_headed_with_the_documents_title(tmp_path: Path) -> None:
    """Without a Title paragraph the manual's title is the one in the file's properties, not
    the file's name."""
    document = docx.Document()
    document.core_properties.title = "客户服务操作手册（2025年版）"
    document.add_heading("总则", level=1)
    document.add_paragraph("本手册适用于全行。")
    source = tmp_path / "old-manual-final-2.docx"
    document.save(str(source))
    import_docx(source, tmp_path / "out")
    index = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    assert "\n# 客户服务操作手册（2025年版）\n" in index and "old-manual" not in index
    untitled = docx.Document()
    untitled.add_heading("总则", level=1)
    untitled.save(str(tmp_path / "plain.docx"))
    import_docx(tmp_path / "plain.docx", tmp_path / "plain")
    assert "\n# plain\n" in (tmp_path / "plain" / "index.md").read_text(encoding="utf-8")


def test_settlement_deadlines_are_reported_as_working_days(tmp_path: Path) -> None:
    """ "资金T+1到账" was not reported at all, and "T+1日" as one calendar day ("1日")."""
    document = docx.Document()
    document.add_heading("第一章 资金清算", level=1)
    document.add_paragraph("跨行汇款资金T+1到账；对账差错T+2日内处理。")
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    assert [f.mention for f in result.findings] == ["T+1", "T+2日"]
    assert all("--value" in f.suggestion and "--unit working_days" in f.suggestion for f in result.findings)


def test_images_are_extracted_and_shown_as_figures(tmp_path: Path) -> None:
    """A flow chart pasted into the manual vanished without a word."""
    import base64

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "flow.png").write_bytes(png)
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    document.add_paragraph("投诉处理流程如下图：")
    document.add_picture(str(tmp_path / "flow.png"))
    document.inline_shapes[0]._inline.docPr.set("descr", "投诉处理流程图")
    chapter = _imported_chapter(document, tmp_path)
    assert "投诉处理流程如下图：\n\n:::{figure} images/image-1.png\n:alt: 投诉处理流程图\n:::\n" in chapter
    assert (tmp_path / "out" / "images" / "image-1.png").read_bytes() == png


def test_password_protected_docx_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Word saves a password-protected .docx as an OLE file: it was called "another kind of file"."""
    source = tmp_path / "加密手册.docx"
    source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    parser = argparse.ArgumentParser(prog="manualkit")
    add_import_docx_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import-docx", str(source), "--out", str(tmp_path / "out")])
    assert args.handler(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{source}: not a readable .docx file (it is password-protected" in err


def _png(path: Path, colour: str) -> str:
    """A small PNG of one ``colour`` (python-docx stores identical pictures once)."""
    from PIL import Image

    Image.new("RGB", (6, 4), colour).save(path)
    return str(path)


def test_pictures_in_table_cells_are_written_and_shown_in_their_cells(tmp_path: Path) -> None:
    """A picture in a table cell was dropped without a word: the cell came out empty and the
    report counted only the pictures outside tables.  Each is now an ``{image}`` in its cell
    (after the cell's text, inside a nested table's row), and a picture in the Title paragraph
    (a logo) is kept in index.md."""
    document = docx.Document()
    logo = _png(tmp_path / "logo.png", "gray")
    document.add_heading("客户服务操作手册", level=0).add_run().add_picture(logo)
    document.add_heading("总则", level=1)
    table = document.add_table(rows=4, cols=2)
    for r, name in enumerate(["名称", "示意图", "印章", "回访"]):
        table.cell(r, 0).text = name
    table.cell(0, 1).text = "图"
    table.cell(1, 1).paragraphs[0].add_run().add_picture(_png(tmp_path / "g.png", "green"))
    stamp = table.cell(2, 1).paragraphs[0]
    stamp.add_run("样式如下：")
    stamp.add_run().add_picture(_png(tmp_path / "r.png", "red"))._inline.docPr.set("descr", "公章样式")
    inner = table.cell(3, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "电话"
    inner.cell(0, 1).paragraphs[0].add_run().add_picture(_png(tmp_path / "y.png", "yellow"))
    document.add_paragraph("图示：").add_run().add_picture(_png(tmp_path / "b.png", "blue"))
    source = tmp_path / "cellpic.docx"
    document.save(str(source))
    out = tmp_path / "out"
    result = import_docx(source, out)
    chapter = result.files[0].read_text(encoding="utf-8")
    assert (
        "* - 示意图\n  - ```{image} images/image-2.png\n    ```\n"
        "* - 印章\n  - 样式如下：\n\n    ```{image} images/image-3.png\n    :alt: 公章样式\n    ```\n"
        "* - 回访\n  - - 电话\n\n      ```{image} images/image-4.png\n      ```\n:::\n"
    ) in chapter
    assert "图示：\n\n:::{figure} images/image-5.png\n:::\n" in chapter
    index = (out / "index.md").read_text(encoding="utf-8")
    assert "# 客户服务操作手册\n\n:::{figure} images/image-1.png\n:::\n" in index
    assert "Images written: 5 " in result.report
    colours = {1: "logo", 2: "g", 3: "r", 4: "y", 5: "b"}
    for n, name in colours.items():
        assert (out / "images" / f"image-{n}.png").read_bytes() == (tmp_path / f"{name}.png").read_bytes()
    # MyST reads every one as a picture (in the cell it stands in), none as text.
    tree = _doctree(chapter)
    cells = [[image["uri"] for image in entry.findall(nodes.image)] for entry in tree.findall(nodes.entry)]
    shown = ["images/image-2.png"], ["images/image-3.png"], ["images/image-4.png"]
    assert cells == [[], [], [], shown[0], [], shown[1], [], shown[2]]
    assert [image["uri"] for image in tree.findall(nodes.image)][-1] == "images/image-5.png"
    assert "image" not in tree.astext()


def test_a_picture_the_docx_only_links_to_is_named_in_the_report(tmp_path: Path) -> None:
    """A picture inserted as a link to a file (Insert › Picture › Link to File), which the .docx
    does not hold, vanished without a word, in a paragraph or in a table cell."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    document.add_paragraph("流程如下图：").add_run().add_picture(_png(tmp_path / "g.png", "green"))
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "受理界面"
    table.cell(0, 1).paragraphs[0].add_run().add_picture(_png(tmp_path / "r.png", "red"))
    for n, shape in enumerate(document.inline_shapes):
        rid = document.part.relate_to(f"file:///C:/图片/图{n + 1}.png", RT.IMAGE, is_external=True)
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        del blip.attrib[qn("r:embed")]
        blip.set(qn("r:link"), rid)
    document.inline_shapes[0]._inline.docPr.set("descr", "投诉处理流程图")
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8").splitlines()
    path = result.files[0].as_posix()
    paragraph, table_start = chapter.index("流程如下图：") + 1, chapter.index(":::{list-table}") + 1
    missing = [(p.line, p.alt) for p in result.missing_pictures]
    assert missing == [(paragraph, "投诉处理流程图"), (table_start, "")]
    assert (
        "Pictures not imported: 2 (the .docx does not hold them: insert each into Word as a picture, not a "
        "link, and import again, or add it to images/ and the chapter)\n"
        f"- {path}:{paragraph}: a picture “投诉处理流程图”, linked to file:///C:/图片/图1.png, a file the "
        ".docx does not hold\n"
        f"- {path}:{table_start}: a picture, linked to file:///C:/图片/图2.png, a file the .docx does "
        "not hold\n"
    ) in result.report
    assert "Pictures not imported: 2" in result.summary
    assert "Images written" not in result.report and not (tmp_path / "out" / "images").exists()
    assert "* - 受理界面\n  -\n:::" in "\n".join(chapter) and "{figure}" not in "\n".join(chapter)
