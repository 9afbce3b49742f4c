"""Assembling and translating a large manual in two processes: its last chapters in a forked child.

Why: the DOCX is one document, so Sphinx cannot write it in parallel as it does HTML pages, and
assembling (unpickling, resolving) and translating the doctree of a 10× manual took 2 s on one
core while the other idled.  Here a forked child (Sphinx's own ``ParallelTasks``, which also
brings its warnings home) assembles and translates the chapters from a split point on while this
process does those before it; the child's blocks are then appended to this body.  Each side
unpickles and resolves only its own chapters: the fork comes before the assembly
(:func:`translate_in_parts`).  The result is the document the serial translation makes, byte for
byte (tested), because everything the two halves would otherwise share is exchanged, recomputed
or renumbered:

* the bookmark names and the numbered sections a reference cites (the other part's ids and
  titles): the two sides send each other what their part has (:class:`PartSummary`) before
  translating, and each names and numbers as the whole manual would;
* relationship ids (links, pictures, the footnotes part) are requested by the child as
  placeholders and made here afterwards, in the child's order (:class:`RecordingRelations`);
* bookmark, drawing, list (``numId``) and footnote ids the child numbered from the split's
  values are shifted by what this side used;
* the headings' numbering: the child assumes Word's count reached the chapter before its first
  one (:class:`ChapterStartCounter`), which is checked against this side's count.

The split is taken only where that holds: between two documents of the root's last toctree with
nothing after it, in a manual whose toctrees include every document once (:func:`plan_parts`).
If the translator's state at the split differs between the two sides, or the child's part does
not open with a numbered chapter heading, or the child dies, its work is discarded and
:func:`translate_in_parts` returns None: the caller assembles and translates serially, so the
output is never different, only sometimes not faster.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable, Iterable, Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from docutils import nodes
from docx.oxml.ns import qn
from docx.oxml.parser import element_class_lookup
from lxml import etree
from sphinx import addnodes
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import ParallelTasks

from manualkit.builders.doctrees import (
    IdEntry,
    Reference,
    SectionNumbers,
    assemble_part,
    number_references,
    scan_sections,
    take_doctree,
)
from manualkit.writers.docx.base import DocxTranslatorBase
from manualkit.writers.docx.context import (
    PLACEHOLDER_PREFIX,
    Bookmarks,
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
#: two finish together; with the assembly in the two processes too, five interleaved runs each:
#: write phase 1.61 s at 0.38, 1.56 s at 0.40, 1.65 s at 0.42, 1.67 s at 0.44, medians).
CHILD_SHARE = 0.40
_BODY_START, _BODY_END = f'<w:body xmlns:w="{W_NS}">'.encode(), b"</w:body>"


@dataclasses.dataclass(frozen=True)
class Split:
    """Where the child's part starts: ``path[-1]``'s children from ``index`` on, to the end."""

    path: tuple[nodes.Element, ...]
    index: int

    @property
    def parent(self) -> nodes.Element:
        return self.path[-1]


@dataclasses.dataclass(frozen=True)
class PartPlan:
    """Where the manual is cut in two, decided before it is assembled.

    ``steps``: the child index, level by level, from the root doctree down to the root's last
    toctree (each step the last child of its parent); ``head`` and ``tail``: the documents that
    toctree lists before the child's part and from it on.
    """

    steps: tuple[int, ...]
    head: tuple[str, ...]
    tail: tuple[str, ...]


def plan_parts(
    root_tree: nodes.document,
    toctree_includes: Mapping[str, Sequence[str]],
    root: str,
    doctree_size: Callable[[str], int],
) -> PartPlan | None:
    """Split the root's last toctree so that each process gets its share of the manual.

    ``doctree_size`` gives a document's size with what it includes (:func:`doctree_sizes`: its
    pickled doctree's bytes, a cheap measure of how much there is to translate).  None when
    the root document ends with anything but a toctree, when that lists fewer than two
    documents, or when a document is included twice (each side would then include it where its
    own part first lists it, the serial assembly only once).
    """
    steps: list[int] = []
    node: nodes.Node = root_tree
    while isinstance(node, _PATH_NODES) and node.children:
        steps.append(len(node.children) - 1)
        node = node.children[-1]
        if isinstance(node, addnodes.toctree):
            break
    else:
        return None
    listed = [str(name) for name in node["includefiles"]]
    if len(listed) < 2 or not _included_once(toctree_includes, root):
        return None
    weights = [doctree_size(name) for name in listed]
    total = max(doctree_size(root), sum(weights))  # the root includes all
    taken = _child_count(weights, total)
    return PartPlan(tuple(steps), tuple(listed[:-taken]), tuple(listed[-taken:]))


def _child_count(weights: Sequence[int], total: int) -> int:
    """How many of the last documents the child takes: up to its share of the whole (the last one
    at least), leaving this side one at least."""
    tail, taken = 0, 0
    for weight in reversed(weights[1:]):
        if taken and tail + weight > total * CHILD_SHARE:
            break
        tail += weight
        taken += 1
    return taken


def _included_once(toctree_includes: Mapping[str, Sequence[str]], root: str) -> bool:
    """Whether every document reached from ``root`` through toctrees is included exactly once."""
    seen = {root}
    stack = [root]
    while stack:
        for name in toctree_includes.get(stack.pop(), ()):
            if name in seen:
                return False
            seen.add(name)
            stack.append(name)
    return True


def doctree_sizes(env: BuildEnvironment) -> Callable[[str], int]:
    """``doctree_size`` for :func:`plan_parts`: the bytes of a document's pickled doctree and
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


