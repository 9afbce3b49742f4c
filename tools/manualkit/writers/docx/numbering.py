"""List numbering: Word numbering definitions (numbering.xml) for bullet and numbered lists.

One multi-level abstract definition per list kind; every docutils list gets its own ``w:num``
instance so numbered lists restart at their ``start`` value, and nesting maps to ``w:ilvl``.
"""

from __future__ import annotations

from docx.document import Document

from manualkit.writers.docx.oxml import Element, new, sub, val, w

BULLET_ABSTRACT_ID = 901
DECIMAL_ABSTRACT_ID = 902
_BULLETS = ("●", "○", "■")
_LEVELS = 6
_INDENT_STEP = 420  # twips per nesting level (two Chinese characters at 10.5 pt)


class ListNumbering:
    """Creates ``w:num`` instances in the document's numbering part, on demand."""

    def __init__(self, document: Document) -> None:
        self._numbering: Element = document.part.numbering_part.element
        used = [int(n.get(w("numId"), "0")) for n in self._numbering.findall(w("num"))]
        self._next_num_id = max(used, default=0) + 1
        self._install_abstract(BULLET_ABSTRACT_ID, bullet=True)
        self._install_abstract(DECIMAL_ABSTRACT_ID, bullet=False)

    def new_list(self, *, bullet: bool, start: int = 1) -> int:
        """A fresh numbering instance (``numId``) for one list, restarting at ``start``."""
        num_id = self._next_num_id
        self._next_num_id += 1
        num = sub(self._numbering, "num", {"numId": str(num_id)})
        val(num, "abstractNumId", str(BULLET_ABSTRACT_ID if bullet else DECIMAL_ABSTRACT_ID))
        if not bullet:
            override = sub(num, "lvlOverride", {"ilvl": "0"})
            val(override, "startOverride", str(start))
        return num_id

    def _install_abstract(self, abstract_id: int, *, bullet: bool) -> None:
        abstract = new("abstractNum", {"abstractNumId": str(abstract_id)})
        val(abstract, "multiLevelType", "hybridMultilevel")
        for level in range(_LEVELS):
            lvl = sub(abstract, "lvl", {"ilvl": str(level)})
            val(lvl, "start", "1")
            if bullet:
                val(lvl, "numFmt", "bullet")
                val(lvl, "lvlText", _BULLETS[level % len(_BULLETS)])
            else:
                val(lvl, "numFmt", "decimal" if level % 2 == 0 else "lowerLetter")
                val(lvl, "lvlText", f"%{level + 1}." if level % 2 == 0 else f"%{level + 1})")
            val(lvl, "lvlJc", "left")
            ppr = sub(lvl, "pPr")
            left = _INDENT_STEP * (level + 1)
            sub(ppr, "ind", {"left": str(left), "hanging": str(_INDENT_STEP)})
        existing = self._numbering.findall(w("abstractNum"))
        if existing:
            existing[-1].addnext(abstract)
        else:
            self._numbering.insert(0, abstract)


def indent_for_level(level: int) -> int:
    """Left indent (twips) of continuation paragraphs inside a list item at ``level``."""
    return _INDENT_STEP * (level + 1)
