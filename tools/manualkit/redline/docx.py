"""Write the redline as a DOCX whose differences are real Word tracked changes.

The document has two parts.  The *front matter* (first pages, no tracked changes) is the
redline's own: the approval line of every spanned revision, the sections changed with their
status, change notes and data changes, and the data-change table.  The *manual text* (from a
new page on) holds the manual itself, headings numbered as the manual numbers them, with every
difference tracked: insertions are ``<w:ins>`` and deletions ``<w:del>`` (deleted text in
``<w:delText>``), each with ``w:author`` and ``w:date``; whole inserted or deleted paragraphs,
headings included, also mark their paragraph mark; a moved section is deleted whole where it
stood and inserted whole where it stands.  Nothing else is written into the manual text: a
section's status, change notes and data changes are Word comments on its heading, which a
compliance reviewer reads in the Review pane beside the change.  So *Accept all* turns the
manual text into exactly the new release's text and *Reject all* into the old one.

python-docx has no tracked-change API, so the runs are built with its oxml helpers on the
paragraph element; comments use python-docx's comments part (≥ 1.2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph

from manualkit.redline.compare import Redline, SectionDiff
from manualkit.redline.datadiff import OTHER_COLLECTIONS, EntryChange
from manualkit.redline.textdiff import ParagraphDiff, Segment, excerpts
from manualkit.writers.docx.package import package_members, reproducible_zip

EAST_ASIAN_FONT = "Noto Sans CJK SC"
_STATUS_WORDS = {
    "added": "新增",
    "removed": "删除",
    "changed": "修改",
    "moved": "移动",
    "unchanged": "未修改",
}
_KIND_WORDS = {"sla": "服务时限", "form": "表单", **OTHER_COLLECTIONS}
#: Who the comments are from: the redline itself, not the drafter the tracked changes name.
COMMENT_AUTHOR = "修订对照"
COMMENT_INITIALS = "MK"
#: Word has nine heading levels.
_MAX_HEADING_LEVEL = 9


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
    _front_matter(document, redline)
    # The manual text starts on a page of its own: everything before the break is the redline's.
    document.add_section(WD_SECTION.NEW_PAGE)
    for section in redline.places:
        _manual_section(document, section, redline, revisions)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    # Packaged like the manual's DOCX: no leftovers of python-docx's template, fixed timestamps.
    tmp.write_bytes(reproducible_zip(package_members(document), redline.date))
    tmp.replace(target)


# --------------------------------------------------------------------------- front matter


def _front_matter(document: DocumentObject, redline: Redline) -> None:
    """The redline's own pages: what was approved, what changed where, and how to read the rest
    (the same facts as the HTML header, none of it tracked)."""
    document.add_heading(f"{redline.title} 修订对照 v{redline.old_version} → v{redline.new_version}", 0)
    document.add_heading("修订说明", level=1)
    for line in redline.approval_lines():
        document.add_paragraph(line)
    counts = redline.status_counts()
    document.add_paragraph(
        f"共 {len(redline.sections)} 节，其中修改 {counts['changed']} 节、新增 {counts['added']} 节、"
        f"删除 {counts['removed']} 节、移动 {counts['moved']} 节。"
    )
    document.add_paragraph(
        f"自下一页起为手册正文，两版差异以 Word 修订标记表示：全部接受即为 v{redline.new_version} 的文本，"
        f"全部拒绝即为 v{redline.old_version} 的文本。各节的修订状态、修订说明和数据变更以批注标注在该节"
        "标题上，并汇总于下表；本修订说明不属于手册正文。"
    )
    _sections_table(document, redline)
    _summary_table(document, redline)


def _sections_table(document: DocumentObject, redline: Redline) -> None:
    """One row per changed, added or removed section: number and title, status, notes, data."""
    changed = redline.changed_sections
    if not changed:
        return
    document.add_heading("修订章节一览", level=2)
    notes = redline.change_notes()
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("章节", "修订", "修订说明", "数据变更"), strict=True):
        cell.text = text
    for section in changed:
        row = table.add_row().cells
        row[0].text = _section_name(section)
        row[1].text = _status_text(section)
        row[2].text = notes.get(section.label or "", "—")
        row[3].text = "\n".join(_data_line(c) for c in section.data_changes) or "—"


def _summary_table(document: DocumentObject, redline: Redline) -> None:
    changes = redline.data.all
    if not changes:
        document.add_paragraph("本次修订未变更服务时限、表单或其他数据。")
        return
    document.add_heading("时限、表单及其他数据变更一览", level=2)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("类别", "编号", "名称", "变更", "原值 → 新值"), strict=True):
        cell.text = text
    for change in changes:
        row = table.add_row().cells
        row[0].text = _KIND_WORDS.get(change.kind, change.kind)
        row[1].text = change.id
        row[2].text = change.name
        row[3].text = _STATUS_WORDS[change.status]
        row[4].text = f"{change.old_value} → {change.new_value}"


# --------------------------------------------------------------------------- manual text


def _manual_section(
    document: DocumentObject, section: SectionDiff, redline: Redline, revisions: _Revisions
) -> None:
    """The section's heading (tracked like any text) and body; its notes as a comment."""
    paragraphs: list[Paragraph] = []
    if section.level is not None:
        heading = document.add_heading("", level=min(section.level, _MAX_HEADING_LEVEL))
        _paragraph(heading, _heading_diff(section), revisions)
        paragraphs.append(heading)
    for para in _body_diff(section):
        paragraph = document.add_paragraph()
        _paragraph(paragraph, para, revisions)
        paragraphs.append(paragraph)
    if section.status != "unchanged" and paragraphs:
        _comment(document, paragraphs[0], _comment_lines(section, redline), redline.date)


