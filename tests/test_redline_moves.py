"""``manualkit redline``: a section moved to another chapter or another place among its siblings.

A moved section was compared by its label alone and reported as unchanged: its recorded note was
not shown, nothing marked where it stood, the summary and changes.json left it out, and in the
DOCX Reject all left it at its new place.  A move is reported where it stood and where it stands,
and the DOCX tracks it as a deletion there and an insertion here.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from manualkit.redline.cli import write_redline
from ooxml_helpers import word_would_repair
from release_helpers import REVISION_1_1, commit_all, make_project, replace_in, tag
from test_redline import _expected_text, _style

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROOT_TITLE = "客户服务操作手册（发布测试样本）"
MOVE_NOTE = "本节由第1章移至第2章。"
#: Revision 1.1 of the fixture manual, recording the move on the moved section.
REVISION_MOVE = REVISION_1_1.replace(
    "complaint-resolution, description: 一般投诉办结时限由7个工作日缩短为5个工作日。",
    f"overview-principles, description: {MOVE_NOTE}",
).replace("缩短一般投诉办结时限。", "调整章节结构。")

OLD_HEADINGS = [
    ROOT_TITLE,
    "1 总则",
    "1.1 适用范围",
    "1.2 服务原则",
    "2 投诉处理",
    "2.1 投诉受理",
    "2.2 投诉办结",
]
NEW_HEADINGS = [
    ROOT_TITLE,
    "1 总则",
    "1.1 适用范围",
    "2 投诉处理",
    "2.1 投诉受理",
    "2.2 投诉办结",
    "2.3 服务原则",
]


def _cut_principles(root: Path) -> str:
    """Remove 服务原则 (the last section of chapter 1) from its chapter; returns its source."""
    overview = root / "manual" / "01-overview.md"
    text = overview.read_text(encoding="utf-8")
    start = text.index("(overview-principles)=")
    overview.write_text(text[:start].rstrip("\n") + "\n", encoding="utf-8")
    return text[start:].rstrip("\n") + "\n"


def _append_to_complaints(root: Path, section: str) -> None:
    complaints = root / "manual" / "02-complaints.md"
    text = complaints.read_text(encoding="utf-8")
    complaints.write_text(text.rstrip("\n") + "\n\n" + section, encoding="utf-8")


def _release_1_1(root: Path, revision: str = REVISION_MOVE) -> Path:
    """Record revision 1.1, commit and tag it; the redline 1.0 → 1.1."""
    replace_in(root / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.1"')
    replace_in(root / "data" / "manual.yaml", "effective: 2025-01-01", "effective: 2025-03-01")
    with (root / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(revision)
    commit_all(root, "手册 v1.1")
    tag(root, "1.1")
    return write_redline(root, "1.0", "1.1")


def _project(tmp_path: Path) -> Path:
    root = make_project(tmp_path)
    tag(root, "1.0")
    return root


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The reviewer's case: a section cut from the end of chapter 1 and pasted at the end of
    chapter 2, the move recorded in revision 1.1.  (project root, redline directory)"""
    root = _project(tmp_path_factory.mktemp("moved"))
    _append_to_complaints(root, _cut_principles(root))
    return root, _release_1_1(root)


# --------------------------------------------------------------------------- helpers


