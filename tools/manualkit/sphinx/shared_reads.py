"""HTML pages rewritten when another build re-read their sources.

Every output reads the sources into one shared doctree cache (``build/.doctrees``): ``build
all`` reads once for HTML, PDF and DOCX, and ``build pdf`` followed by ``build html`` reads
once for both.  Sphinx's HTML builder writes the pages read in its own run, plus those whose
Markdown file is newer than the page.  A page re-read by an earlier build because its data or a
template changed (``data/slas.yaml``: 7 → 6 working days) matches neither: the site kept
"7个工作日" while the PDF and the DOCX said 6.

So after reading (``env-updated``, whose returned documents Sphinx writes), every HTML page
older than its document's last reading is rewritten too.  The PDF and DOCX builders write the
whole manual on every build and need nothing of this.
"""

from __future__ import annotations

import os
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment


def pages_read_since_written(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Documents read (by any build) after the HTML builder last wrote their page."""
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return []
    stale: list[str] = []
    for docname, read_at in env.all_docs.items():
        try:
            written_at = os.stat(builder.get_output_path(docname)).st_mtime_ns // 1_000
        except OSError:
            continue  # no page yet: Sphinx's own outdated check writes it
        # env.all_docs holds the time of the last reading in microseconds (Sphinx's own unit).
        if read_at > written_at:
            stale.append(docname)
    return stale


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-updated", pages_read_since_written)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
