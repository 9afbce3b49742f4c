"""The HTML pages of a chapter taken out of the manual are taken off the site.

Sphinx writes a page per document and never deletes one: a chapter removed from ``manual/``
(repealed, merged into another) stayed on the published site at its old address, with its
``_sources`` copy, for anyone holding a link or a bookmark — a withdrawn rule still readable
as if in force.  Sphinx's own notice of a removal (``env-get-outdated``) reaches only the
build that reads the sources, which under ``build all`` is the PDF's, not the HTML's.

So the HTML builder keeps a list of the documents it wrote pages for (``MANIFEST`` in its
output folder); once the sources are read (``env-updated``), the pages of documents on that
list and no longer in the project are deleted, and the list is renewed.  Only pages this module
listed are ever deleted.
"""

from __future__ import annotations

import contextlib
import glob
from pathlib import Path
from typing import Any, Final

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment

from manualkit.usercache import read_json, write_json

#: The documents the site had pages for, in the HTML output folder.
MANIFEST: Final = ".manualkit-pages.json"


def _listed(manifest: Path) -> set[str]:
    listed = read_json(manifest)
    return {name for name in listed if isinstance(name, str)} if isinstance(listed, list) else set()


def _pages_of(builder: StandaloneHTMLBuilder, docname: str) -> list[Path]:
    """The page of ``docname`` and its ``_sources`` copy (whatever its source suffix was)."""
    outdir = Path(builder.outdir)
    pages = [Path(builder.get_output_path(docname))]
    pattern = str(outdir / "_sources" / glob.escape(docname)) + ".*"
    pages += [Path(p) for p in glob.glob(pattern)]
    # Never outside the output folder, whatever a manifest says.
    return [p for p in pages if p.resolve().is_relative_to(outdir.resolve())]


def remove_pages_of_removed_documents(app: Sphinx, env: BuildEnvironment) -> list[str]:
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return []
    manifest = Path(builder.outdir) / MANIFEST
    for docname in sorted(_listed(manifest) - set(env.found_docs)):
        for page in _pages_of(builder, docname):
            with contextlib.suppress(FileNotFoundError):
                page.unlink()
    write_json(manifest, sorted(env.found_docs))
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-updated", remove_pages_of_removed_documents)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