def _manual_text(target: Path) -> list[etree._Element]:
    """The DOCX's manual text: the paragraphs after the section break ending the front matter."""
    with zipfile.ZipFile(target / "redline.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    paragraphs = list(body.iter(f"{W}p"))
    breaks = [i for i, p in enumerate(paragraphs) if p.find(f"{W}pPr/{W}sectPr") is not None]
    assert breaks, "no section break between the front matter and the manual text"
    return paragraphs[breaks[0] + 1 :]


def _resolved(paragraphs: list[etree._Element], *, accept: bool) -> list[str]:
    """Paragraph texts after Word's Accept all (drop w:del, keep w:ins content) or Reject all
    (drop every w:ins, keep w:del content); a paragraph whose mark goes and that is left empty
    disappears."""
    gone = f"{W}del" if accept else f"{W}ins"
    texts: list[str] = []
    for p in paragraphs:
        parts = [
            "\n" if node.tag == f"{W}br" else node.text or ""
            for node in p.iter(f"{W}t", f"{W}delText", f"{W}br")
            if not any(a.tag == gone for a in node.iterancestors())
        ]
        text = "".join(parts)
        if p.find(f"{W}pPr/{W}rPr/{gone}") is not None and not text:
            continue
        texts.append(text)
    return texts


def _headings(target: Path, *, accept: bool) -> list[str]:
    headings = [p for p in _manual_text(target) if _style(p).startswith("Heading")]
    return _resolved(headings, accept=accept)


def _assert_accept_and_reject(root: Path, target: Path) -> None:
    text = _manual_text(target)
    assert _resolved(text, accept=True) == _expected_text(root, "1.1")
    assert _resolved(text, accept=False) == _expected_text(root, "1.0")


def _changes(target: Path) -> Any:
    return json.loads((target / "changes.json").read_text(encoding="utf-8"))


def _moved_sections(target: Path) -> list[Any]:
    return [s for s in _changes(target)["sections"] if s["status"] == "moved"]


def _html(target: Path) -> etree._ElementTree:
    return etree.parse(str(target / "redline.html"), etree.HTMLParser())


def _front_matter(target: Path) -> tuple[list[str], list[list[str]]]:
    """The front matter's paragraph texts and the rows of its tables (cell texts)."""
    with zipfile.ZipFile(target / "redline.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
    assert body is not None
    front: list[etree._Element] = []
    for element in body:
        front.append(element)
        if element.find(f"{W}pPr/{W}sectPr") is not None:
            break
    paragraphs = ["".join(p.itertext()) for p in front if p.tag == f"{W}p"]
    rows = [
        ["".join(cell.itertext()) for cell in row.iter(f"{W}tc")]
        for table in front
        if table.tag == f"{W}tbl"
        for row in table.iter(f"{W}tr")
    ]
    return paragraphs, rows


def _comments(target: Path) -> list[str]:
    with zipfile.ZipFile(target / "redline.docx") as archive:
        comments = etree.fromstring(archive.read("word/comments.xml"))
    return ["\n".join("".join(p.itertext()) for p in c.iter(f"{W}p")) for c in comments.iter(f"{W}comment")]


# --------------------------------------------------------------------------- the reviewer's case


def test_reject_all_puts_a_moved_section_back_and_accept_all_where_it_went(moved: tuple[Path, Path]) -> None:
    """Only the heading number was tracked: Reject all gave 2.2 投诉办结, 1.2 服务原则 — the section
    at its new place with its old number, not v1.0's order."""
    root, target = moved
    assert _headings(target, accept=False) == OLD_HEADINGS
    assert _headings(target, accept=True) == NEW_HEADINGS
    _assert_accept_and_reject(root, target)
    # Deleted where it stood (heading and text, paragraph marks included), inserted where it is.
    text = _manual_text(target)
    (old_place,) = [p for p in text if "".join(p.itertext()) == "1.2 服务原则"]
    (new_place,) = [p for p in text if "".join(p.itertext()) == "2.3 服务原则"]
    assert old_place.find(f"{W}pPr/{W}rPr/{W}del") is not None and old_place.find(f"{W}del") is not None
    assert new_place.find(f"{W}pPr/{W}rPr/{W}ins") is not None and new_place.find(f"{W}ins") is not None
    assert text.index(old_place) < text.index(new_place)
    assert word_would_repair(target / "redline.docx") == []


def test_a_moved_section_is_listed_with_both_places_in_changes_json(moved: tuple[Path, Path]) -> None:
    _root, target = moved
    (section,) = _changes(target)["sections"]
    assert section == {
        "key": "overview-principles",
        "label": "overview-principles",
        "title": "服务原则",
        "path": "manual/02-complaints.md",
        "status": "moved",
        "from": {"number": "1.2", "path": "manual/01-overview.md", "title": "服务原则"},
        "to": {"number": "2.3", "path": "manual/02-complaints.md", "title": "服务原则"},
        "edited": False,
    }


def test_the_docx_front_matter_counts_and_lists_a_moved_section(moved: tuple[Path, Path]) -> None:
    _root, target = moved
    paragraphs, rows = _front_matter(target)
    summary = [p for p in paragraphs if p.startswith("共 ")]
    # Nine sections (the root page, two chapters' document control and six headed sections), the
    # moved one counted once, as moved, not also as removed and added.
    assert summary == ["共 9 节，其中修改 0 节、新增 0 节、删除 0 节、移动 1 节。"]
    assert ["2.3 服务原则", "移动（1.2 → 2.3）", f"v1.1：{MOVE_NOTE}", "—"] in rows
    # Beside each place, a comment naming the other one; the recorded note at the new place.
    comments = _comments(target)
    arrived = ["移动（1.2 → 2.3）：2.3 服务原则", "原位置：1.2 服务原则（manual/01-overview.md）"]
    assert "\n".join([*arrived, f"修订说明：v1.1：{MOVE_NOTE}"]) in comments
    assert "移动（1.2 → 2.3）：1.2 服务原则\n新位置：2.3 服务原则（manual/02-complaints.md）" in comments


def test_the_html_shows_a_moved_section_with_its_note(moved: tuple[Path, Path]) -> None:
    """It was collapsed as "未修改" and its recorded note was not shown."""
    _root, target = moved
    page = _html(target)
    (section,) = page.xpath("//*[@id='s-overview-principles']")
    assert section.tag == "div" and "moved" in section.get("class").split()
    assert "移动" in section.xpath("string(.//span[@class='mk-status'])")
    assert "manual/02-complaints.md" in section.xpath("string(.//span[@class='mk-status'])")
    notes = [p.xpath("string(.)") for p in section.xpath(".//p[contains(@class, 'mk-note')]")]
    assert f"修订说明：v1.1：{MOVE_NOTE}" in notes
    # At its new place: after the last section of chapter 2.
    ids = page.xpath("//*[starts-with(@id, 's-')]/@id")
    assert ids.index("s-overview-principles") > ids.index("s-complaint-resolution")


def test_the_html_marks_where_a_moved_section_stood_and_counts_it(moved: tuple[Path, Path]) -> None:
    _root, target = moved
    page = _html(target)
    summary = " ".join(page.xpath("string(//header/p[starts-with(normalize-space(.), '共')])").split())
    sections = len(page.xpath("//*[starts-with(@id, 's-')]"))
    assert summary.startswith(f"共 {sections} 节，其中修改 0 节、新增 0 节、删除 0 节、移动 1 节。")
    (left,) = page.xpath("//*[@id='moved-from-overview-principles']")
    assert left.xpath("string(.//h3/del)") == "1.2 服务原则"
    assert "移至 2.3" in left.xpath("string(.)")
    assert left.xpath(".//a/@href") == ["#s-overview-principles"]
    (arrived,) = page.xpath("//*[@id='s-overview-principles']")
    assert arrived.xpath("string(.//h3/ins)") == "2.3 服务原则"
    assert "由 1.2 移入" in arrived.xpath("string(.)")
    assert f"修订说明：v1.1：{MOVE_NOTE}" in arrived.xpath("string(.)")
    ids = page.xpath("//*[@id]/@id")
    assert (
        ids.index("s-overview-scope")
        < ids.index("moved-from-overview-principles")
        < ids.index("s-complaints")
    )


# --------------------------------------------------------------------------- what is and is not a move


def test_renumbering_alone_is_not_a_move(tmp_path: Path) -> None:
    """A section inserted before 服务原则 makes it 1.3: renumbered, in its place, not moved."""
    root = _project(tmp_path)
    replace_in(
        root / "manual" / "01-overview.md",
        "(overview-principles)=",
        "(overview-terms)=\n## 术语\n\n本手册所称客户，是指在本行办理业务的个人。\n\n(overview-principles)=",
    )
    target = _release_1_1(root, REVISION_MOVE.replace("overview-principles", "overview-terms"))
    assert _moved_sections(target) == []
    assert [(s["label"], s["status"]) for s in _changes(target)["sections"]] == [("overview-terms", "added")]
    (section,) = _html(target).xpath("//*[@id='s-overview-principles']")
    assert section.tag == "details"  # unchanged, collapsed
    assert section.xpath("string(.//del[@class='mk-number'])") == "1.2"
    assert section.xpath("string(.//ins[@class='mk-number'])") == "1.3"
    _assert_accept_and_reject(root, target)


def test_a_renamed_chapter_file_moves_none_of_its_sections(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "manual" / "01-overview.md").rename(root / "manual" / "01-general.md")
    replace_in(root / "manual" / "index.md", "01-overview\n", "01-general\n")
    target = _release_1_1(root)
    assert _moved_sections(target) == []
    _assert_accept_and_reject(root, target)


def test_a_section_moved_among_its_siblings_is_moved(tmp_path: Path) -> None:
    """投诉办结 put before 投诉受理 in the same chapter: one of the two changed its place."""
    root = _project(tmp_path)
    complaints = root / "manual" / "02-complaints.md"
    text = complaints.read_text(encoding="utf-8")
    intake, resolution = text.index("(complaint-intake)="), text.index("(complaint-resolution)=")
    complaints.write_text(
        text[:intake] + text[resolution:].rstrip("\n") + "\n\n" + text[intake:resolution].rstrip("\n") + "\n",
        encoding="utf-8",
    )
    target = _release_1_1(root)
    (section,) = _moved_sections(target)
    assert section["label"] in ("complaint-intake", "complaint-resolution")
    assert {section["from"]["number"], section["to"]["number"]} == {"2.1", "2.2"}
    assert _headings(target, accept=False)[-2:] == ["2.1 投诉受理", "2.2 投诉办结"]
    assert _headings(target, accept=True)[-2:] == ["2.1 投诉办结", "2.2 投诉受理"]
    _assert_accept_and_reject(root, target)


def test_a_section_moved_into_the_next_chapter_is_moved_not_the_chapter(tmp_path: Path) -> None:
    """The last section of chapter 1 made the first of chapter 2: its order among the others is
    nearly the same, but it changed chapters (1.2 → 2.1); the chapter title stays in place."""
    root = _project(tmp_path)
    section = _cut_principles(root)
    replace_in(root / "manual" / "02-complaints.md", "(complaint-intake)=", section + "\n(complaint-intake)=")
    target = _release_1_1(root)
    (moved,) = _moved_sections(target)
    assert (moved["label"], moved["from"], moved["to"]) == (
        "overview-principles",
        {"number": "1.2", "path": "manual/01-overview.md", "title": "服务原则"},
        {"number": "2.1", "path": "manual/02-complaints.md", "title": "服务原则"},
    )
    _assert_accept_and_reject(root, target)


def test_a_section_reworded_as_it_moved(tmp_path: Path) -> None:
    """The HTML shows the edit at the new place; the DOCX deletes the old text where it stood and
    inserts the new one where it stands, so Accept all and Reject all still give each version."""
    root = _project(tmp_path)
    section = _cut_principles(root).replace("热情、专业、高效", "热情、专业、高效、规范")
    _append_to_complaints(root, section)
    target = _release_1_1(root)
    (entry,) = _moved_sections(target)
    assert entry["edited"] is True
    _assert_accept_and_reject(root, target)
    (arrived,) = _html(target).xpath("//*[@id='s-overview-principles']")
    assert [e.text for e in arrived.xpath(".//div[@class='mk-text']//ins")] == ["、规范"]
    _paragraphs, rows = _front_matter(target)
    assert ["2.3 服务原则", "移动并修改（1.2 → 2.3）", f"v1.1：{MOVE_NOTE}", "—"] in rows
    assert any("移动时另有修改：原文见 1.2 处删除的文本" in c for c in _comments(target))
