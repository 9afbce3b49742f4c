"""Write the redline as a DOCX whose differences are real Word tracked changes.

Insertions are ``<w:ins>`` and deletions ``<w:del>`` (deleted text in
``<w:delText>``), each with ``w:author`` and ``w:date``; whole inserted or
deleted paragraphs also mark their paragraph mark, so Word's and LibreOffice's
*Accept all* yields exactly the new release's text and *Reject all* the old one.
python-docx has no tracked-change API, so the runs are built with its oxml
helpers on the paragraph element.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph

from manualkit.redline.compare import Redline
from manualkit.redline.textdiff import ParagraphDiff, Segment
from manualkit.writers.docx.package import package_members, reproducible_zip

EAST_ASIAN_FONT = "Noto Sans CJK SC"
_STATUS_WORDS = {"added": "新增", "removed": "删除", "changed": "修改", "unchanged": "未修改"}


@dataclasses.dataclass
class _Revisions:
    """Hands out the unique ``w:id`` every tracked change needs (one per document)."""

    author: str
    date: str
    next_id: int = 1

    def mark(self, tag: str) -> BaseOxmlElement:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element


def write_docx(redline: Redline, target: Path) -> None:
    """Write the tracked-changes DOCX to ``target`` (atomically: temp file, then replace)."""
    document = Document()
    _east_asian(document)
    revisions = _Revisions(redline.author, _w3c(redline.date))
    document.core_properties.title = f"{redline.title} 修订对照 v{redline.old_version}→v{redline.new_version}"
    document.core_properties.author = redline.author
    document.add_heading(f"{redline.title} 修订对照 v{redline.old_version} → v{redline.new_version}", 0)
    for revision in redline.revisions:
        document.add_paragraph(
            f"v{revision.version}（{revision.effective.isoformat()} 起施行）：{revision.summary}"
        )
    _summary_table(document, redline)
    for section in redline.sections:
        status = f"（{_STATUS_WORDS[section.status]}）"
        title: tuple[Segment, ...] = (Segment("equal", section.title),)
        if section.retitled and section.old_title is not None:
            # A reworded heading is a tracked change of the heading itself.
            title = (Segment("delete", section.old_title), Segment("insert", section.title))
        _paragraph(
            document.add_heading("", level=2),
            ParagraphDiff("changed", (*title, Segment("equal", status))),
            revisions,
        )
        for para in (*section.data_paragraphs, *section.paragraphs):
            _paragraph(document.add_paragraph(), para, revisions)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    # Packaged like the manual's DOCX: no leftovers of python-docx's template, fixed timestamps.
    tmp.write_bytes(reproducible_zip(package_members(document), redline.date))
    tmp.replace(target)


def _paragraph(paragraph: Paragraph, diff: ParagraphDiff, revisions: _Revisions) -> None:
    p = paragraph._p
    if diff.status in ("insert", "delete"):
        # Mark the paragraph mark itself, so accepting a deletion removes the empty paragraph.
        rpr = OxmlElement("w:rPr")
        rpr.append(revisions.mark("w:ins" if diff.status == "insert" else "w:del"))
        p.get_or_add_pPr().append(rpr)
    for segment in diff.segments:
        if segment.op == "equal":
            for run in _runs(segment.text, deleted=False):
                p.append(run)
        else:
            wrapper = revisions.mark("w:ins" if segment.op == "insert" else "w:del")
            for run in _runs(segment.text, deleted=segment.op == "delete"):
                wrapper.append(run)
            p.append(wrapper)


def _runs(text: str, *, deleted: bool) -> list[BaseOxmlElement]:
    """One ``w:r`` with the text; source line breaks become ``w:br``."""
    run = OxmlElement("w:r")
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        if line:
            t = OxmlElement("w:delText" if deleted else "w:t")
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = line
            run.append(t)
    return [run]


def _summary_table(document: DocumentObject, redline: Redline) -> None:
    changes = redline.data.all
    if not changes:
        document.add_paragraph("本次修订未变更服务时限、表单或其他数据。")
        return
    document.add_heading("时限、表单及其他数据变更一览", level=1)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("编号", "名称", "变更", "原值 → 新值"), strict=True):
        cell.text = text
    for change in changes:
        row = table.add_row().cells
        row[0].text = change.id
        row[1].text = change.name
        row[2].text = _STATUS_WORDS[change.status]
        row[3].text = f"{change.old_value} → {change.new_value}"


def _east_asian(document: DocumentObject) -> None:
    style = document.styles["Normal"]
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def _w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
