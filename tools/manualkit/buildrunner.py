"""Run the Sphinx builds in-process and publish their results atomically.

Why in-process: one Python process can build HTML, PDF and DOCX in turn over
one doctree cache (``build/.doctrees``), so the sources are read once for
``build all``; and Sphinx's messages can be relayed as ``file:line: …`` lines
with project-relative paths instead of a traceback.

Why a work directory: HTML is built into ``build/.work/html`` (kept between
runs so rebuilds are incremental) and only a *successful* build is copied to a
temporary sibling of ``build/html`` and swapped in with renames.  A failed
build — a broken chapter, a warning (warnings are errors) — leaves the
previously published site untouched.  The PDF and DOCX builders write their
final files atomically themselves (``manualkit_output_dir``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import io
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO, cast

from manualkit.builders.output import FinishedFile, OutputFailed, PendingFile, publish_output
from manualkit.diagnostics import SourceError
from manualkit.held_errors import HeldError, SourceErrorHold
from manualkit.held_errors import install as install_hold
from manualkit.project import Project
from manualkit.sphinx_jobs import AUTO, Jobs, sphinx_parallel
from manualkit.sphinx_jobs import install as install_jobs

#: Outputs ``manualkit build`` knows, in the order they are listed.
OUTPUTS: tuple[str, ...] = ("html", "pdf", "docx")
#: The order ``build all`` builds them: the PDF first, so that its typesetting (in worker
#: processes) overlaps the HTML and DOCX builds.
BUILD_ORDER: tuple[str, ...] = ("pdf", "html", "docx")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BuildFailure(Exception):
    """A build did not succeed; ``status`` is the exit status (1 failed build, 2 invalid sources).

    ``refused``: the build itself succeeded but publication was refused (the checker found
    errors and has said so already).
    """

    def __init__(
        self, message: str, status: int = 1, source_error: SourceError | None = None, *, refused: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.source_error = source_error
        self.refused = refused
        #: Sphinx's unknown-id errors held back for the checker (see ``manualkit.held_errors``).
        self.held: tuple[HeldError, ...] = ()


@dataclasses.dataclass(frozen=True)
class BuiltOutput:
    """One published output: ``html`` → ``build/html/index.html``."""

    name: str
    path: Path
    #: The builder's one-line account of what it wrote (pages, counts, size); may be empty.
    summary: str = ""


class WarningRelay(io.TextIOBase):
    """Sphinx's warning stream: relays each line with project-relative paths and no colours."""

    def __init__(self, target: TextIO, root: Path) -> None:
        super().__init__()
        self.target = target
        self.prefixes = sorted({f"{root}{os.sep}", f"{root.resolve()}{os.sep}"}, key=len, reverse=True)
        self.lines = 0
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""
        self.target.flush()

    def _emit(self, line: str) -> None:
        line = _ANSI.sub("", line)
        for prefix in self.prefixes:
            line = line.replace(prefix, "")
        if line.strip():
            self.lines += 1
        self.target.write(line + "\n")


@contextlib.contextmanager
def _sphinx_session(confdir: Path) -> Iterator[None]:
    """docutils patched as ``sphinx-build`` does, and its registries restored afterwards.

    Restoring matters: a second application in the same process (``build all``, tests)
    would otherwise find the first one's directives and roles still registered.
    """
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    with patch_docutils(confdir), docutils_namespace():
        yield


def run_sphinx(
    project: Project,
    builder: str,
    outdir: Path,
    *,
    stderr: TextIO,
    verbose: int = 0,
    parallel: Jobs = AUTO,
    fresh: bool = False,
    prepare: Callable[[Any], None] | None = None,
    hold_unknown_ids: bool = False,
) -> Any:
    """Build ``builder`` into ``outdir``; return the Sphinx application or raise :class:`BuildFailure`.

    ``prepare`` is given the builder before the build starts (it may set the builder's options).
    ``hold_unknown_ids`` (the checker runs beside the build): unknown-id errors still fail the
    build but are not printed; the failure carries them (``BuildFailure.held``).
    """
    hold = SourceErrorHold(project.root) if hold_unknown_ids else None
    try:
        return _run_sphinx(project, builder, outdir, stderr, verbose, parallel, fresh, prepare, hold)
    except BuildFailure as exc:
        if hold is not None:
            exc.held = tuple(hold.held)
        raise


