"""WeasyPrint helpers shared by the PDF workers, and one-document typesetting in this process.

Why a module of its own: importing WeasyPrint takes about two seconds, and conf.py loads the PDF
builder extension for every build — the HTML build must not pay for it.  Nothing here imports
WeasyPrint before it is called.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sphinx.util import logging as sphinx_logging

logger = sphinx_logging.getLogger(__name__)


class ResourceRefusedError(Exception):
    """A resource outside the project was requested; the rendering was stopped."""


class UnknownVariantError(Exception):
    """The configured PDF variant is not one WeasyPrint knows (message lists the known ones)."""


def render_pdf(
    html: str, base_dir: Path, roots: Sequence[Path], options: dict[str, Any]
) -> tuple[bytes, int]:
    """Typeset ``html`` as one document, in this process (resources relative to ``base_dir``).

    The same typesetting the PDF builder's workers do (:func:`.pdf_worker.render_part`), for a
    caller that wants one small document.  Returns the PDF bytes and the page count; raises
    :class:`UnknownVariantError` or :class:`ResourceRefusedError` (naming the URL).
    """
    from manualkit.builders.pdf_worker import PartJob, render_part

    check_variant(options.get("pdf_variant"))
    job = PartJob(0, html, str(base_dir), tuple(str(root) for root in roots), options, frozenset())
    result = render_part(job)
    for message in result.messages:
        logger.warning("WeasyPrint: %s", message, type="manualkit", subtype="weasyprint")
    if result.error is not None:
        raise ResourceRefusedError(result.error)
    return result.pdf, result.pages


def check_variant(variant: str | None) -> None:
    """Raise :class:`UnknownVariantError` (listing the known ones) for a variant WeasyPrint lacks."""
    from weasyprint.pdf import VARIANTS

    if variant and variant not in VARIANTS:
        known = ", ".join(sorted(VARIANTS))
        raise UnknownVariantError(
            f"manualkit_pdf_variant: unknown PDF variant {variant!r}; known: {known}, or '' for untagged"
        )


@contextlib.contextmanager
def linear_page_references() -> Iterator[None]:
    """Make tagged-PDF output linear in the page count, for the duration of one ``write_pdf``.

    Why: ``pydyf.PDF.page_references`` (pydyf 0.13) is a property that rebuilds the tuple of
    *every* page reference on each access, and WeasyPrint's PDF/UA tagger reads it once per
    structure element (``pdf.page_references[page_number]``).  Tagging therefore costs
    elements × pages: 0.3 s for the 68-page manual, but about 50 s of the 10× manual's build.
    The replacement returns the same tuple, recomputed only when a page has been added since
    the last access, so the PDF is byte-identical (tests/test_pdf.py checks it).  The class
    attribute is restored afterwards; if pydyf changes shape, nothing is patched.
    """
    import pydyf

    original = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(original, property) or original.fget is None:
        yield
        return
    compute = original.fget

    def cached(pdf: Any) -> tuple[bytes, ...]:
        kids = len(pdf.pages["Kids"])
        memo: tuple[int, tuple[bytes, ...]] | None = pdf.__dict__.get("_manualkit_page_references")
        if memo is None or memo[0] != kids:
            memo = (kids, tuple(compute(pdf)))
            pdf.__dict__["_manualkit_page_references"] = memo
        return memo[1]

    pydyf.PDF.page_references = property(cached, doc=original.__doc__)
    try:
        yield
    finally:
        pydyf.PDF.page_references = original
