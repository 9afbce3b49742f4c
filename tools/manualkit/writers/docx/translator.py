"""DocxTranslator: docutils/Sphinx doctree → WordprocessingML body, one visit_/depart_ per node.

The handlers are grouped by job in mixins (``inline``, ``blocks``, ``tables``, ``media``); this
module combines them and decides what happens to nodes nobody handles: a build warning naming
the node type and its source line, while the node's text is still emitted.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.builders import Builder
from sphinx.util import logging

from manualkit.writers.docx.blocks import BlockMixin
from manualkit.writers.docx.context import RenderContext
from manualkit.writers.docx.inline import InlineMixin
from manualkit.writers.docx.media import MediaMixin
from manualkit.writers.docx.oxml import Element
from manualkit.writers.docx.tables import TableMixin, TableState

logger = logging.getLogger(__name__)


class DocxTranslator(InlineMixin, BlockMixin, TableMixin, MediaMixin):
    """Translate an assembled doctree into the body of a python-docx document."""

    def __init__(self, document: nodes.document, builder: Builder, context: RenderContext) -> None:
        super().__init__(document, builder, context)
        self.tables: list[TableState] = []
        self._cell_protos: dict[tuple[int, int, str | None], Element] = {}

    def unknown_visit(self, node: nodes.Node) -> None:
        """Warn (with the source location) and fall through to the children, keeping the text."""
        logger.warning(
            "DOCX writer does not know node type %r; its text is kept without formatting",
            node.__class__.__name__,
            location=node,
            type="manualkit",
            subtype="docx_unknown_node",
        )

    def unknown_departure(self, node: nodes.Node) -> None:
        pass

    # -- nodes that produce no output ------------------------------------------------------------

    def _skip(self, node: Any) -> None:
        raise nodes.SkipNode

    visit_comment = _skip
    visit_raw = _skip
    visit_substitution_definition = _skip
    visit_system_message = _skip
    visit_index = _skip
    visit_toctree = _skip
    visit_meta = _skip
    visit_tabular_col_spec = _skip
    visit_pending = _skip
    visit_decoration = _skip
