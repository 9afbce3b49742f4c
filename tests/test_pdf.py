"""The PDF builder, checked the way a reader of the PDF would: with poppler and pypdf.

The fixture manual (tests/fixtures/pdf) is copied to a temporary folder and built with
``sphinx-build -b pdf``; the assertions read the finished PDF back (pdftotext, pdffonts,
pdfinfo, pypdf).  Pages are also rendered to PNG in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import lxml.html
import pydyf
import pypdf
import pytest
import weasyprint

from manualkit.builders.pdf_fetcher import ConfinedURLFetcher, RefusedURLError
from manualkit.builders.pdf_fonts import CmapCache, Coverage, find_font, load_cmap, missing_in_text
from manualkit.builders.pdf_render import UnknownVariantError, linear_page_references, render_pdf

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "pdf"
TEMPLATES = ROOT / "templates"
ARTIFACTS = ROOT / "tests" / "artifacts"
PDF_NAME = "MK-TEST-PDF-001-v2.1.pdf"  # <document_number>-v<version> from data/manual.yaml
#: The builds' day, 2025-06-15: after the fixture's approvals (an earlier day makes a review draft).
EPOCH = "1750000000"
FORM_BOOKMARK = "3.1 附件1　F-02-01 投诉受理登记表"  # title given by the form-appendices directive


@dataclasses.dataclass(frozen=True)
class Build:
    project: Path
    result: subprocess.CompletedProcess[str]

    @property
    def pdf(self) -> Path:
        return self.project / "build" / "pdf" / PDF_NAME

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


def copy_project(dest: Path) -> Path:
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("build", "__pycache__"))
    return dest


def run_build(project: Path, templates: Path = TEMPLATES, **env_extra: str) -> Build:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tools"), os.environ.get("PYTHONPATH")])),
        "SOURCE_DATE_EPOCH": EPOCH,
        **env_extra,
    }
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "pdf",
        "-c",
        str(project),
        str(project / "manual"),
        str(project / "build" / ".work" / "pdf"),
        "-D",
        f"manualkit_templates_dir={templates}",
        # one part per page-starting section: every join the merge can face, on a small manual
        "-D",
        "manualkit_pdf_part_size=1",
        # page numbers typeset in parts of two pages: every folio join too
        "-D",
        "manualkit_pdf_folio_pages=2",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    return Build(project, result)


def pdftotext(pdf: Path, page: int | None = None, layout: bool = False) -> str:
    command = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        command.append("-layout")
    if page is not None:
        command += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*command, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdfinfo(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {
        key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())
    }


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    reader = pypdf.PdfReader(pdf)
    entries: list[tuple[int, str, int]] = []

    def walk(items: list[object], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                assert isinstance(item, pypdf.generic.Destination)
                entries.append((depth, str(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return entries


def page_of(pdf: Path, bookmark: str) -> int:
    return next(page for _, title, page in outline(pdf) if title == bookmark)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    build = run_build(copy_project(tmp_path_factory.mktemp("pdf") / "project"))
    assert build.result.returncode == 0, build.output
    ARTIFACTS.mkdir(exist_ok=True)
    for page in (1, 2, 4, 5, 6):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                str(build.pdf),
                str(ARTIFACTS / "pdf"),
            ],
            check=True,
        )
    return build


@pytest.mark.slow
def test_pdf_named_from_data_and_build_ends_with_summary_line(built: Build) -> None:
    assert built.pdf.is_file()
    pages = int(pdfinfo(built.pdf)["Pages"])
    last_line = built.result.stdout.strip().splitlines()[-1]
    assert PDF_NAME in last_line
    assert f"{pages} pages" in last_line
    assert re.search(r"\d+\.\d KiB", last_line)
    assert not list(built.pdf.parent.glob("*.tmp")), "temporary file left behind"


@pytest.mark.slow
def test_builds_without_warnings_or_duplicate_anchors(built: Build) -> None:
    assert "WARNING" not in built.output
    assert "Anchor defined twice" not in built.output


@pytest.mark.slow
def test_chinese_text_is_extracted_exactly(built: Build) -> None:
    text = pdftotext(built.pdf)
    for expected in (
        "总则",
        "投诉处理",
        "附录 表单",
        "客服专员受理投诉后，应在7个工作日内办结并答复客户",  # {sla} role, rendered from data
        "☐ 在时限内答复客户（时限：7个工作日）",  # checklist box: a symbol the CJK fonts lack
    ):
        assert expected in text
    assert "\ufffd" not in text


@pytest.mark.slow
def test_cover_shows_document_facts_and_newest_approvals(built: Build) -> None:
    cover = pdftotext(built.pdf, page=1)
    for expected in ("客户服务操作手册（测试样本）", "MK-TEST-PDF-001", "2.1", "2025年3月1日", "客户服务部"):
        assert expected in cover
    assert "内部资料" in cover and "受控副本 第01号" in cover
    # drafted / reviewed / approved come from the newest revision (2.1), not the first one.
    for name in ("陈静", "刘洋", "周建国"):
        assert name in cover
    assert "赵敏" not in cover
    # A sign-off's own date is printed beside it (2.1's review); the older revision's is not.
    assert "2025年2月18日" in cover and "2024年6月1日" not in cover


@pytest.mark.slow
def test_only_embedded_cjk_fonts(built: Build) -> None:
    lines = subprocess.run(["pdffonts", str(built.pdf)], capture_output=True, text=True, check=True).stdout
    rows = lines.splitlines()[2:]
    assert rows
    names = " ".join(row.split()[0] for row in rows)
    assert "Noto-Serif-CJK-SC" in names
    assert "Noto-Sans-CJK-SC-Bold" in names
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert "Type 3" not in row


@pytest.mark.slow
def test_bookmarks_for_chapters_and_sections(built: Build) -> None:
    entries = outline(built.pdf)
    chapters = [title for depth, title, _ in entries if depth == 0]
    # front matter of the root document (unnumbered), then the numbered chapters
    assert chapters == ["目录", "前言", "使用说明", "1 总则", "2 投诉处理", "3 附录 表单"]
    sections = [title for depth, title, _ in entries if depth == 1]
    assert "2.3 服务时限一览" in sections
    assert FORM_BOOKMARK in sections
    # Viewers open with the bookmarks panel shown.
    assert pypdf.PdfReader(built.pdf).trailer["/Root"]["/PageMode"] == "/UseOutlines"


@pytest.mark.slow
def test_root_document_control_line_is_not_a_page_of_its_own(built: Build) -> None:
    """The root's "本页文档信息" line belongs under the manual's title, which the print moves to
    the cover: left in, it stood alone on a page before 前言."""
    before_preface = "".join(pdftotext(built.pdf, page=n) for n in range(1, page_of(built.pdf, "前言")))
    assert "文档信息" not in before_preface
    assert "本章文档信息：责任岗位" in pdftotext(built.pdf, page=page_of(built.pdf, "1 总则"))


@pytest.mark.slow
def test_toc_page_numbers_match_where_chapters_start(built: Build) -> None:
    toc = pdftotext(built.pdf, page=2, layout=True)
    assert "目" in toc
    for bookmark in ("1 总则", "2 投诉处理", "2.3 服务时限一览", "3 附录 表单"):
        number, title = bookmark.split(" ", 1)
        match = re.search(
            rf"^\s*{re.escape(number)}\s+{re.escape(title)}[·.\s]*?(\d+)\s*$", toc, re.MULTILINE
        )
        assert match, f"{bookmark!r} not in TOC:\n{toc}"
        assert int(match.group(1)) == page_of(built.pdf, bookmark)


@pytest.mark.slow
def test_chapters_and_form_appendices_start_new_pages(built: Build) -> None:
    pages = [page_of(built.pdf, title) for title in ("1 总则", "2 投诉处理", "3 附录 表单")]
    assert pages == sorted(set(pages))
    for title in ("1 总则", "2 投诉处理", "3 附录 表单"):
        number, name = title.split(" ", 1)
        first_body_line = pdftotext(built.pdf, page=page_of(built.pdf, title)).split("\n")
        # header line(s) first, then the chapter heading
        assert f"{number} {name}" in first_body_line[:6]
    form_page = pdftotext(built.pdf, page=page_of(built.pdf, FORM_BOOKMARK))
    assert "客户姓名" in form_page and "客服专员签字" in form_page and "客服主管签字" in form_page


@pytest.mark.slow
def test_running_header_footer_and_repeated_table_header_on_middle_page(built: Build) -> None:
    total = int(pdfinfo(built.pdf)["Pages"])
    start = page_of(built.pdf, "2.3 服务时限一览")
    continuation = start + 1  # the 48-row table does not fit on one page
    assert continuation < total
    text = pdftotext(built.pdf, page=continuation, layout=True)
    header = text.strip().splitlines()[0]
    assert "2 投诉处理" in header and "MK-TEST-PDF-001" in header
    compact = re.sub(r"\s+", "", text)  # pdftotext drops the spaces around CJK characters
    assert f"第{continuation}页/共{total}页" in compact
    assert "版本2.1" in compact
    assert "服务时限一览" not in text  # really a continuation page…
    assert re.search(r"序号\s+渠道\s+事项\s+办结时限\s+责任岗位", text)  # …with the header row repeated
    rows = re.findall(r"^\s*(\d+)\s+\S+\s+\S+\s+\d个工作日\s+客服主管\s*$", text, re.MULTILINE)
    assert len(rows) > 5


@pytest.mark.slow
def test_every_page_but_the_cover_carries_its_own_number(built: Build) -> None:
    # The numbers are typeset in folio parts of two pages here (run_build): each part must
    # number its pages from where it starts, not from 1.
    total = int(pdfinfo(built.pdf)["Pages"])
    assert total > 4
    for page in range(1, total + 1):
        numbers = re.findall(r"第(\d+)页/共(\d+)页", re.sub(r"\s+", "", pdftotext(built.pdf, page=page)))
        assert numbers == ([] if page == 1 else [(str(page), str(total))]), f"page {page}: {numbers}"


@pytest.mark.slow
def test_document_metadata(built: Build) -> None:
    info = pdfinfo(built.pdf)
    assert info["Title"] == "客户服务操作手册（测试样本）"
    assert info["Author"] == "客户服务部"
    assert "MK-TEST-PDF-001" in info["Subject"] and "2.1" in info["Subject"]
    assert "版本 2.1" in info["Keywords"]
    # dates come from data/revisions.yaml (first and newest approval), not from the clock
    assert "2024" in info["CreationDate"] and "2025" in info["ModDate"]


@pytest.mark.slow
def test_tagged_pdf_with_language_headings_and_tables(built: Build) -> None:
    assert pdfinfo(built.pdf)["Tagged"] == "yes"
    reader = pypdf.PdfReader(built.pdf)
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "zh-CN"
    found: set[str] = set()

    def walk(node: object) -> None:
        node = node.get_object() if isinstance(node, pypdf.generic.IndirectObject) else node
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                found.add(str(node["/S"]))
            if "/K" in node:
                walk(node["/K"])

    walk(catalog["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/P"} <= found


@pytest.mark.slow
def test_two_builds_are_byte_identical(built: Build, tmp_path: Path) -> None:
    again = run_build(copy_project(tmp_path / "again"))
    assert again.result.returncode == 0, again.output
    assert again.pdf.read_bytes() == built.pdf.read_bytes()
    # /ID: a permanent part naming the release (not random), then pydyf's content hash
    permanent = pypdf.PdfReader(built.pdf).trailer["/ID"][0]
    assert bytes(permanent.original_bytes) == b"MK-TEST-PDF-001-v2.1"


@pytest.mark.slow
def test_a_screenshot_leaves_the_pdf_independent_of_the_checkout_path(tmp_path: Path) -> None:
    """WeasyPrint names a raster image after the MD5 of its URL: the folder's real ``file:`` URL
    made the bytes of a PDF with a screenshot differ between two clones (CI runners' workspaces)."""
    from PIL import Image

    pdfs = []
    for place in ("a", "much/deeper/checkout"):
        project = copy_project(tmp_path / place / "project")
        Image.new("RGB", (120, 40), (200, 30, 30)).save(project / "manual" / "screen.png")
        with open(project / "manual" / "02-complaints.md", "a", encoding="utf-8") as chapter:
            chapter.write("\n![投诉登记界面](screen.png)\n")
        build = run_build(project)
        assert build.result.returncode == 0, build.output
        pdfs.append(build.pdf.read_bytes())
    assert b"/Subtype /Image" in pdfs[0] or b"/Subtype/Image" in pdfs[0]
    assert pdfs[0] == pdfs[1]


def test_the_fetcher_maps_the_print_base_url_to_the_part_folder_and_keeps_it_confined(tmp_path: Path) -> None:
    from manualkit.builders.pdf_fetcher import PRINT_BASE_URL

    work = tmp_path / "build" / ".work" / "pdf"
    (work / "_images").mkdir(parents=True)
    (work / "_images" / "a.png").write_bytes(b"png")
    (work / "_images" / "escape.png").symlink_to("/etc/passwd")
    fetcher = ConfinedURLFetcher([work], base_dir=work)
    response = fetcher.fetch(PRINT_BASE_URL + "_images/a.png")
    assert response.read() == b"png"
    assert response.url == PRINT_BASE_URL + "_images/a.png"  # what it refers to resolves the same way
    for url, shown in (
        (PRINT_BASE_URL + "_images/escape.png", (work / "_images" / "escape.png").as_uri()),
        (PRINT_BASE_URL + "../../../../etc/passwd", work.as_uri() + "/../../../../etc/passwd"),
        (PRINT_BASE_URL + "_images/missing.png", (work / "_images" / "missing.png").as_uri()),
    ):
        with pytest.raises(RefusedURLError) as refused:
            fetcher.fetch(url)
        assert refused.value.url == shown  # the writer is shown the real file, not the base URL
    # Without a part folder the base URL names nothing of the project.
    with pytest.raises(RefusedURLError):
        ConfinedURLFetcher([work]).fetch(PRINT_BASE_URL + "_images/a.png")


def test_weasyprint_messages_of_a_part_name_the_real_file(tmp_path: Path) -> None:
    """A picture WeasyPrint cannot decode is reported with its path in the project."""
    from manualkit.builders.pdf_worker import PartJob, render_part

    (tmp_path / "broken.png").write_bytes(b"not a picture")
    job = PartJob(0, '<p>x</p><img src="broken.png">', str(tmp_path), (str(tmp_path),), {}, frozenset())
    result = render_part(job)
    assert result.error is None
    assert any(str(tmp_path / "broken.png") in message for message in result.messages), result.messages
    assert not any("manualkit-print" in message for message in result.messages)


@pytest.mark.slow
def test_a_wrong_guess_of_the_contents_length_costs_a_pass_never_a_wrong_number(
    built: Build, tmp_path: Path
) -> None:
    # The contents are typeset once, after the bodies, on a guess of their own length (the last
    # build's): a guess far off is noticed and the numbering redone.
    record = built.project / "build" / ".work" / "pdf" / "contents-pages.json"
    entries = json.loads(record.read_text(encoding="utf-8"))["entries"]
    project = copy_project(tmp_path / "guess")
    stale = project / "build" / ".work" / "pdf" / "contents-pages.json"
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps({"entries": entries, "pages": 9}), encoding="utf-8")
    again = run_build(project)
    assert again.result.returncode == 0, again.output
    assert "the contents take 1 pages, not 9: numbering again" in again.output
    assert again.pdf.read_bytes() == built.pdf.read_bytes()
    assert json.loads(stale.read_text(encoding="utf-8")) == {"entries": entries, "pages": 1}


