"""Doctree transforms: one home per anchor, and no files from outside the project.

**Anchors.**  Give each manual object's anchor to exactly one place in the output.

The same SLA may be listed in several tables (its home section's table, a
tag-filtered table elsewhere, a complete list in the appendix).  While
reading, each candidate node is only *marked* (``mk_anchor``/``mk_object``/
``mk_docname``) and the domain keeps the best location.  This post-transform,
run by every builder on the resolved doctree, puts the id on the chosen node
only — so per-page HTML, the single-page PDF and the assembled DOCX all have
unique ids, and every ``{sla}`` link lands on the row the domain chose.

**Files.**  Images, downloads and Graphviz files are the remaining ways for a
chapter to pull a file from disk into the site; see :class:`RefuseOutsideFiles`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.ext.graphviz import Graphviz
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

from manualkit.doctree_walk import walk
from manualkit.sphinx.domain import get_domain, report_error
from manualkit.svg_safety import find_active_content

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
        candidates = [node for node in walk(self.document) if _is_candidate(node)]
        for node in candidates:
            assert isinstance(node, nodes.Element)
            anchor = node[ANCHOR_ATTR]
            kind, _, item_id = str(node[OBJECT_ATTR]).partition(":")
            chosen = domain.location_of(kind, item_id)
            if chosen == (node[DOCNAME_ATTR], anchor) and anchor not in used and anchor not in node["ids"]:
                node["ids"].append(anchor)
                used.add(anchor)


class RefuseOutsideFiles(SphinxTransform):
    """Images and downloads must be files inside the project, drawings free of scripts.

    Sphinx copies any file an image or ``{download}`` points at into the output,
    so ``![x](../../../etc/secret)`` would publish a file from outside the
    manual.  docutils' ``file_insertion_enabled`` does not cover these.  An SVG
    drawing with a script is refused too (see :mod:`manualkit.svg_safety`).
    """

    default_priority = 850  # before DoctreeReadEvent (880), whose collectors copy the files

    def apply(self, **kwargs: Any) -> None:
        root = Path(self.app.confdir).resolve()
        for image in list(self.document.findall(nodes.image)):
            self._check(image, str(image["uri"]), root, image.get("alt", ""))
        for download in list(self.document.findall(addnodes.download_reference)):
            self._check(download, str(download["reftarget"]), root, download.astext())

    def _check(self, node: nodes.Element, uri: str, root: Path, text: str) -> None:
        if "://" in uri or uri.startswith("data:"):
            return
        _rel, absolute = self.env.relfn2path(uri, self.env.docname)
        path = Path(absolute).resolve()
        if not path.is_relative_to(root):
            self._refuse(node, text, f"refusing to publish {uri!r}: it is outside the project")
        elif path.suffix.lower() == ".svg" and (active := find_active_content(path)) is not None:
            self._refuse(
                node,
                text,
                f"refusing to publish {uri!r}: the drawing contains {active.what} (line {active.line} of "
                "the SVG), which would run in the site's name when the image is opened; export it "
                "again without scripts",
            )

    def _refuse(self, node: nodes.Element, text: str, message: str) -> None:
        report_error(self.env, message, node)
        node.replace_self(nodes.inline(text, text, classes=["mk-refused"]))


class SafeGraphviz(Graphviz):
    """``{graphviz}`` without its file argument: sources may not read files from disk."""

    def run(self) -> list[nodes.Node]:
        if self.arguments:
            report_error(
                self.env,
                "graphviz: reading a .dot file is disabled (sources are untrusted); "
                "write the graph in the directive body",
                self.get_location(),
            )
            return []
        return super().run()
