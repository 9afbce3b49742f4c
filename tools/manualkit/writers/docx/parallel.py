"""Translating a large manual's body in two processes: its last chapters in a forked child.

Why: the DOCX is one document, so Sphinx cannot write it in parallel as it does HTML pages, and
translating the doctree of a 10× manual took 1.5 s on one core while the other idled.  Here a
forked child (Sphinx's own ``ParallelTasks``, which also brings its warnings home) translates
the chapters from a split point on while this process translates those before it; the child's
blocks are then appended to this body.  The result is the document the serial translation makes,
byte for byte (tested), because everything the two halves would otherwise share is either
recomputed or renumbered on merging:

* relationship ids (links, pictures, the footnotes part) are requested by the child as
  placeholders and made here afterwards, in the child's order (:class:`RecordingRelations`);
* bookmark, drawing, list (``numId``) and footnote ids the child numbered from the split's
  values are shifted by what this side used;
* the headings' numbering: the child assumes Word's count reached the chapter before its first
  one (:class:`ChapterStartCounter`), which is checked against this side's count.

The split is taken only where that holds: between two documents of the root's last toctree with
nothing after them, so that the child's part is the end of the body.  If the translator's state
at the split differs between the two sides, or the child's part does not open with a numbered
chapter heading, the child's work is discarded and :func:`translate_in_parallel` returns False:
the caller translates serially, so the output is never different, only sometimes not faster.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from docx.oxml.ns import qn
from docx.oxml.parser import element_class_lookup
from lxml import etree
from sphinx import addnodes
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import ParallelTasks

from manualkit.writers.docx.base import DocxTranslatorBase
from manualkit.writers.docx.context import (
    PLACEHOLDER_PREFIX,
    RecordingRelations,
    RenderContext,
    Stats,
    TocEntry,
)
from manualkit.writers.docx.numbering import ChapterStartCounter
from manualkit.writers.docx.oxml import W_NS, Element, w

#: Node classes the path from the tree's root to the chapters may pass through: their handlers
#: only keep count (sections) or do nothing (compound: the toctree's wrapper).
_PATH_NODES = (nodes.document, nodes.section, nodes.compound)
_R_ID, _R_EMBED = qn("r:id"), qn("r:embed")
_ID, _VAL = w("id"), w("val")
#: The child's share of the manual, by doctree size.  Less than half: it also serializes its
#: blocks, and a chapter's doctree bytes cost it more translation than the form appendices'
#: (measured on the 10× manual: at 0.5 this side waited 0.25–0.3 s for the child, at 0.42 the
#: two finish together).
CHILD_SHARE = 0.42
_BODY_START, _BODY_END = f'<w:body xmlns:w="{W_NS}">'.encode(), b"</w:body>"


@dataclasses.dataclass(frozen=True)
class Split:
    """Where the child's part starts: ``path[-1]``'s children from ``index`` on, to the end."""

    path: tuple[nodes.Element, ...]
    index: int

    @property
    def parent(self) -> nodes.Element:
        return self.path[-1]


def choose_split(tree: nodes.document, doctree_size: Callable[[str], int]) -> Split | None:
    """Split the root's last toctree so that each process gets its share of the manual.

    ``doctree_size`` gives a document's size with what it includes (:func:`doctree_sizes`: its
    pickled doctree's bytes, a cheap measure of how much there is to translate).  None when
    the tree ends with anything but included documents, or when fewer than two are included
    there.
    """
    path: list[nodes.Element] = []
    node: nodes.Node = tree
    while isinstance(node, _PATH_NODES) and node.children:
        path.append(node)
        if isinstance(node.children[-1], addnodes.start_of_file):
            break
        node = node.children[-1]
    else:
        return None
    parent = path[-1]
    first = len(parent.children)
    while first > 0 and isinstance(parent.children[first - 1], addnodes.start_of_file):
        first -= 1
    included = parent.children[first:]
    if len(included) < 2:
        return None
    weights = [doctree_size(str(start["docname"])) for start in included]
    total = max(doctree_size(str(tree.get("docname", ""))), sum(weights))  # the root includes all
    # The child takes the last documents, up to its share of the whole (the last one at least),
    # and leaves this side one at least.
    tail, taken = 0, 0
    for weight in reversed(weights[1:]):
        if taken and tail + weight > total * CHILD_SHARE:
            break
        tail += weight
        taken += 1
    index = len(parent.children) - taken
    return Split(tuple(path), index)


def doctree_sizes(env: BuildEnvironment) -> Callable[[str], int]:
    """``doctree_size`` for :func:`choose_split`: the bytes of a document's pickled doctree and
    of those it includes in turn (its own toctrees)."""
    base = Path(env.doctreedir)

    def size(docname: str, seen: frozenset[str] = frozenset()) -> int:
        try:
            own = (base / f"{docname}.doctree").stat().st_size
        except OSError:
            own = 0
        included = (name for name in env.toctree_includes.get(docname, ()) if name not in seen)
        return own + sum(size(name, seen | {docname}) for name in included)

    return size


def _state(translator: DocxTranslatorBase) -> tuple[object, ...]:
    """What the translator carries from one block to the next: equal on both sides at the split."""
    t = translator
    lists = tuple((s.num_id, s.bullet, s.level, s.item_started) for s in t.lists)
    return (
        len(t.blocks), tuple(t.styles), t.para is None, len(t.links), lists, tuple(t.docnames),
        t.section_level, tuple(t.outer_levels), t.root_section_seen, t.tickable, t.box_then_tab,
        t.unbroken, t.option_room, t.option_line, t.cell_room, t.bold, t.italic, t.code,
        t.superscript, t.subscript, t.literal_text, len(t.form_starts), len(getattr(t, "tables", ())),
    )  # fmt: skip


def _drive(
    translator: DocxTranslatorBase, split: Split, depth: int, at_split: Callable[[], None], *, tail: bool
) -> None:
    """Translate ``split.path[depth]``, its children before the split (``tail`` False) or from it.

    The path's own nodes are visited and departed on both sides, as the serial walk does.
    """
    node = split.path[depth]
    translator.dispatch_visit(node)
    children = node.children
    if depth == len(split.path) - 1:
        if tail:
            at_split()
            part: Sequence[nodes.Node] = children[split.index :]
        else:
            part = children[: split.index]
        for child in list(part):
            translator.translate(child)
        if not tail:
            at_split()
    else:
        if not tail:
            for child in children[:-1]:
                translator.translate(child)
        _drive(translator, split, depth + 1, at_split, tail=tail)
    translator.dispatch_departure(node)


@dataclasses.dataclass
class TailResult:
    """What the child sends back: its blocks as XML, and what they used of the shared numbering."""

    state: tuple[object, ...]
    opens_with_chapter: bool
    assumed_chapters: int | None
    body: bytes
    bookmark_base: int
    bookmarks_used: int
    drawing_base: int
    drawings_used: int
    num_base: int
    nums: list[bytes]
    footnote_base: int
    footnotes: list[bytes]
    requests: list[tuple[str, object]]
    toc: list[TocEntry]
    chapter_numbers: list[str]
    stats: Stats


def _translate_tail(translator: DocxTranslatorBase, context: RenderContext, split: Split) -> TailResult:
    """In the child: translate from the split to the end; return the blocks and the counts."""
    relations = RecordingRelations(context.document)
    context.use_relations(relations)
    marks: dict[str, Any] = {}

    def at_split() -> None:
        marks["state"] = _state(translator)
        marks["empty"] = len(translator.body) == 0
        translator.pending_bookmarks = []  # the path's own ids: bookmarked on the other side
        translator.heading_counter = ChapterStartCounter()
        marks["bookmarks"] = context._next_bookmark_id
        marks["drawings"] = context._next_drawing_id
        marks["nums"] = context.numbering.next_id
        marks["footnotes"] = context.footnotes.count
        marks["toc"] = len(context.toc)
        marks["chapters"] = len(context.chapter_numbers)
        marks["stats"] = dataclasses.replace(context.stats)

    try:
        _drive(translator, split, 0, at_split, tail=True)
    finally:
        context.graphs.close()
    body = translator.body
    first = next(iter(body), None)
    style = first.find(f"{w('pPr')}/{w('pStyle')}") if first is not None else None
    counter = translator.heading_counter
    before: Stats = marks["stats"]
    return TailResult(
        state=marks["state"],
        opens_with_chapter=bool(marks["empty"]) and style is not None and style.get(_VAL) == "Heading1",
        assumed_chapters=counter.assumed_chapters if isinstance(counter, ChapterStartCounter) else None,
        # Block by block: each carries its own namespace declarations, which the merge drops
        # again in one step; a block whose declarations stayed on a shared parent had to have
        # every element's namespace looked up when moved (0.2 s for half of a 10× manual).
        body=b"".join(etree.tostring(block) for block in body),
        bookmark_base=marks["bookmarks"],
        bookmarks_used=context._next_bookmark_id - marks["bookmarks"],
        drawing_base=marks["drawings"],
        drawings_used=context._next_drawing_id - marks["drawings"],
        num_base=marks["nums"],
        nums=[etree.tostring(num) for num in context.numbering.instances(marks["nums"])],
        footnote_base=marks["footnotes"],
        footnotes=[etree.tostring(note) for note in context.footnotes.footnotes(after=marks["footnotes"])],
        requests=relations.requests,
        toc=context.toc[marks["toc"] :],
        chapter_numbers=context.chapter_numbers[marks["chapters"] :],
        stats=context.stats.since(before),
    )


def translate_in_parallel(translator: DocxTranslatorBase, context: RenderContext, split: Split) -> bool:
    """Translate the tree (``split.path[0]``), the part from ``split`` on in a forked child.

    False: the child's part could not be used (see the module's docstring); ``translator`` and
    ``context`` then hold a partial translation, and the caller starts again with fresh ones.
    """
    results: list[TailResult] = []
    tasks = ParallelTasks(1)
    # The caller settled the flowcharts first (``GraphRenderer.settle``): both sides have every
    # chart the environment knew of, and no thread runs at the fork.
    tasks.add_task(
        lambda: _translate_tail(translator, context, split),
        None,
        lambda _arg, result: results.append(result),
    )
    marks: dict[str, Any] = {}

    def at_split() -> None:
        marks["state"] = _state(translator)
        marks["clean"] = not translator.pending_bookmarks

    try:
        _drive(translator, split, 0, at_split, tail=False)
    finally:
        try:
            tasks.join()
        except EOFError:  # ``join`` has stopped the child's process
            results.clear()  # it ended without a word (killed: out of memory?)
    if not results:
        return False  # no child's part: it could not be forked, or it died
    result = results[0]
    if not (
        marks.get("clean")
        and marks.get("state") == result.state
        and result.opens_with_chapter
        and result.assumed_chapters is not None
        and result.assumed_chapters == translator.heading_counter.chapters
    ):
        return False
    merge_tail(translator, context, result)
    return True


def _parser() -> etree.XMLParser:
    """python-docx's element classes, blank text kept (a ``w:t`` of spaces is text)."""
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    parser.set_element_class_lookup(element_class_lookup)
    return parser


