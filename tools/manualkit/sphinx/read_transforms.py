"""Read each document without the transforms that have nothing to do in it.

After a document is parsed, docutils and Sphinx apply some fifty transforms to it, and many of
them walk the whole tree looking for nodes of one kind: substitutions, doctest and glossary
blocks, index entries, citations, footnotes, transitions.  A bank's manual has none of these,
and over the 10× manual's read (72 documents, ~96,000 nodes) each of those walks cost ~30 ms,
the footnote one ~100 ms.  As :mod:`manualkit.builders.post_transforms` does for the write
phase, the document's node classes are collected in one walk, and a transform listed in
:data:`ACTS_ON` is dropped from the document's queue when no node it acts on can be there
when it would run.  A chapter that does use a footnote or a transition gets every transform
exactly as before; a transform not listed always runs.

**When the classes are collected.**  :class:`DropIdleTransforms` is itself a read transform
(registered with ``app.add_transform``, Sphinx's extension point for read transforms), at
priority 205: after i18n's ``Locale`` (20), which can put any node into a translated document,
and before the first transform it may drop (210).  It edits the queue of its own document's
transformer (``document.transformer.transforms``, docutils' documented list of the transforms
still to apply, which transforms extend with ``add_pending`` too): nothing global is patched,
so Sphinx's parallel read (forked readers, each reading with its own documents' transformers)
needs nothing more.  (A transformer or reader of our own is not an option: ``sphinx.io``
creates both itself, with no setting or registry entry to substitute them.)
``PreserveTranslatableMessages`` (10) runs before ``Locale`` and is not dropped; collecting the
classes a second time for it would cost what it saves.

**Nodes added after that.**  A node a dropped transform acts on may still appear before it
runs, added by a transform in between: MyST's ``CollectFootnotes`` (623) appends a
``transition``, substitutions copy in whatever their definitions hold, ``target-notes`` makes
footnotes.  So the queue is followed in the order it will run, with the classes that may be
present by then: a transform that runs adds the classes :data:`MAY_ADD` lists for it, and a
transform listed in neither table (manualkit's later ones, ``doctree-read``'s handlers, any
other extension's), a pending transform (a directive's: ``contents``, ``target-notes``, …) or
one listed with ``None`` may add anything, after which nothing more is dropped.  Two listed
ones may too, in some documents (:func:`add_anything`): docutils' ``DocInfo`` (340) parses an
author written "E. Xampl" (a one-line enumerated list) again, as reStructuredText; and
``IndirectHyperlinks`` (460) calls the reference resolvers, when one is installed.  Footnotes
count as present when the document's footnote registries hold one, even outside its tree
(MyST's ``CollectFootnotes`` reads the registries).  Both tables name exact classes: a
subclass of a listed transform may do more, and is treated as unlisted.

Both tables are Sphinx 8.2's, docutils 0.21's and MyST 5.2's code read transform by transform
(the versions constraints.txt pins): each ``ACTS_ON`` transform's ``apply`` changes nothing, sets
no document attribute, warns nothing and leaves the environment alone unless it finds a node of
the listed classes (one exception, ``SphinxDanglingReferences``'s unprinted INFO messages, is
explained below); each ``MAY_ADD`` entry names every node class the transform can insert.

=================================  ====  ==========================================================
transform (ACTS_ON)                prio  why idle without the listed nodes
=================================  ====  ==========================================================
``DefaultSubstitutions``           210   loops ``findall(substitution_reference)``
``HandleCodeBlocks``               210   loops ``findall(block_quote)`` (an empty one is unwrapped,
                                         so it is the block quote, not the doctest block, that counts)
``AutoIndexUpgrader``              210   loops ``findall(addnodes.index)``
``Substitutions`` (docutils)       220   loops ``findall(substitution_reference)`` (nested ones only
                                         come from a copied definition, so from a reference)
``DoctestTransform``               500   loops ``findall(doctest_block)``
``GlossarySorter``                 500   loops ``findall(addnodes.glossary)``
``CitationDefinitionTransform``    619   loops ``findall(citation)``
``CitationReferenceTransform``     619   loops ``findall(citation_reference)``
``CollectFootnotes`` (MyST)        623   loops the document's footnote registries (see above)
``FootnoteDocnameUpdater``         700   loops ``findall`` of ``footnote``, ``footnote_reference``
``Transitions`` (docutils)         830   loops ``findall(transition)``
``SphinxDanglingReferences``       850   visits every node for a ``reference``,
                                         ``footnote_reference`` or ``citation_reference`` with a
                                         ``refname`` (one no earlier transform resolved); see below
=================================  ====  ==========================================================

**Attributes.**  A reference carries ``refname`` only while it is unresolved, and MyST writes
one only for a footnote: its links are ``refuri`` or cross-references.  So
``SphinxDanglingReferences`` is listed with the attribute, not the class (a :data:`Carried`
feature), and the walk that collects the classes notes which nodes of those class names carry
it.  A :data:`MAY_ADD` class stands for nodes added *without* that attribute: each entry adding
a reference was read for it (``ResolveSectionRefs`` links by ``refid``, ``Decorations`` by
``refuri``), and the transforms in between only ever delete ``refname`` (``ExternalTargets``,
``InternalTargets``, …).  Without such a reference the transform's one remaining act is filing
an INFO message per target no reference names ("Hyperlink target … is not referenced") in
``document.transform_messages``: docutils' ``Messages`` transform would print those, Sphinx's
reader does not run it, and nothing else reads them.  That list is the one difference a dropped
transform leaves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from docutils import nodes
from docutils.transforms import Transform, frontmatter, misc, references, universal
from myst_parser.mdit_to_docutils import transforms as myst
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.latex.transforms import FootnoteDocnameUpdater
from sphinx.domains.citation import CitationDefinitionTransform, CitationReferenceTransform
from sphinx.transforms import (
    AutoIndexUpgrader,
    AutoNumbering,
    DefaultSubstitutions,
    DoctestTransform,
    GlossarySorter,
    HandleCodeBlocks,
    MoveModuleTargets,
    ReorderConsecutiveTargetAndIndexNodes,
    SortIds,
    SphinxSmartQuotes,
    SphinxTransform,
)
from sphinx.transforms.references import SphinxDanglingReferences

from manualkit.doctree_walk import node_classes
from manualkit.sphinx.label_columns import MarkShortLabelColumns
from manualkit.sphinx.revision_markers import RevisionMarkers

#: The nodes docutils' ``DanglingReferencesVisitor`` looks at (by class name, as it dispatches).
_REFERENCE_CLASSES = ("reference", "footnote_reference", "citation_reference")

#: A node of a class of this name carrying this attribute: ``("reference", "refname")``.  By class
#: name, as docutils' visitors dispatch (``visit_reference`` for every class named so).
Carried = tuple[str, str]
#: What a transform may act on: a node class (its subclasses too), or a :data:`Carried` attribute.
Feature = type[nodes.Node] | Carried

#: Read transform -> the node classes (or attributes) without which it does nothing (exact
#: transform class: a subclass may do more).  Kept in the order the transforms run.
ACTS_ON: dict[type[Transform], tuple[Feature, ...]] = {
    DefaultSubstitutions: (nodes.substitution_reference,),
    HandleCodeBlocks: (nodes.block_quote,),
    AutoIndexUpgrader: (addnodes.index,),
    references.Substitutions: (nodes.substitution_reference,),
    DoctestTransform: (nodes.doctest_block,),
    GlossarySorter: (addnodes.glossary,),
    CitationDefinitionTransform: (nodes.citation,),
    CitationReferenceTransform: (nodes.citation_reference,),
    myst.CollectFootnotes: (nodes.footnote,),
    FootnoteDocnameUpdater: (nodes.footnote, nodes.footnote_reference),
    misc.Transitions: (nodes.transition,),
    SphinxDanglingReferences: tuple((name, "refname") for name in _REFERENCE_CLASSES),
}

#: Read transform that runs between :class:`DropIdleTransforms` and the last transform of
#: ``ACTS_ON`` -> every node class it can insert into the tree when it runs; ``None``: any.
#: (Reporter messages it only logs, or files in ``document.transform_messages``, are not in the
#: tree.)  Moving, reordering or removing nodes, or changing attributes, adds no class; none of
#: them adds a :data:`Carried` attribute of ``ACTS_ON`` (``refname``) to a node, old or new.
MAY_ADD: dict[type[Transform], tuple[type[nodes.Node], ...] | None] = {
    # --- the transforms of ACTS_ON, when they run
    DefaultSubstitutions: (nodes.Text,),
    HandleCodeBlocks: (),  # replaces a block quote by its children
    AutoIndexUpgrader: (),  # rewrites 4-tuple entries
    references.Substitutions: None,  # a copy of each definition's content; problematic nodes
    DoctestTransform: (),
    GlossarySorter: (),
    CitationDefinitionTransform: (),
    CitationReferenceTransform: (addnodes.pending_xref, nodes.inline, nodes.Text),
    myst.CollectFootnotes: (nodes.transition,),  # and moves the footnotes to the end
    FootnoteDocnameUpdater: (),
    misc.Transitions: (nodes.system_message, nodes.paragraph, nodes.Text),  # errors, in the tree
    # --- the transforms that always run in between (Sphinx's, docutils', MyST's, manualkit's)
    MoveModuleTargets: (),  # moves a module target's ids onto its section
    AutoNumbering: (),  # ids for numbered tables and figures
    ReorderConsecutiveTargetAndIndexNodes: (),
    references.PropagateTargets: (),
    SortIds: (),
    myst.PrioritiseExplicitIds: (),
    myst.ResolveSectionRefs: (nodes.reference,),  # its warning is not inserted (no append_to)
    frontmatter.DocTitle: (nodes.subtitle,),
    frontmatter.DocInfo: (
        nodes.docinfo,
        nodes.author,
        nodes.authors,
        nodes.organization,
        nodes.address,
        nodes.contact,
        nodes.version,
        nodes.revision,
        nodes.status,
        nodes.date,
        nodes.copyright,
        nodes.topic,
        nodes.title,
        nodes.paragraph,
        nodes.Text,
        nodes.system_message,  # warnings appended to a field body
    ),  # and any node, when it parses a field again: see add_anything
    frontmatter.SectionSubTitle: (nodes.subtitle,),
    references.AnonymousHyperlinks: (nodes.problematic, nodes.Text),
    references.IndirectHyperlinks: (nodes.problematic, nodes.Text),  # resolvers: see add_anything
    myst.SortFootnotes: (),  # sorts a registry
    references.Footnotes: (nodes.label, nodes.problematic, nodes.Text),
    myst.UnreferencedFootnotesDetector: (),  # warnings are logged, not inserted
    references.ExternalTargets: (),
    references.InternalTargets: (),
    MarkShortLabelColumns: (),  # a class on the table
    RevisionMarkers: (nodes.paragraph, nodes.Text),  # the "mk-revised" paragraph
    myst.AddSlugIds: (),
    universal.StripComments: (),
    SphinxSmartQuotes: (nodes.Text,),
    universal.Decorations: (
        nodes.decoration,
        nodes.header,
        nodes.footer,
        nodes.paragraph,
        nodes.reference,
        nodes.Text,
    ),
    universal.ExposeInternals: (),  # attributes "internal:…", with the expose_internals setting
}


def _watched() -> dict[str, tuple[str, ...]]:
    """Class name -> the attributes :data:`ACTS_ON` asks of its nodes."""
    watched: dict[str, tuple[str, ...]] = {}
    for features in ACTS_ON.values():
        for feature in features:
            if isinstance(feature, tuple):
                name, attribute = feature
                watched[name] = (*watched.get(name, ()), attribute)
    return watched


_WATCHED = _watched()


def present_features(document: nodes.document) -> set[Feature]:
    """The node classes of ``document``'s tree and of the footnotes its registries hold, and the
    :data:`Carried` attributes of :data:`ACTS_ON` that its nodes carry."""
    classes, carried = node_classes(document, _WATCHED)
    for registry in (document.footnotes, document.autofootnotes, document.symbol_footnotes):
        classes.update(type(footnote) for footnote in registry)
    return {*classes, *carried}


def add_anything(document: nodes.document) -> set[type[Transform]]:
    """The transforms of :data:`MAY_ADD` that may add any node to ``document``.

    ``DocInfo`` turns the field list that is the document's first body element into its
    ``docinfo``, and a bibliographic field whose body is an enumerated list on one line ("E.
    Xampl") it parses again as reStructuredText: roles, substitutions, footnote and citation
    references.  Before it runs, ``DocTitle`` (320, when ``doctitle_xform`` is on) may promote
    a lone section and then a lone subsection into the document, and ``HandleCodeBlocks``
    (210) unwrap a block quote, so every field list among the children of the document and of
    the sections two levels down counts, with an enumerated list anywhere in a field body.
    """
    found: set[type[Transform]] = set()
    if document.transformer.unknown_reference_resolvers:
        found.add(references.IndirectHyperlinks)
    parents: list[nodes.Element] = [document]
    for depth in range(3):
        children = [child for parent in parents for child in parent.children]
        if any(_enumerated_field(child) for child in children):
            found.add(frontmatter.DocInfo)
            break
        if depth < 2:
            parents = [child for child in children if isinstance(child, nodes.section)]
    return found


def _enumerated_field(node: nodes.Node) -> bool:
    """Whether ``node`` is a field list with an enumerated list in one of its fields' bodies."""
    return isinstance(node, nodes.field_list) and any(
        isinstance(child, nodes.enumerated_list)
        for field in node.children
        for body in field.children
        if isinstance(body, nodes.field_body)
        for child in body.children
    )


def _may_act(acts_on: tuple[Feature, ...], possible: set[Feature]) -> bool:
    """Whether a node (or attribute) a transform acts on may be there."""
    classes = tuple(feature for feature in acts_on if not isinstance(feature, tuple))
    if any(isinstance(feature, tuple) and feature in possible for feature in acts_on):
        return True
    return bool(classes) and any(
        not isinstance(feature, tuple) and issubclass(feature, classes) for feature in possible
    )


def idle(
    queue: Iterable[tuple[type[Transform], bool]],
    present: set[Feature],
    anything: Collection[type[Transform]] = (),
) -> list[int]:
    """Positions in ``queue`` of the transforms that can have nothing to do.

    ``queue`` is the transforms still to apply, in the order they will run, each with whether
    it is a pending transform; ``present`` the node classes of the document now, with the
    attributes its nodes carry (:func:`present_features`); ``anything`` the transforms that
    may add any node to it although :data:`MAY_ADD` lists classes.
    """
    possible = set(present)
    dropped: list[int] = []
    for position, (transform, pending) in enumerate(queue):
        acts_on = ACTS_ON.get(transform)
        if not pending and acts_on is not None and not _may_act(acts_on, possible):
            dropped.append(position)
            continue
        added = None if pending or transform in anything else MAY_ADD.get(transform)
        if added is None:
            break  # may add any node: the classes known here say nothing about what follows
        possible.update(added)
    return dropped


class DropIdleTransforms(SphinxTransform):
    """Take out of the document's queue the transforms of :data:`ACTS_ON` that have no work."""

    #: After i18n's Locale (20) and TranslationProgressTotaliser (25); before the 210 group.
    default_priority = 205

    def apply(self, **kwargs: Any) -> None:
        transformer = self.document.transformer
        queue = transformer.transforms
        if not transformer.sorted:  # as docutils' loop does: it pops the last entry first
            queue.sort(reverse=True)
            transformer.sorted = True
        order = [(transform, pending is not None) for _, transform, pending, _ in reversed(queue)]
        positions = idle(order, present_features(self.document), add_anything(self.document))
        dropped = {len(queue) - 1 - position for position in positions}
        if dropped:
            queue[:] = [entry for index, entry in enumerate(queue) if index not in dropped]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(DropIdleTransforms)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