def _run_sphinx(
    project: Project,
    builder: str,
    outdir: Path,
    stderr: TextIO,
    verbose: int,
    parallel: Jobs,
    fresh: bool,
    prepare: Callable[[Any], None] | None,
    hold: SourceErrorHold | None,
) -> Any:
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError

    relay = WarningRelay(stderr, project.root)
    status: TextIO | None = stderr if verbose else None
    if not verbose and builder == "html":
        _quiet_jieba()  # only the HTML search index loads jieba
    if not _isatty(stderr):
        from sphinx.util.console import nocolor

        nocolor()  # as sphinx-build does for a pipe: no escape codes in logs
    try:
        with _sphinx_session(project.root), _relaxed_gc():
            app = Sphinx(
                srcdir=project.manual_dir,
                confdir=project.root,
                outdir=outdir,
                doctreedir=project.doctree_dir,
                buildername=builder,
                status=status,
                warning=cast(IO[str], relay),
                freshenv=fresh,
                warningiserror=True,
                keep_going=True,
                verbosity=verbose,
                parallel=sphinx_parallel(parallel),
            )
            install_jobs(app, parallel)
            if hold is not None:
                install_hold(app, hold)
            if prepare is not None:
                prepare(app.builder)
            try:
                app.build()
            except BaseException:
                _cancel_pending(app)
                if app._warncount:
                    _forget_environment(project)
                raise
    except SphinxError as exc:
        relay.flush()
        cause = getattr(exc, "orig_exc", None) or exc.__cause__
        if isinstance(cause, SourceError):
            raise BuildFailure(f"{builder}: invalid sources", status=2, source_error=cause) from None
        if verbose:
            traceback.print_exc(file=stderr)
        if isinstance(cause, OSError):  # a full disk, a folder that cannot be written …
            raise BuildFailure(f"{builder} build failed: {file_problem(cause, project.root)}") from None
        raise BuildFailure(f"{builder} build failed: {exc.category}: {exc}") from None
    except SourceError as exc:
        relay.flush()
        raise BuildFailure(f"{builder}: invalid sources", status=2, source_error=exc) from None
    except OSError as exc:  # the machine's problem, not the sources' nor a bug: say which file
        relay.flush()
        if verbose:
            traceback.print_exc(file=stderr)
        raise BuildFailure(f"{builder} build failed: {file_problem(exc, project.root)}") from None
    except Exception as exc:
        relay.flush()
        if verbose:
            traceback.print_exc(file=stderr)
        hint = "" if verbose else " (run with -v for the traceback)"
        raise BuildFailure(
            f"{builder} build failed: internal error {type(exc).__name__}: {exc}{hint}"
        ) from None
    relay.flush()
    if app.statuscode != 0:
        _cancel_pending(app)
        _forget_environment(project)
        count = app._warncount
        raise BuildFailure(
            f"{builder} build failed: {count} problem(s) in the sources, reported above (a warning counts "
            "as an error); previous output left in place"
        )
    return app


def file_problem(exc: OSError, root: Path) -> str:
    """``No space left on device (writing build/.work/html/searchindex.js)``: what went wrong
    with which file, in the system's words, without the errno and type names of a traceback."""
    what = exc.strerror or str(exc)
    names = [name for name in (exc.filename, exc.filename2) if name is not None]
    shown = []
    for name in names:
        path = Path(os.fsdecode(name))
        try:
            shown.append(path.resolve().relative_to(root).as_posix())
        except ValueError:
            shown.append(str(path))
    text = f"{what}: {' -> '.join(shown)}" if shown else what
    if exc.errno == errno.ENOSPC:
        text += " (free some space on that disk; the previous outputs are kept)"
    return text


def _forget_environment(project: Project) -> None:
    """Delete Sphinx's saved environment after a run that warned and did not succeed.

    Why: Sphinx saves it as soon as the sources are read, warnings or not.  Kept, it tells the
    next run that the documents which warned are read and current: that run skips them and
    "succeeds" without reporting the problems again, whether this run failed at its end or was
    interrupted (Ctrl-C, SIGTERM) once the environment was saved.  Without it, the next run
    re-reads and re-reports everything.
    """
    (project.doctree_dir / "environment.pickle").unlink(missing_ok=True)


