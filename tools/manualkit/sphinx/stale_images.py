"""Images no page shows any more leave the HTML site.

Sphinx writes a flowchart's picture under a name made from its DOT source and copies a chapter's
images into ``_images/``, but never removes one: after a process step was renamed, the site
kept serving the old chart (``graphviz-535c…svg`` still showing "受理预约"), and the pictures of
removed chapters stayed too — superseded content published at a stable address.

So the HTML builder records which chart files each page it writes uses (``MANIFEST``, beside
the pages, renewed with each build); after a successful build, every file in ``_images/`` that
is neither one of those nor an image Sphinx knows the sources use (``env.images``) is deleted.
Until a manifest covers every page (the first build with this module that does not write them
all), nothing is deleted.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Final

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.ext.graphviz import GraphvizError, graphviz, render_dot

from manualkit.usercache import read_json, write_json

#: {docname: [chart file names in _images]} of the pages in the HTML output folder.
MANIFEST: Final = ".manualkit-images.json"
#: Builder attribute: the charts of the pages written in this build.
_WRITTEN = "manualkit_written_charts"


def note_charts(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: the chart files of a page about to be written.

    Sphinx resolves every page in this process, also when it writes them in parallel (the
    writers' own notes would be lost with their processes).  ``render_dot`` names the file as the
    page's writer will, and renders it now if it is missing (the writer then finds it done).
    """
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return
    charts: dict[str, set[str]] = builder.__dict__.setdefault(_WRITTEN, {})
    page = charts.setdefault(docname, set())
    fmt = builder.config.graphviz_output_format
    # render_dot reads only the translator's builder (and its document, for SVG links).
    translator_like: Any = SimpleNamespace(builder=builder, document=doctree)
    for chart in doctree.findall(graphviz):
        try:
            _relative, written = render_dot(
                translator_like, chart["code"], chart["options"], fmt, filename=chart.get("filename")
            )
        except GraphvizError:
            continue  # the page's writer reports it at the node
        if written is not None:
            page.add(Path(written).name)
            page.add(Path(written).name + ".map")  # PNG charts have an image map beside them


def _manifest(outdir: Path) -> dict[str, list[str]] | None:
    value = read_json(outdir / MANIFEST)
    return value if isinstance(value, dict) else None


def remove_stale_images(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: renew the manifest, then delete the images nothing uses."""
    builder = app.builder
    if exception is not None or app.statuscode != 0 or not isinstance(builder, StandaloneHTMLBuilder):
        return
    outdir = Path(builder.outdir)
    written: dict[str, set[str]] = builder.__dict__.get(_WRITTEN, {})
    previous = _manifest(outdir)
    found = set(app.env.found_docs)
    charts: dict[str, list[str]] = {}
    for docname in sorted(found):
        if docname in written:
            charts[docname] = sorted(written[docname])
        elif previous is not None and isinstance(previous.get(docname), list):
            charts[docname] = [str(name) for name in previous[docname]]
    complete = found <= set(charts)
    write_json(outdir / MANIFEST, charts)
    if not complete:
        return
    in_use = {name for names in charts.values() for name in names}
    in_use |= {unique for _docnames, unique in app.env.images.values()}
    images = outdir / builder.imagedir
    if not images.is_dir():
        return
    for path in images.iterdir():
        if path.is_file() and path.name not in in_use:
            path.unlink(missing_ok=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", note_charts)
    app.connect("build-finished", remove_stale_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
