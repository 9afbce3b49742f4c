"""Bringing an imported Word manual into an existing manual: the report's `new sla` commands run
as printed once the chapter is in manual/, retention periods are suggested as such, merged table
cells keep their text in every row (and are listed for review), and the summary says how to add
the chapters without clashing with the manual's own."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from manualkit import cli
from manualkit.importdocx import import_docx
from test_importdocx import _rendered

MINI = Path(__file__).parent / "fixtures" / "writer" / "mini"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small manual (chapters 01–03, roles cs.manager and cs.agent) the import is brought into."""
    root = tmp_path / "manual-repo"
    shutil.copytree(MINI, root)
    return root


def _word_manual(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("客户服务手册", level=0)
    document.add_paragraph("本手册自发布之日起5个工作日后施行。")
    document.add_heading("第一章 投诉处理", level=1)
    document.add_paragraph("投诉处理应遵循及时、公正的原则，重大投诉24小时内报告。")
    document.add_heading("一、投诉转交", level=2)
    document.add_paragraph("客服专员完成投诉登记后，应在2个工作日内转交承办部门。")
    document.add_heading("二、投诉档案", level=2)
    document.add_paragraph("投诉档案保存半年以上，每年检查一次。")
    document.add_heading("第二章 客户资料", level=1)
    document.add_paragraph("客户资料保存期限为5年。")
    document.save(str(path))
    return path


def _filled(suggestion: str, n: int) -> list[str]:
    """The suggested command with the writer's part filled in: prefix, name, start and end."""
    command = suggestion.split(" ; ", 1)[0]
    words = shlex.split(command.replace("<prefix>", "imported.sla"))
    assert words[:3] == ["manualkit", "new", "sla"]
    fill = {"--name": f"导入时限{n}", "--start": "开始事件", "--end": "结束事件"}
    return [fill.get(words[i - 1], word) if word == "…" else word for i, word in enumerate(words)][1:]


def _bring_in(out: Path, project: Path, renames: dict[str, str], owner: str | None = None) -> None:
    """What the summary tells the writer: rename, move into manual/, add to the toctree (and the
    owner to the front matter when the import had none)."""
    index = project / "manual" / "index.md"
    text = index.read_text(encoding="utf-8")
    for old, new in renames.items():
        chapter = (out / old).read_text(encoding="utf-8")
        if owner:
            chapter = chapter.replace("---\n", f"---\nowner: {owner}\n", 1)
        (project / "manual" / new).write_text(chapter, encoding="utf-8")
        last = [line for line in text.splitlines() if line[:2].isdigit()][-1]
        text = text.replace(f"{last}\n", f"{last}\n{Path(new).stem}\n")
    index.write_text(text, encoding="utf-8")


def _import(source: Path, out: Path, project: Path, *extra: str) -> str:
    assert cli.main(["--project", str(project), "import-docx", str(source), "--out", str(out), *extra]) == 0
    return (out / "import-report.txt").read_text(encoding="utf-8")


def test_every_suggested_sla_command_runs_once_the_chapters_are_in_the_manual(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`new sla` refused each suggested command, filled in as the writer would: "--owner: expected
    a role id (or --section/--chapter to take the chapter's owner), found none"."""
    source = _word_manual(tmp_path / "旧手册.docx")
    out = tmp_path / "out"
    report = _import(source, out, project, "--owner", "cs.manager")
    summary = capsys.readouterr().out
    # The summary names the chapter numbers the imported files take in this manual.
    assert "its last chapter is 03-appendices.md" in summary
    assert "01-chapter-1.md → 04-chapter-1.md" in summary and "02-chapter-2.md → 05-chapter-2.md" in summary
    assert "to the toctree of manual/index.md, after 03-appendices" in summary
    assert "owner: cs.manager (from --owner), a role of data/roles.yaml" in summary
    _bring_in(out, project, {"01-chapter-1.md": "04-chapter-1.md", "02-chapter-2.md": "05-chapter-2.md"})

    suggestions = [line.strip() for line in report.splitlines() if line.startswith("  manualkit new sla")]
    assert len(suggestions) == 6
    for n, suggestion in enumerate(suggestions, 1):
        assert cli.main(["--project", str(project), *_filled(suggestion, n)]) == 0, suggestion
    capsys.readouterr()
    slas = {
        s["name"]: s for s in yaml.safe_load((project / "data" / "slas.yaml").read_text(encoding="utf-8"))
    }
    added = {n: slas[f"导入时限{n}"] for n in range(1, 7)}
    # Each SLA belongs to the section its duration was found in; index.md's takes --owner.
    assert [(s["duration"]["value"], s.get("section"), s["owner"]) for s in added.values()] == [
        (5, None, "cs.manager"),
        (24, "chapter-1", "cs.manager"),
        (2, "section-1-1", "cs.manager"),
        (6, "section-1-2", "cs.manager"),
        (1, "section-1-2", "cs.manager"),
        (5, "chapter-2", "cs.manager"),
    ]
    assert added[4]["kind"] == "retention" and added[4]["duration"]["bound"] == "at_least"
    assert added[5]["kind"] == "interval" and added[6]["kind"] == "retention"


def test_without_owner_the_commands_take_the_owner_the_writer_adds(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _word_manual(tmp_path / "m.docx")
    out = tmp_path / "out"
    report = _import(source, out, project)
    summary = capsys.readouterr().out
    assert "3. No --owner given: add `owner: <role id>`" in summary
    suggestions = [line.strip() for line in report.splitlines() if line.startswith("  manualkit new sla")]
    assert "--owner <role> ;" in suggestions[0], "index.md is no chapter: its SLAs need --owner"
    assert all(" --section " in s and "--owner" not in s for s in suggestions[1:])
    _bring_in(out, project, {"01-chapter-1.md": "04-chapter-1.md"}, owner="cs.agent")
    assert cli.main(["--project", str(project), *_filled(suggestions[2], 1)]) == 0
    assert "section-1-1" in capsys.readouterr().out


def test_summary_without_a_project_and_labels_the_manual_already_has(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _word_manual(tmp_path / "m.docx")
    result = import_docx(source, tmp_path / "plain")
    assert "1. Rename each chapter to the next free chapter number of manual/" in result.summary
    assert "09-chapter-1.md when the last is 08-…" in result.summary
    assert "add its name without .md to the toctree of manual/index.md" in result.summary
    assert "index.md starts a new manual: do not copy it over manual/index.md" in result.summary
    # A second import of the same kind of document: its generated labels are taken now.
    _import(source, tmp_path / "first", project, "--owner", "cs.manager")
    _bring_in(tmp_path / "first", project, {"01-chapter-1.md": "04-chapter-1.md"})
    capsys.readouterr()
    _import(source, tmp_path / "second", project, "--owner", "cs.manager")
    summary = capsys.readouterr().out
    assert "01-chapter-1.md → 05-chapter-1.md" in summary
    assert (
        "01-chapter-1.md: labels already used in manual/: chapter-1 (in manual/04-chapter-1.md), "
        "section-1-1 (in manual/04-chapter-1.md), section-1-2 (in manual/04-chapter-1.md)"
    ) in summary


def test_pictures_and_roles_the_manual_lacks_or_already_has(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "flow.png").write_bytes(png)
    (project / "manual" / "images").mkdir()
    (project / "manual" / "images" / "image-1.png").write_bytes(png)
    document = docx.Document()
    document.add_heading("第一章 投诉处理", level=1)
    document.add_picture(str(tmp_path / "flow.png"))
    source = tmp_path / "m.docx"
    document.save(str(source))
    _import(source, tmp_path / "out", project, "--owner", "cs.boss")
    summary = capsys.readouterr().out
    assert "   manual/images/ already has image-1.png: rename these pictures.\n" in summary
    assert (
        "3. The front matter names owner: cs.boss (from --owner), but data/roles.yaml has no such role: "
        "change it to one of its ids (cs.manager, cs.agent)."
    ) in summary


@pytest.mark.parametrize(
    ("sentence", "options", "replaced"),
    [
        ("客户资料保存期限为5年。", "--value 5 --unit years --kind retention --start", "“5年”"),
        (
            "投诉档案保存半年以上。",
            "--value 6 --unit months --bound at_least --kind retention --start",
            "“半年以上”",
        ),
        (
            "录音至少保存3年。",
            "--value 3 --unit years --bound at_least --kind retention --start",
            "“3年” and drop the “至少” before it",
        ),
        (
            "开户资料自业务关系结束之日起保存期限不少于5年。",
            "--value 5 --unit years --bound at_least --kind retention --start",
            "“不少于5年”",
        ),
        ("监控录像应留存90天。", "--value 90 --unit calendar_days --kind retention --start", "“90天”"),
        ("每年检查一次。", "--value 1 --unit years --kind interval --start", "“每年”"),
        ("投诉材料应在3个工作日内归档。", "--value 3 --unit working_days --start", "“3个工作日”"),
        ("保存期满后30天内销毁。", "--value 30 --unit calendar_days --start", "“30天”"),
        ("归档资料应在5个工作日内移交档案室。", "--value 5 --unit working_days --start", "“5个工作日”"),
        ("变更前应提前3天告知客户。", "--value 3 --unit calendar_days --kind advance --start", "“提前3天”"),
    ],
)
def test_retention_periods_are_suggested_as_retention(
    tmp_path: Path, sentence: str, options: str, replaced: str
) -> None:
    """ "客户资料保存期限为5年" and "档案保存半年以上" were suggested as plain deadlines (5 years,
    6 months within): the SLA would have said "within 6 months" of a period that is a minimum."""
    document = docx.Document()
    document.add_heading("第一章 档案管理", level=1)
    document.add_paragraph(sentence)
    source = tmp_path / "m.docx"
    document.save(str(source))
    (finding,) = import_docx(source, tmp_path / "out").findings
    assert f"--name … {options} … --end … --section chapter-1 ;" in finding.suggestion
    assert finding.suggestion.endswith(f"instead of {replaced}")


def test_a_retention_column_makes_its_cells_retention_periods(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("第一章 档案管理", level=1)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [("资料", "保存期限", "归档时限"), ("开户资料", "5年以上", "3个工作日"), ("录音", "6个月", "")]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    source = tmp_path / "m.docx"
    document.save(str(source))
    found = import_docx(source, tmp_path / "out").findings
    options = {f.mention: f.suggestion.split(" --name … ")[1].split(" --start")[0] for f in found}
    assert options == {
        "至少5年": "--value 5 --unit years --bound at_least --kind retention",
        "6个月": "--value 6 --unit months --kind retention",
        "3个工作日": "--value 3 --unit working_days",
    }


def _merged_table(document: docx.document.Document) -> None:
    """The brief's table: 服务类 merged over three rows, a deadline over two, 合计 over two columns."""
    rows = [
        ("类别", "事项", "时限"),
        ("服务类", "咨询", "2小时内响应，24小时内处理完毕"),
        ("", "查询", ""),
        ("", "建议", "3个工作日"),
        ("合计", "", "—"),
    ]
    table = document.add_table(rows=5, cols=3)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(3, 0))
    table.cell(1, 2).merge(table.cell(2, 2))
    table.cell(4, 0).merge(table.cell(4, 1))


def test_vertically_merged_cells_are_repeated_in_each_row_and_listed(tmp_path: Path) -> None:
    """服务类 merged over three rows came in once, the next rows with an empty cell; the second row
    under "2小时内响应，24小时内处理完毕" had no deadline at all."""
    document = docx.Document()
    document.add_heading("第一章 服务时限", level=1)
    document.add_paragraph("各类服务的时限如下：")
    first = document.add_table(rows=1, cols=2)
    first.cell(0, 0).text = "无合并"
    first.cell(0, 1).text = "单元格"
    _merged_table(document)
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8")
    assert (
        "* - 服务类\n  - 咨询\n  - 2小时内响应，24小时内处理完毕\n"
        "* - 服务类\n  - 查询\n  - 2小时内响应，24小时内处理完毕\n"
        "* - 服务类\n  - 建议\n  - 3个工作日\n"
        "* - 合计\n  -\n  - —\n"
    ) in chapter
    assert "服务类\n\n查询\n\n2小时内响应，24小时内处理完毕" in _rendered(chapter)
    # Each duration once: the report points at the merged cell, not at each copy.
    assert [f.mention for f in result.findings] == ["2小时", "24小时", "3个工作日"]
    (table,) = result.merged_tables
    line = chapter.splitlines().index(":::{list-table}", chapter.splitlines().index("  - 单元格")) + 1
    assert (table.path, table.line, table.number) == (result.files[0], line, 2)
    report = (tmp_path / "out" / "import-report.txt").read_text(encoding="utf-8")
    assert "Tables with merged cells: 1 (a list-table cannot merge cells:" in report
    assert (
        f"- {result.files[0].as_posix()}:{line}: table 2 (类别 | 事项 | 时限)\n"
        "  “服务类” merged over rows 2–4 of column 1: repeated in each row\n"
        "  “2小时内响应，24小时内处理完毕” merged over rows 2–3 of column 3: repeated in each row\n"
        "  “合计” merged over columns 1–2 of row 5: kept in the first column, the others left empty\n"
    ) in report
    assert "Tables with merged cells: 1" in result.summary


def test_a_cell_merged_down_and_across_and_in_a_nested_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("第一章 服务时限", level=1)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("渠道", "", "时限"), ("柜面", "", "当日"), ("", "", "")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 1))
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "回访"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("电话", "3个工作日"), ("信函", "")]):
        inner.cell(r, 0).text = a
        inner.cell(r, 1).text = b
    inner.cell(0, 1).merge(inner.cell(1, 1))
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    chapter = result.files[0].read_text(encoding="utf-8")
    assert "* - 柜面\n  -\n  - 当日\n* - 柜面\n  -\n  -\n" in chapter
    assert "  - - 电话，3个工作日\n    - 信函，3个工作日\n" in chapter
    assert [f.mention for f in result.findings] == ["3个工作日"], "the nested copy is not reported again"
    (merged,) = result.merged_tables
    assert [(c.row, c.column, c.rows, c.columns, c.text) for c in merged.merged] == [(1, 0, 2, 2, "柜面")]
    report = (tmp_path / "out" / "import-report.txt").read_text(encoding="utf-8")
    assert (
        "  “柜面” merged over rows 2–3 of column 1 and columns 1–2 of row 2: repeated in each row "
        "(in its first column)\n"
    ) in report


def test_word_97_horizontal_merges_leave_the_spanned_columns_empty(tmp_path: Path) -> None:
    """``w:hMerge`` (older Word) marks the cells a merge spans instead of ``w:gridSpan``."""
    document = docx.Document()
    document.add_heading("第一章 服务时限", level=1)
    table = document.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("事项", "时限"), ("注：以上时限均为工作日", "旧文字")]):
        table.cell(r, 0).text = a
        table.cell(r, 1).text = b
    for c, value in ((0, "restart"), (1, None)):
        merge = OxmlElement("w:hMerge")
        if value:
            merge.set(qn("w:val"), value)
        table.cell(1, c)._tc.get_or_add_tcPr().append(merge)
    source = tmp_path / "m.docx"
    document.save(str(source))
    result = import_docx(source, tmp_path / "out")
    assert "* - 注：以上时限均为工作日\n  -\n:::" in result.files[0].read_text(encoding="utf-8")
    (merged,) = result.merged_tables
    assert [(c.row, c.column, c.rows, c.columns) for c in merged.merged] == [(1, 0, 1, 2)]