@pytest.mark.slow
def test_images_outside_the_project_fail_the_build_and_keep_the_previous_pdf(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "unsafe")
    with (project / "manual" / "01-overview.md").open("a", encoding="utf-8") as chapter:
        chapter.write("\n![外部图片](http://example.com/logo.png)\n\n![密码](/etc/passwd)\n")
    previous = project / "build" / "pdf" / PDF_NAME
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"%PDF-1.7 previous release")
    build = run_build(project)
    assert build.result.returncode != 0
    assert "http://example.com/logo.png" in build.output
    assert "/etc/passwd" in build.output
    assert "01-overview.md:" in build.output
    assert previous.read_bytes() == b"%PDF-1.7 previous release"
    assert sorted(p.name for p in previous.parent.iterdir()) == [PDF_NAME]


@pytest.mark.slow
def test_stylesheet_reaching_outside_the_project_stops_the_rendering(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    with (templates / "pdf" / "print.css").open("a", encoding="utf-8") as css:
        css.write('\n.cover { background: url("file:///etc/passwd"); }\n')
    build = run_build(copy_project(tmp_path / "css"), templates=templates)
    assert build.result.returncode != 0
    assert "refused to fetch file:///etc/passwd" in build.output
    assert not build.pdf.exists()


@pytest.mark.slow
def test_character_missing_from_fonts_is_reported_with_location(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "glyph")
    chapter = project / "manual" / "02-complaints.md"
    lines = chapter.read_text(encoding="utf-8").splitlines()
    lines += ["", "客户姓名含生僻字\U0002b79a，需人工核对。"]
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    overview = project / "manual" / "01-overview.md"
    diagram_line = len(overview.read_text(encoding="utf-8").splitlines()) + 2
    with overview.open("a", encoding="utf-8") as chapter:
        chapter.write('\n```{graphviz}\ndigraph g { a [label="核对\U0002b79a"]; }\n```\n')
    meta = project / "data" / "manual.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("客户服务部", "客户服务\U0002b79a部"), encoding="utf-8"
    )
    build = run_build(project)
    assert build.result.returncode != 0
    assert f"02-complaints.md:{len(lines)}" in build.output
    owner_line = (
        meta.read_text(encoding="utf-8").splitlines().index("owner_department: 客户服务\U0002b79a部") + 1
    )
    assert f"manual.yaml:{owner_line}" in build.output  # the cover's data is checked as well
    assert f"01-overview.md:{diagram_line}" in build.output  # flowchart labels are checked too
    assert "U+2B79A" in build.output
    assert "Step 1 - Fetching" not in build.output, "must be detected before rendering"
    assert not build.pdf.exists()


