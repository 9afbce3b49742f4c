"""Cover page: the facts the PDF cover shows, from ``data/manual.yaml`` and the newest revision.

Classification marks, organisation, title, document number, version, effective date, owner
department, controlled-copy note, the approval block (drafted / reviewed / approved) of the newest
revision and the issuer line — all as styled paragraphs and tables so a writer can restyle them.
"""

from __future__ import annotations

from manualkit.builders.pdf_document import print_document
from manualkit.models import ManualData
from manualkit.writers.docx.oxml import Element, new, paragraph, sub, text_run, val
from manualkit.writers.docx.styles import TABLE_STYLE_ID


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


def cover_blocks(data: ManualData) -> list[Element]:
    """Body blocks of the cover page, in order (the section break is added by the caller).

    The facts come from ``print_document`` — the same function the PDF cover uses — so both
    covers always agree (labels, date format, newest revision's approvals).
    """
    doc = print_document(data)
    blocks: list[Element] = [
        _text_paragraph(
            "CoverFacts", "　".join(filter(None, (doc.classification, doc.controlled_copy))), "right"
        ),
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
    facts_table = _table([1900, 4400], header=False)
    for label, value in facts:
        row = _row(facts_table)
        _cell(row, label, 1900, "TableHeading")
        _cell(row, value, 4400)
    blocks.append(_text_paragraph("CoverFacts", ""))
    blocks.append(facts_table)
    if doc.approvals:
        blocks.append(_text_paragraph("CoverFacts", ""))
        widths = (1300, 2600, 1900, 1600, 1900)
        approvals = _table(list(widths), header=True)
        head = _row(approvals)
        sub(head[0], "tblHeader")
        for text, width in zip(("环节", "岗位", "署名", "签字", "日期"), widths, strict=True):
            _cell(head, text, width, "TableHeading")
        for approval in doc.approvals:
            row = _row(approvals, 560)
            values = (approval.label, approval.role, approval.name, "", approval.date)
            for index, (text, width) in enumerate(zip(values, widths, strict=True)):
                _cell(row, text, width, "TableHeading" if index == 0 else "TableText")
        blocks.append(approvals)
    blocks.append(_text_paragraph("CoverFacts", ""))
    blocks.append(_text_paragraph("Subtitle", f"{doc.organisation}{doc.owner_department}　发布"))
    return blocks