def _cancel_pending(app: Any) -> None:
    pending = getattr(app.builder, "pending", None)
    if pending is not None:
        pending.cancel()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


#: Generation-0 threshold while Sphinx runs: doctrees are millions of long-lived small objects,
#: and the default (700) makes the collector rescan them over and over while they are unpickled
#: and built (measured at 10×: 14.7 → 12.4 s CPU for the DOCX build, +6 MB).  Nearly all of
#: them live to the end of the run, so each generation-0 pass mostly rescans survivors, and every
#: 50th pass rescans them all again in generation 1: at 200 000 the collector still took 0.08 s
#: of the real manual's ``build docx`` (one pass) and about 0.4 s at 10×.  At 1 000 000
#: (``build docx``, medians of interleaved runs): real 1.59 → 1.50 s, 10× 5.38 → 5.22 s,
#: 50× 27.8 → 25.9 s, peak memory unchanged; 10× ``build html`` 8.66 → 8.39 s.  2 000 000 was
#: slightly faster still but raised the peak of a 10× ``build all`` from 480 to 600 MB (the
#: HTML build's cyclic garbage stayed while the PDF was assembled).
BUILD_GC_THRESHOLD = 1_000_000


#: Set by :func:`relax_collector_for_good`: this process ends with its builds.
_ends_with_builds = False


def relax_collector_for_good() -> None:
    """Keep the build threshold in a process that ends with its builds (``manualkit build``).

    Restoring the default threshold after a Sphinx run makes the next allocation scan the whole
    young generation — every object the run left alive, the environment included (0.13 s at
    10×) — in a process that then exits without teardown: work for nothing.  For the same
    reason the DOCX builder, the last to run, leaves its written doctree in memory.
    """
    global _ends_with_builds
    _ends_with_builds = True
    gc.set_threshold(BUILD_GC_THRESHOLD, 50, 50)


