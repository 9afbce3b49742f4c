"""Cover page: the facts the PDF cover shows, from ``data/manual.yaml`` and the newest revision.

Title, document number, version, effective date, owner department, classification and
controlled-copy note, and the approval block (drafted / reviewed / approved) of the newest
revision — all as styled paragraphs and tables so a writer can restyle them in Word.
"""

from __future__ import annotations

import datetime as dt

from manualkit.models import ManualData, Signoff
from manualkit.writers.docx.oxml import Element, new, paragraph, sub, text_run, val
from manualkit.writers.docx.styles import TABLE_STYLE_ID


def chinese_date(day: dt.date) -> str:
    """``2025年3月1日`` — how dates read in a Chinese controlled document."""
    return f"{day.year}年{day.month}月{day.day}日"


def _role_name(data: ManualData, role_id: str) -> str:
    try:
        return data.role(role_id).name
    except KeyError:
        return role_id


def _text_paragraph(style: str, text: str, align: str | None = None) -> Element:
    p = paragraph(style)
    if align:
        val(p[0], "jc", align)
    p.append(text_run(text))
    return p


def _cell(row: Element, text: str, width: int, style: str = "TableText", span: int = 1) -> None:
    tc = sub(row, "tc")
    tc_pr = sub(tc, "tcPr")
    sub(tc_pr, "tcW", {"w": str(width), "type": "dxa"})
    if span > 1:
        val(tc_pr, "gridSpan", str(span))
    val(tc_pr, "vAlign", "center")
    tc.append(_text_paragraph(style, text, "center"))


def _table(widths: list[int], header: bool) -> Element:
    tbl = new("tbl")
    tbl_pr = sub(tbl, "tblPr")
    val(tbl_pr, "tblStyle", TABLE_STYLE_ID)
    sub(tbl_pr, "tblW", {"w": str(sum(widths)), "type": "dxa"})
    val(tbl_pr, "jc", "center")
    sub(
        tbl_pr,
        "tblLook",
        {
            "val": "04A0" if header else "0000",
            "firstRow": "1" if header else "0",
            "lastRow": "0",
            "firstColumn": "0",
            "lastColumn": "0",
            "noHBand": "1",
            "noVBand": "1",
        },
    )
    grid = sub(tbl, "tblGrid")
    for width in widths:
        sub(grid, "gridCol", {"w": str(width)})
    return tbl


def _row(tbl: Element, height: int = 480) -> Element:
    tr = sub(tbl, "tr")
    tr_pr = sub(tr, "trPr")
    sub(tr_pr, "cantSplit")
    sub(tr_pr, "trHeight", {"val": str(height), "hRule": "atLeast"})
    return tr


def cover_blocks(data: ManualData) -> list[Element]:
    """Body blocks of the cover page, in order (the section break is added by the caller)."""
    meta = data.meta
    blocks: list[Element] = [
        _text_paragraph("Subtitle", meta.organisation),
        _text_paragraph("Title", meta.title),
    ]
    if meta.subtitle:
        blocks.append(_text_paragraph("Subtitle", meta.subtitle))
    facts: list[tuple[str, str]] = [
        ("文档编号", meta.document_number),
        ("版本", f"V{meta.version}"),
        ("生效日期", chinese_date(meta.effective)),
        ("归口部门", meta.owner_department),
        ("密级", meta.classification),
    ]
    if meta.controlled_copy:
        facts.append(("受控状态", meta.controlled_copy))
    facts_table = _table([1900, 4400], header=False)
    for label, value in facts:
        row = _row(facts_table)
        _cell(row, label, 1900, "TableHeading")
        _cell(row, value, 4400)
    blocks.append(_text_paragraph("CoverFacts", ""))
    blocks.append(facts_table)
    revision = data.current_revision
    if revision is not None:
        blocks.append(_text_paragraph("CoverFacts", ""))
        approvals = _table([1500, 2600, 2000, 1500, 1700], header=True)
        head = _row(approvals)
        sub(head[0], "tblHeader")
        for text, width in (("环节", 1500), ("岗位", 2600), ("姓名", 2000), ("签字", 1500), ("日期", 1700)):
            _cell(head, text, width, "TableHeading")
        signoffs: list[tuple[str, Signoff, str]] = [
            ("编制", revision.drafted, ""),
            ("审核", revision.reviewed, ""),
            ("批准", revision.approved, chinese_date(revision.approved_on)),
        ]
        for step, signoff, date in signoffs:
            row = _row(approvals, 560)
            _cell(row, step, 1500, "TableHeading")
            _cell(row, _role_name(data, signoff.role), 2600)
            _cell(row, signoff.name, 2000)
            _cell(row, "", 1500)
            _cell(row, date, 1700)
        blocks.append(approvals)
        blocks.append(
            _text_paragraph(
                "CoverFacts",
                f"本版（V{revision.version}）于{chinese_date(revision.approved_on)}批准，"
                f"自{chinese_date(revision.effective)}起施行。",
                "center",
            )
        )
    return blocks
