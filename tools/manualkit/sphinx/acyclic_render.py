"""MyST's rendering, with each markdown-it syntax tree taken apart once it has been rendered.

Why: MyST renders a token stream through a ``SyntaxTreeNode`` tree, whose every node points to
its parent and is held in its parent's list of children.  Each rendered tree (a chapter, and
again each directive's body: every form, checklist and table of the manual is such a body) is
therefore a reference cycle, with the tokens it holds; reference counting never frees it, only
Python's cyclic collector does.  Reading the 10× synthetic manual left 460,000 such objects
(``SyntaxTreeNode``, ``Token``, their lists) for the collector, and the one collection that found
them took 0.40 s of a 2.9 s serial read (``gc.callbacks``, ``gc.DEBUG_SAVEALL``).

Here the renderer unlinks every node from its parent when its tree is rendered, so the tree and
its tokens are freed at once, as ordinary objects: the collector has nothing to find, runs
less often (the garbage no longer counts towards its threshold) and the read's memory stays
flatter.  Nothing else changes: the tree is rendered exactly as MyST renders it (the same
method, :meth:`AcyclicSphinxRenderer._render_tokens`, for the whole document and for every
nested parse, since MyST's nested parses go through the document's own renderer), and only
afterwards taken apart — no rendering code can see the difference.

Where the renderer is chosen: MyST's ``MystParser.parse`` names ``SphinxRenderer`` itself, so
:class:`AcyclicMystParser` is that method with this renderer (Sphinx's extension point is the
source parser, ``app.add_source_parser``; manualkit's parser guards derive from this one).
Both copies follow myst-parser 5.2 (constraints.txt pins it); ``tests/test_acyclic_render.py``
checks that the doctrees are the ones MyST's own parser gives and that no tree is left for the
collector.
"""

from __future__ import annotations

from docutils import nodes
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from myst_parser.config.main import MdParserConfig, TopmatterReadError, merge_file_level, read_topmatter
from myst_parser.mdit_to_docutils.base import token_line
from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
from myst_parser.parsers.mdit import create_md_parser
from myst_parser.parsers.sphinx_ import MystParser
from myst_parser.warnings_ import MystWarnings, create_warning


def take_apart(root: SyntaxTreeNode) -> None:
    """Unlink every node of ``root``'s tree from its parent: what is left holds no cycle."""
    stack = [root]
    while stack:
        node = stack.pop()
        node.parent = None
        stack.extend(node.children)


class AcyclicSphinxRenderer(SphinxRenderer):  # type: ignore[misc]  # MyST's classes are untyped
    """MyST's Sphinx renderer; each syntax tree is taken apart once rendered."""

    def _render_tokens(self, tokens: list[Token]) -> None:
        """MyST 5.2's ``DocutilsRenderer._render_tokens``, then :func:`take_apart`."""
        # propagate line numbers down to inline elements, 1-based for docutils
        for token in tokens:
            if not token.map:
                continue
            token.map = [token.map[0] + 1, token.map[1] + 1]
            for token_child in token.children or []:
                token_child.map = token.map
        node_tree = SyntaxTreeNode(tokens)
        try:
            for child in node_tree.children:
                if f"render_{child.type}" in self.rules:
                    self.rules[f"render_{child.type}"](child)
                else:
                    self.create_warning(
                        f"No render method for: {child.type}",
                        MystWarnings.RENDER_METHOD,
                        line=token_line(child, default=0),
                        append_to=self.current_node,
                    )
        finally:
            take_apart(node_tree)


class AcyclicMystParser(MystParser):  # type: ignore[misc]  # MyST's classes are untyped
    """MyST's Sphinx parser, rendering with :class:`AcyclicSphinxRenderer`."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        """MyST 5.2's ``MystParser.parse`` with the renderer of this module."""
        config: MdParserConfig = document.settings.env.myst_config
        # the file-level configuration (front matter) updates the global one
        try:
            topmatter = read_topmatter(inputstring)
        except TopmatterReadError:
            pass  # reported during the render
        else:
            if topmatter:

                def warning(wtype: MystWarnings, msg: str) -> None:
                    create_warning(document, msg, wtype, line=1, append_to=document)

                config = merge_file_level(config, topmatter, warning)
        parser = create_md_parser(config, AcyclicSphinxRenderer)
        parser.options["document"] = document
        parser.render(inputstring)
