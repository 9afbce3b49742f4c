"""The kinds of file the site publishes, and how a file's first bytes tell its kind.

One home for both sides: the build refuses to publish a picture or a download of another type, or
whose content is not what its name says (``manualkit.sphinx.transforms.RefuseOutsideFiles``), and
the checker says so first (MK124, ``manualkit.checks.rules_local_files``).  Kept free of Sphinx so
that the checker can import it without starting Sphinx.

Why these types: a file served from the site runs in the site's name if it is a page or a
script, so a picture must be a format browsers show (an SVG drawing is judged apart, by
:mod:`manualkit.svg_safety`), and a download one of the documents a bank manual offers.
"""

from __future__ import annotations

#: What a picture may be: the formats browsers show (an SVG drawing through :mod:`manualkit.svg_safety`).
IMAGE_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WebP", ".svg": "SVG"}
#: What a ``{download}`` (or a link to a file) may be: the documents a bank manual offers (forms to
#: fill in, tables, slides, PDFs, plain text) and pictures.  Office's macro-free formats only
#: (.docm/.xlsm and the old binary .doc/.xls carry macros); no web page, script, XML or archive —
#: those would run in the site's name when opened there, or carry what nobody reviewed.
DOWNLOAD_TYPES = {
    ".pdf": "PDF",
    ".docx": "Word (.docx)",
    ".xlsx": "Excel (.xlsx)",
    ".pptx": "PowerPoint (.pptx)",
    ".csv": "CSV",
    ".txt": "text",
    **IMAGE_TYPES,
}


def signature_ok(suffix: str, head: bytes) -> bool:
    """Whether the file's first bytes ``head`` are those of a ``suffix`` file (SVG: judged apart)."""
    if suffix == ".png":
        return head.startswith(b"\x89PNG")
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".gif":
        return head.startswith(b"GIF8")
    if suffix == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if suffix == ".pdf":
        return b"%PDF-" in head
    if suffix in (".docx", ".xlsx", ".pptx"):
        return head.startswith(b"PK\x03\x04")
    # Text: a browser guessing a file's type takes one beginning with "<" for a page.
    return not head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n\f").startswith(b"<")


__all__ = ["DOWNLOAD_TYPES", "IMAGE_TYPES", "signature_ok"]