@pytest.mark.slow
def test_missing_cjk_font_is_reported_before_rendering(tmp_path: Path) -> None:
    fontconfig = tmp_path / "fonts.conf"
    fontconfig.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "no-fonts"}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    build = run_build(copy_project(tmp_path / "nofont"), FONTCONFIG_FILE=str(fontconfig))
    assert build.result.returncode != 0
    assert "Noto Serif CJK SC" in build.output
    assert "fonts-noto-cjk" in build.output
    assert "Step 1 - Fetching" not in build.output
    assert not build.pdf.exists()


def test_fetcher_serves_project_files_only(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "ok.css").write_text("p { color: red }", encoding="utf-8")
    (root / "escape.css").symlink_to("/etc/passwd")
    fetcher = ConfinedURLFetcher([root])
    response = fetcher.fetch((root / "ok.css").as_uri())
    assert response.read() == b"p { color: red }"
    for url in (
        "file:///etc/passwd",
        (root / "escape.css").as_uri(),
        root.as_uri() + "/../../../etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/logo.png",
        "ftp://example.com/x",
    ):
        with pytest.raises(RefusedURLError) as refused:
            fetcher.fetch(url)
        assert url in str(refused.value)


def test_weasyprint_rendering_stops_on_a_refused_url(tmp_path: Path) -> None:
    html = weasyprint.HTML(
        string='<p>x</p><img src="file:///etc/passwd">',
        base_url=tmp_path.as_uri() + "/",
        url_fetcher=ConfinedURLFetcher([tmp_path]),
    )
    with pytest.raises(RefusedURLError, match="/etc/passwd"):
        html.write_pdf()