@contextlib.contextmanager
def _relaxed_gc() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(BUILD_GC_THRESHOLD, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _quiet_jieba() -> None:
    """jieba (Chinese word splitting for the search index) logs its dictionary loading at DEBUG."""
    from manualkit.sphinx.search import quiet_jieba

    quiet_jieba()


def publish_tree(source: Path, destination: Path) -> None:
    """Replace ``destination`` by a copy of ``source``: copy beside it, then swap with renames.

    Readers see the old tree or the new one, never a half-written mix (the gap between
    the two renames is a moment without the directory, never a partial one).
    """
    parent = destination.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(parent, destination.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.new-", dir=parent))
    try:
        shutil.copytree(source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*UNPUBLISHED))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired: Path | None = None
    if destination.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{destination.name}.old-", dir=parent))
        os.rename(destination, retired / destination.name)
    os.rename(staging, destination)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


#: What the HTML work folder keeps for the next build but the published site does not carry:
#: Sphinx's doctree cache, its ``.buildinfo`` (a hash of config values that hold the checkout's
#: absolute paths: two clones published different bytes; ``.buildinfo.bak``, the one Sphinx set
#: aside when the configuration changed) and manualkit's notes on the pages
#: (``.manualkit-pages.json`` …).
UNPUBLISHED: tuple[str, ...] = (".doctrees", ".manualkit-*", ".buildinfo", ".buildinfo.*")


def _remove_leftovers(parent: Path, name: str, *, older_than: float = 3600.0) -> None:
    """Staging/retired trees of an interrupted publish (a killed build) that nobody will finish."""
    limit = time.time() - older_than
    for pattern in (f".{name}.new-*", f".{name}.old-*"):
        for leftover in parent.glob(pattern):
            with contextlib.suppress(OSError):
                if leftover.is_dir() and leftover.stat().st_mtime < limit:
                    shutil.rmtree(leftover, ignore_errors=True)


def output_dir(project: Project, app: Any) -> Path:
    """Where final outputs go: ``manualkit_output_dir`` as the build saw it, else ``build/``."""
    config = app.config
    if "manualkit_output_dir" in config:
        return (project.root / str(config.manualkit_output_dir)).resolve()
    return project.build_dir


class PendingOutput:
    """A PDF or DOCX its builder finished (or is still typesetting) but did not publish.

    Why: publication waits for the checker's approval, and the PDF's typesetting may still be
    going on in its worker processes while the next output builds (see
    :mod:`manualkit.builders.pdf_background`).
    """

    def __init__(self, name: str, pending: PendingFile, stderr: TextIO, root: Path) -> None:
        self.name = name
        self._pending: PendingFile | None = pending
        self._finished: FinishedFile | None = None
        self._stderr = stderr
        self._root = root

    def publish(self, approve: Callable[[], bool] | None = None) -> BuiltOutput:
        """Wait for the file, and write it in place if ``approve`` (the checker) agrees."""
        if approve is not None and not approve():
            self.cancel()
            raise BuildFailure(f"{self.name} built but not published: the checks failed", refused=True)
        self.finish()
        return self.write()

    def finish(self) -> None:
        """Wait for the file (the PDF may still be typesetting); raise :class:`BuildFailure`."""
        if self._finished is not None:
            return
        pending = self._pending
        if pending is None:
            raise BuildFailure(f"{self.name} was already published or cancelled")
        self._pending = None
        try:
            self._finished = pending.result()
        except OutputFailed as exc:
            relay = WarningRelay(self._stderr, self._root)
            for warning in exc.warnings:
                relay.write(f"WARNING: {warning} [manualkit.weasyprint]\n")
            relay.flush()
            raise BuildFailure(f"{self.name} build failed: {exc}") from None

    def check_destination(self) -> None:
        """Raise :class:`BuildFailure` now if the file could not be written in place."""
        if self._finished is not None:
            _writable_folder(self.name, self._finished.path.parent, self._root)

    def write(self) -> BuiltOutput:
        """Write the finished file in place (after :meth:`finish`)."""
        finished = self._finished
        if finished is None:
            raise BuildFailure(f"{self.name} is not finished")
        self._finished = None
        try:
            publish_output(finished.path, finished.content)
        except OSError as exc:
            problem = file_problem(exc, self._root)
            raise BuildFailure(f"{self.name} built but not published: {problem}") from None
        return BuiltOutput(self.name, finished.path, finished.summary)

    def cancel(self) -> None:
        """Stop the work still going on (another output failed); idempotent."""
        self._finished = None
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then take effect as usual.

    Around the swap of ``build all``'s three outputs into place (a fraction of a second): an
    interrupt between two of them left a new PDF beside the old site and DOCX, exit status 130
    and nothing saying they disagreed.  Held, it stops the build once all three are in place.
    """
    received: list[int] = []

    def note(signum: int, _frame: object) -> None:
        received.append(signum)

    # Handlers, not a signal mask: a mask holds the signal for this thread only, and the
    # kernel may hand a process-directed one to another thread (Python runs its handler here).
    previous = {number: signal.signal(number, note) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])  # now as it would have been: Ctrl-C, a SIGTERM


def _writable_folder(name: str, folder: Path, root: Path) -> None:
    """The output folder exists (created if need be), is a folder and takes a new file: else a
    plain refusal, before any output of the build is replaced.

    Writing a file is the test (not permission bits): root ignores those, an immutable folder
    (``chattr +i``) or a read-only mount does not.  Only ``mkdir`` was tried, and a DOCX folder
    that refused its file was found after the site and the PDF had been replaced.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".manualkit-probe-"):
            pass
    except OSError as exc:
        raise BuildFailure(f"{name} built but not published: {file_problem(exc, root)}") from None


class PendingSite:
    """The HTML site built in its work folder, published (one tree swap) by :meth:`write`.

    ``build all`` publishes its outputs together, once every one of them is finished: a DOCX
    that failed after the site was already published left the site saying "6个工作日" and the
    PDF and DOCX "7个工作日".
    """

    def __init__(self, workdir: Path, published: Path, root: Path) -> None:
        self.name = "html"
        self._workdir = workdir
        self._published = published
        self._root = root

    def finish(self) -> None:
        """Nothing to wait for: the pages are written."""

    def check_destination(self) -> None:
        """The site's folder and the one holding it take new entries (the swap renames both)."""
        _writable_folder(self.name, self._published.parent, self._root)
        if self._published.exists() and not self._published.is_dir():
            raise BuildFailure(f"{self.name} built but not published: {self._published} is not a folder")
        if self._published.is_dir():
            _writable_folder(self.name, self._published, self._root)

    def write(self) -> BuiltOutput:
        try:
            publish_tree(self._workdir, self._published)
        except OSError as exc:
            problem = file_problem(exc, self._root)
            raise BuildFailure(f"{self.name} built but not published: {problem}") from None
        return BuiltOutput(self.name, self._published / "index.html")

    def cancel(self) -> None:
        """Nothing runs; the work folder stays for the next incremental build."""


