"""The single-file builders' doctrees: the one assembled manual, and letting go of the rest.

:func:`assemble_manual` builds the one tree the PDF and DOCX builders write: the root document
with every toctree replaced by the documents it lists, references resolved.

Sphinx keeps every doctree it read in this run (``env._write_doc_doctree_cache``) until a
builder asks for it by name in ``get_and_resolve_doctree``, which takes it out of the cache
instead of unpickling it again.  :func:`take_doctree` does the same for the assembly, so a
manual read in this process is not unpickled again (the real manual's DOCX assembly: 0.07 →
0.04 s); trees read by parallel readers or an earlier run still come from the pickles (0.19 s
at 10×).  :func:`forget_read_doctrees` then drops those the assembly did not take (documents
outside every toctree), which would otherwise stay in memory until the end of the build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import LoggingReporter

from manualkit.builders.post_transforms import only_post_transforms_with_work
from manualkit.doctree_walk import walk
from manualkit.node_classes import SECTION_NUMBER_CLASS

logger = logging.getLogger(__name__)


def forget_read_doctrees(env: Any) -> None:
    """Clear Sphinx's cache of this run's read doctrees (private: a later Sphinx may lack it)."""
    cache = getattr(env, "_write_doc_doctree_cache", None)
    if isinstance(cache, dict):
        cache.clear()


def take_doctree(env: Any, docname: str) -> nodes.document:
    """``docname``'s doctree as this run read it, else unpickled from the environment.

    As ``BuildEnvironment.get_and_resolve_doctree``: the tree read in this process is taken out
    of Sphinx's cache (private, hence the guard), so it is nobody else's once returned.  Trees
    read by parallel readers, or in an earlier run, are not in it and come from the pickles.
    """
    cache = getattr(env, "_write_doc_doctree_cache", None)
    doctree = cache.pop(docname, None) if isinstance(cache, dict) else None
    if not isinstance(doctree, nodes.document):
        return env.get_doctree(docname)  # type: ignore[no-any-return]
    doctree.settings.env = env
    doctree.reporter = LoggingReporter(str(env.doc2path(docname)))
    return doctree


def peek_doctree(env: Any, docname: str) -> nodes.document:
    """``docname``'s doctree to look at, left where it is (:func:`take_doctree` takes it)."""
    cache = getattr(env, "_write_doc_doctree_cache", None)
    doctree = cache.get(docname) if isinstance(cache, dict) else None
    if isinstance(doctree, nodes.document):
        return doctree
    return env.get_doctree(docname)  # type: ignore[no-any-return]


def assemble_manual(builder: Any, unresolved: list[nodes.Node] | None = None) -> nodes.document:
    """The root doctree with every toctree replaced by the documents it lists, resolved.

    As Sphinx's ``SingleFileHTMLBuilder.assemble_doctree``, with two savings that leave the tree
    the same: no deep copy of each document (see :func:`inline_toctrees`), and no post-transform
    that has nothing to do in it (see :mod:`manualkit.builders.post_transforms`).

    ``unresolved``, when given, receives every node of the tree before the references are
    resolved, and the documents the chapters came from: resolving detaches nodes (a
    cross-reference's original content, filtered messages) that only these still reach, for a
    builder that breaks up the tree once written (see ``manualkit.builders.docx.dismantle``).
    """
    env = builder.env
    root = builder.config.root_doc
    tree = take_doctree(env, root)
    assemble_part(builder, tree, unresolved)
    number_section_references(tree, root, env.toc_secnumbers)
    return tree


def assemble_part(
    builder: Any,
    tree: nodes.document,
    unresolved: list[nodes.Node] | None = None,
    leave_out: Collection[str] = (),
) -> None:
    """Inline the documents ``tree`` (the root doctree) lists, except ``leave_out``; resolve it.

    :func:`assemble_manual` without the section numbers of the references, for a builder that
    assembles the manual in two parts (``manualkit.writers.docx.parallel``): each process leaves
    out the other's documents, and the numbers need the sections of both parts
    (:func:`scan_sections`).
    """
    env = builder.env
    root = builder.config.root_doc
    inline_toctrees(env, tree, root, [root], unresolved, leave_out)
    forget_read_doctrees(env)
    tree["docname"] = root
    if unresolved is not None:
        unresolved.extend(walk(tree))
    with only_post_transforms_with_work(builder.app, tree):
        env.resolve_references(tree, root, builder)


@dataclasses.dataclass
class SectionNumbers:
    """The numbered sections of a manual's tree (or part of it), as references cite them."""

    #: (document, id) → (number "4.2", title) of every id of a numbered section.
    numbered: dict[tuple[str, str], tuple[str, str]] = dataclasses.field(default_factory=dict)
    #: document → the id of its first section.
    first: dict[str, str] = dataclasses.field(default_factory=dict)

    def extend(self, later: SectionNumbers) -> None:
        """Add the sections of a part that comes after this one in the manual."""
        for key, value in later.numbered.items():
            self.numbered.setdefault(key, value)
        for docname, node_id in later.first.items():
            self.first.setdefault(docname, node_id)


#: A reference of the tree and the document it is in.
Reference = tuple[nodes.reference, str]
#: An element with ids: its document, whether it is a section, and the ids.
IdEntry = tuple[str, bool, tuple[str, ...]]


