"""Reading a DOCX the way Word would: its schema validity and its list numbering."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree
from openxml_audit import OpenXmlValidator

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}

#: openxml-audit reports ``<w:numId w:val="0"/>`` as a missing definition, but ECMA-376 Part 1
#: §17.9.18 defines 0 as "no numbering" (Word writes it when numbering is switched off).
_NOT_ERRORS = ("Numbering definition '0' referenced but not found",)


def word_would_repair(docx: Path) -> list[str]:
    """What Word would repair or reject in ``docx`` (OOXML schemas, Word's semantic rules)."""
    result = OpenXmlValidator(max_errors=0).validate(docx)
    return [str(error) for error in result.errors if error.description not in _NOT_ERRORS]


def numbered_headings(docx: Path) -> list[tuple[str, str]]:
    """(style id, text as Word shows it) of every heading: list numbers resolved like Word.

    The number comes from the paragraph's own ``w:numPr`` or else its style's; ``numId`` 0
    means none.  Counters restart below a level when that level counts.
    """
    with zipfile.ZipFile(docx) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
        styles = etree.fromstring(archive.read("word/styles.xml"))
        numbering = etree.fromstring(archive.read("word/numbering.xml"))
    style_numbering: dict[str, tuple[str, int]] = {}
    for style in styles.iterfind("w:style", NS):
        num_pr = style.find("w:pPr/w:numPr", NS)
        if num_pr is not None:
            ilvl = num_pr.find("w:ilvl", NS)
            level = int(ilvl.get(W + "val")) if ilvl is not None else 0
            style_numbering[style.get(W + "styleId")] = (num_pr.find("w:numId", NS).get(W + "val"), level)
    abstract_of = {
        num.get(W + "numId"): num.find("w:abstractNumId", NS).get(W + "val")
        for num in numbering.iterfind("w:num", NS)
    }
    level_text = {
        (abstract.get(W + "abstractNumId"), int(lvl.get(W + "ilvl"))): lvl.find("w:lvlText", NS).get(
            W + "val"
        )
        for abstract in numbering.iterfind("w:abstractNum", NS)
        for lvl in abstract.iterfind("w:lvl", NS)
    }
    counters: dict[str, list[int]] = {}
    headings: list[tuple[str, str]] = []
    for p in body.iter(W + "p"):
        style_el = p.find("w:pPr/w:pStyle", NS)
        style = style_el.get(W + "val") if style_el is not None else "Normal"
        if not style.startswith("Heading"):
            continue
        own = p.find("w:pPr/w:numPr", NS)
        num_id, level = style_numbering.get(style, ("0", 0))
        if own is not None:
            num_id = own.find("w:numId", NS).get(W + "val")
            ilvl = own.find("w:ilvl", NS)
            level = int(ilvl.get(W + "val")) if ilvl is not None else level
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        if num_id != "0":
            abstract = abstract_of[num_id]
            count = counters.setdefault(abstract, [0] * 9)
            count[level] += 1
            count[level + 1 :] = [0] * (8 - level)
            pattern = level_text[(abstract, level)]
            number = "".join(
                str(count[int(piece[1:]) - 1]) if piece.startswith("%") else piece
                for piece in re.split(r"(%\d)", pattern)
            )
            text = f"{number} {text}"
        headings.append((style, text))
    return headings