@dataclasses.dataclass(frozen=True)
class PartSummary:
    """What one side tells the other before translating: the ids of its part, in document order
    (the bookmarks' names depend on all that come before), and its numbered sections (a reference
    shows the number of the section it cites)."""

    ids: list[IdEntry]
    sections: SectionNumbers


#: Makes a Word document, its context and a translator for a tree, with the manual's bookmarks.
Start = Callable[[nodes.document, Bookmarks], tuple[Any, RenderContext, DocxTranslatorBase]]
#: Puts a translated body into its Word document (see ``translate_in_parts``).
Install = Callable[[Any, DocxTranslatorBase], Any]


@dataclasses.dataclass(frozen=True)
class PartsTranslated:
    """This side's tree and the document its translator filled, the child's part merged."""

    tree: nodes.document
    document: Any
    context: RenderContext
    translator: DocxTranslatorBase
    #: What ``install`` returned (the template's final section properties).
    section: Any


def _summary(builder: Any, tree: nodes.document) -> tuple[PartSummary, list[Reference]]:
    ids: list[IdEntry] = []
    sections, references = scan_sections(tree, builder.config.root_doc, builder.env.toc_secnumbers, ids)
    return PartSummary(ids, sections), references


def _combined(first: PartSummary, then: PartSummary) -> tuple[Bookmarks, SectionNumbers]:
    """The whole manual's bookmark names and numbered sections, from its two parts in order."""
    bookmarks = Bookmarks()
    bookmarks.add(first.ids)
    bookmarks.add(then.ids)
    sections = SectionNumbers()
    sections.extend(first.sections)
    sections.extend(then.sections)
    return bookmarks, sections


def _path(tree: nodes.document, depth: int) -> tuple[nodes.Element, ...]:
    """The tree's root and its last children, ``depth`` levels down."""
    path = [tree]
    for _level in range(depth):
        last = path[-1].children[-1]
        assert isinstance(last, nodes.Element)
        path.append(last)
    return tuple(path)


def _prune(tree: nodes.document, steps: Sequence[int]) -> None:
    """Keep of the root doctree only the path to its last toctree (the child's tree)."""
    node: nodes.Element = tree
    for step in steps:
        kept = node.children[step]
        node.children = [kept]
        if not isinstance(kept, nodes.Element):  # pragma: no cover - steps end at the toctree
            return
        node = kept


