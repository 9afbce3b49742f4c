"""Assembling and translating a large manual in two processes: its last chapters in a forked child.

Why: the DOCX is one document, so Sphinx cannot write it in parallel as it does HTML pages, and
assembling (unpickling, resolving) and translating the doctree of a 10× manual took 2 s on one
core while the other idled.  Here a forked child (Sphinx's own ``ParallelTasks``, which also
brings its warnings home) assembles and translates the chapters from a split point on while this
process does those before it.  Each side unpickles and resolves only its own chapters: the fork
comes before the assembly (:func:`translate_in_parts`).  The child's blocks never come here as
elements: the child renumbers them, ends their chapters' sections as this side tells it, and
sends them as the XML they take in ``word/document.xml``, which this side writes with a
placeholder in their place (:class:`ChildPart`).  The result is the document the serial
translation makes, byte for byte (tested), because everything the two halves would otherwise
share is exchanged, recomputed or renumbered:

* the bookmark names and the numbered sections a reference cites (the other part's ids and
  titles): the two sides send each other what their part has (:class:`PartSummary`) before
  translating, and each names and numbers as the whole manual would;
* relationship ids (links, pictures, the footnotes part) are requested by the child as
  placeholders and made here afterwards, in the child's order (:class:`RecordingRelations`);
* bookmark, drawing, list (``numId``) and footnote ids the child numbered from the split's
  values are shifted by what this side used (:class:`Renumbering`);
* each chapter is a Word section with a header of its own: this side makes the headers of all
  chapters and tells the child which ones end its sections, and whether the break before its
  first chapter goes into this side's last paragraph (:class:`ChapterLayout`), as the serial
  ``split_chapters`` decides;
* the headings' numbering: the child assumes Word's count reached the chapter before its first
  one (:class:`ChapterStartCounter`), which is checked against this side's count.

The split is taken only where that holds: between two documents of the root's last toctree with
nothing after it, in a manual whose toctrees include every document once (:func:`plan_parts`).
If the translator's state at the split differs between the two sides, or the child's part does
not open with a numbered chapter heading, or the child dies, its work is discarded and
:func:`translate_in_parts` returns None (or the writing stops with :class:`ChildPartLost`, when
the child dies once its numbering is set): the caller assembles and translates serially, so the
output is never different, only sometimes not faster.
"""

from __future__ import annotations

import contextlib
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
from manualkit.writers.docx.chapters import (
    bare_section,
    break_chapters,
    chapter_headings,
    heading_title,
    holds_section_break,
    reference_header,
)
from manualkit.writers.docx.context import (
    PLACEHOLDER_PREFIX,
    Bookmarks,
    RecordingRelations,
    RenderContext,
    Stats,
    TocEntry,
)
from manualkit.writers.docx.numbering import ChapterStartCounter
from manualkit.writers.docx.oxml import Element, w

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
_BODY_END = b"</w:body>"


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
    """What the child tells this side once its part is translated: what its blocks used of the
    shared numbering and relationships, and what the contents and headers need of them.  The
    blocks themselves follow as XML once renumbered (:func:`_finish_tail`)."""

    state: tuple[object, ...]
    opens_with_chapter: bool
    assumed_chapters: int | None
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
    chapter_titles: list[str]
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
        chapter_titles=[heading_title(heading) for heading in chapter_headings(body)],
        stats=context.stats.since(before),
    )


@dataclasses.dataclass(frozen=True)
class Renumbering:
    """What this side tells the child once its own part is translated: the relationship id of
    each of the child's requests, and how far its bookmark, drawing, list and footnote ids move
    (it numbered them from its values at the split; this side used some since)."""

    rel_ids: dict[str, str]
    bookmarks: int
    drawings: int
    nums: int
    num_base: int
    footnotes: int


@dataclasses.dataclass(frozen=True)
class ChapterLayout:
    """Where the child's part ends sections, as the serial ``split_chapters`` would.

    ``break_here``: the section before the child's first chapter ends in a paragraph of the
    child's (this side's part ends with a table, or with a paragraph ending a section), not in
    this side's last paragraph.  ``header_ids``: the header of each section the child's part
    ends, in order (None: the section before the chapters, which keeps the contents' header).
    """

    break_here: bool
    header_ids: list[str | None]


