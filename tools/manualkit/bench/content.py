"""How much an output holds: pages and characters of text, read back from the PDF or DOCX.

The bench compares manualkit with reference pipelines run on "the same sources", but the
references do not know the manual's directives: sphinx-simplepdf, a plain singlehtml and pandoc
render the prose and skip what manualkit generates from data/ (SLA tables, forms, the revision
and reference lists).  Measured on the real manual: manualkit's PDF holds 2.5× the text of
sphinx-simplepdf's (48.1k against 19.5k characters, 68 against 40 pages).  A time ratio between
such outputs only means something beside how much each produced, so every PDF and DOCX a stage
writes is read back here, the way a reader gets it: the PDF's text as ``pdftotext`` extracts it,
the DOCX's as the text runs of its body.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

_W_TEXT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


@dataclasses.dataclass(frozen=True)
class Content:
    """What a reader gets from one output: text characters (whitespace not counted) and pages."""

    chars: int
    #: PDF pages; ``None`` for a DOCX (its pages exist only once a word processor lays it out).
    pages: int | None = None


def _visible(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def pdf_content(path: Path) -> Content | None:
    """Text and pages of a PDF through ``pdftotext`` (poppler); ``None`` when it cannot be read."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    try:
        done = subprocess.run(
            [tool, "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=600
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.decode("utf-8", errors="replace")
    # pdftotext ends every page with a form feed.
    return Content(_visible(text), text.count("\f"))


def docx_content(path: Path) -> Content | None:
    """Characters of the text runs in the DOCX body; ``None`` when it is not a readable DOCX."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("word/document.xml") as part:
            chars = 0
            for _event, element in etree.iterparse(part, tag=_W_TEXT):
                chars += _visible(element.text or "")
                element.clear()
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    return Content(chars)


def output_content(path: Path | None) -> Content | None:
    """The content of a PDF or DOCX output; ``None`` for anything else (an HTML folder)."""
    if path is None or not path.is_file():
        return None
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_content(path)
    if suffix == ".docx":
        return docx_content(path)
    return None
