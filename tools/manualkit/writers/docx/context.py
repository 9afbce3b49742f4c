"""Shared state of one DOCX rendering: the python-docx document and the id registries.

Created per build by ``manualkit.writers.docx.document.render_docx`` and handed to the
translator, so nothing lives at module level (parallel builds and tests stay independent).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO

from docutils import nodes
from docx.document import Document
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml.shape import CT_Inline
from sphinx import addnodes

from manualkit.builders.doctrees import local_target
from manualkit.models import ManualData
from manualkit.writers.docx.footnotes import Footnotes
from manualkit.writers.docx.graphs import GraphRenderer
from manualkit.writers.docx.numbering import ListNumbering
from manualkit.writers.docx.oxml import Element
from manualkit.writers.docx.styles import Fonts

_BOOKMARK_SAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclasses.dataclass
class Stats:
    """Counts reported in the build's last line."""

    headings: int = 0
    tables: int = 0
    forms: int = 0
    images: int = 0

    def since(self, earlier: Stats) -> Stats:
        """The counts added after ``earlier`` (a copy of these taken before)."""
        return Stats(*(now - then for now, then in zip(self._values(), earlier._values(), strict=True)))

    def add(self, other: Stats) -> None:
        """Add ``other``'s counts to these (the part another process translated)."""
        for field, value in zip(dataclasses.fields(self), other._values(), strict=True):
            setattr(self, field.name, getattr(self, field.name) + value)

    def _values(self) -> tuple[int, ...]:
        return tuple(getattr(self, field.name) for field in dataclasses.fields(self))


class Bookmarks:
    """Maps docutils ids (per source document) to Word bookmark names.

    Word bookmark names allow only letters, digits and underscores and at most 40 characters,
    while docutils ids are unique only per source document; names are made readable when
    possible (``complaint-intake`` → ``complaint_intake``) and unique otherwise (``_mk_12``).
    A name starting with "_" is a hidden bookmark in Word: the generated ones stay out of the
    Insert › Bookmark list, which then shows only the manual's own labels.
    """

    def __init__(self) -> None:
        self._by_doc: dict[tuple[str, str], str] = {}
        self._by_id: dict[str, str] = {}
        self._doc_start: dict[str, str] = {}
        self._used: set[str] = set()

    def collect(self, tree: nodes.document, root_doc: str) -> None:
        """Assign a bookmark name to every id in ``tree`` in document order."""
        section = nodes.section
        self.add(
            (docname, isinstance(node, section), ids) for docname, node, ids in _walk_ids(tree, root_doc)
        )

    def add(self, entries: Iterable[tuple[str, bool, Sequence[str]]]) -> None:
        """Assign names to the ids of a part of the manual, in order (``scan_sections``'s ``ids``).

        Collecting the parts of a manual in turn, from its start, names every id as
        :meth:`collect` does for the whole tree: ids seen before keep their names.
        """
        for docname, section, ids in entries:
            for node_id in ids:
                name = self._register(docname, node_id)
                if section:
                    self._doc_start.setdefault(docname, name)

    def _register(self, docname: str, node_id: str) -> str:
        key = (docname, node_id)
        if key in self._by_doc:
            return self._by_doc[key]
        candidate = _BOOKMARK_SAFE.sub("_", node_id)
        if not candidate[:1].isalpha() or len(candidate) > 40 or candidate in self._used:
            candidate = f"_mk_{len(self._used) + 1}"
        self._used.add(candidate)
        self._by_doc[key] = candidate
        self._by_id.setdefault(node_id, candidate)
        return candidate

    def name(self, docname: str, node_id: str) -> str | None:
        return self._by_doc.get((docname, node_id))

    def resolve(self, docname: str, node_id: str) -> str | None:
        """The bookmark for an id seen from ``docname``: same document first, then anywhere."""
        return self._by_doc.get((docname, node_id)) or self._by_id.get(node_id)

    def resolve_uri(self, refuri: str, docname: str) -> str | None:
        """Bookmark for an in-document URI (``#document-<doc>#<id>``, ``#document-<doc>``, ``#<id>``)."""
        target = local_target(refuri)
        if target is None:
            return None
        target_doc, node_id = target
        if node_id is None:
            return self._doc_start.get(target_doc or docname)
        return self.resolve(target_doc or docname, node_id)


