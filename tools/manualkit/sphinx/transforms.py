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

import base64
import os
import re
from glob import glob
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.ext.graphviz import Graphviz
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.i18n import get_image_filename_for_language, search_image_for_language

from manualkit.doctree_walk import nodes_of, walk
from manualkit.publishable_files import DOWNLOAD_TYPES, IMAGE_TYPES, signature_ok
from manualkit.sphinx.domain import get_domain, report_error
from manualkit.svg_safety import ActiveContent, find_active_content

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


_PICTURE_RULE = "a picture must be a PNG, JPEG, GIF, WebP or SVG file"
_DOWNLOAD_RULE = (
    "a download must be a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV or text file, "
    "or a picture"
)
#: ``data:`` pictures: their media types.
_DATA_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})


def _drawing_problem(active: ActiveContent) -> str:
    """Why a drawing is not published (after "refusing to publish 'x.svg': ")."""
    if active.unreadable is not None:
        return (
            f"it cannot be read as SVG: {active.unreadable} (line {active.line} of the SVG); a "
            "browser may read it, scripts and all, so it is not published — export the drawing "
            "again as a plain SVG (or PNG)"
        )
    return (
        f"the drawing contains {active.what} (line {active.line} of the SVG), which would run in "
        "the site's name when the image is opened; export it again without scripts"
    )


class RefuseOutsideFiles(SphinxTransform):
    """Images and downloads must be files of the manual (under ``manual/``) of a type the site may
    serve, drawings free of scripts.

    Sphinx copies any file an image or ``{download}`` points at into the output,
    so ``![x](../../../etc/secret)`` would publish a file from outside the
    manual.  docutils' ``file_insertion_enabled`` does not cover these.  The project
    around the manual holds what must not be published either — ``{download}`` of
    ``../.git/config`` (its remote's address and credentials), ``../build/…`` or ``../.env`` —
    so only the chapters' own folder counts.

    A file served from the site runs in the site's name if it is a page or a script: a
    ``guide.html`` with a ``<script>``, shown as ``![x](guide.html)`` or offered as a
    ``{download}``, ran when opened.  So a picture must be one of :data:`IMAGE_TYPES` and a
    download one of :data:`DOWNLOAD_TYPES`, and its content must begin the way its type does (a
    web page renamed ``x.png`` is refused); an SVG drawing must be free of scripts (see
    :mod:`manualkit.svg_safety`).  Every file Sphinx would take for an image is checked: the
    language's own picture (``x.zh_CN.svg`` for ``x.svg``, ``figure_language_filename``) and each
    file a ``x.*`` picture names.
    """

    default_priority = 850  # before DoctreeReadEvent (880), whose collectors copy the files

    def apply(self, **kwargs: Any) -> None:
        root = Path(self.app.srcdir).resolve()
        images, downloads = nodes_of(self.document, nodes.image, addnodes.download_reference)
        for image in images:
            uri = str(image["uri"])
            alt = str(image.get("alt", ""))
            if uri.startswith("data:"):
                # The picture is in the source itself: nothing is fetched.
                problem = _data_image_problem(uri)
                if problem is not None:
                    self._refuse(image, alt, f"refusing the picture {uri[:40]!r}…: {problem}")
                continue
            if _scheme(uri) is not None or uri.startswith("//"):
                # The site would make every reader's browser fetch it, the DOCX build download it.
                self._refuse(
                    image,
                    alt,
                    f"refusing to publish image {uri!r}: only files of the project are published "
                    "(a picture from the network or elsewhere on disk); save it under manual/",
                )
                continue
            for shown, path in self._image_files(uri):
                if not self._check(image, shown, path, root, alt, IMAGE_TYPES, _PICTURE_RULE):
                    break  # the image is refused: its other files need no word
        for download in downloads:
            target = str(download["reftarget"])
            scheme = _scheme(target)
            if scheme is None:
                _rel, absolute = self.env.relfn2path(target, self.env.docname)
                text = download.astext()
                self._check(download, repr(target), absolute, root, text, DOWNLOAD_TYPES, _DOWNLOAD_RULE)
            elif scheme not in SAFE_LINK_SCHEMES:
                self._refuse(download, download.astext(), f"refusing the link {target!r}: {LINK_RULE}")

    def _image_files(self, uri: str) -> list[tuple[str, str]]:
        """``(name for messages, path)`` of every file Sphinx's image collector may take for ``uri``
        (``sphinx.environment.collectors.asset``): the language's own picture first, and for
        ``x.*`` every file the pattern matches (the builder picks one by its type)."""
        docname = self.env.docname
        if uri.endswith(".*"):
            i18n = get_image_filename_for_language(uri, self.env)
            patterns = [self.env.relfn2path(i18n, docname)[1], self.env.relfn2path(uri, docname)[1]]
            found = dict.fromkeys(match for pattern in patterns for match in sorted(glob(pattern)))
            srcdir = str(self.app.srcdir)
            return [(f"{os.path.relpath(match, srcdir)!r} (for {uri!r})", match) for match in found]
        translated = search_image_for_language(uri, self.env)
        _rel, absolute = self.env.relfn2path(translated, docname)
        return [(repr(uri) if translated == uri else f"{translated!r} (for {uri!r})", absolute)]

    def _check(
        self,
        node: nodes.Element,
        shown: str,
        absolute: str,
        root: Path,
        text: str,
        types: dict[str, str],
        rule: str,
    ) -> bool:
        """Refuse ``node`` (its file named ``shown`` in the message) if the file at ``absolute`` may
        not be published; ``True`` if it may."""
        path = Path(absolute).resolve()
        if not path.is_relative_to(root):
            self._refuse(
                node,
                text,
                f"refusing to publish {shown}: it is outside manual/, and only the manual's own files "
                "are published (never the project's .git, data/, build/ …); put the file under manual/",
            )
            return False
        if not path.exists():
            return True  # nothing to publish: Sphinx (and the PDF and DOCX builders) report it missing
        # The name the site serves it under (a glob's match keeps its own; Sphinx resolves the rest).
        suffixes = {Path(absolute).suffix.lower(), path.suffix.lower()}
        wrong = sorted(suffix for suffix in suffixes if suffix not in types)
        if wrong:
            what = f"a {wrong[-1]} file" if wrong[-1] else "a file without an extension"
            self._refuse(
                node,
                text,
                f"refusing to publish {shown}: {rule}, not {what} (a web page or script served from "
                "the site would run in its name when opened)",
            )
            return False
        suffix = path.suffix.lower()
        if suffix == ".svg":
            active = find_active_content(path)
            if active is not None:
                self._refuse(node, text, f"refusing to publish {shown}: {_drawing_problem(active)}")
                return False
            return True
        try:
            with path.open("rb") as handle:
                head = handle.read(1024)
        except OSError:
            return True  # missing or unreadable: Sphinx reports it and copies nothing
        if not signature_ok(suffix, head):
            kind = types[suffix]
            why = (
                "it begins with '<', so a browser guessing its type would take it for a web page"
                if kind in ("CSV", "text")
                else f"its content is not that of a {kind} file (it does not begin as one does)"
            )
            self._refuse(node, text, f"refusing to publish {shown}: {why}; save it again as {kind}")
            return False
        return True

    def _refuse(self, node: nodes.Element, text: str, message: str) -> None:
        report_error(self.env, message, node)
        node.replace_self(nodes.inline(text, text, classes=["mk-refused"]))