def renumber(blocks: Element, numbering: Renumbering) -> None:
    """Give the child's blocks the whole document's relationship, bookmark, footnote, list and
    drawing ids."""
    for owner in blocks.iter(w("hyperlink"), qn("a:blip")):
        for name in (_R_ID, _R_EMBED):
            value = owner.get(name)
            if value is not None and value.startswith(PLACEHOLDER_PREFIX):
                owner.set(name, numbering.rel_ids[value])
    _shift(blocks.iter(w("bookmarkStart"), w("bookmarkEnd")), _ID, numbering.bookmarks)
    _shift(blocks.iter(w("footnoteReference")), _ID, numbering.footnotes)
    _shift(blocks.iter(w("numId")), _VAL, numbering.nums, from_value=numbering.num_base)
    for doc_pr in blocks.iter(qn("wp:docPr")):
        picture = int(doc_pr.get("id", "0")) + numbering.drawings
        doc_pr.set("id", str(picture))
        doc_pr.set("name", f"Picture {picture}")


def _finish_tail(
    document: Any, translator: DocxTranslatorBase, result: TailResult, conn: Connection, install: Install
) -> None:
    """In the child: send ``result``; renumber the blocks and end their sections as told; send
    them as the XML they take in the whole document.

    The blocks are put into the child's own Word document first (the same template as this
    side's): their namespace declarations then stay on its root, as they do in the whole
    document, and its body's content is the very bytes the serial translation writes there.
    """
    conn.send(result)
    numbering: Renumbering = conn.recv()  # EOFError when the other side does not use this part
    body = translator.body
    renumber(body, numbering)
    section = bare_section(install(document, translator))
    layout: ChapterLayout = conn.recv()
    chapters = break_chapters(body, section, first_break=layout.break_here)
    breaks = [ends for _, ends in chapters if ends is not None]
    for ends, rid in zip(breaks, layout.header_ids, strict=True):
        if rid is not None:
            reference_header(ends, rid)
    xml: bytes = etree.tostring(body, encoding="UTF-8")
    if not xml.endswith(_BODY_END):  # pragma: no cover - the part has a chapter at least
        raise AssertionError("the child's part is empty")
    conn.send_bytes(xml[xml.index(b">") + 1 : -len(_BODY_END)])


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
    """This side's tree and the document its translator filled; the child's part, whose blocks
    this document's ``w:body`` gets as XML when the document is written (:class:`ChildPart`)."""

    tree: nodes.document
    document: Any
    context: RenderContext
    translator: DocxTranslatorBase
    #: What ``install`` returned (the template's final section properties).
    section: Any
    child: ChildPart


class ChildPartLost(Exception):
    """The child ended before it sent its blocks (killed: out of memory?)."""


#: The ``w:`` element that holds the place of the child's blocks in this side's body, and in the
#: written ``word/document.xml`` until they are put there (:meth:`ChildPart.splice`).
CHILD_PART_NAME = "mkChildPart"
_CHILD_PART_XML = f"<w:{CHILD_PART_NAME}/>".encode()


class ChildPart:
    """The child's part of the manual while this side finishes the Word document.

    Its blocks stay in the child, which renumbers them, ends their sections as told
    (:meth:`lay_out`) and sends them as the XML they take in the whole document: this side
    splices that into its own ``word/document.xml`` (:meth:`splice`).  Parsing them here, and
    serializing them again, had this side do that work alone after both parts were translated
    (0.17 s of a 1.4 s write phase at 10×) while the child idled.
    """

    def __init__(self, conn: Connection, tasks: ParallelTasks, titles: list[str]) -> None:
        self._conn = conn
        self._tasks = tasks
        #: The child's chapter titles (its Heading 1 paragraphs), in order.
        self.titles = titles

    def lay_out(self, layout: ChapterLayout) -> None:
        try:
            self._conn.send(layout)
        except OSError as exc:
            raise ChildPartLost(str(exc)) from None

    def splice(self, document_xml: bytes) -> bytes:
        """``document_xml`` with the child's blocks in place of :data:`CHILD_PART_NAME`."""
        try:
            blocks = self._conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise ChildPartLost(str(exc) or "no blocks") from None
        before, mark, after = document_xml.partition(_CHILD_PART_XML)
        if not mark or _CHILD_PART_XML in after:
            raise AssertionError("the document must hold the child's part's place once")
        return b"".join((before, blocks, after))

    def close(self) -> None:
        """Wait for the child's end; its warnings are reported now, as in one process."""
        _end_child(self._conn, self._tasks)


def _end_child(conn: Connection, tasks: ParallelTasks) -> None:
    """Close this side's end of the pipe (a child still waiting on it stops) and join the child."""
    conn.close()
    # EOFError: ``join`` has stopped the child's process, which ended without a word.
    with contextlib.suppress(EOFError):
        tasks.join()


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
    bookmarks, sections = _combined(theirs, mine) if child else _combined(mine, theirs)
    number_references(references, sections)
    return start(tree, bookmarks)


