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

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
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
    """Images and downloads must be files of the manual (under ``manual/``), drawings free of scripts.

    Sphinx copies any file an image or ``{download}`` points at into the output,
    so ``![x](../../../etc/secret)`` would publish a file from outside the
    manual.  docutils' ``file_insertion_enabled`` does not cover these.  The project
    around the manual holds what must not be published either — ``{download}`` of
    ``../.git/config`` (its remote's address and credentials), ``../build/…`` or ``../.env`` —
    so only the chapters' own folder counts.  An SVG drawing with a script is refused too
    (see :mod:`manualkit.svg_safety`).
    """

    default_priority = 850  # before DoctreeReadEvent (880), whose collectors copy the files

    def apply(self, **kwargs: Any) -> None:
        root = Path(self.app.srcdir).resolve()
        for image in list(self.document.findall(nodes.image)):
            uri = str(image["uri"])
            if uri.startswith("data:"):
                continue  # the picture is in the source itself: nothing is fetched
            if _scheme(uri) is not None or uri.startswith("//"):
                # The site would make every reader's browser fetch it, the DOCX build download it.
                self._refuse(
                    image,
                    image.get("alt", ""),
                    f"refusing to publish image {uri!r}: only files of the project are published "
                    "(a picture from the network or elsewhere on disk); save it under manual/",
                )
                continue
            self._check(image, uri, root, image.get("alt", ""))
        for download in list(self.document.findall(addnodes.download_reference)):
            target = str(download["reftarget"])
            scheme = _scheme(target)
            if scheme is None:
                self._check(download, target, root, download.astext())
            elif scheme not in SAFE_LINK_SCHEMES:
                self._refuse(download, download.astext(), f"refusing the link {target!r}: {LINK_RULE}")

    def _check(self, node: nodes.Element, uri: str, root: Path, text: str) -> None:
        _rel, absolute = self.env.relfn2path(uri, self.env.docname)
        path = Path(absolute).resolve()
        if not path.is_relative_to(root):
            self._refuse(
                node,
                text,
                f"refusing to publish {uri!r}: it is outside manual/, and only the manual's own files "
                "are published (never the project's .git, data/, build/ …); put the file under manual/",
            )
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


#: Where a link may lead: the web, mail and phone.  ``javascript:``/``vbscript:`` would run in the
#: site's name (or ask Word and the PDF viewer to run them), ``data:`` opens a page the source
#: wrote, ``file:`` a file on the reader's disk.
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
LINK_RULE = "links may lead to http(s):, mailto: or tel: addresses or to the manual's own pages"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
#: What browsers drop from a URL before reading its scheme ("java\tscript:" is javascript:).
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def _scheme(uri: str) -> str | None:
    """The URI's scheme in lower case, as a browser reads it; ``None`` for a relative reference."""
    match = _SCHEME.match(_URL_IGNORED.sub("", uri))
    return match.group(1).lower() if match else None


class RefuseUnsafeLinks(SphinxTransform):
    """Links only to the web, mail, phone or the manual; no ``<meta http-equiv>`` in a page's head.

    MyST refuses ``[x](javascript:…)`` itself, but ``{eval-rst}`` (`` `x <javascript:…>`_ ``, a
    ``.. _t: javascript:…`` target) and an image's ``:target:`` make any link, which the site,
    the PDF and the DOCX would keep clickable.  ``html_meta`` in the front matter (or
    ``.. meta::``) may set ``http-equiv="refresh"``, sending every reader of the page elsewhere.
    """

    default_priority = 850  # after docutils resolved named targets into refuri (640)

    def apply(self, **kwargs: Any) -> None:
        for reference in list(self.document.findall(nodes.reference)):
            uri = str(reference.get("refuri", ""))
            scheme = _scheme(uri) if uri else None
            if scheme is not None and scheme not in SAFE_LINK_SCHEMES:
                report_error(self.env, f"refusing the link {uri!r}: {LINK_RULE}", reference)
                reference.replace_self(reference.children or [nodes.Text(reference.astext())])
        for meta in list(self.document.findall(nodes.meta)):
            if meta.get("http-equiv"):
                report_error(
                    self.env,
                    f"refusing <meta http-equiv={meta['http-equiv']!r}>: a page's head may carry "
                    "name= metadata only (http-equiv can redirect the reader or change the page's rules)",
                    meta if meta.line else (self.env.docname, 1),  # front matter: line 1
                )
                meta.parent.remove(meta)


def refuse_source_outside_project(app: Sphinx, docname: str, source: list[str]) -> None:
    """A chapter that is a symlink to (or inside a linked folder leading to) a file outside the
    project is not read: its text would be published as part of the manual."""
    path = Path(app.env.doc2path(docname)).resolve()
    if not path.is_relative_to(Path(app.confdir).resolve()):
        report_error(
            app.env,
            f"refusing to read {docname!r}: a symbolic link leads it to {path}, outside the project",
            (docname, 1),
        )
        source[0] = ""


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