def _data_image_problem(uri: str) -> str | None:
    """Why the ``data:`` picture ``uri`` is refused (``None``: it is a picture, a drawing without scripts)."""
    header, _, payload = uri[len("data:") :].partition(",")
    media_type = header.split(";")[0].strip().lower()
    if media_type not in _DATA_IMAGE_TYPES:
        allowed = ", ".join(sorted(_DATA_IMAGE_TYPES))
        return f"{_PICTURE_RULE} ({allowed}), not {media_type or 'text/plain'}"
    if media_type != "image/svg+xml":
        return None
    try:
        if header.lower().endswith(";base64"):
            data = base64.b64decode(unquote(payload), validate=False)
        else:
            data = unquote_to_bytes(payload)
    except ValueError as exc:
        return f"its data cannot be read ({exc})"
    active = find_active_content(data)
    return None if active is None else _drawing_problem(active)


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


#: What a ``<meta>`` may carry: the metadata attributes, and docutils' own bookkeeping.
_META_ATTRIBUTES = frozenset(
    {"name", "content", "property", "lang", "scheme", "dir", "media", *nodes.Element.known_attributes}
)


class RefuseUnsafeLinks(SphinxTransform):
    """Links only to the web, mail, phone or the manual; no ``<meta http-equiv>`` in a page's head.

    MyST refuses ``[x](javascript:…)`` itself, but ``{eval-rst}`` (`` `x <javascript:…>`_ ``, a
    ``.. _t: javascript:…`` target) and an image's ``:target:`` make any link, which the site,
    the PDF and the DOCX would keep clickable.  ``html_meta`` in the front matter (or
    ``.. meta::``) may set ``http-equiv="refresh"``, sending every reader of the page elsewhere.
    """

    default_priority = 850  # after docutils resolved named targets into refuri (640)

    def apply(self, **kwargs: Any) -> None:
        references, metas = nodes_of(self.document, nodes.reference, nodes.meta)
        for reference in references:
            uri = str(reference.get("refuri", ""))
            scheme = _scheme(uri) if uri else None
            if scheme is not None and scheme not in SAFE_LINK_SCHEMES:
                report_error(self.env, f"refusing the link {uri!r}: {LINK_RULE}", reference)
                reference.replace_self(reference.children or [nodes.Text(reference.astext())])
        for meta in metas:
            where = meta if meta.line else (self.env.docname, 1)  # front matter: line 1
            if meta.get("http-equiv"):
                report_error(
                    self.env,
                    f"refusing <meta http-equiv={meta['http-equiv']!r}>: a page's head may carry "
                    "name= metadata only (http-equiv can redirect the reader or change the page's rules)",
                    where,
                )
                meta.parent.remove(meta)
                continue
            # The writers print an attribute's name as given: "a><script>…</script><meta=x" as the
            # name of an html_meta entry closed the <meta> and put a script in the page's head.
            odd = sorted(str(key) for key in meta.attributes if key not in _META_ATTRIBUTES)
            if odd:
                report_error(
                    self.env,
                    f"refusing <meta> with the attribute {odd[0]!r}: a page's head may carry name=, "
                    "property= and content= metadata only",
                    where,
                )
                meta.parent.remove(meta)


def refuse_source_outside_project(app: Sphinx, docname: str, source: list[str]) -> None:
    """A chapter that is a symlink to (or inside a linked folder leading to) a file outside the
    manual's sources is not read: its text would be published as part of the manual.

    Outside ``manual/``, not only outside the project: ``manual/settings.md -> ../.env``
    published the project's secrets in all three outputs.
    """
    path = Path(app.env.doc2path(docname)).resolve()
    if not path.is_relative_to(Path(app.srcdir).resolve()):
        report_error(
            app.env,
            f"refusing to read {docname!r}: a symbolic link leads it to {path}, outside the manual's "
            "sources (manual/)",
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
