"""Walking a whole doctree fast, in document order.

docutils' ``Node.findall`` is a generator per tree level with a condition call per node: on the
assembled 10× manual (~80,000 nodes) one ``findall`` took 0.06–0.18 s, and the PDF and DOCX
builds walk that tree several times.  An explicit stack visits the same nodes in the same
order in a third to a half of that time.
"""

from __future__ import annotations

from collections.abc import Iterator

from docutils import nodes


def walk(tree: nodes.Node) -> Iterator[nodes.Node]:
    """Every node of ``tree``, ``tree`` first, in the order of ``tree.findall()``."""
    stack: list[nodes.Node] = [tree]
    pop = stack.pop
    extend = stack.extend
    while stack:
        node = pop()
        yield node
        children = node.children  # () for Text nodes
        if children:
            extend(reversed(children))


def node_classes(tree: nodes.Node) -> set[type[nodes.Node]]:
    """Every node class that occurs in ``tree`` (order does not matter: no generator needed)."""
    found: set[type[nodes.Node]] = set()
    stack: list[nodes.Node] = [tree]
    while stack:
        node = stack.pop()
        found.add(type(node))
        children = node.children
        if children:
            stack.extend(children)
    return found