@pytest.mark.slow
def test_table_cells_hold_text_without_wrapper_paragraphs(built: Build) -> None:
    """Single-paragraph cells are written without <p> (fewer boxes), and their text still prints."""
    parts = sorted((built.project / "build" / ".work" / "pdf").glob("print-*-body.html"))
    assert parts, "the body parts' print HTML is kept in the work folder"
    cells = [cell for part in parts for cell in lxml.html.parse(str(part)).xpath("//main//td | //main//th")]
    assert cells
    wrapped = [cell for cell in cells if len(cell) == 1 and cell[0].tag == "p" and not cell[0].get("class")]
    assert not wrapped, f"{len(wrapped)} of {len(cells)} cells still wrap their text in <p>"
    text = pdftotext(built.pdf)
    for cell in cells[:20]:
        content = "".join(cell.text_content().split())
        if content:
            assert content[:4] in "".join(text.split()), content


def test_tagged_output_is_unchanged_by_the_page_reference_cache() -> None:
    """The pydyf workaround is invisible in the PDF and leaves pydyf as it was."""
    original = pydyf.PDF.__dict__["page_references"]
    html = "".join(
        f'<h1 style="break-before: page">第{n}章</h1><p>正文<a href="#c">链接</a></p>' for n in range(5)
    )
    document = weasyprint.HTML(
        string=f'<html lang="zh-CN"><body>{html}<p id="c">完</p></body></html>'
    ).render(pdf_variant="pdf/ua-1")
    options: dict[str, Any] = {"pdf_variant": "pdf/ua-1", "pdf_identifier": b"test"}
    plain = document.write_pdf(**options)
    with linear_page_references():
        assert pydyf.PDF.__dict__["page_references"] is not original
        patched = document.write_pdf(**options)
    assert pydyf.PDF.__dict__["page_references"] is original
    assert patched == plain
    assert len(document.pages) == 5


