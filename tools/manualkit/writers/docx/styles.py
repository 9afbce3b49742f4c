"""The document's styles, defined once in code on top of python-docx's default template.

Every visible paragraph or run in the DOCX refers to a *named* style (Heading 1, List Bullet,
Caption, Manual Table …) rather than carrying direct formatting, so a writer can restyle the
whole manual from Word's style pane.  Chinese typography lives here too: every style and the
document defaults name an East Asian font (``w:rFonts w:eastAsia``) and the East Asian language
``zh-CN`` — python-docx's ``font.name`` never writes ``w:eastAsia`` and its template says ja-JP.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Literal

from docx.document import Document
from docx.oxml.parser import parse_xml
from lxml import etree

from manualkit.writers.docx.oxml import W_NS, Element, get_or_add, new, sub, val, w

FontRole = Literal["body", "heading", "mono"]


@dataclasses.dataclass(frozen=True)
class Fonts:
    """Font families by role; East Asian and Latin faces are set separately as Word does."""

    body_east_asia: str = "Noto Serif CJK SC"
    heading_east_asia: str = "Noto Sans CJK SC"
    body_latin: str = "Times New Roman"
    heading_latin: str = "Arial"
    mono: str = "Noto Sans Mono CJK SC"
    #: What Word should substitute on machines without the Noto fonts (fontTable altName).
    body_fallback: str = "宋体"
    heading_fallback: str = "黑体"

    def east_asia(self, role: FontRole) -> str:
        return {"body": self.body_east_asia, "heading": self.heading_east_asia, "mono": self.mono}[role]

    def latin(self, role: FontRole) -> str:
        return {"body": self.body_latin, "heading": self.heading_latin, "mono": self.mono}[role]


@dataclasses.dataclass(frozen=True)
class StyleDef:
    """One paragraph or character style; sizes in half-points, spacing in twentieths of a point."""

    name: str
    style_id: str
    kind: Literal["paragraph", "character"] = "paragraph"
    based_on: str | None = "Normal"
    next_style: str | None = None
    font: FontRole = "body"
    size: int | None = None
    bold: bool = False
    italic: bool = False
    color: str | None = None
    underline: bool = False
    before: int | None = None
    after: int | None = None
    line: int | None = None
    indent_left: int | None = None
    #: Hanging indent (twips): wrapped lines align after a leading mark such as ☐.
    hanging: int | None = None
    first_line_chars: int | None = None
    align: str | None = None
    keep_next: bool = False
    page_break_before: bool = False
    outline_level: int | None = None
    shading: str | None = None
    border_bottom: bool = False
    #: Colour of a thick rule at the paragraph's left edge (a marker bar, as in the HTML).
    border_left: str | None = None
    #: Raised and smaller (footnote marks): in the style, so restyling it changes every mark.
    superscript: bool = False


#: Body text 小四 (12 pt), headings in 黑体 sizes 三号/四号/小四, title 二号.
STYLE_DEFS: tuple[StyleDef, ...] = (
    StyleDef("Normal", "Normal", based_on=None, size=24, after=120, line=360),
    StyleDef("Title", "Title", font="heading", size=44, bold=True, align="center", before=2400, after=480),
    StyleDef("Subtitle", "Subtitle", font="heading", size=32, align="center", after=240),
    StyleDef(
        "heading 1",
        "Heading1",
        next_style="Normal",
        font="heading",
        size=32,
        bold=True,
        before=480,
        after=240,
        keep_next=True,
        outline_level=0,
        page_break_before=True,
    ),
    StyleDef(
        "heading 2",
        "Heading2",
        next_style="Normal",
        font="heading",
        size=28,
        bold=True,
        before=360,
        after=120,
        keep_next=True,
        outline_level=1,
    ),
    StyleDef(
        "heading 3",
        "Heading3",
        next_style="Normal",
        font="heading",
        size=24,
        bold=True,
        before=240,
        after=120,
        keep_next=True,
        outline_level=2,
    ),
    StyleDef(
        "heading 4",
        "Heading4",
        next_style="Normal",
        font="heading",
        size=24,
        before=240,
        after=60,
        keep_next=True,
        outline_level=3,
    ),
    StyleDef("List Bullet", "ListBullet", after=60),
    StyleDef("List Number", "ListNumber", after=60),
    StyleDef("List Continue", "ListContinue", after=60, indent_left=420),
    StyleDef(
        "caption",
        "Caption",
        next_style="Normal",
        font="heading",
        size=21,
        before=120,
        after=120,
        align="center",
        keep_next=True,
    ),
    StyleDef("Quote", "Quote", italic=True, indent_left=420, color="404040"),
    StyleDef("Table Text", "TableText", size=21, before=0, after=0, line=300),
    StyleDef(
        "Table Heading",
        "TableHeading",
        based_on="TableText",
        font="heading",
        size=21,
        bold=True,
        align="center",
    ),
    # 小五 for a table too dense for 五号 (seven columns with dates: the revision history).
    StyleDef("Table Text Compact", "TableTextCompact", based_on="TableText", size=18),
    StyleDef(
        "Table Heading Compact",
        "TableHeadingCompact",
        based_on="TableHeading",
        font="heading",
        size=18,
        bold=True,
        align="center",
    ),
    # Text inside an admonition box (注意, 提示 …): a little smaller and tighter than the body.
    StyleDef("Note", "Note", size=22, after=60, line=320),
    StyleDef(
        "Admonition Title", "AdmonitionTitle", font="heading", size=22, bold=True, after=60, keep_next=True
    ),
    StyleDef(
        "Source Code", "SourceCode", font="mono", size=19, before=0, after=120, line=260, shading="F2F2F2"
    ),
    StyleDef("Definition Term", "DefinitionTerm", font="heading", bold=True, after=0, keep_next=True),
    StyleDef("Definition", "Definition", indent_left=420),
    # A printed form's cells: 9.5 pt, single spacing, as print.css sets them (9.5 pt, 1.35 lines).
    # With the tables' 10.5 pt and 1.25 lines (Noto CJK's single line is 1.45 em: 19 pt a line
    # against the PDF's 13.5 pt), four forms ran onto a second page in LibreOffice where the PDF
    # needs one; at 10 pt the longest (F-04-01) still did.
    StyleDef("Form Text", "FormText", based_on="TableText", size=19, line=240),
    StyleDef("Form Heading", "FormHeading", based_on="TableHeading", size=19, line=240),
    StyleDef("Form Field", "FormField", based_on="FormText", line=360),
    # A form's own lines around its table (用途, 填写责任, 注：…), sized as the PDF sets them
    # (10.5 pt, 1.7 lines of Latin text): as body text (12 pt, 1.5 lines of CJK text) they took
    # twice the room, and a form of fourteen fields ran onto a second sheet.
    StyleDef("Form Note", "FormNote", size=21, before=0, after=120, line=300),
    # "本章文档信息：责任岗位 …；下次复核日期 …" under a chapter's title, small and grey as in the PDF.
    StyleDef("Chapter Info", "ChapterInfo", size=18, color="555555", before=0, after=240),
    # Right-aligned like the HTML and PDF: the date blanks line up whatever the signer's title.
    # 五号 (10.5 pt): "消费者权益保护负责人签字：＿…＿　日期：＿＿＿＿年＿＿月＿＿日" is 39 full-width
    # characters, one line at this size (at 12 pt the last "日" wrapped onto a line of its own).
    # Spaced as in the PDF (print.css: 2 mm above each line): 18 pt above, 6 pt below and 1.5
    # lines took 16 mm a line, and three signers pushed the tail of a form onto another page.
    StyleDef("Signature Line", "SignatureLine", size=21, before=113, after=60, line=300, align="right"),
    # Checklist items ("☐ …", class mk-checklist): wrapped lines start under the text, not the box.
    StyleDef("Checklist Item", "ChecklistItem", after=60, indent_left=360, hanging=360),
    # "本节于 vX.Y 修订：…" under a changed section's heading (class mk-revised), styled like the
    # HTML/PDF marker: amber bar on the left, light amber shading, smaller brown text.
    StyleDef(
        "Revision Note",
        "RevisionNote",
        size=21,
        color="5C4400",
        before=0,
        after=160,
        line=300,
        indent_left=120,
        keep_next=True,
        shading="FFF8E1",
        border_left="D9A400",
    ),
    StyleDef("Cover Facts", "CoverFacts", size=24, after=60, line=300),
    StyleDef(
        "TOC Heading", "TOCHeading", font="heading", size=32, bold=True, align="center", before=240, after=240
    ),
    # Single-and-a-bit spacing: with the body's 1.5 lines the 120-line TOC ran to five pages.
    StyleDef("toc 1", "TOC1", font="heading", before=120, after=0, line=288, bold=True),
    StyleDef("toc 2", "TOC2", after=0, line=288, indent_left=420),
    StyleDef("toc 3", "TOC3", after=0, line=288, indent_left=840),
    StyleDef("header", "Header", size=18, after=0, line=240, border_bottom=True),
    StyleDef("footer", "Footer", size=18, after=0, line=240, align="center"),
    StyleDef("footnote text", "FootnoteText", size=18, after=0, line=240),
    StyleDef("footnote reference", "FootnoteReference", kind="character", based_on=None, superscript=True),
    StyleDef("Hyperlink", "Hyperlink", kind="character", based_on=None, color="0563C1", underline=True),
    StyleDef("Verbatim Char", "VerbatimChar", kind="character", based_on=None, font="mono", size=21),
    StyleDef("Strong", "Strong", kind="character", based_on=None, bold=True),
    StyleDef("Emphasis", "Emphasis", kind="character", based_on=None, italic=True),
)

#: Styles whose East Asian font is the heading face.
_HEADING_STYLE_IDS = frozenset(d.style_id for d in STYLE_DEFS if d.font == "heading") | {
    "Heading5",
    "Heading6",
    "Heading7",
    "Heading8",
    "Heading9",
}

#: Custom table style for every manual table: grid, shaded repeated header row.
TABLE_STYLE_ID = "ManualTable"
_TABLE_STYLE_XML = f"""
<w:style xmlns:w="{W_NS}" w:type="table" w:customStyle="1" w:styleId="{TABLE_STYLE_ID}">
  <w:name w:val="Manual Table"/><w:basedOn w:val="TableGrid"/><w:uiPriority w:val="59"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="404040"/>
      <w:left w:val="single" w:sz="4" w:space="0" w:color="808080"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="404040"/>
      <w:right w:val="single" w:sz="4" w:space="0" w:color="808080"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="808080"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="808080"/>
    </w:tblBorders>
    <w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
      <w:bottom w:w="40" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:bCs/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""
