"""PDF builder: the manual as print HTML (templates/pdf) typeset by WeasyPrint.

Why it is a ``SingleFileHTMLBuilder``: the PDF must show exactly what the HTML site shows, so it
is produced from the same (assembled) doctree by the same HTML translator — only the page
template (cover, table of contents, print CSS) differs.  The doctree is cut into parts where the
print layout starts a page anyway (:mod:`.pdf_parts`); each part's HTML is typeset in a worker
process (:mod:`.pdf_pool`, :mod:`.pdf_worker`) and the parts are joined into one PDF
(:mod:`.pdf_assembly`, :mod:`.pdf_merge`, :mod:`.pdf_fontmerge`) in :meth:`finish`.

Guarantees (each has a test in tests/test_pdf.py):

* fonts are checked before anything is read (missing CJK fonts → the package to install) and
  every character of the doctree is checked against the fonts' cmaps before rendering;
* images and stylesheets come only from the project (:mod:`.pdf_fetcher`);
* the output is ``<output_dir>/pdf/<document-number>-v<version>.pdf``, written atomically, and
  byte-identical between two builds of the same sources (dates come from data/revisions.yaml);
* the PDF is tagged (PDF/UA-1 by default) with ``/Lang zh-CN``.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Set
from pathlib import Path
from types import MethodType
from typing import Any

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.application import Sphinx
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.errors import SphinxError
from sphinx.util import logging as sphinx_logging
from sphinx.util.display import progress_message
from sphinx.writers.html5 import HTML5Translator

from manualkit.builders.doctrees import assemble_manual, forget_read_doctrees
from manualkit.builders.output import PendingFile, display_path, publish_output
from manualkit.builders.pdf_background import typeset_in_background
from manualkit.builders.pdf_document import PrintDocument, cover_texts, print_document
from manualkit.builders.pdf_fonts import (
    CMAP_CACHE_FILE,
    DEFAULT_FONT_STACKS,
    CmapCache,
    Coverage,
    DataFileText,
    FontError,
    FontFile,
    MissingGlyph,
    describe_char,
    find_in_data,
    iter_missing_glyphs,
    missing_in_text,
    resolve_stacks,
)
from manualkit.builders.pdf_job import (
    PRINT_STYLESHEET,
    PRINT_TEMPLATE,
    PrintTemplate,
    TypesettingJob,
    forget_compiled_templates,
    typeset,
    typesetting_errors,
)
from manualkit.builders.pdf_parts import anchors_of, split_print_tree
from manualkit.builders.pdf_tree import TocEntry, prepare_print_tree
from manualkit.cjk_text import quote_break_opportunities
from manualkit.loader import DataSource, entry_path_label, load_data, load_source
from manualkit.models import DATA_FILES
from manualkit.usercache import user_cache_dir
from manualkit.yamlsource import excerpt

logger = sphinx_logging.getLogger(__name__)

#: The print page template and stylesheet inside ``<templates_dir>/pdf/``.
#: The fonts' code points, cached between builds (see ``CmapCache``; shared with the checker).
CMAP_CACHE = CMAP_CACHE_FILE

#: Tagged PDF for accessibility; WeasyPrint's ``debug`` variant crashes, PDF/UA-1 does not.
#: Its cost, measured on the 67-page manual: about 1.1 s of CPU (+10 % of the PDF build) and
#: 220 KiB (+28 %) for the structure tree.  ``manualkit_pdf_variant = ""`` in conf.py builds an
#: untagged PDF (drafts); any WeasyPrint variant name (``pdf/a-3b`` …) is accepted.
DEFAULT_PDF_VARIANT = "pdf/ua-1"
_FONT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ]*$")
#: A body part holds at most about this many characters of text (about 20 pages): WeasyPrint's
#: memory grows with the pages of the document it typesets, so the part size bounds it (10×
#: manual: a worker peaked at ~290 MB with 40 000, ~200 MB with 15 000, in the same time; the
#: real manual's chapters are cut the same either way).
DEFAULT_PART_SIZE = 15_000
#: The page numbers are typeset in folio parts of at most this many pages, in parallel.  WeasyPrint
#: lays out each page of a document against every earlier page (their fixed boxes, every page
#: style computed so far), so one folio document of N pages cost N²: 2.3 s for the 10× manual's
#: 581 pages, 22 s for the 50× manual's 2,855 (most of it on the build's critical path).
DEFAULT_FOLIO_PART_PAGES = 200
#: The body is cut into at least this many parts (when it has that many page-starting sections), so
#: that the workers share the work.  A constant, not the number of workers: the parts decide the
#: PDF's object layout, and the same sources must give the same bytes on every machine.
MIN_PARTS = 4


class PdfBuildError(SphinxError):
    """The PDF cannot be produced; the message says what to fix."""

    category = "PDF build error"


class PdfTranslator(HTML5Translator):
    """The HTML translator with print-specific changes (everything else is the site's HTML)."""

    def __init__(self, document: nodes.document, builder: Any) -> None:
        super().__init__(document, builder)
        #: "1.2 标题", not Sphinx's "1.2. 标题".
        self.secnumber_suffix = " "

    def visit_paragraph(self, node: nodes.Element) -> None:
        # A table cell's only paragraph is written without <p>: the cell looks the same (print.css
        # sets no margin on table paragraphs) and the manual's ~1 700 cells lose a quarter of the
        # elements WeasyPrint styles, lays out and keeps in memory (render time −15 %).
        if not _is_sole_cell_paragraph(node):
            super().visit_paragraph(node)

    def depart_paragraph(self, node: nodes.Element) -> None:
        if not _is_sole_cell_paragraph(node):
            super().depart_paragraph(node)

    def visit_Text(self, node: nodes.Text) -> None:
        # Pango does not break at a curly quote after Chinese text (cjk_text.quote_break_opportunities).
        if self.protect_literal_text:
            super().visit_Text(node)
            return
        text = node.astext()
        broken = quote_break_opportunities(text)
        super().visit_Text(node if broken == text else nodes.Text(broken))

    def visit_start_of_file(self, node: nodes.Element) -> None:
        # No empty <span id="document-…"> before each chapter: it would print a blank page before
        # the chapter's page break.  Links to a document go to its first section (pdf_tree).
        self.docnames.append(node["docname"])


class PdfBuilder(SingleFileHTMLBuilder):
    """Render the whole manual as one print HTML page and hand it to WeasyPrint."""

    name = "pdf"
    format = "html"
    epilog = ""
    copysource = False
    #: No search index: it would load jieba for ``language = 'zh_CN'`` and is useless on paper.
    search = False
    #: No "¶" permalinks in print.
    add_permalinks = False
    default_translator_class = PdfTranslator

    def create_translator(self, *args: Any) -> Any:
        """Sphinx's translator with the flowcharts as tagged figures (``<img alt>``, see
        :mod:`manualkit.builders.pdf_figures`), set after Sphinx moved the HTML handlers in."""
        from manualkit.builders.pdf_figures import visit_graphviz_print

        translator = super().create_translator(*args)
        translator.visit_graphviz = MethodType(visit_graphviz_print, translator)
        return translator

    def init(self) -> None:
        super().init()
        #: (running header, body HTML) of each part, filled by write_documents; the part's nodes
        #: are let go once translated.
        self._bodies: list[tuple[str, str]] = []
        self._captured_body: str | None = None
        self._anchors: frozenset[str] = frozenset()
        from manualkit.builders.pdf_pool import default_jobs, warm_up

        self._workers = self.config.manualkit_pdf_jobs or default_jobs()
        #: The PDF written by this build (read by ``manualkit.buildrunner``), and its summary line.
        self.output_path: Path | None = None
        self.summary = ""
        #: Set to False by ``manualkit.buildrunner`` before the build: then the PDF is not written
        #: but typeset in the background and handed over as ``pending`` (published by the CLI once
        #: the checker approved); ``progress`` receives the typesetting's progress lines.
        self.publish = True
        self.pending: PendingFile | None = None
        self.progress: Callable[[str], None] | None = None
        #: Set to True as well (by ``manualkit.buildrunner`` in a child process): nothing is typeset
        #: here, the build ends with ``job`` for another process to typeset.
        self.export = False
        self.job: TypesettingJob | None = None
        self._toc: tuple[TocEntry, ...] = ()
        self._templates_dir = self._project_path(self.config.manualkit_templates_dir) / "pdf"
        self._output_dir = self._project_path(self.config.manualkit_output_dir)
        with progress_message("manualkit pdf: checking fonts"):
            try:
                self._fonts = resolve_stacks(self.config.manualkit_pdf_fonts)
            except FontError as exc:
                raise PdfBuildError(str(exc)) from None
        self._document = self._load_document()
        for name in (PRINT_TEMPLATE, PRINT_STYLESHEET):
            if not (self._templates_dir / name).is_file():
                raise PdfBuildError(f"{self._templates_dir / name}: print template missing")
        forget_compiled_templates()  # compiled once per build: a writer may have edited it
        # WeasyPrint is imported by the workers' fork server while Sphinx reads the sources.
        warm_up()

    def get_theme_config(self) -> tuple[str, dict[str, str | int | bool]]:
        """Sphinx's ``basic`` theme, whatever the site's ``html_theme``.

        The print HTML must not change with the site's theme: furo wraps every table in a
        ``<div>`` (print.css had come to rely on it) and its page templates are never used here
        (``templates/pdf/print.html`` writes the page).  Not loading it also saves its import.
        """
        return "basic", {}

    # -- paths -------------------------------------------------------------------------------

    def _project_path(self, value: str) -> Path:
        """A config path, relative to the project root (the Sphinx confdir)."""
        return (Path(self.confdir) / value).resolve()

    @property
    def pdf_path(self) -> Path:
        """Where the finished PDF goes: ``<output_dir>/pdf/<document-number>-v<version>.pdf``."""
        return self._output_dir / "pdf" / self._document.file_name

    def _load_document(self) -> PrintDocument:
        data_dir = self._project_path(self.config.manualkit_data_dir)
        data, diagnostics = load_data(data_dir)
        if data is None:
            details = "\n".join(diag.format() for diag in diagnostics) or str(data_dir)
            raise PdfBuildError(f"the data in {data_dir} is invalid; no PDF written:\n{details}")
        return print_document(data)

    # -- writing -----------------------------------------------------------------------------

    def assemble_doctree(self) -> nodes.document:
        """The manual as one resolved tree (see :func:`~manualkit.builders.doctrees.assemble_manual`)."""
        return assemble_manual(self)

    def write_documents(self, _docnames: Set[str]) -> None:
        root = self.config.root_doc
        self.prepare_writing(self.env.all_docs.keys())
        with progress_message("manualkit pdf: assembling the print document"):
            doctree = self.assemble_doctree()
            printed = prepare_print_tree(
                doctree,
                root,
                self.env.toc_secnumbers,
                self.env.toc_fignumbers,
                toc_depth=self.config.manualkit_pdf_toc_depth,
            )
            self.env.toc_secnumbers = {root: {}}
            self.env.toc_fignumbers = {root: printed.fignumbers}
            self._toc = printed.toc
        with progress_message("manualkit pdf: checking glyphs and images"):
            problems = self._check_glyphs(doctree) + self._check_images(doctree)
        if problems:
            # Each problem has been logged at its location (project-relative, with its column):
            # the error names only their number, so none is read twice.
            raise PdfBuildError(f"{len(set(problems))} problem(s), listed above; no PDF written")
        with progress_message("manualkit pdf: writing the print HTML"):
            self.write_doc_serialized(root, doctree)
            parts = split_print_tree(
                doctree, max_size=self.config.manualkit_pdf_part_size, min_parts=MIN_PARTS
            )
            self._anchors = anchors_of(parts)
            for part in parts:
                doctree.clear()
                doctree.extend(part.nodes)
                self._captured_body = None
                self.write_doc(root, doctree)
                if self._captured_body is None:
                    raise PdfBuildError("the HTML writer produced no body for a part; no PDF written")
                self._bodies.append((part.chapter, self._captured_body))
                part.nodes.clear()
            doctree.clear()
        if not self.export:
            # Exporting, this process ends once the job is handed over: nothing to give back
            # (freeing the doctrees object by object cost 0.15 s of a 8 s ``build pdf``).
            self._release_doctrees()

    def _release_doctrees(self) -> None:
        """Drop the doctrees before WeasyPrint runs: it needs only the print HTML.

        Why: Sphinx keeps every document's doctree from the reading phase until a builder asks
        for it by name (``get_and_resolve_doctree`` pops it) — a single-file builder never does —
        and the HTML writer keeps the assembled doctree and its translator's output.  All of that
        stayed in memory during the rendering, the most memory-hungry phase (10× manual: 320 MB of
        the 1.7 GB peak).  The caches are private to Sphinx, hence the ``getattr`` guards.
        """
        forget_read_doctrees(self.env)
        pickled = getattr(self.env, "_pickled_doctree_cache", None)
        if isinstance(pickled, dict):
            pickled.clear()
        writer = getattr(self, "docwriter", None)
        if writer is not None:
            for attribute in ("document", "visitor", "output", "body", "fragment", "html_body"):
                if hasattr(writer, attribute):
                    setattr(writer, attribute, None)
        gc.collect()

    def get_doc_context(self, docname: str, body: str, metatags: str) -> dict[str, Any]:
        return {"body": body, "metatags": metatags}

    def handle_page(
        self,
        pagename: str,
        addctx: dict[str, Any],
        templatename: str = "page.html",
        outfilename: str | os.PathLike[str] | None = None,
        event_arg: Any = None,
    ) -> None:
        """Keep the translated body of the part being written (the theme's page is not used)."""
        if pagename != self.config.root_doc or "body" not in addctx:
            return
        self._captured_body = addctx["body"]

    def _css_font_stacks(self) -> dict[str, str]:
        """``font-family`` values for the template's <style> (names validated: no CSS injection)."""
        stacks: dict[str, str] = {}
        for role, names in self.config.manualkit_pdf_fonts.items():
            for name in names:
                if not _FONT_NAME.match(name):
                    raise PdfBuildError(f"manualkit_pdf_fonts: invalid font family name {name!r}")
            stacks[role] = ", ".join(f'"{name}"' for name in names)
        return stacks

    def _typesetting_job(self) -> TypesettingJob:
        """Everything the typesetting needs from this build (see :mod:`.pdf_job`)."""
        variant = self.config.manualkit_pdf_variant or None
        return TypesettingJob(
            template=PrintTemplate(self._templates_dir, self._document, self._css_font_stacks()),
            work_dir=Path(self.outdir),
            roots=tuple(str(root) for root in self._allowed_roots()),
            options={"pdf_variant": variant, "pdf_identifier": self._document.pdf_identifier},
            workers=self._workers,
            anchors=self._anchors,
            bodies=tuple(self._bodies),
            toc=tuple(self._toc),
            target=self.pdf_path,
            folio_part_pages=self.config.manualkit_pdf_folio_pages,
        )

    # -- checks before rendering ---------------------------------------------------------------

    def _check_glyphs(self, doctree: nodes.document) -> list[str]:
        """Characters the fonts lack, each logged once at the place to correct: the chapter's line,
        or — for text rendered from data (forms, tables, the {sla} role …) — the data file's
        line and column, not the chapter line of the directive that rendered it."""
        cache = CmapCache(user_cache_dir() / CMAP_CACHE)
        coverage = Coverage(self._fonts, cache)
        problems: list[str] = []
        data_dir = self._project_path(self.config.manualkit_data_dir)
        places = _GlyphPlaces(data_dir, Path(self.confdir))
        for missing in iter_missing_glyphs(doctree, coverage):
            fonts = ", ".join(font.family for font in self._fonts.get(missing.role) or self._fonts["body"])
            location, value = places.locate(missing)
            if value is None:
                message = f"{missing.describe()} ({fonts}); it would print as an empty box"
            else:
                message = (
                    f"character {describe_char(missing.char)} of {value} is not in the {missing.role} "
                    f"fonts ({fonts}); it would print as an empty box"
                )
            problem = f"{location or '<unknown>'}: {message}"
            if problem in problems:  # one data value printed in several places: one report
                continue
            logger.error(message, location=location, type="manualkit", subtype="pdf")
            problems.append(problem)
        for file_name, text in cover_texts(self._document):
            for char in missing_in_text(text, coverage):
                location = _data_location(data_dir / file_name, text)
                message = (
                    f"character {char!r} (U+{ord(char):04X}) of {text!r} on the cover is not in "
                    "the PDF fonts; it would print as an empty box"
                )
                logger.error(message, location=location, type="manualkit", subtype="pdf")
                problems.append(f"{location}: {message}")
        cache.save()
        return problems

    def _check_images(self, doctree: nodes.document) -> list[str]:
        """Images must be files of the project; say which one is not, and where it is used."""
        roots = self._allowed_roots()
        srcdir = Path(self.srcdir)
        problems: list[str] = []
        for image in doctree.findall(nodes.image):
            uri = str(image["uri"])
            shown = str(image.get("original_uri", uri))  # what the author wrote, e.g. /etc/passwd
            message = None
            if "://" in uri or uri.startswith("//") or "?" in image.get("candidates", {}):
                message = f"image {shown} is not a file of the project; the PDF embeds project files only"
            elif not uri.startswith("data:"):
                path = (srcdir / uri).resolve()
                if not any(path.is_relative_to(root) for root in [srcdir.resolve(), *roots]):
                    message = f"image {shown} resolves to {path}, outside the project; refused"
                elif not path.is_file():
                    message = f"image {shown} not found (looked for {path})"
            if message:
                location = sphinx_logging.get_node_location(image) or "<unknown>"
                logger.error(message, location=image, type="manualkit", subtype="pdf")
                problems.append(f"{location}: {message}")
        return problems

    def _allowed_roots(self) -> list[Path]:
        """What the PDF may embed: the build output (images, diagrams) and the templates."""
        return [Path(self.outdir).resolve(), self._templates_dir, self._output_dir]

    # -- rendering -----------------------------------------------------------------------------

    def finish(self) -> None:
        with progress_message("manualkit pdf: copying images"):
            self.copy_image_files()
        if not self._bodies:
            raise PdfBuildError("the print HTML was not written; no PDF produced")
        job = self._typesetting_job()
        if not self.publish and self.export:
            self.job = job
            return
        if not self.publish:
            self.pending = typeset_in_background(job, self.progress)
            return
        try:
            pdf_bytes, pages = typeset(job, _SphinxReporter())
        except typesetting_errors() as exc:
            raise PdfBuildError(f"{exc}; no PDF written") from None
        if self.app._fail_on_warnings and self.app._warncount:
            # -W with --keep-going: the build has failed (in any phase); keep the previous PDF.
            # Said, not counted: the build failed on the problems already reported, and their
            # count is what the failure quotes.
            logger.info("PDF not written: warnings are errors (previous %s kept)", self.pdf_path)
            return
        with progress_message(f"manualkit pdf: writing {self.pdf_path}"):
            publish_output(self.pdf_path, pdf_bytes)
        self.output_path = self.pdf_path
        shown = display_path(self.pdf_path)
        self.summary = f"{pages} pages, {len(pdf_bytes) / 1024:.1f} KiB"
        self.epilog = f"{shown}: {self.summary}".replace("%", "%%")


class _SphinxReporter:
    """The assembly's reporter inside the Sphinx build: Sphinx's log, WeasyPrint's words as warnings."""

    def info(self, message: str) -> None:
        logger.info("%s", message)

    def warning(self, message: str) -> None:
        logger.warning("%s", message, type="manualkit", subtype="weasyprint")


def _is_sole_cell_paragraph(node: nodes.Element) -> bool:
    """A plain paragraph that is all a table cell holds (no ids or classes to keep)."""
    parent = node.parent
    return isinstance(parent, nodes.entry) and len(parent) == 1 and not node["ids"] and not node["classes"]


class _GlyphPlaces:
    """Where to correct a character the fonts lack: the chapter's line, or the data file's.

    Why: the directives render data through templates (a form, an SLA table, the attachment
    list) and the doctree keeps the chapter and the directive's line plus the template's line —
    ``manual/08-appendix.md:72`` in a chapter of 64 lines, for a form's field label in
    data/forms.yaml.  A node in a data fragment (an ``mk-*`` container), or one whose character
    is not in its chapter's text from its line to the end of its paragraph (a role's text), is
    looked up in the data files instead — read, with their positions, only when a character is
    missing.
    """

    def __init__(self, data_dir: Path, root: Path) -> None:
        self._data_dir = data_dir
        self._root = root
        self._source: DataSource | None = None
        self._files: dict[str, DataFileText | None] = {}
        self._chapters: dict[str, list[str]] = {}

    def locate(self, missing: MissingGlyph) -> tuple[str | None, str | None]:
        """``(path:line[:column], None)`` for chapter text (the column when the character is on the
        node's own line), ``(path:line:column, the value as a message shows it)`` for data."""
        node, char = missing.node, missing.char
        if not _in_data_fragment(node):
            source, line = get_source_line(node)
            column = self._chapter_column(source, line, char) if source and line else None
            if column is not None:
                return (f"{source}:{line}:{column}" if column else f"{source}:{line}"), None
        found = self._in_data(node, char)
        if found is not None:
            return found
        return sphinx_logging.get_node_location(node), None

    def _chapter_column(self, source: str, line: int, char: str) -> int | None:
        """Where ``char`` is in the chapter from ``line`` to its paragraph's end: its 1-based
        column on ``line`` itself, 0 on a later line (a diagram's code), ``None`` nowhere."""
        if source not in self._chapters:
            try:
                text = Path(source).read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                text = ""
            self._chapters[source] = text.splitlines()
        for offset, typed in enumerate(self._chapters[source][line - 1 :]):
            if char in typed:
                return typed.index(char) + 1 if offset == 0 else 0
            if not typed.strip():
                return None
        return None

    def _in_data(self, node: nodes.Node, char: str) -> tuple[str, str] | None:
        if self._source is None:
            self._source = load_source(self._data_dir, root=self._root)
        # The printed collections (the holiday schedules are read by the calendar, never printed).
        documents = {key: doc for key, doc in self._source.documents.items() if key in DATA_FILES}
        text = node.astext() if isinstance(node, nodes.Text) else str(node.get("code", ""))
        found = find_in_data(documents, char, text)
        if found is None:
            return None
        collection, path, value = found
        file = self._data_dir / DATA_FILES[collection]
        if collection not in self._files:
            try:
                self._files[collection] = DataFileText(
                    file.read_text(encoding="utf-8"), documents[collection]
                )
            except (OSError, UnicodeDecodeError):
                self._files[collection] = None
        lines = self._files[collection]
        position = lines.position(path, char) if lines is not None else None
        location = f"{file}:{position[0]}:{position[1]}" if position else f"{file}:"
        return location, f"{entry_path_label(collection, documents[collection].value, path)} {excerpt(value)}"


def _in_data_fragment(node: nodes.Node) -> bool:
    """Inside a container a data directive rendered (``mk-form``, ``mk-sla-table`` …)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and any(c.startswith("mk-") for c in parent["classes"]):
            return True
        parent = parent.parent
    return False


def _data_location(path: Path, text: str) -> str:
    """``path:line`` of the first line of a data file that contains ``text`` (for cover values)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return f"{path}:"
    line = next((number for number, content in enumerate(lines, start=1) if text in content), 0)
    return f"{path}:{line}" if line else f"{path}:"


def _add_config_value(app: Sphinx, name: str, default: Any, types: Any) -> None:
    """Register unless the manualkit extension already did (it owns the shared values)."""
    if name not in app.config.values:
        app.add_config_value(name, default, "env", types)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``pdf`` builder and its configuration."""
    app.setup_extension("sphinx.builders.singlehtml")
    _add_config_value(app, "manualkit_data_dir", "data", frozenset({str}))
    _add_config_value(app, "manualkit_templates_dir", "templates", frozenset({str}))
    _add_config_value(app, "manualkit_output_dir", "build", frozenset({str}))
    _add_config_value(
        app,
        "manualkit_pdf_fonts",
        {role: list(names) for role, names in DEFAULT_FONT_STACKS.items()},
        frozenset({dict}),
    )
    _add_config_value(app, "manualkit_pdf_variant", DEFAULT_PDF_VARIANT, frozenset({str}))
    _add_config_value(app, "manualkit_pdf_toc_depth", 2, frozenset({int}))
    _add_config_value(app, "manualkit_pdf_jobs", 0, frozenset({int}))
    _add_config_value(app, "manualkit_pdf_part_size", DEFAULT_PART_SIZE, frozenset({int}))
    _add_config_value(app, "manualkit_pdf_folio_pages", DEFAULT_FOLIO_PART_PAGES, frozenset({int}))
    app.add_builder(PdfBuilder)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["FontFile", "PdfBuildError", "PdfBuilder", "setup"]