def number_section_references(
    tree: nodes.document, root: str, secnumbers: dict[str, dict[str, tuple[int, ...]]]
) -> None:
    """ "见“服务监督与培训机制”" prints as "见“7.5 服务监督与培训机制”" (PDF and DOCX).

    On paper a link cannot be followed: a reader needs the section's number to find it, and the
    manual's own rules for citing it ask for number and title.  Only a link that shows its
    section's title gets the number; links with text of their own stay as written.  Links are
    ``#document-DOC#id``, ``#document-DOC`` (its first section) or ``#id`` / ``refid`` (same
    document), as the print builders' ``get_target_uri`` makes them.  The number is an inline of
    class ``SECTION_NUMBER_CLASS``: the DOCX makes it a field that follows the headings' numbering
    when a writer inserts a section in Word (the PDF's text is the same).
    """
    numbers, references = scan_sections(tree, root, secnumbers)
    number_references(references, numbers)


def scan_sections(
    tree: nodes.document,
    root: str,
    secnumbers: dict[str, dict[str, tuple[int, ...]]],
    ids: list[IdEntry] | None = None,
) -> tuple[SectionNumbers, list[Reference]]:
    """The numbered sections of ``tree`` and its references, in one walk.

    ``ids``, when given, receives every element that has ids, in document order, with its
    document and whether it is a section (what Word bookmarks are named from): the DOCX writer
    that assembles the manual in two parts needs both, and one walk of half a 10× manual costs
    about 0.05 s.
    """
    numbers = SectionNumbers()
    numbered, first = numbers.numbered, numbers.first
    references: list[Reference] = []
    element, section, start_of_file = nodes.Element, nodes.section, addnodes.start_of_file
    stack: list[tuple[nodes.Node, str]] = [(tree, root)]
    while stack:
        node, docname = stack.pop()
        if not isinstance(node, element):
            continue
        if isinstance(node, start_of_file):
            docname = node["docname"]
        node_ids = node.attributes.get("ids")
        if ids is not None and node_ids:
            ids.append((docname, isinstance(node, section), tuple(node_ids)))
        if isinstance(node, section) and node_ids:
            numbers_of_doc = secnumbers.get(docname, {})
            number = numbers_of_doc.get("#" + node_ids[0])
            if number is None and docname not in first:
                number = numbers_of_doc.get("")  # Sphinx keys a document's first section by ""
            first.setdefault(docname, node_ids[0])
            title = node.children[0] if node.children else None
            if number and isinstance(title, nodes.title):
                for node_id in node_ids:
                    numbered[docname, node_id] = (".".join(map(str, number)), title.astext())
        elif isinstance(node, nodes.reference):
            references.append((node, docname))
        children = node.children
        if children:
            stack.extend([(child, docname) for child in reversed(children)])
    return numbers, references


def number_references(references: list[Reference], numbers: SectionNumbers) -> None:
    """Put the section number in front of each reference that shows its section's title."""
    numbered, first = numbers.numbered, numbers.first
    for reference, docname in references:
        target = numbered.get(_reference_target(reference, docname, first) or ("", ""))
        if target is not None and reference.astext() == target[1]:
            number = nodes.inline(target[0], target[0], classes=[SECTION_NUMBER_CLASS])
            reference[0:0] = [number, nodes.Text(" ")]


def _reference_target(
    reference: nodes.reference, docname: str, first: dict[str, str]
) -> tuple[str, str] | None:
    """(document, id) an internal reference points at, None for an external one."""
    if reference.get("refid"):
        return docname, str(reference["refid"])
    target = local_target(str(reference.get("refuri", "")))
    if target is None:
        return None
    target_doc, node_id = target
    if node_id is None:
        return (target_doc, first[target_doc]) if target_doc in first else None
    return target_doc or docname, node_id


def local_target(refuri: str) -> tuple[str | None, str | None] | None:
    """Where an in-manual link of the print builders points: (document, id).

    ``#document-DOC#id`` → (DOC, id); ``#document-DOC`` → (DOC, None: its start); ``#id`` →
    (None: the linking document, id); anything else (a web address) → None.
    """
    if not refuri.startswith("#"):
        return None
    parts = refuri[1:].split("#")
    if parts[0].startswith("document-"):
        target_doc = parts[0][len("document-") :]
        return target_doc, parts[1] if len(parts) > 1 and parts[1] else None
    return None, parts[0]


def inline_toctrees(
    env: Any,
    tree: nodes.document,
    docname: str,
    traversed: list[str],
    documents: list[nodes.Node] | None = None,
    leave_out: Collection[str] = (),
) -> None:
    """``sphinx.util.nodes.inline_all_toctrees`` without its deep copy of every document.

    :func:`take_doctree` hands over a tree nobody else holds, so copying it again (what the
    Sphinx helper does, for builders that keep trees around) only doubled the assembly time.
    Documents in ``leave_out`` are not included (nor anything they include).
    """
    for toctree in [node for node in walk(tree) if isinstance(node, addnodes.toctree)]:
        included: list[nodes.Node] = []
        for include in map(str, toctree["includefiles"]):
            if include in traversed or include in leave_out:
                continue
            traversed.append(include)
            try:
                subtree = take_doctree(env, include)
            except OSError:
                logger.warning(
                    "toctree contains ref to nonexisting file %r",
                    include,
                    location=docname,
                    type="toc",
                    subtype="not_readable",
                )
                continue
            if documents is not None:
                documents.append(subtree)
            inline_toctrees(env, subtree, include, traversed, documents, leave_out)
            start = addnodes.start_of_file(docname=include)
            # As Sphinx does: the children keep their own document as parent, so source
            # locations in warnings still name the chapter file.
            start.children = subtree.children
            for section in walk(start):
                if isinstance(section, nodes.section) and "docname" not in section:
                    section["docname"] = include
            included.append(start)
        toctree.parent.replace(toctree, included)


__all__ = [
    "IdEntry",
    "Reference",
    "SectionNumbers",
    "assemble_manual",
    "assemble_part",
    "forget_read_doctrees",
    "inline_toctrees",
    "local_target",
    "number_references",
    "number_section_references",
    "peek_doctree",
    "scan_sections",
    "take_doctree",
]
