"""Run WeasyPrint on the print HTML, with its messages routed through Sphinx's logger.

Why a module of its own: importing WeasyPrint takes about two seconds, and conf.py loads the PDF
builder extension for every build — the HTML build must not pay for it.  The builder imports
this module only when it actually renders.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sphinx.util import logging as sphinx_logging

logger = sphinx_logging.getLogger(__name__)

#: WeasyPrint's per-page layout messages: too chatty for the progress output.
_LAYOUT_STEP = re.compile(r" - (Page \d|Repagination)")

#: WeasyPrint's loggers, by name: they are set up before WeasyPrint is imported, because
#: importing it already logs (it parses its user-agent stylesheets).
_WEASYPRINT_LOGGERS = ("weasyprint", "weasyprint.progress")


class ResourceRefusedError(Exception):
    """A resource outside the project was requested; the rendering was stopped."""


class UnknownVariantError(Exception):
    """The configured PDF variant is not one WeasyPrint knows (message lists the known ones)."""


def render_pdf(
    html: str, base_dir: Path, roots: Sequence[Path], options: dict[str, Any]
) -> tuple[bytes, int]:
    """Typeset ``html`` (resources relative to ``base_dir``, fetched only below ``roots``).

    Returns the PDF bytes and the page count; raises :class:`ResourceRefusedError` (naming the
    URL) for a resource outside the project.
    """
    with _forward_weasyprint_logs():
        import weasyprint

        from manualkit.builders.pdf_fetcher import ConfinedURLFetcher, RefusedURLError

        check_variant(options.get("pdf_variant"))
        logger.info("manualkit pdf: rendering with WeasyPrint %s", weasyprint.__version__)
        fetcher = ConfinedURLFetcher(roots)
        try:
            document = weasyprint.HTML(
                string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
            ).render(**options)
            with linear_page_references():
                pdf_bytes: bytes = document.write_pdf(**options)
        except RefusedURLError as exc:
            raise ResourceRefusedError(str(exc)) from None
    return pdf_bytes, len(document.pages)


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


class _SphinxForwarder(logging.Handler):
    """Pass WeasyPrint's messages to Sphinx: warnings stay visible, steps become progress lines."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            logger.warning("WeasyPrint: %s", message, type="manualkit", subtype="weasyprint")
        elif record.name == _WEASYPRINT_LOGGERS[1] and not _LAYOUT_STEP.search(message):
            logger.info("manualkit pdf: %s", message)


@contextlib.contextmanager
def _forward_weasyprint_logs() -> Iterator[None]:
    """Attach the forwarder for one rendering; restore WeasyPrint's loggers afterwards."""
    handler = _SphinxForwarder(level=logging.INFO)
    loggers = [logging.getLogger(name) for name in _WEASYPRINT_LOGGERS]
    saved = [(log, log.level, log.propagate) for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.propagate = False
    loggers[1].setLevel(logging.INFO)
    try:
        yield
    finally:
        for log, level, propagate in saved:
            log.removeHandler(handler)
            log.setLevel(level)
            log.propagate = propagate
