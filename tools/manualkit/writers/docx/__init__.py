"""DOCX writer: a docutils translator (visit_/depart_) that builds the body with python-docx's oxml.

Modules by job: ``styles`` (style definitions, fonts, zh-CN), ``numbering`` (list numbering),
``fields`` (TOC/PAGE/NUMPAGES/STYLEREF, bookmarks, hyperlinks), ``cover``, ``footnotes``,
``tables``, ``media`` (graphviz, images), ``inline``/``blocks`` (node handlers),
``translator`` (the combined translator), ``package`` (core properties, reproducible ZIP),
``document`` (assembles everything: ``render_docx``).
"""

from manualkit.writers.docx.document import RenderResult, render_docx
from manualkit.writers.docx.styles import Fonts
from manualkit.writers.docx.translator import DocxTranslator

__all__ = ["DocxTranslator", "Fonts", "RenderResult", "render_docx"]