def build_output(
    project: Project,
    name: str,
    *,
    stderr: TextIO,
    verbose: int = 0,
    parallel: Jobs = AUTO,
    fresh: bool = False,
    approve: Callable[[], bool] | None = None,
    hold_unknown_ids: bool = False,
    defer_site: bool = False,
) -> BuiltOutput | PendingOutput | PendingSite:
    """Build one output (``html``, ``pdf`` or ``docx``); raise :class:`BuildFailure`.

    HTML is published here once ``approve`` (asked after the build: the checker runs meanwhile)
    agrees, or handed back unpublished as a :class:`PendingSite` when ``defer_site``.  PDF and
    DOCX come back as a :class:`PendingOutput` whose ``publish`` asks; the PDF may still be
    typesetting in the background then.
    """
    workdir = project.work_dir / name

    def hand_over(builder: Any) -> None:
        if hasattr(builder, "publish"):
            builder.publish = False
        if _ends_with_builds and hasattr(builder, "free_after_writing"):
            builder.free_after_writing = False
        if verbose and hasattr(builder, "progress"):
            builder.progress = lambda line: print(line, file=stderr, flush=True)

    app = run_sphinx(
        project,
        name,
        workdir,
        stderr=stderr,
        verbose=verbose,
        parallel=parallel,
        fresh=fresh,
        prepare=hand_over if name != "html" else None,
        hold_unknown_ids=hold_unknown_ids,
    )
    final_dir = output_dir(project, app)
    if name == "html" and defer_site:
        return PendingSite(workdir, final_dir / "html", project.root)
    if name == "html":
        if approve is not None and not approve():
            raise BuildFailure("html built but not published: the checks failed", refused=True)
        site = PendingSite(workdir, final_dir / "html", project.root)
        site.check_destination()
        return site.write()
    pending = getattr(app.builder, "pending", None)
    if pending is None:
        raise BuildFailure(f"{name} build finished but wrote no file (previous output kept)")
    return PendingOutput(name, pending, stderr, project.root)


# --------------------------------------------------------------------------- the PDF in a child


