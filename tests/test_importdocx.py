"""`manualkit import-docx` turns a Word manual into MyST chapters and lists durations to make SLAs."""

from __future__ import annotations

import argparse
from pathlib import Path

import docx
import pytest
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