#: Shaded one-cell box around admonitions (note, warning …).
BOX_STYLE_ID = "AdmonitionBox"
#: The box of a warning (警告, 注意, 危险 …): amber, so it is not read as a mere note.
WARNING_BOX_STYLE_ID = "WarningBox"


def _box_style(style_id: str, name: str, border: str, fill: str) -> str:
    """A shaded one-cell table style with a bar on the left: the boxes' look lives in the style,
    so restyling it in Word changes every box (no shading written on the cells)."""
    return f"""
<w:style xmlns:w="{W_NS}" w:type="table" w:customStyle="1" w:styleId="{style_id}">
  <w:name w:val="{name}"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>
  <w:pPr><w:spacing w:before="60" w:after="60"/></w:pPr>
  <w:tblPr>
    <w:tblBorders>
      <w:left w:val="single" w:sz="24" w:space="0" w:color="{border}"/>
    </w:tblBorders>
    <w:tblCellMar><w:top w:w="80" w:type="dxa"/><w:left w:w="160" w:type="dxa"/>
      <w:bottom w:w="80" w:type="dxa"/><w:right w:w="160" w:type="dxa"/></w:tblCellMar>
  </w:tblPr>
  <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:tcPr>
</w:style>
"""


_BOX_STYLE_XML = _box_style(BOX_STYLE_ID, "Admonition Box", "2F5496", "EEF3FA")
_WARNING_BOX_STYLE_XML = _box_style(WARNING_BOX_STYLE_ID, "Warning Box", "C55A11", "FFF4E5")


