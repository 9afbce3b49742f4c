"""Flowcharts in print as tagged figures: ``<img alt="…">`` instead of Sphinx's ``<object>``.

Sphinx's HTML writes an SVG chart as an ``<object>`` with its text alternative as fallback
content.  WeasyPrint draws the object but tags it as an untagged group, so a screen reader read
the chart's node labels one by one, and the PDF/UA the PDF declares wants a described figure.
An ``<img>`` becomes a PDF ``Figure`` whose ``/Alt`` is the text alternative (投诉处理流程图; the
step table after the chart gives every step in text).  The picture is the same SVG file.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.ext.graphviz import GraphvizError, graphviz, render_dot
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _alternative(translator: Any, node: graphviz) -> str:
    """The chart's text alternative, escaped for HTML (Sphinx's default: its DOT code)."""
    return str(translator.attval(str(node.get("alt", node["code"])).strip()))


def visit_graphviz_print(translator: Any, node: graphviz) -> None:
    """The chart as an SVG ``<img>`` with its alternative text (a tagged PDF figure)."""
    try:
        fname, _outfn = render_dot(translator, node["code"], node["options"], "svg", "graphviz")
    except GraphvizError as exc:
        logger.warning("dot code %r: %s", node["code"], exc, location=node)
        raise nodes.SkipNode from exc
    if fname is None:
        translator.body.append(translator.encode(node["code"]))
        raise nodes.SkipNode
    classes = " ".join(["graphviz", *node.get("classes", [])])
    align = node.get("align")
    if align:
        translator.body.append(
            f'<div align="{translator.attval(align)}" class="align-{translator.attval(align)}">'
        )
    translator.body.append(
        f'<div class="graphviz"><img src="{translator.attval(fname.as_posix())}" '
        f'alt="{_alternative(translator, node)}" class="{translator.attval(classes)}" /></div>\n'
    )
    if align:
        translator.body.append("</div>\n")
    raise nodes.SkipNode