def _prepared_part(
    builder: Any,
    tree: nodes.document,
    leave_out: Sequence[str],
    unresolved: list[nodes.Node] | None,
    conn: Connection,
    start: Start,
    *,
    child: bool,
) -> tuple[Any, RenderContext, DocxTranslatorBase] | None:
    """Assemble one side's part, swap summaries with the other side, start its translation.

    The child sends first and the parent receives first: neither waits on a full pipe.  None
    when the other side is gone.
    """
    assemble_part(builder, tree, unresolved, leave_out=leave_out)
    mine, references = _summary(builder, tree)
    try:
        if child:
            conn.send(mine)
            theirs: PartSummary = conn.recv()
        else:
            theirs = conn.recv()
            conn.send(mine)
    except (EOFError, OSError):
        return None
    finally:
        conn.close()
    bookmarks, sections = _combined(theirs, mine) if child else _combined(mine, theirs)
    number_references(references, sections)
    return start(tree, bookmarks)


def _child_part(
    builder: Any, plan: PartPlan, start: Start, conn: Connection, other_end: Connection
) -> TailResult | None:
    """In the child: assemble and translate the chapters of ``plan.tail``."""
    other_end.close()
    tree = take_doctree(builder.env, builder.config.root_doc)
    _prune(tree, plan.steps)
    started = _prepared_part(builder, tree, plan.head, None, conn, start, child=True)
    if started is None:  # the parent gave up
        return None
    _document, context, translator = started
    split = Split(_path(tree, len(plan.steps) - 1), 0)
    return _translate_tail(translator, context, split)


def translate_in_parts(
    builder: Any,
    plan: PartPlan,
    start: Start,
    install: Install,
    unresolved: list[nodes.Node] | None = None,
) -> PartsTranslated | None:
    """Assemble and translate the manual, the documents of ``plan.tail`` in a forked child.

    ``install`` is called once this side's part is translated, while the child may still be at
    work: it puts the body in the Word document, where the child's blocks are then merged.
    ``unresolved`` receives the nodes of this side's tree before resolution (see
    ``manualkit.builders.doctrees.assemble_manual``).  None: the child's part could not be used
    (see the module's docstring); nothing of this attempt is left for the caller, which then
    assembles and translates the manual serially.
    """
    here, there = multiprocessing.Pipe()
    results: list[TailResult | None] = []
    tasks = ParallelTasks(1)
    # The caller settled the flowcharts first (``GraphRenderer.settle``): both sides have every
    # chart the environment knew of, and no thread runs at the fork.
    tasks.add_task(
        lambda: _child_part(builder, plan, start, there, here),
        None,
        lambda _arg, result: results.append(result),
    )
    there.close()
    marks: dict[str, Any] = {}
    translated: PartsTranslated | None = None
    try:
        tree = take_doctree(builder.env, builder.config.root_doc)
        started = _prepared_part(builder, tree, plan.tail, unresolved, here, start, child=False)
        if started is None:  # the child died before it could tell its part
            return None
        document, context, translator = started

        def at_split() -> None:
            marks["state"] = _state(translator)
            marks["clean"] = not translator.pending_bookmarks

        path = _path(tree, len(plan.steps) - 1)
        _drive(translator, Split(path, len(path[-1].children)), 0, at_split, tail=False)
        translated = PartsTranslated(tree, document, context, translator, install(document, translator))
    finally:
        here.close()
        try:
            tasks.join()
        except EOFError:  # ``join`` has stopped the child's process
            results.clear()  # it ended without a word (killed: out of memory?)
    result = results[0] if results else None
    if translated is None or result is None:
        return None
    if not (
        marks.get("clean")
        and marks.get("state") == result.state
        and result.opens_with_chapter
        and result.assumed_chapters is not None
        and result.assumed_chapters == translated.translator.heading_counter.chapters
    ):
        translated.translator.release()
        return None
    merge_tail(translated.translator, translated.context, result)
    return translated


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
