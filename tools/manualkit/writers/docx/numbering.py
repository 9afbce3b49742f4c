"""Word numbering definitions (numbering.xml): headings, bullet and numbered lists.

Headings 1–3 are numbered by Word itself (``1``, ``1.1``, ``1.1.1``) through a multilevel list
linked to their styles, so a section a writer inserts in Word is numbered and the later ones
shift; :class:`HeadingCounter` follows Word's count to keep it identical to Sphinx's numbers.
Lists use one multi-level abstract definition per kind; every docutils list gets its own
``w:num`` instance so numbered lists restart at their ``start`` value, and nesting maps to
``w:ilvl``.  The List Bullet and List Number styles carry their kind's numbering too, so the
styles do what their names say when a writer applies them in Word.
"""

from __future__ import annotations

from docx.document import Document

from manualkit.writers.docx.oxml import Element, new, sub, val, w

BULLET_ABSTRACT_ID = 901
DECIMAL_ABSTRACT_ID = 902
HEADING_ABSTRACT_ID = 903
#: Heading styles numbered by Word, outermost first (``w:ilvl`` 0, 1, 2).
NUMBERED_HEADING_STYLES = ("Heading1", "Heading2", "Heading3")
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
        self._install_heading_abstract()
        headings = self._instance(HEADING_ABSTRACT_ID)
        #: The ``numId`` (and list level) each numbered style refers to.
        style_numbering: dict[str, tuple[int, int | None]] = {
            "ListBullet": (self._instance(BULLET_ABSTRACT_ID), None),
            "ListNumber": (self._instance(DECIMAL_ABSTRACT_ID), None),
        }
        for level, style_id in enumerate(NUMBERED_HEADING_STYLES):
            style_numbering[style_id] = (headings, level)
        link_styles(document.styles.element, style_numbering)
        # python-docx's template lists claim List Bullet and List Number too (w:lvl/w:pStyle):
        # two lists linked to one style, which Word may re-link when a writer edits a list.
        ours = {str(i) for i in (BULLET_ABSTRACT_ID, DECIMAL_ABSTRACT_ID, HEADING_ABSTRACT_ID)}
        for abstract in self._numbering.findall(w("abstractNum")):
            if abstract.get(w("abstractNumId")) in ours:
                continue
            for link in abstract.findall(f"{w('lvl')}/{w('pStyle')}"):
                if link.get(w("val")) in style_numbering:
                    link.getparent().remove(link)

    @property
    def next_id(self) -> int:
        """The ``numId`` the next list will get."""
        return self._next_num_id

    def instances(self, first_id: int) -> list[Element]:
        """The ``w:num`` elements made so far with a ``numId`` of ``first_id`` or more, in order."""
        return [
            num for num in self._numbering.iterchildren(w("num")) if int(num.get(w("numId"), "0")) >= first_id
        ]

    def adopt(self, instances: list[Element]) -> None:
        """Append ``w:num`` elements made elsewhere (numbered from ``next_id`` on) to this part."""
        for num in instances:
            self._numbering.append(num)
        self._next_num_id += len(instances)

    def _instance(self, abstract_id: int) -> int:
        """A new ``w:num`` of ``abstract_id`` without overrides; its ``numId``."""
        return self._new_num(abstract_id)[0]

    def _new_num(self, abstract_id: int) -> tuple[int, Element]:
        num_id = self._next_num_id
        self._next_num_id += 1
        num = sub(self._numbering, "num", {"numId": str(num_id)})
        val(num, "abstractNumId", str(abstract_id))
        return num_id, num

    def new_list(self, *, bullet: bool, start: int = 1) -> int:
        """A fresh numbering instance (``numId``) for one list, restarting at ``start``."""
        num_id, num = self._new_num(BULLET_ABSTRACT_ID if bullet else DECIMAL_ABSTRACT_ID)
        if not bullet:
            override = sub(num, "lvlOverride", {"ilvl": "0"})
            val(override, "startOverride", str(start))
        return num_id

    def _install_heading_abstract(self) -> None:
        """``1`` / ``1.1`` / ``1.1.1`` followed by a space, linked to Heading 1–3 (``w:pStyle``)."""
        abstract = new("abstractNum", {"abstractNumId": str(HEADING_ABSTRACT_ID)})
        val(abstract, "multiLevelType", "multilevel")
        for level, style_id in enumerate(NUMBERED_HEADING_STYLES):
            lvl = sub(abstract, "lvl", {"ilvl": str(level)})
            val(lvl, "start", "1")
            val(lvl, "numFmt", "decimal")
            val(lvl, "pStyle", style_id)
            val(lvl, "suff", "space")
            val(lvl, "lvlText", ".".join(f"%{n}" for n in range(1, level + 2)))
            val(lvl, "lvlJc", "left")
            ppr = sub(lvl, "pPr")
            sub(ppr, "ind", {"left": "0", "firstLine": "0"})
        self._numbering.findall(w("abstractNum"))[-1].addnext(abstract)

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


