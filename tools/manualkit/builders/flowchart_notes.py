"""The flowcharts of each document, noted in the Sphinx environment as the document is read.

Why: the DOCX builder draws every flowchart as a PNG (``dot``, 50–100 ms each) and wants them
drawn before it translates.  After a serial read it starts each chart as its document is read
(``doctree-read``); parallel readers are forked processes, whose threads would end with them
and whose findings reach the builder only through the environment they send back.  So the DOT
sources are kept in the environment, as Sphinx's own collectors keep titles and TOCs, and the
builder starts a reader's charts as its documents are merged (``env-merge-info``).
"""

from __future__ import annotations

from collections.abc import Iterator, Set

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.ext.graphviz import graphviz

from manualkit.doctree_walk import walk

#: Environment attribute: each document's flowcharts (DOT sources), noted as it is read.
FLOWCHARTS_ATTR = "manualkit_flowcharts"


class FlowchartCollector(EnvironmentCollector):
    """Notes the DOT source of every flowchart of a document, in the environment.

    Parallel readers are forked processes: what they read reaches the builder only through the
    environment they send back, and the DOCX builder wants the charts drawn before it writes.
    """

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        getattr(env, FLOWCHARTS_ATTR, {}).pop(docname, None)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: Set[str], other: BuildEnvironment
    ) -> None:
        known = _flowcharts_of(env)
        theirs: dict[str, list[str]] = getattr(other, FLOWCHARTS_ATTR, {})
        for docname in docnames:
            if docname in theirs:
                known[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        if app.builder.name != "docx":
            return
        codes = flowchart_codes(doctree)
        if codes:
            _flowcharts_of(app.env)[app.env.docname] = codes


def flowchart_codes(tree: nodes.Node) -> list[str]:
    """The DOT source of every flowchart in ``tree``, in document order."""
    return [node["code"] for node in walk(tree) if isinstance(node, graphviz)]


def _flowcharts_of(env: BuildEnvironment) -> dict[str, list[str]]:
    known: dict[str, list[str]] | None = getattr(env, FLOWCHARTS_ATTR, None)
    if known is None:
        known = {}
        setattr(env, FLOWCHARTS_ATTR, known)
    return known


def reading_order(env: BuildEnvironment, root: str) -> list[str]:
    """The documents in the order the toctrees include them, from ``root``."""
    order: list[str] = []
    seen: set[str] = set()
    stack = [root]
    while stack:
        docname = stack.pop()
        if docname in seen:
            continue
        seen.add(docname)
        order.append(docname)
        stack.extend(reversed(env.toctree_includes.get(docname, [])))
    return order


def noted_flowcharts_of(env: BuildEnvironment, docname: str) -> list[str]:
    """The DOT sources noted in ``env`` for ``docname``, in document order."""
    known: dict[str, list[str]] = getattr(env, FLOWCHARTS_ATTR, {})
    return known.get(docname, [])


def noted_flowcharts(env: BuildEnvironment, root: str) -> Iterator[str]:
    """The DOT sources noted in ``env``, documents in reading order from ``root``."""
    for docname in reading_order(env, root):
        yield from noted_flowcharts_of(env, docname)