def _walk_ids(tree: nodes.document, root_doc: str) -> Iterator[tuple[str, nodes.Element, list[str]]]:
    """Every element that has ids, in document order, with the source document it came from.

    A plain stack walk reading ``attributes`` directly: this visits every node of the
    assembled manual, so the per-node cost of ``findall``/``get`` showed in the write phase.
    """
    stack: list[tuple[nodes.Node, str]] = [(tree, root_doc)]
    element, start_of_file = nodes.Element, addnodes.start_of_file
    while stack:
        node, docname = stack.pop()
        if not isinstance(node, element):
            continue
        if isinstance(node, start_of_file):
            docname = node["docname"]
        ids = node.attributes.get("ids")
        if ids:
            yield docname, node, ids
        children = node.children
        if children:
            stack.extend([(child, docname) for child in reversed(children)])


@dataclasses.dataclass(frozen=True)
class TocEntry:
    """A heading as the TOC field's cached result lists it."""

    level: int
    text: str
    bookmark: str | None


#: Start of the relationship ids a :class:`RecordingRelations` hands out.
PLACEHOLDER_PREFIX = "mkPendingRel"


class Relations:
    """The document part's relationships the body needs: web links, pictures, the footnotes part.

    The translator asks here instead of calling python-docx directly, so that a translator in
    another process (:mod:`manualkit.writers.docx.parallel`) can record the same requests, in
    order, for this process to make afterwards: relationship ids (``rId7``) are numbered in the
    order they are made, and a link or picture seen before reuses its relationship.
    """

    def __init__(self, document: Document) -> None:
        self._document = document

    def hyperlink(self, uri: str) -> str:
        """The relationship id of an external link to ``uri``."""
        rel_id: str = self._document.part.relate_to(uri, RT.HYPERLINK, is_external=True)
        return rel_id

    def image(self, data: bytes) -> str:
        """The relationship id of the image ``data`` (its part added, or reused)."""
        rel_id: str = self._document.part.get_or_add_image(BytesIO(data))[0]
        return rel_id

    def picture(self, data: bytes, width_emu: int, height_emu: int) -> Element:
        """A ``wp:inline`` showing the image ``data`` (its part added, or reused)."""
        inline: Element = self._document.part.new_pic_inline(BytesIO(data), width_emu, height_emu)
        return inline

    def footnotes_part(self, part: Part) -> None:
        """Relate the (new) footnotes part to the document."""
        self._document.part.relate_to(part, RT.FOOTNOTES)


class RecordingRelations(Relations):
    """Relations requested by a translator whose document is thrown away (a forked process).

    Each request gets a placeholder id (``PLACEHOLDER_PREFIX`` + its number) and is kept in
    ``requests``; :func:`~manualkit.writers.docx.parallel.adopt_tail` makes them in the real
    document in the same order and puts the real ids in place of the placeholders.
    """

    def __init__(self, document: Document) -> None:
        super().__init__(document)
        #: ("hyperlink", uri), ("picture", PNG/JPEG bytes) or ("footnotes", None), in order.
        self.requests: list[tuple[str, object]] = []

    def _placeholder(self, kind: str, payload: object) -> str:
        self.requests.append((kind, payload))
        return f"{PLACEHOLDER_PREFIX}{len(self.requests)}"

    def hyperlink(self, uri: str) -> str:
        return self._placeholder("hyperlink", uri)

    def picture(self, data: bytes, width_emu: int, height_emu: int) -> Element:
        # What python-docx's ``new_pic_inline`` builds, with the placeholder as ``r:embed`` (its
        # shape id is replaced by the translator's drawing id anyway).
        image = Image.from_file(BytesIO(data))
        width, height = image.scaled_dimensions(width_emu, height_emu)
        rel_id = self._placeholder("picture", data)
        inline: Element = CT_Inline.new_pic_inline(0, rel_id, image.filename, width, height)
        return inline

    def footnotes_part(self, part: Part) -> None:
        self._placeholder("footnotes", None)


@dataclasses.dataclass
class RenderContext:
    """Everything the translator needs besides the doctree."""

    document: Document
    data: ManualData
    fonts: Fonts
    numbering: ListNumbering
    footnotes: Footnotes
    bookmarks: Bookmarks
    graphs: GraphRenderer
    root_doc: str
    text_width_twips: int
    relations: Relations
    stats: Stats = dataclasses.field(default_factory=Stats)
    toc: list[TocEntry] = dataclasses.field(default_factory=list)
    #: Each Heading 1's number as Word's numbering shows it ("" when it is not in the list).
    chapter_numbers: list[str] = dataclasses.field(default_factory=list)
    _next_bookmark_id: int = 0
    _next_drawing_id: int = 0

    def use_relations(self, relations: Relations) -> None:
        """Make relationships through ``relations`` from now on (the footnotes part's too)."""
        self.relations = relations
        self.footnotes.relate = relations.footnotes_part

    def bookmark_id(self) -> int:
        self._next_bookmark_id += 1
        return self._next_bookmark_id

    def drawing_id(self) -> int:
        self._next_drawing_id += 1
        return self._next_drawing_id