#: ``w:pPr`` children that precede ``w:numPr`` (CT_PPrBase order).
_BEFORE_NUMPR = frozenset(
    w(tag) for tag in ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl")
)


def set_numbering(ppr: Element, num_id: int, level: int | None = None) -> None:
    """Put ``<w:numPr>`` (``numId`` 0: not numbered) into ``ppr`` at its schema position."""
    for old in ppr.findall(w("numPr")):
        ppr.remove(old)
    num_pr = new("numPr")
    if level is not None:
        val(num_pr, "ilvl", str(level))
    val(num_pr, "numId", str(num_id))
    ppr.insert(sum(1 for child in ppr if child.tag in _BEFORE_NUMPR), num_pr)


def link_styles(styles: Element, numbering: dict[str, tuple[int, int | None]]) -> None:
    """Give each style named in ``numbering`` its (``numId``, list level or None for level 0)."""
    for style in styles.findall(w("style")):
        style_id = style.get(w("styleId"))
        if style_id not in numbering:
            continue
        ppr = style.find(w("pPr"))
        if ppr is None:
            ppr = new("pPr")
            (style.find(w("rPr")) if style.find(w("rPr")) is not None else style[-1]).addprevious(ppr)
        num_id, level = numbering[style_id]
        set_numbering(ppr, num_id, level)


class HeadingCounter:
    """Word's count of the numbered headings, to tell when it agrees with Sphinx's number.

    A heading is left to Word's numbering only when Word would show exactly the number Sphinx
    gave it (the HTML's and PDF's); any other heading (unnumbered front matter, a numbering
    Word cannot produce) is taken out of the list and keeps its number as text.
    """

    def __init__(self) -> None:
        self._counts = [0] * len(NUMBERED_HEADING_STYLES)

    @property
    def chapters(self) -> int:
        """How many Heading 1s Word has numbered so far."""
        return self._counts[0]

    def takes(self, level: int, number: str) -> bool:
        """Whether heading ``level`` (1-based) numbered ``number`` is Word's next number there."""
        if not number or not 1 <= level <= len(self._counts):
            return False
        parts = number.split(".")
        counted = [*self._counts[: level - 1], self._counts[level - 1] + 1]
        if parts != [str(n) for n in counted]:
            return False
        self._counts[:] = counted + [0] * (len(self._counts) - level)
        return True


class ChapterStartCounter(HeadingCounter):
    """Word's count for a translation that starts at a chapter, not at the manual's beginning.

    The chapters before it are translated elsewhere (:mod:`manualkit.writers.docx.parallel`):
    this count assumes that they end with the chapter before its first heading, numbered
    ``n - 1`` by Word, when that heading is a Heading 1 numbered ``n``.  ``assumed_chapters``
    says what was assumed (None: the first heading was something else, nothing can be assumed);
    whoever translated the chapters before checks it against their own count.
    """

    def __init__(self) -> None:
        super().__init__()
        self._first = True
        self.assumed_chapters: int | None = None

    def takes(self, level: int, number: str) -> bool:
        if self._first:
            self._first = False
            if level == 1 and number.isdigit() and int(number) > 0:
                self.assumed_chapters = self._counts[0] = int(number) - 1
        return super().takes(level, number)


def indent_for_level(level: int) -> int:
    """Left indent (twips) of continuation paragraphs inside a list item at ``level``."""
    return _INDENT_STEP * (level + 1)
