"""Real Word footnotes: a ``word/footnotes.xml`` part created on first use.

python-docx 1.2 has no footnote API, so the part is added through its OPC layer; the translator
renders each docutils footnote's paragraphs into the ``w:footnote`` returned by ``create``.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml.parser import parse_xml

from manualkit.writers.docx.oxml import W_NS, Element, sub, w

_EMPTY_FOOTNOTES = f"""<w:footnotes xmlns:w="{W_NS}">
<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>
</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240"
w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
</w:footnotes>"""


class Footnotes:
    """Allocates footnote ids (1, 2, …) in reference order and owns the footnotes part."""

    def __init__(self, document: Document, relate: Callable[[XmlPart], object]) -> None:
        self._document = document
        #: Relates the part to the document when it is created (``Relations.footnotes_part``).
        self.relate = relate
        self._root: Element | None = None
        self._ids: dict[tuple[str, str], int] = {}

    @property
    def count(self) -> int:
        """How many footnote ids have been handed out."""
        return len(self._ids)

    def footnotes(self, after: int = 0) -> list[Element]:
        """The ``w:footnote`` elements created so far with an id above ``after``, in order."""
        if self._root is None:
            return []
        return [
            note for note in self._root.iterchildren(w("footnote")) if int(note.get(w("id"), "0")) > after
        ]

    def ensure_part(self) -> Element:
        """The footnotes part's root element, the part created (and related) on first use."""
        if self._root is None:
            self._root = parse_xml(_EMPTY_FOOTNOTES.encode())
            part = XmlPart(
                PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, self._root, self._document.part.package
            )
            self.relate(part)
        return self._root

    def number(self, docname: str, footnote_id: str) -> int:
        """The Word id of a docutils footnote (by its ``ids[0]`` within ``docname``)."""
        key = (docname, footnote_id)
        if key not in self._ids:
            self._ids[key] = len(self._ids) + 1
        return self._ids[key]

    def create(self, number: int) -> Element:
        """A new, empty ``w:footnote`` with id ``number`` in the footnotes part."""
        return sub(self.ensure_part(), "footnote", {"id": str(number)})