def test_page_reference_cache_follows_added_pages() -> None:
    pdf = pydyf.PDF()
    with linear_page_references():
        for count in range(1, 4):
            page = pydyf.Dictionary({"Type": "/Page"})
            pdf.add_page(page)
            assert len(pdf.page_references) == count
            assert pdf.page_references[-1] == page.reference


def test_cmap_cache_gives_the_fonts_coverage_and_survives_a_corrupt_file(tmp_path: Path) -> None:
    font = find_font("DejaVu Sans")
    if font is None:
        pytest.skip("DejaVu Sans not installed")
    expected = load_cmap(font)
    cache_file = tmp_path / "cmaps.json"
    first = CmapCache(cache_file)
    assert first.get(font) == expected
    first.save()
    assert cache_file.is_file()
    second = CmapCache(cache_file)
    assert second.get(font) == expected  # served from the file
    cache_file.write_text("{not json", encoding="utf-8")
    assert CmapCache(cache_file).get(font) == expected
    stale = json.dumps({"version": 1, "cmaps": {"elsewhere": [[65, 65]]}})
    cache_file.write_text(stale, encoding="utf-8")
    assert CmapCache(cache_file).get(font) == expected  # key includes path, size and mtime


def test_glyph_check_with_cache_reports_what_the_fonts_lack(tmp_path: Path) -> None:
    font = find_font("DejaVu Sans")
    if font is None:
        pytest.skip("DejaVu Sans not installed")
    coverage = Coverage({"body": [font]}, CmapCache(tmp_path / "cmaps.json"))
    assert missing_in_text("Abc 中", coverage) == ["中"]