def apply_styles(document: Document, fonts: Fonts) -> None:
    """Install the manual's styles, fonts and zh-CN language into ``document``."""
    styles_el: Element = document.styles.element
    _set_doc_defaults(styles_el, fonts)
    by_id = {el.get(w("styleId")): el for el in styles_el.findall(w("style"))}
    for style_def in STYLE_DEFS:
        element = by_id.get(style_def.style_id)
        if element is None:
            element = _new_style(styles_el, style_def)
            by_id[style_def.style_id] = element
        _define(element, style_def, fonts)
    for xml in (_TABLE_STYLE_XML, _BOX_STYLE_XML, _WARNING_BOX_STYLE_XML):
        table_style = parse_xml(xml.encode())
        old = by_id.get(table_style.get(w("styleId")))
        if old is not None:
            styles_el.remove(old)
        styles_el.append(table_style)
    for element in styles_el.findall(w("style")):
        role: FontRole = "heading" if element.get(w("styleId")) in _HEADING_STYLE_IDS else "body"
        if element.get(w("styleId")) in ("SourceCode", "VerbatimChar"):
            role = "mono"
        _east_asian_fonts(element, fonts, role)
    _sync_linked_character_styles(by_id)
    _set_font_table(document, fonts)
    _set_settings(document)


def _sync_linked_character_styles(by_id: dict[str, Element]) -> None:
    """A paragraph style's linked character style (Heading 1 ↔ Heading 1 Char) looks as it does.

    The linked styles came from python-docx's template, blue serif 14 pt beside the manual's
    black sans 16 pt Heading 1: a writer who applied Heading 1 to part of a paragraph, which
    Word does with the linked style, got text that looked like no heading of the manual.
    """
    for paragraph_style in list(by_id.values()):
        if paragraph_style.get(w("type")) != "paragraph":
            continue
        link = paragraph_style.find(w("link"))
        character_style = by_id.get(link.get(w("val"))) if link is not None else None
        rpr = paragraph_style.find(w("rPr"))
        if character_style is None or character_style.get(w("type")) != "character" or rpr is None:
            continue
        old = character_style.find(w("rPr"))
        if old is not None:
            character_style.remove(old)
        character_style.append(copy.deepcopy(rpr))