def test_moved_in_chapter_shows_its_cell_pictures_and_current_section_numbers(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Imported as chapter 1 and moved in as chapter 4, as the summary says: "见1.1" (Word's
    number-only cross-reference) still said 1.1 on the site, and a picture in a table cell was
    not there at all.  The site shows the section's number in this manual and the picture."""
    from PIL import Image

    from test_importdocx import _ref_field, _xml_paragraph

    Image.new("RGB", (6, 4), "green").save(tmp_path / "g.png")
    document = docx.Document()
    document.add_heading("投诉处理", level=1)
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), "200")
    start.set(qn("w:name"), "_Ref200")
    document.add_heading("投诉受理", level=2)._p.insert(1, start)
    _xml_paragraph(
        document,
        "<w:r><w:t>受理要求见</w:t></w:r>"
        + _ref_field("_Ref200", "\\r \\h", "1.1")
        + "<w:r><w:t>。</w:t></w:r>",
    )
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "名称"
    table.cell(0, 1).text = "图"
    table.cell(1, 0).text = "示意图"
    picture = table.cell(1, 1).paragraphs[0].add_run().add_picture(str(tmp_path / "g.png"))
    picture._inline.docPr.set("descr", "受理界面")
    source = tmp_path / "m.docx"
    document.save(str(source))
    out = tmp_path / "out"
    _import(source, out, project, "--owner", "cs.manager")
    assert "01-chapter-1.md → 04-chapter-1.md" in capsys.readouterr().out
    _bring_in(out, project, {"01-chapter-1.md": "04-chapter-1.md"})
    shutil.copytree(out / "images", project / "manual" / "images")
    assert cli.main(["--project", str(project), "build", "html", "--no-check"]) == 0
    page = (project / "build" / "html" / "04-chapter-1.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert re.search(r"受理要求见 4\.1\.? 投诉受理 。", text) and "1.1" not in text, text
    cell = re.search(r"<td>(?:(?!</td>).)*受理界面(?:(?!</td>).)*</td>", page, re.S)
    assert cell is not None and 'src="_images/image-1.png"' in cell.group(0)