def _child_part(
    builder: Any, plan: PartPlan, start: Start, install: Install, conn: Connection, other_end: Connection
) -> None:
    """In the child: assemble and translate the chapters of ``plan.tail``, then hand them over
    (:func:`_finish_tail`)."""
    other_end.close()
    try:
        tree = take_doctree(builder.env, builder.config.root_doc)
        _prune(tree, plan.steps)
        started = _prepared_part(builder, tree, plan.head, None, conn, start, child=True)
        if started is None:  # the parent gave up
            return
        document, context, translator = started
        split = Split(_path(tree, len(plan.steps) - 1), 0)
        result = _translate_tail(translator, context, split)
        try:
            _finish_tail(document, translator, result, conn, install)
        except (EOFError, BrokenPipeError):  # the parent does not use this part
            return
    finally:
        conn.close()


def translate_in_parts(
    builder: Any,
    plan: PartPlan,
    start: Start,
    install: Install,
    unresolved: list[nodes.Node] | None = None,
) -> PartsTranslated | None:
    """Assemble and translate the manual, the documents of ``plan.tail`` in a forked child.

    ``install`` puts a translated body into its Word document: this side's once translated, the
    child's before it sends its blocks.  ``unresolved`` receives the nodes of this side's tree
    before resolution (see ``manualkit.builders.doctrees.assemble_manual``).  The caller writes
    the document with the child's part (:class:`ChildPart`) and closes that.  None: the child's
    part could not be used (see the module's docstring); nothing of this attempt is left for the
    caller, which then assembles and translates the manual serially.
    """
    here, there = multiprocessing.Pipe()
    tasks = ParallelTasks(1)
    # The caller settled the flowcharts first (``GraphRenderer.settle``): both sides have every
    # chart the environment knew of, and no thread runs at the fork.
    tasks.add_task(lambda: _child_part(builder, plan, start, install, there, here))
    there.close()
    marks: dict[str, Any] = {}
    handed_over = False
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
        section = install(document, translator)
        try:
            result: TailResult = here.recv()
        except (EOFError, OSError):  # the child ended without a word (killed: out of memory?)
            return None
        if not (
            marks.get("clean")
            and marks.get("state") == result.state
            and result.opens_with_chapter
            and result.assumed_chapters is not None
            and result.assumed_chapters == translator.heading_counter.chapters
            and _ends_contents(translator, context)
        ):
            translator.release()
            return None
        here.send(adopt_tail(context, result))
        handed_over = True
        return PartsTranslated(
            tree, document, context, translator, section, ChildPart(here, tasks, result.chapter_titles)
        )
    finally:
        if not handed_over:
            _end_child(here, tasks)


def _parser() -> etree.XMLParser:
    """python-docx's element classes, blank text kept (a ``w:t`` of spaces is text)."""
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    parser.set_element_class_lookup(element_class_lookup)
    return parser


def _ends_contents(translator: DocxTranslatorBase, context: RenderContext) -> bool:
    """Whether the section of the contents (the section before the first chapter) ends in this
    side's part: at a chapter of its own (a Heading 1 has its entry in ``chapter_numbers``), or
    in its last paragraph, before the child's first."""
    body = translator.body
    return bool(context.chapter_numbers) or holds_section_break(body[-1] if len(body) else None)


def adopt_tail(context: RenderContext, result: TailResult) -> Renumbering:
    """Take into this document what the child's part uses besides its blocks, after this side's
    own: its relationships, list instances and footnotes, its contents entries and counts.
    Return how the child renumbers its blocks to match."""
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
    numbering = Renumbering(
        rel_ids=rel_ids,
        bookmarks=context._next_bookmark_id - result.bookmark_base,
        drawings=context._next_drawing_id - result.drawing_base,
        nums=context.numbering.next_id - result.num_base,
        num_base=result.num_base,
        footnotes=context.footnotes.count - result.footnote_base,
    )
    instances = [etree.fromstring(xml, parser) for xml in result.nums]
    _shift(instances, w("numId"), numbering.nums)
    context.numbering.adopt(instances)
    if result.footnotes:
        root = context.footnotes.ensure_part()
        notes = [etree.fromstring(xml, parser) for xml in result.footnotes]
        _shift(notes, _ID, numbering.footnotes)
        root.extend(notes)
    context._next_bookmark_id += result.bookmarks_used
    context._next_drawing_id += result.drawings_used
    context.toc.extend(result.toc)
    context.chapter_numbers.extend(result.chapter_numbers)
    context.stats.add(result.stats)
    return numbering


def _shift(elements: Iterable[Element], attribute: str, by: int, *, from_value: int = 0) -> None:
    """Add ``by`` to the numeric ``attribute`` of each element, where it is ``from_value`` or more."""
    for element in elements:
        value = int(element.get(attribute, "0"))
        if value >= from_value:
            element.set(attribute, str(value + by))