def _set_doc_defaults(styles_el: Element, fonts: Fonts) -> None:
    defaults = styles_el.find(w("docDefaults"))
    if defaults is None:
        defaults = new("docDefaults")
        styles_el.insert(0, defaults)
    rpr_default = get_or_add(defaults, "rPrDefault")
    for child in list(rpr_default):
        rpr_default.remove(child)
    rpr = sub(rpr_default, "rPr")
    _fonts_element(rpr, fonts, "body")
    val(rpr, "sz", "24")
    val(rpr, "szCs", "24")
    sub(rpr, "lang", {"val": "en-US", "eastAsia": "zh-CN", "bidi": "ar-SA"})


def _fonts_element(rpr: Element, fonts: Fonts, role: FontRole) -> Element:
    latin = fonts.latin(role)
    return sub(
        rpr,
        "rFonts",
        {"ascii": latin, "hAnsi": latin, "eastAsia": fonts.east_asia(role), "cs": latin},
    )


#: Word's own styles that python-docx's template lacks (Word knows them by these names).
WORD_BUILTIN_STYLES = frozenset(
    {"Hyperlink", "footnote text", "footnote reference", "header", "footer", "Caption", "TOC Heading"}
    | {f"toc {level}" for level in range(1, 10)}
)


def _new_style(styles_el: Element, style_def: StyleDef) -> Element:
    """A style the template lacks; ``customStyle`` only if Word has no style of that name.

    Marked custom, "toc 1" or "Hyperlink" were taken for styles of the writer's own beside
    Word's, which regenerates its built-in ones (a TOC update used Word's "TOC 1", not ours).
    """
    latent = styles_el.find(w("latentStyles"))
    known = {e.get(w("name")) for e in latent.iter(w("lsdException"))} if latent is not None else set()
    attrs = {"type": style_def.kind, "styleId": style_def.style_id}
    if style_def.name not in WORD_BUILTIN_STYLES | known:
        attrs = {"type": style_def.kind, "customStyle": "1", "styleId": style_def.style_id}
    element = sub(styles_el, "style", attrs)
    val(element, "name", style_def.name)
    return element