def merge_tail(translator: DocxTranslatorBase, context: RenderContext, result: TailResult) -> None:
    """Append the child's blocks to this body, with this document's relationships and ids."""
    parser = _parser()
    rel_ids: dict[str, str] = {}
    for number, (kind, payload) in enumerate(result.requests, start=1):
        placeholder = f"{PLACEHOLDER_PREFIX}{number}"
        if kind == "hyperlink":
            rel_ids[placeholder] = context.relations.hyperlink(str(payload))
        elif kind == "picture" and isinstance(payload, bytes):
            rel_ids[placeholder] = context.relations.image(payload)
        elif kind == "footnotes":
            context.footnotes.ensure_part()
    blocks = etree.fromstring(b"".join((_BODY_START, result.body, _BODY_END)), parser)
    for owner in blocks.iter(w("hyperlink"), qn("a:blip")):
        for name in (_R_ID, _R_EMBED):
            value = owner.get(name)
            if value is not None and value.startswith(PLACEHOLDER_PREFIX):
                owner.set(name, rel_ids[value])

    bookmark_shift = context._next_bookmark_id - result.bookmark_base
    drawing_shift = context._next_drawing_id - result.drawing_base
    num_shift = context.numbering.next_id - result.num_base
    footnote_shift = context.footnotes.count - result.footnote_base
    _shift(blocks.iter(w("bookmarkStart"), w("bookmarkEnd")), _ID, bookmark_shift)
    _shift(blocks.iter(w("footnoteReference")), _ID, footnote_shift)
    _shift(blocks.iter(w("numId")), _VAL, num_shift, from_value=result.num_base)
    for doc_pr in blocks.iter(qn("wp:docPr")):
        picture = int(doc_pr.get("id", "0")) + drawing_shift
        doc_pr.set("id", str(picture))
        doc_pr.set("name", f"Picture {picture}")

    instances = [etree.fromstring(xml, parser) for xml in result.nums]
    _shift(instances, w("numId"), num_shift)
    context.numbering.adopt(instances)
    if result.footnotes:
        root = context.footnotes.ensure_part()
        notes = [etree.fromstring(xml, parser) for xml in result.footnotes]
        _shift(notes, _ID, footnote_shift)
        root.extend(notes)

    translator.body.extend(list(blocks))
    context._next_bookmark_id += result.bookmarks_used
    context._next_drawing_id += result.drawings_used
    context.toc.extend(result.toc)
    context.chapter_numbers.extend(result.chapter_numbers)
    context.stats.add(result.stats)


def _shift(elements: Iterable[Element], attribute: str, by: int, *, from_value: int = 0) -> None:
    """Add ``by`` to the numeric ``attribute`` of each element, where it is ``from_value`` or more."""
    for element in elements:
        value = int(element.get(attribute, "0"))
        if value >= from_value:
            element.set(attribute, str(value + by))