def test_unknown_pdf_variant_is_named_and_empty_variant_means_untagged(tmp_path: Path) -> None:
    with pytest.raises(UnknownVariantError, match=r"pdf/ua-9.*pdf/ua-1"):
        render_pdf("<p>正文</p>", tmp_path, [tmp_path], {"pdf_variant": "pdf/ua-9"})
    page = '<html lang="zh-CN"><p>正文</p></html>'
    for variant, tagged in (("pdf/ua-1", True), (None, False)):
        pdf_bytes, pages = render_pdf(page, tmp_path, [tmp_path], {"pdf_variant": variant})
        assert pages == 1
        catalog = pypdf.PdfReader(io.BytesIO(pdf_bytes)).trailer["/Root"]
        assert ("/StructTreeRoot" in catalog) is tagged, variant


PROCESS_YAML = """\
- id: complaint.flow
  title: 投诉处理流程
  owner: service.supervisor
  section: complaint-handling
  steps:
    - id: intake
      name: 受理登记
      owner: service.agent
      form: F-02-01
    - id: resolve
      name: 调查办结
      owner: service.supervisor
      sla: complaint.general.resolve
    - id: callback
      name: 回访归档
      owner: service.agent
      end: true
"""


@pytest.mark.slow
def test_flowcharts_are_tagged_figures_with_their_text_alternative(built: Build) -> None:
    """PDF/UA: a flowchart is a Figure whose /Alt a screen reader reads.  Written as an SVG
    <object> (Sphinx's HTML), it was an untagged group of node labels read one by one."""
    import pikepdf

    source = (built.project / "manual" / "01-overview.md").read_text(encoding="utf-8")
    code = source.split("```{graphviz}\n", 1)[1].split("```", 1)[0].strip()  # Sphinx's default alt
    with pikepdf.open(built.pdf) as pdf:
        figures = [
            str(obj.get("/Alt", ""))
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure"
        ]
    assert [" ".join(alt.split()) for alt in figures] == [" ".join(code.split())]


@pytest.mark.slow
def test_flowchart_is_drawn_in_the_body_face_and_fits_beside_its_text(tmp_path: Path) -> None:
    """A process chart adds no CJK font of its own, and its labels stay real (searchable) text."""
    project = copy_project(tmp_path / "flow")
    (project / "data" / "processes.yaml").write_text(PROCESS_YAML, encoding="utf-8")
    chapter = project / "manual" / "02-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    text = text.replace("## 职责\n", ":::{process} complaint.flow\n:::\n\n## 职责\n", 1)
    chapter.write_text(text, encoding="utf-8")
    build = run_build(project)
    assert build.result.returncode == 0, build.output
    fonts = subprocess.run(["pdffonts", str(build.pdf)], capture_output=True, text=True, check=True).stdout
    faces = sorted(row.split()[0].split("+", 1)[-1] for row in fonts.splitlines()[2:])
    cjk = [face for face in faces if "CJK" in face]
    assert cjk == ["Noto-Sans-CJK-SC-Bold", "Noto-Serif-CJK-SC"], faces
    intake = page_of(build.pdf, "2.1 投诉受理")
    chart_page = pdftotext(build.pdf, intake)
    assert "受理登记" in chart_page and "回访归档" in chart_page  # the chart shares the section's page


def test_cmap_cache_in_an_unwritable_place_is_not_an_error(tmp_path: Path) -> None:
    font = find_font("DejaVu Sans")
    if font is None:
        pytest.skip("DejaVu Sans not installed")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    cache = CmapCache(blocker / "cmaps.json")  # its parent is a file: nothing can be written
    assert cache.get(font) == load_cmap(font)
    cache.save()
    assert list(tmp_path.iterdir()) == [blocker]