def _define(element: Element, d: StyleDef, fonts: Fonts) -> None:
    """Rewrite a style's basedOn/next/pPr/rPr from its definition (children in schema order)."""
    for tag in ("basedOn", "next", "pPr", "rPr", "rsid"):
        for child in element.findall(w(tag)):
            element.remove(child)
    name = element.find(w("name"))
    position = list(element).index(name) + 1 if name is not None else 0
    if d.next_style:
        element.insert(position, _val_el("next", d.next_style))
    if d.based_on:
        element.insert(position, _val_el("basedOn", d.based_on))
    if element.find(w("qFormat")) is None and d.kind == "paragraph":
        sub(element, "qFormat")
    if d.kind == "paragraph":
        element.append(_paragraph_properties(d))
    element.append(_run_properties(d, fonts))


def _val_el(tag: str, value: str) -> Element:
    el = new(tag)
    el.set(w("val"), value)
    return el


def _paragraph_properties(d: StyleDef) -> Element:
    ppr = new("pPr")
    if d.keep_next:
        sub(ppr, "keepNext")
        sub(ppr, "keepLines")
    if d.page_break_before:
        sub(ppr, "pageBreakBefore")
    if d.border_bottom or d.border_left:
        borders = sub(ppr, "pBdr")  # children in schema order: top, left, bottom, right
        if d.border_left:
            sub(borders, "left", {"val": "single", "sz": "24", "space": "4", "color": d.border_left})
        if d.border_bottom:
            sub(borders, "bottom", {"val": "single", "sz": "4", "space": "1", "color": "808080"})
    if d.shading:
        sub(ppr, "shd", {"val": "clear", "color": "auto", "fill": d.shading})
    spacing: dict[str, str] = {}
    if d.before is not None:
        spacing["before"] = str(d.before)
    if d.after is not None:
        spacing["after"] = str(d.after)
    if d.line is not None:
        spacing["line"] = str(d.line)
        spacing["lineRule"] = "auto"
    if spacing:
        sub(ppr, "spacing", spacing)
    if d.indent_left is not None or d.first_line_chars is not None:
        ind: dict[str, str] = {}
        if d.indent_left is not None:
            ind["left"] = str(d.indent_left)
        if d.hanging is not None:
            ind["hanging"] = str(d.hanging)
        if d.first_line_chars is not None:
            ind["firstLineChars"] = str(d.first_line_chars)
        sub(ppr, "ind", ind)
    if d.align:
        val(ppr, "jc", d.align)
    if d.outline_level is not None:
        val(ppr, "outlineLvl", str(d.outline_level))
    return ppr


