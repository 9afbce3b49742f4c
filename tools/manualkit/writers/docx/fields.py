"""Word fields (TOC, PAGE, NUMPAGES, STYLEREF), bookmarks and internal hyperlinks.

A field is the begin / instrText / separate / result / end run sequence Word writes itself; the
result text is a placeholder shown until fields are updated (``w:updateFields`` in settings
asks Word to do that on open; LibreOffice recomputes them when it lays the document out).
"""

from __future__ import annotations

from collections.abc import Sequence

from manualkit.writers.docx.oxml import XML_SPACE, Element, Prototypes, clone, new, sub, text_run, w

TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
_ANCHOR = w("anchor")


def append_field(paragraph: Element, instruction: str, placeholder: str, rpr: Element | None = None) -> None:
    """Append a complex field with ``instruction`` and a placeholder result to ``paragraph``."""
    _fld_char(paragraph, "begin", rpr, dirty=True)
    run = sub(paragraph, "r")
    if rpr is not None:
        run.append(_clone(rpr))
    instr = sub(run, "instrText")
    instr.text = f" {instruction} "
    instr.set(XML_SPACE, "preserve")
    _fld_char(paragraph, "separate", rpr)
    paragraph.append(text_run(placeholder, rpr))
    _fld_char(paragraph, "end", rpr)


def _fld_char(paragraph: Element, kind: str, rpr: Element | None, *, dirty: bool = False) -> None:
    run = sub(paragraph, "r")
    if rpr is not None:
        run.append(_clone(rpr))
    attrs = {"fldCharType": kind}
    if dirty:
        attrs["dirty"] = "true"
    sub(run, "fldChar", attrs)


def _clone(element: Element) -> Element:
    import copy

    return copy.deepcopy(element)


def toc_paragraphs(entries: Sequence[tuple[int, str, str | None]], tab_position: int) -> list[Element]:
    """A real TOC field over Heading 1–3, its result pre-filled with the headings.

    Word refreshes the field on open (``w:updateFields``) and adds page numbers; the pre-filled
    entries (hyperlinks to the heading bookmarks) keep the TOC useful in readers that do not
    update fields (LibreOffice's headless converter, previewers).  A large manual's contents
    hold a thousand entries: each is cloned from a prototype of its level (and its run from one
    of the ``Prototypes``), not built element by element.
    """
    if not entries:
        entries = [(1, "（打开文档时更新目录）", None)]
    shells: dict[int, Element] = {}
    runs = Prototypes()
    link = internal_hyperlink("")
    paragraphs: list[Element] = []
    for index, (level, text, anchor) in enumerate(entries):
        shell = shells.get(level)
        if shell is None:
            shell = shells[level] = _toc_shell(level, tab_position)
        p = clone(shell)
        if index == 0:
            _fld_char(p, "begin", None, dirty=True)
            run = sub(p, "r")
            instr = sub(run, "instrText")
            instr.text = f" {TOC_INSTRUCTION} "
            instr.set(XML_SPACE, "preserve")
            _fld_char(p, "separate", None)
        holder = p
        if anchor:
            holder = clone(link)
            holder.set(_ANCHOR, anchor)
            p.append(holder)
        holder.append(runs.run(None, None, text))
        paragraphs.append(p)
    _fld_char(paragraphs[-1], "end", None)
    return paragraphs


def _toc_shell(level: int, tab_position: int) -> Element:
    """An empty contents entry of ``level``: its style, and the tab Word's update fills with dots."""
    p = new("p")
    ppr = sub(p, "pPr")
    sub(ppr, "pStyle", {"val": f"TOC{min(level, 3)}"})
    tabs = sub(ppr, "tabs")
    sub(tabs, "tab", {"val": "right", "leader": "dot", "pos": str(tab_position)})  # for Word's update
    return p


def bookmark(paragraph: Element, name: str, bookmark_id: int) -> None:
    """A zero-width bookmark at the current end of ``paragraph`` (target of internal links)."""
    sub(paragraph, "bookmarkStart", {"id": str(bookmark_id), "name": name})
    sub(paragraph, "bookmarkEnd", {"id": str(bookmark_id)})


def internal_hyperlink(anchor: str) -> Element:
    """A ``w:hyperlink`` jumping to bookmark ``anchor``; runs are appended by the caller."""
    return new("hyperlink", {"anchor": anchor, "history": "1"})


def external_hyperlink(relationship_id: str) -> Element:
    """A ``w:hyperlink`` to an external URL registered as relationship ``relationship_id``."""
    return new("hyperlink", {"r:id": relationship_id, "history": "1"})