class _ConnectionStream(io.TextIOBase):
    """A text stream whose lines travel to the parent process (which writes them to its stderr)."""

    def __init__(self, connection: Any, tty: bool) -> None:
        super().__init__()
        self._connection = connection
        self._tty = tty
        self._pending = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._tty

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self._connection.send(("text", complete + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._connection.send(("text", self._pending))
            self._pending = ""


def build_pdf_in_child(
    project: Project,
    *,
    stderr: TextIO,
    verbose: int = 0,
    parallel: Jobs = AUTO,
    fresh: bool = False,
    hold_unknown_ids: bool = False,
) -> PendingOutput:
    """The PDF's Sphinx build in a forked child; its typesetting here, in the background.

    Why: the Sphinx build of a large manual leaves its process holding hundreds of megabytes
    (the environment, and the memory the doctrees fragmented; 385 MB for the 10× manual) that
    CPython never returns to the system.  Typesetting needs none of it, only the print HTML:
    the child writes it, hands the :class:`~manualkit.builders.pdf_job.TypesettingJob` over and
    exits, and its memory is gone before WeasyPrint's workers start.  The child's messages are
    relayed to ``stderr`` line by line.
    """
    import multiprocessing

    from manualkit.builders.pdf_background import typeset_in_background

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
        result = build_output(
            project, "pdf", stderr=stderr, verbose=verbose, parallel=parallel, fresh=fresh,
            hold_unknown_ids=hold_unknown_ids,
        )  # fmt: skip
        if not isinstance(result, PendingOutput):
            raise BuildFailure("pdf build finished but wrote no file (previous output kept)")
        return result
    context = multiprocessing.get_context("fork")
    for stream in (sys.stdout, sys.stderr, stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()  # the child must not write our pending output again
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_pdf_child,
        args=(project, sender, receiver, _isatty(stderr), verbose, parallel, fresh, hold_unknown_ids),
        name="manualkit-pdf-html",
        # Not a daemon: Sphinx's parallel read (``-j``) forks its readers from this child, and
        # daemonic processes may not have children.  It is joined below in any case.
        daemon=False,
    )
    process.start()
    sender.close()  # the child holds the only writer: its death ends recv() with EOF
    outcome: tuple[Any, ...] | None = None
    try:
        while outcome is None:
            message = receiver.recv()
            if message[0] == "text":
                stderr.write(message[1])
                stderr.flush()
            else:
                outcome = message
    except EOFError:
        pass
    finally:
        receiver.close()
        if outcome is None and process.is_alive():
            process.terminate()
        process.join()
    if outcome is None:
        raise BuildFailure(f"pdf build failed: its process ended with status {process.exitcode}")
    if outcome[0] == "failed":
        _, message, status, diagnostics, refused, held = outcome
        source_error = SourceError(list(diagnostics)) if diagnostics is not None else None
        failure = BuildFailure(message, status, source_error, refused=refused)
        failure.held = held
        raise failure
    progress = (lambda line: print(line, file=stderr, flush=True)) if verbose else None
    return PendingOutput("pdf", typeset_in_background(outcome[1], progress), stderr, project.root)


def _pdf_child(
    project: Project,
    connection: Any,
    parents_end: Any,
    tty: bool,
    verbose: int,
    parallel: Jobs,
    fresh: bool,
    hold: bool,
) -> None:
    """The PDF's Sphinx build, its messages and its outcome sent to the parent over ``connection``.

    The fork gave this process the parent's reading end of the pipe too (``parents_end``), and
    it closes it first.  Kept open, it made the pipe outlive the parent's reading: a build
    stopped by SIGTERM while Sphinx read (the parent stops reading, ends the child and waits
    for it) left this child, its interrupted readers' messages filling the pipe, blocked for
    ever writing into a pipe only it could read, and the parent waiting for it.  Closed, such a
    write fails at once (the parent has stopped listening: nothing is left to report).
    """
    from manualkit.builders.pdf_pool import typesetting_elsewhere

    parents_end.close()
    typesetting_elsewhere()
    stream = cast(TextIO, _ConnectionStream(connection, tty))
    sys.stdout = sys.stderr = stream
    try:
        with contextlib.suppress(BrokenPipeError):
            _report_pdf_job(project, connection, stream, verbose, parallel, fresh, hold)
    finally:
        connection.close()


def _report_pdf_job(
    project: Project, connection: Any, stream: TextIO, verbose: int, parallel: Jobs, fresh: bool, hold: bool
) -> None:
    """Export the PDF's typesetting job and send it to the parent, or why there is none."""
    try:
        job = _export_pdf_job(project, stream, verbose, parallel, fresh, hold)
    except BuildFailure as exc:
        stream.flush()
        diagnostics = tuple(exc.source_error.diagnostics) if exc.source_error is not None else None
        connection.send(("failed", str(exc), exc.status, diagnostics, exc.refused, exc.held))
    except BaseException as exc:  # reported by the parent, never as a traceback
        stream.flush()
        connection.send(
            ("failed", f"pdf build failed: internal error {type(exc).__name__}: {exc}", 1, None, False, ())
        )
    else:
        stream.flush()
        connection.send(("job", job))


def _export_pdf_job(
    project: Project, stream: TextIO, verbose: int, parallel: Jobs, fresh: bool, hold: bool
) -> Any:
    def export(builder: Any) -> None:
        builder.publish = False
        builder.export = True

    app = run_sphinx(
        project,
        "pdf",
        project.work_dir / "pdf",
        stderr=stream,
        verbose=verbose,
        parallel=parallel,
        fresh=fresh,
        prepare=export,
        hold_unknown_ids=hold,
    )
    job = getattr(app.builder, "job", None)
    if job is None:
        raise BuildFailure("pdf build finished but wrote no file (previous output kept)")
    return job