def _body_diff(section: SectionDiff) -> tuple[ParagraphDiff, ...]:
    """The section's text as tracked paragraphs.  A moved section's new place inserts its new
    text whole (its old text is deleted whole at its departure): edits made as it moved cannot
    be tracked where the old text is not, and Reject all must leave nothing of it there."""
    if section.status != "moved" or section.departure:
        return section.paragraphs
    return tuple(
        ParagraphDiff("insert", (Segment("insert", para.new_text),))
        for para in section.paragraphs
        if para.status != "delete"
    )


def _heading_diff(section: SectionDiff) -> ParagraphDiff:
    """The heading as one paragraph diff: an added section's heading is inserted, a removed one's
    deleted (paragraph mark included), a moved one's deleted where it stood and inserted where it
    stands, a renumbered or reworded one changed where it changed."""
    if section.status == "added" or (section.status == "moved" and not section.departure):
        return ParagraphDiff("insert", (Segment("insert", section.heading),))
    if section.status == "removed" or section.departure:
        return ParagraphDiff("delete", (Segment("delete", section.heading),))
    segments: list[Segment] = []
    if section.renumbered:
        if section.old_number:
            segments.append(Segment("delete", f"{section.old_number} "))
        if section.number:
            segments.append(Segment("insert", f"{section.number} "))
    elif section.number:
        segments.append(Segment("equal", f"{section.number} "))
    if section.retitled and section.old_title is not None:
        segments += [Segment("delete", section.old_title), Segment("insert", section.title)]
    else:
        segments.append(Segment("equal", section.title))
    return ParagraphDiff("changed", tuple(segments))


def _comment_lines(section: SectionDiff, redline: Redline) -> list[str]:
    """What the reviewer needs beside a changed section: its status (and old number or title),
    the change notes recorded for it, and the data changes its generated content shows.  Both
    places of a moved section name the other one; its notes go with its new place."""
    lines = [f"{_status_text(section)}：{_section_name(section)}"]
    move = section.move
    if move is not None and section.departure:
        return [*lines, f"新位置：{move.new_heading}（{move.new_path}）"]
    if move is not None:
        lines.append(f"原位置：{move.old_heading}（{move.old_path}）")
        if section.reworded:
            lines.append(f"移动时另有修改：原文见 {move.origin} 处删除的文本")
    elif section.renumbered and section.old_number:
        lines.append(f"原编号：{section.old_number}")
    if section.retitled and section.old_title is not None:
        lines.append(f"原标题：{section.old_title}")
    note = redline.change_notes().get(section.label or "")
    if note:
        lines.append(f"修订说明：{note}")
    lines += [_data_line(change) for change in section.data_changes]
    return lines


def _section_name(section: SectionDiff) -> str:
    """``4.2.1 分类定级``, or the chapter file for text without a heading (a chapter's preamble)."""
    return section.heading if section.level is not None else section.title


def _status_text(section: SectionDiff) -> str:
    """``修改``, or ``修改（数据）`` for a section whose text reads the same but whose generated
    content changed; ``移动（6.5 → 3.6）`` (``移动并修改`` when reworded too) for a moved one."""
    if section.move is not None:
        move = section.move
        word = "移动并修改" if section.reworded else _STATUS_WORDS["moved"]
        return f"{word}（{move.origin} → {move.destination}）"
    data_only = section.status == "changed" and not any(p.status != "equal" for p in section.paragraphs)
    retitled = section.retitled or section.renumbered
    return _STATUS_WORDS[section.status] + ("（数据）" if data_only and not retitled else "")


def _data_line(change: EntryChange) -> str:
    """``数据变更：<name>（<id>）：old → new``; a long value shortened to the words that changed."""
    old, new = excerpts(change.inline) if change.inline else (change.old_value, change.new_value)
    return f"数据变更：{change.name}（{change.id}）：{old} → {new}"


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


def _comment(document: DocumentObject, paragraph: Paragraph, lines: Sequence[str], date: dt.datetime) -> None:
    """A Word comment on the whole ``paragraph``, one comment paragraph per line.

    The range marks and the reference run are children of the paragraph itself, outside any
    ``w:ins``/``w:del``: accepting or rejecting a change never takes the comment with it.
    """
    comment = document.comments.add_comment(
        "\n".join(lines), author=COMMENT_AUTHOR, initials=COMMENT_INITIALS
    )
    comment._comment_elm.date = date  # reproducible: the release date, not the clock
    ident = str(comment.comment_id)
    p = paragraph._p
    start = OxmlElement("w:commentRangeStart", attrs={qn("w:id"): ident})
    ppr = p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(OxmlElement("w:commentRangeEnd", attrs={qn("w:id"): ident}))
    # No ``CommentReference`` run style: python-docx's template does not define it.
    reference = OxmlElement("w:r")
    reference.append(OxmlElement("w:commentReference", attrs={qn("w:id"): ident}))
    p.append(reference)


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
