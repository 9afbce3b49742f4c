"""Cut the print doctree into parts that can be typeset independently.

Why only at these places: a part is typeset as a document of its own, so it always begins on a new
page.  The cuts are therefore made only where the print layout starts a new page anyway — before a
chapter (``mk-chapter``), before the section holding the form appendices, and before a form
appendix that does not directly follow that section's heading (print.css).  The PDF assembled from
the parts has the same pages as one document would have.

A cut inside a chapter (between two form appendices) keeps the structure around the second part:
its enclosing sections are repeated as empty wrappers (same classes, no ids, no title), so the
headings keep their level and the print CSS its selectors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from docutils import nodes

#: Classes of sections that start a new page in print.css.
_PAGE_STARTING = frozenset({"mk-chapter", "mk-form-appendices", "mk-form-appendix"})


@dataclasses.dataclass
class BodyPart:
    """Consecutive top-level nodes of the print doctree, typeset as one document."""

    nodes: list[nodes.Node]
    #: The running header (``string(chapter)``) at the part's first page.
    chapter: str
    #: Characters of text: the measure used to balance parts between the workers.
    size: int


def split_print_tree(tree: nodes.document, max_size: int, min_parts: int) -> list[BodyPart]:
    """Remove the body from ``tree`` and return it as parts, in document order.

    Units between two cuts are grouped greedily: a part is closed once it holds about
    ``total / min_parts`` characters, and never grows past ``max_size`` unless a single unit is
    larger (a part cannot be cut where the layout has no page break).
    """
    _repair_parents(tree)
    cuts = [section for section in tree.findall(nodes.section) if _starts_page(section)]
    headers = {id(section): running_header(section) for section in cuts}
    units: list[tuple[list[nodes.Node], str]] = []
    for section in reversed(cuts):
        units.append((cut_before(tree, section), headers[id(section)]))
    rest = list(tree.children)
    tree.clear()
    if rest:
        units.append((rest, ""))
    units.reverse()
    sized = [(unit, header, sum(len(node.astext()) for node in unit)) for unit, header in units if unit]
    total = sum(size for *_, size in sized)
    budget = max(1, min(max_size, -(-total // max(1, min_parts))))
    parts: list[BodyPart] = []
    for unit, header, size in sized:
        if parts and parts[-1].size + size <= budget:
            parts[-1].nodes.extend(unit)
            parts[-1].size += size
        else:
            parts.append(BodyPart(list(unit), header, size))
    return parts


def cut_before(tree: nodes.Element, node: nodes.Element) -> list[nodes.Node]:
    """Detach ``node``, everything after it, and copies of its ancestors holding those.

    Returns the new top-level nodes; ``tree`` keeps everything before ``node``.
    """
    parent = node.parent
    carried: list[nodes.Node] = _detach_from(parent, node)
    while parent is not tree:
        wrapper = parent.copy()
        for attribute in ("ids", "names", "dupnames", "backrefs"):
            if attribute in wrapper:
                wrapper[attribute] = []
        wrapper.extend(carried)
        grand = parent.parent
        carried = [wrapper, *_detach_from(grand, parent, include=False)]
        parent = grand
    return carried


def _repair_parents(tree: nodes.Element) -> None:
    """Point every node at the element that really holds it.

    Sphinx's ``inline_all_toctrees`` gives each ``start_of_file`` the children of the included
    document by assigning the list, so those still name the included document as their parent.
    Cutting walks up the parents, so they must be right.
    """
    stack: list[nodes.Element] = [tree]
    while stack:
        element = stack.pop()
        for child in element.children:
            child.parent = element
            if isinstance(child, nodes.Element):
                stack.append(child)


def _detach_from(parent: nodes.Element, child: nodes.Node, include: bool = True) -> list[nodes.Node]:
    """Remove and return ``child`` (if ``include``) and its following siblings."""
    start = parent.index(child) + (0 if include else 1)
    moved = list(parent.children[start:])
    del parent.children[start:]
    return moved


def _starts_page(section: nodes.section) -> bool:
    classes = set(section["classes"])
    if not classes & _PAGE_STARTING:
        return False
    if "mk-form-appendix" in classes and not classes & {"mk-chapter", "mk-form-appendices"}:
        # Directly after the appendices' heading the first form shares its page (print.css).
        parent = section.parent
        if isinstance(parent, nodes.section) and "mk-form-appendices" in parent["classes"]:
            position = parent.index(section)
            if position > 0 and isinstance(parent[position - 1], nodes.title):
                return False
    return True


def running_header(section: nodes.Element) -> str:
    """The chapter title as print.css's ``string(chapter)`` shows it: "8 附则与附件"."""
    chapter: nodes.Element | None = None
    for ancestor in _self_and_ancestors(section):
        if isinstance(ancestor, nodes.section) and "mk-chapter" in ancestor["classes"]:
            chapter = ancestor
    if chapter is None:
        return ""
    title = chapter.next_node(nodes.title)
    if title is None or title.parent is not chapter:
        return ""
    number = ".".join(str(part) for part in title.get("secnumber", ()))
    return f"{number} {title.astext()}" if number else title.astext()


def _self_and_ancestors(node: nodes.Node | None) -> Iterator[nodes.Node]:
    while node is not None:
        yield node
        node = node.parent


def anchors_of(parts: Sequence[BodyPart]) -> frozenset[str]:
    """Every id of the body (the anchors links may point at)."""
    return frozenset(
        node_id
        for part in parts
        for top in part.nodes
        if isinstance(top, nodes.Element)
        for element in top.findall(nodes.Element)
        for node_id in element["ids"]
    )


__all__ = ["BodyPart", "anchors_of", "cut_before", "running_header", "split_print_tree"]
