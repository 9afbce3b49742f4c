"""DOCX builder (stub, being implemented)."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder


class DocxBuilder(Builder):
    """Placeholder so conf.py can list ``manualkit.builders.docx``."""

    name = "docx"
    format = "docx"
    epilog = ""


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``docx`` builder."""
    app.add_builder(DocxBuilder)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