def _run_properties(d: StyleDef, fonts: Fonts) -> Element:
    rpr = new("rPr")
    _fonts_element(rpr, fonts, d.font)
    if d.bold:
        sub(rpr, "b")
        sub(rpr, "bCs")
    if d.italic:
        sub(rpr, "i")
        sub(rpr, "iCs")
    if d.color:
        val(rpr, "color", d.color)
    if d.size:
        val(rpr, "sz", str(d.size))
        val(rpr, "szCs", str(d.size))
    if d.underline:
        val(rpr, "u", "single")
    if d.superscript:
        val(rpr, "vertAlign", "superscript")
    sub(rpr, "lang", {"val": "en-US", "eastAsia": "zh-CN"})
    return rpr


_THEME_FONT_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")
#: rPr children that must come after w:lang in schema order.
_AFTER_LANG = frozenset(w(t) for t in ("eastAsianLayout", "specVanish", "oMath"))


def _east_asian_fonts(style: Element, fonts: Fonts, role: FontRole) -> None:
    """Give a (template) style an explicit East Asian font and zh-CN language.

    Theme font attributes are removed because they override the explicit names.
    """
    rpr = style.find(w("rPr"))
    if rpr is None:
        rpr = new("rPr")
        anchor = None
        for tag in ("tblPr", "trPr", "tcPr", "tblStylePr"):
            anchor = style.find(w(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addprevious(rpr)
        else:
            style.append(rpr)
    rfonts = rpr.find(w("rFonts"))
    if rfonts is None:
        rfonts = new("rFonts")
        rpr.insert(1 if len(rpr) and rpr[0].tag == w("rStyle") else 0, rfonts)
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(w(attr), None)
    rfonts.set(w("eastAsia"), fonts.east_asia(role))
    if rfonts.get(w("ascii")) is None:
        rfonts.set(w("ascii"), fonts.latin(role))
        rfonts.set(w("hAnsi"), fonts.latin(role))
    lang = rpr.find(w("lang"))
    if lang is None:
        lang = new("lang")
        follower = next((c for c in rpr if c.tag in _AFTER_LANG), None)
        if follower is not None:
            follower.addprevious(lang)
        else:
            rpr.append(lang)
    lang.set(w("eastAsia"), "zh-CN")


def _set_font_table(document: Document, fonts: Fonts) -> None:
    """Declare the Noto faces as GB2312 fonts with 宋体/黑体 as Word's substitute (altName)."""
    font_part = None
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            font_part = rel.target_part
    if font_part is None:
        return
    root = etree.fromstring(font_part.blob)
    for name, alt, family in (
        (fonts.body_east_asia, fonts.body_fallback, "roman"),
        (fonts.heading_east_asia, fonts.heading_fallback, "swiss"),
    ):
        font = etree.SubElement(root, w("font"), {w("name"): name})
        etree.SubElement(font, w("altName"), {w("val"): alt})
        etree.SubElement(font, w("charset"), {w("val"): "86"})
        etree.SubElement(font, w("family"), {w("val"): family})
        etree.SubElement(font, w("pitch"), {w("val"): "variable"})
    font_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


#: CT_Settings children that must follow w:updateFields (schema order).
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")


def _set_settings(document: Document) -> None:
    """zh-CN theme language, fields refreshed on open (TOC, NUMPAGES), current compatibility mode."""
    settings: Element = document.settings.element
    theme_lang = settings.find(w("themeFontLang"))
    if theme_lang is None:
        theme_lang = sub(settings, "themeFontLang")
    theme_lang.set(w("val"), "en-US")
    theme_lang.set(w("eastAsia"), "zh-CN")
    if settings.find(w("updateFields")) is None:
        update = _val_el("updateFields", "true")
        follower = next((c for c in settings if c.tag in {w(t) for t in _AFTER_UPDATE_FIELDS}), None)
        if follower is not None:
            follower.addprevious(update)
        else:
            settings.append(update)
    # Word 2013+ layout: with the template's mode 14, current Word opens the file in
    # "Compatibility Mode" (兼容模式) and keeps Word 2010's table and spacing rules.
    for setting in settings.iter(w("compatSetting")):
        if setting.get(w("name")) == "compatibilityMode":
            setting.set(w("val"), "15")
