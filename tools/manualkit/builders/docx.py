"""The ``docx`` Sphinx builder: the whole manual as one Word document.

Like Sphinx's singlehtml and LaTeX builders it assembles one doctree from the root document
(``inline_all_toctrees``) and resolves references against it, so the DOCX is made from the same
doctree as the HTML and PDF outputs.  The file goes to
``<manualkit_output_dir>/docx/<document_number>-v<version>.docx``, written to a temporary file
and moved into place, so a failed build leaves the previous DOCX untouched.

The builder times its own write phase (every doctree unpickled, assembled, resolved, translated
and the ``.docx`` written) and records it in ``write-phase.json`` in its Sphinx output directory
(``build/.work/docx``): ``make bench`` compares exactly that phase with pandoc, without the
interpreter start-up and environment loading a whole ``manualkit build docx`` also pays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import resource
import time
from collections.abc import Iterable, Iterator, Set
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.errors import ExtensionError, SphinxError
from sphinx.util import logging

from manualkit.builders.doctrees import assemble_manual
from manualkit.builders.flowchart_notes import FlowchartCollector, noted_flowcharts, noted_flowcharts_of
from manualkit.builders.output import FinishedFile, PendingFile, ReadyFile, display_path, publish_output
from manualkit.diagnostics import has_errors
from manualkit.loader import load_data
from manualkit.models import ManualData
from manualkit.sphinx_jobs import fork_is_safe, single_file_processes

if TYPE_CHECKING:
    from manualkit.writers.docx import Fonts, RenderResult

logger = logging.getLogger(__name__)


#: Name of the write-phase record in the builder's output directory (read by ``manualkit.bench``).
WRITE_PHASE_FILE = "write-phase.json"


class DocxBuildError(SphinxError):
    category = "DOCX build error"


@dataclasses.dataclass(frozen=True)
class WritePhase:
    """The builder's write phase: doctree of every document → ``.docx`` bytes on disk.

    ``peak_kib`` is the process's peak resident memory at the end of the phase (``ru_maxrss``):
    the write phase holds the largest structures of the build (the whole assembled doctree and
    the WordprocessingML tree), so this is the build's peak, reached while writing.
    """

    seconds: float
    peak_kib: int
    documents: int
    output_bytes: int


class DocxBuilder(Builder):
    """Assemble the manual into one doctree and write it as DOCX."""

    name = "docx"
    format = "docx"
    epilog = ""
    allow_parallel = False
    supported_image_types = ["image/png", "image/jpeg", "image/gif"]  # noqa: RUF012 (Sphinx API)

    @property
    def default_translator_class(self) -> type[nodes.NodeVisitor]:  # type: ignore[override]
        """The translator, imported on first use.

        conf.py loads this extension for every build; importing the writer (python-docx, lxml)
        with it cost each HTML and PDF build ~0.08 s for a module only a DOCX build runs.
        """
        from manualkit.writers.docx import DocxTranslator

        return DocxTranslator

    def init(self) -> None:
        # The writer (python-docx, lxml: ~0.1 s to import) loads with the builder that uses it,
        # not with the extension (loaded by every build) nor inside the timed write phase.
        import manualkit.writers.docx  # noqa: F401
        from manualkit.writers.docx.graphs import GraphRenderer, dot_arguments, dot_executable

        #: Flowchart PNGs, started as each document is read (see ``start_flowcharts``).
        self.graphs = GraphRenderer(
            dot_executable(self.config), Path(self.outdir) / "_images", dot_arguments(self.config)
        )
        self._pid = os.getpid()

        #: The DOCX written by this build (read by ``manualkit.buildrunner``), and its summary line.
        self.output_path: Path | None = None
        self.summary = ""
        #: The last write phase, also saved as ``WRITE_PHASE_FILE`` for the bench.
        self.write_phase: WritePhase | None = None
        self._written_bytes: int | None = None
        #: Set to False by ``manualkit.buildrunner`` before the build: the DOCX is then handed
        #: over as ``pending`` and published by the CLI once the checker approved.
        self.publish = True
        #: Set to False by ``manualkit.buildrunner`` in a process that ends with its builds (the
        #: ``manualkit build`` command, which builds the DOCX last): the written doctree is then
        #: frozen out of the collector's sight instead of taken apart (:func:`dismantle`, 0.13 s
        #: at 10×) to free memory that the process is about to give back anyway.
        self.free_after_writing = True
        self.pending: PendingFile | None = None
        self._content: bytes | None = None

    def start_flowcharts(self) -> None:
        """Start rasterising the flowcharts of the document just read, while the others are read.

        ``dot`` runs in processes of its own, so the charts are drawn on the second core while
        this one reads; rendered at write time they were 40 % of the real manual's write phase.
        A parallel reader (a forked process) leaves them to this process, which starts them as
        each reader's documents come back (``start_merged_flowcharts``): its runs would end with
        it.  The sources are those :class:`FlowchartCollector` has just noted (it handles
        ``doctree-read`` first).
        """
        if os.getpid() != self._pid:
            return
        self.graphs.prerender(noted_flowcharts_of(self.env, self.env.docname))

    def start_merged_flowcharts(self, docnames: Iterable[str]) -> None:
        """Start rasterising the flowcharts of documents a parallel reader has just sent back.

        They are drawn while the other readers go on; before, they were all started when the
        write began and a large manual's writer waited for them before it could fork (0.17–0.27 s
        at 10×).  The renderer runs ``dot`` without threads, so Sphinx may fork its next
        readers meanwhile.
        """
        self.graphs.prerender(
            code for docname in sorted(docnames) for code in noted_flowcharts_of(self.env, docname)
        )

    def start_all_flowcharts(self) -> None:
        """Start rasterising every flowchart the environment knows of and not started yet, in
        reading order (those of documents read in an earlier build)."""
        self.graphs.prerender(noted_flowcharts(self.env, self.config.root_doc))

    def stop_flowcharts(self) -> None:
        """Wait for flowcharts still rendering."""
        self.graphs.close()

    def get_outdated_docs(self) -> str:
        return "all documents"

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        # Everything is one document: references become '#document-<doc>#<id>' and are mapped
        # to Word bookmarks by the translator.
        return "#document-" + docname

    def get_relative_uri(self, from_: str, to: str, typ: str | None = None) -> str:
        return self.get_target_uri(to, typ)

    def prepare_writing(self, docnames: Set[str]) -> None:
        pass

    def write_documents(self, _docnames: Set[str]) -> None:
        started = time.perf_counter()
        record = Path(self.outdir) / WRITE_PHASE_FILE
        record.unlink(missing_ok=True)  # never leave a previous build's figures behind a failed one
        self.start_all_flowcharts()
        with _collector_paused():
            # Only a tree taken apart afterwards needs its nodes from before the resolution.
            unresolved: list[nodes.Node] | None = [] if self.free_after_writing else None
            tree = self.write_manual(unresolved)
            if unresolved is not None:
                dismantle(tree, unresolved)
            else:
                gc.freeze()  # never scanned again: the collector would spend 0.3 s on it at 10×
            del tree, unresolved
        written = self._written_bytes
        if written is None:
            return
        phase = WritePhase(
            seconds=time.perf_counter() - started,
            peak_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            documents=len(self.env.found_docs),
            output_bytes=written,
        )
        self.write_phase = phase
        self.summary += f", written in {phase.seconds:.2f} s"
        if not self.publish and self._content is not None and self.output_path is not None:
            self.pending = ReadyFile(FinishedFile(self.output_path, self._content, self.summary))
            self._content = None
        self.epilog = f"{display_path(self.output_path or record)}: {self.summary}".replace("%", "%%")
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(dataclasses.asdict(phase)) + "\n", encoding="utf-8")

    def write_manual(self, unresolved: list[nodes.Node] | None) -> nodes.document:
        """Assemble, render and publish the manual; return the tree this process assembled.

        A large manual is assembled and translated in two processes
        (:func:`~manualkit.writers.docx.document.render_docx_in_parts`); otherwise, or when that
        does not work out, in this one.
        """
        from manualkit.writers.docx.document import render_docx_in_parts

        data = self._load_data()
        if single_file_processes(self.app) > 1:
            self.graphs.settle()  # no thread may run at the fork, and the child gets the charts drawn
            if fork_is_safe():
                parts = render_docx_in_parts(self, data, self._fonts(), self.graphs, unresolved)
                if parts is not None:
                    self._publish(data, parts.result)
                    return parts.tree
                if unresolved is not None:
                    unresolved.clear()
        tree = assemble_manual(self, unresolved)
        self._render_whole(data, tree)
        return tree

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        """Render ``doctree`` (the assembled manual) and publish the DOCX."""
        self._render_whole(self._load_data(), doctree)

    def _render_whole(self, data: ManualData, doctree: nodes.document) -> None:
        from manualkit.writers.docx import render_docx

        self._publish(data, render_docx(doctree, self, data, self._fonts(), graphs=self.graphs))

    def _publish(self, data: ManualData, result: RenderResult) -> None:
        """Publish the rendered DOCX (its size goes to ``_written_bytes``), unless warnings are errors."""
        self._written_bytes = None
        target = self.output_dir() / f"{data.meta.document_number}-v{data.meta.version}.docx"
        if _warnings_are_errors(self.app):
            # -W with --keep-going: the build has failed (in any phase); keep the previous DOCX.
            # Said, not counted: the build failed on the problems already reported, and their
            # count is what the failure quotes.
            logger.info("DOCX not written: warnings are errors (previous %s kept)", display_path(target))
            return
        if self.publish:
            publish_output(target, result.content)
        else:
            self._content = result.content
        self.output_path = target
        stats = result.stats
        self.summary = (
            f"{stats.headings} headings, {stats.tables} tables, {stats.forms} forms, "
            f"{len(result.content) / 1024:.1f} KiB"
        )
        self._written_bytes = len(result.content)

    def finish(self) -> None:
        pass

    # -- configuration -------------------------------------------------------------------------

    def _project_dir(self) -> Path:
        return Path(self.confdir)

    def output_dir(self) -> Path:
        """``<confdir>/<manualkit_output_dir>/docx`` (the CLI's ``build/docx``)."""
        base = _config_value(self.config, "manualkit_output_dir", "build")
        return (self._project_dir() / base / "docx").resolve()

    def _load_data(self) -> ManualData:
        """The data ``manualkit.sphinx`` validated for this build, else loaded here.

        Re-reading and re-validating every YAML file cost as much as translating the doctree.
        """
        data_dir = self._project_dir() / _config_value(self.config, "manualkit_data_dir", "data")
        loaded = _runtime_data(self.env, data_dir)
        if loaded is not None:
            return loaded
        data, diagnostics = load_data(data_dir)
        if data is None or has_errors(diagnostics):
            details = "\n".join(d.format() for d in diagnostics)
            raise DocxBuildError(f"cannot build DOCX: invalid data in {data_dir}\n{details}")
        return data

    def _fonts(self) -> Fonts:
        """Font families, with ``manualkit_docx_fonts`` overrides from conf.py."""
        from manualkit.writers.docx import Fonts

        overrides = dict(self.config.manualkit_docx_fonts or {})
        known = {field.name for field in dataclasses.fields(Fonts)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise DocxBuildError(
                f"conf.py: manualkit_docx_fonts has unknown key(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(sorted(known))}"
            )
        return Fonts(**{key: str(value) for key, value in overrides.items()})


def _config_value(config: Any, name: str, default: str) -> str:
    """A manualkit config value registered by ``manualkit.sphinx``, or its default without it."""
    try:
        value = getattr(config, name)
    except AttributeError:
        return default
    return str(value) if value else default


def _runtime_data(env: Any, data_dir: Path) -> ManualData | None:
    """The ``mk`` domain's data when ``manualkit.sphinx`` loaded it from ``data_dir``."""
    try:
        runtime = env.get_domain("mk").runtime
    except (ExtensionError, AttributeError):
        return None
    if runtime is None or Path(runtime.data_dir).resolve() != data_dir.resolve():
        return None
    data = runtime.data
    return data if isinstance(data, ManualData) else None


def _warnings_are_errors(app: Sphinx) -> bool:
    """Whether ``-W`` is on and a warning was logged in any phase so far.

    Sphinx 8 has no public counter (``statuscode`` is set only after the builder finished and
    ``warningiserror`` is a constant), so the private attributes are read defensively: if a
    later Sphinx renames them, the DOCX is written and ``app.statuscode`` still fails the build.
    """
    fatal = bool(getattr(app, "_fail_on_warnings", False))
    count = getattr(app, "_warncount", 0)
    return fatal and isinstance(count, int) and count > 0


def dismantle(tree: nodes.document, detached: Iterable[nodes.Node] = ()) -> None:
    """Break the reference cycles of a written doctree so reference counting frees it at once.

    Every node points to its parent and its document, so the whole assembled manual (600,000
    objects at 10×) is one cyclic structure: left as it is, the garbage collector scans it as
    young objects the moment it runs again (0.3 s at 10×), then again as it ages, before it
    finally frees it.  The tree is this builder's own (``take_doctree``), read by nobody after
    the write, so its links are cut: children lists emptied (also those shared with the
    chapters' document roots), parent and document references dropped, and the document roots'
    registries (ids, names, transformer, reporter) cleared.

    ``detached`` are nodes that were in the tree before its references were resolved
    (:func:`~manualkit.builders.doctrees.assemble_manual`): the resolution replaced some of them
    (a cross-reference's original content, filtered messages, the chapters' own document roots)
    and they would otherwise be left to the collector, 110,000 objects and 0.18 s at 10×.
    """
    roots: dict[int, nodes.document] = {id(tree): tree}
    stack: list[nodes.Node] = [tree, *detached]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Element):
            children = node.children
            stack.extend(children)
            children.clear()
        own = node.__dict__.get("_document")
        if own is not None and id(own) not in roots:
            roots[id(own)] = own
            stack.extend(_kept_apart(own))
        node.parent = None
        node.document = None
    for root in roots.values():
        root.__dict__.clear()


def _kept_apart(document: nodes.document) -> list[nodes.Node]:
    """Nodes a document root holds outside its tree: substitution definitions, system messages."""
    held: list[nodes.Node] = list(getattr(document, "substitution_defs", {}).values())
    held.extend(getattr(document, "parse_messages", ()))
    held.extend(getattr(document, "transform_messages", ()))
    return held


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the doctree is unpickled and translated.

    Both phases allocate hundreds of thousands of long-lived objects (docutils nodes, lxml
    proxies) and no garbage; CPython's generational collector kept re-scanning them, which
    made up about a third of the write phase.  The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _start_flowcharts(app: Sphinx, doctree: nodes.document) -> None:
    if isinstance(app.builder, DocxBuilder):
        app.builder.start_flowcharts()


def _start_merged_flowcharts(app: Sphinx, _env: Any, docnames: Iterable[str], _other: Any) -> None:
    if isinstance(app.builder, DocxBuilder):
        app.builder.start_merged_flowcharts(docnames)


def _stop_flowcharts(app: Sphinx, _exception: Exception | None) -> None:
    if isinstance(app.builder, DocxBuilder):
        app.builder.stop_flowcharts()


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``docx`` builder and its font setting."""
    app.setup_extension("sphinx.ext.graphviz")
    # Shared with manualkit.sphinx (whichever extension loads first registers them).
    shared: tuple[tuple[str, str, Literal["", "env"]], ...] = (
        ("manualkit_data_dir", "data", "env"),
        ("manualkit_templates_dir", "templates", "env"),
        ("manualkit_output_dir", "build", ""),
    )
    for name, default, rebuild in shared:
        if name not in app.config.values:
            app.add_config_value(name, default, rebuild, types=frozenset({str}))
    app.add_builder(DocxBuilder)
    app.add_env_collector(FlowchartCollector)
    app.connect("doctree-read", _start_flowcharts)
    # After the collectors (500), which merge the readers' notes into this environment.
    app.connect("env-merge-info", _start_merged_flowcharts, priority=600)
    app.connect("build-finished", _stop_flowcharts)
    app.add_config_value("manualkit_docx_fonts", {}, "env", types=frozenset({dict}))
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
