"""Give each manual object's anchor to exactly one place in the output.

The same SLA may be listed in several tables (its home section's table, a
tag-filtered table elsewhere, a complete list in the appendix).  While
reading, each candidate node is only *marked* (``mk_anchor``/``mk_object``/
``mk_docname``) and the domain keeps the best location.  This post-transform,
run by every builder on the resolved doctree, puts the id on the chosen node
only — so per-page HTML, the single-page PDF and the assembled DOCX all have
unique ids, and every ``{sla}`` link lands on the row the domain chose.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from manualkit.sphinx.domain import get_domain

ANCHOR_ATTR = "mk_anchor"
OBJECT_ATTR = "mk_object"
DOCNAME_ATTR = "mk_docname"


def mark_anchor(node: nodes.Element, docname: str, kind: str, item_id: str, anchor: str) -> None:
    """Mark ``node`` as a candidate home of ``kind:item_id`` (the id is assigned after reading)."""
    node[ANCHOR_ATTR] = anchor
    node[OBJECT_ATTR] = f"{kind}:{item_id}"
    node[DOCNAME_ATTR] = docname


def _is_candidate(node: Any) -> bool:
    return isinstance(node, nodes.Element) and ANCHOR_ATTR in node.attributes


class AssignAnchors(SphinxPostTransform):
    """Put ``ids=[anchor]`` on the one node the ``mk`` domain chose for each object."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        domain = get_domain(self.env)
        used = set(self.document.ids)
        for node in list(self.document.findall(_is_candidate)):
            assert isinstance(node, nodes.Element)
            anchor = node[ANCHOR_ATTR]
            kind, _, item_id = str(node[OBJECT_ATTR]).partition(":")
            chosen = domain.location_of(kind, item_id)
            if chosen == (node[DOCNAME_ATTR], anchor) and anchor not in used and anchor not in node["ids"]:
                node["ids"].append(anchor)
                used.add(anchor)
