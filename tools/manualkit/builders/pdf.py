"""PDF builder: one print HTML from the Sphinx doctree, rendered by WeasyPrint (work in progress)."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.singlehtml import SingleFileHTMLBuilder


class PdfBuilder(SingleFileHTMLBuilder):
    """Render the whole manual as one print HTML page and hand it to WeasyPrint."""

    name = "pdf"
    epilog = ""


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``pdf`` builder."""
    app.add_builder(PdfBuilder)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
