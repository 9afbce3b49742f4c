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
#: Word 2010's extensions (check box content controls), declared by python-docx's template.
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
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
_SUB = etree.SubElement
_W_R, _W_RPR, _W_RFONTS, _W_RSTYLE, _W_T, _W_BR, _W_TAB, _W_HINT, _W_VAL, _W_P, _W_PPR, _W_PSTYLE = (
    f"{{{W_NS}}}{tag}"
    for tag in ("r", "rPr", "rFonts", "rStyle", "t", "br", "tab", "hint", "val", "p", "pPr", "pStyle")
)


def new(tag: str, attrs: Mapping[str, str] | None = None) -> Element:
    """A loose ``w:`` element made by python-docx's parser (so its element classes apply)."""
    return _MAKE(f"{{{W_NS}}}{tag}", wattrs(attrs) if attrs else None, _NSMAP)


def sub(parent: Element, tag: str, attrs: Mapping[str, str] | None = None) -> Element:
    """Append a new ``w:`` child to ``parent`` and return it."""
    if attrs:
        return _SUB(parent, f"{{{W_NS}}}{tag}", wattrs(attrs))
    return _SUB(parent, f"{{{W_NS}}}{tag}")


def val(parent: Element, tag: str, value: str) -> Element:
    """Append ``<w:tag w:val="value"/>`` — the most common property shape."""
    return _SUB(parent, f"{{{W_NS}}}{tag}", {_W_VAL: value})


def clone(prototype: Element) -> Element:
    """A deep copy of ``prototype`` (lxml's own copy, without the ``copy`` module's dispatch).

    Copying a small prototype is several times faster than rebuilding it element by element
    through lxml's Python API, which is what the writer's hot paths (runs, paragraphs, table
    cells) would otherwise do tens of thousands of times.
    """
    copied: Element = prototype.__copy__()
    return copied


def append_text(run: Element, text: str) -> None:
    """Append ``text`` (no newline or tab in it) to ``run`` as a ``w:t``, spaces preserved."""
    t = _SUB(run, _W_T)
    t.text = text
    if text[0] == " " or text[-1] == " ":
        t.set(XML_SPACE, "preserve")


def plain_text(text: str) -> bool:
    """Whether ``text`` fits one ``w:t`` (not empty, no line break or tab)."""
    return bool(text) and "\n" not in text and "\t" not in text


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
    ``rpr`` is copied, never shared.  The translator clones runs from prototypes made by this
    function (:class:`Prototypes`); it builds the rest (line breaks, tabs, fields) directly.
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
    p = _MAKE(_W_P, None, _NSMAP)
    if style_id:
        _SUB(_SUB(p, _W_PPR), _W_PSTYLE, {_W_VAL: style_id})
    return p


class Prototypes:
    """Prototype elements of one rendering, cloned instead of rebuilt (see :func:`clone`).

    One instance per translator (never module state), keyed by everything that shapes the
    element, so a clone is exactly what building it afresh would give.
    """

    def __init__(self) -> None:
        self._paragraphs: dict[str, Element] = {}
        self._runs: dict[tuple[object, bool], Element] = {}

    def paragraph(self, style_id: str) -> Element:
        """Same as ``paragraph(style_id)``."""
        proto = self._paragraphs.get(style_id)
        if proto is None:
            proto = self._paragraphs[style_id] = paragraph(style_id)
        return clone(proto)

    def run(self, key: object, rpr: Element | None, text: str) -> Element:
        """Same as ``text_run(text, rpr)``; ``key`` identifies ``rpr``'s formatting."""
        if not plain_text(text):
            return text_run(text, rpr)
        east_asian = not text.isascii() and _EAST_ASIAN.search(text) is not None
        proto = self._runs.get((key, east_asian))
        if proto is None:
            proto = self._runs[(key, east_asian)] = text_run("", rpr, east_asian)
        run = clone(proto)
        append_text(run, text)
        return run


def paragraph_properties(p: Element) -> Element:
    """The ``w:pPr`` of ``p`` (first child), created if missing."""
    if len(p) and p[0].tag == w("pPr"):
        return p[0]
    ppr = etree.Element(w("pPr"))
    p.insert(0, ppr)
    return ppr
