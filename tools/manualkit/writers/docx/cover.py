"""Cover page: the facts the PDF cover shows, from ``data/manual.yaml`` and the newest revision.

Classification marks, organisation, title, document number, version, effective date, owner
department, controlled-copy note, the approval block (drafted / reviewed / approved) of the newest
revision and the issuer line — all as styled paragraphs and tables so a writer can restyle them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from manualkit.builders.pdf_document import print_document
from manualkit.column_layout import CELL_PADDING, TWIPS_PER_HALF_EM, fit_column_widths, text_width
from manualkit.models import ManualData
from manualkit.writers.docx.oxml import Element, new, paragraph, sub, text_run, val
from manualkit.writers.docx.styles import TABLE_STYLE_ID

#: The facts table's label column, and its value column unless a value needs more room.
FACT_LABEL_TWIPS = 1900
FACT_VALUE_TWIPS = 4400
#: Room for a handwritten signature, in half-ems (six characters: print.css gives 16 %).
SIGNATURE_HALF_EMS = 12
APPROVAL_HEADINGS = ("环节", "岗位", "署名", "签字", "日期")
_SIGNATURE_COLUMN = APPROVAL_HEADINGS.index("签字")


def _one_line(texts: Sequence[str]) -> float:
    """Half-ems of the widest of ``texts`` on one line (the cover tables' text is 五号)."""
    return max((text_width(text) for text in texts), default=0.0)


def fact_widths(values: Sequence[str], total: int) -> list[int]:
    """Label and value column widths: every value on one line while the page allows.

    A 4400-twip value column broke the controlled-copy note as "…不得复" / "制、外传".
    """
    need = math.ceil(_one_line(values) * TWIPS_PER_HALF_EM) + CELL_PADDING
    return [FACT_LABEL_TWIPS, min(max(FACT_VALUE_TWIPS, need), total - FACT_LABEL_TWIPS)]


def approval_widths(rows: Sequence[Sequence[str]], total: int) -> list[int]:
    """Column widths of the approval block (headings and ``rows``) filling ``total`` twips.

    Roles and organisation names are the longest texts and must read whole: fixed widths left
    "消费者权益保护委" / "员会".  Each text column is held to its widest text on one line (as
    the PDF's automatic layout does), the signature column gets room to sign in, and the rest
    is shared as ``fit_column_widths`` shares any table's.
    """
    columns = list(zip(APPROVAL_HEADINGS, *rows, strict=True))
    natural = [math.ceil(_one_line(texts)) for texts in columns]
    natural[_SIGNATURE_COLUMN] = SIGNATURE_HALF_EMS
    held = list(natural)
    held[_SIGNATURE_COLUMN] = 0
    return fit_column_widths(natural, total, held)


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
    sub(tbl_pr, "tblLayout", {"type": "fixed"})
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


def cover_blocks(data: ManualData, total: int) -> list[Element]:
    """Body blocks of the cover page, in order (the section break is added by the caller).

    ``total`` is the text width (twips), which the approval block fills.

    The facts come from ``print_document`` — the same function the PDF cover uses — so both
    covers always agree (labels, date format, newest revision's approvals).
    """
    doc = print_document(data)
    blocks: list[Element] = [
        _text_paragraph("CoverFacts", doc.cover_marks, "right"),
        _text_paragraph("Subtitle", doc.organisation),
        _text_paragraph("Title", doc.title),
    ]
    if doc.subtitle:
        blocks.append(_text_paragraph("Subtitle", doc.subtitle))
    facts: list[tuple[str, str]] = [
        ("文件编号", doc.document_number),
        ("版本", doc.version),
        ("生效日期", doc.effective),
        ("归口部门", doc.owner_department),
        ("密级", doc.classification),
    ]
    if doc.controlled_copy:
        facts.append(("受控状态", doc.controlled_copy))
    label_width, value_width = fact_widths([value for _, value in facts], total)
    facts_table = _table([label_width, value_width], header=False)
    for label, value in facts:
        row = _row(facts_table)
        _cell(row, label, label_width, "TableHeading")
        _cell(row, value, value_width)
    blocks.append(_text_paragraph("CoverFacts", ""))
    blocks.append(facts_table)
    if doc.approvals:
        blocks.append(_text_paragraph("CoverFacts", ""))
        rows = [(a.label, a.role, a.name, "", a.date) for a in doc.approvals]
        widths = approval_widths(rows, total)
        approvals = _table(widths, header=True)
        head = _row(approvals)
        sub(head[0], "tblHeader")
        for text, width in zip(APPROVAL_HEADINGS, widths, strict=True):
            _cell(head, text, width, "TableHeading")
        for values in rows:
            row = _row(approvals, 560)
            for index, (text, width) in enumerate(zip(values, widths, strict=True)):
                _cell(row, text, width, "TableHeading" if index == 0 else "TableText")
        blocks.append(approvals)
    blocks.append(_text_paragraph("CoverFacts", ""))
    blocks.append(_text_paragraph("Subtitle", f"{doc.organisation}{doc.owner_department}　发布"))
    return blocks