@pytest.mark.slow
def test_parts_typeset_separately_join_into_one_pdf_with_working_links(built: Build) -> None:
    """The fixture manual is cut into several parts; the joined PDF is one document to a reader."""
    work = built.project / "build" / ".work" / "pdf"
    assert len(list(work.glob("print-*-body.html"))) > 1
    reader = pypdf.PdfReader(built.pdf)
    dests = reader.named_destinations
    links = [
        (number, str(annotation.get_object()["/Dest"]))
        for number, page in enumerate(reader.pages)
        for annotation in page.get("/Annots") or []
        if "/Dest" in annotation.get_object()
    ]
    assert links and all(name in dests for _, name in links)
    # the contents' links land on the pages the contents print
    toc_links = {name for number, name in links if number == 1}
    assert any(reader.get_destination_page_number(dests[name]) > 2 for name in toc_links)
    fonts = subprocess.run(["pdffonts", str(built.pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert len(names) == len(set(names)), f"a face is embedded more than once:\n{fonts}"


@pytest.mark.slow
def test_a_reference_to_a_section_prints_its_number(built: Build) -> None:
    """On paper a link cannot be followed: "见“投诉受理”" gives the reader the section's number;
    a link with text of its own stays as written."""
    text = "".join(pdftotext(built.pdf).split())
    assert "投诉的受理见“2.1投诉受理”" in text
    assert "时限见“时限一览”" in text


@pytest.mark.slow
def test_every_link_is_one_annotation(built: Build) -> None:
    """WeasyPrint annotated every span inside a link as a link of its own: each cross-reference
    was there twice (same area, same target), and a screen reader reads it twice."""
    reader = pypdf.PdfReader(built.pdf)
    links = [
        (number, tuple(round(float(x), 1) for x in annotation["/Rect"]), str(annotation.get("/Dest")))
        for number, page in enumerate(reader.pages)
        for annotation in (a.get_object() for a in page.get("/Annots") or [])
        if annotation.get("/Subtype") == "/Link"
    ]
    assert len(links) > 10
    assert len(links) == len(set(links))


@pytest.mark.slow
def test_every_page_of_the_form_appendices_carries_their_chapter_in_the_header(built: Build) -> None:
    """Form appendices after the first are typeset in parts of their own: the header must follow."""
    total = int(pdfinfo(built.pdf)["Pages"])
    first_form = page_of(built.pdf, FORM_BOOKMARK)
    assert total - first_form >= 1  # at least one more form after the first
    for page in range(first_form, total + 1):
        header = pdftotext(built.pdf, page=page, layout=True).strip().splitlines()[0]
        assert "3 附录 表单" in header and "MK-TEST-PDF-001" in header, (page, header)


def _word_tops(pdf: Path, page: int) -> dict[str, float]:
    """Top (pt) of the first word starting with each text on ``page`` (pdftotext -bbox)."""
    command = ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"]
    html = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    tops: dict[str, float] = {}
    for match in re.finditer(r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([^<]+)</word>', html):
        tops.setdefault(match.group(2), float(match.group(1)))
    return tops


def _top(tops: dict[str, float], prefix: str) -> float:
    return next(top for word, top in tops.items() if word.startswith(prefix))


@pytest.mark.slow
def test_paper_forms_leave_room_to_write_sign_and_stamp(built: Build) -> None:
    """A multi-line field gets several lines of room, a seal about 3 cm; one line each was
    too small to fill in by hand."""
    mm = 72 / 25.4
    tops = _word_tops(built.pdf, page_of(built.pdf, FORM_BOOKMARK))
    one_line = _top(tops, "联系电话") - _top(tops, "客户姓名")
    multiline = _top(tops, "投诉类别") - _top(tops, "投诉事由")
    assert one_line < 10 * mm and multiline >= 14 * mm, (one_line / mm, multiline / mm)
    reply = page_of(built.pdf, FORM_BOOKMARK) + 1
    text = pdftotext(built.pdf, page=reply)
    assert "投诉处理结果反馈函" in text and "（盖章）" in text
    tops = _word_tops(built.pdf, reply)
    assert _top(tops, "客服主管签字") - _top(tops, "部门盖章") >= 28 * mm


@pytest.mark.slow
def test_a_form_longer_than_a_page_keeps_its_last_rows_with_its_note_and_signatures(built: Build) -> None:
    """F-02-03…05 (11, 12, 13 rows) end near the foot of their first page: where the note and
    signature lines do not fit there, the break must come between rows, never leave them on a
    page of their own (print.css, ``.mk-form > table + p``: the rule depends on the structure of
    the print HTML, which the site's theme once changed by wrapping every table)."""
    spanning = 0
    for number, form, title in ((3, "F-02-03", "（一）"), (4, "F-02-04", "（二）"), (5, "F-02-05", "（三）")):
        first = page_of(built.pdf, f"3.{number} 附件{number}　{form} 投诉调查记录表{title}")
        pages = [pdftotext(built.pdf, page=first), pdftotext(built.pdf, page=first + 1)]
        if "调查记录随投诉档案归档" in pages[0]:
            assert pages[0].count("签字") == 2 and "调查结论" in pages[0], form  # all on one page
            continue
        spanning += 1
        assert "调查结论" in pages[1] and "调查记录随投诉档案归档" in pages[1], form
        assert pages[1].count("签字") == 2 and "项目" in pages[1], form  # header row repeated
    assert spanning >= 2, "the fixture's forms no longer reach the foot of their first page"


@pytest.mark.slow
def test_form_options_and_dates_are_never_broken_over_lines(built: Build) -> None:
    """Chinese text breaks anywhere; a paper form must not read "☐ 其" / "他" or "☐" / "其他"."""
    page = page_of(built.pdf, FORM_BOOKMARK)
    lines = [
        " ".join(line.replace("\u00a0", " ").split())
        for line in pdftotext(built.pdf, page=page, layout=True).splitlines()
    ]
    choices = ["服务态度与礼仪", "业务办理效率", "收费与价格争议", "产品信息披露", "系统与技术故障", "其他"]
    holding = [next((i for i, line in enumerate(lines) if f"☐ {choice}" in line), None) for choice in choices]
    assert None not in holding, lines
    assert len(set(holding)) > 1  # the options do fill more than one line of their cell
    assert all(line.count("☐") == line.count("☐ ") for line in lines)  # no box left alone at a line's end
    signature_dates = [line for line in lines if "签字" in line]
    assert len(signature_dates) == 2
    assert all("日期：＿＿＿＿年＿＿月＿＿日" in line for line in signature_dates)


@pytest.mark.slow
def test_cli_pdf_build_leaves_no_worker_files_behind(tmp_path: Path) -> None:
    """The workers' fork server keeps a socket folder in TMPDIR; the CLI's exit must remove it."""
    project = copy_project(tmp_path / "a" / "b" / "project")
    shutil.copytree(TEMPLATES, tmp_path / "templates")  # where the fixture's conf.py looks
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "SOURCE_DATE_EPOCH": EPOCH}
    command = [sys.executable, "-m", "manualkit", "--project", str(project), "build", "pdf", "--no-check"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "build" / "pdf" / PDF_NAME).is_file()
    assert list(temp.glob("pymp-*")) == []


@pytest.mark.slow
def test_cli_pdf_builds_when_tmpdir_is_too_deep_for_the_fork_servers_socket(tmp_path: Path) -> None:
    """A deep TMPDIR (CI sandboxes) cannot hold a Unix socket: the workers fork from the CLI instead."""
    project = copy_project(tmp_path / "a" / "b" / "project")
    shutil.copytree(TEMPLATES, tmp_path / "templates")  # where the fixture's conf.py looks
    temp = tmp_path / ("deep-" * 16) / "tmp"
    temp.mkdir(parents=True)
    assert len(str(temp)) > 80  # with the server's "/pymp-…/listener-…" over 107 bytes
    env = {**os.environ, "TMPDIR": str(temp), "SOURCE_DATE_EPOCH": EPOCH}
    command = [sys.executable, "-m", "manualkit", "--project", str(project), "build", "pdf", "--no-check"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "build" / "pdf" / PDF_NAME).is_file()


@pytest.mark.slow
def test_short_row_labels_stay_on_one_line(built: Build) -> None:
    """A two-column table of 岗位 | 职责 printed "投诉处理" / "专员": the sentences took the row and
    the label column kept its minimum only.  Labels of up to eight characters stay whole."""
    text = pdftotext(built.pdf, page=page_of(built.pdf, "2.2 职责"), layout=True)
    lines = [line.replace(" ", "") for line in text.splitlines()]
    assert any(line.startswith("投诉处理专员负责") for line in lines), text


def test_a_line_may_break_at_a_curly_quote_after_chinese_text(tmp_path: Path) -> None:
    """Pango kept 于 with the “ after it (UAX #14 before Unicode 15.1, LB19): "全部时限汇总" ended
    its line two characters short.  Chinese typesetting breaks before “ and after ”."""
    from weasyprint import HTML

    from manualkit.cjk_text import quote_break_opportunities

    text = "正文中的时限全部汇总于“8.4 服务时限一览”中，另见“附件”。"
    broken = quote_break_opportunities(text)
    assert broken == text.replace("于“", "于\u200b“").replace("”中", "”\u200b中").replace("见“", "见\u200b“")
    assert quote_break_opportunities("（“附件”）") == "（“附件”）"  # never after an opening bracket
    assert quote_break_opportunities("no quotes here") == "no quotes here"
    first_lines = []
    for name, version in (("plain", text), ("broken", broken)):
        html = f'<p style="font-family: Noto Serif CJK SC; font-size: 12pt; width: 12em">{version}</p>'
        HTML(string=html).write_pdf(tmp_path / f"{name}.pdf")
        first_lines.append(pdftotext(tmp_path / f"{name}.pdf").splitlines()[0])
    assert first_lines == ["正文中的时限全部汇总", "正文中的时限全部汇总于"]


@pytest.mark.slow
def test_the_print_html_breaks_at_quotes_and_the_pdf_text_does_not_show_it(built: Build) -> None:
    parts = sorted((built.project / "build" / ".work" / "pdf").glob("print-*-body.html"))
    body = "".join(part.read_text(encoding="utf-8") for part in parts)
    assert "应坚持\u200b“以客户为中心”\u200b的原则" in body
    assert "\u200b" not in pdftotext(built.pdf)
