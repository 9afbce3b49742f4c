"""Small, fast helpers to build WordprocessingML with lxml.

python-docx's proxy objects (``Paragraph.add_run`` …) re-validate and search the tree on every
call, which is far too slow for a 500k-character manual.  The translator therefore creates the
body with plain lxml ``SubElement`` calls on elements owned by python-docx's parser (so the
document stays a normal python-docx ``Document``), using the helpers below.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import TypeAlias

from docx.oxml.ns import nsmap
from docx.oxml.parser import oxml_parser
from lxml import etree

W_NS = nsmap["w"]
R_NS = nsmap["r"]
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

#: Characters that make Word treat a run as East Asian text (CJK, full-width punctuation, quotes).
_EAST_ASIAN = re.compile(r"[\u2018-\u201f\u2026\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")

Element: TypeAlias = etree._Element


def w(tag: str) -> str:
    """Clark name of a ``w:`` tag: ``w("p")`` → ``{…/main}p``."""
    return f"{{{W_NS}}}{tag}"


def wattrs(attrs: Mapping[str, str]) -> dict[str, str]:
    """Qualify attribute names with the ``w:`` namespace (``r:id`` stays as given)."""
    return {
        key if key[0] == "{" else f"{{{R_NS}}}{key[2:]}" if key[:2] == "r:" else f"{{{W_NS}}}{key}": value
        for key, value in attrs.items()
    }


_NSMAP = {"w": W_NS}
_MAKE = oxml_parser.makeelement
_W_R, _W_RPR, _W_RFONTS, _W_RSTYLE, _W_T, _W_BR, _W_TAB, _W_HINT = (
    f"{{{W_NS}}}{tag}" for tag in ("r", "rPr", "rFonts", "rStyle", "t", "br", "tab", "hint")
)


def new(tag: str, attrs: Mapping[str, str] | None = None) -> Element:
    """A loose ``w:`` element made by python-docx's parser (so its element classes apply)."""
    return oxml_parser.makeelement(w(tag), wattrs(attrs) if attrs else None, nsmap=_NSMAP)


def sub(parent: Element, tag: str, attrs: Mapping[str, str] | None = None) -> Element:
    """Append a new ``w:`` child to ``parent`` and return it."""
    return etree.SubElement(parent, w(tag), wattrs(attrs) if attrs else {})


def val(parent: Element, tag: str, value: str) -> Element:
    """Append ``<w:tag w:val="value"/>`` — the most common property shape."""
    return etree.SubElement(parent, w(tag), {w("val"): value})


def get_or_add(parent: Element, tag: str, attrs: Mapping[str, str] | None = None) -> Element:
    """First ``w:tag`` child of ``parent``, created (appended) if missing."""
    found = parent.find(w(tag))
    if found is None:
        found = sub(parent, tag, attrs)
    return found


def remove_children(parent: Element, tag: str) -> None:
    """Drop every ``w:tag`` child of ``parent``."""
    for child in parent.findall(w(tag)):
        parent.remove(child)


def is_east_asian(text: str) -> bool:
    """Whether ``text`` contains characters Word should set in the East Asian font."""
    return _EAST_ASIAN.search(text) is not None


def text_run(text: str, rpr: Element | None = None, east_asian: bool | None = None) -> Element:
    """A ``w:r`` with ``text``; newlines become ``w:br`` and tabs ``w:tab``.

    Runs holding Chinese text carry ``w:rFonts w:hint="eastAsia"`` (what Word itself writes) so
    ambiguous characters such as “” and … are set in the East Asian font of the style instead of
    the Latin one — the font *names* stay in the styles, where a writer can change them.
    ``rpr`` is copied, never shared.  This is the writer's hottest function: keep it lean.
    """
    run = _MAKE(_W_R, None, _NSMAP)
    if east_asian is None:
        east_asian = not text.isascii() and _EAST_ASIAN.search(text) is not None
    if rpr is not None:
        props = copy.deepcopy(rpr)
        run.append(props)
        if east_asian:
            fonts = props.find(_W_RFONTS)
            if fonts is None:
                fonts = etree.Element(_W_RFONTS)
                first = props[0] if len(props) else None
                props.insert(1 if first is not None and first.tag == _W_RSTYLE else 0, fonts)
            fonts.set(_W_HINT, "eastAsia")
    elif east_asian:
        props = etree.SubElement(run, _W_RPR)
        etree.SubElement(props, _W_RFONTS, {_W_HINT: "eastAsia"})
    if not text:
        return run
    if "\n" not in text and "\t" not in text:
        t = etree.SubElement(run, _W_T)
        t.text = text
        if text[0] == " " or text[-1] == " ":
            t.set(XML_SPACE, "preserve")
        return run
    for index, line in enumerate(text.split("\n")):
        if index:
            etree.SubElement(run, _W_BR)
        for tab_index, part in enumerate(line.split("\t")):
            if tab_index:
                etree.SubElement(run, _W_TAB)
            if part:
                t = etree.SubElement(run, _W_T)
                t.text = part
                if part[0] == " " or part[-1] == " ":
                    t.set(XML_SPACE, "preserve")
    return run


def run_properties(
    *,
    style: str | None = None,
    bold: bool = False,
    italic: bool = False,
    superscript: bool = False,
    subscript: bool = False,
) -> Element | None:
    """``w:rPr`` for the given formatting (children in schema order), or ``None`` if plain."""
    if not (style or bold or italic or superscript or subscript):
        return None
    rpr = new("rPr")
    if style:
        val(rpr, "rStyle", style)
    if bold:
        sub(rpr, "b")
        sub(rpr, "bCs")
    if italic:
        sub(rpr, "i")
        sub(rpr, "iCs")
    if superscript or subscript:
        val(rpr, "vertAlign", "superscript" if superscript else "subscript")
    return rpr


def paragraph(style_id: str | None = None) -> Element:
    """A new ``w:p``, optionally with a paragraph style (by style *id*)."""
    p = new("p")
    if style_id:
        ppr = sub(p, "pPr")
        val(ppr, "pStyle", style_id)
    return p


def paragraph_properties(p: Element) -> Element:
    """The ``w:pPr`` of ``p`` (first child), created if missing."""
    if len(p) and p[0].tag == w("pPr"):
        return p[0]
    ppr = etree.Element(w("pPr"))
    p.insert(0, ppr)
    return ppr
