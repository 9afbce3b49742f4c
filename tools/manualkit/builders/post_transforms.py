"""Resolve an assembled manual without the post-transforms that have nothing to do in it.

The PDF and DOCX builders resolve one tree holding every chapter.  Sphinx applies each of its
post-transforms to it, and most of them walk the whole tree looking for nodes of one kind:
code blocks (highlighting, doctest flags), images to convert, C/C++ aliases, API descriptions
and their signature elements, ``only`` blocks.  A bank's manual has none of these, and each
walk costs: over the 10× manual's DOCX write phase (2.8 s), those walks took ~0.75 s.  So the
tree's node classes are collected in one walk, and a transform listed in :data:`ACTS_ON` runs
only when a node it acts on is present: a source that does use a code block or an image gets
every transform exactly as before.  Transforms not listed (manualkit's own, reference
resolution) always run.  The list is Sphinx's own code read transform by transform: each one's
``apply``/``run`` does nothing unless ``findall`` finds a node of the listed classes.

MyST's resolver runs before Sphinx's and walks the whole tree again, but changes only the
cross-references MyST made of ``[text](target)`` links (``reftype`` "myst"): the manual's
cross-references are ``{ref}`` and manualkit's roles, so it runs only where the same walk
found one of those (10× manual: 0.02 s of each writing process).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from docutils import nodes
from myst_parser.sphinx_ext.myst_refs import MystReferenceResolver
from sphinx import addnodes
from sphinx.domains.c import AliasNode as CAliasNode
from sphinx.domains.c import AliasTransform as CAliasTransform
from sphinx.domains.cpp import AliasNode as CppAliasNode
from sphinx.domains.cpp import AliasTransform as CppAliasTransform
from sphinx.transforms.post_transforms import (
    OnlyNodeTransform,
    PropagateDescDomain,
    SigElementFallbackTransform,
)
from sphinx.transforms.post_transforms.code import HighlightLanguageTransform, TrimDoctestFlagsTransform
from sphinx.transforms.post_transforms.images import BaseImageConverter

#: Post-transform class -> the node classes without which it does nothing (subclasses included).
ACTS_ON: dict[type[Any], tuple[type[nodes.Node], ...]] = {
    HighlightLanguageTransform: (nodes.literal_block, addnodes.highlightlang),
    TrimDoctestFlagsTransform: (nodes.literal_block, nodes.doctest_block),
    BaseImageConverter: (nodes.image,),
    CAliasTransform: (CAliasNode,),
    CppAliasTransform: (CppAliasNode,),
    PropagateDescDomain: (addnodes.desc_signature,),
    OnlyNodeTransform: (addnodes.only,),
    SigElementFallbackTransform: (addnodes.desc_sig_element, addnodes.desc_inline),
}


def has_work(transform: type[Any], present: set[type[nodes.Node]]) -> bool:
    """Whether ``transform`` may change a tree whose node classes are ``present``."""
    for owner, acts_on in ACTS_ON.items():
        if issubclass(transform, owner):
            return any(issubclass(cls, acts_on) for cls in present)
    return True


def needed(
    transforms: Iterable[type[Any]], present: set[type[nodes.Node]], myst_references: bool = True
) -> list[type[Any]]:
    """The ``transforms`` that may change a tree of ``present`` node classes; ``myst_references``:
    whether it holds a cross-reference of MyST's own (``reftype`` "myst")."""
    return [
        transform
        for transform in transforms
        if has_work(transform, present) and (myst_references or transform is not MystReferenceResolver)
    ]


def tree_contents(tree: nodes.Node) -> tuple[set[type[nodes.Node]], bool]:
    """Every node class of ``tree``, and whether it may hold a MyST cross-reference, in one walk.

    A subclass of ``pending_xref`` (another extension's) counts as one: MyST's resolver finds
    those too.
    """
    found: set[type[nodes.Node]] = set()
    myst = False
    pending_xref = addnodes.pending_xref
    stack: list[nodes.Node] = [tree]
    while stack:
        node = stack.pop()
        cls = type(node)
        found.add(cls)
        if cls is pending_xref and node.get("reftype") == "myst":
            myst = True
        children = node.children
        if children:
            stack.extend(children)
    subclassed = any(issubclass(cls, pending_xref) and cls is not pending_xref for cls in found)
    return found, myst or subclassed


@contextlib.contextmanager
def only_post_transforms_with_work(app: Any, tree: nodes.Node) -> Iterator[None]:
    """Within the block, Sphinx's post-transforms for ``tree`` are those that have work in it.

    Sphinx's ``BuildEnvironment.apply_post_transforms`` takes its list from
    ``app.registry.get_post_transforms()``; the registry's method is shadowed on the instance
    for the duration of the block, so the resolution itself stays Sphinx's own code.
    """
    registry = app.registry
    present, myst_references = tree_contents(tree)
    transforms = needed(registry.get_post_transforms(), present, myst_references)
    registry.get_post_transforms = lambda: transforms
    try:
        yield
    finally:
        del registry.get_post_transforms
